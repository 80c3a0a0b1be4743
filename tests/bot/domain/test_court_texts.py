"""A court's own texts: the shipped ones under the admins' placeholder names pass their own
checks, a bad text is refused with every reason (a misspelling with the name meant), and a
court's text is filled as the dispatcher sends it."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.court_texts import EDITABLE, check, fill, shipped
from bot.domain.locales import LOCALES
from bot.domain.texts import format_date, render

COURT = "长兴县人民法院"


def reasons(key: str, body: str, locale: str = "en") -> list[str]:
    return [reason.text(locale) for reason in check(key, locale, body, COURT).reasons]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("key", EDITABLE)
def test_every_shipped_text_is_the_starting_point_and_passes(key: str, locale: str) -> None:
    text = shipped(key, locale)
    assert "{sig}" not in text and "{case}" not in text and "{due}" not in text
    checked = check(key, locale, text, COURT)
    assert checked.reasons == ()
    assert checked.preview.segments <= 2 and checked.preview.alphabet == "UCS-2"  # 【】
    assert checked.preview.text.startswith(f"【{COURT}】")


def test_a_bad_text_is_refused_with_every_reason_and_the_name_meant() -> None:
    said = reasons("reminder.day0", "{court}{nmae}: {case} due {due}, {amount!r} {x.y} {link}")
    assert said == [
        "There is no placeholder {nmae}: did you mean {name}?",
        "There is no placeholder {case}: did you mean {case_number}?",
        "There is no placeholder {due}: did you mean {deadline}?",
        "{amount!r} is not a placeholder: only a name goes between the braces.",
        "{x.y} is not a placeholder: only a name goes between the braces.",
        "There is no placeholder {link}. This text may use: {court} {name} {case_number} "
        "{amount} {deadline} {consequences}",
        "Required placeholder(s) missing: {case_number} {amount} {deadline}",
    ]
    assert reasons("reminder.day0", "{court} {case_number") == [
        "Unbalanced braces: each placeholder opens and closes its braces."
    ]
    assert reasons("reminder.day0", " \r\n ", "zh-CN") == ["文本不能为空。"]
    assert reasons("chat.invite", "{court}\x00{link}") == [
        "The text has invisible control characters: delete them."
    ]
    assert reasons("reminder.warning", "{court}{case_number}{amount}{deadline}") == [
        "Required placeholder(s) missing: {consequences}"
    ]


def test_over_two_segments_is_refused_and_still_previewed() -> None:
    body = "{court}{case_number}应付{amount}元，请于{deadline}前履行。" + "请尽快履行。" * 14
    checked = check("reminder.day0", "zh-CN", body, COURT)
    assert [r.text("zh-CN") for r in checked.reasons] == [
        "填入示例数据后为 3 条短信，最多 2 条：请缩短。"
    ]
    assert checked.preview.segments == 3 and "12,345,678.90" in checked.preview.text
    assert reasons("reminder.day0", "x" * 501) == ["The text is too long: 500 characters at most."]


def test_a_court_text_is_filled_as_it_is_sent() -> None:
    body = "{court}{name}：{case_number}案{{重要}}\r\n请于{deadline}前付{amount}元。{consequences}"
    checked = check("reminder.day0", "zh-CN", body, COURT)
    assert checked.reasons == () and "\r" not in checked.body
    text = fill(
        "reminder.day0",
        "zh-CN",
        checked.body,
        court=f"【{COURT}】",
        name="林某",
        case_number="（2024）浙0522民初1234号",
        amount="130,000",
        deadline=format_date(date(2026, 12, 6), "zh-CN"),
    )
    assert text == (
        f"【{COURT}】林某：（2024）浙0522民初1234号案{{重要}}\n请于2026年12月6日前付130,000元。"
        + render("law.consequences", "zh-CN")
    )
