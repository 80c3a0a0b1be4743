"""A timeline event's details as a judge reads them: people by name, codes by their labels,
a staff member's note as written; the ids that tie the record together are left out (the
API and the CSV export keep them)."""

from __future__ import annotations

from typing import Any

from bot.domain.instalments import payment_name
from bot.domain.keywords import MENU
from bot.domain.texts import render
from bot.domain.views import CaseView, EventEntry


def describe(event: EventEntry, case: CaseView, locale: str) -> str:
    """One line in `locale`: who, what, how it ended, and anything said, joined by ` · `."""
    return _Words(case, locale).of(event.detail)


class _Words:
    def __init__(self, case: CaseView, locale: str) -> None:
        self.locale = locale
        self.obligors = {o.id: o.name for o in case.obligors}
        self.staff = {s.id: s.name for s in case.staff}

    def of(self, detail: dict[str, Any]) -> str:
        outcome, intent = detail.get("outcome"), detail.get("intent")
        parts = [
            self.who(detail),
            self.task(detail),
            outcome and self.label(f"task.option.{outcome}", outcome),
            intent and self.intent(intent),
            detail.get("channel"),
            detail.get("step"),
            None if "task" in detail else detail.get("reason"),  # why a delivery failed
            detail.get("area_code"),
        ]
        if "obligors" in detail:
            planned = detail.get("reminders_planned", 0)
            parts.append(
                self.t("console.detail.judgment", obligors=detail["obligors"], reminders=planned)
            )
        if "seq" in detail:  # which payment of a plan
            parts.append(payment_name(detail["seq"], self.locale))
        if detail.get("to_task"):
            parts.append(f"→ #{detail['to_task']}")
        if notified := detail.get("notified"):
            named = ", ".join(self.member(p.get("user_id"), p.get("role")) for p in notified)
            parts.append(self.t("console.detail.notified", people=named))
        if detail.get("note"):
            parts.append(f"“{detail['note']}”")
        return " · ".join(str(part) for part in parts if part)

    def who(self, detail: dict[str, Any]) -> str | None:
        if detail.get("user_id") is not None:
            return self.member(detail["user_id"], detail.get("role"))
        return self.obligors.get(detail.get("obligor_id"))

    def member(self, user_id: int | None, role: str | None) -> str:
        """A staff member by role and name (`承办法官 李法官`)."""
        label = role and self.label(f"staff.role.{role}", role)
        return " ".join(part for part in (label, self.staff.get(user_id)) if part) or "-"

    def task(self, detail: dict[str, Any]) -> str | None:
        """The task's label and reference (`履行报告待确认 #2`)."""
        if "task" not in detail:
            return None
        kind, reason = detail["task"], detail.get("reason")
        what = self.label(f"task.what.{kind}.{reason}", kind)
        return f"{what} #{detail['task_id']}" if detail.get("task_id") else what

    def intent(self, intent: str) -> str:
        if intent in MENU:
            return self.t(f"flow.{intent}")
        return self.label(f"console.intent.{intent}", intent)

    def label(self, key: str, code: str) -> str:
        """The catalog's text `key`, or the code itself where there is none."""
        try:
            return self.t(key)
        except KeyError:
            return code

    def t(self, key: str, **values: object) -> str:
        return render(key, self.locale, **values)
