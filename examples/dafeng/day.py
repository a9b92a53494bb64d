"""The morning: the back office sets up, the hospital team subscribes, couriers register and report.

Every step goes through the public API. What the day did is kept in ``State``
for the afternoon's work (``work``), the checks and the summary.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from typing import Any

from examples.dafeng import documents as doc
from examples.dafeng.client import Actor, Api, ApiError, Subscription
from examples.dafeng.people import AddressPool, Person, PersonFactory, Photo, invalid_id_number, phone_photo
from examples.dafeng.plan import MEDICAL, Fate, Plan, PlannedReport
from examples.dafeng.services import ADMIN_USERNAME

# Requests in flight at once: about as many phones and portals as are busy at the same moment.
CONCURRENCY = 8
# How long the hospital desk may wait for an emergency before the check calls it lost.
EMERGENCY_WAIT_SECONDS = 15
# Logins at the start of the shift: at least this many, each courier on at most MAX_DEVICES phones.
RUSH_LOGINS = 30
MAX_DEVICES = 5
# The heat-stroke report is sent this long after the first logins of the rush.
RUSH_HEAD_START_SECONDS = 0.2
SHIFT_EMERGENCY_WAIT_SECONDS = 180
STAFF_NAME = "赵工作"
GATEKEEPER_NAME = "钱门卫"


async def limited(coroutines: Iterable[Awaitable[Any]], limit: int = CONCURRENCY) -> list[Any]:
    """Run the coroutines with at most ``limit`` at a time; the first failure is raised."""
    gate = asyncio.Semaphore(limit)

    async def run(coroutine: Awaitable[Any]) -> Any:
        async with gate:
            return await coroutine

    return await asyncio.gather(*(run(c) for c in coroutines))


@dataclass
class Submitted:
    planned: PlannedReport
    report_id: str
    courier: Actor
    # Monotonic clock just before the first submission request was sent.
    sent_at: float
    reply_message: str | None
    emergency_call: str | None
    photos: list[Photo]
    # (report id, replayed) of every extra send of a retried submission.
    retries: list[tuple[str, bool]] = field(default_factory=list)
    first_replayed: bool = False


@dataclass
class EmergencyReceipt:
    received_at: float
    event: dict[str, Any]
    response_seconds: int | None = None


@dataclass
class Catalogue:
    departments: dict[str, dict[str, Any]]
    communities: dict[str, dict[str, Any]]
    categories: dict[str, dict[str, Any]]
    # Department code -> the category codes it is granted.
    grants: dict[str, set[str]]
    companies: dict[str, str]

    def owners(self, category: str) -> set[str]:
        return {department for department, codes in self.grants.items() if category in codes}

    def community_department(self, community: str) -> str:
        """Return the code of a community office's department. The demo catalogue names it community-<code>."""
        return f"community-{community}"


@dataclass
class State:
    api: Api
    plan: Plan
    rng: random.Random
    run_id: str
    # False on a machine too busy for a timing comparison to mean anything (the test suite).
    judge_timing: bool = True
    admin: Actor | None = None
    catalogue: Catalogue | None = None
    staff: dict[str, Actor] = field(default_factory=dict)
    gatekeeper: Actor | None = None
    couriers: list[Actor] = field(default_factory=list)
    submitted: dict[int, Submitted] = field(default_factory=dict)
    emergencies: dict[str, EmergencyReceipt] = field(default_factory=dict)
    # Report id -> points awarded by its verification.
    awards: dict[str, int] = field(default_factory=dict)
    # Courier user id -> points paid out.
    payouts: Counter[str] = field(default_factory=Counter)
    handed_back: set[str] = field(default_factory=set)
    actions: Counter[str] = field(default_factory=Counter)
    pass_check: dict[str, Any] = field(default_factory=dict)
    photo_limit: dict[str, Any] = field(default_factory=dict)
    shift_start: "ShiftStart | None" = None
    # Expectations of the day that did not hold, reported by the checks.
    problems: list[str] = field(default_factory=list)

    def by_report_id(self) -> dict[str, Submitted]:
        return {item.report_id: item for item in self.submitted.values()}

    def expect(self, condition: bool, problem: str) -> None:
        if not condition:
            self.problems.append(problem)


def new_password(prefix: str) -> str:
    """Generate a random password with letters and digits, as the server's password rule requires."""
    return f"{prefix}-{secrets.token_hex(8)}-7q"


def error_codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload.get("errors") or []]


async def login(api: Api, actor: Actor, account: str, password: str) -> None:
    payload = await api.mutate(actor, doc.LOGIN, {"account": account, "password": password})
    actor.token = payload["tokens"]["accessToken"]
    actor.user_id = payload["me"]["id"]


# --- The back office sets up ------------------------------------------------------


async def set_up_back_office(state: State, admin_password: str, addresses: AddressPool) -> None:
    """Log the admin in, read the catalogue, and create one staff account per department and a gatekeeper."""
    api = state.api
    state.admin = Actor("back office", addresses.office())
    await login(api, state.admin, ADMIN_USERNAME, admin_password)

    data = await api.data(state.admin, doc.CATALOGUE)
    boundaries = await api.data(state.admin, "query { communities { code boundary } }")
    grants: dict[str, set[str]] = {d["code"]: set() for d in data["departments"]}
    for grant in data["grants"]:
        grants[grant["department"]["code"]].add(grant["category"]["code"])
    state.catalogue = Catalogue(
        departments={d["code"]: d for d in data["departments"]},
        communities={c["code"]: {**c, "boundary": b["boundary"]} for c, b in zip(data["communities"], boundaries["communities"], strict=True)},
        categories={c["code"]: c for c in data["categories"]},
        grants=grants,
        companies={c["code"]: c["name"] for c in data["companies"]},
    )

    async def create_staff(code: str, department: dict[str, Any]) -> None:
        password = new_password("Staff")
        username = f"{code}-{state.run_id}"[:64]
        await api.mutate(state.admin, doc.STAFF_CREATE, {"input": {
            "role": "DEPARTMENT_STAFF", "realName": STAFF_NAME, "username": username, "password": password,
            "departmentId": department["id"],
        }})
        actor = Actor(f"{code} portal", addresses.office())
        await login(api, actor, username, password)
        state.staff[code] = actor

    await limited(create_staff(code, department) for code, department in state.catalogue.departments.items())

    gate_community = state.catalogue.communities[sorted(state.catalogue.communities)[0]]
    password = new_password("Gate")
    username = f"gate-{state.run_id}"
    await api.mutate(state.admin, doc.STAFF_CREATE, {"input": {
        "role": "GATEKEEPER", "realName": GATEKEEPER_NAME, "username": username, "password": password,
        "communityIds": [gate_community["id"]],
    }})
    state.gatekeeper = Actor(f"gate of {gate_community['code']}", addresses.office())
    await login(api, state.gatekeeper, username, password)


# --- The hospital team subscribes before the day starts ------------------------------


async def start_hospital_desk(state: State, base_url: str) -> tuple[Subscription, asyncio.Task[None]]:
    """Subscribe the hospital team to emergencies; each one is acknowledged the moment it arrives."""
    hospital = state.staff["hospital-emergency"]
    subscription = await Subscription.start(base_url, hospital, doc.EMERGENCIES)

    async def desk() -> None:
        while True:
            event = await subscription.next_event()
            receipt = EmergencyReceipt(time.monotonic(), event)
            report_id = event["report"]["id"]
            state.emergencies[report_id] = receipt
            payload = await state.api.mutate(hospital, doc.ACKNOWLEDGE, {"input": {
                "reportId": report_id, "etaMinutes": 6, "comment": "急救车已出发，预计6分钟到达",
            }})
            receipt.response_seconds = payload["acknowledgement"]["responseSeconds"]
            state.actions["emergencies acknowledged"] += 1

    return subscription, asyncio.create_task(desk())


async def stop_hospital_desk(state: State, subscription: Subscription, task: asyncio.Task[None]) -> None:
    """Wait until every planned medical emergency has arrived (or the wait runs out), then hang up."""
    expected = {s.report_id for s in state.submitted.values() if s.planned.category == MEDICAL}
    deadline = time.monotonic() + EMERGENCY_WAIT_SECONDS
    while time.monotonic() < deadline and not task.done():
        if expected <= set(state.emergencies) and all(
            state.emergencies[r].response_seconds is not None for r in expected
        ):
            break
        await asyncio.sleep(0.05)
    if task.done() and task.exception() is not None:
        state.problems.append(f"the hospital desk failed: {task.exception()}")
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await subscription.close()


# --- Couriers register and are approved ----------------------------------------------


async def register_couriers(state: State, count: int, addresses: AddressPool) -> None:
    api = state.api
    factory = PersonFactory(state.rng)
    companies = sorted(state.catalogue.companies)
    people = [factory.courier(companies[n % len(companies)]) for n in range(count)]
    state.couriers = [Actor(f"courier {n + 1}", addresses.phone(), extra={"person": p}) for n, p in enumerate(people)]

    # A mistyped ID number is refused and writes nothing: the same phone then registers normally.
    first = state.couriers[0]
    mistyped = await api.data(first, doc.REGISTER, {"input": _registration(first.extra["person"], invalid_id_number(people[0].id_number))})
    state.expect(error_codes(mistyped["courierRegister"]) == ["ID_NUMBER_INVALID"],
                 f"a mistyped ID number was not refused with ID_NUMBER_INVALID: {mistyped}")

    async def register(courier: Actor) -> None:
        person: Person = courier.extra["person"]
        payload = await api.mutate(courier, doc.REGISTER, {"input": _registration(person, person.id_number)})
        state.expect(payload["account"]["status"] == "PENDING", f"{courier.label} is not PENDING after registering")

    await limited(register(c) for c in state.couriers)

    approved = 0
    while True:
        pending = (await api.data(state.admin, doc.PENDING_COURIERS, {"first": 200}))["accounts"]
        if not pending:
            break
        await limited(api.mutate(state.admin, doc.APPROVE, {"id": account["id"]}) for account in pending)
        approved += len(pending)
    state.expect(approved == count, f"the back office approved {approved} couriers, expected {count}")


def _registration(person: Person, id_number: str) -> dict[str, str]:
    return {
        "realName": person.real_name, "phone": person.phone, "idNumber": id_number,
        "companyCode": person.company_code, "jurisdictionCode": "dafeng", "password": person.password,
    }


# --- The shift starts: everyone logs in, and someone collapses from heat stroke ---------


@dataclass
class ShiftStart:
    logins: int
    # Seconds one login takes with nothing else going on, measured just before the rush.
    login_alone_seconds: float
    rush_seconds: float
    report_id: str | None = None
    # Seconds from sending the heat-stroke report to the hospital's subscription event; None if it never came.
    emergency_seconds: float | None = None


async def start_shift(state: State, base_url: str, addresses: AddressPool) -> None:
    """Log every courier in at once, some on several phones, and file a heat-stroke report during the rush.

    The emergency must not wait for the rush: a hospital team has 4 minutes of
    golden time, and a shift start of hundreds of riders is an ordinary morning.
    """
    planned = next(r for r in state.plan.reports if r.at_shift_start)
    reporter = state.couriers[planned.courier]
    person = reporter.extra["person"]
    started = time.monotonic()
    await login(state.api, reporter, person.phone, person.password)
    alone = time.monotonic() - started

    others = [c for c in state.couriers if c is not reporter]
    devices = min(MAX_DEVICES, -(-RUSH_LOGINS // len(others)))
    rush = [Actor(f"{c.label}, phone {n + 1}", c.address if n == 0 else addresses.phone(), extra=c.extra)
            for c in others for n in range(devices)]
    # The rush has its own connection pool, so the emergency request does not queue behind it on the client side.
    rush_api = Api(base_url)
    try:
        rush_started = time.monotonic()
        logins = asyncio.gather(*(
            login(rush_api, actor, actor.extra["person"].phone, actor.extra["person"].password) for actor in rush
        ))
        await asyncio.sleep(RUSH_HEAD_START_SECONDS)
        await file_report(state, planned)
        item = state.submitted[planned.index]
        shift = ShiftStart(len(rush) + 1, alone, 0.0, item.report_id)
        deadline = time.monotonic() + SHIFT_EMERGENCY_WAIT_SECONDS
        while item.report_id not in state.emergencies and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if item.report_id in state.emergencies:
            shift.emergency_seconds = state.emergencies[item.report_id].received_at - item.sent_at
        await logins
        shift.rush_seconds = time.monotonic() - rush_started
    finally:
        await rush_api.close()

    for actor in rush:
        if actor.label.endswith("phone 1"):
            courier = next(c for c in others if c.extra is actor.extra)
            courier.token, courier.user_id = actor.token, actor.user_id
    state.shift_start = shift


# --- Couriers report ------------------------------------------------------------------


async def file_reports(state: State) -> None:
    """File every courier's planned reports, each near-duplicate after the report it repeats."""
    limits = (await state.api.data(state.couriers[0], doc.MEDIA_LIMITS))["mediaLimits"]
    state.photo_limit = next(item for item in limits if item["kind"] == "PHOTO")

    waiting = [r for r in state.plan.reports if r.index not in state.submitted]
    first_wave = [r for r in waiting if r.fate is not Fate.DUPLICATE]
    second_wave = [r for r in waiting if r.fate is Fate.DUPLICATE]
    for wave in (first_wave, second_wave):
        per_courier: dict[int, list[PlannedReport]] = {}
        for planned in wave:
            per_courier.setdefault(planned.courier, []).append(planned)
        await limited(_courier_files(state, reports) for reports in per_courier.values())


async def _courier_files(state: State, reports: list[PlannedReport]) -> None:
    for planned in reports:
        await file_report(state, planned)


async def _upload_photo(state: State, courier: Actor, photo: Photo) -> str:
    limit = state.photo_limit
    if len(photo.content) > limit["maxBytes"] or "image/jpeg" not in limit["contentTypes"]:
        raise ApiError(f"a {len(photo.content)}-byte JPEG is outside the photo limits {limit}")
    slot = await state.api.mutate(courier, doc.UPLOAD_CREATE, {
        "input": {"kind": "PHOTO", "contentType": "image/jpeg", "sizeBytes": len(photo.content)}
    })
    upload = slot["upload"]
    status = await state.api.upload(
        courier, upload["url"], upload["fields"], upload["fileField"], photo.content, "image/jpeg", "IMG_0001.jpg"
    )
    if status not in (200, 201, 204):
        raise ApiError(f"{courier.label}: the presigned upload failed with HTTP {status}")
    return slot["media"]["id"]


async def file_report(state: State, planned: PlannedReport) -> None:
    api = state.api
    courier = state.couriers[planned.courier]
    camera = random.Random(planned.idempotency_key)
    photos = [
        await asyncio.to_thread(
            phone_photo, planned.point, f"{state.run_id} #{planned.index}.{n}", camera, orientation=planned.orientation
        )
        for n in range(planned.photos)
    ]
    media_ids = [await _upload_photo(state, courier, photo) for photo in photos]

    latitude, longitude = planned.point.as_gcj02()
    community = state.catalogue.communities[planned.community]
    submission = {"input": {
        "categoryCode": planned.category,
        "location": {
            "latitude": latitude, "longitude": longitude, "coordinateSystem": "GCJ02",
            "accuracyM": round(state.rng.uniform(4, 25), 1), "address": f"成都市新都区大丰街道{community['name']}",
        },
        "idempotencyKey": planned.idempotency_key,
        "description": planned.description,
        "otherText": planned.other_text,
        "mediaIds": media_ids,
    }}

    sent_at = time.monotonic()
    if planned.retried:
        # The phone sent twice at once (a double tap) and once more after a timeout: all three are one report.
        first, second = await asyncio.gather(
            api.mutate(courier, doc.SUBMIT, submission), api.mutate(courier, doc.SUBMIT, submission)
        )
        third = await api.mutate(courier, doc.SUBMIT, submission)
        if first["replayed"] and not second["replayed"]:
            first, second = second, first
        retries = [(p["report"]["id"], p["replayed"]) for p in (second, third)]
    else:
        first = await api.mutate(courier, doc.SUBMIT, submission)
        retries = []

    state.submitted[planned.index] = Submitted(
        planned=planned, report_id=first["report"]["id"], courier=courier, sent_at=sent_at,
        reply_message=first["replyMessage"], emergency_call=first["emergencyCall"], photos=photos,
        retries=retries, first_replayed=first["replayed"],
    )
    state.actions["reports submitted"] += 1
    state.actions["photos uploaded"] += len(photos)
