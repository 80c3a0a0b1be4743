"""Quiet hours: windows over midnight and within a day, and the first instant a message may go."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.domain.quiet_hours import QuietHours, defer_out_of_quiet
from tests.bot.domain import BOUNDED, messy_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT = QuietHours(time(21), time(8))  # crosses midnight
LUNCH = QuietHours(time(12), time(14))  # within one day


def local(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A Shanghai wall-clock time in November 2026."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("text", "window"),
    [
        ("21:00-08:00", NIGHT),
        (" 21:00 - 08:00 ", NIGHT),
        ("9:30-11:00", QuietHours(time(9, 30), time(11))),
        ("12:00-14:00", LUNCH),
        ("00:00-23:59", QuietHours(time(0), time(23, 59))),
        ("２１:００-０８:００", NIGHT),
        ("21：00－08：00", NIGHT),  # full-width colons and hyphen, as a Chinese keyboard types
    ],
)
def test_parse(text: str, window: QuietHours) -> None:
    assert QuietHours.parse(text) == window


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text_disables_quiet_hours(text: str) -> None:
    assert QuietHours.parse(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "21:00",
        "21-08",
        "21:00-",
        "21:00–08:00",  # an en dash
        "24:00-08:00",
        "21:00-08:60",
        "21:0-08:00",
        "21:00-08:00-09:00",
        "08:00-08:00",  # empty window
        "9pm-8am",
        "21:00\x00-08:00",
        "abc",
    ],
)
def test_bad_text_raises_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="quiet hours"):
        QuietHours.parse(text)


@pytest.mark.parametrize(
    ("window", "inside", "outside"),
    [
        (
            NIGHT,
            [time(21), time(23, 59), time(0), time(7, 59, 59)],
            [time(8), time(12), time(20, 59)],
        ),
        (LUNCH, [time(12), time(13, 59, 59)], [time(11, 59), time(14), time(0), time(23)]),
    ],
)
def test_contains(window: QuietHours, inside: list[time], outside: list[time]) -> None:
    assert all(window.contains(moment) for moment in inside)
    assert not any(window.contains(moment) for moment in outside)


@pytest.mark.parametrize(
    ("window", "at", "allowed"),
    [
        # over midnight
        (NIGHT, local(26, 21), local(27, 8)),  # exactly at the start: quiet
        (NIGHT, local(26, 8), local(26, 8)),  # exactly at the end: allowed
        (NIGHT, local(26, 7, 59), local(26, 8)),  # one minute before the end
        (NIGHT, local(26, 23, 30), local(27, 8)),  # before midnight → next morning
        (NIGHT, local(27, 0, 0), local(27, 8)),  # midnight itself
        (NIGHT, local(26, 20, 59, 59), local(26, 20, 59, 59)),  # one second before the start
        (NIGHT, local(26, 10), local(26, 10)),
        # within one day
        (LUNCH, local(26, 12), local(26, 14)),
        (LUNCH, local(26, 14), local(26, 14)),
        (LUNCH, local(26, 13, 59), local(26, 14)),
        (LUNCH, local(26, 11, 59), local(26, 11, 59)),
        (LUNCH, local(26, 23), local(26, 23)),
    ],
)
def test_next_allowed_at_the_edges(window: QuietHours, at: datetime, allowed: datetime) -> None:
    result = window.next_allowed(at, SHANGHAI)
    assert result == allowed
    assert result.tzinfo is UTC
    # the same instant given in UTC gives the same answer
    assert window.next_allowed(at.astimezone(UTC), SHANGHAI) == allowed


def test_defer_out_of_quiet_without_quiet_hours_only_converts_to_utc() -> None:
    at = local(26, 23, 30)
    assert defer_out_of_quiet(at, None, SHANGHAI) == at
    assert defer_out_of_quiet(at, None, SHANGHAI).tzinfo is UTC
    assert defer_out_of_quiet(at, NIGHT, SHANGHAI) == local(27, 8)


@BOUNDED
@given(messy_text())
def test_parse_on_any_text_gives_a_window_none_or_value_error(text: str) -> None:
    try:
        window = QuietHours.parse(text)
    except ValueError:
        return
    assert window is None or window.start != window.end


@BOUNDED
@given(
    start=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    end=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    at=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
)
def test_next_allowed_is_never_earlier_never_in_the_window_and_at_most_a_day_later(
    start: time, end: time, at: datetime
) -> None:
    assume(start != end)
    window = QuietHours(start, end)
    allowed = window.next_allowed(at, SHANGHAI)
    assert at <= allowed < at + timedelta(days=1)
    assert not window.contains(allowed.astimezone(SHANGHAI).time())
    if not window.contains(at.astimezone(SHANGHAI).time()):
        assert allowed == at
    else:
        assert allowed.astimezone(SHANGHAI).time() == end
