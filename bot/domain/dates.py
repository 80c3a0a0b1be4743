"""Dates as debtors write them (`12月1日`, `下个月15号`, `下周三`, `Dec 1`), relative to their
local today, and the month arithmetic of instalment schedules."""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from datetime import MAXYEAR, MINYEAR, date, timedelta

# Longer text is not a date; capped before NFKC (which can multiply a string's length).
MAX_LENGTH = 64
# Every month has these days, so a monthly instalment day never needs clamping.
LAST_SAFE_DAY = 28

_TRAILING = "。.!！,，;；"
# Whitespace goes unless it separates two digits (`12 月 1 日` is `12月1日`; `1 2月` is junk).
_LOOSE_SPACE = re.compile(r"(?<![0-9])\s+|\s+(?![0-9])")
_CN_RUN = re.compile(r"[零〇一二两三四五六七八九十]+")
_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGIT |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_TENS = re.compile(r"^([一二三四五六七八九]?)十([一二三四五六七八九]?)$")

_YMD = re.compile(r"^([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})$")
_YMD_CN = re.compile(r"^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})[日号]?$")
_MD_CN = re.compile(r"^(今年|明年)?([0-9]{1,2})月([0-9]{1,2})[日号]?$")
_MD = re.compile(r"^([0-9]{1,2})[-/.]([0-9]{1,2})$")
_D_CN = re.compile(r"^([0-9]{1,2})[日号]$")
_D_THIS_MONTH = re.compile(r"^(?:本|这个?|当)月([0-9]{1,2})[日号]?$")
_D_NEXT_MONTH = re.compile(r"^下个?月([0-9]{1,2})[日号]?$")
_MONTH_END = re.compile(r"^(本|这个?|下个?)?月月?(?:底|末)$")
_DAYS_LATER = re.compile(
    r"^(?:([0-9]{1,4})[天日]|([0-9]{1,3})个?(?:周|星期|礼拜))(?:后|以后|之后)$"
)
_WEEKDAY_CN = re.compile(r"^(下个?|本|这个?)?(?:周|星期|礼拜)([1-6日天])$")
_RELATIVE_CN = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAYS_EN = {
    name: number
    for number, names in enumerate(
        [
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        ]
    )
    for name in names
}
_MONTH_NAME = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_ORDINAL = r"([0-9]{1,2})(?:st|nd|rd|th)?"
_MONTH_DAY_EN = re.compile(rf"^{_MONTH_NAME} {_ORDINAL}(?: ([0-9]{{4}}))?$")
_DAY_MONTH_EN = re.compile(rf"^(?:the )?{_ORDINAL} (?:of )?{_MONTH_NAME}(?: ([0-9]{{4}}))?$")
_IN_DAYS_EN = re.compile(r"^in (a|an|one|[0-9]{1,4}) (days?|weeks?)$")
_RELATIVE_EN = {"today": 0, "tomorrow": 1, "the day after tomorrow": 2}

_DAY_OF_MONTH_CN = re.compile(r"^(?:每个?月)?的?([0-9]{1,2})[日号]?$")
_DAY_OF_MONTH_EN = re.compile(
    r"^(?:(?:monthly|every month|each month) )?(?:on )?(?:the )?([0-9]{1,2})(?:st|nd|rd|th)?"
    r"(?: (?:of )?(?:each|every|the) month)?(?: monthly)?$"
)


class DateError(ValueError):
    """The text is not a date we understand."""


def parse_date(text: str, today: date) -> date:
    """A debtor's date, read relative to `today` (their local date). Dates without a year are
    the next such day (today included); `15号` alone is this month's 15th, or next month's if
    it has passed. `本月20号` and `本周一` mean exactly that, even if passed: the caller decides
    whether a past date is acceptable. Raises DateError, and nothing else, for any other text."""
    compact, spaced = _normalise(text)
    try:
        for parse in (_parse_numeric, _parse_chinese):
            if (found := parse(_chinese_numerals(compact), today)) is not None:
                return found
        if (found := _parse_english(spaced, today)) is not None:
            return found
    except DateError:
        raise
    except (ValueError, OverflowError) as exc:  # dates past year 9999, and the like
        raise DateError(f"not a date we can use: {text[:MAX_LENGTH]!r}") from exc
    raise DateError(f"not a date we understand: {text[:MAX_LENGTH]!r}")


def parse_day_of_month(text: str) -> int:
    """`每月15号`, `15号`, `15`, `十五号`, `monthly on the 15th`, `15th` → 15. Only 1–28, so
    that every month has the day; anything else raises DateError."""
    compact, spaced = _normalise(text)
    match = _DAY_OF_MONTH_CN.match(_chinese_numerals(compact)) or _DAY_OF_MONTH_EN.match(spaced)
    if match is None:
        raise DateError(f"not a day of the month: {text[:MAX_LENGTH]!r}")
    day = int(match.group(1))
    if not 1 <= day <= LAST_SAFE_DAY:
        raise DateError(
            f"the day of the month must be 1 to {LAST_SAFE_DAY}, so that every month has it; "
            f"got {day}"
        )
    return day


def add_months(day: date, months: int, day_of_month: int) -> date:
    """`day_of_month` of the month `months` after `day`'s month (negative goes back); 29–31
    become the last day of a shorter month. DateError past the calendar's range."""
    if not 1 <= day_of_month <= 31:
        raise DateError(f"no month has a day {day_of_month}")
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not MINYEAR <= year <= MAXYEAR:
        raise DateError(f"{months} months after {day.isoformat()} is outside the calendar")
    last = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day_of_month, last))


def _normalise(text: str) -> tuple[str, str]:
    """(compact form for Chinese and numeric dates, single-spaced lower case for English)."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        raise DateError("too long to be a date" if isinstance(text, str) else "not text")
    cleaned = unicodedata.normalize("NFKC", text)
    # Zero-width spaces, byte-order marks and bidi marks come with pasted text.
    cleaned = "".join(ch for ch in cleaned if unicodedata.category(ch) != "Cf")
    cleaned = cleaned.strip().rstrip(_TRAILING).strip().lower()
    if not cleaned or len(cleaned) > MAX_LENGTH:
        raise DateError(f"not a date: {text!r}")
    spaced = " ".join(cleaned.replace(",", " ").split())
    return _LOOSE_SPACE.sub("", cleaned), spaced


def _chinese_numerals(text: str) -> str:
    """`十二月一日` → `12月1日`, `二〇二六年` → `2026年`, `下周三` → `下周3`."""
    return _CN_RUN.sub(_numeral_run, text)


def _numeral_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if "十" in run:
        tens = _CN_TENS.match(run)
        if tens is None:  # `十十`, `一百` and the like: no day, month or count we take
            raise DateError(f"not a number we read in a date: {run!r}")
        high, low = tens.groups()
        return str(_CN_DIGIT.get(high, 1) * 10 + _CN_DIGIT.get(low, 0))
    if len(run) > 4:
        raise DateError(f"not a number we read in a date: {run!r}")
    return "".join(str(_CN_DIGIT[ch]) for ch in run)


def _parse_numeric(text: str, today: date) -> date | None:
    if match := _YMD.match(text):
        return _make(int(match.group(1)), int(match.group(3)), int(match.group(4)))
    if match := _YMD_CN.match(text):
        return _make(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if match := _MD.match(text):
        return _upcoming(today, int(match.group(1)), int(match.group(2)))
    return None


def _parse_chinese(text: str, today: date) -> date | None:
    if text in _RELATIVE_CN:
        return today + timedelta(days=_RELATIVE_CN[text])
    if match := _MD_CN.match(text):
        year_word, month, day = match.group(1), int(match.group(2)), int(match.group(3))
        if year_word is None:
            return _upcoming(today, month, day)
        return _make(today.year + (year_word == "明年"), month, day)
    if match := _D_CN.match(text):
        day = int(match.group(1))
        if day >= today.day:
            return _make(today.year, today.month, day)
        return _make(*_month_after(today), day)
    if match := _D_THIS_MONTH.match(text):
        return _make(today.year, today.month, int(match.group(1)))
    if match := _D_NEXT_MONTH.match(text):
        return _make(*_month_after(today), int(match.group(1)))
    if match := _MONTH_END.match(text):
        year, month = today.year, today.month
        if (match.group(1) or "").startswith("下"):
            year, month = _month_after(today)
        return _make(year, month, calendar.monthrange(year, month)[1])
    if match := _DAYS_LATER.match(text):
        days, weeks = match.groups()
        return _later(today, int(days) if days else 7 * int(weeks))
    if match := _WEEKDAY_CN.match(text):
        which, day_name = match.groups()
        weekday = 6 if day_name in "日天" else int(day_name) - 1
        if which is None:
            return _next_weekday(today, weekday)
        monday = today - timedelta(days=today.weekday())
        if which.startswith("下"):
            monday += timedelta(days=7)
        return monday + timedelta(days=weekday)
    return None


def _parse_english(text: str, today: date) -> date | None:
    if text in _RELATIVE_EN:
        return today + timedelta(days=_RELATIVE_EN[text])
    if match := _IN_DAYS_EN.match(text):
        count = 1 if match.group(1) in ("a", "an", "one") else int(match.group(1))
        return _later(today, count * (7 if match.group(2).startswith("week") else 1))
    if (weekday := _WEEKDAYS_EN.get(text.removeprefix("on "))) is not None:
        return _next_weekday(today, weekday)
    forms: list[tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[str, str]]]] = [
        (_MONTH_DAY_EN, lambda m: (m.group(1), m.group(2))),
        (_DAY_MONTH_EN, lambda m: (m.group(2), m.group(1))),
    ]
    for pattern, month_and_day in forms:
        if match := pattern.match(text):
            month_name, day = month_and_day(match)
            month, year = _MONTHS[month_name], match.group(3)
            if year is None:
                return _upcoming(today, month, int(day))
            return _make(int(year), month, int(day))
    return None


def _make(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise DateError(f"no such date: {year:04d}-{month:02d}-{day:02d}") from exc


def _upcoming(today: date, month: int, day: int) -> date:
    """Month and day without a year: this year's, or next year's if it has passed."""
    passed = (month, day) < (today.month, today.day)
    return _make(today.year + 1 if passed else today.year, month, day)


def _month_after(today: date) -> tuple[int, int]:
    return (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)


def _later(today: date, days: int) -> date:
    if days < 1:
        raise DateError("a number of days from now must be at least 1")
    return today + timedelta(days=days)


def _next_weekday(today: date, weekday: int) -> date:
    """The next such weekday (Monday 0), today included."""
    return today + timedelta(days=(weekday - today.weekday()) % 7)
