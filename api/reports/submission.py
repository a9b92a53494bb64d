"""A courier's report submission: check, store in WGS-84, route, link duplicates, all in one transaction.

A retried submission with the same idempotency key and the same body returns
the report created the first time. The same key with a different body is an
error, so a client bug cannot silently drop a report.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from dataclasses import asdict, dataclass, field

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.auth.principal import Principal, require_role
from api.errors import FieldProblem, Forbidden, ValidationFailed
from api.geo.coordinates import is_valid_point, to_wgs84
from api.models.catalogue import Category, Department
from api.models.identity import Role, User, UserStatus
from api.models.reports import CoordinateSystem, DispatchRole, Report, ReportDispatch, TimelineKind
from api.points.guards import check_daily_cap
from api.reports import messages  # noqa: F401 - registers the report messages
from api.reports import duplicates, routing, timeline

logger = logging.getLogger(__name__)

MAX_DESCRIPTION = 2000
MAX_OTHER_TEXT = 200
MAX_ADDRESS = 300
# A phone fix worse than this many metres cannot tell which community a report is in.
MAX_ACCURACY_M = 10_000
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,128}$")


@dataclass(frozen=True)
class SubmissionInput:
    category_code: str
    latitude: float
    longitude: float
    coordinate_system: CoordinateSystem
    idempotency_key: str
    description: str = ""
    other_text: str | None = None
    accuracy_m: float | None = None
    address: str | None = None
    media_ids: list[str] = field(default_factory=list)

    def normalised(self) -> "SubmissionInput":
        return SubmissionInput(
            category_code=self.category_code.strip(),
            latitude=self.latitude,
            longitude=self.longitude,
            coordinate_system=self.coordinate_system,
            idempotency_key=self.idempotency_key.strip(),
            description=self.description.strip(),
            other_text=(self.other_text or "").strip() or None,
            accuracy_m=self.accuracy_m,
            address=(self.address or "").strip() or None,
            media_ids=[str(m).strip() for m in self.media_ids],
        )

    def fingerprint(self) -> str:
        """SHA-256 of the normalised body without the key, to tell a retry from a reused key."""
        body = asdict(self)
        body.pop("idempotency_key")
        body["coordinate_system"] = self.coordinate_system.value
        canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Submission:
    report: Report
    category: Category
    departments: list[Department]
    # True when this call returned the report of an earlier call with the same key.
    replayed: bool = False


async def submit(principal: Principal | None, raw: SubmissionInput) -> Submission:
    courier = require_role(principal, Role.COURIER)
    if courier.status is not UserStatus.ACTIVE:
        raise Forbidden("COURIER_NOT_ACTIVE")
    data = raw.normalised()
    if not IDEMPOTENCY_KEY.match(data.idempotency_key):
        raise ValidationFailed.single("idempotencyKey", "IDEMPOTENCY_KEY_INVALID")
    fingerprint = data.fingerprint()

    earlier = await _earlier_submission(courier, data.idempotency_key, fingerprint)
    if earlier is not None:
        return earlier

    category = await _validate(courier, data)
    media = await _check_media(courier, data.media_ids)
    point = to_wgs84(data.latitude, data.longitude, data.coordinate_system)
    placement = await routing.locate(courier.jurisdiction_id, point)

    try:
        async with in_transaction():
            # Locking the courier's row makes the daily cap exact under concurrent submissions.
            await User.filter(id=courier.user_id).select_for_update().first()
            await check_daily_cap(courier.user_id)
            report = await Report.create(
                jurisdiction_id=courier.jurisdiction_id,
                reporter_id=courier.user_id,
                category=category,
                other_text=data.other_text if category.is_other else None,
                description=data.description,
                latitude=point.latitude,
                longitude=point.longitude,
                accuracy_m=data.accuracy_m,
                submitted_latitude=data.latitude,
                submitted_longitude=data.longitude,
                submitted_coordinate_system=data.coordinate_system,
                address=data.address,
                community_id=placement.community_id,
                outside_communities=placement.community_id is None,
                idempotency_key=data.idempotency_key,
                request_fingerprint=fingerprint,
            )
            await timeline.record(
                report, TimelineKind.SUBMITTED, actor_id=courier.user_id, to_status=report.status,
                detail={"placement": placement.rule, "snap_distance_m": round(placement.distance_m, 1)},
            )
            outcome = await routing.route_new_report(report, category)
            await duplicates.link_possible_duplicates(report, category)
            await _link_media(report, media)
    except IntegrityError:
        # A concurrent retry with the same key committed first.
        earlier = await _earlier_submission(courier, data.idempotency_key, fingerprint)
        if earlier is None:
            raise
        return earlier

    logger.info(
        "report submitted",
        extra={"report_id": str(report.id), "category": category.code, "status": report.status.value,
               "community_id": placement.community_id, "placement": placement.rule},
    )
    return Submission(report, category, outcome.departments)


async def _earlier_submission(courier: Principal, key: str, fingerprint: str) -> Submission | None:
    report = await Report.get_or_none(reporter_id=courier.user_id, idempotency_key=key)
    if report is None:
        return None
    if report.request_fingerprint != fingerprint:
        raise ValidationFailed.single("idempotencyKey", "IDEMPOTENCY_KEY_REUSED")
    category = await Category.get(id=report.category_id)
    department_ids = ReportDispatch.filter(report_id=report.id, role=DispatchRole.OWNER, active=True).values_list(
        "department_id", flat=True
    )
    departments = await Department.filter(id__in=await department_ids).order_by("id")
    return Submission(report, category, departments, replayed=True)


async def _validate(courier: Principal, data: SubmissionInput) -> Category:
    problems: list[FieldProblem] = []
    category = await Category.get_or_none(jurisdiction_id=courier.jurisdiction_id, code=data.category_code, active=True)
    if category is None:
        problems.append(FieldProblem("categoryCode", "CATEGORY_UNKNOWN"))
    elif category.is_other and not data.other_text:
        problems.append(FieldProblem("otherText", "OTHER_TEXT_REQUIRED"))
    if data.other_text and len(data.other_text) > MAX_OTHER_TEXT:
        problems.append(FieldProblem("otherText", "OTHER_TEXT_TOO_LONG", {"max": MAX_OTHER_TEXT}))
    if len(data.description) > MAX_DESCRIPTION:
        problems.append(FieldProblem("description", "DESCRIPTION_TOO_LONG", {"max": MAX_DESCRIPTION}))
    if data.address and len(data.address) > MAX_ADDRESS:
        problems.append(FieldProblem("address", "ADDRESS_TOO_LONG", {"max": MAX_ADDRESS}))
    if not is_valid_point(data.latitude, data.longitude):
        problems.append(FieldProblem("location", "COORDINATES_INVALID"))
    elif data.latitude == 0 and data.longitude == 0:
        # What a phone sends when it has no fix; a real report is never in the Gulf of Guinea.
        problems.append(FieldProblem("location", "LOCATION_NO_FIX"))
    if data.accuracy_m is not None and not (math.isfinite(data.accuracy_m) and 0 <= data.accuracy_m <= MAX_ACCURACY_M):
        problems.append(FieldProblem("location.accuracyM", "ACCURACY_INVALID", {"max": MAX_ACCURACY_M}))
    if problems:
        raise ValidationFailed(problems)
    assert category is not None
    return category


async def _check_media(courier: Principal, media_ids: list[str]) -> list:
    if not media_ids:
        return []
    from api.media import attach

    return await attach.check_attachable(owner_id=courier.user_id, media_ids=media_ids)


async def _link_media(report: Report, media: list) -> None:
    if not media:
        return
    from api.media import attach

    await attach.link(report, media)
