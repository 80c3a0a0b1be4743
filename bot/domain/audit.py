"""The audit log's records: who changed what, when, from what to what.

Every change to people, areas, passwords, a court's channels, schedule and texts names its
actor: a staff member signed in to the console (`AuditActor.of(staff)`, bound to their
court), the command line (`CLI`) or the admin API (`API`), both unbound.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from bot.domain.records import StaffMember
from bot.domain.views import Instant

PAGE = 50  # audit rows a page shows


class Action(StrEnum):
    """What an audit row records."""

    ADD_USER = "add_user"  # or update one of the same role and phone
    EDIT_USER = "edit_user"
    DEACTIVATE_USER = "deactivate_user"
    SET_PASSWORD = "set_password"  # noqa: S105 (an action's name, not a password)
    SAVE_AREA = "save_area"
    SET_CHANNELS = "set_channels"
    SET_SCHEDULE = "set_schedule"  # a new version of a court's schedule
    REPLAN = "replan"  # a court's live cases moved to its latest schedule (a batch of them)
    SET_TEMPLATE = "set_template"  # a court's own text of a key in a locale
    RESET_TEMPLATE = "reset_template"  # back to the shipped text


@dataclass(frozen=True)
class AuditActor:
    label: str  # console, cli or api
    user_id: int | None = None
    court_id: int | None = None  # a console admin acts on their own court only

    @classmethod
    def of(cls, staff: StaffMember) -> AuditActor:
        return cls("console", staff.id, staff.court_id)

    def sees(self, court_id: int | None) -> bool:
        """Whether this actor may see or change what belongs to `court_id` (None: shared)."""
        return self.court_id is None or court_id in (None, self.court_id)


CLI = AuditActor("cli")
API = AuditActor("api")


@dataclass(frozen=True)
class NewAudit:
    at: datetime
    actor: AuditActor
    action: Action
    object_kind: str
    object_id: str
    court_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class AuditFilter:
    """What an admin looks for; `court_id` set: that court's rows and the shared ones."""

    court_id: int | None = None
    actor: str = ""  # one of ACTORS, or a user's id
    action: str = ""
    object_kind: str = ""
    object_id: str = ""
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    page: int = 1


class AuditRow(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)
    id: int
    at: Instant
    actor: str
    actor_id: int | None
    court_id: int | None
    action: str
    object_kind: str
    object_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


FILTERS = ("actor", "action", "object_kind", "object_id", "since", "until", "page")
OBJECT_KINDS = ("user", "area", "court", "template")
ACTORS = ("console", "cli", "api")
MAX_PAGE = 100_000
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9999, 12, 30)  # any instant in UTC stays in range
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_USER_ID = re.compile(r"[0-9]{1,9}")


def _readable(text: str) -> bool:
    """Printable text and spaces: no NUL or other control character (PostgreSQL refuses NUL)."""
    return all(c.isprintable() or c.isspace() for c in text)


def wanted(query: Mapping[str, str], zone: ZoneInfo) -> AuditFilter:
    """The audit rows a page or an API call asks for: `since` and `until` are days
    (YYYY-MM-DD) in the court's zone, both included. ValueError for a bad day or page."""
    raw = {name: query.get(name, "") for name in FILTERS}
    if unreadable := [name for name, value in raw.items() if not _readable(value)]:
        raise ValueError(f"{', '.join(unreadable)}: control characters are not allowed")
    values = {name: value.strip() for name, value in raw.items()}

    def day(name: str, *, after: bool = False) -> datetime | None:
        if not values[name]:
            return None
        try:
            if not _DAY.fullmatch(values[name]):
                raise ValueError
            start = date.fromisoformat(values[name])
            if not FIRST_DAY <= start <= LAST_DAY:
                raise ValueError
        except ValueError:
            raise ValueError(
                f"{name} must be a day written YYYY-MM-DD, from {FIRST_DAY} to {LAST_DAY}"
            ) from None
        return datetime.combine(start + timedelta(days=after), time(), zone)

    if values["action"] and values["action"] not in set(Action):
        raise ValueError(f"action must be one of {', '.join(Action)}")
    if values["object_kind"] and values["object_kind"] not in OBJECT_KINDS:
        raise ValueError(f"object_kind must be one of {', '.join(OBJECT_KINDS)}")

    if values["actor"] and not (values["actor"] in ACTORS or _USER_ID.fullmatch(values["actor"])):
        raise ValueError(f"actor must be one of {', '.join(ACTORS)}, or a user's id")
    page = values["page"] or "1"
    if not re.fullmatch(r"[0-9]{1,6}", page) or not 1 <= int(page) <= MAX_PAGE:
        raise ValueError(f"page must be a whole number from 1 to {MAX_PAGE}")
    return AuditFilter(
        actor=values["actor"],
        action=values["action"],
        object_kind=values["object_kind"],
        object_id=values["object_id"],
        since=day("since"),
        until=day("until", after=True),
        page=int(page),
    )
