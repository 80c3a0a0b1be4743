"""`ducu serve --demo`: a court, its staff (with console passwords), areas and one case
effective now.

The staff's passwords are made afresh at each start and printed with the rest of the demo's
banner: the demo's database outlives the process (./ducu.db), and a password everyone knows
would let anyone who copies the file, or reaches the port, in. The demo serves only on a
loopback host (the sandbox's rule in bot/config.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from bot.domain.audit import CLI
from bot.ports import Clock
from bot.services.accounts import AccountService
from bot.services.judgments import JudgmentService
from bot.services.staff import StaffService

COURT = {"code": "浙0522", "name": "长兴县人民法院"}
AREAS = {
    "330522": "长兴县",
    "330522102": "长兴县和平镇",
    "330522102201": "和平镇城山村",
}
JUDGE = {"name": "李法官", "phone": "+8613900000001"}
OFFICIAL = {"name": "王书记", "phone": "+8613900000003", "area_code": "330522102201"}
ADMIN = {"name": "陈管理员", "phone": "+8613900000004"}
OBLIGOR = {"name": "林某", "phone": "+8613800138000", "area_code": "330522102201"}
STAFF = (("judge", JUDGE), ("official", OFFICIAL), ("admin", ADMIN))


@dataclass(frozen=True)
class DemoLogin:
    role: str
    name: str
    phone: str
    password: str


@dataclass(frozen=True)
class Demo:
    case_id: int
    logins: tuple[DemoLogin, ...]


async def seed_demo(
    staff: StaffService, judgments: JudgmentService, accounts: AccountService, clock: Clock
) -> Demo:
    """Seeds the demo data (harmless to repeat), gives each staff member a new password, and
    returns the demo case's id and the logins."""
    for code, name in AREAS.items():
        await staff.add_area(CLI, code, name)
    logins = []
    known = {(user.role, user.phone): user.id for user in await staff.users(CLI)}
    for role, person in STAFF:  # already there from an earlier start (even renamed): kept
        user_id = known.get((role, person["phone"])) or await staff.add_user(
            actor=CLI, role=role, court_code=COURT["code"], court_name=COURT["name"], **person
        )
        password = secrets.token_urlsafe(9)  # 12 characters
        await accounts.set_password(CLI, user_id, password)
        logins.append(DemoLogin(role, person["name"], person["phone"], password))
    now = clock.now()
    result = await judgments.register(
        judgments.parse(
            {
                "case_number": f"（{now.year}）浙0522民初1234号",
                "court": COURT,
                "judge": JUDGE,
                "creditor": {"name": "杜某", "phone": "+8613900000002"},
                "obligors": [OBLIGOR],
                "amount_due": "130000.00",
                "obligations": "支付借款本金130000元及利息",
                "effective_at": now.isoformat(),
                "performance_due": (now + timedelta(days=10)).date().isoformat(),
            }
        )
    )
    return Demo(result.case_id, tuple(logins))
