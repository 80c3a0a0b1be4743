"""Who may see which case: one rule, as a scope that storage turns into a query.

A judge sees their own cases, an official the cases with a debtor in their area (by area-code
prefix; and, in lists, only those debtors), an admin their court's; anyone else nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.records import StaffMember
from bot.domain.status import Role


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
