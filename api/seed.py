"""Loading a catalogue data file (companies, jurisdictions and their catalogue), idempotently."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from tortoise.transactions import in_transaction

from api.models.catalogue import Category, Community, Department, DepartmentKind, Grant, Priority
from api.models.organisation import Company, Jurisdiction

logger = logging.getLogger(__name__)

DEFAULT_CATALOGUE = Path(__file__).parent / "data" / "dafeng.json"


@dataclass
class SeedSummary:
    created: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        if created:
            self.created[kind] = self.created.get(kind, 0) + 1

    def __str__(self) -> str:
        if not self.created:
            return "catalogue already loaded; nothing changed"
        return "created " + ", ".join(f"{n} {kind}" for kind, n in sorted(self.created.items()))


async def load_catalogue(path: str | Path | None = None) -> SeedSummary:
    """Create what the file describes and is missing; existing rows are left as they are.

    Loading the same file twice changes nothing, and rows the back office has
    edited since are not overwritten.
    """
    data = json.loads(Path(path or DEFAULT_CATALOGUE).read_text(encoding="utf-8"))
    summary = SeedSummary()
    async with in_transaction():
        for company in data.get("companies", []):
            _, created = await Company.get_or_create(
                code=company["code"], defaults={"name_zh": company["name_zh"], "name_en": company["name_en"]}
            )
            summary.count("companies", created)
        for item in data.get("jurisdictions", []):
            await _load_jurisdiction(item, summary)
    logger.info("catalogue loaded", extra={"created_counts": summary.created})
    return summary


async def _load_jurisdiction(item: dict, summary: SeedSummary) -> None:
    jurisdiction, created = await Jurisdiction.get_or_create(
        code=item["code"], defaults={"name_zh": item["name_zh"], "name_en": item["name_en"]}
    )
    summary.count("jurisdictions", created)

    departments: dict[str, Department] = {}
    for dept in item.get("departments", []):
        departments[dept["code"]], created = await Department.get_or_create(
            jurisdiction=jurisdiction,
            code=dept["code"],
            defaults={"kind": DepartmentKind(dept["kind"]), "name_zh": dept["name_zh"], "name_en": dept["name_en"]},
        )
        summary.count("departments", created)

    for comm in item.get("communities", []):
        community = await Community.get_or_none(jurisdiction=jurisdiction, code=comm["code"])
        if community is not None:
            continue
        # Each community is also a department that receives the reports inside its area.
        department, _ = await Department.get_or_create(
            jurisdiction=jurisdiction,
            code=f"community-{comm['code']}",
            defaults={"kind": DepartmentKind.COMMUNITY, "name_zh": comm["name_zh"], "name_en": comm["name_en"]},
        )
        await Community.create(
            jurisdiction=jurisdiction,
            code=comm["code"],
            name_zh=comm["name_zh"],
            name_en=comm["name_en"],
            boundary=comm.get("boundary"),
            department=department,
        )
        summary.count("communities", True)

    for cat in item.get("categories", []):
        category, created = await Category.get_or_create(
            jurisdiction=jurisdiction,
            code=cat["code"],
            defaults={
                "name_zh": cat["name_zh"],
                "name_en": cat["name_en"],
                "group": cat["group"],
                "gb_code": cat.get("gb_code"),
                "points": int(cat["points"]),
                "priority": Priority(cat.get("priority", "NORMAL")),
                "response_minutes": int(cat["response_minutes"]),
                "private": bool(cat.get("private", False)),
                "duplicate_radius_m": int(cat.get("duplicate_radius_m", 50)),
                "emergency_call": cat.get("emergency_call"),
                "is_other": bool(cat.get("is_other", False)),
            },
        )
        summary.count("categories", created)
        if not created:
            continue
        for dept_code in cat.get("departments", []):
            await Grant.get_or_create(department=departments[dept_code], category=category)
            summary.count("grants", True)
