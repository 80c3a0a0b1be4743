"""`ducu serve --demo`: a court, its staff, areas and one case effective now."""

from __future__ import annotations

from datetime import timedelta

from bot.ports import Clock
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


async def seed_demo(staff: StaffService, judgments: JudgmentService, clock: Clock) -> int:
    """Seeds the demo data (harmless to repeat) and returns the demo case's id."""
    for code, name in AREAS.items():
        await staff.add_area(code, name)
    await staff.add_user(role="judge", court_code=COURT["code"], court_name=COURT["name"], **JUDGE)
    await staff.add_user(
        role="official", court_code=COURT["code"], court_name=COURT["name"], **OFFICIAL
    )
    await staff.add_user(role="admin", court_code=COURT["code"], court_name=COURT["name"], **ADMIN)
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
    return result.case_id
