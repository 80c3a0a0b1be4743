"""Money: every way a debtor writes an amount, the ones we refuse, and fen arithmetic."""

from __future__ import annotations

from decimal import Decimal

import cn2an
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.money import (
    MAX_YUAN,
    AmountError,
    amount_in,
    format_yuan,
    from_fen,
    parse_amount,
    still_owed,
    to_fen,
)
from tests.bot.domain import BOUNDED, assert_refused, messy_text, parsed_or_none


@pytest.mark.parametrize(
    ("text", "yuan"),
    [
        ("5000", "5000.00"),
        ("5,000", "5000.00"),
        ("5000块钱", "5000.00"),  # 块钱: the money of 块
        ("十万块钱", "100000.00"),
        ("5，000", "5000.00"),
        ("5千", "5000.00"),
        ("五千元", "5000.00"),
        ("五千块", "5000.00"),
        ("1.5万", "15000.00"),
        ("一万五千", "15000.00"),
        ("一万五", "15000.00"),
        ("1万5千", "15000.00"),
        ("两千", "2000.00"),
        ("¥8,000.50", "8000.50"),
        ("￥8,000.50", "8000.50"),
        ("人民币 8000.5 元", "8000.50"),
        ("8000 RMB", "8000.00"),
        ("cny 8000", "8000.00"),
        ("５０００", "5000.00"),
        ("１．５万", "15000.00"),
        ("1.5亿", "150000000.00"),
        ("3.5百", "350.00"),
        ("1.23456万", "12345.60"),  # cn2an alone would truncate this to 12345
        ("0.01", "0.01"),
        ("0.005", "0.01"),  # half a fen rounds up
        ("1.004", "1.00"),
        ("999999999999.99", "999999999999.99"),
        ("  5000\n", "5000.00"),
        # yuan, jiao and fen as cheques, receipts and people write them
        ("壹佰贰拾元整", "120.00"),
        ("三千块左右", "3000.00"),  # an estimate, as people give a value
        ("大概两万上下", "20000.00"),
        ("壹佰贰拾圆整", "120.00"),
        ("贰佰叁拾圆伍角", "230.50"),
        ("贰佰叁拾元伍角陆分", "230.56"),
        ("两百零五块三毛二分", "205.32"),
        ("两百零五块三毛二", "205.32"),
        ("三毛五", "0.35"),
        ("五角", "0.50"),
        ("八分", "0.08"),
        ("5元3角", "5.30"),
        ("8块5", "8.50"),
        ("三块五", "3.50"),
        ("5块零5", "5.05"),
        ("十元零五分", "10.05"),
        ("一千二百元整", "1200.00"),
        ("參仟", "3000.00"),
        ("叁仟元正", "3000.00"),
        ("壹萬貳仟", "12000.00"),
        ("兩千塊", "2000.00"),
        ("人民幣50", "50.00"),
        ("人民币伍拾元", "50.00"),
        # shorthand
        ("12k", "12000.00"),
        ("12K", "12000.00"),
        ("1.5k", "1500.00"),
        ("2w", "20000.00"),
        ("2W", "20000.00"),
        ("1.5w", "15000.00"),
        ("千二", "1200.00"),
        ("万八", "18000.00"),
        ("万五", "15000.00"),
        # the question's words said back before the amount
        ("首付叁万元", "30000.00"),
        ("首付3万", "30000.00"),
        ("每月一万", "10000.00"),
        ("每期一万五", "15000.00"),
        ("已付130000元", "130000.00"),
        ("大约5000", "5000.00"),
    ],
)
def test_parse_amount_accepts_what_people_write(text: str, yuan: str) -> None:
    assert parse_amount(text) == Decimal(yuan)
    assert str(parse_amount(text)) == yuan


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "0.00",
        "零",
        "0.001",  # rounds to nothing
        "-5",
        "- 5",
        "负五",
        "abc",
        "1e309",
        "1e5",
        "NaN",
        "nan",
        "inf",
        "Infinity",
        "",
        "   ",
        "元",
        "5.",
        ".5",
        "1.2.3",
        "1000000000000",  # over the 14 digits of the judgment contract
        "999999999999.995",  # rounds past the limit
        "9" * 30,  # would overflow Decimal's 28 digits when rounded
        "１" * 30,
        "9" * 29 + "亿",
        "9" * 40,
        "一亿亿亿亿",
        "五千😀",
        "5000\x00",
        "五角五角",
        "三毛五毛",
        "5元5元",
        "十角",
        "十二分",
        "5分3角",
        "元整",
        "整",
        "k",
        "w",
        "千",  # a unit alone is no amount
        "万",
        "12kk",
        "-12k",
        "负三毛",
        "12x",
        "万万",
        "千千万",
        "首付",
        "每月",
        "首付负五",
        "首付很多",
        "很多钱",
    ],
)
def test_parse_amount_rejects_what_is_not_an_amount(text: str) -> None:
    assert_refused(parse_amount, AmountError, text)


@pytest.mark.parametrize(
    ("fen", "yuan", "shown"),
    [
        (1, "0.01", "0.01"),
        (99, "0.99", "0.99"),
        (100, "1.00", "1"),
        (13000000, "130000.00", "130,000"),
        (12345678, "123456.78", "123,456.78"),
        (1234567890, "12345678.90", "12,345,678.90"),
        (99999999999999, "999999999999.99", "999,999,999,999.99"),
    ],
)
def test_fen_conversions_and_display(fen: int, yuan: str, shown: str) -> None:
    assert from_fen(fen) == Decimal(yuan)
    assert to_fen(Decimal(yuan)) == fen
    assert format_yuan(fen) == shown


def test_to_fen_rounds_half_up() -> None:
    assert to_fen(Decimal("1.005")) == 101
    assert to_fen(Decimal("1.004")) == 100


@BOUNDED
@given(messy_text())
def test_parse_amount_on_any_text_gives_an_amount_or_amount_error(text: str) -> None:
    value = parsed_or_none(parse_amount, AmountError, text)
    if value is not None:
        assert Decimal(0) < value <= MAX_YUAN
        assert value.as_tuple().exponent == -2


@BOUNDED
@given(
    st.from_regex(r"[0-9]{1,12}(\.[0-9]{1,6})?|[0-9]{1,4}(\.[0-9]{1,4})?[十百千万]", fullmatch=True)
)
def test_parse_amount_on_number_like_text_is_positive_and_to_the_fen(text: str) -> None:
    """Dense in the shapes that do parse, so the output rule is checked on real values."""
    value = parsed_or_none(parse_amount, AmountError, text)
    if value is not None:
        assert value > 0
        assert value.as_tuple().exponent == -2


@BOUNDED
@given(st.integers(min_value=1, max_value=to_fen(MAX_YUAN)))
def test_what_we_display_parses_back_to_the_same_fen(fen: int) -> None:
    assert to_fen(from_fen(fen)) == fen
    assert to_fen(parse_amount(format_yuan(fen))) == fen
    assert to_fen(parse_amount(f"¥{format_yuan(fen)}元")) == fen


@BOUNDED
@given(st.integers(min_value=1, max_value=to_fen(MAX_YUAN)), st.sampled_from(["rmb", "up", "low"]))
def test_an_amount_in_chinese_numerals_reads_back(fen: int, style: str) -> None:
    """`壹佰贰拾元整`, `贰佰零伍元叁角贰分`, `二百零五点三二`: as cheques and receipts have it."""
    written = cn2an.an2cn(str(from_fen(fen)), style)
    assert to_fen(parse_amount(written)) == fen, written


SUMS_IN: list[tuple[str, str | None]] = [
    # (a sentence a debtor writes, the one sum it holds; None: none, or which is not clear)
    ("我已经转了5万到法院账户", "50000.00"),
    ("剩下的105000元我昨天转到法院账户了", "105000.00"),
    ("上个月15号还了三千块", "3000.00"),  # 15号 is a day
    ("11月27日转了8000", "8000.00"),
    ("我2024年转了5万", "50000.00"),  # a year
    ("两个月前转了一万二", "12000.00"),  # a count of months
    ("钱还了，一共两万", "20000.00"),  # 一 alone is no sum
    ("我转了5,000元", "5000.00"),
    ("付了１２３４５元", "12345.00"),  # full-width digits
    ("转了1.5万元。", "15000.00"),
    ("转了5万，单号2024112733", "50000.00"),  # a reference number is no sum
    ("我已经转了2万5千", "25000.00"),  # one sum in two units
    ("一次性付1万2千元", "12000.00"),
    ("转了3万5", "35000.00"),
    ("还了8块5", "8.50"),
    ("十万块钱昨天转了", "100000.00"),
    ("我付了一部分", None),
    ("我已经付了，十分抱歉", None),  # 十分: very
    ("千万别起诉我，我已经还了", None),  # 千万: by all means
    ("百分之五十已经还了", None),  # a share, not a sum
    ("我2024/3/5转了", None),  # a date
    ("单号：123456", None),  # a reference
    ("验证码 123456", None),
    ("卡号后四位6789", None),
    ("电话13800138000", None),  # a phone number
    ("我还了300，500下周给", None),  # two sums
    ("-5000", None),
    ("转了2次", None),
    ("转了50", None),  # two digits alone: too little to be sure it is money
    ("转了10%", None),
    ("转了5万，又转了2万", None),  # two sums
    ("转了5000，3000", None),
    ("我转了，单号2024112733", None),
    ("付了5,0000", None),  # not grouped by thousands
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), SUMS_IN, ids=[t for t, _ in SUMS_IN])
def test_the_one_sum_a_sentence_holds(text: str, expected: str | None) -> None:
    assert amount_in(text) == (None if expected is None else Decimal(expected))


@given(messy_text())
def test_any_sentence_holds_one_sum_in_bounds_or_none(text: str) -> None:
    found = amount_in(text)
    assert found is None or Decimal("0.01") <= found <= MAX_YUAN


def test_what_is_still_owed_is_never_below_nothing() -> None:
    assert still_owed(13_000_000, 5_000_000) == 8_000_000
    assert still_owed(13_000_000, 14_000_000) == 0  # paid more than owed
