"""An accepted settlement as dated payments, and the reminders that go with them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.case_states import INSTALMENT_STEP
from bot.domain.dates import add_months
from bot.domain.filings import FilingError, check_count, first_instalment
from bot.domain.money import still_owed
from bot.domain.records import Instalment
from bot.domain.texts import render

BEFORE_DAYS = (
    3  # a reminder this many days before each payment (a court may set it), and one on the day
)
TO_PAY_NOW = timedelta(days=7)  # a down payment, or a lump sum whose day has passed, is due in
BEFORE_AT, ON_AT = time(10), time(9)
MAX_DAY = 28  # a day every month has


@dataclass(frozen=True)
class Payment:
    seq: int  # 0: the down payment
    due_on: date
    amount_fen: int


def payments(terms: dict, today: date) -> list[Payment]:
    """The payments of a settlement's terms (as the debtor filed them, or as countered),
    accepted `today`: a down payment due a week later (a plan accepted at night is not due
    that night), then the instalments on their day of the month from the first such day after
    today; a lump sum on its day, or a week later if that day has passed."""
    soon = today + TO_PAY_NOW
    if terms["kind"] == "lump":
        pay_on = date.fromisoformat(terms["pay_on"])
        return [Payment(1, pay_on if pay_on > today else soon, terms["amount_fen"])]
    first = first_instalment(today, terms["day"])
    down = [Payment(0, soon, terms["down_fen"])] if terms["down_fen"] else []
    return down + [
        Payment(n, add_months(first, n - 1, terms["day"]), terms["amount_fen"])
        for n in range(1, terms["count"] + 1)
    ]


def payment_name(seq: int, locale: str) -> str:
    """`首付款` for the down payment, `第3期` for an instalment."""
    return render("payment.down", locale) if seq == 0 else render("payment.nth", locale, seq=seq)


@dataclass(frozen=True)
class Applied:
    """What a payment confirmed leaves one of a plan's payments paid: `paid_fen` in all."""

    payment: Instalment
    paid_fen: int

    @property
    def settled(self) -> bool:
        return self.paid_fen >= self.payment.amount_fen

    @property
    def lacking_fen(self) -> int:
        return still_owed(self.payment.amount_fen, self.paid_fen)


def apply(due: Sequence[Instalment], paid_fen: int | None) -> list[Applied]:
    """A payment of `paid_fen` confirmed, spread over a plan's payments still `due` (in
    order): each takes what it still lacks until the sum runs out, so a sum short of a payment
    counts toward it. A report without a sum pays the next one in full (the judge confirmed it
    as that payment)."""
    if paid_fen is None:
        return [Applied(due[0], due[0].amount_fen)] if due else []
    applied, left = [], paid_fen
    for payment in due:
        if left <= 0:
            break
        take = min(left, payment.lacking_fen)
        applied.append(Applied(payment, payment.paid_fen + take))
        left -= take
    return applied


def counter_terms(down_fen: int, count: int, amount_fen: int, day: int) -> dict:
    """A judge's counter-proposal as settlement terms; FilingError if it cannot be a plan."""
    check_count(count)
    if amount_fen <= 0 or down_fen < 0:
        raise FilingError("error.amount")
    if not 1 <= day <= MAX_DAY:
        raise FilingError("error.day_of_month")
    return {
        "kind": "instalments",
        "down_fen": down_fen,
        "count": count,
        "amount_fen": amount_fen,
        "day": day,
    }


def total_fen(terms: dict) -> int:
    if terms["kind"] == "lump":
        return terms["amount_fen"]
    return terms["down_fen"] + terms["count"] * terms["amount_fen"]


def payment_steps(plan: int | None = None, seq: int | None = None) -> str:
    """The step of the reminders of payment `seq` of the plan agreed in filing `plan`
    (`instalment-7-3`; the one before the day is `instalment-7-3-before`), or of every plan's
    (`instalment`): the stem `ReminderRepository.cancel_steps` matches, which `instalment-7-1`
    must not share with `instalment-7-10`. The plan is in the key so that a second plan of a
    case (the first defaulted) has reminders of its own."""
    if plan is None:
        return INSTALMENT_STEP.rstrip("-")
    return f"{INSTALMENT_STEP}{plan}-{seq}"


def reminder_times(
    plan: int, payment: Payment, zone: ZoneInfo, now: datetime, days_before: int = BEFORE_DAYS
) -> list[tuple[str, datetime]]:
    """The step keys and times of a payment's reminders that are still ahead of `now`:
    `instalment-7-3-before` `days_before` days before (none when 0), `instalment-7-3` on the
    day."""
    step = payment_steps(plan, payment.seq)
    steps = [(step, payment.due_on, ON_AT)]
    if days_before:
        steps.insert(0, (f"{step}-before", payment.due_on - timedelta(days=days_before), BEFORE_AT))
    times = [(key, datetime.combine(day, at, tzinfo=zone)) for key, day, at in steps]
    return [(key, when) for key, when in times if when > now]
