"""Invented report histories for the benchmark data: one report with its dispatches, timeline and ledger rows.

Each report gets the rows the product itself would have written by the time
the generator runs: a status that depends on the report's age, a timeline
entry per step, OWNER and COMMUNITY dispatches as routing creates them, and
an AWARD ledger entry once the back office verified it. The shapes follow
api/reports/submission.py, routing.py, actions.py and api/points/verification.py.
"""

from __future__ import annotations

import json
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

REPORT_COLUMNS = (
    "id", "created_at", "updated_at", "jurisdiction_id", "source", "reporter_id", "category_id", "other_text",
    "description", "status", "triage_reason", "latitude", "longitude", "accuracy_m", "submitted_latitude",
    "submitted_longitude", "submitted_coordinate_system", "address", "community_id", "outside_communities",
    "due_at", "dispatched_at", "accepted_at", "resolved_at", "closed_at", "duplicate_of_id", "idempotency_key",
    "request_fingerprint",
)
DISPATCH_COLUMNS = ("created_at", "updated_at", "report_id", "department_id", "role", "active")
TIMELINE_COLUMNS = (
    "created_at", "updated_at", "report_id", "kind", "actor_id", "department_id", "comment", "visible_to_reporter",
    "from_status", "to_status", "detail",
)
LEDGER_COLUMNS = ("created_at", "jurisdiction_id", "courier_id", "kind", "amount", "report_id", "actor_id", "reason",
                  "reference")
DUPLICATE_COLUMNS = ("created_at", "updated_at", "report_id", "original_id", "distance_m", "status", "decided_by_id",
                     "decided_at")

# Share of reports per category code of the Dafeng catalogue. Everyday street problems dominate,
# emergencies and tips are rare, and about one report in seven needs a person to classify it.
CATEGORY_MIX = {
    "garbage": 0.26, "municipal-facility": 0.14, "other": 0.14, "traffic-light": 0.10, "shop-sign": 0.08,
    "manhole-cover": 0.08, "fire-lane-blocked": 0.08, "illegal-construction": 0.05, "medical-emergency": 0.03,
    "food-drug-fraud": 0.02, "vice-tip": 0.01, "person-in-danger": 0.01,
}
DESCRIPTIONS = {
    "garbage": "路口垃圾堆积，已经有异味", "municipal-facility": "人行道护栏倒了", "traffic-light": "红绿灯不亮了",
    "shop-sign": "店招松动，风大时晃动", "manhole-cover": "井盖破了一角", "fire-lane-blocked": "消防通道被电瓶车堵住",
    "illegal-construction": "顶楼在搭建彩钢棚", "medical-emergency": "有人晕倒在路边", "food-drug-fraud": "有人向老人推销假鹿茸",
    "vice-tip": "疑似涉赌场所", "person-in-danger": "小孩独自在马路边哭", "other": "路灯一直闪",
}
REPLIES = ("已收到，马上派人处理", "已安排人员前往现场", "感谢反映，正在处理")
RESOLUTIONS = ("已处理完毕", "已清理", "已修复", "已联系责任单位整改")
OUTSIDE_SHARE = 0.03
REVOKED_SHARE = 0.003


@dataclass
class Catalogue:
    """Ids the generator needs, read from the database after the catalogue seed."""

    jurisdiction_id: int
    categories: dict[str, dict]                      # code -> {"id", "points", "response_minutes", "private", ...}
    owners: dict[int, list[int]]                     # category id -> owner department ids
    communities: list[tuple[int, int, tuple[float, float, float, float]]]  # (id, department id, lon/lat box)
    staff_of: dict[int, uuid.UUID]                   # department id -> one staff user
    admin_id: uuid.UUID


@dataclass
class Rows:
    reports: list[tuple] = field(default_factory=list)
    dispatches: list[tuple] = field(default_factory=list)
    timeline: list[tuple] = field(default_factory=list)
    ledger: list[tuple] = field(default_factory=list)
    duplicates: list[tuple] = field(default_factory=list)

    def clear(self) -> None:
        for rows in (self.reports, self.dispatches, self.timeline, self.ledger, self.duplicates):
            rows.clear()


def _outcome(rng: random.Random, age: timedelta) -> str:
    """The report's status today, by how long ago it was submitted."""
    draw = rng.random()
    if age > timedelta(days=30):
        return "CLOSED" if draw < 0.85 else "REJECTED" if draw < 0.92 else "DUPLICATE" if draw < 0.97 else "RESOLVED"
    if age > timedelta(days=3):
        return "CLOSED" if draw < 0.5 else "RESOLVED" if draw < 0.8 else "ACCEPTED" if draw < 0.9 else (
            "REJECTED" if draw < 0.95 else "DUPLICATE")
    return "DISPATCHED" if draw < 0.4 else "ACCEPTED" if draw < 0.75 else "RESOLVED" if draw < 0.95 else "REJECTED"


def _minutes(rng: random.Random, median: float) -> timedelta:
    return timedelta(minutes=median * math.exp(rng.gauss(0, 0.8)))


class HistoryWriter:
    """Appends the rows of one report at a time to ``rows``."""

    def __init__(self, catalogue: Catalogue, rng: random.Random, now: datetime) -> None:
        self.catalogue = catalogue
        self.rng = rng
        self.now = now
        self.rows = Rows()
        self.codes = list(CATEGORY_MIX)
        self.weights = [CATEGORY_MIX[code] for code in self.codes]
        self.classifiable = [c for c in self.codes if c not in ("other", "medical-emergency", "person-in-danger")]
        self.classifiable_weights = [CATEGORY_MIX[code] for code in self.classifiable]
        self.last_open: dict[int, uuid.UUID] = {}
        # (courier id, time, signed amount) of every award and revocation, for the payout pass.
        self.point_events: list[tuple[uuid.UUID, datetime, int]] = []

    def _entry(self, at: datetime, report_id: uuid.UUID, kind: str, *, actor=None, department=None, comment="",
               visible=True, from_status=None, to_status=None, detail: dict | None = None) -> None:
        self.rows.timeline.append((at, at, report_id, kind, actor, department, comment, visible, from_status,
                                   to_status, json.dumps(detail or {}, ensure_ascii=False)))

    def _place(self) -> tuple[float, float, int | None, int | None]:
        rng = self.rng
        community_id, department_id, (west, south, east, north) = rng.choice(self.catalogue.communities)
        if rng.random() < OUTSIDE_SHARE:
            return south - rng.uniform(0.002, 0.01), west - rng.uniform(0.002, 0.01), None, None
        return rng.uniform(south, north), rng.uniform(west, east), community_id, department_id

    def add(self, courier_id: uuid.UUID, created: datetime) -> None:
        rng, catalogue = self.rng, self.catalogue
        report_id = uuid.uuid4()
        code = rng.choices(self.codes, self.weights)[0]
        category = catalogue.categories[code]
        latitude, longitude, community_id, community_department = self._place()
        age = self.now - created
        other_text = DESCRIPTIONS["other"] if category["is_other"] else None
        self._entry(created, report_id, "SUBMITTED", actor=courier_id, to_status="SUBMITTED",
                    detail={"placement": "inside" if community_id else "outside"})

        at = created + timedelta(seconds=rng.uniform(0.05, 2))
        needs_triage = category["is_other"] or (community_id is None and category["priority"] != "EMERGENCY")
        triage_reason = None
        if needs_triage:
            triage_reason = "OTHER_CATEGORY" if category["is_other"] else "OUTSIDE_COMMUNITIES"
            self._entry(at, report_id, "TRIAGED", from_status="SUBMITTED", to_status="TRIAGE",
                        detail={"reason": triage_reason})
            if age < timedelta(days=2):
                self._report(report_id, created, at, courier_id, category, other_text, "TRIAGE", triage_reason,
                             latitude, longitude, community_id, {})
                return
            at += _minutes(rng, 90)
            if category["is_other"]:
                category = catalogue.categories[rng.choices(self.classifiable, self.classifiable_weights)[0]]
                self._entry(at, report_id, "CLASSIFIED", actor=catalogue.admin_id, from_status="TRIAGE",
                            to_status="TRIAGE", detail={"category": category["code"]})

        previous = "TRIAGE" if needs_triage else "SUBMITTED"
        owners = catalogue.owners[category["id"]]
        if community_department is not None and not category["private"]:
            self.rows.dispatches.append((created, created, report_id, community_department, "COMMUNITY", True))
        for department_id in owners:
            self.rows.dispatches.append((at, at, report_id, department_id, "OWNER", True))
            self._entry(at, report_id, "DISPATCHED", department=department_id, from_status=previous,
                        to_status="DISPATCHED", detail={"category": category["code"]})
        stamps = {"dispatched_at": at, "due_at": at + timedelta(minutes=category["response_minutes"])}
        self._progress(report_id, created, courier_id, category, owners, stamps, _outcome(rng, age))
        status = stamps.pop("status")
        self._report(report_id, created, stamps.pop("updated_at"), courier_id, category, other_text, status, None,
                     latitude, longitude, community_id, stamps)

    def _progress(self, report_id, created, courier_id, category, owners, stamps: dict, outcome: str) -> None:
        """Walk the report from DISPATCHED towards ``outcome``, never past the present."""
        rng, catalogue = self.rng, self.catalogue
        department = owners[0]
        staff = catalogue.staff_of.get(department)
        at = stamps["dispatched_at"]
        status = "DISPATCHED"
        stamps["updated_at"] = at
        quick = category["response_minutes"] * 0.4

        def advance(step: timedelta) -> bool:
            nonlocal at
            if at + step >= self.now:
                return False
            at += step
            stamps["updated_at"] = at
            return True

        if outcome == "DUPLICATE" and category["id"] in self.last_open and advance(_minutes(rng, quick)):
            original = self.last_open[category["id"]]
            self.rows.duplicates.append((created, at, report_id, original, round(rng.uniform(3, 45), 1), "CONFIRMED",
                                         staff, at))
            self._entry(at, report_id, "DUPLICATE_CONFIRMED", actor=staff, department=department,
                        from_status=status, to_status="DUPLICATE", detail={"original_id": str(original)})
            stamps.update(status="DUPLICATE", duplicate_of_id=original, due_at=None)
            return
        self.last_open[category["id"]] = report_id
        if outcome in ("DUPLICATE", "REJECTED"):
            if advance(_minutes(rng, quick)):
                self._entry(at, report_id, "REJECTED", actor=staff, department=department, comment="不属于本部门职责",
                            from_status=status, to_status="REJECTED")
                status = "REJECTED"
                stamps["due_at"] = None
            stamps["status"] = status
            return

        if outcome != "DISPATCHED" and advance(_minutes(rng, quick)):
            self._entry(at, report_id, "ACCEPTED", actor=staff, department=department, from_status=status,
                        to_status="ACCEPTED")
            status, stamps["accepted_at"] = "ACCEPTED", at
            if rng.random() < 0.5 and advance(timedelta(minutes=rng.uniform(1, 30))):
                self._entry(at, report_id, "REPLIED", actor=staff, department=department, comment=rng.choice(REPLIES))
            if rng.random() < 0.1 and advance(timedelta(minutes=rng.uniform(1, 60))):
                self._entry(at, report_id, "NOTE", actor=staff, department=department, comment="已通知片区网格员",
                            visible=False)
        if outcome in ("RESOLVED", "CLOSED") and status == "ACCEPTED" and advance(_minutes(rng, quick * 3)):
            self._entry(at, report_id, "RESOLVED", actor=staff, department=department, comment=rng.choice(RESOLUTIONS),
                        from_status=status, to_status="RESOLVED")
            status, stamps["resolved_at"] = "RESOLVED", at
        if outcome == "CLOSED" and status == "RESOLVED" and advance(timedelta(days=rng.uniform(0.5, 7))):
            self._award(report_id, courier_id, category, at)
            status, stamps["closed_at"] = "CLOSED", at
        stamps["status"] = status

    def _award(self, report_id: uuid.UUID, courier_id: uuid.UUID, category: dict, at: datetime) -> None:
        catalogue = self.catalogue
        points = category["points"]
        self._entry(at, report_id, "VERIFIED", actor=catalogue.admin_id, from_status="RESOLVED", to_status="CLOSED")
        self._entry(at, report_id, "POINTS_AWARDED", actor=catalogue.admin_id, detail={"amount": points})
        self.rows.ledger.append((at, catalogue.jurisdiction_id, courier_id, "AWARD", points, report_id,
                                 catalogue.admin_id, "", None))
        self.point_events.append((courier_id, at, points))
        revoked_at = at + timedelta(days=self.rng.uniform(0.5, 3))
        if self.rng.random() < REVOKED_SHARE and revoked_at < self.now:
            self.rows.ledger.append((revoked_at, catalogue.jurisdiction_id, courier_id, "ADJUSTMENT", -points,
                                     report_id, catalogue.admin_id, "照片重复使用，撤销积分", None))
            self._entry(revoked_at, report_id, "POINTS_REVOKED", actor=catalogue.admin_id, visible=True,
                        detail={"amount": -points})
            self.point_events.append((courier_id, revoked_at, -points))

    def _report(self, report_id, created, updated, courier_id, category, other_text, status, triage_reason,
                latitude, longitude, community_id, stamps: dict) -> None:
        self.rows.reports.append((
            report_id, created, updated, self.catalogue.jurisdiction_id, "COURIER", courier_id, category["id"],
            other_text, DESCRIPTIONS[category["code"]], status, triage_reason, latitude, longitude,
            round(self.rng.uniform(5, 40), 1), latitude, longitude, "WGS84", None, community_id, community_id is None,
            stamps.get("due_at"), stamps.get("dispatched_at"), stamps.get("accepted_at"), stamps.get("resolved_at"),
            stamps.get("closed_at"), stamps.get("duplicate_of_id"), f"bench-{report_id.hex}", None,
        ))


def payouts(point_events: list[tuple[uuid.UUID, datetime, int]], boundaries: list[datetime], now: datetime,
            minimum: int, jurisdiction_id: int, admin_id: uuid.UUID) -> list[tuple]:
    """PAYOUT entries: five days after each quarter's end every courier is paid what they earned before it.

    A revocation lands at most three days after its award, so counting every
    revocation up to the payment keeps each balance at zero or above.
    """
    by_courier: dict[uuid.UUID, list[tuple[datetime, int]]] = {}
    for courier_id, at, amount in point_events:
        by_courier.setdefault(courier_id, []).append((at, amount))
    rows = []
    for courier_id, events in by_courier.items():
        paid = 0
        for boundary in boundaries:
            paid_at = boundary + timedelta(days=5)
            if paid_at >= now:
                break
            earned = sum(amount for at, amount in events if (at < boundary if amount > 0 else at < paid_at))
            balance = earned - paid
            if balance >= minimum:
                paid += balance
                reference = f"PAY-{paid_at:%Y%m}-{courier_id.hex[:12]}"
                rows.append((paid_at, jurisdiction_id, courier_id, "PAYOUT", -balance, None, admin_id, "季度积分兑付",
                             reference))
    return rows
