"""What a debtor files through a conversation: the categories, the checks, the figures."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import cn2an

from bot.domain.dates import add_months

ASSET_CATEGORIES = (
    "income",
    "deposits",
    "cash",
    "wealth",
    "securities",
    "real_estate",
    "vehicles",
    "movables",
    "rights",
    "other",
    "changes",
)
HARDSHIP_REASONS = (
    "illness",
    "disability",
    "old_age",
    "unemployment",
    "business_failure",
    "disaster",
    "other",
)
# Income is declared per month and changes are last year's: neither is in the current total.
NOT_IN_TOTAL = ("income", "changes")
PAYMENT_METHODS = ("court_account", "creditor", "cash")
MAX_INSTALMENTS = 60
MAX_ASSET_ITEMS = 30


class FilingError(ValueError):
    """A value that parses but breaks a rule; `key` names the text that explains it."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class Instalments:
    """A down payment now, then `count` equal payments on `day_of_month`, from `first`."""

    down_payment_fen: int
    count: int
    amount_fen: int
    day_of_month: int
    first: date

    @property
    def total_fen(self) -> int:
        return self.down_payment_fen + self.count * self.amount_fen

    @property
    def last(self) -> date:
        return add_months(self.first, self.count - 1, self.day_of_month)


def check_count(count: int) -> int:
    if not 1 <= count <= MAX_INSTALMENTS:
        raise FilingError("error.instalment_count")
    return count


def check_description(text: str) -> str:
    """An asset's description says what it is: two letters or digits at least (not `车`, `。。`)."""
    if sum(unicodedata.category(ch)[0] in "LN" for ch in text) < 2:
        raise FilingError("error.asset_description")
    return text


def assets_total(items: list[dict]) -> int:
    """The current value of declared assets, in fen (NOT_IN_TOTAL left out)."""
    return sum(item["value_fen"] for item in items if item["category"] not in NOT_IN_TOTAL)


def check_future(day: date, today: date) -> date:
    if day <= today:
        raise FilingError("error.date_not_future")
    return day


def check_not_future(day: date, today: date) -> date:
    if day > today:
        raise FilingError("error.date_in_future")
    return day


def first_instalment(today: date, day_of_month: int) -> date:
    """The first instalment day strictly after today."""
    this_month = add_months(today.replace(day=1), 0, day_of_month)
    return this_month if this_month > today else add_months(today.replace(day=1), 1, day_of_month)


def is_reduction(total_fen: int, amount_due_fen: int) -> bool:
    """A plan that pays less than is owed asks the creditor to give up the rest."""
    return total_fen < amount_due_fen


_COUNT_LEAD = re.compile("^(?:一共|总共|分成|共|分)")  # the question's words said back


def parse_count(text: str) -> int:
    """`12`, `１２`, `十二`, `12期`, `分十二期`, `一共12期` → 12; anything else → FilingError."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip().rstrip("期次个月")
    cleaned = _COUNT_LEAD.sub("", cleaned)[:10]
    if cleaned.isascii() and cleaned.isdigit():
        return check_count(int(cleaned))
    try:
        value = cn2an.cn2an(cleaned, "strict")
    except (ValueError, KeyError, IndexError, TypeError):
        raise FilingError("error.instalment_count") from None
    if value != int(value):
        raise FilingError("error.instalment_count")
    return check_count(int(value))
