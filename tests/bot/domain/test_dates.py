"""Dates as debtors write them: every accepted form on two fixed days (one at the year's end),
every refusal, the instalment day of the month, month arithmetic, and properties on any text
and any day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.dates import (
    AmbiguousDate,
    DateError,
    add_months,
    parse_date,
    parse_day_of_month,
)
from tests.bot.domain import messy_text, parsed_or_none

PROPERTY = settings(max_examples=300, deadline=None)

TODAY = date(2026, 11, 26)  # a Thursday
YEAR_END = date(2026, 12, 31)  # a Thursday, the last day of the year

ACCEPTED_ON_26_NOVEMBER = [
    # full dates
    ("2026-12-01", date(2026, 12, 1)),
    ("2026/12/1", date(2026, 12, 1)),
    ("2026.12.1", date(2026, 12, 1)),
    ("2026年12月1日", date(2026, 12, 1)),
    ("2026年12月1号", date(2026, 12, 1)),
    ("2026年12月1", date(2026, 12, 1)),
    ("2027-01-15", date(2027, 1, 15)),
    ("2028-02-29", date(2028, 2, 29)),
    ("2026-11-20", date(2026, 11, 20)),  # a past full date is returned: the caller judges it
    ("二〇二六年十二月一日", date(2026, 12, 1)),
    ("二零二六年十二月一日", date(2026, 12, 1)),
    # month and day: this year, or next year once passed (today is not passed)
    ("12月1日", date(2026, 12, 1)),
    ("12月1号", date(2026, 12, 1)),
    ("12月1", date(2026, 12, 1)),
    ("12/25", date(2026, 12, 25)),
    ("12-1", date(2026, 12, 1)),
    ("12.1", date(2026, 12, 1)),
    ("11月26日", date(2026, 11, 26)),
    ("11/26", date(2026, 11, 26)),
    ("11月25日", date(2027, 11, 25)),
    ("1月5日", date(2027, 1, 5)),
    ("3/13", date(2027, 3, 13)),
    ("十二月一日", date(2026, 12, 1)),
    ("十二月三十一号", date(2026, 12, 31)),
    ("一月二十日", date(2027, 1, 20)),
    ("今年12月1日", date(2026, 12, 1)),
    ("今年11月1日", date(2026, 11, 1)),  # said so, even though passed
    ("明年3月1日", date(2027, 3, 1)),
    # day of this month, or of next month once passed
    ("1日", date(2026, 12, 1)),
    ("1号", date(2026, 12, 1)),
    ("15号", date(2026, 12, 15)),
    ("30号", date(2026, 11, 30)),
    ("25日", date(2026, 12, 25)),
    ("二十八号", date(2026, 11, 28)),
    ("下个月15号", date(2026, 12, 15)),
    ("下月15日", date(2026, 12, 15)),
    ("下个月15", date(2026, 12, 15)),
    ("下个月十五号", date(2026, 12, 15)),
    ("下月三十一日", date(2026, 12, 31)),
    ("本月20号", date(2026, 11, 20)),  # said so, even though passed
    ("这个月20号", date(2026, 11, 20)),
    ("这月28号", date(2026, 11, 28)),
    ("本月三十日", date(2026, 11, 30)),
    ("月底", date(2026, 11, 30)),
    ("本月底", date(2026, 11, 30)),
    ("这个月月底", date(2026, 11, 30)),
    ("下个月底", date(2026, 12, 31)),
    ("下个月月底", date(2026, 12, 31)),
    ("下月末", date(2026, 12, 31)),
    # relative days
    ("今天", TODAY),
    ("今日", TODAY),
    ("明天", date(2026, 11, 27)),
    ("明日", date(2026, 11, 27)),
    ("后天", date(2026, 11, 28)),
    ("大后天", date(2026, 11, 29)),
    ("3天后", date(2026, 11, 29)),
    ("三天后", date(2026, 11, 29)),
    ("两天后", date(2026, 11, 28)),
    ("10天以后", date(2026, 12, 6)),
    ("十天之后", date(2026, 12, 6)),
    ("3日后", date(2026, 11, 29)),
    ("一周后", date(2026, 12, 3)),
    ("两个星期后", date(2026, 12, 10)),
    ("2个礼拜以后", date(2026, 12, 10)),
    # weekdays: 下周 is next calendar week (Monday to Sunday); a bare weekday is the next one
    ("下周一", date(2026, 11, 30)),
    ("下周三", date(2026, 12, 2)),
    ("下周四", date(2026, 12, 3)),
    ("下周日", date(2026, 12, 6)),
    ("下周天", date(2026, 12, 6)),
    ("下星期三", date(2026, 12, 2)),
    ("下个星期五", date(2026, 12, 4)),
    ("下礼拜六", date(2026, 12, 5)),
    ("周五", date(2026, 11, 27)),
    ("礼拜三", date(2026, 12, 2)),
    ("本周五", date(2026, 11, 27)),
    ("这周一", date(2026, 11, 23)),  # said so, even though passed
    ("这个星期日", date(2026, 11, 29)),
    # English
    ("Dec 1", date(2026, 12, 1)),
    ("dec. 1", date(2026, 12, 1)),
    ("DEC 1ST", date(2026, 12, 1)),
    ("1 Dec", date(2026, 12, 1)),
    ("1st December", date(2026, 12, 1)),
    ("the 1st of December", date(2026, 12, 1)),
    ("December 1 2026", date(2026, 12, 1)),
    ("December 1, 2026", date(2026, 12, 1)),
    ("1 December 2026", date(2026, 12, 1)),
    ("Sept 3", date(2027, 9, 3)),
    ("May 1", date(2027, 5, 1)),
    ("November 26", TODAY),
    ("tomorrow", date(2026, 11, 27)),
    ("Tomorrow.", date(2026, 11, 27)),
    ("today", TODAY),
    ("the day after tomorrow", date(2026, 11, 28)),
    ("in 3 days", date(2026, 11, 29)),
    ("in 1 day", date(2026, 11, 27)),
    ("in a day", date(2026, 11, 27)),
    ("in 2 weeks", date(2026, 12, 10)),
    ("in a week", date(2026, 12, 3)),
    ("friday", date(2026, 11, 27)),
    ("on Monday", date(2026, 11, 30)),
    # full-width forms, spaces, punctuation and invisible marks around them
    ("２０２６年１２月１日", date(2026, 12, 1)),
    ("２０２６－１２－０１", date(2026, 12, 1)),
    ("１２／２５", date(2026, 12, 25)),
    ("１５号", date(2026, 12, 15)),
    ("  12月1日  ", date(2026, 12, 1)),
    ("12月1日。", date(2026, 12, 1)),
    ("12月1日｡", date(2026, 12, 1)),
    ("12月1日！", date(2026, 12, 1)),
    ("\u300012 月 1 日\u3000", date(2026, 12, 1)),
    ("2026 - 12 - 01", date(2026, 12, 1)),
    ("下 个 月 15 号", date(2026, 12, 15)),
    ("\t明天\r\n", date(2026, 11, 27)),
    ("\ufeff12月1日", date(2026, 12, 1)),
    ("\u200b15号\u200b", date(2026, 12, 15)),
    ("  December   1 ,  2026 ", date(2026, 12, 1)),
    # a time of day, polite tails, compact and two-digit years, traditional characters
    ("明天下午", date(2026, 11, 27)),
    ("后天上午10点", date(2026, 11, 28)),
    ("20261201", date(2026, 12, 1)),
    ("26年12月1日", date(2026, 12, 1)),
    ("next monday", date(2026, 11, 30)),
]

TODAY_PAST_AND_FUTURE = date(2026, 11, 30)  # a Monday: the payment flow's 11月20日 is 10 days ago

# (text, prefer, expected) on TODAY, a Thursday; last week is 16–22 Nov, this week 23–29 Nov,
# next week 30 Nov – 6 Dec.
BY_DIRECTION = [
    # backward
    ("昨天", "past", date(2026, 11, 25)),
    ("昨日", "past", date(2026, 11, 25)),
    ("前天", "past", date(2026, 11, 24)),
    ("大前天", "past", date(2026, 11, 23)),
    ("4天前", "past", date(2026, 11, 22)),
    ("四天前", "past", date(2026, 11, 22)),
    ("10天以前", "past", date(2026, 11, 16)),
    ("3日之前", "past", date(2026, 11, 23)),
    ("1周前", "past", date(2026, 11, 19)),
    ("两周前", "past", date(2026, 11, 12)),
    ("2个星期之前", "past", date(2026, 11, 12)),
    ("一个月前", "past", date(2026, 10, 26)),
    ("3个月前", "past", date(2026, 8, 26)),
    ("上周五", "past", date(2026, 11, 20)),
    ("上星期一", "past", date(2026, 11, 16)),
    ("上个礼拜天", "past", date(2026, 11, 22)),
    ("上上周三", "past", date(2026, 11, 11)),
    ("上个月10号", "past", date(2026, 10, 10)),
    ("上月十日", "past", date(2026, 10, 10)),
    ("上上个月5号", "past", date(2026, 9, 5)),
    ("上个月底", "past", date(2026, 10, 31)),
    ("11月20日", "past", date(2026, 11, 20)),
    ("12月1日", "past", date(2025, 12, 1)),
    ("11月26日", "past", TODAY),
    ("Nov 20", "past", date(2026, 11, 20)),
    ("Dec 5", "past", date(2025, 12, 5)),
    ("20号", "past", date(2026, 11, 20)),
    ("28号", "past", date(2026, 10, 28)),
    ("周五", "past", date(2026, 11, 20)),
    ("星期一", "past", date(2026, 11, 23)),
    ("礼拜天", "past", date(2026, 11, 22)),
    ("周日", "past", date(2026, 11, 22)),
    ("月底", "past", date(2026, 10, 31)),
    ("年底", "past", date(2025, 12, 31)),
    ("一月月底", "past", date(2026, 1, 31)),
    ("去年12月1日", "past", date(2025, 12, 1)),
    ("前天下午3点", "past", date(2026, 11, 24)),
    ("昨天晚上", "past", date(2026, 11, 25)),
    ("昨天上午10:30", "past", date(2026, 11, 25)),
    ("昨天下午三点半", "past", date(2026, 11, 25)),
    ("昨天付的", "past", date(2026, 11, 25)),
    ("前天吧", "past", date(2026, 11, 24)),
    ("我是前天转的账", "past", date(2026, 11, 24)),
    ("25/11", "past", date(2026, 11, 25)),  # day/month when the first cannot be a month
    ("16年5月3日", "past", date(2016, 5, 3)),
    ("一六年五月三日", "past", date(2016, 5, 3)),
    ("两千零九年五月三日", "past", date(2009, 5, 3)),
    ("二〇〇九年五月三日", "past", date(2009, 5, 3)),
    ("20250412", "past", date(2025, 4, 12)),
    ("2025 4 9", "past", date(2025, 4, 9)),
    ("8·15", "past", date(2026, 8, 15)),
    ("8.15", "past", date(2026, 8, 15)),
    ("上週五", "past", date(2026, 11, 20)),
    ("上個月10號", "past", date(2026, 10, 10)),
    ("上個禮拜天", "past", date(2026, 11, 22)),
    ("國慶節", "past", date(2026, 10, 1)),
    ("国庆节", "past", date(2026, 10, 1)),
    ("元旦", "past", date(2026, 1, 1)),
    ("春节", "past", date(2026, 2, 17)),
    ("去年国庆", "past", date(2025, 10, 1)),
    ("劳动节", "past", date(2026, 5, 1)),
    ("yesterday", "past", date(2026, 11, 25)),
    ("the day before yesterday", "past", date(2026, 11, 24)),
    ("3 days ago", "past", date(2026, 11, 23)),
    ("a week ago", "past", date(2026, 11, 19)),
    ("2 weeks ago", "past", date(2026, 11, 12)),
    ("last friday", "past", date(2026, 11, 20)),
    ("friday", "past", date(2026, 11, 20)),
    # forward
    ("大后天", "future", date(2026, 11, 29)),
    ("2周后", "future", date(2026, 12, 10)),
    ("3个月后", "future", date(2027, 2, 26)),
    ("三个月以后", "future", date(2027, 2, 26)),
    ("半个月后", "future", date(2026, 12, 11)),
    ("1年后", "future", date(2027, 11, 26)),
    ("下下周一", "future", date(2026, 12, 7)),
    ("下周五", "future", date(2026, 12, 4)),
    ("这周日", "future", date(2026, 11, 29)),
    ("这个礼拜六", "future", date(2026, 11, 28)),
    ("周五", "future", date(2026, 11, 27)),
    ("礼拜一", "future", date(2026, 11, 30)),
    ("下个月15号可以吗", "future", date(2026, 12, 15)),
    ("下个月15号行吗？", "future", date(2026, 12, 15)),
    ("月底吧", "future", date(2026, 11, 30)),
    ("下月底行吗", "future", date(2026, 12, 31)),
    ("年底", "future", date(2026, 12, 31)),
    ("明年年底", "future", date(2027, 12, 31)),
    ("一月月底", "future", date(2027, 1, 31)),
    ("12月底", "future", date(2026, 12, 31)),
    ("12月1日", "future", date(2026, 12, 1)),
    ("20号", "future", date(2026, 12, 20)),
    ("8·15", "future", date(2027, 8, 15)),
    ("下個月15號", "future", date(2026, 12, 15)),
    ("兩週後", "future", date(2026, 12, 10)),
    ("3個月後", "future", date(2027, 2, 26)),
    ("下禮拜三", "future", date(2026, 12, 2)),
    ("下週一", "future", date(2026, 11, 30)),
    ("元旦", "future", date(2027, 1, 1)),
    ("春节", "future", date(2027, 2, 6)),
    ("明年春节", "future", date(2027, 2, 6)),
    ("除夕", "future", date(2027, 2, 5)),
    ("国庆节", "future", date(2027, 10, 1)),
    ("圣诞节", "future", date(2026, 12, 25)),
    ("next friday", "future", date(2026, 12, 4)),
    ("this friday", "future", date(2026, 11, 27)),
    ("in 2 weeks", "future", date(2026, 12, 10)),
    ("in 3 months", "future", date(2027, 2, 26)),
    ("Dec 5", "future", date(2026, 12, 5)),
    ("end of the month", "future", date(2026, 11, 30)),
    ("end of next month", "future", date(2026, 12, 31)),
]

# (text, prefer, the dates it may mean): a question beats a guess.
AMBIGUOUS = [
    ("3/4", "future", (date(2027, 3, 4), date(2027, 4, 3))),
    ("3/4", "past", (date(2026, 3, 4), date(2026, 4, 3))),
    ("12/1", "future", (date(2026, 12, 1), date(2027, 1, 12))),
    ("26号", "future", (TODAY, date(2026, 12, 26))),
    ("26号", "past", (TODAY, date(2026, 10, 26))),
    ("二十六日", "past", (TODAY, date(2026, 10, 26))),
    ("周四", "future", (TODAY, date(2026, 12, 3))),
    ("星期四", "past", (TODAY, date(2026, 11, 19))),
    ("thursday", "future", (TODAY, date(2026, 12, 3))),
    ("12月1日或12月5日", "future", (date(2026, 12, 1), date(2026, 12, 5))),
    ("12月1日到12月5日", "future", (date(2026, 12, 1), date(2026, 12, 5))),
    ("明天或者后天", "future", (date(2026, 11, 27), date(2026, 11, 28))),
    ("昨天还是前天", "past", (date(2026, 11, 25), date(2026, 11, 24))),
    ("tomorrow or monday", "future", (date(2026, 11, 27), date(2026, 11, 30))),
]

ACCEPTED_ON_31_DECEMBER = [
    ("12月31日", YEAR_END),
    ("12月30日", date(2027, 12, 30)),
    ("1月1日", date(2027, 1, 1)),
    ("1/1", date(2027, 1, 1)),
    ("Jan 1", date(2027, 1, 1)),
    ("1 January", date(2027, 1, 1)),
    ("30号", date(2027, 1, 30)),
    ("1号", date(2027, 1, 1)),
    ("下个月15号", date(2027, 1, 15)),
    ("下月31日", date(2027, 1, 31)),
    ("本月30号", date(2026, 12, 30)),
    ("月底", YEAR_END),
    ("下个月底", date(2027, 1, 31)),
    ("今天", YEAR_END),
    ("明天", date(2027, 1, 1)),
    ("后天", date(2027, 1, 2)),
    ("tomorrow", date(2027, 1, 1)),
    ("3天后", date(2027, 1, 3)),
    ("in 3 days", date(2027, 1, 3)),
    ("下周一", date(2027, 1, 4)),
    ("下周日", date(2027, 1, 10)),
    ("周五", date(2027, 1, 1)),
    ("今年12月31日", YEAR_END),
    ("明年1月1日", date(2027, 1, 1)),
    ("2027-01-01", date(2027, 1, 1)),
    ("2028年2月29日", date(2028, 2, 29)),
]

REFUSED_ON_26_NOVEMBER = [
    # no such day in the calendar
    "2月30日",
    "二月三十日",
    "2月29日",  # February 2027 has 28 days
    "2027-02-29",
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "2026-12-00",
    "13月1日",
    "0月1日",
    "12月0日",
    "12月32日",
    "11月31日",
    "13/13",
    "0/5",
    "32号",
    "0号",
    "31号",  # November has 30 days, and the 31st has not passed
    "下个月32号",
    "本月31日",
    "Feb 30",
    "31 November",
    "0000-01-01",
    # ranges, durations and vague words: not one date
    "10日内",
    "10天内",
    "3到5号",
    "3-5号",
    "12月1日-12月5日",
    "12月1日到12月5日",
    "下周",
    "下个月",
    "12月",
    "2026年",
    "月初",
    "尽快",
    "过几天",
    "0天后",
    "零天后",
    "in 0 days",
    "下周八",
    "下周七",
    "周0",
    "十十号",
    "一百号",
    "十二十月一日",
    # numbers alone, money, phone numbers
    "15",
    "1.5万",
    "5000",
    "13800138000",
    "1 2月3日",
    # other orders, two-digit years, English we do not read
    "12/1/2026",
    "1/12/26",
    "26-12-01",
    "next week",
    "Decembre 1",
    "1 2 Dec",
    "in -3 days",
    "in three days",
    # junk
    "",
    "   ",
    "。",
    "abc",
    "日",
    "号",
    "😀",
    "12月1日😀",
    "١٢月١日",  # other scripts' digits
    "12月1日\x00",
    "1" * 64,
    "1" * 2000,
    "12月1日" + " " * 70,
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED_ON_26_NOVEMBER)
def test_parse_date_on_26_november(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(("text", "prefer", "expected"), BY_DIRECTION)
def test_parse_date_reads_toward_the_steps_side(text: str, prefer: str, expected: date) -> None:
    assert parse_date(text, TODAY, prefer=prefer) == expected


def test_the_payment_flows_own_example_is_a_past_date() -> None:
    assert parse_date("11月20日", TODAY_PAST_AND_FUTURE, prefer="past") == date(2026, 11, 20)
    assert parse_date("11月20日", TODAY_PAST_AND_FUTURE, prefer="future") == date(2027, 11, 20)


@pytest.mark.parametrize(("text", "prefer", "options"), AMBIGUOUS)
def test_parse_date_asks_rather_than_guesses(
    text: str, prefer: str, options: tuple[date, ...]
) -> None:
    with pytest.raises(AmbiguousDate) as raised:
        parse_date(text, TODAY, prefer=prefer)
    assert raised.value.options == options
    assert isinstance(raised.value, DateError)


@pytest.mark.parametrize(("text", "expected"), ACCEPTED_ON_31_DECEMBER)
def test_parse_date_rolls_over_the_year_on_31_december(text: str, expected: date) -> None:
    assert parse_date(text, YEAR_END) == expected


@pytest.mark.parametrize("text", REFUSED_ON_26_NOVEMBER)
def test_parse_date_refuses_what_is_not_one_date(text: str) -> None:
    with pytest.raises(DateError):
        parse_date(text, TODAY)


@pytest.mark.parametrize(
    ("text", "today"),
    [
        ("明天", date.max),
        ("tomorrow", date.max),
        ("3天后", date.max),
        ("9999天后", date(9990, 1, 1)),
        ("下个月1号", date(9999, 12, 1)),
        ("1号", date.max),  # next month's 1st is past the calendar
        ("1月1日", date.max),
        ("Jan 1", date.max),
        ("下周一", date.max),
        ("下个月底", date(9999, 12, 5)),
        ("周一", date.max),  # 9999-12-31 is a Friday
    ],
)
def test_parse_date_past_the_end_of_the_calendar_is_a_date_error(text: str, today: date) -> None:
    with pytest.raises(DateError):
        parse_date(text, today)


def test_parse_date_refuses_what_is_not_text() -> None:
    with pytest.raises(DateError):
        parse_date(None, TODAY)  # type: ignore[arg-type]
    with pytest.raises(DateError):
        parse_date(b"12/1", TODAY)  # type: ignore[arg-type]


def test_date_error_is_a_value_error_and_names_the_date() -> None:
    assert issubclass(DateError, ValueError)
    with pytest.raises(DateError, match="2027-02-30"):
        parse_date("2月30日", TODAY)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("每月15号", 15),
        ("每月15日", 15),
        ("每个月15号", 15),
        ("每月的15号", 15),
        ("每月15", 15),
        ("15号", 15),
        ("15日", 15),
        ("15", 15),
        ("十五号", 15),
        ("每月十五日", 15),
        ("每月一号", 1),
        ("1", 1),
        ("28号", 28),
        ("二十八", 28),
        ("monthly on the 15th", 15),
        ("Monthly on the 15th", 15),
        ("15th", 15),
        ("the 15th", 15),
        ("on the 1st", 1),
        ("2nd", 2),
        ("23rd", 23),
        ("the 15th of every month", 15),
        ("15th of each month", 15),
        ("every month on the 15th", 15),
        ("15th monthly", 15),
        ("１５号", 15),
        (" 每月15号。", 15),
        ("每 月 15 号", 15),
    ],
)
def test_parse_day_of_month(text: str, day: int) -> None:
    assert parse_day_of_month(text) == day


@pytest.mark.parametrize(
    "text", ["29", "29号", "每月30号", "每月31日", "三十一号", "31st", "0", "0号"]
)
def test_parse_day_of_month_refuses_days_some_month_lacks(text: str) -> None:
    """29–31 are not in every month, and 0 in none: the message says which days we take."""
    with pytest.raises(DateError, match="1 to 28, so that every month has it"):
        parse_day_of_month(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "每月",
        "每周15号",
        "15号和30号",
        "1 5",
        "-15",
        "15.5",
        "100",
        "12月15日",
        "下个月15号",
        "monthly",
        "15 days",
        "十十号",
        "abc",
        "15号😀",
        "1" * 2000,
    ],
)
def test_parse_day_of_month_refuses_what_is_not_a_day_of_the_month(text: str) -> None:
    with pytest.raises(DateError):
        parse_day_of_month(text)


@pytest.mark.parametrize(
    ("start", "months", "day_of_month", "expected"),
    [
        (date(2026, 11, 26), 1, 15, date(2026, 12, 15)),
        (date(2026, 11, 26), 0, 15, date(2026, 11, 15)),
        (date(2026, 11, 26), 2, 15, date(2027, 1, 15)),
        (date(2026, 12, 31), 1, 1, date(2027, 1, 1)),
        (date(2026, 11, 26), 12, 26, date(2027, 11, 26)),
        (date(2026, 11, 26), 25, 28, date(2028, 12, 28)),
        (date(2026, 11, 26), -11, 5, date(2025, 12, 5)),
        (date(2026, 1, 31), 1, 31, date(2026, 2, 28)),  # a shorter month ends earlier
        (date(2028, 1, 31), 1, 31, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, 31, date(2026, 4, 30)),
        (date(9999, 11, 1), 1, 28, date(9999, 12, 28)),
    ],
)
def test_add_months(start: date, months: int, day_of_month: int, expected: date) -> None:
    assert add_months(start, months, day_of_month) == expected


@pytest.mark.parametrize(
    ("start", "months", "day_of_month"),
    [
        (date(9999, 12, 1), 1, 1),
        (date(1, 1, 1), -1, 1),
        (date(2026, 11, 26), 10**6, 1),
        (date(2026, 11, 26), 1, 0),
        (date(2026, 11, 26), 1, 32),
    ],
)
def test_add_months_outside_the_calendar_is_a_date_error(
    start: date, months: int, day_of_month: int
) -> None:
    with pytest.raises(DateError):
        add_months(start, months, day_of_month)


# --- properties ---------------------------------------------------------------------------

_DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
# Pieces of the forms we read, so that random text often gets deep into the parser.
_DATE_PIECES = st.sampled_from(
    [
        *"0123456789零〇一二两三四五六七八九十百千年月日号天周后内个下本这每-/.:, ",
        *"前上去昨點点半吧或到號週後個兩·",
        "下午",
        "可以吗",
        "春节",
        "国庆",
        "年底",
        "ago",
        "last ",
        "next ",
        "yesterday",
        " or ",
        "星期",
        "礼拜",
        "以后",
        "月底",
        "今天",
        "明天",
        "后天",
        "dec",
        "may",
        "in ",
        " days",
        " weeks",
        "st",
        "th",
        "the ",
        "of ",
        "monthly",
        "every month",
        "today",
        "tomorrow",
        "friday",
        "２",
        "。",
        "\u3000",
        "\ufeff",
        "😀",
    ]
)
_ANY_TEXT = st.one_of(
    messy_text(),
    st.lists(_DATE_PIECES, max_size=10).map("".join),
    st.text(min_size=1990, max_size=2000),
)
_CN_DIGITS = "零一二三四五六七八九"


def _chinese(number: int) -> str:
    """1–31 in Chinese numerals: 1 → 一, 10 → 十, 15 → 十五, 20 → 二十, 31 → 三十一."""
    tens, units = divmod(number, 10)
    if tens == 0:
        return _CN_DIGITS[units]
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[units] if units else "")


@st.composite
def _today_and_a_later_day(draw: st.DrawFn, within: int | None = None) -> tuple[date, date]:
    today = draw(st.dates(min_value=date(1, 1, 1), max_value=date(9998, 12, 31)))
    latest = date.max if within is None else today + timedelta(days=within - 1)
    return today, draw(st.dates(min_value=today, max_value=latest))


@PROPERTY
@given(_ANY_TEXT, st.dates())
def test_parse_date_on_any_text_and_day_gives_a_date_or_date_error(text: str, today: date) -> None:
    parsed = parsed_or_none(parse_date, DateError, text, today)
    if parsed is not None:
        assert isinstance(parsed, date)


@PROPERTY
@given(_ANY_TEXT)
def test_parse_day_of_month_on_any_text_gives_1_to_28_or_date_error(text: str) -> None:
    day = parsed_or_none(parse_day_of_month, DateError, text)
    if day is not None:
        assert 1 <= day <= 28


@PROPERTY
@given(_today_and_a_later_day())
def test_an_iso_date_from_today_on_reads_as_itself(days: tuple[date, date]) -> None:
    today, later = days
    assert parse_date(later.isoformat(), today) == later
    assert parse_date(f"{later.year:04d}年{later.month}月{later.day}日", today) == later


@PROPERTY
@given(_today_and_a_later_day(within=365))
def test_a_month_and_day_within_a_year_reads_as_that_day(days: tuple[date, date]) -> None:
    """Less than 365 days ahead, month and day alone name one day, in every form we read."""
    today, later = days
    assert parse_date(f"{later.month}月{later.day}日", today) == later
    assert parse_date(f"{later.month}月{later.day}号", today) == later
    assert parse_date(f"{_chinese(later.month)}月{_chinese(later.day)}日", today) == later
    if later.day > 12 or later.day == later.month:  # else day/month is as likely: we ask
        assert parse_date(f"{later.month}/{later.day}", today) == later
    assert parse_date(later.strftime("%b %d"), today) == later
    assert parse_date(f"{later.day} {later.strftime('%B')}", today) == later


@PROPERTY
@given(_DAYS, st.integers(min_value=1, max_value=28), st.sampled_from(["past", "future"]))
def test_a_day_of_the_month_alone_is_the_nearest_such_day_on_the_steps_side(
    today: date, day: int, prefer: str
) -> None:
    """Today's own day of the month may mean today or a month away: that is asked."""
    if day == today.day:
        with pytest.raises(AmbiguousDate):
            parse_date(f"{day}号", today, prefer=prefer)
        return
    parsed = parse_date(f"{day}号", today, prefer=prefer)
    assert parsed.day == day
    ahead = (parsed - today).days
    assert 0 < ahead < 31 if prefer == "future" else -31 < ahead < 0
    assert parse_date(f"{_chinese(day)}日", today, prefer=prefer) == parsed


@PROPERTY
@given(_DAYS, st.integers(min_value=1, max_value=3650))
def test_days_later_count_from_today(today: date, days: int) -> None:
    expected = today + timedelta(days=days)
    assert parse_date(f"{days}天后", today) == expected
    assert parse_date(f"in {days} days", today) == expected


@PROPERTY
@given(_DAYS, st.sampled_from(list(enumerate("一二三四五六日"))))
def test_next_week_days_fall_in_the_next_calendar_week(
    today: date, weekday_and_name: tuple[int, str]
) -> None:
    weekday, name = weekday_and_name
    parsed = parse_date(f"下周{name}", today)
    assert parsed.weekday() == weekday
    assert parsed - timedelta(days=parsed.weekday()) == (
        today - timedelta(days=today.weekday()) + timedelta(days=7)
    )
    if weekday == today.weekday():  # today, or a week away: asked
        with pytest.raises(AmbiguousDate):
            parse_date(f"星期{name}", today)
        return
    bare = parse_date(f"星期{name}", today)
    assert bare.weekday() == weekday
    assert 0 < (bare - today).days < 7
    assert -7 < (parse_date(f"礼拜{name}", today, prefer="past") - today).days < 0


@PROPERTY
@given(st.integers(min_value=1, max_value=28))
def test_every_way_of_writing_a_day_of_the_month_gives_it(day: int) -> None:
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(day, "th")
    for text in (f"每月{day}号", f"{day}日", str(day), f"每月{_chinese(day)}号"):
        assert parse_day_of_month(text) == day
    assert parse_day_of_month(f"monthly on the {day}{suffix}") == day


@PROPERTY
@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2900, 12, 31)),
    st.integers(min_value=-1200, max_value=1200),
    st.integers(min_value=1, max_value=31),
)
def test_add_months_moves_whole_months_and_keeps_the_day_where_it_can(
    start: date, months: int, day_of_month: int
) -> None:
    moved = add_months(start, months, day_of_month)
    assert (moved.year * 12 + moved.month) - (start.year * 12 + start.month) == months
    following_month = add_months(moved, 1, 1)
    last_day = (following_month - timedelta(days=1)).day
    assert moved.day == min(day_of_month, last_day)


@PROPERTY
@given(
    st.dates(min_value=date(1000, 1, 1), max_value=date(9000, 12, 31)),
    st.integers(min_value=1, max_value=364),
)
def test_a_month_and_day_within_a_year_back_reads_as_that_day(today: date, back: int) -> None:
    earlier = today - timedelta(days=back)
    assert parse_date(f"{earlier.month}月{earlier.day}日", today, prefer="past") == earlier
    assert parse_date(earlier.strftime("%b %d"), today, prefer="past") == earlier
    assert parse_date(f"{back}天前", today) == earlier
    assert parse_date(f"{back} days ago", today) == earlier


@PROPERTY
@given(_ANY_TEXT, st.dates(), st.sampled_from(["past", "future"]))
def test_a_date_read_toward_a_side_is_on_it_unless_the_text_says_otherwise(
    text: str, today: date, prefer: str
) -> None:
    """Any text, either side: a date or DateError (AmbiguousDate among them), nothing else."""
    try:
        parsed = parse_date(text, today, prefer=prefer)
    except AmbiguousDate as exc:
        assert len(exc.options) >= 2
        return
    except DateError:
        return
    assert isinstance(parsed, date)


@pytest.mark.parametrize("year", range(2020, 2036))
def test_spring_festival_falls_between_21_january_and_20_february(year: int) -> None:
    festival = parse_date("春节", date(year, 1, 1), prefer="future")
    assert festival.year == year
    assert date(year, 1, 21) <= festival <= date(year, 2, 20)
    assert parse_date("除夕", date(year, 1, 1)) == festival - timedelta(days=1)
