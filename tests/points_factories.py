"""Builders for points tests: couriers, admins and reports in a chosen state, made directly with the ORM."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timezone

from api import pii
from api.auth.principal import Principal
from api.models.catalogue import Category, Department
from api.models.identity import CourierProfile, Role, User, UserStatus
from api.models.organisation import Company, Jurisdiction
from api.models.points import LedgerEntry, LedgerKind
from api.models.reports import CoordinateSystem, DispatchRole, Report, ReportDispatch, ReportStatus
from tests.factories import id_number

_sequence = itertools.count(500)

# A point near Dafeng street, Xindu district, Chengdu (WGS-84).
LATITUDE = 30.8290
LONGITUDE = 104.1620


async def jurisdiction(code: str = "dafeng") -> Jurisdiction:
    return await Jurisdiction.get(code=code)


async def other_jurisdiction() -> Jurisdiction:
    """A second street office with a copy of one category, for isolation tests."""
    created = await Jurisdiction.create(code=f"street{next(_sequence)}", name_zh="三河街道", name_en="Sanhe Street")
    await Category.create(
        jurisdiction=created, code="traffic-light", name_zh="交通信号灯损坏", name_en="Traffic light broken",
        group="traffic", points=10, response_minutes=60,
    )
    return created


async def courier_user(
    jurisdiction_code: str = "dafeng", *, real_name: str = "王小明", company_code: str = "meituan"
) -> User:
    """An ACTIVE courier with a real-name profile; it cannot log in (the password hash is a placeholder)."""
    serial = next(_sequence)
    place = await jurisdiction(jurisdiction_code)
    user = await User.create(
        jurisdiction=place, role=Role.COURIER, status=UserStatus.ACTIVE, real_name=real_name,
        phone=f"137{serial:08d}", password_hash="not-a-password-hash",
    )
    number = id_number(serial)
    await CourierProfile.create(
        user=user, company=await Company.get(code=company_code), id_number_encrypted=pii.encrypt(number),
        id_number_hash=pii.keyed_hash(number), id_number_last4=number[-4:],
    )
    return user


async def admin_user(jurisdiction_code: str = "dafeng") -> User:
    return await User.create(
        jurisdiction=await jurisdiction(jurisdiction_code), role=Role.ADMIN, status=UserStatus.ACTIVE,
        real_name="李管理", username=f"points-admin{next(_sequence)}", password_hash="not-a-password-hash",
    )


def principal_of(user: User) -> Principal:
    return Principal(user_id=user.id, role=user.role, jurisdiction_id=user.jurisdiction_id, status=user.status)


async def report(
    reporter_id: uuid.UUID | str | None,
    *,
    status: ReportStatus = ReportStatus.RESOLVED,
    category_code: str = "traffic-light",
    jurisdiction_code: str = "dafeng",
    department_code: str | None = "traffic-police",
    created_at: datetime | None = None,
) -> Report:
    """A report in the given status, dispatched to the category's owning department when one is named."""
    place = await jurisdiction(jurisdiction_code)
    category = await Category.get(jurisdiction=place, code=category_code)
    moment = created_at or datetime.now(timezone.utc)
    created = await Report.create(
        jurisdiction=place, reporter_id=reporter_id, category=category, description="信号灯不亮",
        status=status, latitude=LATITUDE, longitude=LONGITUDE,
        submitted_latitude=LATITUDE, submitted_longitude=LONGITUDE,
        submitted_coordinate_system=CoordinateSystem.WGS84,
        dispatched_at=moment, resolved_at=moment if status is ReportStatus.RESOLVED else None,
        created_at=moment,
    )
    if department_code is not None:
        department = await Department.get(jurisdiction=place, code=department_code)
        await ReportDispatch.create(report=created, department=department, role=DispatchRole.OWNER)
    return created


async def award(courier: User, points: int, at: datetime) -> LedgerEntry:
    """An award as verification would leave it: a closed report and its AWARD entry at a given time."""
    place = await Jurisdiction.get(id=courier.jurisdiction_id)
    closed = await report(courier.id, status=ReportStatus.CLOSED, jurisdiction_code=place.code, department_code=None)
    return await LedgerEntry.create(
        jurisdiction_id=courier.jurisdiction_id, courier=courier, kind=LedgerKind.AWARD,
        amount=points, report=closed, created_at=at,
    )
