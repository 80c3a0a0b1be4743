"""The console as the tests meet it: an app with staff who have passwords, signing in through
the real form, and filings written straight into the store."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from aiohttp import ClientResponse

from bot.domain.audit import CLI
from ducu.bootstrap import Runtime
from storage.db import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWork

JUDGE_PHONE = "+8613900000001"  # the judge of the example judgment (tests/helpers.py)
OTHER_JUDGE_PHONE = "+8613900000009"
OFFICIAL_PHONE = "+8613900000003"
PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')

SETTLEMENT = {
    "kind": "instalments",
    "down_fen": 2_000_000,
    "count": 12,
    "amount_fen": 900_000,
    "day": 15,
    "first": "2026-12-15",
}
ASSETS = {
    "items": [
        {"category": "vehicles", "description": "浙E12345 小轿车", "value_fen": 8_000_000},
        {"category": "income", "description": "工资", "value_fen": 600_000},
    ]
}


async def add_staff(runtime: Runtime, role: str, name: str, phone: str, **extra: Any) -> int:
    """A staff member of the example court, with the test password."""
    staff = runtime.services.staff
    user_id = await staff.add_user(
        actor=CLI,
        role=role,
        name=name,
        phone=phone,
        court_code="浙0522",
        court_name="长兴县人民法院",
        **extra,
    )
    await runtime.services.accounts.set_password(CLI, user_id, PASSWORD)
    return user_id


async def csrf_of(client, path: str = "/login") -> str:
    page = await client.get(path)
    match = CSRF.search(await page.text())
    assert match, f"no CSRF field on {path}"
    return match.group(1)


async def sign_in(
    client, phone: str = JUDGE_PHONE, password: str = PASSWORD, next_path: str | None = None
) -> ClientResponse:
    form = {"csrf": await csrf_of(client), "phone": phone, "password": password}
    if next_path is not None:
        form["next"] = next_path
    return await client.post("/login", data=form, allow_redirects=False)


async def add_filing(
    url: str, case_id: int, kind: str, payload: dict[str, Any], at: datetime
) -> int:
    """A filing of the case's first debtor, as a finished conversation stores it."""
    engine = make_engine(url)
    try:
        async with SqlUnitOfWork(make_sessionmaker(engine)) as uow:
            view = await uow.views.case(case_id)
            assert view is not None
            filing_id = await uow.filings.add(
                case_id=case_id, obligor_id=view.obligors[0].id, kind=kind, payload=payload, at=at
            )
            await uow.commit()
            return filing_id
    finally:
        await engine.dispose()
