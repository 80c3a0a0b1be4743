"""The conversation engine: `replies = await engine.handle(InboundMessage(...))`.

Every inbound message is stored, deduplicated on the provider's id, answered and recorded in
one transaction, so a provider's retry gets the same answer and causes no second effect.
Flows are written once (`bot/conversation/flows.py`); the engine walks them: it asks which
case first when the debtor has several, keeps a history for BACK, reads everything back for
confirmation, files it, and parks a flow left idle so that it can be resumed for a day.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
from collections import deque
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.conversation.flow import READBACK, Flow, Invalid, Turn
from bot.conversation.flows import FLOWS
from bot.conversation.staff import StaffDesk
from bot.domain import case_states, keywords
from bot.domain.case_number import short_case_number
from bot.domain.locales import STAFF_LOCALE
from bot.domain.menu import MENU_PLACE, OFFER_PLACE, main_menu
from bot.domain.messages import Choice, InboundMessage, Reply
from bot.domain.records import (
    CaseSummary,
    ConversationState,
    Correspondent,
    NewMessage,
)
from bot.domain.sms import pages
from bot.domain.status import Channel, ContactStatus, Direction, EventKind, MessageStatus
from bot.domain.tasks import NoticeRow, Outcome, TaskKind, choices
from bot.domain.texts import render
from bot.metrics import Metrics
from bot.ports import Clock, Conflict, UnitOfWork, UnitOfWorkFactory
from bot.services import decisions, filings

log = logging.getLogger(__name__)

IDLE = timedelta(minutes=30)  # a flow left this long is parked: the next message asks first
KEEP = timedelta(hours=24)  # a parked flow is dropped after this
AGAIN = timedelta(minutes=2)  # a read-back's 1 sent again this soon is the same answer
CASE_STEP, CONFIRM_STEP = "case", "confirm"
MAX_INBOUND = 1600  # Twilio's own limit for one inbound message


class ConversationEngine:
    """Handles inbound messages in groups: a writer task takes what has queued up (at most
    `group` messages) and handles it in one transaction, message after message in arrival
    order, then commits once and answers every caller. So requests do not queue for the
    database's write lock one by one, and a sender's messages keep their order. If a group
    fails, each of its messages is handled again alone, so one bad message fails only itself."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        metrics: Metrics,
        per_minute: int = 0,
        group: int = 100,
    ) -> None:
        self._uow, self._clock, self._metrics = uow, clock, metrics
        self._per_minute = per_minute  # inbound messages one address may send; 0: no limit
        self._group = group
        self._queue: deque[tuple[InboundMessage, asyncio.Future[list[Reply]]]] = deque()
        self._writer: asyncio.Task[None] | None = None
        self._last = 0  # how many messages the last group held

    async def handle(self, message: InboundMessage) -> list[Reply]:
        """The replies, once the message and they are committed."""
        answer: asyncio.Future[list[Reply]] = asyncio.get_running_loop().create_future()
        self._queue.append((message, answer))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write())
        return await answer

    async def _write(self) -> None:
        while self._queue:
            batch: list[tuple[InboundMessage, asyncio.Future[list[Reply]]]] = []
            try:
                await self._fill()
                batch = [self._queue.popleft() for _ in range(min(self._group, len(self._queue)))]
                self._last = len(batch)
                outcomes = await self._outcomes([message for message, _ in batch])
            except BaseException:  # cancelled (the loop is closing): nobody waits forever
                for _, answer in [*batch, *self._queue]:
                    answer.cancel()
                raise
            for (_, answer), outcome in zip(batch, outcomes, strict=True):
                if answer.done():  # the caller went away; the message is handled all the same
                    continue
                if isinstance(outcome, Exception):
                    answer.set_exception(outcome)
                else:
                    answer.set_result(outcome)

    async def _fill(self) -> None:
        """Under load, callers answered together post again together, but the first one would
        start a group alone and the others wait for it: a group with fewer messages than the
        last one waits a moment (at most 2 ms) for the rest. After a lone message, none waits."""
        for _ in range(4):
            if len(self._queue) >= min(self._last, self._group):
                return
            await asyncio.sleep(0.0005)

    async def _outcomes(self, messages: list[InboundMessage]) -> list[list[Reply] | Exception]:
        try:
            return list(await self._handle_group(messages))
        except Exception:
            return [await self._handle_alone(message) for message in messages]

    async def _handle_alone(self, message: InboundMessage) -> list[Reply] | Exception:
        try:
            try:
                return (await self._handle_group([message]))[0]
            except Conflict:  # the same provider id was being handled concurrently; it won
                return (await self._handle_group([message]))[0]
        except Exception as exc:
            return exc

    async def _handle_group(self, messages: list[InboundMessage]) -> list[list[Reply]]:
        messages = [replace(m, text=storable(m.text)) for m in messages]
        async with self._uow() as uow:
            # One message of an address at a time, however they arrive: the rate limit counts
            # and the conversation's state is read and written without a race.
            await uow.conversations.lock({(m.channel, m.address) for m in messages})
            group = await _Group.read(uow, messages, self._clock.now(), self._per_minute)
            handled = [await self._handle_one(uow, group, message) for message in messages]
            await group.write(uow)
            await uow.commit()
        for message, (_, again) in zip(messages, handled, strict=True):
            self._metrics.inbound.labels(message.channel, "yes" if again else "no").inc()
        return [replies for replies, _ in handled]

    async def _handle_one(
        self, uow: UnitOfWork, group: _Group, message: InboundMessage
    ) -> tuple[list[Reply], bool]:
        """The replies to one message, and whether it was a provider's retry (answered with
        what the first delivery got)."""
        if message.provider_id:
            earlier = group.replies.get((message.channel, message.provider_id))
            if earlier is not None:
                return [Reply(text) for text in earlier], True
        now = self._clock.now()
        correspondent = await group.correspondent(uow, message)
        only_case = correspondent.open_cases[0].id if len(correspondent.open_cases) == 1 else None
        obligor_id = correspondent.obligor.id if correspondent.obligor else None
        flooding = group.count(message) > self._per_minute > 0
        inbound = group.add(
            message,
            NewMessage(
                Direction.IN,
                message.channel,
                message.address,
                message.text,
                now,
                case_id=only_case,
                obligor_id=obligor_id,
                provider=message.channel,
                provider_id=message.provider_id,
                status=MessageStatus.THROTTLED if flooding else MessageStatus.RECEIVED,
            ),
        )
        if flooding:
            # Kept for the record (on the debtor's timeline), but no flow moves and nobody is
            # notified: one phone cannot flood a judge or an official.
            return [], False
        state = group.states[(message.channel, message.address)]
        staff = None
        if correspondent.obligor is None or correspondent.contact is None:
            staff = await uow.users.by_address(message.channel, message.address)
        if staff is not None:
            desk = StaffDesk(uow, staff, message.channel, now)
            replies = [await desk.respond(message.choice or message.text)]
            group.stale = True  # a staff member may have decided on anyone's case
        elif correspondent.obligor is None or correspondent.contact is None:
            replies = [Reply(render("unknown_sender"))]
        else:
            conversation = Conversation(uow, correspondent, state, message, self._clock)
            replies = await conversation.respond()
            group.events += conversation.unwritten
            group.stale = group.stale or conversation.wrote
        replies = [part for reply in replies for part in fit(reply)]
        group.answer(
            message,
            inbound,
            state,
            now,
            [
                NewMessage(
                    Direction.OUT,
                    message.channel,
                    message.address,
                    reply.plain(),
                    now,
                    case_id=only_case,
                    obligor_id=obligor_id,
                    status=MessageStatus.REPLY,
                )
                for reply in replies
            ],
        )
        return replies, False


class _Group:
    """A group's reads, made once for all its messages, and its writes, made once after them:
    the inbound messages and their replies, the debtors' "replied" events and where each
    conversation stands. What a flow files, decides or changes it writes at once, through the
    unit of work, as before. Kept in step message by message: a provider's retry inside the
    group gets the same answer, a sender's count grows, a conversation's state carries on, and
    once a message has written anything else (a filing, a decision, a contact's status), the
    later ones read who wrote again."""

    def __init__(self, now: datetime) -> None:
        self.since = now - timedelta(minutes=1)
        self.replies: dict[tuple[str, str], list[str]] = {}
        self.correspondents: dict[tuple[str, str], Correspondent] = {}
        self.counts: dict[tuple[str, str], int] = {}
        self.states: dict[tuple[str, str], ConversationState] = {}
        self.stale = False  # who wrote may have changed since it was read
        self.inbound: list[NewMessage] = []
        self.outbound: list[tuple[int, NewMessage]] = []  # (index of the inbound one, reply)
        self.events: list[tuple[int, EventKind, datetime, dict]] = []  # case, kind, at, detail
        self.saved: dict[tuple[str, str], tuple[ConversationState, datetime]] = {}

    @classmethod
    async def read(
        cls, uow: UnitOfWork, messages: list[InboundMessage], now: datetime, per_minute: int
    ) -> _Group:
        group = cls(now)
        for channel in {m.channel for m in messages}:
            mine = [m for m in messages if m.channel == channel]
            addresses = {m.address for m in mine}
            sids = {m.provider_id for m in mine if m.provider_id}
            for sid, texts in (await uow.messages.replies_to(channel, sids)).items():
                group.replies[(channel, sid)] = texts
            for address, who in (await uow.obligors.correspondents(channel, addresses)).items():
                group.correspondents[(channel, address)] = who
            for address, state in (await uow.conversations.load_all(channel, addresses)).items():
                group.states[(channel, address)] = state
            if per_minute > 0:
                counts = await uow.messages.inbound_counts_since(
                    channel, addresses, group.since, per_minute
                )
                for address, n in counts.items():
                    group.counts[(channel, address)] = n
        return group

    async def correspondent(self, uow: UnitOfWork, message: InboundMessage) -> Correspondent:
        if self.stale:
            found = await uow.obligors.correspondents(message.channel, [message.address])
            return found[message.address]
        return self.correspondents[(message.channel, message.address)]

    def count(self, message: InboundMessage) -> int:
        """How many messages the address has sent in the last minute, this one included."""
        key = (message.channel, message.address)
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]

    def add(self, message: InboundMessage, inbound: NewMessage) -> int:
        if message.provider_id:  # a retry later in the group: answered, with nothing (yet)
            self.replies[(message.channel, message.provider_id)] = []
        self.inbound.append(inbound)
        return len(self.inbound) - 1

    def answer(
        self,
        message: InboundMessage,
        inbound: int,
        state: ConversationState,
        now: datetime,
        replies: list[NewMessage],
    ) -> None:
        if message.provider_id:
            self.replies[(message.channel, message.provider_id)] = [r.text for r in replies]
        self.outbound += [(inbound, reply) for reply in replies]
        self.saved[(state.channel, state.address)] = (state, now)

    async def write(self, uow: UnitOfWork) -> None:
        ids = await uow.messages.add_many(self.inbound)
        await uow.messages.add_all(
            [replace(reply, reply_to=ids[inbound]) for inbound, reply in self.outbound]
        )
        if self.events:
            await uow.events.add_many(self.events)
        await uow.conversations.save_all(list(self.saved.values()))


_ASKS = re.compile(r"[?？吗]|能不能|可不可以")


def _offer_pick(text: str) -> Outcome | None:
    """The answer to a counter-proposal a message gives: `1` or `2`, or the words of one
    (`keywords.offer_accept`, `keywords.offer_reject`: "行吧 我接受", "不接受"); None for
    neither, or for an acceptance with a negation or a question ("我不想接受", "两万能接受吗")."""
    said = keywords.normalize(text)
    if said in ("1", "2"):
        return Outcome.ACCEPT if said == "1" else Outcome.REJECT
    if any(word in said for word in keywords.words("offer_reject")):
        return Outcome.REJECT
    if keywords.negated(said) or _ASKS.search(said):
        return None
    if any(word in said for word in keywords.words("offer_accept")):
        return Outcome.ACCEPT
    return None


def storable(text: str) -> str:
    """Text any database can hold: no lone surrogates, no NUL, at most 1600 characters."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")[:MAX_INBOUND]


def fit(reply: Reply) -> list[Reply]:
    """The reply, or, when its SMS form is longer than two segments, its text in numbered
    parts that each fit (a read-back repeats the debtor's own words and figures, which may be
    long); the choices and buttons go with the last part."""
    choices = reply.plain()[len(reply.text) :]
    *first, last = pages(reply.text, reserve=choices)
    return [Reply(part) for part in first] + [replace(reply, text=last)]


class Conversation:
    """One inbound message from a known obligor, against the conversation's state."""

    def __init__(
        self,
        uow: UnitOfWork,
        correspondent: Correspondent,
        state: ConversationState,
        message: InboundMessage,
        clock: Clock,
    ) -> None:
        assert correspondent.obligor is not None and correspondent.contact is not None
        self.uow, self.correspondent, self.state, self.clock = uow, correspondent, state, clock
        self.obligor, self.contact = correspondent.obligor, correspondent.contact
        self.text = message.choice or message.text or ""
        self.channel = message.channel
        self.pressed = message.place  # where the button pressed was offered; None: typed
        self.intent = keywords.intent_of(self.text)
        self.told = False  # the intent was told in words, not chosen by number or keyword
        self.just_filed = False  # a filing was confirmed moments before this message
        self.command = keywords.command_of(self.text)
        self.now = clock.now()
        self.locale = self.obligor.locale
        self.today = self.now.astimezone(ZoneInfo(self.obligor.timezone)).date()
        # The "replied" events: the engine writes them with its group, unless something else
        # is written first (`_before_writing`), so that the timeline keeps their order.
        self.unwritten: list[tuple[int, EventKind, datetime, dict]] = []
        self.wrote = False  # filed, decided or changed the contact: what was read may be stale

    def t(self, key: str, **values: object) -> str:
        return render(key, self.locale, **values)

    def menu(self, key: str) -> Reply:
        return main_menu(key, self.locale)

    async def respond(self) -> list[Reply]:
        """The replies, their buttons marked with where the conversation now stands. A button
        offered where it no longer stands (every step numbers its buttons from 1) is out of
        date: it changes nothing, and what the conversation asks now is asked again."""
        state = self.state
        # Moments after a filing (a double tap, a phone that sends again): the next message only
        filed = state.data.pop("_filed", None)
        self.just_filed = bool(filed) and self.now - datetime.fromisoformat(filed) < AGAIN
        if state.flow and state.updated_at and self.now - state.updated_at > KEEP:
            state.clear()
        if not await self._stale():
            replies = await self._respond()
        elif self.just_filed:  # the read-back's button, pressed twice
            replies = [Reply(self.t("filed.again"))]
        else:
            replies = [Reply(self.t("flow.stale")), self._asking()]
        place = self.place()
        return [replace(r, place=place) if r.choices or r.shortcuts else r for r in replies]

    def place(self) -> str:
        """Where the conversation stands: its flow's step (`settle.kind`), or the menu."""
        return f"{self.state.flow}.{self.state.step}" if self.state.flow else MENU_PLACE

    async def _stale(self) -> bool:
        """Whether a button was pressed where the conversation no longer stands. A flow left
        idle asks first whether to resume it (`_parked`), whatever is pressed; the buttons of
        the judge's counter-proposal stand at the menu while it waits."""
        if self.pressed is None or self._idle():
            return False
        if self.pressed == OFFER_PLACE:
            waiting = await self.uow.tasks.open_offers(self.obligor.id)
            return bool(self.state.flow) or not waiting
        return self.pressed != self.place()

    def _idle(self) -> bool:
        """A flow parked, or left for longer than IDLE."""
        state = self.state
        left = state.updated_at is not None and self.now - state.updated_at > IDLE
        return bool(state.flow) and (bool(state.data.get("_parked")) or left)

    def _asking(self) -> Reply:
        """What the conversation asks where it stands."""
        return self._prompt(FLOWS[self.state.flow]) if self.state.flow else self.menu("menu")

    async def _respond(self) -> list[Reply]:
        state = self.state
        opting = self.intent in (keywords.OPT_OUT, keywords.OPT_IN)
        if not (opting or state.flow or self.intent):
            # Outside a flow, the menu's words anywhere in a message choose ("能不能宽限几天")
            self.intent = keywords.intent_told(self.text)
            self.told = self.intent is not None
        if opting or not state.flow:  # answers inside a flow are not fresh replies
            detail = {
                "channel": self.channel,
                "intent": self.intent or "free_text",
                "obligor_id": self.obligor.id,
            }
            self.unwritten = [
                (case.id, EventKind.DEBTOR_REPLIED, self.now, detail)
                for case in self.correspondent.open_cases
            ]
        if opting:
            return [await self._opt(self.intent)]
        if not state.flow:
            return [await self._outside_a_flow()]
        if self._idle():
            return [await self._parked()]
        return [await self._in_a_flow()]

    # --- outside a flow -------------------------------------------------------------------

    async def _opt(self, intent: str) -> Reply:
        status = ContactStatus.OPTED_OUT if intent == keywords.OPT_OUT else ContactStatus.ACTIVE
        await self._before_writing()
        await self.uow.obligors.set_contact_status(self.contact.id, status)
        said = "opted_out" if intent == keywords.OPT_OUT else "opted_in"
        return Reply(self.t(said if self.channel == Channel.SMS else f"{said}.{self.channel}"))

    async def _outside_a_flow(self) -> Reply:
        if self.intent == keywords.HELP:
            return self.menu("help")
        if answer := await self._answer_to_offer():  # the judge's offer came since: its 1
            return answer
        if self.just_filed and self.text.strip() == "1":  # the read-back's 1, sent twice
            return Reply(self.t("filed.again"))
        if self.intent == "agent":
            cases = list(self.correspondent.open_cases)
            if not cases:
                return Reply(self.t("no_open_case"))
            await self._file("agent", {}, cases, self.t("agent.summary"))
            return Reply(self.t("intent.agent"))
        if self.intent in FLOWS:
            return await self._start(FLOWS[self.intent], told=self.told)
        return await self._offer_waiting() or self.menu("menu")

    async def _answer_to_offer(self) -> Reply | None:
        """While the judge's counter-proposal waits, `1` or its words (接受) accept it and `2`
        or theirs (不接受) refuse it: the menu's numbers mean them until it is answered."""
        pick = _offer_pick(self.text)
        if pick is None:
            return None
        offers = await self.uow.tasks.open_offers(self.obligor.id)
        if not offers:
            return None
        actor = decisions.Actor(obligor_id=self.obligor.id)
        await self._before_writing()
        try:
            await decisions.act(self.uow, actor, offers[-1].id, pick, self.now)
        except decisions.Refused:
            return None
        return Reply(self.t(f"offer.{pick}"))

    async def _offer_waiting(self) -> Reply | None:
        """Words that answer nothing while the counter-proposal waits: it is recalled, with
        its two answers, rather than the menu (whose 2 would refuse it unawares)."""
        offers = await self.uow.tasks.open_offers(self.obligor.id)
        if not offers:
            return None
        offer = NoticeRow(offers[-1].id, TaskKind.OFFER, offers[-1].reason)
        return Reply(self.t("offer.pending"), shortcuts=choices(offer, self.locale))

    async def _start(self, flow: Flow, told: bool) -> Reply:
        """The flow, chosen by its number or word, or `told` in the debtor's own words (what
        they told is read once the case is known)."""
        cases = self.correspondent.open_cases
        if not cases:
            return Reply(self.t("no_open_case"))
        self.state.clear()
        self.state.flow = flow.intent
        if told:
            self.state.data["_told"] = self.text
        if len(cases) == 1:
            self.state.data["_cases"] = [cases[0].id]
            return self._begin(flow)
        self.state.step = CASE_STEP
        return self._case_prompt(flow)

    def _begin(self, flow: Flow) -> Reply:
        """The flow's first step; or, where the words that started it hold its first answer
        ("我已经转了5万"), the step after it, with the first one a step back. For a case its
        filing could not be granted to, what the debtor can do instead, and the flow ends."""
        case = self._case()
        if case and flow.asks_for and not case_states.may_be_granted(case.status, flow.asks_for):
            self.state.clear()
            return Reply(self.t(f"{flow.intent}.refused.{case.status}", case=case.case_number))
        first = flow.steps[0].key
        told = self.state.data.pop("_told", None)
        if told and flow.told:
            before = copy.deepcopy(self.state.data)
            try:
                following = flow.told(self._turn(told))
            except Invalid:
                following = None
            if following:
                self.state.data["_history"] = [*before.pop("_history", []), [first, before]]
                return self._goto(flow, following)
            self.state.data = before
        return self._goto(flow, first)

    # --- a parked flow ----------------------------------------------------------------------

    async def _parked(self) -> Reply:
        flow = FLOWS[self.state.flow]
        if self.command == keywords.RESUME:
            self.state.data.pop("_parked", None)
            return self._prompt(flow)
        if self.command == keywords.CANCEL:
            self.state.clear()
            return Reply(self.t("flow.cancelled"))
        if self._asks_help():  # help, and the parked flow stays for later
            return self.menu("help")
        # A menu word starts anew; a bare number may be a late answer to the parked step, so
        # it is held back like any other answer.
        if (self.intent in FLOWS or self.intent == "agent") and not self._bare_number():
            self.state.clear()
            return await self._outside_a_flow()
        self.state.data["_parked"] = True
        return Reply(self.t("flow.resume", flow=self.t(f"flow.{flow.intent}")))

    # --- inside a flow ----------------------------------------------------------------------

    async def _in_a_flow(self) -> Reply:
        flow, state = FLOWS[self.state.flow], self.state
        if self.command == keywords.CANCEL:
            state.clear()
            return Reply(self.t("flow.cancelled"))
        if self.command == keywords.BACK:
            return self._back(flow)
        if self._asks_help():
            return Reply(self.t("flow.help"))
        if state.step == CASE_STEP:
            return self._choose_case(flow)
        if state.step == CONFIRM_STEP:
            return await self._confirm(flow)
        # Each history entry holds the data without the history itself: nested, it doubled
        # with every answer (2**n copies after n answers).
        history = state.data.pop("_history", [])
        before = copy.deepcopy(state.data)
        turn = self._turn()
        try:
            following = flow.step(state.step).accept(turn)
        except Invalid as exc:
            state.data = {**before, "_history": history}
            return Reply(self.t(exc.key, **exc.values))
        state.data["_history"] = [*history, [state.step, before]]
        return self._goto(flow, following or flow.after(state.step) or READBACK)

    def _bare_number(self) -> bool:
        return keywords.normalize(self.text).isdigit()

    def _asks_help(self) -> bool:
        """A help word; but "0" inside a flow, parked or not, is an answer (no down payment)."""
        return self.intent == keywords.HELP and keywords.normalize(self.text) != "0"

    def _goto(self, flow: Flow, step: str) -> Reply:
        self.state.step = CONFIRM_STEP if step == READBACK else step
        return self._prompt(flow)

    def _prompt(self, flow: Flow) -> Reply:
        if self.state.step == CASE_STEP:
            return self._case_prompt(flow)
        if self.state.step == CONFIRM_STEP:
            return Reply(
                self.t("confirm.ask", summary=flow.summary(self._turn())),
                (Choice("1", self.t("confirm.yes")), Choice("2", self.t("confirm.redo"))),
            )
        return flow.step(self.state.step).prompt(self._turn())

    def _back(self, flow: Flow) -> Reply:
        history = self.state.data.get("_history") or []
        if not history:
            return Reply(self.t("flow.first_step"))
        step, data = history.pop()
        data["_history"] = history
        self.state.step, self.state.data = step, data
        return self._prompt(flow)

    def _turn(self, text: str | None = None) -> Turn:
        """This message as a step sees it (or, with `text`, earlier words of the debtor's)."""
        command = self.command if text is None else None
        text = self.text if text is None else text
        return Turn(text, command, self.locale, self.today, self._case(), self.state.data)

    def _case(self) -> CaseSummary | None:
        chosen = self.state.data.get("_cases") or []
        if len(chosen) != 1:
            return None
        return next((c for c in self.correspondent.open_cases if c.id == chosen[0]), None)

    # --- which case -------------------------------------------------------------------------

    def _case_prompt(self, flow: Flow) -> Reply:
        cases = self.correspondent.open_cases
        choices = [Choice(str(n), short_case_number(c.case_number)) for n, c in enumerate(cases, 1)]
        if flow.all_cases:
            choices.append(Choice(str(len(cases) + 1), self.t("case.all")))
        return Reply(self.t("case.which", count=len(cases)), tuple(choices))

    def _choose_case(self, flow: Flow) -> Reply:
        cases = self.correspondent.open_cases
        answer = keywords.normalize(self.text)
        everything = self.command == keywords.ALL or answer == str(len(cases) + 1)
        if everything and flow.all_cases:
            chosen = [c.id for c in cases]
        elif answer.isdecimal() and 1 <= int(answer) <= len(cases):  # int() reads no "፩"
            chosen = [cases[int(answer) - 1].id]
        else:
            chosen = [
                c.id
                for c in cases
                if keywords.normalize(short_case_number(c.case_number)) == answer
                or keywords.normalize(c.case_number) == answer
            ]
        if len(chosen) == 0:
            return Reply(self.t("error.case"))
        self.state.data["_history"] = [[CASE_STEP, {}]]
        self.state.data["_cases"] = chosen
        return self._begin(flow)

    # --- read-back and filing ---------------------------------------------------------------

    async def _confirm(self, flow: Flow) -> Reply:
        answer = keywords.normalize(self.text)
        if self.command == keywords.YES or answer == "1":
            cases = [c for c in self.correspondent.open_cases if c.id in self.state.data["_cases"]]
            if not cases:  # closed meanwhile
                self.state.clear()
                return Reply(self.t("no_open_case"))
            staff_view = Turn("", None, STAFF_LOCALE, self.today, self._case(), self.state.data)
            payload = {k: v for k, v in self.state.data.items() if not k.startswith("_")}
            await self._file(flow.intent, payload, cases, flow.summary(staff_view))
            self.state.clear()
            # A 1 sent again at once is not the menu's (`just_filed`).
            self.state.data["_filed"] = self.now.isoformat()
            return Reply(self.t(f"filed.{flow.intent}"))
        if self.command == keywords.REDO or answer == "2":
            kept = {"_cases": self.state.data["_cases"]}
            self.state.data = kept
            return self._goto(flow, flow.steps[0].key)
        return Reply(self.t("error.confirm"))

    async def _before_writing(self) -> None:
        if self.unwritten:
            await self.uow.events.add_many(self.unwritten)
        self.unwritten, self.wrote = [], True

    async def _file(self, kind: str, payload: dict, cases: list[CaseSummary], summary: str) -> None:
        await self._before_writing()
        await filings.file(
            self.uow,
            kind=kind,
            payload=payload,
            cases=cases,
            obligor=self.obligor,
            phone=self.correspondent.phone,
            summary=summary,
            now=self.now,
        )
