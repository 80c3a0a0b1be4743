"""The outcome figures: what the reminders achieve, for a court, an area and a period.

A **selection** is a set of debtors of cases: every (case, obligor) pair whose case belongs
to the court (`court`, its code), whose obligor's area code starts with `area` (a county of 6
digits, a township of 9, a village of 12), and whose case took effect between `since` and
`until` (local dates in the court's time zone, both days included). A *case* is selected
when at least one of its debtors is; a *debtor* is one obligor of one case (a person with two
cases counts twice). Every figure counts only what belongs to the selection:

- **voluntary performance rate**: cases `performed` over cases *decided*: those in a final
  state (`performed`, `exited`, `referred`, `closed`) or still live with their performance
  deadline before `as_of`. `referred` is final (bot/domain/case_states.py), so a performed
  case was never handed to compulsory enforcement.
- **median days to performance**: over performed cases, the days (fractional) from the
  effective instant to the moment the case became `performed`.
- **response rate to the first reminder**: debtors who wrote in at or after their day-0
  reminder was sent, over debtors whose day-0 reminder was sent.
- **settlements** proposed (filings of kind `settle`) and accepted (the plan started);
  **grace** requested (filings of kind `grace`) and granted (accepted).
- **hardship** reports (filings of kind `hardship`); the official's verdict (`true`, `false`;
  other visit outcomes leave it unverified); the judge's decision on a true one (`grace`,
  `exit`, `continue`); **exits**: cases in `exited`.
- **unreachable** debtors: an `unreachable` event on their case names them (no channel took
  a reminder), or none of their contacts is active any more and one is opted out, invalid or
  blocked.
- **officials' follow-ups**: tasks of the kinds officials work (verify, follow up), one per
  chain of escalation (the link that was escalated is left out); *done* when an official
  did it, with the median hours from that task's opening (an escalated one: from its
  escalation) to done.

Rates are None where nothing is counted under them. The figures come from SQL aggregates
(storage/figures.py); this module holds the definitions and the read model.

The dashboard adds the **voluntary performance rate per month of effect**: the selected cases
whose effective instant falls in each month (a local month of the court's time zone), decided
and performed as above (`MonthFigures`). The months charted are those of the period, the latest
`MONTHS_MAX` of a longer one; without a start, the `MONTHS_SHOWN` months up to its end (or up
to `as_of`).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, computed_field

from bot.domain.case_states import FINAL
from bot.domain.plan import DEFAULT_PLAN
from bot.domain.status import ContactStatus
from bot.domain.tasks import ESCALATES

AREA_LENGTHS = (6, 9, 12)  # county, township, village
COURT_CODE_MAX = 20  # as long as a court code can be (courts.code)
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)  # the days a period may name
FIRST_STEP = DEFAULT_PLAN[0].key  # the day-0 reminder
DECIDED_STATES = FINAL
OFFICIAL_TASKS = ESCALATES
DEAD_CONTACT = frozenset({ContactStatus.OPTED_OUT, ContactStatus.INVALID, ContactStatus.BLOCKED})
MONTHS_SHOWN = 12  # months of effect charted when the period has no start
MONTHS_MAX = 24  # the latest months of a longer period


class SelectionError(ValueError):
    """A filter that cannot select anything: the message says which and why."""


class Selection(BaseModel):
    """Which debtors the figures count (see the module's docstring); None: any."""

    model_config = ConfigDict(frozen=True)

    court: str | None = None
    area: str | None = None
    since: date | None = None
    until: date | None = None

    def window(self, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """The effective instants selected, in UTC: from the start of `since` (included) to
        the end of `until` (excluded), local days of `zone`."""

        def start(day: date | None) -> datetime | None:
            return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC) if day else None

        end = self.until + timedelta(days=1) if self.until else None
        return start(self.since), start(end)


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day(name: str, value: date | str | None) -> date | None:
    if not value:
        return None
    day = value if isinstance(value, date) else None
    try:
        if day is None and _ISO_DAY.fullmatch(value):
            day = date.fromisoformat(value)
    except ValueError:
        pass
    if day is None:
        raise SelectionError(f"{name}: not a date (YYYY-MM-DD): {str(value)[:40]!r}")
    if not FIRST_DAY <= day <= LAST_DAY:
        raise SelectionError(f"{name}: a day from {FIRST_DAY} to {LAST_DAY}: {day}")
    return day


def selection(
    court: str | None = None,
    area: str | None = None,
    since: date | str | None = None,
    until: date | str | None = None,
) -> Selection:
    """A selection from what a person typed (`from` and `to` are `since` and `until`; an
    empty value selects any); `SelectionError` with the reason for a value that makes no
    sense."""
    court, area = court or None, area or None
    if court is not None and not (len(court) <= COURT_CODE_MAX and court.isprintable()):
        raise SelectionError(f"court: not a court code: {court[:40]!r}")
    if area is not None and not (area.isascii() and area.isdigit() and len(area) in AREA_LENGTHS):
        raise SelectionError(
            f"area: an area code of 6, 9 or 12 digits (county, township, village): {area[:40]!r}"
        )
    first, last = _day("from", since), _day("to", until)
    if first and last and first > last:
        raise SelectionError(f"from ({first}) is after to ({last})")
    return Selection(court=court, area=area, since=first, until=last)


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


class Figures(BaseModel):
    """The outcome figures of one selection, as of one day (deadlines are judged on it)."""

    model_config = ConfigDict(frozen=True)

    selection: Selection
    as_of: date
    cases: int
    decided: int
    performed: int
    referred: int
    exited: int
    closed: int
    median_days_to_performance: float | None
    debtors: int
    first_reminded: int
    responded: int
    settlements_proposed: int
    settlements_accepted: int
    grace_requested: int
    grace_granted: int
    hardship_reports: int
    hardship_true: int
    hardship_false: int
    hardship_grace: int
    hardship_exit: int
    hardship_continue: int
    unreachable: int
    followups: int
    followups_done: int
    median_hours_to_done: float | None

    @computed_field
    @property
    def voluntary_performance_rate(self) -> float | None:
        return ratio(self.performed, self.decided)

    @computed_field
    @property
    def response_rate(self) -> float | None:
        return ratio(self.responded, self.first_reminded)

    def rows(self) -> list[tuple[str, object]]:
        """Every figure as (name, value), the selection first: one line each in a table or
        a CSV file (None: nothing to count, written empty)."""
        values = self.model_dump(mode="json")
        chosen = values.pop("selection")
        names = ["from" if k == "since" else "to" if k == "until" else k for k in chosen]
        return list(zip(names, chosen.values(), strict=True)) + list(values.items())


def as_csv(figures: Figures) -> str:
    """The figures as CSV: a header, then one `figure,value` line each."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["figure", "value"])
    writer.writerows((name, "" if value is None else value) for name, value in figures.rows())
    return out.getvalue()


class MonthFigures(BaseModel):
    """The selected cases that took effect in one month: how many, decided, performed."""

    model_config = ConfigDict(frozen=True)

    month: date  # its first day
    cases: int
    decided: int
    performed: int

    @computed_field
    @property
    def voluntary_performance_rate(self) -> float | None:
        return ratio(self.performed, self.decided)


class Dashboard(BaseModel):
    """What the dashboard shows: the figures, and the rate per month of effect."""

    model_config = ConfigDict(frozen=True)

    figures: Figures
    months: list[MonthFigures]
    court_name: str = ""  # the court's, when the selection names one


def _month_after(first: date, months: int = 1) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_charted(chosen: Selection, as_of: date) -> list[date]:
    """The first days of the months of effect the dashboard charts, oldest first (the
    module's docstring says which)."""
    last = (chosen.until or as_of).replace(day=1)
    first = chosen.since.replace(day=1) if chosen.since else _month_after(last, 1 - MONTHS_SHOWN)
    last = max(last, first)
    first = max(first, _month_after(last, 1 - MONTHS_MAX))
    found = [first]
    while found[-1] < last:
        found.append(_month_after(found[-1]))
    return found


def month_windows(months: list[date], zone: ZoneInfo) -> list[tuple[date, datetime, datetime]]:
    """Each month with its effective instants in UTC: [its first midnight, the next
    month's) on the calendar of `zone`."""

    def start(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)

    return [(month, start(month), start(_month_after(month))) for month in months]
