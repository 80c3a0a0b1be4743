"""What a case may become, and what its state means for the debtor and for reminders.

Every change of a case's status goes through `transition` (the repository's `set_status`
calls it before it writes), so this table is the one place that says which moves exist:

| from \\ to          | open | awaiting | grace | plan | performed | exited | referred | closed |
| ------------------ | ---- | -------- | ----- | ---- | --------- | ------ | -------- | ------ |
| open               |      | yes      | yes   | yes  | yes       | yes    | yes      | yes    |
| awaiting_decision  | yes  |          | yes   | yes  | yes       | yes    | yes      | yes    |
| grace              | yes  | yes      |       | yes  | yes       | yes    | yes      | yes    |
| plan               | yes  | yes      |       |      | yes       | yes    | yes      | yes    |
| performed, exited, |      |          |       |      |           |        |          |        |
| referred, closed   |      |          |       |      |           |        |          |        |

Why so:
- A debtor's grace request, settlement proposal or payment report makes a case await a
  decision; staff then reject it (back to `open`), grant a grace period, accept a plan, or
  confirm performance. Staff may also decide what was agreed off the bot (at the official's
  visit, by phone): a grace period or a plan straight from `open`, a plan agreed during a grace
  period.
- A running plan is changed by a new plan (a filing), not by a grace period: `plan` → `grace`
  would drop the instalments. A plan that fails goes back to `open`.
- A hardship report does not change the state, so its verified outcome (leaving the procedure)
  can come in any live state; so can the creditor's filing for compulsory enforcement
  (`referred`) and a closing for any other reason.
- Staying in a state is not a move: a new grace date or an amended plan changes the case's
  details, not its state.
- `performed`, `exited`, `referred` and `closed` are final. Each ends the case here and starts
  the retention clock (bot/domain/retention.py erases its personal data after the retention
  period), so there would be nothing left to reopen; `closed` included: a case closed by
  mistake cannot be told from one closed for good once it is erased, and the other final
  states are each a decision on record.
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.status import CaseStatus

S = CaseStatus

LIVE: frozenset[CaseStatus] = frozenset({S.OPEN, S.AWAITING_DECISION, S.GRACE, S.PLAN})
"""The states in which a debtor may still talk about the case and reminders may run."""

FINAL: frozenset[CaseStatus] = frozenset(S) - LIVE

_WHY_FINAL = {
    S.PERFORMED: "the debtor has performed",
    S.EXITED: "the debtor left the procedure after verified hardship",
    S.REFERRED: "it was handed to compulsory enforcement",
    S.CLOSED: "it was closed",
}
_REFUSED_BETWEEN_LIVE = {
    (S.PLAN, S.GRACE): "a running plan is changed by a new plan, not by a grace period",
}

# Filings staff must decide on: while one waits, reminders that demand payment hold.
AWAITS_DECISION: frozenset[str] = frozenset({"grace", "settle", "paid"})


class IllegalTransition(ValueError):
    """A move the table does not allow; `reason` says why in words (for logs), `key` names
    the catalog text that says it to staff (`status` its one value)."""

    def __init__(
        self,
        current: CaseStatus,
        target: CaseStatus,
        reason: str,
        key: str = "transition.changed",
    ) -> None:
        super().__init__(f"a case cannot go from {current} to {target}: {reason}")
        self.current = current
        self.target = target
        self.reason = reason
        self.key = key


def _refusal(current: CaseStatus, target: CaseStatus) -> tuple[str, str] | None:
    """Why a case in `current` may not move to `target` (words, and a catalog key); None: it
    may."""
    if current == target:
        return f"the case is {current} already", "transition.same"
    if current in FINAL:
        return f"{_WHY_FINAL[current]}, and that is final", f"transition.final.{current}"
    if (current, target) in _REFUSED_BETWEEN_LIVE:
        return _REFUSED_BETWEEN_LIVE[current, target], "transition.plan_to_grace"
    return None


def may_be_granted(current: CaseStatus, target: CaseStatus) -> bool:
    """Whether a debtor's filing that asks for `target` (a grace period) can be granted to a
    case in `current`: staying in a state is no move (a new grace date), so it can."""
    return current == target or _refusal(current, target) is None


def transition(current: CaseStatus, target: CaseStatus) -> CaseStatus:
    """`target`, if a case in `current` may move there; else `IllegalTransition`."""
    refusal = _refusal(current, target)
    if refusal is not None:
        raise IllegalTransition(current, target, *refusal)
    return target


class Reminders(StrEnum):
    """What a case's state does to its debtor reminders (staff notices always go)."""

    RUN = "run"
    HOLD = "hold"  # deferred, nothing lost: they go once the case is open again
    CANCEL = "cancel"  # the case is over: they never go


# Steps of the debtor's outbox that are not reminders of the court's plan: a decision told to
# the debtor (always goes), an instalment reminder (runs while the plan does), the one
# reminder on the last day of a grace period (runs in it).
DECISION_STEP = "decision:"
INSTALMENT_STEP = "instalment-"
GRACE_END_STEP = "grace-end"
_RUN_IN = {S.PLAN: INSTALMENT_STEP, S.GRACE: GRACE_END_STEP}


def debtor_reminders(status: CaseStatus, step_key: str = "") -> Reminders:
    """A decision told to the debtor always goes. Reminders run in an open case; in any other
    live one they hold (a decision waits, a grace period or a plan runs), but for the plan's
    own instalment reminders and the reminder on a grace period's last day; once the case is
    over they are cancelled."""
    if step_key.startswith(DECISION_STEP) or status == S.OPEN:
        return Reminders.RUN
    if status not in LIVE:
        return Reminders.CANCEL
    own = _RUN_IN.get(status)
    return Reminders.RUN if own and step_key.startswith(own) else Reminders.HOLD
