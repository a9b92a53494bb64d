"""Builders of test accounts and valid real-name data (generated, not real people)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from api.identity import service
from api.identity.validators import id_number_check_character
from api.models.catalogue import Community, Department
from api.models.identity import Role, User, UserStatus
from tests.graphql_client import GraphQLClient

PASSWORD = "Courier2026ok"
_sequence = itertools.count(1)

REGISTER = """
mutation Register($input: CourierRegisterInput!) {
  courierRegister(input: $input) {
    account { id status realName phoneMasked company { code name } jurisdiction { code } }
    errors { field code message }
  }
}
"""

LOGIN = """
mutation Login($account: String!, $password: String!) {
  tokenCreate(account: $account, password: $password) {
    tokens { accessToken refreshToken tokenType }
    me { id role status }
  }
}
"""


def id_number(serial: int, *, birth: str = "19900307", region: str = "510114") -> str:
    """A resident ID number with a correct GB 11643 check character (Xindu district region code)."""
    first17 = f"{region}{birth}{serial % 1000:03d}"
    return first17 + id_number_check_character(first17)


def phone(serial: int) -> str:
    return f"139{serial:08d}"


def courier_input(serial: int | None = None, **overrides: str) -> dict[str, str]:
    serial = serial if serial is not None else next(_sequence)
    values = {
        "realName": "王小明",
        "phone": phone(serial),
        "idNumber": id_number(serial),
        "companyCode": "meituan",
        "jurisdictionCode": "dafeng",
        "password": PASSWORD,
    }
    values.update(overrides)
    return values


@dataclass
class Account:
    user_id: str
    login: str
    access_token: str
    refresh_token: str


async def login(client: GraphQLClient, account: str, password: str = PASSWORD) -> Account:
    result = await client.execute(LOGIN, {"account": account, "password": password})
    payload = result.data["tokenCreate"]
    return Account(
        user_id=payload["me"]["id"],
        login=account,
        access_token=payload["tokens"]["accessToken"],
        refresh_token=payload["tokens"]["refreshToken"],
    )


async def active_courier(client: GraphQLClient, **overrides: str) -> Account:
    """Register a courier through the API, approve it directly, and log in."""
    values = courier_input(**overrides)
    result = await client.execute(REGISTER, {"input": values})
    user_id = result.data["courierRegister"]["account"]["id"]
    await User.filter(id=user_id).update(status=UserStatus.ACTIVE)
    return await login(client, values["phone"])


async def admin(client: GraphQLClient, jurisdiction: str = "dafeng") -> Account:
    username = f"admin{next(_sequence)}"
    await service.create_admin(jurisdiction_code=jurisdiction, real_name="李管理", username=username, password=PASSWORD)
    return await login(client, username)


async def staff(client: GraphQLClient, department_code: str, jurisdiction: str = "dafeng") -> Account:
    department = await Department.get(code=department_code, jurisdiction__code=jurisdiction)
    username = f"staff{next(_sequence)}"
    await service._create_staff_account(
        jurisdiction_id=department.jurisdiction_id, role=Role.DEPARTMENT_STAFF, real_name="赵工作",
        username=username, password=PASSWORD, department_id=department.id, community_ids=[], created_by=None,
    )
    return await login(client, username)


async def gatekeeper(client: GraphQLClient, community_codes: list[str], jurisdiction: str = "dafeng") -> Account:
    communities = await Community.filter(code__in=community_codes, jurisdiction__code=jurisdiction)
    username = f"gate{next(_sequence)}"
    await service._create_staff_account(
        jurisdiction_id=communities[0].jurisdiction_id, role=Role.GATEKEEPER, real_name="钱门卫",
        username=username, password=PASSWORD, department_id=None,
        community_ids=[c.id for c in communities], created_by=None,
    )
    return await login(client, username)
