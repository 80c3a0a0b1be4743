"""Quiet hours: a daily local window in which no message is sent to a debtor."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WINDOW = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class SameStartAndEnd(ValueError):
    """A window that starts where it ends: empty, or the whole day."""


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """`"21:00-08:00"` → a window (`21：00－08：00` too); empty text → None (quiet hours
        off). ValueError for other text; `SameStartAndEnd` for a window that ends where it
        starts."""
        if not text.strip():
            return None
        match = _WINDOW.match(unicodedata.normalize("NFKC", text))
        if not match:
            raise ValueError(f"quiet hours must look like 21:00-08:00, not {text!r}")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise ValueError(f"quiet hours must look like 21:00-08:00, not {text!r}")
        if (h1, m1) == (h2, m2):
            raise SameStartAndEnd("quiet hours start and end must differ")
        return cls(time(h1, m1), time(h2, m2))

    def contains(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, at: datetime, zone: ZoneInfo) -> datetime:
        """The first instant at or after `at` (aware) outside the window, in UTC."""
        local = at.astimezone(zone)
        if not self.contains(local.time().replace(tzinfo=None)):
            return at.astimezone(UTC)
        end_today = datetime.combine(local.date(), self.end, tzinfo=zone)
        allowed = end_today if end_today > local else end_today + timedelta(days=1)
        return allowed.astimezone(UTC)


def defer_out_of_quiet(at: datetime, quiet: QuietHours | None, zone: ZoneInfo) -> datetime:
    """Where `at` falls in quiet hours, move it to their end; never earlier, never dropped."""
    return at.astimezone(UTC) if quiet is None else quiet.next_allowed(at, zone)
