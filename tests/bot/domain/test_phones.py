"""Phone numbers: E.164 from any common writing, and masked wherever they reach a log line."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.phones import PhoneError, mask_phone, mask_phones_in, normalize_phone
from tests.bot.domain import BOUNDED, assert_refused, messy_text, parsed_or_none

DEBTOR = "+8613800138000"


@pytest.mark.parametrize(
    "text",
    [
        "+8613800138000",
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "(+86)13800138000",
        "86 13800138000",
        "008613800138000",
        "１３８００１３８０００",
        " 13800138000\n",
    ],
)
def test_normalize_phone_gives_e164_for_common_writings(text: str) -> None:
    assert normalize_phone(text) == DEBTOR


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("19912345678", "+8619912345678"),
        ("010-12345678", "+861012345678"),  # Beijing landline, region CN by default
        ("(0571) 8888 8888", "+8657188888888"),
        ("+852 6123 4567", "+85261234567"),
        ("+1 415 555 2671", "+14155552671"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_normalize_phone_other_numbers(text: str, e164: str) -> None:
    assert normalize_phone(text) == e164


def test_normalize_phone_with_another_default_region() -> None:
    assert normalize_phone("(415) 555-2671", region="US") == "+14155552671"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "12345",
        "1380013800",  # one digit short
        "138001380001",  # one digit long
        "+861380013800",
        "+8612345678901",
        "11111111111",
        "\x00",
        "+86\n13800138000",
        "😀",
    ],
)
def test_normalize_phone_rejects_what_cannot_be_dialled(text: str) -> None:
    assert_refused(normalize_phone, PhoneError, text)


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+8613800138000", "+86138****8000"),
        ("+86 138 0013 8000", "+86138****8000"),
        ("13800138000", "138****8000"),
        ("138-0013-8000", "138****8000"),
        ("+14155552671", "+1415****2671"),
        ("+442079460958", "+44207****0958"),
        ("+86123456", "+86****"),  # too short to show any digits of
        ("+", "+****"),
        ("", "****"),
    ],
)
def test_mask_phone(number: str, masked: str) -> None:
    assert mask_phone(number) == masked


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("sent to +8613800138000 ok", "sent to +86138****8000 ok"),
        ("sent to +86 138 0013 8000 ok", "sent to +86138****8000 ok"),
        ("from 13800138000 at 2026-11-26 10:00:00", "from 138****8000 at 2026-11-26 10:00:00"),
        ("call 138-0013-8000 today", "call 138****8000 today"),
        ("call 138 0013 8000 today", "call 138****8000 today"),
        ("To=13800138000&From=13900000001", "To=138****8000&From=139****0001"),
        ("tel:13800138000,13900000001", "tel:138****8000,139****0001"),
        ("我的手机是13800138000。", "我的手机是138****8000。"),
        ("the debtor is 13800138000.", "the debtor is 138****8000."),  # a full stop, not a decimal
        ("(13800138000)", "(138****8000)"),
        ("landline 057188888888", "landline 057****8888"),
        ("+14155552671 replied", "+1415****2671 replied"),
    ],
)
def test_mask_phones_in_masks_numbers_in_log_lines(line: str, masked: str) -> None:
    assert mask_phones_in(line) == masked


@pytest.mark.parametrize(
    "line",
    [
        "due 2026-12-06, effective 2026-11-26T09:00:00+08:00",
        "at 10:00:00 and 21:00-08:00",
        "amount 12,345,678.90 yuan",
        "amount 12345678.90 yuan",
        "amount 130000.00",
        "reminder 123456 case 42 attempt 3",
        "id 12345678",
        "（2024）浙0522民初1234号",
        "epoch 1700000000.123456",
        "price 1.13800138000",
        "ip 192.168.100.100",
        "",
    ],
)
def test_mask_phones_in_leaves_dates_times_amounts_and_short_ids(line: str) -> None:
    assert mask_phones_in(line) == line


@BOUNDED
@given(messy_text())
def test_normalize_phone_on_any_text_gives_e164_or_phone_error(text: str) -> None:
    number = parsed_or_none(normalize_phone, PhoneError, text)
    if number is not None:
        assert re.fullmatch(r"\+[1-9][0-9]{6,14}", number)
        assert normalize_phone(number) == number


# A Chinese mobile number standing alone: not inside a longer run of digits, and not the
# integer or fraction part of a decimal number.
_MOBILE = r"1[3-9][0-9]{9}"
_STANDALONE_IN = re.compile(rf"(?<!\d)(?<!\d\.){_MOBILE}(?!\d)(?!\.\d)")
# In the output a mask's `*` counts as a digit: `+86****.13900000001` is still a decimal.
_STANDALONE_OUT = re.compile(rf"(?<![\d*])(?<![\d*]\.){_MOBILE}(?!\d)(?!\.\d)")

_LOG_PIECE = st.one_of(
    st.from_regex(_MOBILE, fullmatch=True),
    st.from_regex(r"[0-9]{1,4}", fullmatch=True),
    st.sampled_from(
        [" ", ",", ".", "。", "-", ":", "+", "+86", "86", "tel:", "电话", "\n", "\x00", "号", "a"]
    ),
    messy_text(),
)


@BOUNDED
@given(st.lists(_LOG_PIECE, max_size=12).map("".join))
def test_mask_phones_in_never_lets_a_mobile_number_through(line: str) -> None:
    masked = mask_phones_in(line)
    mobiles_in = {match.group() for match in _STANDALONE_IN.finditer(line)}
    mobiles_out = {match.group() for match in _STANDALONE_OUT.finditer(masked)}
    assert not mobiles_in & mobiles_out, masked


@BOUNDED
@given(messy_text())
def test_mask_phones_in_on_any_text_returns_text(text: str) -> None:
    masked = mask_phones_in(text)
    assert isinstance(masked, str)
    assert re.sub(r"[\d+*\- ]", "", masked) == re.sub(r"[\d+*\- ]", "", text)


def test_the_shortcut_for_chinese_mobiles_in_e164_agrees_with_phonenumbers() -> None:
    """`+86` and eleven digits skip the parser when China's mobile pattern matches: the same
    answer as parsing, for every four-digit prefix."""
    for prefix in range(1000, 2000):
        for tail in ("0000000", "5555555", "9999999"):
            text = f"+86{prefix}{tail}"
            parsed = phonenumbers.parse(text, "CN")
            valid = phonenumbers.is_valid_number(parsed)
            expected = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            assert parsed_or_none(normalize_phone, PhoneError, text) == (
                expected if valid else None
            ), text
