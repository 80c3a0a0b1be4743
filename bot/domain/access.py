"""Who may see which case: one rule, as a scope that storage turns into a query.

A judge sees their own cases, an official the cases with a debtor in their area (by area-code
prefix; and, in lists, only those debtors), an admin their court's; anyone else nothing.
Who may act on a task is the other rule here: `may_act`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.records import StaffMember, Task
from bot.domain.status import Role
from bot.domain.tasks import ACTOR, ESCALATES, TaskKind


@dataclass(frozen=True)
class JudgeCases:
    judge_id: int


@dataclass(frozen=True)
class AreaCases:
    area_prefix: str


@dataclass(frozen=True)
class CourtCases:
    court_id: int


@dataclass(frozen=True)
class NoCases:
    pass


CaseScope = JudgeCases | AreaCases | CourtCases | NoCases


def case_scope(staff: StaffMember) -> CaseScope:
    if staff.role == Role.JUDGE:
        return JudgeCases(staff.id)
    if staff.role == Role.OFFICIAL and staff.area_code:
        return AreaCases(staff.area_code)
    if staff.role == Role.ADMIN and staff.court_id is not None:
        return CourtCases(staff.court_id)
    return NoCases()


def may_act(staff: StaffMember | None, obligor_id: int | None, task: Task, court_id: int) -> bool:
    """A task is acted on by its assignee; an official's task also by an official of a wider
    area that holds it (a township official on a village's task); a judge's or official's task
    of the court by its admins; a party's answer only by that party: a counter-proposal by its
    debtor, a consent by the creditor (an admin stands in for the court's staff, not for a
    party to the settlement)."""
    if task.kind == TaskKind.OFFER:
        return staff is None and obligor_id is not None and obligor_id == task.obligor_id
    if staff is None:
        return False
    if task.assignee_id == staff.id:
        return True
    if staff.role == Role.ADMIN:
        return staff.court_id == court_id and ACTOR[TaskKind(task.kind)] != Role.CREDITOR
    return (
        staff.role == Role.OFFICIAL
        and task.kind in ESCALATES
        and bool(staff.area_code and task.area_code)
        and task.area_code.startswith(staff.area_code)
    )
