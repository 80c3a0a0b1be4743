"""Texts a debtor reads: both locales complete, and every one fits in two SMS segments even
with the longest values a real case gives it. Also the segment arithmetic itself."""

from __future__ import annotations

import string
from datetime import date

import pytest

from bot.domain.money import format_yuan
from bot.domain.sms import MAX_SEGMENTS, fits, is_gsm, segments
from bot.domain.texts import DEFAULT_LOCALE, TEXTS, format_date, render

LOCALES = sorted(TEXTS)
KEYS = sorted(TEXTS[DEFAULT_LOCALE])
PLACEHOLDERS = {"sig", "name", "case", "amount", "due"}

# Court signatures as the storage layer builds them (`【{court.name}】`): the contract's example,
# a court named with its province and city, and the longest county-level court name in China.
SIGNATURES = [
    "【长兴县人民法院】",
    "【浙江省杭州市西湖区人民法院】",
    "【莫力达瓦达斡尔族自治旗人民法院】",
]
LONG_NAME = "欧阳娜"
LONG_CASE = "（2024）浙0522民初12345号"
LONG_AMOUNT = format_yuan(1_234_567_890)  # 12,345,678.90
LONG_DUE = date(2026, 12, 31)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_both_locales_define_the_same_keys() -> None:
    assert LOCALES == ["en", "zh-CN"]
    assert set(TEXTS["en"]) == set(TEXTS["zh-CN"])


@pytest.mark.parametrize("key", KEYS)
def test_both_locales_use_the_same_placeholders(key: str) -> None:
    fields = {locale: _fields(TEXTS[locale][key]) for locale in LOCALES}
    assert fields["en"] == fields["zh-CN"]
    assert fields["en"] <= PLACEHOLDERS
    if key.startswith("reminder."):
        assert fields["en"] >= {"sig", "name", "case", "amount"}  # court, debtor, case, sum


@pytest.mark.parametrize("signature", SIGNATURES)
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("key", KEYS)
def test_every_text_fits_in_two_segments_with_long_values(
    key: str, locale: str, signature: str
) -> None:
    text = render(
        key,
        locale,
        sig=signature,
        name=LONG_NAME,
        case=LONG_CASE,
        amount=LONG_AMOUNT,
        due=format_date(LONG_DUE, locale),
    )
    assert "{" not in text and "}" not in text
    assert fits(text), f"{segments(text)} segments, {len(text)} characters: {text}"
    if key.startswith("reminder."):
        assert text.startswith(signature + LONG_NAME)
        assert LONG_CASE in text and LONG_AMOUNT in text


def test_a_reminder_as_the_dispatcher_renders_it() -> None:
    text = render(
        "reminder.day0",
        "zh-CN",
        sig="【长兴县人民法院】",
        name="林某",
        case="（2024）浙0522民初1234号",
        amount=format_yuan(13_000_000),
        due=format_date(date(2026, 12, 6), "zh-CN"),
    )
    assert text.startswith(
        "【长兴县人民法院】林某：您的（2024）浙0522民初1234号案已进入执行前督促程序"
    )
    assert "请于2026年12月6日前履行，应付130,000元。" in text
    assert segments(text) == 2


def test_render_falls_back_to_chinese_for_an_unknown_or_missing_locale() -> None:
    assert render("help", "fr") == TEXTS["zh-CN"]["help"]
    assert render("help", None) == TEXTS["zh-CN"]["help"]
    assert render("help", "en") == TEXTS["en"]["help"]


def test_render_of_an_unknown_key_raises_rather_than_sending_the_key() -> None:
    with pytest.raises(KeyError):
        render("no.such.text", "en")


@pytest.mark.parametrize(
    ("day", "locale", "shown"),
    [
        (date(2026, 12, 6), "zh-CN", "2026年12月6日"),
        (date(2026, 12, 6), None, "2026年12月6日"),
        (date(2026, 12, 6), "en", "2026-12-06"),
        (date(2027, 1, 31), "zh-CN", "2027年1月31日"),
    ],
)
def test_format_date(day: date, locale: str | None, shown: str) -> None:
    assert format_date(day, locale) == shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 1),
        # GSM-7: 160 in one segment, 153 a segment when concatenated
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 459, 3),
        ("a" * 460, 4),
        # the extension table (^{}\[~]|€ and form feed) takes two septets a character
        ("{" * 80, 1),
        ("{" * 81, 2),
        ("a" * 158 + "€", 1),
        ("a" * 159 + "€", 2),
        ("a" * 151 + "[" + "a" * 153, 2),  # 306 septets
        ("a" * 152 + "[" + "a" * 153, 3),  # 307 septets
        ("\f" * 80, 1),
        ("¥" * 160, 1),  # ¥ is in the basic table
        # UCS-2: 70 in one segment, 67 a segment when concatenated
        ("中" * 70, 1),
        ("中" * 71, 2),
        ("中" * 134, 2),
        ("中" * 135, 3),
        ("中" * 201, 3),
        ("中" * 202, 4),
        ("a" * 69 + "中", 1),  # one character outside GSM makes the whole message UCS-2
        ("a" * 70 + "中", 2),
        ("ç" + "a" * 69, 1),  # lower-case ç is not in the GSM table (upper-case Ç is)
        ("ç" + "a" * 70, 2),
        ("{" * 69 + "中", 1),  # in UCS-2 the extension characters count once
        # characters outside the BMP take two UTF-16 code units
        ("😀" * 35, 1),
        ("😀" * 36, 2),
        ("😀" * 67, 2),
        ("😀" * 68, 3),
    ],
)
def test_segments(text: str, expected: int) -> None:
    assert segments(text) == expected
    assert fits(text) is (expected <= MAX_SEGMENTS)


def test_is_gsm() -> None:
    assert is_gsm("Reply STOP to opt out. @£$¥ {}[]~|€\n\r")
    assert not is_gsm("回复TD退订")
    assert not is_gsm("【长兴县人民法院】")
    assert not is_gsm("ç")


def test_fits_takes_a_limit() -> None:
    assert fits("中" * 70, max_segments=1)
    assert not fits("中" * 71, max_segments=1)
    assert fits("中" * 201, max_segments=3)
