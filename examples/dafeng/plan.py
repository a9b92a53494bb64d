"""What happens during the day, decided before it starts from a seeded random generator.

The plan contains the truth that the scenario later plays out and checks.
It says which courier reports what and where, which reports are
near-duplicates or retried, what a report filed under "other" really is,
and what its department will do with it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from enum import Enum

from examples.dafeng.people import Point, random_point_in

# Maximum reports one courier files in the day, below the server's default daily cap of 20.
MAX_REPORTS_PER_COURIER = 15

DESCRIPTIONS = {
    "manhole-cover": ["人行道井盖破损，边缘塌陷", "井盖缺失，已放锥桶提示", "雨水井盖松动，车过有响声"],
    "shop-sign": ["店招一角脱落，悬在人行道上方", "广告牌螺丝松动，风大摇晃"],
    "fire-lane-blocked": ["小区消防通道被私家车堵住", "消防通道堆放杂物"],
    "traffic-light": ["路口信号灯不亮", "人行横道信号灯常红", "信号灯黄灯一直闪"],
    "garbage": ["路边垃圾堆积，有异味", "绿化带里有大量建筑垃圾", "垃圾桶满溢无人清运"],
    "illegal-construction": ["小区顶楼在搭建彩钢棚", "一楼住户私自扩建围墙"],
    "municipal-facility": ["路灯杆倾斜", "护栏被撞断", "公交站台顶棚破损"],
    "food-drug-fraud": ["有人向老人推销假鹿茸", "流动摊贩卖来路不明的保健品"],
    "vice-tip": ["某出租屋疑似聚众赌博", "某足浴店疑似涉黄"],
    "person-in-danger": ["河边有小孩独自玩耍，疑似走失", "老人迷路，说不清住址"],
}
HEAT_STROKE = "路边一名老人中暑晕倒，意识模糊，已扶到阴凉处"
STROKE = "有人突然口角歪斜、说话不清，疑似脑卒中"
# Free text of reports filed under "other", with the category the back office gives them.
OTHER_REPORTS = [
    ("路边大树被风吹倒，压在人行道上", "municipal-facility"),
    ("小区门口有人卖假药给老人", "food-drug-fraud"),
    ("桥下堆满了废旧家具", "garbage"),
    ("十字路口的红绿灯被树枝挡住", "traffic-light"),
    ("人行道上的窨井冒水", "manhole-cover"),
]
REGULAR_WEIGHTS = {
    "garbage": 8, "manhole-cover": 5, "traffic-light": 5, "municipal-facility": 5, "shop-sign": 3,
    "fire-lane-blocked": 3, "illegal-construction": 2, "food-drug-fraud": 2, "vice-tip": 1,
}
EMERGENCY_CATEGORIES = ("medical-emergency", "person-in-danger")
MEDICAL = "medical-emergency"


class Fate(str, Enum):
    """The owner department's decision on a report during the day."""

    RESOLVE = "resolve"
    LEAVE_OPEN = "leave open"  # accepted and replied to, still being worked at the end of the day
    REJECT = "reject"
    HAND_BACK = "hand back"  # filed under the wrong category: the department hands it back to triage
    DUPLICATE = "duplicate"  # a near-duplicate: the department confirms it


@dataclass
class PlannedReport:
    index: int
    courier: int
    category: str
    point: Point
    community: str
    description: str
    fate: Fate = Fate.RESOLVE
    other_text: str | None = None
    # The category the back office gives it: for "other" and for reports handed back.
    true_category: str | None = None
    duplicate_of: int | None = None
    retried: bool = False
    heat_stroke: bool = False
    # Filed while the couriers log in at the start of the shift, in a hurry and without a photo.
    at_shift_start: bool = False
    photos: int = 1
    orientation: int = 6
    key: str = ""

    @property
    def idempotency_key(self) -> str:
        return self.key


@dataclass
class Plan:
    couriers: int
    reports: list[PlannedReport] = field(default_factory=list)

    def of_category(self, code: str) -> list[PlannedReport]:
        return [report for report in self.reports if report.category == code]


def _count(total: int, share: float, minimum: int) -> int:
    return max(minimum, round(total * share))


def make_plan(*, couriers: int, reports: int, communities: dict[str, dict], categories: dict[str, dict],
              rng: random.Random, run_id: str) -> Plan:
    """Plan ``reports`` reports by ``couriers`` couriers over the given communities (code to GeoJSON boundary)."""
    missing = [code for code in [*REGULAR_WEIGHTS, *EMERGENCY_CATEGORIES, "other"] if code not in categories]
    if missing:
        raise ValueError(f"the catalogue lacks the Dafeng demo categories {missing}")
    plan = Plan(couriers=couriers)
    load = [0] * couriers

    def pick_courier(avoid: int | None = None) -> int:
        # Busy riders report more: weights fall with the courier's number, capped per courier.
        candidates = [c for c in range(couriers) if load[c] < MAX_REPORTS_PER_COURIER and c != avoid]
        chosen = rng.choices(candidates, weights=[1 / (1 + c % 7) for c in candidates])[0]
        load[chosen] += 1
        return chosen

    def add(category: str, description: str, **values) -> PlannedReport:  # type: ignore[no-untyped-def]
        community = values.pop("community", None) or rng.choice(sorted(communities))
        point = values.pop("point", None) or random_point_in(communities[community], rng)
        courier = values.pop("courier", None)
        report = PlannedReport(
            index=len(plan.reports), courier=pick_courier() if courier is None else courier, category=category,
            point=point, community=community, description=description,
            orientation=rng.choice((1, 3, 6, 6, 6, 8)), photos=2 if rng.random() < 0.2 else 1, **values,
        )
        report.key = f"{run_id}-{report.index:05d}"
        plan.reports.append(report)
        return report

    others = _count(reports, 0.06, 2)
    medical = _count(reports, 0.02, 1)
    in_danger = _count(reports, 0.015, 1)
    duplicates = _count(reports, 0.05, 2)
    regular = reports - others - medical - in_danger - duplicates
    if regular < len(REGULAR_WEIGHTS):
        raise ValueError(f"{reports} reports are too few to cover every category; use at least 20")

    # Every regular category once, then the rest by weight.
    codes = list(REGULAR_WEIGHTS)
    codes += rng.choices(codes, weights=list(REGULAR_WEIGHTS.values()), k=regular - len(codes))
    for code in codes:
        add(code, rng.choice(DESCRIPTIONS[code]))
    for number in range(medical):
        report = add(MEDICAL, HEAT_STROKE if number % 2 == 0 else STROKE, heat_stroke=number % 2 == 0)
        if number == 0:
            report.at_shift_start = True
            report.photos = 0
    for _ in range(in_danger):
        add("person-in-danger", rng.choice(DESCRIPTIONS["person-in-danger"]))
    for number in range(others):
        text, true_category = OTHER_REPORTS[number % len(OTHER_REPORTS)]
        add("other", "", other_text=text, true_category=true_category)

    _assign_fates(plan, rng, categories)
    _add_near_duplicates(plan, duplicates, rng, add, pick_courier)
    for report in rng.sample([r for r in plan.reports if r.fate is not Fate.DUPLICATE], _count(reports, 0.05, 2)):
        report.retried = True
    rng.shuffle(plan.reports)
    return plan


def _assign_fates(plan: Plan, rng: random.Random, categories: dict[str, dict]) -> None:
    """Hand-backs of misfiled urban-management reports, a few rejections, and some work left open."""
    regular = [r for r in plan.reports if r.category in REGULAR_WEIGHTS]
    misfiled = [r for r in regular if r.category == "municipal-facility"]
    for report in rng.sample(misfiled, min(len(misfiled), _count(len(plan.reports), 0.03, 1))):
        # A "broken municipal facility" that is really a signal light: urban management hands it back.
        report.fate = Fate.HAND_BACK
        report.description = "路口信号灯灯杆损坏，灯不亮"
        report.true_category = "traffic-light"
    candidates = [r for r in regular if r.fate is Fate.RESOLVE]
    rejected = rng.sample(candidates, _count(len(plan.reports), 0.05, 1))
    for report in rejected:
        report.fate = Fate.REJECT
    candidates = [r for r in candidates if r not in rejected]
    for report in rng.sample(candidates, _count(len(plan.reports), 0.1, 1)):
        report.fate = Fate.LEAVE_OPEN


def _add_near_duplicates(plan: Plan, count: int, rng: random.Random, add, pick_courier) -> None:  # type: ignore[no-untyped-def]
    """Second reports of a problem already reported, by another courier standing a few metres away."""
    originals = [
        r for r in plan.reports
        if r.category in REGULAR_WEIGHTS and r.category != "vice-tip" and r.fate is Fate.RESOLVE
    ]
    for original in rng.sample(originals, min(count, len(originals))):
        point = original.point.moved(rng.uniform(-8, 8), rng.uniform(-8, 8))
        add(
            original.category, original.description, point=point, community=original.community,
            courier=pick_courier(avoid=original.courier), fate=Fate.DUPLICATE, duplicate_of=original.index,
        )
