"""Case numbers: one canonical full-width form, whatever brackets and digits the court used."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.case_number import CaseNumberError, normalize_case_number, short_case_number
from tests.bot.domain import BOUNDED, assert_refused, messy_text, parsed_or_none

CANONICAL = "（2024）浙0522民初1234号"


@pytest.mark.parametrize(
    "text",
    [
        CANONICAL,
        "(2024)浙0522民初1234号",
        "（2024)浙0522民初1234号",
        "( 2024 ) 浙0522 民初 1234 号",
        "（２０２４）浙０５２２民初１２３４号",
        "（2024）浙0522民初01234号",  # a leading zero in the serial number
        " （2024）浙0522民初1234号\u3000",
    ],
)
def test_brackets_and_digits_of_either_width_give_the_canonical_form(text: str) -> None:
    assert normalize_case_number(text) == CANONICAL


@pytest.mark.parametrize(
    ("text", "canonical", "short"),
    [
        ("(2024)浙0522执1号", "（2024）浙0522执1号", "执1"),
        ("(2023)浙05民终98765号", "（2023）浙05民终98765号", "民终98765"),
        ("(2024)京0105执恢123456号", "（2024）京0105执恢123456号", "执恢123456"),
        ("(2024)沪0115民特监12号", "（2024）沪0115民特监12号", "民特监12"),
    ],
)
def test_other_case_types(text: str, canonical: str, short: str) -> None:
    assert normalize_case_number(text) == canonical
    assert short_case_number(canonical) == short


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "2024浙0522民初1234号",  # no brackets
        "〔2024〕浙0522民初1234号",
        "[2024]浙0522民初1234号",
        "（24）浙0522民初1234号",  # two-digit year
        "（2024）浙0522民初1234",  # no 号
        "（2024）浙0522民初1234号x",
        "（2024）浙0522民初1234567号",  # seven-digit serial number
        "（2024）浙5民初1234号",  # one-digit court code
        "（2024）0522民初1234号",  # no province
        "（2024）浙0522民初\t1234号",
        "（2024）浙0522民初\x001234号",
        "（٢٠٢٤）浙0522民初1234号",  # Arabic-Indic digits are not folded by NFKC
        "（2024）浙٠٥٢٢民初1234号",
        "（2024）浙0522民初١٢٣٤号",
        "（2024）浙0522民初1234号😀",
    ],
)
def test_junk_is_rejected(text: str) -> None:
    assert_refused(normalize_case_number, CaseNumberError, text)


def test_short_case_number() -> None:
    assert short_case_number(CANONICAL) == "民初1234"
    assert short_case_number("(2024)浙0522民初01234号") == "民初1234"
    assert short_case_number("not a case number") == "not a case number"


@BOUNDED
@given(messy_text())
def test_any_text_gives_a_canonical_case_number_or_case_number_error(text: str) -> None:
    canonical = parsed_or_none(normalize_case_number, CaseNumberError, text)
    if canonical is not None:
        assert canonical.startswith("（") and canonical.endswith("号")
        assert canonical.isprintable()
        assert normalize_case_number(canonical) == canonical


@BOUNDED
@given(
    year=st.integers(1990, 2099),
    province=st.sampled_from("京沪浙苏粤川新"),
    court=st.from_regex(r"[0-9]{2,4}", fullmatch=True),
    kind=st.sampled_from(["民初", "民终", "执", "执恢", "刑初", "民特监"]),
    serial=st.integers(1, 999_999),
    ascii_brackets=st.booleans(),
    full_width_digits=st.booleans(),
)
def test_every_writing_of_a_case_number_has_one_canonical_form(
    year: int,
    province: str,
    court: str,
    kind: str,
    serial: int,
    ascii_brackets: bool,
    full_width_digits: bool,
) -> None:
    canonical = f"（{year}）{province}{court}{kind}{serial}号"
    text = f"({year}){province}{court}{kind}{serial}号" if ascii_brackets else canonical
    if full_width_digits:
        text = text.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    assert normalize_case_number(text) == canonical
    assert short_case_number(canonical) == f"{kind}{serial}"
