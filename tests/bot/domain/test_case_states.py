"""The case states: every (from, to) pair of the eight states is allowed or refused with a
reason, and each state says what happens to the debtor's reminders."""

from __future__ import annotations

from itertools import product

import pytest

from bot.domain.case_states import (
    LIVE,
    IllegalTransition,
    Reminders,
    debtor_reminders,
    may_be_granted,
    transition,
)
from bot.domain.status import CaseStatus

# The table of bot/domain/case_states.py, written out again: the moves a case may make.
MOVES = {
    "open": {"awaiting_decision", "grace", "plan", "performed", "exited", "referred", "closed"},
    "awaiting_decision": {"open", "grace", "plan", "performed", "exited", "referred", "closed"},
    "grace": {"open", "awaiting_decision", "plan", "performed", "exited", "referred", "closed"},
    "plan": {"open", "awaiting_decision", "performed", "exited", "referred", "closed"},
    "performed": set(),
    "exited": set(),
    "referred": set(),
    "closed": set(),
}
PAIRS = list(product(CaseStatus, repeat=2))


def test_the_eight_states_are_the_contracts() -> None:
    assert [s.value for s in CaseStatus] == list(MOVES)
    assert {s.value for s in LIVE} == {"open", "awaiting_decision", "grace", "plan"}


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_pair_is_allowed_or_refused_with_a_reason(
    current: CaseStatus, target: CaseStatus
) -> None:
    if target in MOVES[current]:
        assert transition(current, target) is target
        return
    with pytest.raises(IllegalTransition) as refused:
        transition(current, target)
    error = refused.value
    assert (error.current, error.target) == (current, target)
    assert str(error) == f"a case cannot go from {current} to {target}: {error.reason}"
    assert len(error.reason.split()) >= 4  # a sentence, not a code


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_a_filing_may_ask_for_a_move_or_to_stay(current: CaseStatus, target: CaseStatus) -> None:
    """What a debtor may ask for: a move the table allows, or to stay (a new grace date)."""
    assert may_be_granted(current, target) is (current == target or target in MOVES[current])


@pytest.mark.parametrize(
    ("current", "target", "reason"),
    [
        ("open", "open", "the case is open already"),
        ("plan", "grace", "a running plan is changed by a new plan, not by a grace period"),
        ("performed", "open", "the debtor has performed, and that is final"),
        ("exited", "plan", "the debtor left the procedure after verified hardship, and that is"),
        ("referred", "closed", "it was handed to compulsory enforcement, and that is final"),
        ("closed", "open", "it was closed, and that is final"),
    ],
)
def test_a_refusal_says_why(current: str, target: str, reason: str) -> None:
    with pytest.raises(IllegalTransition, match=reason):
        transition(CaseStatus(current), CaseStatus(target))


@pytest.mark.parametrize(
    ("status", "reminders"),
    [
        ("open", Reminders.RUN),
        ("awaiting_decision", Reminders.HOLD),
        ("grace", Reminders.HOLD),
        ("plan", Reminders.HOLD),
        ("performed", Reminders.CANCEL),
        ("exited", Reminders.CANCEL),
        ("referred", Reminders.CANCEL),
        ("closed", Reminders.CANCEL),
    ],
)
def test_what_each_state_does_to_the_debtors_reminders(status: str, reminders: str) -> None:
    assert debtor_reminders(CaseStatus(status)) == reminders
