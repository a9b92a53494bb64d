"""Reports filed by integrator clients through Open311 POST requests.

The report goes through the same checks, routing, duplicate search and
timeline as a courier's, in one transaction. Its source is INTEGRATOR and it
has no reporter, so it earns no points. The client is linked through
IntegratorReport. Open311's reporter fields (email, name, phone, device_id) are
ignored and never stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from api.geo.coordinates import to_wgs84
from api.integrators.service import IntegratorPrincipal
from api.models.catalogue import Category, Department
from api.models.integrators import IntegratorReport, IntegratorScope
from api.models.reports import CoordinateSystem, Report, ReportSource, TimelineKind
from api.reports import duplicates, routing, submission, timeline
from api.security.permissions import require_scope

logger = logging.getLogger(__name__)


class PrivateCategory(Exception):
    """The service code names a private category, which Open311 never offers."""


@dataclass(frozen=True)
class Filed:
    report: Report
    category: Category
    departments: list[Department]


async def file_report(
    client: IntegratorPrincipal,
    *,
    service_code: str,
    latitude: float,
    longitude: float,
    description: str,
    address: str | None,
) -> Filed:
    """Check, store and route a report from an integrator; raise ValidationFailed on bad input."""
    require_scope(client, IntegratorScope.REPORTS_SUBMIT.value)
    data = submission.SubmissionInput(
        category_code=service_code,
        latitude=latitude,
        longitude=longitude,
        coordinate_system=CoordinateSystem.WGS84,
        idempotency_key="",
        description=description,
        # The catch-all category requires free text, and Open311 has only the description.
        other_text=description[: submission.MAX_OTHER_TEXT] or None,
        address=address,
    ).normalised()
    # NOTE: _validate is the reports module's check of category, text and coordinates.
    # It reads only jurisdiction_id from the caller, so an integrator principal serves.
    category = await submission._validate(client, data)  # type: ignore[arg-type]
    if category.private:
        raise PrivateCategory()
    point = to_wgs84(data.latitude, data.longitude, data.coordinate_system)
    placement = await routing.locate(client.jurisdiction_id, point)

    async with in_transaction():
        report = await Report.create(
            jurisdiction_id=client.jurisdiction_id,
            source=ReportSource.INTEGRATOR,
            reporter_id=None,
            category=category,
            other_text=data.other_text if category.is_other else None,
            description=data.description,
            latitude=point.latitude,
            longitude=point.longitude,
            submitted_latitude=data.latitude,
            submitted_longitude=data.longitude,
            submitted_coordinate_system=data.coordinate_system,
            address=data.address,
            community_id=placement.community_id,
            outside_communities=placement.community_id is None,
        )
        await IntegratorReport.create(report=report, client_id=client.client_uuid)
        await timeline.record(
            report, TimelineKind.SUBMITTED, actor_id=None, to_status=report.status,
            detail={"source": "open311", "client_id": client.client_id, "placement": placement.rule},
        )
        outcome = await routing.route_new_report(report, category)
        await duplicates.link_possible_duplicates(report, category)

    logger.info(
        "report filed by integrator",
        extra={"report_id": str(report.id), "client_id": client.client_id, "category": category.code},
    )
    return Filed(report, category, outcome.departments)
