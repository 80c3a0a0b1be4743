"""Who may act on what, whatever the channel: every kind of staff task × (own, foreign) ×
(SMS over the signed Twilio webhook, chat over the Telegram webhook) × (SQLite, PostgreSQL).

Each test builds two cases of one court through the real flows (the debtors' SMS, the staff
decisions that come before, the follow-up pass), opens one task on case A, and then every
staff member who may not act on it tries (case A's own judge, creditor and officials on a task
that is not theirs; the judge, creditor and official of case B; another court's admin; case
B's debtor on case A's counter-proposal): each gets the one neutral answer, and case A's API
view is unchanged to the last byte. Then its own actor does it (in chat by its button), and
it is done, once. The rule is bot/domain/access.py `may_act`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from bot.config import Settings
from bot.domain.audit import CLI
from bot.domain.records import StaffMember
from bot.domain.tasks import Outcome
from bot.domain.texts import render
from bot.services import decisions
from ducu.bootstrap import Runtime
from tests.conftest import make_settings, telegram_settings
from tests.fakes.telegram import FakeTelegram
from tests.handlers.sms_phone import Phone
from tests.handlers.telegram_chat import Chat, texts
from tests.helpers import JUDGMENT, SHANGHAI, case_events, get_case, new_case

COURT = {"court_code": "浙0522", "court_name": "长兴县人民法院"}


@dataclass(frozen=True)
class Person:
    name: str
    phone: str
    chat: int


JUDGE = Person("李法官", JUDGMENT["judge"]["phone"], JUDGMENT["judge"]["telegram_chat_id"])
CREDITOR = Person("杜某", JUDGMENT["creditor"]["phone"], 9002)
DEBTOR = Person("林某", JUDGMENT["obligors"][0]["phone"], 6001)
OFFICIAL = Person("王书记", "+8613900000003", 7001)  # the village of case A's debtor
# Case B: another judge, creditor and debtor, in another county with its own official.
OTHER_JUDGE = Person("王法官", "+8613900000009", 9009)
OTHER_CREDITOR = Person("钱某", "+8613900000008", 9008)
OTHER_DEBTOR = Person("林某2", "+8613800000002", 6002)
OTHER_OFFICIAL = Person("赵主任", "+8613900000005", 7002)
OTHER_ADMIN = Person("孙管理员", "+8613900000006", 7003)  # of another court
# Who may act on more than their own tasks: the court's admin on its judges' and officials'
# tasks, the township's official on its villages' officials' tasks.
ADMIN = Person("张管理员", "+8613900000004", 7004)
TOWNSHIP = Person("赵镇长", "+8613900000010", 7005)
STAFF = (
    JUDGE,
    CREDITOR,
    OFFICIAL,
    TOWNSHIP,
    ADMIN,
    OTHER_JUDGE,
    OTHER_CREDITOR,
    OTHER_OFFICIAL,
    OTHER_ADMIN,
)

# What debtor A sends to file each kind of request by SMS.
GRACE = ("4", "12月20日", "等工资发下来就还", "1")
SETTLE = ("3", "1", "2万", "10", "1.1万", "每月15号", "1")
PAID = ("5", "13万", "昨天", "1", "跳过", "1")
HARDSHIP = ("2", "3", "年过八十，无劳动能力", "1")


@pytest.fixture
def settings(db_url: str, fake_twilio, fake_telegram: FakeTelegram) -> Settings:
    return make_settings(db_url, fake_twilio, **telegram_settings(fake_telegram))


class World:
    """Two cases of one court and everyone around them, each reachable by SMS and, when
    `channel` is chat, linked to a chat too (so notices go there)."""

    def __init__(self, client, clock, runtime: Runtime, fake_telegram, channel: str) -> None:
        self.client, self.clock, self.runtime, self.channel = client, clock, runtime, channel
        self.fake_telegram = fake_telegram
        self.chats: dict[int, Chat] = {}

    def _chat(self, person: Person) -> Chat:
        if person.chat not in self.chats:
            self.chats[person.chat] = Chat(self.client, self.fake_telegram, person.chat)
        return self.chats[person.chat]

    def _party(self, person: Person) -> dict[str, Any]:
        party: dict[str, Any] = {"name": person.name, "phone": person.phone}
        if self.channel == "chat":
            party["telegram_chat_id"] = person.chat
        return party

    async def build(self) -> None:
        self.case = await new_case(
            self.client,
            self.clock,
            judge=self._party(JUDGE),
            creditor={"name": CREDITOR.name, "phone": CREDITOR.phone},
        )
        await new_case(
            self.client,
            self.clock,
            case_number="（2024）浙0522民初2001号",
            judge=self._party(OTHER_JUDGE),
            creditor={"name": OTHER_CREDITOR.name, "phone": OTHER_CREDITOR.phone},
            obligors=[
                {
                    "name": OTHER_DEBTOR.name,
                    "phone": OTHER_DEBTOR.phone,
                    "area_code": "330523100200",
                }
            ],
        )
        staff = self.runtime.services.staff
        for person, extra in (
            (OFFICIAL, {"role": "official", "area_code": "330522102201", **COURT}),
            (TOWNSHIP, {"role": "official", "area_code": "330522102", **COURT}),
            (OTHER_OFFICIAL, {"role": "official", "area_code": "330523100", **COURT}),
            (ADMIN, {"role": "admin", **COURT}),
            (
                OTHER_ADMIN,
                {"role": "admin", "court_code": "浙0523", "court_name": "安吉县人民法院"},
            ),
        ):
            await staff.add_user(actor=CLI, **self._party(person), **extra)
        if self.channel == "chat":
            for debtor in (DEBTOR, OTHER_DEBTOR):
                await self._chat(debtor).share_contact(debtor.phone)
            for creditor in await staff.users(CLI, "creditor"):  # invited, as `ducu user invite`
                person = CREDITOR if creditor.name == CREDITOR.name else OTHER_CREDITOR
                code = await self.runtime.services.links.invite(creditor.id)
                [linked] = texts(await self._chat(person).start(code))
                assert linked.startswith(f"{person.name}，您已以申请执行人身份绑定")

    async def say(self, person: Person, text: str) -> str:
        """`person` writes `text` by this world's channel; our answer."""
        if self.channel == "sms":
            return await Phone(self.client, self.clock, person.phone).say(text)
        chat = self._chat(person)
        chat.news()  # notices that came meanwhile are not the answer
        return "\n".join(texts(await chat.say(text)))

    async def act(self, person: Person, ref: int, option: int) -> str:
        """The actor picks option `option` of task `ref`: by SMS typed, in chat by its button
        (`1` of a debtor's counter-proposal, `#<ref> <n>` of a staff task)."""
        key = str(option) if person in (DEBTOR, OTHER_DEBTOR) else f"#{ref} {option}"
        if self.channel == "sms":
            return await Phone(self.client, self.clock, person.phone).say(key)
        await self.runtime.services.dispatcher.run_once()  # the notice and its buttons
        chat = self._chat(person)
        chat.news()
        return "\n".join(texts(await chat.press(key)))

    async def files(self, flow: tuple[str, ...]) -> None:
        debtor = Phone(self.client, self.clock, DEBTOR.phone)
        for text in flow:
            await debtor.say(text)

    async def view(self) -> dict[str, Any]:
        return await get_case(self.client, self.case)

    async def opened(self, kind: str) -> int:
        """The reference of the latest task of `kind` opened on case A."""
        events = case_events(await self.view(), "task_opened")
        return [e["detail"]["task_id"] for e in events if e["detail"]["task"] == kind][-1]

    async def decide(self, person: Person, kind: str, option: int) -> int:
        """A decision that comes before the one tested, typed by SMS; the task's reference."""
        ref = await self.opened(kind)
        answer = await Phone(self.client, self.clock, person.phone).say(f"#{ref} {option}")
        assert answer.startswith("已办理"), answer
        return ref

    async def judge(self) -> StaffMember:
        member = await self.runtime.services.accounts.member((await self.view())["judge"]["id"])
        assert member is not None
        return member


# --- each kind of task: how it comes to be, its actor, the option taken, what it does -----


async def settle(w: World) -> int:
    await w.files(SETTLE)
    return await w.opened("decide")


async def grace(w: World) -> int:
    await w.files(GRACE)
    return await w.opened("decide")


async def paid(w: World) -> int:
    await w.files(PAID)
    return await w.opened("decide")


async def verify(w: World) -> int:
    await w.files(HARDSHIP)
    return await w.opened("verify")


async def hardship(w: World) -> int:
    await verify(w)
    await w.decide(OFFICIAL, "verify", 1)  # 属实
    return await w.opened("decide")


async def consent(w: World) -> int:
    await settle(w)
    await w.decide(JUDGE, "decide", 1)
    return await w.opened("consent")


async def follow_up(w: World) -> int:
    await w.runtime.services.dispatcher.run_once()  # day 0
    w.clock.advance(days=8)  # and not a word since
    await w.runtime.services.followups.run_once()
    return await w.opened("follow_up")


async def default(w: World) -> int:
    await consent(w)
    await w.decide(CREDITOR, "consent", 1)
    w.clock.set(datetime(2026, 12, 19, 10, 0, tzinfo=SHANGHAI))  # the 15 December went by
    await w.runtime.services.followups.run_once()
    return await w.opened("default")


async def offer(w: World) -> int:
    await settle(w)
    terms = decisions.counter("5000", "12", "10000", "15")
    actor = decisions.Actor(staff=await w.judge())
    await w.runtime.services.decisions.act(
        actor, await w.opened("decide"), Outcome.COUNTER, terms=terms
    )
    return await w.opened("offer")


@dataclass(frozen=True)
class Kind:
    build: Any
    actor: Person
    option: int
    status: str  # case A's status after the actor's decision
    filing: str | None  # the filing's status after it (None: no filing)
    also: tuple[Person, ...] = (ADMIN,)  # who else may act on it: all other staff may not


OVERSEERS = (ADMIN, TOWNSHIP)
PARTY = ()  # a party's own answer: nobody answers for them
KINDS = {
    "decide-settle": Kind(settle, JUDGE, 1, "awaiting_decision", "in_review"),
    "decide-grace": Kind(grace, JUDGE, 1, "grace", "accepted"),
    "decide-paid": Kind(paid, JUDGE, 1, "performed", "accepted"),
    "decide-hardship": Kind(hardship, JUDGE, 2, "exited", "accepted"),
    "consent": Kind(consent, CREDITOR, 1, "plan", "accepted", PARTY),
    "verify": Kind(verify, OFFICIAL, 1, "open", "in_review", OVERSEERS),
    "follow_up": Kind(follow_up, OFFICIAL, 1, "open", None, OVERSEERS),
    "default": Kind(default, JUDGE, 1, "open", "accepted"),
    "offer": Kind(offer, DEBTOR, 1, "awaiting_decision", "in_review", PARTY),
}


@pytest.mark.parametrize("channel", ["sms", "chat"])
@pytest.mark.parametrize("kind", list(KINDS))
async def test_only_its_actor_may_act_on_a_task(
    kind: str, channel: str, client, clock, runtime, fake_telegram
) -> None:
    world = World(client, clock, runtime, fake_telegram, channel)
    await world.build()
    spec = KINDS[kind]
    ref = await spec.build(world)
    before = await world.view()

    neutral = render("staff.no_such_item", ref=ref)
    for person in STAFF:
        if person == spec.actor or person in spec.also:
            continue
        for command in (f"同意 #{ref}", f"#{ref} {spec.option}", f"拒绝 #{ref} 不同意"):
            assert await world.say(person, command) == neutral, (person.name, command)
    if kind == "offer":  # the other debtor's 1 is theirs: it reaches no one else's offer
        await world.say(OTHER_DEBTOR, "1")
    assert await world.view() == before, "a foreign attempt changed case A"

    answer = await world.act(spec.actor, ref, spec.option)
    assert answer.startswith(("已办理", "您已接受")), answer
    after = await world.view()
    assert after["status"] == spec.status
    if spec.filing is not None:
        assert after["filings"][-1]["status"] == spec.filing
    decided = [e for e in case_events(after, "decided") if e["detail"]["task_id"] == ref]
    assert len(decided) == 1


@pytest.mark.parametrize("channel", ["sms", "chat"])
@pytest.mark.parametrize(
    ("kind", "person"),
    [("decide-grace", ADMIN), ("default", ADMIN), ("follow_up", ADMIN), ("verify", TOWNSHIP)],
)
async def test_the_courts_admin_and_the_townships_official_may_act_for_others(
    kind: str, person: Person, channel: str, client, clock, runtime, fake_telegram
) -> None:
    world = World(client, clock, runtime, fake_telegram, channel)
    await world.build()
    spec = KINDS[kind]
    ref = await spec.build(world)
    answer = await world.say(person, f"#{ref} {spec.option}")
    assert answer == render("staff.done", ref=ref, outcome=answer.split(" ", 1)[1][:-1])
    after = await world.view()
    assert after["status"] == spec.status
    [decided] = [e for e in case_events(after, "decided") if e["detail"]["task_id"] == ref]
    assert decided["detail"]["user_id"] is not None
