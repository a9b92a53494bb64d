"""CSV export of a period's awards and payouts per courier, for the finance office."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tortoise import connections

from api.errors import ValidationFailed
from api.models.audit import AuditEntry
from api.models.points import LedgerEntry, LedgerKind
from api.points.export import COLUMNS, export_period
from tests import points_factories as pf

BEIJING = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).parent.parent


def beijing(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BEIJING)


async def _ledger(courier, kind, amount, at, **extra):
    return await LedgerEntry.create(
        jurisdiction_id=courier.jurisdiction_id, courier=courier, kind=kind, amount=amount, created_at=at, **extra
    )


async def _sample():
    """Two couriers with activity in 2026 H1, one entry of each before and after the period."""
    zhang = await pf.courier_user(real_name="张三", company_code="sf")
    li = await pf.courier_user(real_name="李四")
    await pf.award(zhang, 40, beijing(2025, 12, 31, 23, 59))
    await pf.award(zhang, 20, beijing(2026, 1, 1, 0, 0))
    revoked = await pf.award(zhang, 30, beijing(2026, 3, 1, 9, 0))
    await _ledger(zhang, LedgerKind.ADJUSTMENT, -30, beijing(2026, 3, 2, 9, 0), report_id=revoked.report_id, reason="伪造")
    await _ledger(zhang, LedgerKind.ADJUSTMENT, 5, beijing(2026, 3, 3, 9, 0), reason="补录")
    await _ledger(zhang, LedgerKind.PAYOUT, -50, beijing(2026, 6, 30, 23, 59), reference="BANK-1")
    await _ledger(zhang, LedgerKind.PAYOUT, -10, beijing(2026, 7, 1, 0, 0), reference="BANK-2")
    await pf.award(li, 100, beijing(2026, 5, 5, 5, 5))
    return zhang, li


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


async def test_export_half_year(db, catalogue):
    zhang, li = await _sample()
    output = io.StringIO()

    count = await export_period("dafeng", "2026-H1", output)

    rows = _rows(output.getvalue())
    assert count == 2
    assert list(rows[0]) == COLUMNS
    by_name = {row["real_name"]: row for row in rows}
    assert by_name["张三"] == {
        "courier_id": str(zhang.id), "real_name": "张三", "company": "顺丰",
        "awarded": "50", "revoked": "30", "adjusted": "5", "paid_out": "50",
        "net_change": "-25", "closing_balance": "15",
    }
    assert by_name["李四"]["awarded"] == "100"
    assert by_name["李四"]["closing_balance"] == "100"
    audit = await AuditEntry.get(action="points.export")
    assert audit.target_id == "2026-H1"
    assert audit.detail == {"rows": 2}


async def test_export_year_and_empty_period(db, catalogue):
    await _sample()
    year = io.StringIO()
    empty = io.StringIO()

    await export_period("dafeng", "2025", year)
    await export_period("dafeng", "2024-H2", empty)

    [row] = _rows(year.getvalue())
    assert (row["real_name"], row["awarded"], row["closing_balance"]) == ("张三", "40", "40")
    assert _rows(empty.getvalue()) == []


@pytest.mark.parametrize("period", ["2026-H3", "26", "2026-", "2026-H", "H1", "1999"])
async def test_export_rejects_bad_period(db, catalogue, period):
    with pytest.raises(ValidationFailed) as caught:
        await export_period("dafeng", period, io.StringIO())

    assert caught.value.problems[0].code == "PERIOD_INVALID"


async def test_export_rejects_unknown_jurisdiction(db, catalogue):
    with pytest.raises(ValidationFailed) as caught:
        await export_period("nowhere", "2026", io.StringIO())

    assert caught.value.problems[0].code == "JURISDICTION_UNKNOWN"


async def test_export_defuses_formula_names(db, catalogue):
    courier = await pf.courier_user(real_name="=HYPERLINK(1)")
    await pf.award(courier, 10, beijing(2026, 2, 2, 2, 2))
    output = io.StringIO()

    await export_period("dafeng", "2026", output)

    assert _rows(output.getvalue())[0]["real_name"] == "'=HYPERLINK(1)"


async def test_export_command_writes_file(db, catalogue, request, tmp_path):
    await _sample()
    if db == "sqlite":
        url = f"sqlite://{connections.get('default').filename}"
    else:
        url = request.getfixturevalue("postgres_url")
    target = tmp_path / "points.csv"
    environment = {**os.environ, "FXX_DATABASE_URL": url}

    done = subprocess.run(
        [sys.executable, "-m", "api", "export-points", "--jurisdiction", "dafeng", "--period", "2026-H1",
         "--output", str(target)],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )
    failed = subprocess.run(
        [sys.executable, "-m", "api", "export-points", "--jurisdiction", "dafeng", "--period", "2026-H9"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert "exported 2 couriers" in done.stderr
    content = target.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert sorted(row["real_name"] for row in _rows(content.decode("utf-8"))) == ["张三", "李四"]
    assert failed.returncode == 2
    assert "error: period: The period is invalid" in failed.stderr
