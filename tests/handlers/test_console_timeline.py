"""The case page's timeline in words: each kind of event's details as a judge reads them,
in both languages, without the ids that tie the record together."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.views import CaseView, EventEntry
from handlers.console.timeline import describe

CASE = CaseView.model_validate(
    {
        "id": 1,
        "case_number": "（2024）浙0522民初1234号",
        "status": "open",
        "court": {"code": "浙0522", "name": "长兴县人民法院"},
        "judge": {"id": 1, "name": "李法官"},
        "amount_due": "130000.00",
        "paid": "0.00",
        "currency": "CNY",
        "obligations": "-",
        "effective_at": "2026-11-26T01:00:00Z",
        "performance_due": "2026-12-10",
        "obligors": [{"id": 7, "name": "林某", "area_code": "330522102201", "locale": "zh-CN"}],
        "reminders": [],
        "filings": [],
        "timeline": [],
        "staff": [
            {"id": 1, "name": "李法官"},
            {"id": 2, "name": "王书记"},
            {"id": 3, "name": "赵镇长"},
        ],
    }
)

EVENTS = [
    # (kind, detail, Chinese, English)
    (
        "judgment_received",
        {"obligors": 1, "reminders_planned": 4},
        "被执行人1名，计划提醒4条",
        "1 debtor(s), 4 reminder(s) planned",
    ),
    (
        "reminder_sent",
        {"channel": "sms", "obligor_id": 7, "step": "day0"},
        "林某 · sms · day0",
        "林某 · sms · day0",
    ),
    (
        "debtor_replied",
        {"channel": "sms", "intent": "paid", "obligor_id": 7},
        "林某 · 报告已履行 · sms",
        None,
    ),
    (
        "debtor_replied",
        {"channel": "telegram", "intent": "free_text", "obligor_id": 7},
        "林某 · 其他内容 · telegram",
        "林某 · other words · telegram",
    ),
    (
        "task_opened",
        {
            "task": "follow_up",
            "reason": "first_call",
            "task_id": 1,
            "user_id": 2,
            "role": "official",
            "filing_id": None,
        },
        "乡镇（村）工作人员 王书记 · 督促后首次电话 #1",
        None,
    ),
    (
        "decided",
        {
            "task": "decide",
            "reason": "paid",
            "task_id": 2,
            "user_id": 1,
            "outcome": "reject",
            "note": "未到账",
            "obligor_id": None,
        },
        "李法官 · 履行报告待确认 #2 · 拒绝 · “未到账”",
        None,
    ),
    (
        "decided",  # an offer the debtor answered: no staff member
        {
            "task": "offer",
            "reason": "settle",
            "task_id": 5,
            "user_id": None,
            "obligor_id": 7,
            "outcome": "accept",
            "note": None,
        },
        "林某 · 反提议待被执行人答复 #5 · 同意",
        "林某 · counter-proposal awaiting the debtor #5 · accept",
    ),
    (
        "filed_paid",
        {"filing_id": 3, "obligor_id": 7, "notified": [{"role": "judge", "user_id": 1}]},
        "林某 · 已通知承办法官 李法官",
        None,
    ),
    (
        "task_escalated",
        {"task_id": 4, "to_task": 9, "user_id": 3, "area_code": "330522102"},
        "赵镇长 · 330522102 · → #9",
        None,
    ),
    (
        "delivery_failed",
        {"step": "middle", "obligor_id": 7, "reason": "30003 Unreachable"},
        "林某 · middle · 30003 Unreachable",
        None,
    ),
    ("instalment_missed", {"seq": 3}, "第3期", None),
    ("instalment_missed", {"seq": 0}, "首付款", None),
    ("grace_ended", {}, "", ""),
]


@pytest.mark.parametrize(("kind", "detail", "zh", "en"), EVENTS, ids=[e[0] for e in EVENTS])
def test_an_event_is_told_in_words(kind: str, detail: dict, zh: str, en: str | None) -> None:
    event = EventEntry(kind=kind, at=datetime(2026, 12, 1, tzinfo=UTC), detail=detail)
    for locale, expected in (("zh-CN", zh), ("en", en)):
        text = describe(event, CASE, locale)
        if expected is not None:
            assert text == expected
        assert "_id" not in text and "None" not in text
