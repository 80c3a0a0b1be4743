"""A court's reminder schedule: its plan of steps, its quiet hours and its weekly cap per
debtor, and the rules a schedule must keep before it is saved.

A schedule is read from JSON (`parse`), which checks it all at once and raises
`ScheduleRefused` with every reason (catalog keys and their values, so the console, the API and
the command line each say them in their words). The rules, concretely:

- 1 to `MAX_STEPS` steps; a step's key is 1 to 24 characters `a-z 0-9 _`, unique, and not a
  key the system uses itself (`chat_link`); its template a shipped reminder text
  (`reminder.*`); its time `HH:MM`, or empty: the moment the judgment takes effect on an
  effective-anchored step, 09:00 on a due-anchored one.
- Within the case's lifetime here: from the effective day (anchor `effective`, days ≥ 0) to the
  performance deadline (anchor `due`, days ≤ 0); `schedule()` never sends after the due day.
- No overlap: two steps on the same anchor less than `MIN_GAP` apart would always lose one of
  them to the other (`schedule()` keeps one), so such a pair is refused.
- Quiet hours `HH:MM-HH:MM` (or empty: none) leave at least `MIN_OPEN` a day to send in, and no
  step's local time falls inside them (it could only ever be moved to their end).
- The delays (`Delays`, days) lie within `DELAY_LIMITS`; left out, they are the shipped ones.
- The weekly cap is 1 to `MAX_CAP` reminders per debtor in any 7 days, and the plan keeps it:
  for every performance period from `CAP_PERIODS[0]` to `CAP_PERIODS[-1]` days (a case effective
  at `CAP_EFFECTIVE` local time), the steps `schedule()` keeps may not put more than the cap in
  any 7 days. A period shorter than the cap's own week is crowded by nature; there the
  dispatcher's cap still holds (a reminder over it waits) and `schedule()` thins the plan.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.court_texts import EDITABLE
from bot.domain.instalments import BEFORE_DAYS
from bot.domain.plan import DEFAULT_PLAN, DUE_DEFAULT, MIN_GAP, PlanStep, plan_to_json, schedule
from bot.domain.politeness import WINDOW
from bot.domain.quiet_hours import QuietHours, SameStartAndEnd
from bot.domain.tasks import FOLLOW_UP_DUE, MISSED_AFTER, SILENT_AFTER

MAX_STEPS = 12
MAX_CAP = 14  # two reminders a day (MIN_GAP apart) for a week: a cap above it caps nothing
MAX_DAYS = 366
MIN_OPEN = timedelta(hours=4)  # quiet hours must leave this much of each day to send in
CAP_PERIODS = range(7, 61)  # performance periods (days) the cap is checked on
CAP_EFFECTIVE = time(9)
_REFERENCE_DAY = date(2026, 1, 5)
_KEY = re.compile(r"[a-z0-9_]{1,24}")
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
RESERVED_KEYS = frozenset({"chat_link"})
REMINDER_TEXTS = "reminder."
PLAN_VALUES = frozenset({"court", "name", "case_number", "amount", "deadline", "consequences"})
ANCHORS = ("effective", "due")


@dataclass(frozen=True)
class Delays:
    """How long the follow-ups wait, in days (the shipped values unless a court sets its own)."""

    follow_up_days: int = FOLLOW_UP_DUE.days  # an official's task is due (then it goes up)
    silent_days: int = SILENT_AFTER.days  # a debtor silent this long after day 0 gets a visit
    missed_days: int = MISSED_AFTER.days  # an instalment unpaid this long after its day: default
    instalment_days_before: int = BEFORE_DAYS  # a payment's reminder before its day (0: none)


DELAY_LIMITS = {
    "follow_up_days": (1, 30),
    "silent_days": (1, 60),
    "missed_days": (1, 30),
    "instalment_days_before": (0, 14),
}


@dataclass(frozen=True)
class Versions:
    """The cases planned with these schedule versions (`built_in`: and those with none)."""

    ids: tuple[int, ...]
    built_in: bool


_FIELDS = {
    "schedule.error.shape": "body",
    "schedule.error.quiet": "quiet_hours",
    "schedule.error.quiet_all_day": "quiet_hours",
    "schedule.error.cap": "weekly_cap",
    "schedule.error.cap_broken": "weekly_cap",
    **{f"schedule.error.{name}": ".".join(("delays", name)) for name in DELAY_LIMITS},
}


@dataclass(frozen=True)
class Reason:
    """Why a schedule is refused: a catalog key and its values."""

    key: str
    values: dict[str, Any]

    @property
    def field(self) -> str:
        """The part of the schedule at fault, as its JSON names it (`steps.0` is step 1)."""
        if "step" in self.values:
            return ".".join(("steps", str(self.values["step"] - 1)))
        return _FIELDS.get(self.key, "steps")


class ScheduleRefused(ValueError):
    def __init__(self, reasons: list[Reason]) -> None:
        super().__init__("; ".join(r.key for r in reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class StoredSchedule:
    """One saved version of a court's schedule (its body as `Schedule.to_json` wrote it)."""

    id: int
    court_id: int
    version: int
    body: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Schedule:
    """The rules one case is planned and reminded by."""

    steps: tuple[PlanStep, ...]
    quiet: QuietHours | None
    weekly_cap: int  # 0 only in a built-in default from settings: no cap
    delays: Delays = field(default_factory=Delays)

    @classmethod
    def built_in(cls, quiet: QuietHours | None, weekly_cap: int) -> Schedule:
        """What a court without a schedule of its own runs: the shipped plan, and the quiet
        hours and cap of the settings."""
        return cls(DEFAULT_PLAN, quiet, weekly_cap)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Schedule:
        """A stored version as it was saved, without checking it again: a version runs as
        saved even where today's rules would refuse it (or it came from an older plan)."""
        steps = tuple(
            PlanStep(
                step["key"],
                step["anchor"],
                step["days"],
                step.get("at"),
                step["template"],
                step.get("follow_up", False),
            )
            for step in body["steps"]
        )
        quiet = QuietHours.parse(body.get("quiet_hours") or "")
        return cls(steps, quiet, body["weekly_cap"], Delays(**body.get("delays", {})))

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": plan_to_json(self.steps),
            "quiet_hours": _quiet_text(self.quiet),
            "weekly_cap": self.weekly_cap,
            "delays": asdict(self.delays),
        }


def by_delay(
    stored: Iterable[StoredSchedule], pick: Callable[[Delays], int]
) -> dict[int, Versions]:
    """The schedule versions grouped by one of their delays (`pick`), the built-in
    schedule's among them: a follow-up query runs once per delay, over its versions' cases."""
    ids: dict[int, list[int]] = {}
    for version in stored:
        ids.setdefault(pick(Schedule.from_json(version.body).delays), []).append(version.id)
    built_in = pick(Delays())
    return {days: Versions(tuple(ids.get(days, ())), days == built_in) for days in {*ids, built_in}}


def is_plan_key(key: str) -> bool:
    """Whether `key` can be a plan step's (no key the system uses for other rows can)."""
    return bool(_KEY.fullmatch(key)) and key not in RESERVED_KEYS


def _quiet_text(quiet: QuietHours | None) -> str:
    return f"{quiet.start:%H:%M}-{quiet.end:%H:%M}" if quiet else ""


def parse(raw: object, zone: ZoneInfo) -> Schedule:
    """A schedule from its JSON, if it keeps every rule; else `ScheduleRefused` with every
    reason at once."""
    reasons: list[Reason] = []
    if not isinstance(raw, dict) or not isinstance(raw.get("steps"), list):
        raise ScheduleRefused([Reason("schedule.error.shape", {})])
    steps = _steps(raw["steps"], reasons)
    quiet = _quiet(raw.get("quiet_hours"), reasons)
    cap = raw.get("weekly_cap")
    if isinstance(cap, bool) or not isinstance(cap, int) or not 1 <= cap <= MAX_CAP:
        reasons.append(Reason("schedule.error.cap", {"max": MAX_CAP}))
        cap = 0
    delays = _delays(raw.get("delays", {}), reasons)
    reasons += _rules(steps, quiet, cap, zone, whole=not reasons)
    if reasons:
        raise ScheduleRefused(reasons)
    return Schedule(tuple(steps), quiet, cap, delays)


def _delays(raw: object, reasons: list[Reason]) -> Delays:
    """The delays a schedule sets; one it leaves out is the shipped one."""
    if not isinstance(raw, dict) or set(raw) - set(DELAY_LIMITS):
        reasons.append(Reason("schedule.error.shape", {}))
        return Delays()
    values = {}
    for name in (f.name for f in fields(Delays)):
        value = raw.get(name, getattr(Delays, name))
        low, high = DELAY_LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            reasons.append(Reason(f"schedule.error.{name}", {"min": low, "max": high}))
        else:
            values[name] = value
    return Delays(**values)


def reminder_texts() -> list[str]:
    """The reminder texts a step may send: those whose every placeholder (in a court's own
    wording too) a plan's reminder fills in (`dispatch.reminder_text`): not an instalment's."""
    return sorted(
        key
        for key, wording in EDITABLE.items()
        if key.startswith(REMINDER_TEXTS) and set(wording.allowed) <= PLAN_VALUES
    )


def _steps(raw: list, reasons: list[Reason]) -> list[PlanStep]:
    if not 1 <= len(raw) <= MAX_STEPS:
        reasons.append(Reason("schedule.error.steps", {"max": MAX_STEPS}))
    texts = set(reminder_texts())
    steps: list[PlanStep] = []
    seen: dict[str, int] = {}
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            reasons.append(Reason("schedule.error.shape", {}))
            continue
        before = len(reasons)
        key, anchor, days = item.get("key"), item.get("anchor"), item.get("days")
        at, template = item.get("at"), item.get("template")
        at = None if at == "" else at
        follow_up = item.get("follow_up", False)
        if not isinstance(key, str) or not is_plan_key(key):
            reasons.append(Reason("schedule.error.key", {"step": n}))
        elif key in seen:
            reasons.append(Reason("schedule.error.duplicate", {"step": n, "other": seen[key]}))
        else:
            seen[key] = n
        if anchor not in ANCHORS:
            reasons.append(Reason("schedule.error.anchor", {"step": n}))
        if isinstance(days, bool) or not isinstance(days, int) or abs(days) > MAX_DAYS:
            reasons.append(Reason("schedule.error.days", {"step": n, "max": MAX_DAYS}))
        elif anchor == "effective" and days < 0:
            reasons.append(Reason("schedule.error.before_effective", {"step": n}))
        elif anchor == "due" and days > 0:
            reasons.append(Reason("schedule.error.after_due", {"step": n}))
        if at is not None and (not isinstance(at, str) or not _TIME.fullmatch(at)):
            reasons.append(Reason("schedule.error.time", {"step": n}))
        if not isinstance(template, str) or template not in texts:
            reasons.append(Reason("schedule.error.template", {"step": n}))
        if not isinstance(follow_up, bool):
            reasons.append(Reason("schedule.error.shape", {}))
        if len(reasons) == before:
            steps.append(PlanStep(key, anchor, days, at, template, follow_up))
    return steps


def _quiet(raw: object, reasons: list[Reason]) -> QuietHours | None:
    try:
        quiet = QuietHours.parse(raw) if isinstance(raw, str) else None
    except SameStartAndEnd:
        reasons.append(Reason("schedule.error.quiet_same", {}))
        return None
    except ValueError:
        quiet = None
    if not isinstance(raw, str) or (raw.strip() and quiet is None):
        reasons.append(Reason("schedule.error.quiet", {}))
        return None
    if quiet is not None:
        day = date(2026, 1, 1)
        start, end = datetime.combine(day, quiet.start), datetime.combine(day, quiet.end)
        length = (end - start) % timedelta(days=1)
        if timedelta(days=1) - length < MIN_OPEN:
            hours = int(MIN_OPEN.total_seconds() // 3600)
            reasons.append(Reason("schedule.error.quiet_all_day", {"hours": hours}))
    return quiet


def _rules(
    steps: list[PlanStep], quiet: QuietHours | None, cap: int, zone: ZoneInfo, *, whole: bool
) -> list[Reason]:
    """The rules between the sound steps and with the quiet hours; the cap's only when the
    whole schedule is sound (`whole`) and nothing else is wrong."""
    reasons = []
    number = {step.key: n for n, step in enumerate(steps, start=1)}
    for step in steps:
        local = _local_time(step)
        if quiet is not None and local is not None and quiet.contains(local):
            reasons.append(Reason("schedule.error.in_quiet", {"step": number[step.key]}))
    for a, b in _pairs(steps):
        if a.anchor == b.anchor and abs(_offset(a) - _offset(b)) < MIN_GAP:
            reasons.append(
                Reason("schedule.error.overlap", {"step": number[b.key], "other": number[a.key]})
            )
    if reasons or not whole:
        return reasons
    worst = crowding(tuple(steps), quiet, zone)
    if worst is not None and worst[1] > cap:
        days, count = worst
        reasons.append(
            Reason("schedule.error.cap_broken", {"days": days, "count": count, "cap": cap})
        )
    return reasons


def _local_time(step: PlanStep) -> time | None:
    """The local time a step always goes at; None: the moment the judgment takes effect."""
    if step.at:
        return time.fromisoformat(step.at)
    return None if step.anchor == "effective" else DUE_DEFAULT


def _pairs(steps: list[PlanStep]) -> list[tuple[PlanStep, PlanStep]]:
    return [(a, b) for i, a in enumerate(steps) for b in steps[i + 1 :]]


def _offset(step: PlanStep) -> timedelta:
    """Where a step falls from its anchor day's midnight (an anchor-instant step: at the
    reference effective time)."""
    at = _local_time(step) or CAP_EFFECTIVE
    return timedelta(days=step.days, hours=at.hour, minutes=at.minute)


def crowding(
    steps: tuple[PlanStep, ...], quiet: QuietHours | None, zone: ZoneInfo
) -> tuple[int, int] | None:
    """The performance period (days) whose reference case gets the most reminders within
    any 7 days, and how many; None for an empty plan."""
    effective = datetime.combine(_REFERENCE_DAY, CAP_EFFECTIVE, tzinfo=zone)
    worst = None
    for days in CAP_PERIODS:
        due = _REFERENCE_DAY + timedelta(days=days)
        times = [
            at for _, at in schedule(steps, effective, due, now=effective, zone=zone, quiet=quiet)
        ]
        most = max(sum(1 for other in times if at <= other < at + WINDOW) for at in times)
        if worst is None or most > worst[1]:
            worst = (days, most)
    return worst
