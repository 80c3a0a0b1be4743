"""Staff act on tasks: one service decides, whatever the channel (SMS, chat, web console).

`act` checks everything first (the task is the actor's and open, the option exists, a
reason or date is there when needed, the case may move as the decision says) and raises
`Refused` with a text for the actor before anything is written. Its first write ends the task
only if it is still open, so of two decisions on one task (two processes at once) exactly one
is kept. Then it changes the filing and the case, opens the next task (the creditor's consent,
the judge's decision on a verified hardship report), writes an accepted plan's instalments
and reminders, and tells the debtor in their language and channel. Everything lands on the
case's timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.domain import instalments
from bot.domain.access import may_act
from bot.domain.case_states import (
    AWAITS_DECISION,
    GRACE_END_STEP,
    IllegalTransition,
    transition,
)
from bot.domain.court_texts import fill
from bot.domain.dates import DateError, parse_date, parse_day_of_month
from bot.domain.filings import FilingError, parse_count
from bot.domain.judgment import COURT_ZONE
from bot.domain.locales import STAFF_LOCALE, resolve
from bot.domain.money import AmountError, format_yuan, parse_amount, to_fen
from bot.domain.records import (
    CaseSummary,
    Done,
    Instalment,
    NewInstalment,
    NewReminder,
    Obligor,
    StaffMember,
    Task,
)
from bot.domain.staff_commands import received_sum
from bot.domain.status import (
    CaseStatus,
    EventKind,
    FilingStatus,
    InstalmentStatus,
    TaskStatus,
)
from bot.domain.tasks import MAX_NOTE, NEEDS_DATE, NEEDS_REASON, Outcome, TaskKind, options
from bot.domain.texts import court_signature, format_date, format_list, render
from bot.domain.views import TaskLine
from bot.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.services import tasks
from bot.services.filings import judge_for

S = CaseStatus


class Refused(Exception):
    """Nothing was done: `text` says why, in the actor's language."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member or creditor, or (no `staff`) the debtor answering an offer."""

    staff: StaffMember | None = None
    obligor_id: int | None = None

    @property
    def user_id(self) -> int | None:
        return self.staff.id if self.staff else None


def t(key: str, **values: object) -> str:
    return render(key, STAFF_LOCALE, **values)


def cannot(refused: IllegalTransition) -> str:
    status = t(f"status.{refused.current}")
    return t("staff.cannot", reason=t(refused.key, status=status))


def outcome_label(outcome: str) -> str:
    return t(f"task.option.{outcome}")


async def visible_task(uow: UnitOfWork, actor: Actor, task_id: int) -> Task:
    """The task, if this actor may act on it; one neutral refusal for a missing or foreign
    one, so a guess learns nothing."""
    task = await uow.tasks.get(task_id)
    if task is not None:
        court_id = (await uow.cases.summary(task.case_id)).court_id
        if may_act(actor.staff, actor.obligor_id, task, court_id):
            return task
    raise Refused(t("staff.no_such_item", ref=task_id))


async def already(uow: UnitOfWork, task: Task) -> Refused:
    who = await uow.users.get(task.done_by) if task.done_by else None
    obligor = await uow.obligors.get(task.obligor_id) if task.obligor_id else None
    zone = ZoneInfo(obligor.timezone) if obligor else COURT_ZONE
    when = task.done_at.astimezone(zone) if task.done_at else None
    return Refused(
        t(
            "staff.decided_already",
            ref=task.id,
            who=who.name if who else t("staff.nobody"),
            when=when.strftime("%Y-%m-%d %H:%M") if when else "",
            outcome=outcome_label(task.outcome or "escalated"),
        )
    )


def debtor_text(
    key: str, obligor: Obligor, case: CaseSummary, court_name: str, **values: object
) -> str:
    """A text for the debtor, in their language, signed by the court."""
    return render(
        key,
        obligor.locale,
        sig=court_signature(court_name),
        name=obligor.name,
        case=case.case_number,
        **values,
    )


async def refer(uow: UnitOfWork, staff: StaffMember, case_id: int, now: datetime, note: str) -> str:
    """The judge of a live case hands it to compulsory enforcement (the creditor applied, or
    urging has run its course): the case is `referred`, nothing more goes to its debtors but
    this news, every open task of it is closed. Anyone else: the neutral refusal."""
    case = await uow.cases.summary(case_id)
    judge = await uow.users.judge_of(case_id) if case else None
    if case is None or judge is None or judge.id != staff.id:
        raise Refused(t("staff.no_such_case"))
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise Refused(t("staff.note_too_long", max=MAX_NOTE))
    try:
        transition(case.status, S.REFERRED)
    except IllegalTransition as exc:
        raise Refused(cannot(exc)) from None
    await uow.cases.set_status(case.id, case.status, S.REFERRED, now)
    await uow.reminders.cancel_pending(case.id, now, everything=True)
    await uow.tasks.cancel_open(case.id, now)
    await uow.events.add(
        case.id, EventKind.DECIDED, now, outcome=Outcome.REFER, user_id=staff.id, note=note or None
    )
    court_name = await uow.courts.name(case.court_id)
    for obligor in await uow.obligors.of_case(case.id):
        text = debtor_text("decision.referred_by_judge", obligor, case, court_name)
        await tasks.tell_debtor(uow, case, obligor, text, f"refer{case.id}", now)
    return t("staff.referred", case=case.case_number)


class Decide:
    """One decision on one task, in one unit of work (the caller commits)."""

    def __init__(self, uow: UnitOfWork, actor: Actor, task: Task, now: datetime) -> None:
        self.uow, self.actor, self.task, self.now = uow, actor, task, now

    async def run(self, outcome: Outcome, note: str = "", terms: dict | None = None) -> str:
        uow, task = self.uow, self.task
        if task.status != TaskStatus.OPEN:
            raise await already(uow, task)
        self.note = note = note.strip()
        allowed = options(task.kind, task.reason)
        countering = outcome == Outcome.COUNTER and task.kind == TaskKind.DECIDE
        if outcome not in allowed and not (countering and task.reason == "settle"):
            raise Refused(
                t(
                    "staff.not_an_option",
                    ref=task.id,
                    options=tasks.option_list(task.kind, task.reason),
                )
            )
        if len(note) > MAX_NOTE:
            raise Refused(t("staff.note_too_long", max=MAX_NOTE))
        if outcome in NEEDS_REASON and task.kind != TaskKind.OFFER and not note:
            raise Refused(t("staff.reason_needed", ref=task.id))
        # Two decisions on one case (two payments confirmed at once) go one after the other:
        # the second sees what the first paid.
        self.case = case = await uow.cases.summary(task.case_id, lock=True)
        self.obligor = await uow.obligors.get(task.obligor_id) if task.obligor_id else None
        self.filing = await uow.filings.get(task.filing_id) if task.filing_id else None
        self.court_name = await uow.courts.name(case.court_id)
        self.zone = ZoneInfo(self.obligor.timezone) if self.obligor else COURT_ZONE
        self.today = self.now.astimezone(self.zone).date()
        self.until = self._grace_date(outcome, note)
        self.received = self._received(outcome)
        self._within_owed(outcome, terms)
        self.done_text: str | None = None  # what the staff member is told, where not `done`
        target = self._target(outcome)
        if target is not None and target != case.status:
            try:
                transition(case.status, target)
            except IllegalTransition as exc:
                raise Refused(cannot(exc)) from None
        done = Done(
            Outcome.COUNTER if countering else outcome, self.now, self.actor.user_id, note or None
        )
        if not await tasks.close(uow, task, done):
            raise await already(uow, await uow.tasks.get(task.id))
        await uow.events.add(
            case.id,
            EventKind.DECIDED,
            self.now,
            task_id=task.id,
            task=task.kind,
            reason=task.reason,
            outcome=done.outcome,
            user_id=self.actor.user_id,
            obligor_id=self.actor.obligor_id,
            note=note or None,
        )
        await self._effects(done.outcome, note, terms)
        if self.done_text is not None:
            return self.done_text
        if self.until is not None:
            until = format_date(self.until, STAFF_LOCALE)
            return t("staff.done_until", ref=task.id, date=until)
        return t("staff.done", ref=task.id, outcome=outcome_label(done.outcome))

    # --- checks ---------------------------------------------------------------------------

    def _grace_date(self, outcome: Outcome, note: str) -> date | None:
        """The last day of a grace period granted now: the date the staff member wrote, else
        the one the debtor asked for."""
        granting = outcome in NEEDS_DATE or (
            outcome == Outcome.ACCEPT and self.task.reason == "grace"
        )
        if not granting:
            return None
        asked = self.filing.payload.get("until") if self.filing else None
        if note:
            try:
                day = parse_date(note, self.today, "future")
            except DateError:
                raise self._date_needed() from None
        else:
            day = date.fromisoformat(asked) if asked else None
        if day is None or day <= self.today:
            raise self._date_needed()
        return day

    def _date_needed(self) -> Refused:
        """How to give the date: with the grace option's number where the task has one (a
        verified hardship report), else with the accept word (a grace request)."""
        picks = options(self.task.kind, self.task.reason)
        if Outcome.GRACE in picks:
            option = picks.index(Outcome.GRACE) + 1
            return Refused(t("staff.date_needed_option", ref=self.task.id, option=option))
        return Refused(t("staff.date_needed"))

    def _target(self, outcome: Outcome) -> CaseStatus | None:
        """The state the case goes to, where a decision moves it at once."""
        kind, reason = self.task.kind, self.task.reason
        if self.until is not None:
            return S.GRACE
        if kind == TaskKind.DECIDE and reason == "paid" and outcome == Outcome.ACCEPT:
            return S.PERFORMED if self.case.status != S.PLAN and self._pays_off() else None
        if kind == TaskKind.DECIDE and reason == "hardship" and outcome == Outcome.EXIT:
            return S.EXITED
        if kind == TaskKind.DEFAULT:
            return S.OPEN if outcome == Outcome.REOPEN else S.REFERRED
        return None

    # --- effects --------------------------------------------------------------------------

    async def _effects(self, outcome: str, note: str, terms: dict | None) -> None:
        kind, reason = self.task.kind, self.task.reason
        if self.until is not None:
            await self._grant_grace(self.until)
        elif kind == TaskKind.DECIDE and reason == "settle":
            await self._settle(outcome, note, terms)
        elif kind in (TaskKind.CONSENT, TaskKind.OFFER):
            await self._agreement(outcome, note)
        elif kind == TaskKind.DECIDE and reason == "grace":  # granting is above
            await self._reject(note, "decision.grace_rejected")
        elif kind == TaskKind.DECIDE and reason == "paid":
            await self._payment(outcome, note)
        elif kind == TaskKind.DECIDE:  # a verified hardship report
            await self._hardship(outcome)
        elif kind == TaskKind.VERIFY:
            await self._verified(outcome, note)
        elif kind == TaskKind.FOLLOW_UP:
            if outcome == Outcome.BACK:
                await self._tell_judge("notify.visit", outcome, note)
        elif kind == TaskKind.DEFAULT:
            await self._cancel_steps(instalments.payment_steps())
            await self._end(S.OPEN if outcome == Outcome.REOPEN else S.REFERRED)
            if outcome == Outcome.REFER:
                await self._tell("decision.referred")

    async def _settle(self, outcome: str, note: str, terms: dict | None) -> None:
        if outcome == Outcome.REJECT:
            await self._reject(note, "decision.settle_rejected")
        elif outcome == Outcome.COUNTER:
            assert terms is not None
            await self._filing(FilingStatus.COUNTERED)
            offer = await tasks.open_offer(
                self.uow,
                case=self.case,
                obligor=self.obligor,
                filing_id=self.task.filing_id,
                terms=terms,
                now=self.now,
            )
            text = self._render("decision.counter", **self._terms_values(terms))
            await tasks.tell_debtor(
                self.uow,
                self.case,
                self.obligor,
                text,
                f"offer{offer}",
                self.now,
                template=tasks.offer_template(),
            )
        else:
            await self._accepted_terms(self.filing.payload)

    async def _accepted_terms(self, terms: dict) -> None:
        """The judge's side is done: the creditor consents where they can be asked, else the
        plan starts."""
        creditor = await self.uow.users.creditor_of(self.case.id)
        if creditor is not None and (creditor.phone or creditor.telegram_chat_id):
            await self._filing(FilingStatus.IN_REVIEW)
            head = t(
                "notify.consent",
                case=self.case.case_number,
                name=self.obligor.name,
                terms=self._terms_text(terms, STAFF_LOCALE),
            )
            await tasks.open_task(
                self.uow,
                case=self.case,
                obligor=self.obligor,
                kind=TaskKind.CONSENT,
                reason="settle",
                assignee=creditor,
                head=head,
                now=self.now,
                filing_id=self.task.filing_id,
                detail={"terms": terms},
            )
            await self._tell("decision.settle_to_creditor")
        else:
            await self._start_plan(terms)

    async def _agreement(self, outcome: str, note: str) -> None:
        """The creditor's consent, or the debtor's answer to a counter-proposal."""
        terms = self.task.detail["terms"]
        if outcome == Outcome.ACCEPT:
            if self.task.kind == TaskKind.OFFER:
                await self._accepted_terms(terms)
            else:
                await self._start_plan(terms)
            return
        await self._filing(FilingStatus.REJECTED)
        await self._reopen_if_idle()
        if self.task.kind == TaskKind.CONSENT:
            await self._tell("decision.creditor_refused", reason=note)
        await self._tell_judge("notify.agreement_refused", outcome, note)

    def _paid_fen(self) -> int | None:
        """The sum a payment accepted confirms: the one the judge wrote, where another sum
        arrived than was reported (`同意 #12 30000`), else the one reported (None: a report
        without a sum)."""
        return self.received if self.received is not None else self._reported_fen()

    def _reported_fen(self) -> int | None:
        return self.filing.payload.get("amount_fen") if self.filing else None

    def _received(self, outcome: Outcome) -> int | None:
        """The sum the judge wrote as received in accepting a payment; refused where one is
        written but cannot be read."""
        if not (self.task.reason == "paid" and outcome == Outcome.ACCEPT and self.note):
            return None
        try:
            written = received_sum(self.note)
        except AmountError:
            raise Refused(t("staff.received_unclear", ref=self.task.id)) from None
        return None if written is None else to_fen(written)

    def _within_owed(self, outcome: Outcome, terms: dict | None) -> None:
        """What a decision has paid or asks to be paid is at most what the case still owes:
        a payment confirmed (the sum written, else the one reported), a counter-proposal's
        total. More is a slip (a digit too many, a wrong count); a sum paid over is
        confirmed as what was owed, the rest said in the note."""
        owed = self.case.owed_fen
        if outcome == Outcome.COUNTER and terms:
            if (total := instalments.total_fen(terms)) > owed:
                amounts = {"total": format_yuan(total), "owed": format_yuan(owed)}
                raise Refused(t("staff.counter_over", **amounts))
        elif self.task.reason == "paid" and outcome == Outcome.ACCEPT:
            if (paid := self._paid_fen()) is not None and paid > owed:
                amounts = {"amount": format_yuan(paid), "owed": format_yuan(owed)}
                raise Refused(t("staff.received_over", ref=self.task.id, **amounts))

    def _pays_off(self) -> bool:
        """Whether the payment confirmed covers what the case still owes."""
        paid = self._paid_fen()
        return paid is None or paid >= self.case.owed_fen

    async def _payment(self, outcome: str, note: str) -> None:
        if outcome == Outcome.REJECT:
            await self._reject(note, "decision.paid_disputed")
            return
        await self._filing(FilingStatus.ACCEPTED)
        paid = self._paid_fen()
        if self.case.status == S.PLAN:
            await self._plan_payment(paid)
            return
        if paid:
            await self.uow.cases.add_paid(self.case.id, paid)
            self.done_text = t("staff.done_paid", ref=self.task.id, amount=format_yuan(paid))
        if self._pays_off():
            await self._performed()
        else:
            await self._part_paid(paid)

    async def _plan_payment(self, paid: int | None) -> None:
        """A payment in a plan counts toward the plan's payments still due, in order
        (instalments.apply): those it settles end their reminders, one it pays part of has
        them state what is left; when none is left the case is performed."""
        plan = await self.uow.instalments.of_case(self.case.id)  # in the order agreed
        current = [p for p in plan if p.filing_id == plan[-1].filing_id] if plan else []
        due = [p for p in current if p.status != InstalmentStatus.PAID]
        applied = instalments.apply(due, paid)
        credited = sum(a.paid_fen - a.payment.paid_fen for a in applied)
        await self.uow.cases.add_paid(self.case.id, credited if paid is None else paid)
        amount = format_yuan(credited if paid is None else paid)
        self.done_text = t("staff.done_paid", ref=self.task.id, amount=amount)
        for a in applied:
            if a.settled:
                await self.uow.instalments.settle(a.payment.id, self.now)
                await self._cancel_steps(
                    instalments.payment_steps(a.payment.filing_id, a.payment.seq)
                )
            else:
                await self.uow.instalments.add_paid(a.payment.id, a.paid_fen)
                await self._reword(a.payment, a.lacking_fen)
        settled = [a for a in applied if a.settled]
        if len(settled) == len(due):
            await self._performed()
            return
        locale = self.obligor.locale
        if settled == applied:
            names = [instalments.payment_name(a.payment.seq, locale) for a in settled]
            await self._tell("decision.instalment_confirmed", payment=format_list(names, locale))
            return
        short = applied[-1]
        lacking = {"amount": amount, "left": format_yuan(short.lacking_fen)}
        self.done_text = t(
            "staff.done_short",
            ref=self.task.id,
            payment=instalments.payment_name(short.payment.seq, STAFF_LOCALE),
            **lacking,
        )
        await self._tell(
            "decision.instalment_short",
            payment=instalments.payment_name(short.payment.seq, locale),
            date=format_date(short.payment.due_on, locale),
            **lacking,
        )

    async def _part_paid(self, paid: int) -> None:
        """A payment short of what is owed: the case goes on for the rest."""
        await self._reopen_if_idle()
        self.case = await self.uow.cases.summary(self.case.id)
        amounts = {"amount": format_yuan(paid), "owed": format_yuan(self.case.owed_fen)}
        self.done_text = t("staff.done_part", ref=self.task.id, **amounts)
        await self._tell("decision.paid_part", **amounts)
        await self._tell_creditor("notify.paid_part", f"paid:{self.task.filing_id}", **amounts)

    async def _hardship(self, outcome: str) -> None:
        if outcome == Outcome.EXIT:
            await self._filing(FilingStatus.ACCEPTED)
            await self._end(S.EXITED)
            await self._tell("decision.exit")
        else:  # continue
            await self._filing(FilingStatus.REJECTED)
            await self._tell("decision.hardship_continue")

    async def _verified(self, outcome: str, note: str) -> None:
        if outcome == Outcome.TRUE:
            await self._filing(FilingStatus.IN_REVIEW)
            judges = await judge_for(self.uow, self.case)
            if judges:
                head = t(
                    "notify.verified",
                    case=self.case.case_number,
                    name=self.obligor.name,
                    official=self.actor.staff.name if self.actor.staff else "",
                    note=note or "-",
                )
                await tasks.open_task(
                    self.uow,
                    case=self.case,
                    obligor=self.obligor,
                    kind=TaskKind.DECIDE,
                    reason="hardship",
                    assignee=judges[0],
                    head=head,
                    now=self.now,
                    filing_id=self.task.filing_id,
                )
            return
        if outcome == Outcome.FALSE:
            await self._filing(FilingStatus.REJECTED)
        await self._tell_judge("notify.visit", outcome, note)

    # --- the case -------------------------------------------------------------------------

    async def _reject(self, reason: str, key: str) -> None:
        await self._filing(FilingStatus.REJECTED)
        await self._reopen_if_idle()
        await self._tell(key, reason=reason)

    async def _reopen_if_idle(self) -> None:
        """Back to `open` (reminders resume) unless another filing still waits."""
        waiting = await self.uow.filings.waiting(
            self.case.id, AWAITS_DECISION, but=self.task.filing_id or 0
        )
        if self.case.status == S.AWAITING_DECISION and not waiting:
            await self._move(S.OPEN)

    async def _move(self, target: CaseStatus) -> None:
        if self.case.status != target:
            await self.uow.cases.set_status(self.case.id, self.case.status, target, self.now)
            self.case = await self.uow.cases.summary(self.case.id)

    async def _end(self, target: CaseStatus) -> None:
        """A final state (or a plan given up): nothing of the plan goes any more; a final
        state also cancels every other open task of the case and whatever was queued (what
        this decision tells is queued after)."""
        await self._move(target)
        final = target != S.OPEN
        await self.uow.reminders.cancel_pending(self.case.id, self.now, everything=final)
        if final:
            await self.uow.tasks.cancel_open(self.case.id, self.now)

    async def _performed(self) -> None:
        await self._end(S.PERFORMED)
        await self._cancel_steps(instalments.payment_steps())
        await self._tell("decision.performed")
        await self._tell_creditor("notify.performed", f"performed:{self.case.id}")

    async def _tell_creditor(self, key: str, notice: str, **values: object) -> None:
        """The creditor, where the case has one who can be reached, is told `key`."""
        creditor = await self.uow.users.creditor_of(self.case.id)
        if creditor is not None and (creditor.phone or creditor.telegram_chat_id):
            text = t(key, case=self.case.case_number, name=self.obligor.name, **values)
            await tasks.queue_notice(
                self.uow, [creditor], self.case, self.obligor.id, text, notice, self.now
            )

    async def _grant_grace(self, until: date) -> None:
        await self._filing(FilingStatus.ACCEPTED)
        await self._move(S.GRACE)
        await self.uow.cases.set_grace(self.case.id, until)
        last_day = datetime.combine(until, time(0), tzinfo=self.zone)
        await self.uow.reminders.cancel_pending(self.case.id, self.now, before=last_day)
        await self.uow.reminders.add_many(
            [
                NewReminder(
                    self.case.id,
                    self.obligor.id,
                    f"{GRACE_END_STEP}-{until.isoformat()}",
                    "reminder.grace_end",
                    datetime.combine(until, time(9), tzinfo=self.zone),
                )
            ]
        )
        # Asked for (a grace filing), or the judge's own answer to a hardship verified.
        key = (
            "decision.hardship_grace"
            if self.task.reason == "hardship"
            else "decision.grace_granted"
        )
        await self._tell(key, date=format_date(until, self.obligor.locale))

    async def _start_plan(self, terms: dict) -> None:
        """Both sides agreed: the plan runs, with its payments and their reminders."""
        await self._filing(FilingStatus.ACCEPTED)
        await self._move(S.PLAN)
        await self.uow.cases.set_grace(self.case.id, None)
        await self.uow.reminders.cancel_pending(self.case.id, self.now)
        payments = instalments.payments(terms, self.today)
        days_before = (await tasks.delays_of(self.uow, self.case)).instalment_days_before
        plan = self.task.filing_id
        await self.uow.instalments.add_many(
            [NewInstalment(self.case.id, plan, p.seq, p.due_on, p.amount_fen) for p in payments]
        )
        reminder_text = await self._instalment_text(self.obligor)
        await self.uow.reminders.add_many(
            [
                NewReminder(
                    self.case.id,
                    self.obligor.id,
                    key,
                    "reminder.instalment",
                    when,
                    body=reminder_text(p.seq, p.due_on, p.amount_fen),
                )
                for p in payments
                for key, when in instalments.reminder_times(
                    plan, p, self.zone, self.now, days_before
                )
            ]
        )
        first = payments[0]
        await self._tell(
            "decision.plan_started",
            amount=format_yuan(first.amount_fen),
            date=format_date(first.due_on, self.obligor.locale),
        )

    async def _reword(self, payment: Instalment, lacking_fen: int) -> None:
        """A payment paid in part: its reminders state what it still lacks, to the debtor
        whose plan it is (a co-debtor may have paid)."""
        agreed = await self.uow.filings.get(payment.filing_id)
        text = await self._instalment_text(await self.uow.obligors.get(agreed.obligor_id))
        await self.uow.reminders.reword_steps(
            self.case.id,
            instalments.payment_steps(payment.filing_id, payment.seq),
            text(payment.seq, payment.due_on, lacking_fen),
        )

    async def _instalment_text(self, obligor: Obligor) -> Callable[[int, date, int], str]:
        """The text of the reminders of a plan's payment (seq, day, sum still to pay) to the
        plan's debtor, in the court's own words where it has them."""
        locale = obligor.locale
        court_text = await self.uow.templates.get(
            self.case.court_id, resolve(locale), "reminder.instalment"
        )

        def text(seq: int, due_on: date, amount_fen: int) -> str:
            return fill(
                "reminder.instalment",
                locale,
                court_text and court_text.body,
                court=court_signature(self.court_name),
                name=obligor.name,
                case_number=self.case.case_number,
                payment=instalments.payment_name(seq, locale),
                amount=format_yuan(amount_fen),
                date=format_date(due_on, locale),
            )

        return text

    async def _cancel_steps(self, stem: str) -> None:
        await self.uow.reminders.cancel_steps(self.case.id, stem, self.now)

    async def _filing(self, status: FilingStatus) -> None:
        if self.task.filing_id is not None:
            await self.uow.filings.set_status(self.task.filing_id, status)

    # --- telling --------------------------------------------------------------------------

    def _render(self, key: str, **values: object) -> str:
        return debtor_text(key, self.obligor, self.case, self.court_name, **values)

    async def _tell(self, key: str, **values: object) -> None:
        text = self._render(key, **values)
        step = f"{self.task.id}:{key.removeprefix('decision.')}"
        await tasks.tell_debtor(self.uow, self.case, self.obligor, text, step, self.now)

    async def _tell_judge(self, key: str, outcome: str, note: str) -> None:
        judges = await judge_for(self.uow, self.case)
        by = self.actor.staff.name if self.actor.staff else self.obligor.name
        text = t(
            key,
            case=self.case.case_number,
            name=self.obligor.name,
            who=by,
            outcome=outcome_label(outcome),
            note=note or "-",
        )
        await tasks.queue_notice(
            self.uow, judges, self.case, self.obligor.id, text, f"told:{self.task.id}", self.now
        )

    def _terms_values(self, terms: dict) -> dict[str, object]:
        return {
            "down": format_yuan(terms["down_fen"]),
            "count": terms["count"],
            "amount": format_yuan(terms["amount_fen"]),
            "day": terms["day"],
            "total": format_yuan(instalments.total_fen(terms)),
        }

    def _terms_text(self, terms: dict, locale: str) -> str:
        if terms["kind"] == "lump":
            return render(
                "terms.lump",
                locale,
                amount=format_yuan(terms["amount_fen"]),
                date=format_date(date.fromisoformat(terms["pay_on"]), locale),
            )
        return render("terms.instalments", locale, **self._terms_values(terms))


async def act(
    uow: UnitOfWork,
    actor: Actor,
    task_id: int,
    outcome: Outcome,
    now: datetime,
    note: str = "",
    terms: dict | None = None,
) -> str:
    """Decides `task_id` as `actor`; the confirmation text, or `Refused`."""
    task = await visible_task(uow, actor, task_id)
    return await Decide(uow, actor, task, now).run(outcome, note, terms)


class DecisionService:
    """`act` in a unit of work of its own, committed: for a caller outside a conversation
    (the web console, scripts)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def act(
        self,
        actor: Actor,
        task_id: int,
        outcome: Outcome,
        note: str = "",
        terms: dict | None = None,
    ) -> str:
        async with self._uow() as uow:
            text = await act(uow, actor, task_id, outcome, self._clock.now(), note, terms)
            await uow.commit()
            return text

    async def refer(self, staff: StaffMember, case_id: int, note: str = "") -> str:
        async with self._uow() as uow:
            text = await refer(uow, staff, case_id, self._clock.now(), note)
            await uow.commit()
            return text

    async def locate(self, staff: StaffMember, task_id: int) -> int | None:
        """The case of a task this staff member may act on (a notice's link); else None."""
        async with self._uow() as uow:
            try:
                task = await visible_task(uow, Actor(staff=staff), task_id)
            except Refused:
                return None
            return task.case_id

    async def mine(self, staff: StaffMember) -> list[TaskLine]:
        """The open tasks assigned to this staff member, due and overdue first."""
        async with self._uow() as uow:
            return await uow.views.open_tasks(assignee_id=staff.id)

    async def on_case(self, staff: StaffMember, case_id: int) -> list[TaskLine]:
        """The open tasks of a case this staff member may act on."""
        async with self._uow() as uow:
            found = await uow.views.open_tasks(case_id=case_id)
        return [task for task in found if may_act(staff, None, task, task.court_id)]


def counter(down: str, count: str, amount: str, day: str, total: str = "") -> dict:
    """A counter-proposal's terms from what the judge wrote (`5千`, `十二期`, `15号`; no down
    payment: `0` or nothing); `Refused` with the reason when a value does not read, when they
    cannot be a plan, or when the total the judge stated is not what the payments add up to."""
    try:
        down_fen = to_fen(parse_amount(down)) if down.strip() not in ("", "0", "无") else 0
        terms = instalments.counter_terms(
            down_fen, parse_count(count), to_fen(parse_amount(amount)), parse_day_of_month(day)
        )
        total_fen = to_fen(parse_amount(total)) if total.strip() else None
    except FilingError as exc:
        raise Refused(t(exc.key)) from None
    except (AmountError, DateError):
        raise Refused(t("staff.counter_usage")) from None
    if total_fen is not None and total_fen != instalments.total_fen(terms):
        raise Refused(t("staff.counter_sum", total=format_yuan(instalments.total_fen(terms))))
    return terms
