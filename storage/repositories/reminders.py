"""The reminder outbox: planning, claiming, finishing.

Every write after a claim is fenced by the claim's token: a worker whose lease ran out, and
whose row another worker then took or finished, writes nothing (`ClaimLost`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    Update,
    any_,
    cast,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    update,
)

from bot.domain import records
from bot.domain.channels import channel_order
from bot.domain.status import ReminderStatus
from bot.domain.tasks import NoticeRow
from bot.ports import ClaimLost
from storage import tables as t
from storage.repositories._base import (
    BulkInsert,
    Repo,
    case_record,
    contact_record,
    obligor_record,
    staff_record,
)

_ADD = BulkInsert(
    t.Reminder.__table__,
    (
        "case_id",
        "obligor_id",
        "step_key",
        "template",
        "due_at",
        "status",
        "attempts",
        "user_id",
        "body",
    ),
    ignore_duplicates=True,
)
RECENT_REMINDERS = 20  # more than any weekly cap a court would set


def _status_is(status: ReminderStatus) -> ColumnElement[bool]:
    """`status = '<status>'` with the status written into the statement: the planners match
    a partial index (storage/tables.py) only against a literal, not a bound parameter."""
    return t.Reminder.status == literal_column(f"'{status}'")


def _held(claim: str) -> tuple[ColumnElement[bool], ...]:
    """Rows still held under `claim`."""
    return (t.Reminder.status == ReminderStatus.CLAIMED, t.Reminder.claim_token == claim)


def _under(stem: str) -> tuple[ColumnElement[bool], ...]:
    """A case's debtor rows of step `stem` or of a step under it (`stem-…`)."""
    return (
        t.Reminder.user_id.is_(None),
        or_(
            t.Reminder.step_key == stem,
            t.Reminder.step_key.startswith(f"{stem}-", autoescape=True),
        ),
    )


class ReminderRepository(Repo):
    def _locked(self, rows: Select[tuple[int]]) -> ColumnElement[bool]:
        """`id` is one of the ids that `rows` (a `SELECT id … FOR UPDATE SKIP LOCKED`) locks.

        On PostgreSQL as `id = ANY(CAST((SELECT array_agg(id) …) AS INTEGER[]))`: the ids
        come as one value (the cast keeps PostgreSQL from reading `ANY (SELECT …)`), and
        each row is then fetched by its key. With `id IN (SELECT …)` the planner joined by
        hashing a scan of the whole table whenever that looked cheaper than 1,000 key lookups,
        as it does up to a few hundred thousand rows (bench/tick.py at 100k pending rows: a
        claim of 1,000 took 20 ms that way, 12–13 ms by key)."""
        if self.session.bind.dialect.name != "postgresql":
            return t.Reminder.id.in_(rows.scalar_subquery())
        ids = rows.subquery()
        array = cast(select(func.array_agg(ids.c.id)).scalar_subquery(), ARRAY(Integer))
        return t.Reminder.id == any_(array)

    async def add_many(self, reminders: list[records.NewReminder]) -> None:
        """Plans reminders; a step already planned for that case and obligor is kept as it is."""
        await _ADD(
            self.session,
            [
                (
                    r.case_id,
                    r.obligor_id,
                    r.step_key,
                    r.template,
                    r.due_at,
                    ReminderStatus.PENDING,
                    0,
                    r.user_id,
                    r.body,
                )
                for r in reminders
            ],
        )

    async def claim_due(
        self,
        *,
        now: datetime,
        limit: int,
        lease_until: datetime,
        worker: str,
        claim: str,
        expired: bool = True,
    ) -> list[int]:
        """Leases up to `limit` due rows under the token `claim`: claimed ones whose lease ran
        out (unless not `expired`), then pending ones.

        One statement per status, so each walks its status's partial index on due_at in order
        and stops after `limit` rows. A single `status IN (…)` statement made PostgreSQL scan
        and sort every due row on each claim (bench/claim.py: 53 ms instead of 7 ms per 200
        rows with 100k due).
        """
        claimed: list[int] = []
        statuses = [(_status_is(ReminderStatus.PENDING), t.Reminder.due_at <= now)]
        if expired:
            statuses.insert(0, (_status_is(ReminderStatus.CLAIMED), t.Reminder.lease_until <= now))
        for where in statuses:
            if len(claimed) >= limit:
                break
            due = (
                select(t.Reminder.id)
                .where(*where)
                .order_by(t.Reminder.due_at)
                .limit(limit - len(claimed))
                .with_for_update(skip_locked=True)
            )
            result = await self.session.execute(
                update(t.Reminder)
                .where(self._locked(due))
                .values(
                    status=ReminderStatus.CLAIMED,
                    lease_until=lease_until,
                    claimed_by=worker,
                    claim_token=claim,
                    attempts=t.Reminder.attempts + 1,
                )
                .returning(t.Reminder.id)
                .execution_options(synchronize_session=False)
            )
            claimed += result.scalars().all()
        return sorted(claimed)

    async def fail_stuck(
        self, *, now: datetime, max_attempts: int, error: str
    ) -> list[records.StuckReminder]:
        """Fails, with `error`, the rows whose lease ran out after `max_attempts` claims: their
        handling raised, or killed its worker, every time. They are not claimed again."""
        stuck = (
            select(t.Reminder.id)
            .where(
                _status_is(ReminderStatus.CLAIMED),
                t.Reminder.lease_until <= now,
                t.Reminder.attempts >= max_attempts,
            )
            .with_for_update(skip_locked=True)
        )
        rows = await self.session.execute(
            update(t.Reminder)
            .where(self._locked(stuck))
            .values(
                status=ReminderStatus.FAILED, finished_at=now, last_error=error, lease_until=None
            )
            .returning(
                t.Reminder.id,
                t.Reminder.case_id,
                t.Reminder.obligor_id,
                t.Reminder.step_key,
                t.Reminder.attempts,
            )
            .execution_options(synchronize_session=False)
        )
        return [records.StuckReminder(*row) for row in rows.all()]

    async def renew(self, claim: str, ids: Collection[int], *, lease_until: datetime) -> set[int]:
        """Extends the lease of those of `ids` still held under `claim`; returns those."""
        result = await self.session.execute(
            update(t.Reminder)
            .where(t.Reminder.id.in_(ids), *_held(claim))
            .values(lease_until=lease_until)
            .returning(t.Reminder.id)
            .execution_options(synchronize_session=False)
        )
        return set(result.scalars())

    async def jobs(
        self, claims: Mapping[int, str], *, uncapped: Collection[str] = ()
    ) -> dict[int, records.ReminderJob]:
        """The rows of `claims` (id → claim) still held under their claim, each with all it
        needs; `recent_reminders` leaves out the `uncapped` steps. A few statements for any
        number of rows."""
        rows = [
            row
            for row in (
                await self.session.execute(
                    select(t.Reminder, t.Case, t.Court, t.Obligor)
                    .join(t.Case, t.Case.id == t.Reminder.case_id)
                    .join(t.Court, t.Court.id == t.Case.court_id)
                    .join(t.Obligor, t.Obligor.id == t.Reminder.obligor_id)
                    .where(t.Reminder.id.in_(claims), t.Reminder.status == ReminderStatus.CLAIMED)
                )
            ).all()
            if row[0].claim_token == claims[row[0].id]
        ]
        if not rows:
            return {}
        staff_ids = {reminder.user_id for reminder, *_ in rows if reminder.user_id}
        staff = {}
        if staff_ids:
            users = await self.session.scalars(select(t.User).where(t.User.id.in_(staff_ids)))
            staff = {user.id: staff_record(user) for user in users}
        contacts: dict[int, list[records.Contact]] = defaultdict(list)
        for contact in await self.session.scalars(
            select(t.Contact)
            .where(t.Contact.obligor_id.in_({obligor.id for *_, obligor in rows}))
            .order_by(t.Contact.id.desc())
        ):
            contacts[contact.obligor_id].append(contact_record(contact))
        debtors = {obligor.id for reminder, *_, obligor in rows if not reminder.user_id}
        recent = await self._recent(debtors, uncapped)
        return {
            reminder.id: records.ReminderJob(
                reminder_id=reminder.id,
                step_key=reminder.step_key,
                template=reminder.template,
                attempts=reminder.attempts,
                case=case_record(case),
                court_name=court.name,
                obligor=obligor_record(obligor),
                contacts=tuple(contacts[obligor.id]),
                channel_order=channel_order(court.channel_order),
                claim=reminder.claim_token,
                staff=staff.get(reminder.user_id) if reminder.user_id else None,
                body=reminder.body,
                recent_reminders=() if reminder.user_id else recent.get(obligor.id, ()),
                unsure_since=reminder.finished_at,  # only an unfinished row is ever claimed
            )
            for reminder, case, court, obligor in rows
        }

    async def _recent(
        self, obligors: Collection[int], uncapped: Collection[str]
    ) -> dict[int, tuple[datetime, ...]]:
        """For each of `obligors`, when the latest capped reminders were sent to them (at most
        RECENT_REMINDERS, newest first): what the weekly cap counts."""
        if not obligors:
            return {}
        rank = (
            func.row_number()
            .over(partition_by=t.Reminder.obligor_id, order_by=t.Reminder.finished_at.desc())
            .label("rank")
        )
        sent = (
            select(t.Reminder.obligor_id, t.Reminder.finished_at, rank)
            .where(
                t.Reminder.obligor_id.in_(obligors),
                _status_is(ReminderStatus.SENT),
                t.Reminder.user_id.is_(None),  # reminders, not notices to staff
                t.Reminder.body.is_(None),  # nor what was written for this debtor
                t.Reminder.step_key.not_in(uncapped),
            )
            .subquery()
        )
        latest: dict[int, list[datetime]] = defaultdict(list)
        for obligor_id, finished_at in await self.session.execute(
            select(sent.c.obligor_id, sent.c.finished_at)
            .where(sent.c.rank <= RECENT_REMINDERS)
            .order_by(sent.c.obligor_id, sent.c.rank)
        ):
            latest[obligor_id].append(finished_at)
        return {obligor: tuple(times) for obligor, times in latest.items()}

    async def record_sent(self, handed: Sequence[records.Handed], at: datetime) -> set[int]:
        """Closes as sent those of the `handed` rows still held under their claim, with the
        message each went as and its timeline event; returns their ids (the others changed
        nothing: `ClaimLost`). A few statements for any number of rows."""
        held: set[int] = set()
        by_claim: dict[str, list[int]] = defaultdict(list)
        for row in handed:
            by_claim[row.claim].append(row.reminder_id)
        for claim, ids in by_claim.items():
            result = await self.session.execute(
                update(t.Reminder)
                .where(t.Reminder.id.in_(ids), *_held(claim))
                .values(
                    status=ReminderStatus.SENT, finished_at=at, last_error=None, lease_until=None
                )
                .returning(t.Reminder.id)
                .execution_options(synchronize_session=False)
            )
            held.update(result.scalars())
        kept = [row for row in handed if row.reminder_id in held]
        if not kept:
            return held
        messages = t.Message.__table__  # Core: no ORM bookkeeping for rows we never load
        inserted = await self.session.execute(
            insert(messages).returning(messages.c.id, messages.c.provider, messages.c.provider_id),
            [vars(row.message) for row in kept],  # (asdict: deep copies)
        )  # one statement; its rows come back in no set order, known by their provider id
        message_ids = {(provider, provider_id): id_ for id_, provider, provider_id in inserted}
        await self.session.execute(
            update(t.Reminder),
            [
                {
                    "id": row.reminder_id,
                    "message_id": message_ids[row.message.provider, row.message.provider_id],
                }
                for row in kept
            ],
        )
        await self.session.execute(
            insert(t.Event.__table__),
            [
                {"case_id": row.message.case_id, "kind": row.event, "at": at, "detail": row.detail}
                for row in kept
            ],
        )
        return held

    async def finish(self, reminder_id: int, *, claim: str, outcome: records.Finished) -> None:
        """Closes the row held under `claim`; raises `ClaimLost` if it is not."""
        await self._fenced(
            reminder_id,
            claim,
            "finish",
            update(t.Reminder).values(
                status=outcome.status,
                finished_at=outcome.at,
                last_error=outcome.error,
                message_id=outcome.message_id,
                lease_until=None,
            ),
        )

    async def retry_at(self, reminder_id: int, *, claim: str, retry: records.Retry) -> None:
        """Back to pending at `due_at`; a deferral (quiet hours) gives the attempt back. After a
        send whose outcome is unknown, `unsure_since` (when it began) is kept in `finished_at`
        (the earliest, when there were several) until the row is finished: each later attempt
        asks the provider from there. Raises `ClaimLost` if the row is not held under `claim`."""
        values = {}
        if retry.unsure_since is not None:
            since = literal(retry.unsure_since, t.UTCDateTime())
            values["finished_at"] = func.coalesce(t.Reminder.finished_at, since)
        await self._fenced(
            reminder_id,
            claim,
            "retry",
            update(t.Reminder).values(
                status=ReminderStatus.PENDING,
                due_at=retry.due_at,
                last_error=retry.error,
                lease_until=None,
                attempts=t.Reminder.attempts - (1 if retry.refund_attempt else 0),
                **values,
            ),
        )

    async def _fenced(self, reminder_id: int, claim: str, at: str, statement: Update) -> None:
        result = await self.session.execute(
            statement.where(t.Reminder.id == reminder_id, *_held(claim)).execution_options(
                synchronize_session=False
            )
        )
        if result.rowcount != 1:
            raise ClaimLost(reminder_id, at)

    async def sent_with_message(
        self, provider: str, provider_id: str
    ) -> records.SentReminder | None:
        """The row still `sent` with this provider message: None once it went again (or was
        never a reminder's)."""
        row = await self.session.scalar(
            select(t.Reminder)
            .join(t.Message, t.Message.id == t.Reminder.message_id)
            .where(
                t.Message.provider == provider,
                t.Message.provider_id == provider_id,
                t.Reminder.status == ReminderStatus.SENT,
            )
            .with_for_update()
        )
        if row is None:
            return None
        return records.SentReminder(
            row.id, row.attempts, row.case_id, row.obligor_id, row.step_key, row.user_id is not None
        )

    async def reopen(self, reminder_id: int, *, due_at: datetime, error: str) -> None:
        """A `sent` row whose message the provider could not deliver: pending again at
        `due_at`. It keeps its attempts and its message until it goes again."""
        await self.session.execute(
            update(t.Reminder)
            .where(t.Reminder.id == reminder_id, t.Reminder.status == ReminderStatus.SENT)
            .values(
                status=ReminderStatus.PENDING, due_at=due_at, last_error=error, finished_at=None
            )
        )

    async def fail_sent(self, reminder_id: int, *, at: datetime, error: str) -> None:
        """A `sent` row whose message the provider could not deliver, and which is not to go
        again: failed."""
        await self.session.execute(
            update(t.Reminder)
            .where(t.Reminder.id == reminder_id, t.Reminder.status == ReminderStatus.SENT)
            .values(status=ReminderStatus.FAILED, finished_at=at, last_error=error)
        )

    async def count_by_status(self) -> dict[str, int]:
        rows = await self.session.execute(
            select(t.Reminder.status, func.count()).group_by(t.Reminder.status)
        )
        return {status: count for status, count in rows.all()}

    async def _cancel(self, case_id: int, at: datetime, *where: ColumnElement[bool]) -> int:
        """Cancels the case's pending rows that match `where`; how many."""
        result = await self.session.execute(
            update(t.Reminder)
            .where(t.Reminder.case_id == case_id, t.Reminder.status == ReminderStatus.PENDING)
            .where(*where)
            .values(status=ReminderStatus.CANCELLED, finished_at=at, last_error="superseded")
        )
        return result.rowcount

    async def cancel_pending(
        self,
        case_id: int,
        at: datetime,
        *,
        before: datetime | None = None,
        everything: bool = False,
    ) -> int:
        """Cancels a case's pending reminders to its debtors (not staff notices, not messages
        written for the debtor such as a decision), those due before `before` if given;
        `everything`: every pending row of the case (it has ended: nothing queued is still
        true), whoever it is for."""
        where = [] if everything else [t.Reminder.user_id.is_(None), t.Reminder.body.is_(None)]
        if before is not None:
            where.append(t.Reminder.due_at < before)
        return await self._cancel(case_id, at, *where)

    async def cancel_notices(self, case_id: int, task_id: int, at: datetime) -> int:
        """Cancels a task's notices not sent yet, to whoever and in however many parts."""
        return await self._cancel(
            case_id,
            at,
            t.Reminder.user_id.is_not(None),
            t.Reminder.step_key.startswith(NoticeRow.stem(task_id), autoescape=True),
        )

    async def cancel_steps(self, case_id: int, stem: str, at: datetime) -> int:
        """Cancels a case's pending debtor rows of step `stem` or of a step under it
        (`stem-…`): a plan's instalment reminders, once paid or given up."""
        return await self._cancel(case_id, at, *_under(stem))

    async def reword_steps(self, case_id: int, stem: str, body: str) -> int:
        """Gives a case's pending debtor rows of step `stem` or under it a new text: an
        instalment's reminders once part of it is paid."""
        result = await self.session.execute(
            update(t.Reminder)
            .where(t.Reminder.case_id == case_id, t.Reminder.status == ReminderStatus.PENDING)
            .where(*_under(stem))
            .values(body=body)
        )
        return result.rowcount
