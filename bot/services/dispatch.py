"""The reminder dispatcher: claim due rows, decide, send, record.

Each row is leased before it is sent, so a crashed worker's rows come back when the lease
runs out. Every write after the claim is fenced by the claim's token, and the lease is renewed
(and ownership checked) right before each send: a worker that stalled past its lease neither
sends a row another worker took nor overwrites that worker's result. A send whose answer is
lost (a timeout, a dropped connection) has an unknown outcome: before the row goes again the
provider is asked for the message (`MessageSender.find`), and one it has is adopted. What can
still go out twice is in docs/reliability.md.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.case_states import Reminders, debtor_reminders
from bot.domain.channels import pick_contact, staff_address
from bot.domain.court_texts import fill
from bot.domain.locales import STAFF_LOCALE
from bot.domain.menu import OFFER_PLACE, main_menu
from bot.domain.messages import Reply
from bot.domain.money import format_yuan
from bot.domain.plan import CHAT_LINK
from bot.domain.politeness import UNCAPPED_STEPS, within_cap
from bot.domain.quiet_hours import QuietHours, defer_out_of_quiet
from bot.domain.records import (
    Contact,
    Finished,
    Handed,
    NewMessage,
    ReminderJob,
    Retry,
    StuckReminder,
)
from bot.domain.retry import backoff_seconds
from bot.domain.status import (
    STAFF_ROLES,
    Channel,
    ContactStatus,
    Direction,
    EventKind,
    ReminderStatus,
)
from bot.domain.tasks import NoticeRow, TaskKind, choices
from bot.domain.texts import court_signature, format_date
from bot.metrics import Metrics
from bot.ports import (
    ClaimLost,
    Clock,
    MessageSender,
    SendError,
    SendResult,
    UnitOfWork,
    UnitOfWorkFactory,
)
from bot.services import filings, linking
from bot.services.court_texts import CourtTexts
from bot.services.grouping import Group
from bot.services.pacing import Pacer
from bot.services.schedules import ScheduleService

log = logging.getLogger(__name__)
HOLD_RECHECK = timedelta(hours=12)  # a held reminder looks at its case again this much later
NO_OUTCOME = "no_outcome"  # the error of a row claimed too often without an outcome
# The next batch is claimed while the rows of the one before still waiting their turn fill
# this many seconds of the pace: a claim takes milliseconds, and the pace never idles meanwhile.
CLAIM_AHEAD = 0.25
# Rows whose lease ran out are looked for at the first claim of a run and then at most this
# often: the claims a run makes one after another skip those two statements.
SWEEP_EVERY = timedelta(seconds=1)


@dataclass(frozen=True)
class DispatchPolicy:
    batch: int
    lease: timedelta
    send_timeout: float
    max_attempts: int
    quiet: QuietHours | None = None  # where no court schedule says (notices to staff too)
    chat_link_base: str = ""  # "https://t.me/<bot>?start=": chat invitations are on
    console_base: str = ""  # "https://court.example": a task's notice links its console page


def reminder_text(job: ReminderJob, wording: str | None) -> str:
    """The reminder in the court's `wording` (None: the shipped text)."""
    locale = job.obligor.locale
    return fill(
        job.template,
        locale,
        wording,
        court=court_signature(job.court_name),
        name=job.obligor.name,
        case_number=job.case.case_number,
        amount=format_yuan(job.case.owed_fen),
        deadline=format_date(job.case.performance_due, locale),
    )


@dataclass(frozen=True)
class Target:
    channel: str
    address: str
    contact: Contact | None = None  # None for staff


@dataclass(frozen=True)
class Nowhere:
    """Why a row goes nowhere, and how it ends."""

    status: ReminderStatus
    reason: str
    event: EventKind | None = None  # UNREACHABLE: somebody must follow up in person


def _sms_number(contacts: tuple[Contact, ...]) -> str:
    return next((c.address for c in contacts if c.channel == Channel.SMS), "")


class Dispatcher:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        senders: Mapping[str, MessageSender],
        pacer: Pacer,
        policy: DispatchPolicy,
        metrics: Metrics,
        worker: str,
        schedules: ScheduleService,
        rng: random.Random | None = None,
        texts: CourtTexts | None = None,
    ) -> None:
        self._uow, self._clock, self._senders, self._pacer = uow, clock, senders, pacer
        self._schedules = schedules  # a case's quiet hours and weekly cap
        self._policy, self._metrics, self._worker = policy, metrics, worker
        self._rng = rng or random.Random()
        self._texts = texts or CourtTexts(uow)  # the courts' own wording of their reminders
        # One reminder at a time per debtor, from the weekly-cap check until the send is
        # recorded: two rows of one debtor in a batch must not both see the same count.
        self._debtor_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        # The rows of a batch read, hold and record themselves one by one, in round trips
        # they share with the rows that do so at the same moment (bot/services/grouping.py).
        self._reads: Group[tuple[str, int], ReminderJob] = Group(self._read)
        self._holds: Group[tuple[str, int], bool] = Group(self._renew_held)
        self._records: Group[Handed, None] = Group(self._record_sent)
        self._stopping = False
        self._nudged = False  # rows fell due during a run: it claims once more
        self._swept_at: datetime | None = None  # when rows whose lease ran out were looked for
        self._nudge = asyncio.Event()  # set with `_nudged`, for a run waiting on its sends
        self._wake: Callable[[], None] = lambda: None  # starts a run now (the scheduler's)
        self._waiting: set[asyncio.Task[object]] = set()  # handlers waiting for their turn
        self._idle = asyncio.Event()
        self._idle.set()

    def wake_with(self, wake: Callable[[], None]) -> None:
        """How to start a run now (the scheduler knows)."""
        self._wake = wake

    def nudge(self) -> None:
        """Rows may have fallen due now (a judgment arrived): an idle dispatcher runs at
        once instead of at its next tick, and a run in progress claims once more."""
        self._nudged = True
        self._nudge.set()
        if self._idle.is_set() and not self._stopping:
            self._wake()

    async def run_once(self) -> int:
        """Claims due reminders a batch at a time and handles each, for as long as the batches
        come full: the next batch is claimed once nearly every row of the one before has had
        its turn at the pacer, so a backlog drains at the pace, never idle between batches,
        and about one batch waits its turn. Returns how many were claimed."""
        if self._stopping:
            return 0
        self._idle.clear()
        claimed = 0
        in_flight: list[asyncio.Task[None]] = []
        self._swept_at = None
        try:
            while not self._stopping:
                self._nudged = False
                self._nudge.clear()
                claim, ids = await self._claim()
                claimed += len(ids)
                if ids:
                    paced = asyncio.Event()
                    in_flight = [task for task in in_flight if not task.done()]
                    in_flight.append(asyncio.create_task(self._send_batch(claim, ids, paced)))
                if len(ids) < self._policy.batch and not await self._nudged_before(in_flight):
                    break
                if ids:
                    await paced.wait()
        finally:
            await asyncio.gather(*in_flight, return_exceptions=True)
            self._idle.set()
        return claimed

    async def _nudged_before(self, in_flight: list[asyncio.Task[None]]) -> bool:
        """Waits until the batches in flight are done or rows fall due (a nudge); whether they
        did. A nudge while the last batch is sent finds the run busy and wakes nothing: the
        run must claim for it, or the rows wait for the next tick."""
        if not self._nudged:
            nudge = asyncio.ensure_future(self._nudge.wait())
            sends = asyncio.gather(*in_flight, return_exceptions=True)
            try:
                await asyncio.wait((nudge, sends), return_when=asyncio.FIRST_COMPLETED)
            finally:
                nudge.cancel()
        return self._nudged

    async def _claim(self) -> tuple[str, list[int]]:
        """Gives up the rows claimed too often (when it is time to sweep: SWEEP_EVERY), then
        leases one batch of due rows under a new claim token: the token and the rows."""
        now = self._clock.now()
        claim = uuid.uuid4().hex
        sweep = self._swept_at is None or now - self._swept_at >= SWEEP_EVERY
        async with self._uow() as uow:
            stuck: list[StuckReminder] = []
            if sweep:
                self._swept_at = now
                stuck = await uow.reminders.fail_stuck(
                    now=now, max_attempts=self._policy.max_attempts, error=NO_OUTCOME
                )
            for row in stuck:
                await uow.events.add(
                    row.case_id,
                    EventKind.DELIVERY_FAILED,
                    now,
                    step=row.step_key,
                    obligor_id=row.obligor_id,
                    reason=NO_OUTCOME,
                )
            ids = await uow.reminders.claim_due(
                now=now,
                limit=self._policy.batch,
                lease_until=now + self._policy.lease,
                worker=self._worker,
                claim=claim,
                expired=sweep,
            )
            await uow.commit()
        self._alert(stuck)
        return claim, ids

    async def _send_batch(self, claim: str, ids: list[int], paced: asyncio.Event) -> None:
        """Handles each row of a batch, renewing their leases meanwhile; sets `paced` once the
        rows still waiting for their turn at the pacer fill no more than CLAIM_AHEAD."""
        waiting = len(ids)
        ahead = int(self._pacer.rate * CLAIM_AHEAD)

        def turn_had() -> None:
            nonlocal waiting
            waiting -= 1
            if waiting <= ahead:
                paced.set()

        heartbeat = asyncio.create_task(self._heartbeat(claim, ids))
        try:
            await asyncio.gather(*(self._handle(claim, i, turn_had) for i in ids))
        finally:
            heartbeat.cancel()
            paced.set()

    def _alert(self, stuck: list[StuckReminder]) -> None:
        """An error line (an alert) and a count for each row given up at the claim."""
        for row in stuck:
            self._metrics.abandoned.inc()
            log.error(
                "reminder %s (case %s, %s) failed after %s claims without an outcome: its "
                "handling raised, or killed the worker, every time; it is not tried again",
                row.reminder_id,
                row.case_id,
                row.step_key,
                row.attempts,
            )

    async def stop(self) -> None:
        """Takes no new rows, hands back at once the claimed rows still waiting their turn, and
        waits until the sends in flight are recorded."""
        self._stopping = True
        for task in self._waiting:
            task.cancel()
        await self._idle.wait()

    async def _turn(self) -> bool:
        """Waits for this row's turn at the pacer; False if the dispatcher stops first (a stop
        cuts the wait short, and the pacer gets the place back)."""
        if self._stopping:
            return False
        task = asyncio.current_task()
        assert task is not None  # each row is handled in a task of its own (gather)
        self._waiting.add(task)
        try:
            await self._pacer.wait()
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            task.uncancel()  # the stop's cancellation ends here: the row is handed back
        finally:
            self._waiting.discard(task)
        return not self._stopping

    async def _handle(self, claim: str, reminder_id: int, turn_had: Callable[[], None]) -> None:
        try:
            # Wait for our turn first, so the row is read fresh just before it is sent: a case
            # closed or an address opted out while the batch waited is seen.
            try:
                turned = await self._turn()
            finally:
                turn_had()
            if not turned:  # stopping: pending again, its attempt given back
                async with self._uow() as uow:
                    await uow.reminders.retry_at(
                        reminder_id,
                        claim=claim,
                        retry=Retry(self._clock.now(), None, refund_attempt=True),
                    )
                    await uow.commit()
                return
            job = await self._job(claim, reminder_id)
            rules = await self._schedules.rules(job.case.schedule_id)
            if job.staff is not None or rules.weekly_cap <= 0:
                await self._decide_and_send(job)
                return
            lock = self._debtor_locks.setdefault(job.obligor.id, asyncio.Lock())
            async with lock:  # read again: what went meanwhile counts
                await self._decide_and_send(await self._job(claim, reminder_id))
        except ClaimLost as lost:  # our lease ran out and another worker has the row now
            self._metrics.claims_lost.labels(lost.at).inc()
            outcome = "not sent" if lost.at == "send" else "this worker's outcome not recorded"
            log.warning("%s (another worker has it now): %s", lost, outcome)
        except Exception:  # one bad row must not stop the batch; its lease brings it back
            log.exception("reminder %s failed unexpectedly; it will be retried", reminder_id)

    async def _job(self, claim: str, reminder_id: int) -> ReminderJob:
        """The row as it is now; `ClaimLost` if another worker took it meanwhile."""
        return await self._reads((claim, reminder_id))

    async def _read(self, rows: list[tuple[str, int]]) -> list[ReminderJob | ClaimLost]:
        async with self._uow() as uow:
            jobs = await uow.reminders.jobs(
                {reminder_id: claim for claim, reminder_id in rows}, uncapped=UNCAPPED_STEPS
            )
        return [jobs.get(i) or ClaimLost(i, "send") for _, i in rows]

    async def _renew_held(self, rows: list[tuple[str, int]]) -> list[bool]:
        """Renews the lease of each row still held under its claim; whether it was."""
        lease_until = self._clock.now() + self._policy.lease
        held: set[int] = set()
        async with self._uow() as uow:
            for claim in {claim for claim, _ in rows}:
                ids = [i for c, i in rows if c == claim]
                held |= await uow.reminders.renew(claim, ids, lease_until=lease_until)
            await uow.commit()
        return [i in held for _, i in rows]

    async def _record_sent(self, handed: list[Handed]) -> list[Exception | None]:
        """Records the sends of a group in one transaction; should that fail, each on its own,
        so that one bad row cannot fail (and send again) the others."""
        try:
            async with self._uow() as uow:
                held = await uow.reminders.record_sent(handed, self._clock.now())
                await uow.commit()
        except Exception:
            if len(handed) == 1:
                raise
            return [await self._record_alone(h) for h in handed]
        return [
            None if h.reminder_id in held else ClaimLost(h.reminder_id, "finish") for h in handed
        ]

    async def _record_alone(self, handed: Handed) -> Exception | None:
        try:
            [answer] = await self._record_sent([handed])
        except Exception as exc:
            return exc
        return answer

    def _target(self, job: ReminderJob) -> Target | Nowhere:
        """Where this row goes, or why it goes nowhere."""
        if job.staff is not None:  # a notice to a judge, official or admin
            found = staff_address(job.staff, self._senders)
            if found is None:
                return Nowhere(ReminderStatus.FAILED, "staff member has no reachable address")
            return Target(*found)
        if job.step_key == CHAT_LINK.key:  # an invitation to chat goes by SMS, once
            if Channel.TELEGRAM not in job.channel_order:
                return Nowhere(ReminderStatus.CANCELLED, "the court does not use chat")
            if pick_contact(job.contacts, (Channel.TELEGRAM,), (Channel.TELEGRAM,)):
                return Nowhere(ReminderStatus.CANCELLED, "already in chat")
            contact = pick_contact(job.contacts, (Channel.SMS,), self._senders)
        else:
            contact = pick_contact(job.contacts, job.channel_order, self._senders)
        if contact is None:
            dead = sorted({c.status for c in job.contacts if c.status != ContactStatus.ACTIVE})
            reason = f"unreachable: {', '.join(dead) or 'no contact'}"
            return Nowhere(ReminderStatus.FAILED, reason, event=EventKind.UNREACHABLE)
        return Target(contact.channel, contact.address, contact)

    async def _decide_and_send(self, job: ReminderJob) -> None:
        now = self._clock.now()
        if job.staff is None:
            match debtor_reminders(job.case.status, job.step_key):
                case Reminders.HOLD:  # a decision waits, a grace period or a plan runs
                    await self._defer(job, now + HOLD_RECHECK)
                    return
                case Reminders.CANCEL:
                    await self._finish(job, ReminderStatus.CANCELLED, f"case {job.case.status}")
                    return
        target = self._target(job)
        if isinstance(target, Nowhere):
            await self._finish(job, target.status, target.reason, event=target.event)
            return
        rules = await self._schedules.rules(job.case.schedule_id)
        quiet = rules.quiet if job.staff is None else self._policy.quiet
        allowed = defer_out_of_quiet(now, quiet, ZoneInfo(job.obligor.timezone))
        if job.staff is None and job.body is None and job.step_key not in UNCAPPED_STEPS:
            allowed = max(allowed, within_cap(job.recent_reminders, now, rules.weekly_cap))
        if allowed > now:
            await self._defer(job, allowed)
            return
        text = await self._text(job, now)
        await self._hold(job)
        sender = self._senders[target.channel]
        started = time.monotonic()
        try:
            async with asyncio.timeout(self._policy.send_timeout):
                result = await self._send_once(job, sender, target.address, text)
        except SendError as exc:
            await self._failed(job, target, exc, began=now)
            return
        except (TimeoutError, OSError) as exc:  # our own timeout: the provider may have it
            error = SendError("timeout", str(exc) or "timeout", permanent=False, unknown=True)
            await self._failed(job, target, error, began=now)
            return
        self._metrics.send_latency.labels(sender.channel).observe(time.monotonic() - started)
        self._metrics.sent.labels(sender.channel, "accepted").inc()
        message = NewMessage(
            Direction.OUT,
            sender.channel,
            target.address,
            text,
            self._clock.now(),
            case_id=job.case.id,
            obligor_id=None if job.staff else job.obligor.id,
            provider=sender.provider,
            provider_id=result.provider_id,
            status=result.status,
        )
        if job.staff is None:
            event, detail = (
                EventKind.REMINDER_SENT,
                {"step": job.step_key, "obligor_id": job.obligor.id, "channel": sender.channel},
            )
        else:
            event, detail = (
                EventKind.STAFF_NOTIFIED,
                {"user_id": job.staff.id, "role": job.staff.role, "channel": sender.channel},
            )
        await self._records(Handed(job.reminder_id, job.claim, message, event, detail))

    async def _send_once(
        self, job: ReminderJob, sender: MessageSender, address: str, text: str
    ) -> SendResult:
        """Sends, unless an earlier send of this row whose answer was lost reached the
        provider after all: then the provider's message is adopted instead."""
        if job.unsure_since is not None:
            found = await sender.find(address, text, job.unsure_since)
            if found is not None:
                log.info("reminder %s: adopted %s, sent before", job.reminder_id, found.provider_id)
                return found
        offered = self._buttons(job)
        return await sender.send(address, text, offered.shortcuts, offered.place)

    async def _renew(self, claim: str, ids: list[int]) -> None:
        """Extends by a lease those of `ids` still held under `claim`."""
        async with self._uow() as uow:
            lease_until = self._clock.now() + self._policy.lease
            await uow.reminders.renew(claim, ids, lease_until=lease_until)
            await uow.commit()

    async def _heartbeat(self, claim: str, ids: list[int]) -> None:
        """While a batch is in flight, renews the leases of its rows still held, every third
        of a lease: a batch may outlast one lease, yet a dead worker's rows come back within
        one lease of its last beat."""
        period = self._policy.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(period)
            try:
                await self._renew(claim, ids)
            except Exception:  # e.g. the database is away for a moment: the next beat tries
                log.exception("renewing the leases of a batch failed")

    async def _hold(self, job: ReminderJob) -> None:
        """Right before a send: renews the row's lease, so the send ends well within it, and
        raises `ClaimLost` if another worker took the row meanwhile (it is not sent)."""
        if not await self._holds((job.claim, job.reminder_id)):
            raise ClaimLost(job.reminder_id, "send")

    def _buttons(self, job: ReminderJob) -> Reply:
        """The buttons a message offers, where the channel has them (as a reply's shortcuts):
        a task's notice its options, a reminder the menu; other notices and messages none."""
        if (row := NoticeRow.parse(job.step_key, job.template)) is not None:
            locale = STAFF_LOCALE if job.staff else job.obligor.locale
            place = OFFER_PLACE if row.kind == TaskKind.OFFER else None
            return Reply("", shortcuts=choices(row, locale), place=place)
        if job.staff is not None or job.body is not None or job.step_key == CHAT_LINK.key:
            return Reply("")
        return main_menu("menu", job.obligor.locale)

    def _task_link(self, job: ReminderJob) -> str:
        """The console page of a task, under its notice (its first part) to staff who sign in
        there; none for a creditor, or without a public URL."""
        row = NoticeRow.parse(job.step_key, job.template)
        first_part = job.step_key.count(":") == 2
        if not (row and job.staff and self._policy.console_base and first_part):
            return ""
        if job.staff.role not in STAFF_ROLES:
            return ""
        return f"\n{self._policy.console_base}/console/tasks/{row.task_id}"

    async def _text(self, job: ReminderJob, now: datetime) -> str:
        if job.body is not None:  # a notice to staff, or a message written for this debtor
            return job.body + self._task_link(job)
        wording = await self._texts.wording(job.case.court_id, job.obligor.locale, job.template)
        if job.step_key != CHAT_LINK.key:
            return reminder_text(job, wording)
        async with self._uow() as uow:  # a fresh one-time code for each invitation sent
            code = await linking.issue_for_obligor(uow, job.obligor.id, now)
            await uow.commit()
        return fill(
            job.template,
            job.obligor.locale,
            wording,
            court=court_signature(job.court_name),
            link=f"{self._policy.chat_link_base}{code}",
        )

    async def _failed(
        self, job: ReminderJob, target: Target, error: SendError, *, began: datetime
    ) -> None:
        """A send did not go through; `began`: when it started."""
        self._metrics.sent.labels(
            target.channel, "permanent" if error.permanent else "transient"
        ).inc()
        if error.permanent:
            log.warning(
                "reminder %s: permanent failure %s on %s",
                job.reminder_id,
                error.code,
                target.channel,
            )
            if await self._fall_back(job, target, error):
                return
            if error.contact_status is None:  # our message was refused, not the address
                await self._finish(
                    job, ReminderStatus.FAILED, error.code, event=EventKind.DELIVERY_FAILED
                )
                return
            if job.staff is not None:  # a staff number is the court's to fix, not the debtor's
                await self._finish(
                    job, ReminderStatus.FAILED, error.code, event=EventKind.STAFF_UNREACHABLE
                )
                return
            await self._finish(
                job,
                ReminderStatus.FAILED,
                error.code,
                event=EventKind.UNREACHABLE,
                contact=target.contact,
                contact_status=error.contact_status,
            )
            return
        if job.attempts >= self._policy.max_attempts:
            log.warning(
                "reminder %s: giving up after %s attempts (%s)",
                job.reminder_id,
                job.attempts,
                error.code,
            )
            await self._finish(
                job, ReminderStatus.FAILED, error.code, event=EventKind.DELIVERY_FAILED
            )
            return
        delay = error.retry_after or backoff_seconds(job.attempts, self._rng)
        due_at = self._clock.now() + timedelta(seconds=delay)
        async with self._uow() as uow:
            await uow.reminders.retry_at(
                job.reminder_id,
                claim=job.claim,
                retry=Retry(due_at, error.code, unsure_since=began if error.unknown else None),
            )
            await uow.commit()

    async def _fall_back(self, job: ReminderJob, target: Target, error: SendError) -> bool:
        """A chat the person blocked is dropped and the row goes again at once, by the next
        channel (SMS); False when there is no other way to reach them."""
        if target.channel != Channel.TELEGRAM:
            return False
        if error.contact_status is None:
            return await self._send_by_next_channel(job, target, error)
        now = self._clock.now()
        async with self._uow() as uow:
            if job.staff is not None:
                await uow.users.set_telegram_chat(job.staff.id, None)
                if not job.staff.phone:
                    await uow.commit()
                    return False
            else:
                assert target.contact is not None
                await uow.obligors.set_contact_status(
                    target.contact.id, error.contact_status or ContactStatus.BLOCKED
                )
                rest = [c for c in job.contacts if c.id != target.contact.id]
                if pick_contact(rest, job.channel_order, self._senders) is None:
                    await uow.commit()
                    return False
            await self._fallback_event(uow, job, error.code, now)
            await uow.reminders.retry_at(
                job.reminder_id, claim=job.claim, retry=Retry(now, error.code, refund_attempt=True)
            )
            await uow.commit()
        return True

    async def _send_by_next_channel(
        self, job: ReminderJob, target: Target, error: SendError
    ) -> bool:
        """The provider refused our message, not the chat: the chat stays, and this row goes
        at once, within its claim, by the next channel (put back as it is, it would pick the
        chat again). False when there is no other channel."""
        if job.staff is not None:
            rest = replace(job, staff=replace(job.staff, telegram_chat_id=None))
        else:
            others = tuple(c for c in job.contacts if c.channel != target.channel)
            rest = replace(job, contacts=others)
        if isinstance(self._target(rest), Nowhere):
            return False
        async with self._uow() as uow:
            await self._fallback_event(uow, job, error.code, self._clock.now())
            await uow.commit()
        await self._decide_and_send(rest)
        return True

    @staticmethod
    async def _fallback_event(
        uow: UnitOfWork, job: ReminderJob, reason: str, now: datetime
    ) -> None:
        await uow.events.add(
            job.case.id,
            EventKind.CHANNEL_FALLBACK,
            now,
            step=job.step_key,
            reason=reason,
            **({"user_id": job.staff.id} if job.staff else {"obligor_id": job.obligor.id}),
        )

    async def _defer(self, job: ReminderJob, until: datetime) -> None:
        """Later, not lost; the attempt it was claimed with is given back."""
        async with self._uow() as uow:
            await uow.reminders.retry_at(
                job.reminder_id, claim=job.claim, retry=Retry(until, None, refund_attempt=True)
            )
            await uow.commit()

    async def _finish(
        self,
        job: ReminderJob,
        status: ReminderStatus,
        error: str,
        *,
        event: EventKind | None = None,
        contact: Contact | None = None,
        contact_status: ContactStatus | None = None,
    ) -> None:
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.reminders.finish(
                job.reminder_id, claim=job.claim, outcome=Finished(status, now, error=error)
            )
            if contact_status and contact is not None:
                await uow.obligors.set_contact_status(contact.id, contact_status)
            if event:
                await uow.events.add(
                    job.case.id,
                    event,
                    now,
                    step=job.step_key,
                    obligor_id=job.obligor.id,
                    reason=error,
                )
            if event == EventKind.UNREACHABLE and job.staff is None:  # someone must go in person
                await filings.follow_up_in_person(
                    uow,
                    case=job.case,
                    obligor=job.obligor,
                    phone=_sms_number(job.contacts),
                    reason=error,
                    now=now,
                )
            await uow.commit()
