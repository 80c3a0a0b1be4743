"""Small builders the tests share: a judgment payload, a signed Twilio webhook, messages
written straight into the store."""

from __future__ import annotations

import copy
import itertools
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from twilio.request_validator import RequestValidator

from bot.domain.status import CaseStatus
from ducu.bootstrap import Runtime
from storage import tables as t
from storage.db import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWork
from tests.conftest import API_TOKEN, PUBLIC_URL
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN

SHANGHAI = ZoneInfo("Asia/Shanghai")
AUTH = {"Authorization": f"Bearer {API_TOKEN}"}
DEBTOR = "+8613800138000"

JUDGMENT: dict[str, Any] = {
    "case_number": "（2024）浙0522民初1234号",
    "court": {"code": "浙0522", "name": "长兴县人民法院"},
    "judge": {"name": "李法官", "phone": "+8613900000001", "telegram_chat_id": 9001},
    "creditor": {"name": "杜某", "phone": "+8613900000002"},
    "obligors": [{"name": "林某", "phone": DEBTOR, "area_code": "330522102201", "locale": "zh-CN"}],
    "amount_due": "130000.00",
    "currency": "CNY",
    "obligations": "支付借款本金130000元及利息",
    "effective_at": "2026-11-26T09:00:00+08:00",
    "performance_due": "2026-12-06",
}


def judgment(effective_at: datetime, *, due_in_days: int = 10, **changes: Any) -> dict[str, Any]:
    """The contract's example judgment, effective at `effective_at`, with `changes` applied."""
    body = copy.deepcopy(JUDGMENT)
    local = effective_at.astimezone(SHANGHAI)
    body["effective_at"] = local.isoformat()
    body["performance_due"] = (local + timedelta(days=due_in_days)).date().isoformat()
    body.update(changes)
    return body


def twilio_signature(path: str, params: dict[str, str], auth_token: str = AUTH_TOKEN) -> str:
    return RequestValidator(auth_token).compute_signature(PUBLIC_URL + path, params)


def inbound_form(body: str, sid: str, sender: str = DEBTOR) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": "+15005550006",
        "Body": body,
        "NumMedia": "0",
    }


async def post_signed(client, path: str, form: dict[str, str], signature: str | None = None):
    signature = twilio_signature(path, form) if signature is None else signature
    return await client.post(path, data=form, headers={"X-Twilio-Signature": signature})


async def new_case(client, clock, **changes: Any) -> int:
    """Posts the example judgment (effective now, with `changes`) and returns its case id."""
    created = await client.post(
        "/api/v1/judgments", json=judgment(clock.now(), **changes), headers=AUTH
    )
    assert created.status == 201
    return (await created.json())["case_id"]


async def get_case(client, case_id: int) -> dict[str, Any]:
    """The case as the API shows it."""
    response = await client.get(f"/api/v1/cases/{case_id}", headers=AUTH)
    assert response.status == 200
    return await response.json()


async def case_json(services, case_id: int) -> dict[str, Any] | None:
    """The case as the API would show it, read through the services (None: no such case)."""
    view = await services.cases.view(case_id)
    return view.model_dump(mode="json") if view is not None else None


def numbered_judgment(i: int, effective_at: datetime) -> dict[str, Any]:
    """Judgment `i`: its own case number and its own obligor (and phone)."""
    body = judgment(effective_at, case_number=f"（2024）浙0522民初{1000 + i}号")
    body["obligors"] = [
        {"name": f"林某{i}", "phone": f"+86138{i:08d}", "area_code": "330522102201"}
    ]
    return body


async def register(runtime, body: dict[str, Any]) -> int:
    """Registers a judgment through the service the API calls (set-up for bulk tests)."""
    result = await runtime.services.judgments.register(runtime.services.judgments.parse(body))
    return result.case_id


async def remind(runtime: Runtime, clock: FakeClock) -> None:
    """The example judgment arrives (effective now) and its day-0 reminder goes out."""
    await register(runtime, judgment(clock.now()))
    assert await runtime.services.dispatcher.run_once() == 1


async def move(url: str, case_id: int, *states: str, at: datetime) -> None:
    """Moves the case through `states` (its current one first), one allowed move at a time,
    through the repository: stands in for the staff decisions of a later issue."""
    engine = make_engine(url)
    try:
        async with SqlUnitOfWork(make_sessionmaker(engine)) as uow:
            for current, target in itertools.pairwise(states):
                await uow.cases.set_status(case_id, CaseStatus(current), CaseStatus(target), at)
            await uow.commit()
    finally:
        await engine.dispose()


async def case_in(client, clock: FakeClock, url: str, status: str) -> int:
    """A new case (the example judgment, over the API), moved from `open` to `status`: every
    state is one move from `open`."""
    case_id = await new_case(client, clock)
    if status != "open":
        await move(url, case_id, "open", status, at=clock.now())
    return case_id


async def add_messages(url: str, address: str, texts: list[str], at: datetime) -> None:
    """Writes messages straight into the store (a busy history), outbound, one second apart."""
    engine = make_engine(url)
    try:
        async with SqlUnitOfWork(make_sessionmaker(engine)) as uow:
            uow.session.add_all(
                t.Message(
                    direction="out",
                    channel="sms",
                    address=address,
                    text=text,
                    status="delivered",
                    at=at + timedelta(seconds=i),
                )
                for i, text in enumerate(texts)
            )
            await uow.commit()
    finally:
        await engine.dispose()


# Readers of a case as GET /api/v1/cases/{id} shows it.


def case_events(case: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [i for i in case["timeline"] if i["type"] == "event" and i["kind"] == kind]


def sms_status(case: dict[str, Any]) -> str:
    """The status of the first obligor's SMS contact."""
    [contact] = [c for c in case["obligors"][0]["contacts"] if c["channel"] == "sms"]
    return contact["status"]


def day0_reminder(case: dict[str, Any]) -> dict[str, Any]:
    [reminder] = [r for r in case["reminders"] if r["step"] == "day0"]
    return reminder
