"""Properties of the conversation: whatever a debtor sends, in any order, the engine answers.

Arbitrary unicode (emoji, NUL, line ends, full-width forms, right-to-left marks, other scripts'
digits, 1,600-character strings) mixed with plausible answers goes to the real engine on a
SQLite file, for a Chinese and an English debtor with one to three open cases, sometimes after
a pause that parks or drops the flow: no exception escapes, every reply is non-empty, and every
reply fits in two SMS segments (a long read-back comes in numbered parts that each fit;
`test_read_backs_fit` holds the longest). The parsers the flows use raise only their
documented errors.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.dates import DateError, parse_date, parse_day_of_month
from bot.domain.filings import FilingError, parse_count
from bot.domain.messages import InboundMessage
from bot.domain.money import AmountError, parse_amount
from bot.domain.sms import fits, segments
from bot.domain.texts import render
from ducu.bootstrap import Runtime, build
from tests.bot.domain import messy_text
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.helpers import numbered_judgment, register

PROPERTY = settings(max_examples=150, deadline=None)

# What debtors plausibly answer: menu numbers, choices, amounts, counts, dates, commands.
PLAUSIBLE = st.sampled_from(
    [str(n) for n in range(12)]
    + ["返回", "取消", "继续", "1万", "每月15号", "下个月15号", "确认", "完成", "无", "跳过"]
    + ["ALL", "BACK", "CANCEL", "RESUME", "DONE", "NONE", "SKIP", "YES", "15th", "Dec 15"]
    + ["帮助", "HELP", "人工", "民初1001", "全部", "今天", "2027-01-31", "5000", "12"]
)
# Awkward text beyond the shared strategy: bidi marks, other scripts' digits, full width.
AWKWARD = st.sampled_from(
    [
        "\u200f١٢\u200e",  # right-to-left and left-to-right marks around Arabic-Indic digits
        "\u202e1\u202c",
        "۱۵",  # Persian digits
        "१२",  # Devanagari digits
        "１２",  # full-width digits
        "\x00",
        "\r\n3\r\n",
        "😀" * 40,
        "\ufeff确认",
        "ｙｅｓ",
        "é" * 1600,
        "万" * 1600,
    ]
)


def _as_delivered(text: str) -> str:
    """What a channel can hand the engine: decoded UTF-8, so no lone surrogates (aiohttp's
    form decoding turns invalid bytes into U+FFFD; the shared strategy makes surrogates)."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


TEXT = st.one_of(PLAUSIBLE, PLAUSIBLE, AWKWARD, messy_text().map(_as_delivered))
# Openings that walk a flow to a step taking the debtor's own words or figures, so that what
# follows reaches the read-backs too (with one open case; with more, they steer elsewhere).
WALKS = st.sampled_from(
    [
        (),
        ("1", "1"),  # assets: a description next
        ("1", "2", "工商银行存款"),  # assets: a value next
        ("2", "1"),  # hardship: details next
        ("3", "1", "0", "12"),  # instalments: the amount next
        ("3", "2", "5万"),  # lump sum: the date next
        ("4", "2027-01-31"),  # grace: the reason next
        ("5", "5000", "今天", "1"),  # payment: the reference next
    ]
)
# Most messages come at once; some after the flow is parked (30 min), some after it is dropped.
GAP = st.sampled_from([timedelta(0)] * 6 + [timedelta(minutes=31), timedelta(hours=25)])
# One to eight messages in all, the walk's first.
CONVERSATION = st.builds(
    lambda walk, rest: ([(timedelta(0), text) for text in walk] + rest)[:8],
    WALKS,
    st.lists(st.tuples(GAP, TEXT), min_size=1, max_size=8),
)
CASES = st.sampled_from([1, 1, 1, 2, 3])  # open cases: mostly one; several ask which first


async def _debtor(runtime: Runtime, clock: FakeClock, n: int, cases: int, locale: str) -> str:
    """A fresh debtor with `cases` open cases; returns their phone."""
    phone = f"+86138{n:08d}"
    for k in range(cases):
        body = numbered_judgment(n * 3 + k, clock.now())
        body["obligors"][0].update(name="林某", phone=phone, locale=locale)
        await register(runtime, body)
    return phone


def _is_read_back(text: str, locale: str) -> bool:
    return text.startswith(render("confirm.ask", locale, summary=""))


async def _talk(
    runtime: Runtime,
    clock: FakeClock,
    phone: str,
    locale: str,
    messages: list[tuple[timedelta, str]],
) -> None:
    for gap, text in messages:
        clock.advance(seconds=gap.total_seconds() + 1)
        replies = await runtime.services.engine.handle(InboundMessage("sms", phone, text))
        assert replies, text
        for reply in replies:
            plain = reply.plain()
            assert plain.strip(), (text, reply)
            # Read-backs echo the debtor's words and figures: see test_read_backs_fit below.
            assert fits(plain), (text, plain)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_any_messages_get_short_non_empty_replies(locale: str, sqlite_url: str) -> None:
    """One runtime for all examples (on its own event loop); a fresh debtor for each."""
    clock = FakeClock()
    numbers = itertools.count(1)
    with asyncio.Runner() as runner:
        runtime = runner.run(build(make_settings(sqlite_url, None), clock=clock))
        try:

            @PROPERTY
            @given(cases=CASES, messages=CONVERSATION)
            def check(cases: int, messages: list[tuple[timedelta, str]]) -> None:
                phone = runner.run(_debtor(runtime, clock, next(numbers), cases, locale))
                runner.run(_talk(runtime, clock, phone, locale, messages))

            check()
        finally:
            runner.run(runtime.close())


async def _read_back(sqlite_url: str, locale: str, answers: list[str]) -> list[str]:
    """The replies to the last message of a conversation that ends on a flow's read-back."""
    clock = FakeClock()
    runtime = await build(make_settings(sqlite_url, None), clock=clock)
    try:
        phone = await _debtor(runtime, clock, 1, 1, locale)
        for text in answers:
            replies = await runtime.services.engine.handle(InboundMessage("sms", phone, text))
        plain = [reply.plain() for reply in replies]
        first = plain[0].split(" ", 1)[1] if len(plain) > 1 else plain[0]  # after `1/n `
        assert _is_read_back(first, locale), plain
        return plain
    finally:
        await runtime.close()


_ASSETS_EN = ["1", "6", "Flat 501, Building 3, Zhicheng Street", "1200000"]
_ASSETS_EN += ["7", "Toyota Camry ZJ-E12345", "150000", "2", "ICBC Changxing savings", "50000"]
_ASSETS_EN += ["1", "Wages from a factory job", "6000", "DONE"]
_ASSETS_ZH_WORDS = ["1", "6", "长兴县雉城街道某小区3幢2单元501室住房", "120万", "7"]
_ASSETS_ZH_WORDS += ["浙E12345丰田凯美瑞", "15万", "2", "工商银行长兴支行储蓄存款", "5万", "完成"]


@pytest.mark.parametrize(
    ("locale", "answers"),
    [
        # Four ordinary items, descriptions clipped: the cut mark must keep the text GSM-7.
        pytest.param("en", _ASSETS_EN, id="en-assets-clipped"),
        pytest.param(
            "en",
            ["5", "130000", "today", "1", "Bank’s ref ICBC 2026 1126 0001 7788 9900"],
            id="en-paid-curly-apostrophe",
        ),
        pytest.param(
            "en",
            _ASSETS_ZH_WORDS,
            id="en-assets-chinese-descriptions",
        ),
        pytest.param(
            "zh-CN",
            ["3", "1", "999999999999.99", "60", "999999999999.99", "28"],
            id="zh-instalments-largest-amounts",
        ),
        pytest.param(
            "en",
            ["2", "5", "😀" * 60],
            id="en-hardship-emoji",
        ),
    ],
)
async def test_read_backs_fit(locale: str, answers: list[str], sqlite_url: str) -> None:
    """A read-back is SMS too: each of its parts fits in two segments."""
    for plain in await _read_back(sqlite_url, locale, answers):
        assert fits(plain), (segments(plain), plain)


TODAY = date(2026, 11, 26)
PARSER_TEXT = st.one_of(messy_text(), AWKWARD, PLAUSIBLE)


@pytest.mark.parametrize(
    ("parse", "error", "valid"),
    [
        pytest.param(parse_amount, AmountError, lambda amount: amount > 0, id="amount"),
        pytest.param(parse_day_of_month, DateError, lambda day: 1 <= day <= 28, id="day"),
        pytest.param(parse_count, FilingError, lambda count: 1 <= count <= 60, id="count"),
    ],
)
@PROPERTY
@given(text=PARSER_TEXT)
def test_parser_raises_only_its_error(
    parse: Callable[[str], Any], error: type[Exception], valid: Callable[[Any], bool], text: str
) -> None:
    try:
        assert valid(parse(text))
    except error:
        pass


@PROPERTY
@given(PARSER_TEXT, st.dates())
def test_parse_date_raises_only_date_error(text: str, today: date) -> None:
    try:
        parse_date(text, today)
    except DateError:
        pass


def test_the_strategies_reach_the_parsers_happy_paths() -> None:
    """The plausible answers do parse: the properties above are not only about refusals."""
    assert parse_amount("1万") == 10000
    assert parse_date("下个月15号", TODAY) == date(2026, 12, 15)
    assert parse_day_of_month("每月15号") == 15
    assert parse_count("12") == 12
