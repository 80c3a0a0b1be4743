"""An accepted settlement as dated payments, and their reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.filings import FilingError, parse_count
from bot.domain.instalments import (
    Payment,
    apply,
    counter_terms,
    payments,
    reminder_times,
    total_fen,
)
from bot.domain.records import Instalment

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLAN = {
    "kind": "instalments",
    "down_fen": 2_000_000,
    "count": 3,
    "amount_fen": 1_100_000,
    "day": 15,
}


def test_a_down_payment_has_a_week_and_the_instalments_their_day() -> None:
    # accepted on a Monday evening: the down payment is due a week later, not that night
    assert payments(PLAN, date(2026, 11, 30)) == [
        Payment(0, date(2026, 12, 7), 2_000_000),
        Payment(1, date(2026, 12, 15), 1_100_000),
        Payment(2, date(2027, 1, 15), 1_100_000),
        Payment(3, date(2027, 2, 15), 1_100_000),
    ]


def test_the_first_instalment_day_is_after_the_acceptance() -> None:
    # the debtor proposed the 15th on 1 December; the judge accepted on the 20th
    assert payments({**PLAN, "down_fen": 0}, date(2026, 12, 20))[0] == Payment(
        1, date(2027, 1, 15), 1_100_000
    )


def test_a_lump_sum_whose_day_passed_is_due_in_a_week() -> None:
    lump = {"kind": "lump", "amount_fen": 10_000_000, "pay_on": "2026-12-01"}
    assert payments(lump, date(2026, 12, 20)) == [Payment(1, date(2026, 12, 27), 10_000_000)]
    assert payments(lump, date(2026, 11, 20)) == [Payment(1, date(2026, 12, 1), 10_000_000)]
    assert total_fen(lump) == 10_000_000 and total_fen(PLAN) == 5_300_000


def test_reminders_before_and_on_the_day_that_are_still_ahead() -> None:
    due = Payment(2, date(2027, 1, 15), 1)
    assert reminder_times(7, due, SHANGHAI, datetime(2027, 1, 13, tzinfo=UTC)) == [
        ("instalment-7-2", datetime(2027, 1, 15, 9, tzinfo=SHANGHAI))
    ]
    assert [
        key for key, _ in reminder_times(7, due, SHANGHAI, datetime(2026, 12, 1, tzinfo=UTC))
    ] == [
        "instalment-7-2-before",
        "instalment-7-2",
    ]
    a_week = reminder_times(7, due, SHANGHAI, datetime(2026, 12, 1, tzinfo=UTC), days_before=7)
    assert a_week[0] == ("instalment-7-2-before", datetime(2027, 1, 8, 10, tzinfo=SHANGHAI))
    on_the_day = reminder_times(7, due, SHANGHAI, datetime(2026, 12, 1, tzinfo=UTC), days_before=0)
    assert [key for key, _ in on_the_day] == ["instalment-7-2"]


@pytest.mark.parametrize(
    ("down", "count", "amount", "day", "error"),
    [
        (0, 0, 100, 15, "error.instalment_count"),
        (0, 61, 100, 15, "error.instalment_count"),
        (0, 12, 0, 15, "error.amount"),
        (-1, 12, 100, 15, "error.amount"),
        (0, 12, 100, 31, "error.day_of_month"),
    ],
)
def test_a_counter_proposal_that_cannot_be_a_plan_is_refused(
    down: int, count: int, amount: int, day: int, error: str
) -> None:
    with pytest.raises(FilingError) as refused:
        counter_terms(down, count, amount, day)
    assert refused.value.key == error


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("12", 12),
        ("１２", 12),
        ("十二", 12),
        ("12期", 12),
        ("12个月", 12),
        ("分十期", 10),  # the question's words said back
        ("分成6期", 6),
        ("一共十二期", 12),
        ("共12次", 12),
    ],
)
def test_an_instalment_count_as_people_write_it(text: str, count: int) -> None:
    assert parse_count(text) == count


@pytest.mark.parametrize("text", ["分", "分期", "很多期", "0", "61", "分61期", "1.5"])
def test_what_is_no_instalment_count(text: str) -> None:
    with pytest.raises(FilingError, match=r"error\.instalment_count"):
        parse_count(text)


def _due(*amounts_fen: int, paid: tuple[int, ...] = ()) -> list[Instalment]:
    paid = paid or (0,) * len(amounts_fen)
    return [
        Instalment(seq, 1, 1, seq, date(2027, seq, 15), fen, "due", already)
        for seq, (fen, already) in enumerate(zip(amounts_fen, paid, strict=True), 1)
    ]


@pytest.mark.parametrize(
    ("paid_fen", "applied"),
    [
        (2_000_000, [(1, 1_000_000), (2, 1_000_000)]),  # two in full
        (2_500_000, [(1, 1_000_000), (2, 1_000_000), (3, 500_000)]),  # and part of the third
        (3_000_000, [(1, 1_000_000), (2, 1_000_000), (3, 1_000_000)]),  # all
        (9_000_000, [(1, 1_000_000), (2, 1_000_000), (3, 1_000_000)]),  # more than all
        (400_000, [(1, 400_000)]),  # short of the next: it counts toward it
        (None, [(1, 1_000_000)]),  # a report without a sum: the next, as the judge confirmed
    ],
)
def test_a_payment_counts_toward_the_payments_due_in_order(
    paid_fen: int | None, applied: list[tuple[int, int]]
) -> None:
    due = _due(1_000_000, 1_000_000, 1_000_000)
    result = apply(due, paid_fen)
    assert [(a.payment.seq, a.paid_fen) for a in result] == applied
    assert [a.settled for a in result] == [fen == 1_000_000 for _, fen in applied]


def test_what_was_paid_toward_a_payment_before_counts() -> None:
    """6,000 of 10,000 paid before: 4,000 settles it, 9,000 settles it and pays 5,000 of
    the next; a report without a sum settles it."""
    due = _due(1_000_000, 1_000_000, paid=(600_000, 0))
    assert [(a.payment.seq, a.paid_fen, a.settled) for a in apply(due, 400_000)] == [
        (1, 1_000_000, True)
    ]
    nine = apply(due, 900_000)
    assert [(a.payment.seq, a.paid_fen, a.lacking_fen) for a in nine] == [
        (1, 1_000_000, 0),
        (2, 500_000, 500_000),
    ]
    assert [(a.payment.seq, a.settled) for a in apply(due, None)] == [(1, True)]


def test_nothing_due_is_nothing_applied() -> None:
    assert apply([], 1_000_000) == []
    assert apply([], None) == []
