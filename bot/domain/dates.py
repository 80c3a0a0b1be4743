"""Dates as debtors write them (`12月1日`, `下个月15号`, `上周五`, `4天前`, `春节`, `Dec 1`),
relative to their local today and read toward the side the question is about (a payment was
made in the past, a grace period ends in the future), and the month arithmetic of instalment
schedules."""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from datetime import MAXYEAR, MINYEAR, date, timedelta
from typing import Literal

import cn2an

Side = Literal["past", "future"]

# Longer text is not a date; capped before NFKC (which can multiply a string's length).
MAX_LENGTH = 64
# Every month has these days, so a monthly instalment day never needs clamping.
LAST_SAFE_DAY = 28

_TRAILING = "。.!！,，;；?？~～"
# Traditional characters of the words we read.
_SIMPLIFIED = str.maketrans(
    "號週後個兩禮這當為點鐘國慶節聖誕勞動還給轉幾嗎們",
    "号周后个两礼这当为点钟国庆节圣诞劳动还给转几吗们",
)
# Whitespace goes unless it separates two digits (`12 月 1 日` is `12月1日`; `1 2月` is junk).
_LOOSE_SPACE = re.compile(r"(?<![0-9])\s+|\s+(?![0-9])")
_CN_RUN = re.compile(r"[零〇一二两三四五六七八九十百千]+")
_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGIT |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_TENS = re.compile(r"^([一二三四五六七八九]?)十([一二三四五六七八九]?)$")

# Words around a date that do not change it: `我是`, `大概`, a time of day, `可以吗`, `付的`.
_LEADING_CN = re.compile(
    r"^(?:我们?|就|是|在|于|大概|大约|应该|估计|可能|最晚|最迟|延期|延长|宽限|推迟|延|到|至)+"
)
_TIME_CN = re.compile(
    r"(?:早上|早晨|上午|中午|下午|傍晚|晚上|夜里|凌晨|白天)?"
    r"(?:[0-9]{1,2}(?:[点时](?:[0-9]{1,2}分?|半|钟)?|:[0-9]{2}))?$"
)
_TAIL_CN = re.compile(
    r"(?:(?:付|还|交|转|打|汇|给)(?:的|了)?(?:款|账|钱)?(?:的|了)?|可以|行不行|行|好|成|"
    r"吗|么|吧|呢|啊|呀|哈|哦|喔|了|的)+$"
)
_LEADING_EN = re.compile(r"^(?:(?:i )?(?:paid |pay |will pay )?(?:on |by |until |till )?)")
_TAIL_EN = re.compile(
    r"(?: (?:please|ok|okay|is that ok|if possible|maybe|"
    r"at [0-9]{1,2}(?::[0-9]{2})? ?(?:am|pm)?|[0-9]{1,2}(?::[0-9]{2})? ?(?:am|pm)|"
    r"(?:in the )?(?:morning|afternoon|evening|night)))+$"
)
# Two dates in one text: `12月1日或12月5日`, `明天到后天`, `tomorrow or monday`.
_BETWEEN = re.compile(r"或者|或是|或|还是|到|至|和|跟|与|、|~|—|,| or | to | and ")

_YMD = re.compile(r"^([0-9]{4})([-/. ·])([0-9]{1,2})\2([0-9]{1,2})$")
_YMD_COMPACT = re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{2})$")
_YMD_CN = re.compile(r"^([0-9]{2}|[0-9]{4})年([0-9]{1,2})月([0-9]{1,2})[日号]?$")
_MD = re.compile(r"^([0-9]{1,2})([-/.·])([0-9]{1,2})$")
_YEAR_WORD = "(今年|明年|后年|去年|前年)"
_YEARS = {"今年": 0, "明年": 1, "后年": 2, "去年": -1, "前年": -2}
_MD_CN = re.compile(rf"^{_YEAR_WORD}?([0-9]{{1,2}})月([0-9]{{1,2}})[日号]?$")
_D_CN = re.compile(r"^([0-9]{1,2})[日号]$")
_MONTH_WORD = "(上上|上|本|这|当|下下|下)个?"
_MONTHS_AWAY = {"上上": -2, "上": -1, "本": 0, "这": 0, "当": 0, "下": 1, "下下": 2}
_D_OF_MONTH = re.compile(rf"^{_MONTH_WORD}月([0-9]{{1,2}})[日号]?$")
_MONTH_END = re.compile(rf"^(?:{_MONTH_WORD})?月月?(?:底|末)$")
_NAMED_MONTH_END = re.compile(rf"^{_YEAR_WORD}?([0-9]{{1,2}})月份?月?(?:底|末)$")
_YEAR_END = re.compile(rf"^{_YEAR_WORD}?年(?:底|末)$")
_COUNT_AWAY = re.compile(
    r"^(?:([0-9]{1,4})(天|日|个?(?:周|星期|礼拜)|个月|年)|(半)个月)(后|以后|之后|前|以前|之前)$"
)
_WEEKDAY_CN = re.compile(r"^(上上|上|本|这|下下|下)?个?(?:周|星期|礼拜)([1-6日天])$")
_RELATIVE_CN = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}
_RELATIVE_CN |= {"昨天": -1, "昨日": -1, "前天": -2, "大前天": -3}
_HOLIDAY = re.compile(
    rf"^{_YEAR_WORD}?(元旦|国庆节?|劳动节|五一|圣诞节?|春节|大年初一|除夕|元宵节?)$"
)
_FIXED_HOLIDAYS = {"元旦": (1, 1), "劳动节": (5, 1), "五一": (5, 1), "国庆": (10, 1)}
_FIXED_HOLIDAYS |= {"国庆节": (10, 1), "圣诞": (12, 25), "圣诞节": (12, 25)}
# Spring Festival (the first day of the lunar year), and the holidays counted from it.
SPRING_FESTIVAL = {
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
}
_LUNAR_HOLIDAYS = {"春节": 0, "大年初一": 0, "除夕": -1, "元宵": 14, "元宵节": 14}

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
_COUNT_EN = r"(a|an|one|[0-9]{1,4}) (days?|weeks?|months?)"
_IN_COUNT_EN = re.compile(rf"^in {_COUNT_EN}$")
_COUNT_AGO_EN = re.compile(rf"^{_COUNT_EN} ago$")
_WEEKDAY_EN = re.compile(r"^(?:(last|this|next) )?([a-z]+)$")
_WEEKS_AWAY_EN = {"last": -1, "this": 0, "next": 1}
_MONTH_END_EN = re.compile(r"^(?:the )?end of (?:the |this )?(next )?month$")
_RELATIVE_EN = {"today": 0, "tomorrow": 1, "the day after tomorrow": 2}
_RELATIVE_EN |= {"yesterday": -1, "the day before yesterday": -2}

_DAY_OF_MONTH_CN = re.compile(r"^(?:每个?月)?的?([0-9]{1,2})[日号]?$")
_DAY_OF_MONTH_EN = re.compile(
    r"^(?:(?:monthly|every month|each month) )?(?:on )?(?:the )?([0-9]{1,2})(?:st|nd|rd|th)?"
    r"(?: (?:of )?(?:each|every|the) month)?(?: monthly)?$"
)


class DateError(ValueError):
    """The text is not a date we understand."""


class AmbiguousDate(DateError):
    """The text may mean more than one day (`3/4`, `5号` on the 5th, two dates): ask which."""

    def __init__(self, options: tuple[date, ...]) -> None:
        super().__init__("which day: " + " or ".join(day.isoformat() for day in options))
        self.options = options


def parse_date(text: str, today: date, prefer: Side = "future") -> date:
    """A debtor's date, read relative to `today` (their local date). What leaves the side open
    — a month and day, a day of the month, a weekday, a holiday — is read toward `prefer`:
    the nearest such day after today ("future") or before it ("past"). What names its side
    (`本月20号`, `这周一`, `昨天`, `3天后`, a full date) means exactly that: the caller judges
    it. Raises AmbiguousDate where the text may mean two days, and DateError, and nothing
    else, for any other text."""
    if prefer not in ("past", "future"):
        raise ValueError(f"prefer must be 'past' or 'future', not {prefer!r}")
    compact, spaced = _normalise(text)
    try:
        found = _parse_one(compact, spaced, today, prefer)
        if found is None:
            found = _two_dates(compact, spaced, today, prefer)
    except DateError:
        raise
    except (ValueError, OverflowError) as exc:  # dates past year 9999, and the like
        raise DateError(f"not a date we can use: {text[:MAX_LENGTH]!r}") from exc
    if found is None:
        raise DateError(f"not a date we understand: {text[:MAX_LENGTH]!r}")
    return found


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
    cleaned = unicodedata.normalize("NFKC", text).translate(_SIMPLIFIED)
    # Zero-width spaces, byte-order marks and bidi marks come with pasted text.
    cleaned = "".join(ch for ch in cleaned if unicodedata.category(ch) != "Cf")
    cleaned = cleaned.strip().rstrip(_TRAILING).strip().lower()
    if not cleaned or len(cleaned) > MAX_LENGTH:
        raise DateError(f"not a date: {text!r}")
    spaced = " ".join(cleaned.replace(",", " ").split())
    return _LOOSE_SPACE.sub("", cleaned), spaced


def _parse_one(compact: str, spaced: str, today: date, prefer: Side) -> date | None:
    """One date, or None when the text is not one we read."""
    if (found := _parse_holiday(_trim_cn(compact), today, prefer)) is not None:
        return found
    chinese = _trim_cn(_chinese_numerals(compact))
    for parse in (_parse_numeric, _parse_chinese):
        if chinese and (found := parse(chinese, today, prefer)) is not None:
            return found
    english = _TAIL_EN.sub("", _LEADING_EN.sub("", spaced, count=1))
    return _parse_english(english, today, prefer) if english else None


def _two_dates(compact: str, spaced: str, today: date, prefer: Side) -> date | None:
    """Raises AmbiguousDate when the text holds two different dates we read (`明天或后天`);
    the day itself when every part names the same one; else None."""
    for text in (spaced, compact):
        parts = [part.strip() for part in _BETWEEN.split(text) if part.strip()]
        if len(parts) < 2:
            continue
        found: list[date] = []
        for part in parts:
            try:
                day = _parse_one(_LOOSE_SPACE.sub("", part), part, today, prefer)
            except AmbiguousDate as exc:
                day = exc.options[0]
            except (ValueError, OverflowError):
                return None
            if day is None:
                return None
            found.append(day)
        if len(set(found)) > 1:
            raise AmbiguousDate(tuple(dict.fromkeys(found)))
        return found[0] if found else None
    return None


def _trim_cn(text: str) -> str:
    """Without the words around a Chinese date: `我是昨天下午3点付的` → `昨天`."""
    text = _LEADING_CN.sub("", text, count=1)
    text = _TAIL_CN.sub("", text, count=1)
    return _TIME_CN.sub("", text, count=1) or text


def _chinese_numerals(text: str) -> str:
    """`十二月一日` → `12月1日`, `二〇二六年` → `2026年`, `两千零九` → `2009`, `周三` → `周3`."""
    return _CN_RUN.sub(_numeral_run, text)


def _numeral_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if "百" in run or "千" in run:  # only years: `两千零九`
        try:
            value = cn2an.cn2an(run.replace("两", "二"), "strict")
        except ValueError as exc:
            raise DateError(f"not a number we read in a date: {run!r}") from exc
        return str(int(value))
    if "十" in run:
        tens = _CN_TENS.match(run)
        if tens is None:  # `十十` and the like: no day, month or count we take
            raise DateError(f"not a number we read in a date: {run!r}")
        high, low = tens.groups()
        return str(_CN_DIGIT.get(high, 1) * 10 + _CN_DIGIT.get(low, 0))
    if len(run) > 4:
        raise DateError(f"not a number we read in a date: {run!r}")
    return "".join(str(_CN_DIGIT[ch]) for ch in run)


def _parse_numeric(text: str, today: date, prefer: Side) -> date | None:
    if match := _YMD.match(text) or _YMD_COMPACT.match(text):
        return _make(int(match.group(1)), int(match.groups()[-2]), int(match.groups()[-1]))
    if match := _YMD_CN.match(text):
        year = int(match.group(1)) + (2000 if len(match.group(1)) == 2 else 0)  # `16年` is 2016
        return _make(year, int(match.group(2)), int(match.group(3)))
    if match := _MD.match(text):
        month, separator, day = int(match.group(1)), match.group(2), int(match.group(3))
        if separator == "/" and month > 12 >= day:  # `25/11`: only day/month fits
            month, day = day, month
        elif separator == "/" and month <= 12 and day <= 12 and month != day:
            # Month/day here, day/month in much of the world: ask.
            options = (_toward(today, month, day, prefer), _toward(today, day, month, prefer))
            raise AmbiguousDate(options)
        return _toward(today, month, day, prefer)
    return None


def _parse_chinese(text: str, today: date, prefer: Side) -> date | None:
    if text in _RELATIVE_CN:
        return today + timedelta(days=_RELATIVE_CN[text])
    if match := _MD_CN.match(text):
        year_word, month, day = match.group(1), int(match.group(2)), int(match.group(3))
        if year_word is None:
            return _toward(today, month, day, prefer)
        return _make(today.year + _YEARS[year_word], month, day)
    if match := _D_CN.match(text):
        return _day_of_month(today, int(match.group(1)), prefer)
    if match := _D_OF_MONTH.match(text):
        year, month = _month_of(today, _MONTHS_AWAY[match.group(1)])
        return _make(year, month, int(match.group(2)))
    if match := _MONTH_END.match(text):
        if match.group(1) is not None:
            return _month_end(*_month_of(today, _MONTHS_AWAY[match.group(1)]))
        this_month = _month_end(today.year, today.month)
        if prefer == "past" and this_month > today:
            return today.replace(day=1) - timedelta(days=1)
        return this_month
    if match := _NAMED_MONTH_END.match(text):
        year_word, month = match.group(1), int(match.group(2))
        if not 1 <= month <= 12:
            raise DateError(f"no month {month}")
        if year_word is not None:
            return _month_end(today.year + _YEARS[year_word], month)
        return _nearest(today, prefer, lambda year: _month_end(year, month))
    if match := _YEAR_END.match(text):
        if match.group(1) is not None:
            return _make(today.year + _YEARS[match.group(1)], 12, 31)
        return _toward(today, 12, 31, prefer)
    if match := _COUNT_AWAY.match(text):
        count, unit, half, direction = match.groups()
        sign = -1 if direction.endswith("前") else 1
        if half:
            return _days_away(today, 15 * sign)
        if unit in ("个月", "年"):
            months = int(count) * (12 if unit == "年" else 1)
            if months < 1:
                raise DateError("a number of months from now must be at least 1")
            return add_months(today, sign * months, today.day)
        days = int(count) * (1 if unit in ("天", "日") else 7)
        return _days_away(today, sign * days)
    if match := _WEEKDAY_CN.match(text):
        which, day_name = match.groups()
        weekday = 6 if day_name in "日天" else int(day_name) - 1
        if which is None:
            return _weekday(today, weekday, prefer)
        return _in_week(today, _MONTHS_AWAY[which], weekday)
    return None


def _parse_holiday(text: str, today: date, prefer: Side) -> date | None:
    match = _HOLIDAY.match(text)
    if match is None:
        return None
    year_word, name = match.groups()
    if name in _FIXED_HOLIDAYS:
        month, day = _FIXED_HOLIDAYS[name]
        if year_word is not None:
            return _make(today.year + _YEARS[year_word], month, day)
        return _toward(today, month, day, prefer)
    offset = timedelta(days=_LUNAR_HOLIDAYS[name])
    if year_word is not None:
        return _lunar_new_year(today.year + _YEARS[year_word]) + offset
    return _nearest(today, prefer, lambda year: _lunar_new_year(year) + offset)


def _parse_english(text: str, today: date, prefer: Side) -> date | None:
    if text in _RELATIVE_EN:
        return today + timedelta(days=_RELATIVE_EN[text])
    for pattern, sign in ((_IN_COUNT_EN, 1), (_COUNT_AGO_EN, -1)):
        if match := pattern.match(text):
            count = 1 if match.group(1) in ("a", "an", "one") else int(match.group(1))
            unit = match.group(2)
            if unit.startswith("month"):
                if count < 1:
                    raise DateError("a number of months from now must be at least 1")
                return add_months(today, sign * count, today.day)
            return _days_away(today, sign * count * (7 if unit.startswith("week") else 1))
    if match := _MONTH_END_EN.match(text):
        return _month_end(*_month_of(today, 1 if match.group(1) else 0))
    if (match := _WEEKDAY_EN.match(text.removeprefix("on "))) and match.group(2) in _WEEKDAYS_EN:
        which, weekday = match.group(1), _WEEKDAYS_EN[match.group(2)]
        if which is None:
            return _weekday(today, weekday, prefer)
        return _in_week(today, _WEEKS_AWAY_EN[which], weekday)
    forms: list[tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[str, str]]]] = [
        (_MONTH_DAY_EN, lambda m: (m.group(1), m.group(2))),
        (_DAY_MONTH_EN, lambda m: (m.group(2), m.group(1))),
    ]
    for pattern, month_and_day in forms:
        if match := pattern.match(text):
            month_name, day = month_and_day(match)
            month, year = _MONTHS[month_name], match.group(3)
            if year is None:
                return _toward(today, month, int(day), prefer)
            return _make(int(year), month, int(day))
    return None


def _make(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise DateError(f"no such date: {year:04d}-{month:02d}-{day:02d}") from exc


def _toward(today: date, month: int, day: int, prefer: Side) -> date:
    """Month and day without a year: this year's (today included), else the year after or
    before, whichever `prefer` looks to."""
    year = today.year
    if prefer == "future" and (month, day) < (today.month, today.day):
        year += 1
    elif prefer == "past" and (month, day) > (today.month, today.day):
        year -= 1
    return _make(year, month, day)


def _nearest(today: date, prefer: Side, on: Callable[[int], date]) -> date:
    """The day `on(year)` nearest today on `prefer`'s side, today included."""
    found = on(today.year)
    if prefer == "future" and found < today:
        return on(today.year + 1)
    if prefer == "past" and found > today:
        return on(today.year - 1)
    return found


def _day_of_month(today: date, day: int, prefer: Side) -> date:
    """`15号`: this month's 15th, or the month after or before's once on the other side.
    Today's own day may mean today or a month away."""
    step = 1 if prefer == "future" else -1
    if day == today.day:
        raise AmbiguousDate((today, _make(*_month_of(today, step), day)))
    passed = day < today.day if prefer == "future" else day > today.day
    return _make(*_month_of(today, step if passed else 0), day)


def _weekday(today: date, weekday: int, prefer: Side) -> date:
    """A bare weekday: the next (or last) such day; today's own weekday is asked."""
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0:
        week = timedelta(days=7 if prefer == "future" else -7)
        raise AmbiguousDate((today, today + week))
    return today + timedelta(days=ahead if prefer == "future" else ahead - 7)


def _in_week(today: date, weeks: int, weekday: int) -> date:
    """`weekday` (Monday 0) of the calendar week `weeks` from this one (上周 -1, 下周 1)."""
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(days=7 * weeks + weekday)


def _month_of(today: date, months: int) -> tuple[int, int]:
    """(year, month) `months` from today's month."""
    year, month_index = divmod(today.year * 12 + today.month - 1 + months, 12)
    return year, month_index + 1


def _month_end(year: int, month: int) -> date:
    return _make(year, month, calendar.monthrange(year, month)[1])


def _lunar_new_year(year: int) -> date:
    if year not in SPRING_FESTIVAL:
        raise DateError(
            f"we know the Spring Festival of {min(SPRING_FESTIVAL)}–"
            f"{max(SPRING_FESTIVAL)} only, not {year}"
        )
    return SPRING_FESTIVAL[year]


def _days_away(today: date, days: int) -> date:
    if days == 0:
        raise DateError("a number of days from now must be at least 1")
    return today + timedelta(days=days)
