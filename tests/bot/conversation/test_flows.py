"""Each debtor flow, table by table, over the real engine on a real SQLite file: what the debtor
says, what the engine must answer (a catalog text, or the read-back with its figures), what is
filed, who is told, and what reaches the fake Twilio. Then a wrong answer at every step: the
step's error text, and the flow carries on from that step."""

from __future__ import annotations

import re
import string
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Self

import pytest

from bot.conversation.flow import Turn, pick
from bot.domain.audit import CLI
from bot.domain.filings import ASSET_CATEGORIES
from bot.domain.locales import STAFF_LOCALE
from bot.domain.messages import InboundMessage
from bot.domain.sms import fits
from bot.domain.tasks import Outcome
from bot.domain.texts import format_date, keys, render, resolve, translations
from bot.services.decisions import Actor
from bot.services.dispatch import HOLD_RECHECK
from ducu.bootstrap import Runtime
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import FakeTwilio
from tests.helpers import DEBTOR, SHANGHAI, case_json, judgment, register

CASE = "（2024）浙0522民初1234号"
CASE_2 = "（2024）浙0522民初1235号"
JUDGE = "+8613900000001"
COUNTY_OFFICIAL = "+8613900000011"  # registered for 330522: a shorter prefix of the debtor's area
TOWN_OFFICIAL = "+8613900000012"  # registered for 330522102: the longest prefix
ADMIN = "+8613900000013"
NAMES = {"zh-CN": "林某", "en": "Lin Mou"}


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: these tests are about the conversation, not the database dialect."""
    return sqlite_url


# --- expected replies, read from the catalogs ----------------------------------------------


class Text:
    """A reply that starts with catalog text `key` (choices may follow).

    Given values must appear in their placeholders (a `date` as the locale writes it, a `Text`
    as that text); a placeholder not given matches anything.
    """

    def __init__(self, key: str, **values: object) -> None:
        self.key, self.values = key, values

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.key})"

    def but(self, **changes: object) -> Self:
        """The same text with some values changed."""
        return type(self)(self.key, **{**self.values, **changes})

    def regex(self, locale: str) -> str:
        return catalog_regex(self.key, locale, self.values)

    def check(self, reply: str, locale: str) -> None:
        assert re.match(self.regex(locale), reply, re.DOTALL), (
            f"expected {self.key} {self.values}, got {reply!r}"
        )


class ReadBack(Text):
    """The read-back: `confirm.ask` around the summary text `key`, then submit / start over."""

    def check(self, reply: str, locale: str) -> None:
        text, _, choices = reply.partition("\n")
        outer = catalog_regex("confirm.ask", locale, {"summary": self})
        assert re.fullmatch(outer, text, re.DOTALL), (
            f"expected the read-back {self.key} {self.values}, got {reply!r}"
        )
        yes, redo = render("confirm.yes", locale), render("confirm.redo", locale)
        assert choices == f"1 {yes} 2 {redo}"


def catalog_regex(key: str, locale: str, values: Mapping[str, object]) -> str:
    """The catalog text `key` as a regular expression, with `values` in its placeholders."""
    template = translations(resolve(locale)).gettext(key)
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(_value_regex(values[name], locale) if name in values else ".*?")
    return "".join(parts)


def _value_regex(value: object, locale: str) -> str:
    if isinstance(value, Text):
        return value.regex(locale)
    if isinstance(value, date):
        return re.escape(format_date(value, locale))
    return re.escape(str(value))


# --- a debtor's side of the conversation ----------------------------------------------------


@dataclass
class Chat:
    """The debtor's phone: says a text to the engine, keeps every reply heard."""

    runtime: Runtime
    phone: str = DEBTOR
    heard: list[str] = field(default_factory=list)

    async def say(self, text: str, provider_id: str | None = None) -> str:
        replies = await self.runtime.services.engine.handle(
            InboundMessage("sms", self.phone, text, provider_id=provider_id)
        )
        self.heard += [reply.plain() for reply in replies]
        assert len(replies) == 1
        return replies[0].plain()

    async def say_all(self, text: str) -> list[str]:
        """Says `text`; returns every reply (a long read-back comes in numbered parts)."""
        replies = await self.runtime.services.engine.handle(InboundMessage("sms", self.phone, text))
        self.heard += [reply.plain() for reply in replies]
        return [reply.plain() for reply in replies]

    async def walk(self, steps: tuple[Step, ...], locale: str) -> list[str]:
        """Says each step's text and checks each reply; returns the replies."""
        replies = []
        for label, says, expected in steps:
            reply = await self.say(says)
            try:
                expected.check(reply, locale)
            except AssertionError as exc:
                raise AssertionError(f"at {label!r}, saying {says!r}: {exc}") from None
            replies.append(reply)
        return replies

    def assert_sms_sized(self) -> None:
        too_long = [reply for reply in self.heard if not fits(reply)]
        assert not too_long, f"replies longer than 2 SMS segments: {too_long}"


@pytest.fixture
async def chat(runtime: Runtime) -> AsyncIterator[Chat]:
    """The debtor's chat; at the end, every reply heard must fit in two SMS segments."""
    chat = Chat(runtime)
    yield chat
    chat.assert_sms_sized()


async def open_case(
    runtime: Runtime, clock: FakeClock, locale: str = "zh-CN", case_number: str = CASE
) -> int:
    """Registers the example judgment (effective now) for the debtor in `locale`."""
    obligor = {
        "name": NAMES[locale],
        "phone": DEBTOR,
        "area_code": "330522102201",
        "locale": locale,
    }
    body = judgment(clock.now(), case_number=case_number, obligors=[obligor])
    return await register(runtime, body)


async def add_staff(runtime: Runtime, *, officials: bool = True) -> dict[str, int]:
    """The court's admin and, with `officials`, officials for the county and the township."""
    people = [("admin", "王管理员", ADMIN, None)]
    if officials:
        people += [
            ("official", "县网格员", COUNTY_OFFICIAL, "330522"),
            ("official", "镇网格员", TOWN_OFFICIAL, "330522102"),
        ]
    ids = {}
    for role, name, phone, area in people:
        ids[phone] = await runtime.services.staff.add_user(
            actor=CLI,
            role=role,
            name=name,
            phone=phone,
            area_code=area,
            court_code="浙0522",
            court_name="长兴县人民法院",
        )
    return ids


async def events(runtime: Runtime, case_id: int, prefix: str = "filed_") -> list[dict[str, Any]]:
    """The case's timeline events whose kind starts with `prefix`."""
    view = await case_json(runtime.services, case_id)
    assert view is not None
    return [
        item
        for item in view["timeline"]
        if item["type"] == "event" and item["kind"].startswith(prefix)
    ]


# --- the flows, one table per flow and locale ------------------------------------------------

Step = tuple[str, str, Text]  # (the step the answer is for, what the debtor says, the reply)


@dataclass(frozen=True)
class Path:
    """A flow from the menu to the filed confirmation, and who must be told."""

    kind: str
    locale: str
    steps: tuple[Step, ...]
    notified: tuple[str, ...] = (JUDGE,)  # the phones the notice goes to
    also: tuple[str, ...] = ()  # what the notice carries besides the summary's figures

    @property
    def summary(self) -> ReadBack:
        return next(e for _, _, e in self.steps if isinstance(e, ReadBack))

    def index(self, label: str) -> int:
        return [step[0] for step in self.steps].index(label)


ASSET_ITEMS = ReadBack("assets.summary", count=2, total="80,000")
NO_ASSETS = ReadBack("assets.summary_nothing")
INSTALMENTS = ReadBack(
    "settle.summary_instalments",
    down="10,000",
    count=12,
    amount="10,000",
    day=15,
    first=date(2026, 12, 15),
    last=date(2027, 11, 15),
    total="130,000",
    owed="130,000",
    reduction="",  # it pays all that is owed: no reduction
)
LUMP = ReadBack(
    "settle.summary_lump",
    amount="80,000",
    date=date(2026, 12, 20),
    owed="130,000",
    reduction=Text("settle.reduction"),
)
OFFICIAL_AND_JUDGE = (TOWN_OFFICIAL, JUDGE)

PATHS: dict[str, Path] = {
    "assets/zh-CN": Path(
        "assets",
        "zh-CN",
        (
            ("menu", "1", Text("assets.category")),
            ("category", "2", Text("assets.description")),
            ("description", "工商银行存款", Text("assets.value")),
            ("value", "5万", Text("assets.category_more", count=1)),
            ("category+1", "7", Text("assets.description")),
            ("description+1", "浙E12345小轿车", Text("assets.value")),
            ("value+1", "30000", Text("assets.category_more", count=2)),
            ("category+2", "完成", ASSET_ITEMS),
            ("confirm", "1", Text("filed.assets")),
        ),
        also=("工商银行存款", "50,000", "浙E12345小轿车", "30,000"),
    ),
    "assets/en": Path(
        "assets",
        "en",
        (
            ("menu", "ASSETS", Text("assets.category")),
            ("category", "2", Text("assets.description")),
            ("description", "ICBC savings", Text("assets.value")),
            ("value", "50000", Text("assets.category_more", count=1)),
            ("category+1", "7", Text("assets.description")),
            ("description+1", "car ZJE123", Text("assets.value")),
            ("value+1", "30,000", Text("assets.category_more", count=2)),
            ("category+2", "DONE", ASSET_ITEMS),
            ("confirm", "YES", Text("filed.assets")),
        ),
        also=("ICBC savings", "50,000", "car ZJE123", "30,000"),
    ),
    "no_assets/zh-CN": Path(
        "assets",
        "zh-CN",
        (
            ("menu", "申报财产", Text("assets.category")),
            ("category", "无", NO_ASSETS),
            ("confirm", "确认", Text("filed.assets")),
        ),
    ),
    "no_assets/en": Path(
        "assets",
        "en",
        (
            ("menu", "1", Text("assets.category")),
            ("category", "NONE", NO_ASSETS),
            ("confirm", "Y", Text("filed.assets")),
        ),
    ),
    "hardship/zh-CN": Path(
        "hardship",
        "zh-CN",
        (
            ("menu", "2", Text("hardship.reason")),
            ("reason", "1", Text("hardship.details")),
            (
                "details",
                "突发疾病住院，失去收入",
                ReadBack(
                    "hardship.summary",
                    reason=Text("hardship.illness"),
                    details="突发疾病住院，失去收入",
                ),
            ),
            ("confirm", "1", Text("filed.hardship")),
        ),
        notified=OFFICIAL_AND_JUDGE,
    ),
    "hardship/en": Path(
        "hardship",
        "en",
        (
            ("menu", "HARDSHIP", Text("hardship.reason")),
            ("reason", "4", Text("hardship.details")),
            (
                "details",
                "Lost my job in October",
                ReadBack(
                    "hardship.summary",
                    reason=Text("hardship.unemployment"),
                    details="Lost my job in October",
                ),
            ),
            ("confirm", "YES", Text("filed.hardship")),
        ),
        notified=OFFICIAL_AND_JUDGE,
    ),
    # The reason told, not picked: words that name no reason are "other" and its details.
    "hardship-told/zh-CN": Path(
        "hardship",
        "zh-CN",
        (
            ("menu", "2", Text("hardship.reason")),
            (
                "reason",
                "家里开销太大了",
                ReadBack(
                    "hardship.summary",
                    reason=Text("hardship.other"),
                    details="家里开销太大了",
                ),
            ),
            ("confirm", "1", Text("filed.hardship")),
        ),
        notified=OFFICIAL_AND_JUDGE,
    ),
    "instalments/zh-CN": Path(
        "settle",
        "zh-CN",
        (
            ("menu", "3", Text("settle.kind")),
            ("kind", "1", Text("settle.down")),
            ("down", "1万", Text("settle.count")),
            ("count", "12", Text("settle.amount")),
            ("amount", "10000", Text("settle.day")),
            ("day", "每月15号", INSTALMENTS),
            ("confirm", "1", Text("filed.settle")),
        ),
    ),
    "instalments/en": Path(
        "settle",
        "en",
        (
            ("menu", "SETTLE", Text("settle.kind")),
            ("kind", "1", Text("settle.down")),
            ("down", "10000", Text("settle.count")),
            ("count", "12", Text("settle.amount")),
            ("amount", "10,000", Text("settle.day")),
            ("day", "15th", INSTALMENTS),
            ("confirm", "YES", Text("filed.settle")),
        ),
    ),
    "lump/zh-CN": Path(
        "settle",
        "zh-CN",
        (
            ("menu", "和解", Text("settle.kind")),
            ("kind", "2", Text("settle.lump_amount")),
            ("lump_amount", "8万", Text("settle.lump_date")),
            ("lump_date", "12月20日", LUMP),
            ("confirm", "确认", Text("filed.settle")),
        ),
        also=(render("settle.reduction", STAFF_LOCALE),),
    ),
    "lump/en": Path(
        "settle",
        "en",
        (
            ("menu", "3", Text("settle.kind")),
            ("kind", "2", Text("settle.lump_amount")),
            ("lump_amount", "80000", Text("settle.lump_date")),
            ("lump_date", "Dec 20", LUMP),
            ("confirm", "YES", Text("filed.settle")),
        ),
        also=(render("settle.reduction", STAFF_LOCALE),),
    ),
    "grace/zh-CN": Path(
        "grace",
        "zh-CN",
        (
            ("menu", "4", Text("grace.until")),
            ("until", "2027年1月31日", Text("grace.reason")),
            (
                "reason",
                "年底前工程款到账",
                ReadBack(
                    "grace.summary",
                    until=date(2027, 1, 31),
                    reason="年底前工程款到账",
                    owed="130,000",
                ),
            ),
            ("confirm", "1", Text("filed.grace")),
        ),
    ),
    "grace/en": Path(
        "grace",
        "en",
        (
            ("menu", "GRACE", Text("grace.until")),
            ("until", "2027-01-31", Text("grace.reason")),
            (
                "reason",
                "Waiting for my wages",
                ReadBack(
                    "grace.summary",
                    until=date(2027, 1, 31),
                    reason="Waiting for my wages",
                    owed="130,000",
                ),
            ),
            ("confirm", "YES", Text("filed.grace")),
        ),
    ),
    "paid/zh-CN": Path(
        "paid",
        "zh-CN",
        (
            ("menu", "5", Text("paid.amount")),
            ("amount", "130000", Text("paid.date")),
            ("date", "今天", Text("paid.method")),
            ("method", "1", Text("paid.reference")),
            (
                "reference",
                "HK123456",
                ReadBack(
                    "paid.summary",
                    amount="130,000",
                    date=date(2026, 11, 26),
                    method=Text("paid.court_account"),
                    reference=Text("paid.reference_is", reference="HK123456"),
                    owed="130,000",
                ),
            ),
            ("confirm", "1", Text("filed.paid")),
        ),
    ),
    "paid/en": Path(
        "paid",
        "en",
        (
            ("menu", "PAID", Text("paid.amount")),
            ("amount", "130,000", Text("paid.date")),
            ("date", "today", Text("paid.method")),
            ("method", "2", Text("paid.reference")),
            (
                "reference",
                "SKIP",
                ReadBack(
                    "paid.summary",
                    amount="130,000",
                    date=date(2026, 11, 26),
                    method=Text("paid.creditor"),
                    reference="",
                    owed="130,000",
                ),
            ),
            ("confirm", "YES", Text("filed.paid")),
        ),
    ),
}


# --- 1. every flow, start to finish --------------------------------------------------------


async def check_filed(
    runtime: Runtime,
    fake_twilio: FakeTwilio,
    case_id: int,
    path: Path,
    staff: dict[str, int],
) -> None:
    """One `filed_<kind>` event naming the notified people; their notices at the fake Twilio."""
    view = await case_json(runtime.services, case_id)
    assert view is not None
    staff = {**staff, JUDGE: view["judge"]["id"]}
    roles = {JUDGE: "judge", TOWN_OFFICIAL: "official", ADMIN: "admin"}
    [filed] = await events(runtime, case_id)
    assert filed["kind"] == f"filed_{path.kind}"
    assert filed["detail"]["notified"] == [
        {"role": roles[phone], "user_id": staff[phone]} for phone in path.notified
    ]

    assert await runtime.services.dispatcher.run_once() >= len(path.notified)
    notices = [m for m in fake_twilio.messages if m["To"] != DEBTOR]
    assert sorted(m["To"] for m in notices) == sorted(path.notified)
    values: dict[str, object] = {"case": CASE, "name": NAMES[path.locale], "phone": DEBTOR}
    if path.kind != "agent":
        values["summary"] = path.summary  # in the staff's language, whatever the debtor's
    expected = catalog_regex(f"notify.{path.kind}", STAFF_LOCALE, values)
    # Whoever must act gets the task's reference and how to answer after it.
    how = r"(\n回复“(同意 #\d+”或“拒绝 #\d+ 理由”。(到账金额.*)?|#\d+ 数字 备注”：.*))?"
    how += r"(\nhttps://ducu\.court\.test/console/tasks/\d+)?"  # the task on the console
    # Whoever is told beside a task reads who acts on it (`notify.<kind>.told`).
    told = f"notify.{path.kind}.told"
    copy = catalog_regex(told, STAFF_LOCALE, values) if told in keys() else expected
    for notice in notices:
        lead = expected if "\n回复“" in notice["Body"] else copy
        assert re.fullmatch(lead + how, notice["Body"], re.DOTALL), notice["Body"]
        for figure in path.also:
            assert figure in notice["Body"]


@pytest.mark.parametrize("name", PATHS)
async def test_flow_start_to_filed(
    name: str, chat: Chat, runtime: Runtime, clock: FakeClock, fake_twilio: FakeTwilio
) -> None:
    """The happy path of each flow in each language: every reply, the filing, the notices."""
    path = PATHS[name]
    case_id = await open_case(runtime, clock, path.locale)
    staff = await add_staff(runtime)

    await chat.walk(path.steps, path.locale)

    await check_filed(runtime, fake_twilio, case_id, path, staff)
    view = await case_json(runtime.services, case_id)
    assert view is not None
    awaits = path.kind in ("grace", "settle", "paid")  # a decision: reminders hold
    assert view["status"] == ("awaiting_decision" if awaits else "open")
    # the flow is over: the next message is a fresh one
    assert await chat.say("你好") == render("menu", path.locale)


AGENT = {
    "zh-CN": Path("agent", "zh-CN", (("menu", "6", Text("intent.agent")),), (TOWN_OFFICIAL,)),
    "en": Path("agent", "en", (("menu", "CALL", Text("intent.agent")),), (TOWN_OFFICIAL,)),
}


@pytest.mark.parametrize("locale", AGENT)
async def test_agent_call_back_notifies_the_official(
    locale: str, chat: Chat, runtime: Runtime, clock: FakeClock, fake_twilio: FakeTwilio
) -> None:
    """6 files a call-back request at once; the area's official (longest prefix) gets it."""
    case_id = await open_case(runtime, clock, locale)
    staff = await add_staff(runtime)
    await chat.walk(AGENT[locale].steps, locale)
    await check_filed(runtime, fake_twilio, case_id, AGENT[locale], staff)


async def test_a_call_back_for_several_cases_is_one_task_until_it_is_done(
    chat: Chat, runtime: Runtime, clock: FakeClock, fake_twilio: FakeTwilio
) -> None:
    """A debtor with three cases asks for a call back: the official gets one task naming the
    three, not three; asked again while it is open, nothing more; once the official has
    recorded the call, a new request is a new task."""
    numbers = [CASE, CASE_2, "（2024）浙0522民初1236号"]
    ids = [await open_case(runtime, clock, case_number=number) for number in numbers]
    staff = await add_staff(runtime)
    for _ in range(2):
        Text("intent.agent").check(await chat.say("6"), "zh-CN")
    await runtime.services.dispatcher.run_once()
    [notice] = fake_twilio.to(TOWN_OFFICIAL)
    assert all(number in notice["Body"] for number in numbers), notice["Body"]
    for case_id in ids:  # every request is on every case's record
        assert [e["kind"] for e in await events(runtime, case_id)] == ["filed_agent"] * 2

    clock.advance(days=1)
    Text("intent.agent").check(await chat.say("6"), "zh-CN")
    await runtime.services.dispatcher.run_once()
    assert len(fake_twilio.to(TOWN_OFFICIAL)) == 1  # the first call back is still to make

    ref = int(re.search(r"#(\d+)", notice["Body"]).group(1))
    official = await runtime.services.accounts.member(staff[TOWN_OFFICIAL])
    await runtime.services.decisions.act(Actor(staff=official), ref, Outcome.REACHED)
    Text("intent.agent").check(await chat.say("6"), "zh-CN")
    await runtime.services.dispatcher.run_once()
    assert len(fake_twilio.to(TOWN_OFFICIAL)) == 2


@pytest.mark.parametrize(
    "path",
    [
        PATHS["hardship/zh-CN"],
        Path("agent", "zh-CN", (("menu", "人工", Text("intent.agent")),)),
    ],
    ids=["hardship", "agent"],
)
async def test_without_an_official_the_judge_acts(
    path: Path, chat: Chat, runtime: Runtime, clock: FakeClock, fake_twilio: FakeTwilio
) -> None:
    """No official covers the debtor's area: the judge gets the task an official would, and
    the timeline says so; nobody is promised a call that no one will make."""
    case_id = await open_case(runtime, clock)
    staff = await add_staff(runtime, officials=False)
    await runtime.services.staff.add_user(
        actor=CLI,  # another county's official: not the debtor's
        role="official",
        name="邻县网格员",
        phone="+8613900000019",
        area_code="330523",
    )
    await chat.walk(path.steps, "zh-CN")
    await check_filed(
        runtime, fake_twilio, case_id, Path(path.kind, "zh-CN", path.steps, (JUDGE,)), staff
    )
    [nobody] = await events(runtime, case_id, "no_official")
    assert nobody["detail"]["area_code"] == "330522102201"


async def test_payment_report_holds_debtor_reminders_but_not_the_judges_notice(
    chat: Chat, runtime: Runtime, clock: FakeClock, fake_twilio: FakeTwilio
) -> None:
    """After a payment report the case awaits a decision: the next debtor reminder waits, the
    judge's notice goes."""
    case_id = await open_case(runtime, clock)
    assert await runtime.services.dispatcher.run_once() == 1  # the day-0 reminder
    assert len(fake_twilio.to(DEBTOR)) == 1

    await chat.walk(PATHS["paid/zh-CN"].steps, "zh-CN")
    view = await case_json(runtime.services, case_id)
    assert view is not None and view["status"] == "awaiting_decision"

    clock.advance(days=3)  # the middle reminder is due now, and so is the notice
    assert await runtime.services.dispatcher.run_once() == 2
    assert len(fake_twilio.to(DEBTOR)) == 1  # nothing more to the debtor
    [notice] = fake_twilio.to(JUDGE)
    assert CASE in notice["Body"] and "130,000" in notice["Body"]
    view = await case_json(runtime.services, case_id)
    assert view is not None
    middle = next(r for r in view["reminders"] if r["step"] == "middle")
    assert middle["status"] == "pending"
    assert middle["due_at"] == (clock.now() + HOLD_RECHECK).isoformat()  # asked again later
    # a case awaiting a decision is still live: the debtor can go on talking about it (e.g.
    # declare assets)
    assert (await chat.say("1")).startswith(render("assets.category", "zh-CN"))


# --- 2. a wrong answer at every step --------------------------------------------------------

WRONG: list[tuple[str, str, str, str]] = [
    # (path, step, bad answer, error text)
    ("assets/zh-CN", "category", "12", "error.asset_category"),
    ("assets/zh-CN", "category", "完成", "error.asset_category"),  # done with nothing listed
    ("assets/zh-CN", "description", "   ", "error.text_empty"),
    ("assets/zh-CN", "description", "。。！", "error.asset_description"),
    ("assets/zh-CN", "description", "车", "error.asset_description"),
    ("assets/en", "description", "--", "error.asset_description"),
    ("assets/zh-CN", "value", "很多", "error.amount"),
    ("assets/zh-CN", "value", "0", "error.amount"),  # "0" is an answer here, not help
    ("assets/zh-CN", "category+1", "无", "error.asset_category"),  # none, after an item
    ("assets/zh-CN", "category+2", "0", "error.asset_category"),
    ("assets/zh-CN", "confirm", "3", "error.confirm"),
    ("assets/en", "category", "DONE", "error.asset_category"),
    ("hardship/zh-CN", "reason", "8", "error.choice"),
    ("hardship/zh-CN", "reason", "病", "error.choice"),  # one character tells nothing
    ("hardship/zh-CN", "reason", "好的", "error.choice"),  # nor does a yes
    ("hardship/zh-CN", "reason", "2 失业", "error.choice"),  # which one: the number or 失业?
    ("hardship/zh-CN", "details", " ", "error.text_empty"),
    ("hardship/zh-CN", "confirm", "好的", "error.confirm"),
    ("instalments/zh-CN", "kind", "3", "error.choice"),
    ("instalments/zh-CN", "kind", "0", "error.choice"),
    ("instalments/zh-CN", "kind", "付款", "error.choice"),  # words of both choices
    ("instalments/zh-CN", "kind", "期", "error.choice"),  # one character is no choice
    ("instalments/zh-CN", "down", "一些", "error.amount"),
    ("instalments/zh-CN", "count", "61", "error.instalment_count"),
    ("instalments/zh-CN", "count", "0", "error.instalment_count"),
    ("instalments/zh-CN", "amount", "abc", "error.amount"),
    ("instalments/zh-CN", "day", "31", "error.day_of_month"),
    ("instalments/zh-CN", "day", "月底", "error.day_of_month"),
    ("instalments/zh-CN", "confirm", "4", "error.confirm"),
    ("lump/zh-CN", "lump_amount", "很多", "error.amount"),
    ("lump/zh-CN", "lump_date", "下辈子", "error.date_future"),
    ("lump/zh-CN", "lump_date", "2026-11-20", "error.date_not_future"),
    ("grace/zh-CN", "until", "不知道", "error.date_future"),
    ("grace/zh-CN", "until", "今天", "error.date_not_future"),
    ("grace/zh-CN", "reason", "  ", "error.text_empty"),
    ("paid/zh-CN", "amount", "很多", "error.amount"),
    ("paid/zh-CN", "date", "2026-12-20", "error.date_in_future"),
    ("paid/zh-CN", "date", "某天", "error.date_past"),
    ("paid/en", "date", "someday", "error.date_past"),
    ("paid/zh-CN", "method", "4", "error.choice"),
    ("paid/zh-CN", "method", "没转给法院", "error.choice"),
    ("paid/zh-CN", "method", "法院和原告各付一半", "error.choice"),
    ("paid/zh-CN", "reference", " ", "error.text_empty"),
    ("paid/zh-CN", "confirm", "maybe", "error.confirm"),
    ("paid/en", "date", "tomorrow", "error.date_in_future"),
]


@pytest.mark.parametrize(
    ("name", "step", "bad", "error"),
    WRONG,
    ids=[f"{name}-{step}-{bad.strip() or 'blank'}" for name, step, bad, _ in WRONG],
)
async def test_wrong_answer_gets_the_steps_error_and_the_flow_stays(
    name: str,
    step: str,
    bad: str,
    error: str,
    chat: Chat,
    runtime: Runtime,
    clock: FakeClock,
) -> None:
    """A bad answer gets the step's error text; the right answer then goes on as before, to the
    same read-back and one filing."""
    path = PATHS[name]
    case_id = await open_case(runtime, clock, path.locale)
    at = path.index(step)
    await chat.walk(path.steps[:at], path.locale)

    assert await chat.say(bad) == render(error, path.locale)
    assert await events(runtime, case_id) == []

    await chat.walk(path.steps[at:], path.locale)
    assert [e["kind"] for e in await events(runtime, case_id)] == [f"filed_{path.kind}"]


WORDS: list[tuple[str, str, str]] = [
    # (path, step, the choice's words instead of its number)
    ("instalments/zh-CN", "kind", "分期"),
    ("instalments/zh-CN", "kind", "分期付款。"),
    ("instalments/en", "kind", "Instalments"),
    ("hardship/zh-CN", "reason", "疾病"),
    ("paid/zh-CN", "method", "法院账户"),
    ("paid/zh-CN", "method", "一"),  # a number written in Chinese
    ("lump/zh-CN", "kind", "二"),
    ("lump/zh-CN", "confirm", "一"),
    ("assets/zh-CN", "category+1", "七"),
    ("paid/zh-CN", "method", "转给法院了"),  # words of the choice's own, found anywhere
    ("paid/zh-CN", "method", "打到法院的账上"),
    ("paid/en", "method", "I gave it to the plaintiff"),
    ("assets/zh-CN", "category", "存款"),
    ("assets/zh-CN", "category+1", "车辆"),
]


@pytest.mark.parametrize(("name", "step", "words"), WORDS, ids=[w for _, _, w in WORDS])
async def test_a_choice_may_be_answered_with_its_words(
    name: str, step: str, words: str, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """People answer a choice with its label as often as with its number: words found in one
    choice's label alone are that choice, and the flow files as with the number."""
    path = PATHS[name]
    case_id = await open_case(runtime, clock, path.locale)
    at = path.index(step)
    label, _, expected = path.steps[at]
    await chat.walk(
        [*path.steps[:at], (label, words, expected), *path.steps[at + 1 :]], path.locale
    )
    assert [e["kind"] for e in await events(runtime, case_id)] == [f"filed_{path.kind}"]


@pytest.mark.parametrize(
    ("words", "key"), [("其他", "other"), ("其他动产", "movables"), ("动产", "movables")]
)
def test_words_that_are_a_whole_label_pick_it_though_another_label_holds_them(
    words: str, key: str
) -> None:
    """ "其他" is the label of `other` and also part of "其他动产": the whole label wins."""
    turn = Turn(words, None, "zh-CN", date(2026, 11, 26), None)
    assert pick(turn, "asset", ASSET_CATEGORIES, "error.asset_category") == key


TOLD: list[tuple[str, str]] = [
    # (a hardship told at the reason step, the reason read back)
    ("我失业了，没有收入", "unemployment"),
    ("家里遭了洪水灾害", "disaster"),
    ("年老又残疾，干不了活", "other"),  # two reasons: told, not picked
    ("看病没钱了", "illness"),  # a reason's own words
    ("被裁员了，一直没找到工作", "unemployment"),
    ("家里开销大，入不敷出", "other"),  # no reason named
    ("我不是失业，是看病花光了钱", "illness"),  # a reason denied is not the reason
]


@pytest.mark.parametrize("answer", ["下个月底", "12月20日", "十万块钱", "8万"])
async def test_a_date_or_a_sum_at_the_hardship_reason_is_no_hardship_told(
    answer: str, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """A date or a sum answers another question (the debtor is in the wrong flow): asked
    again, not read back as a hardship of "other" explained by "下个月底"."""
    await open_case(runtime, clock, "zh-CN")
    await chat.walk([("menu", "2", Text("hardship.reason"))], "zh-CN")
    Text("error.choice").check(await chat.say(answer), "zh-CN")


@pytest.mark.parametrize(("words", "reason"), TOLD, ids=[w for w, _ in TOLD])
async def test_a_hardship_told_in_words_is_read_back_with_them(
    words: str, reason: str, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """Asked for the reason, people tell it: words holding one reason's label are that
    reason, other words are "other"; they are the details, read back before anything is
    filed."""
    case_id = await open_case(runtime, clock, "zh-CN")
    told = ReadBack("hardship.summary", reason=Text(f"hardship.{reason}"), details=words)
    await chat.walk(
        [
            ("menu", "2", Text("hardship.reason")),
            ("reason", words, told),
            ("confirm", "1", Text("filed.hardship")),
        ],
        "zh-CN",
    )
    assert [e["kind"] for e in await events(runtime, case_id)] == ["filed_hardship"]


ASSET_TOLD: list[tuple[str, str, str | None]] = [
    # (an asset told at the category step, its category, the description kept, if any)
    ("车", "vehicles", None),
    ("电动车一辆", "vehicles", "电动车一辆"),
    ("农业银行卡里有点钱", "deposits", "农业银行卡里有点钱"),
    ("老家有套房子", "real_estate", "老家有套房子"),
    ("每月工资", "income", "每月工资"),
]


@pytest.mark.parametrize(
    ("words", "category", "kept"), ASSET_TOLD, ids=[w for w, _, _ in ASSET_TOLD]
)
async def test_an_asset_told_at_the_category_step_is_taken(
    words: str, category: str, kept: str | None, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """Asked for the category, people name the thing: its category is taken, and words
    that also describe it are its description, so its value is asked next."""
    await open_case(runtime, clock)
    await chat.walk([("menu", "1", Text("assets.category"))], "zh-CN")
    reply = await chat.say(words)
    if kept is None:
        Text("assets.description").check(reply, "zh-CN")
        await chat.say("浙E12345 电动车")
    else:
        value = "assets.value_income" if category == "income" else "assets.value"
        Text(value).check(reply, "zh-CN")
    await chat.say("3000")
    read_back = await chat.say("完成")
    assert render(f"asset.{category}", "zh-CN") in read_back
    assert (kept or "浙E12345 电动车") in read_back


@pytest.mark.parametrize("words", ["去年卖掉一辆货车", "没有车", "车和房子"])
async def test_an_asset_category_not_clear_is_asked_again(
    words: str, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """A sale names a change and a thing (which category is not clear), a negation, two
    things: the category is asked again."""
    await open_case(runtime, clock)
    await chat.walk([("menu", "1", Text("assets.category"))], "zh-CN")
    Text("error.asset_category").check(await chat.say(words), "zh-CN")


MENU_TOLD: list[tuple[str, Any]] = [
    # (what a debtor writes at the menu in their own words, what they are asked next)
    ("能不能宽限几天", Text("grace.until")),
    ("我想分期还", Text("settle.down")),  # the kind told with it: the down payment next
    ("我想分期，首付两万，剩下的分五期", Text("settle.amount")),  # and terms: the first not told
    ("我想和解", Text("settle.kind")),
    ("我想问下这个钱能不能少还点", Text("settle.kind")),  # to pay less is to settle
    ("剩下的十万块能不能分期还", Text("settle.down")),
    ("想和解，一次性付清八万", Text("settle.lump_date")),  # a lump sum and its amount: the date
    ("我现在生活很困难", Text("hardship.reason")),  # no reason named: it is asked
    # a hardship told with its reason: read back with the words as the details
    *[
        (words, ReadBack("hardship.summary", reason=Text(f"hardship.{reason}"), details=words))
        for words, reason in (
            ("我被裁员了，家里还有两个孩子上学", "unemployment"),
            ("我失业了，暂时还不上", "unemployment"),  # a negation in another clause
            ("被裁员，没有收入", "unemployment"),
            ("老伴生病住院，花光了积蓄", "illness"),
            ("3个月前被裁员了", "unemployment"),  # a number first: still words
        )
    ],
    ("分期不行", Text("menu")),  # a negation in the clause
    ("分期，不行", Text("menu")),  # a refusal alone denies the clause before it
    ("已经还了？还没有", Text("menu")),
    ("我已经付款了", Text("paid.amount")),
    # a payment told with its sum: the sum is kept, and so are the day and the way where
    # they are told; what is not told is asked next
    ("我已经转了5万到法院账户", Text("paid.date")),
    ("剩下的105000元我昨天转到法院账户了", Text("paid.reference")),
    ("剩下的一万七我今天转到法院账户了", Text("paid.reference")),
    ("今天现金付了3000元", Text("paid.reference")),
    ("上个月15号还了三千块", Text("paid.method")),  # 15号 is a day, not a sum
    ("我明天转5万到法院账户", Text("menu")),  # a payment ahead is none made
    ("转了5万，明天再转3万", Text("paid.amount")),  # two sums
    ("2号转了1.5万", Text("paid.method")),  # 1.5万 holds no day
    ("我转了1.5w到法院账户", Text("paid.date")),  # nor 1.5w, 2.5k, 1.2萬
    ("转了2.5k给法院", Text("paid.date")),
    ("我转了1.2萬到法院账户", Text("paid.date")),
    ("我转了3万，流水号20261201", Text("paid.date")),  # a reference is no day
    ("回单号2026-12-01-0001，转了3万", Text("paid.date")),
    ("收到1月5号的短信后今天转了3万", Text("paid.date")),  # two days: which is meant?
    ("已经还了1.5万", Text("paid.date")),
    ("我付了一部分", Text("paid.amount")),  # no sum
    ("转了5万，又转了2万", Text("paid.amount")),  # two sums: which is meant is not clear
    ("我没钱还了", Text("menu")),  # a negation
    ("我要找人工", Text("intent.agent")),
    ("推迟了两天才转，今天转了3万", Text("paid.method")),  # late, not asking for time
    ("抱歉推迟了几天，今天转了3万", Text("paid.method")),
    # only the clauses within a message's first 120 characters are read: 12.5万 is no day
    ("好" * 116 + "，12.5万我已经转到法院账户了", Text("paid.date")),
    # more time, in the words people use for it
    ("能不能延期到下个月15号", Text("grace.reason")),
    ("我想申请缓到下个月15号再还", Text("grace.reason")),
    ("能不能推迟几天", Text("grace.until")),
    ("能不能晚几天还", Text("grace.until")),
    ("不能再推迟了，我马上还", Text("menu")),  # a negation
    ("可不可以分期", Text("settle.down")),  # a question, no negation
    ("剩下的分4期还", Text("settle.down")),  # 分4期 is 分期
    ("能不能分十二个月还", Text("settle.down")),
    ("我不想分期", Text("menu")),  # a negation: which is meant is not clear
    ("分期还是宽限都行", Text("menu")),  # two things
    ("I paid it all", Text("menu")),  # English words are whole answers only ("unpaid")
]


@pytest.mark.parametrize(("words", "asked"), MENU_TOLD, ids=[w for w, _ in MENU_TOLD])
async def test_a_menu_choice_told_in_words_starts_it(
    words: str, asked: Text, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """Outside a flow, the menu's own words found anywhere in a message choose: "能不能宽限几
    天" is 宽限. Not after a negation, not when two are found."""
    await open_case(runtime, clock)
    asked.check(await chat.say(words), "zh-CN")


async def test_a_payments_sum_told_at_the_menu_is_read_back_and_may_be_changed(
    chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    await open_case(runtime, clock)
    Text("paid.date").check(await chat.say("我已经转了5万到法院账户"), "zh-CN")
    Text("paid.amount").check(await chat.say("返回"), "zh-CN")  # back: the sum again
    Text("paid.date").check(await chat.say("五万五"), "zh-CN")
    for answer in ("昨天", "1", "跳过"):
        read_back = await chat.say(answer)
    assert "55,000元" in read_back


async def test_a_payment_told_with_its_day_and_way_is_read_back_as_told(
    chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """ "剩下的一万七我今天转到法院账户了": only the reference is asked; back starts over."""
    await open_case(runtime, clock)
    Text("paid.reference").check(await chat.say("剩下的一万七我今天转到法院账户了"), "zh-CN")
    read_back = await chat.say("跳过")
    today = format_date(clock.now().astimezone(SHANGHAI).date(), "zh-CN")
    assert f"已于{today}转入法院账户17,000元" in read_back
    Text("paid.amount").check(await chat.say("2"), "zh-CN")  # 2 重新填写: from the start


@pytest.mark.parametrize(
    ("answer", "kept"),
    [
        ("没有单号", None),
        ("没有凭证", None),
        ("没有", None),
        ("不记得了", None),
        ("不记得了，尾号1234", "不记得了，尾号1234"),  # a number: kept as told
        ("HK123456", "HK123456"),
    ],
)
async def test_no_payment_reference_said_in_words_is_none(
    answer: str, kept: str | None, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """Asked for a reference, people say they have none in their own words; what holds no
    digit or letter after a negation is no reference."""
    await open_case(runtime, clock)
    for text in ("5", "3万", "昨天", "1"):
        await chat.say(text)
    read_back = await chat.say(answer)
    assert "30,000元" in read_back
    assert ("凭证号" in read_back) == (kept is not None)
    assert kept is None or kept in read_back


KIND_TOLD: list[tuple[str, str, Any]] = [
    # (the settlement's kind told in words, the locale, what is asked next)
    ("一次性付8万", "zh-CN", Text("settle.lump_date")),  # the amount said with it: kept
    ("8万一次付清", "zh-CN", Text("settle.lump_date")),
    ("一次性付清", "zh-CN", Text("settle.lump_amount")),
    ("全款", "zh-CN", Text("settle.lump_amount")),
    ("我想分期", "zh-CN", Text("settle.down")),
    ("按月还", "zh-CN", Text("settle.down")),
    ("分期，首付2万，分12期", "zh-CN", Text("settle.amount")),  # the terms said with it: kept
    ("80000 in full", "en", Text("settle.lump_date")),
    ("monthly please", "en", Text("settle.down")),
    ("monthly, 10000 down, 12 months", "en", Text("settle.down")),  # terms in Chinese only
]


@pytest.mark.parametrize(("words", "locale", "asked"), KIND_TOLD, ids=[w for w, _, _ in KIND_TOLD])
async def test_a_settlement_kind_told_in_words_is_taken(
    words: str, locale: str, asked: Text, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """Asked "instalments or all at once", people say which in their own words, often with
    the sum: the kind is taken, and an amount said with a lump sum is not asked again."""
    await open_case(runtime, clock, locale)
    await chat.walk(
        [("menu", render("keywords.settle", locale).split("|")[0], Text("settle.kind"))], locale
    )
    asked.check(await chat.say(words), locale)
    if asked.key == "settle.lump_date":
        reply = await chat.say("12月20日" if locale == "zh-CN" else "Dec 20")
        LUMP.check(reply, locale)


@pytest.mark.parametrize(
    "words", ["不分期", "不想一次性付", "分期还是一次性都行", "好的", "8万", "一次性付清，做不到"]
)
async def test_a_settlement_kind_not_clear_is_asked_again(
    words: str, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """A negation, both kinds, or no kind at all: which is meant is not clear."""
    await open_case(runtime, clock, "zh-CN")
    await chat.walk([("menu", "3", Text("settle.kind"))], "zh-CN")
    Text("error.choice").check(await chat.say(words), "zh-CN")
    Text("settle.lump_amount").check(await chat.say("2"), "zh-CN")


# The instalment steps in their order, and the answers given to those asked after terms told.
INSTALMENT_STEPS = ("down", "count", "amount", "day", "readback")
INSTALMENT_ANSWERS = {
    "zh-CN": {"down": "1万", "count": "12", "amount": "10000", "day": "每月15号"},
    "en": {"down": "10000", "count": "12", "amount": "10,000", "day": "15th"},
}

TERMS_TOLD: list[tuple[str, str, str, dict[str, int]]] = [
    # (a settlement asked for in words with instalment terms, the locale, the step asked next,
    # the terms kept; the steps asked are answered as INSTALMENT_ANSWERS)
    ("我想分期，首付两万，剩下的分五期", "zh-CN", "amount", {"down": 20_000, "count": 5}),
    ("我想分期，首付2万元", "zh-CN", "count", {"down": 20_000}),
    ("想分期，先付5000", "zh-CN", "count", {"down": 5_000}),
    ("能不能分期，先还一万，剩下的慢慢还", "zh-CN", "count", {"down": 10_000}),
    ("我想分期，首期三万", "zh-CN", "count", {"down": 30_000}),
    ("我想分期，没有首付", "zh-CN", "count", {"down": 0}),
    ("想分期，不付首付，分十二期", "zh-CN", "amount", {"down": 0, "count": 12}),
    ("分期还，首付0，24期", "zh-CN", "amount", {"down": 0, "count": 24}),
    ("我想分期，首付1万，分6个月", "zh-CN", "amount", {"down": 10_000, "count": 6}),
    (
        "我想分期，首付1万，分12期，每个月还八千",
        "zh-CN",
        "day",
        {"down": 10_000, "count": 12, "amount": 8_000},
    ),
    (
        "我想分期，首付1万，分12期，每期1万，每月十号",
        "zh-CN",
        "readback",
        {"down": 10_000, "count": 12, "amount": 10_000, "day": 10},
    ),
    (  # one clause: each term from its own words (not 2万 as the amount, 5期 or 20号 as sums)
        "分期，首付2万分5期每期2.2万每月20号",
        "zh-CN",
        "readback",
        {"down": 20_000, "count": 5, "amount": 22_000, "day": 20},
    ),
    # a later term told before one that is not: the first not told is asked, then the rest
    ("我想分期，剩下的分五期", "zh-CN", "down", {}),
    ("我想分期，每期1万", "zh-CN", "down", {}),
    ("我想分期，每月15号", "zh-CN", "down", {}),
    ("首付2万，分期还", "zh-CN", "count", {"down": 20_000}),
    # a term its step refuses is asked
    ("我想分期，首付2万，分100期", "zh-CN", "count", {"down": 20_000}),
    (
        "想分期，首付2万，分5期，每期2.2万，每月31号",
        "zh-CN",
        "day",
        {"down": 20_000, "count": 5, "amount": 22_000},
    ),
    ("我想分期，首付0元", "zh-CN", "down", {}),  # "0元" is no sum: the step says how
    # a term not clear is asked
    ("我想分期，首付2万或者3万", "zh-CN", "down", {}),  # two sums
    ("我想分期，首付2万或者首付3万", "zh-CN", "down", {}),  # told twice
    ("我想分期，首付两三万", "zh-CN", "down", {}),
    ("我想分期，首付过两个月再给", "zh-CN", "down", {}),  # no sum
    ("我想分期，首付2万，分5期或10期", "zh-CN", "count", {"down": 20_000}),
    ("我想分期，首付2万没问题，分5期", "zh-CN", "down", {}),  # a negation: not clear
    ("我想分期，首付2万，不能分60期", "zh-CN", "count", {"down": 20_000}),
    ("我想分期，先付50", "zh-CN", "down", {}),  # two digits alone are no sum
    # a sum's thousands, a payment's number, what is paid each month first
    (
        "想分期，首付100,000，分5期，每期6000，每月15号",
        "zh-CN",
        "readback",
        {"down": 100_000, "count": 5, "amount": 6_000, "day": 15},
    ),
    ("我想分期，每期5000，第12期还清", "zh-CN", "down", {}),  # not 2 payments
    ("我想分期，首付1万，到第十二期结束", "zh-CN", "count", {"down": 10_000}),
    ("我想分期，每月先还2000，分10期", "zh-CN", "down", {}),  # 2,000 a month, no down payment
    # every locale's words, the debtor's own texts; English words name the kind only
    ("我想分期，首付两万，剩下的分五期", "en", "amount", {"down": 20_000, "count": 5}),
]


@pytest.mark.parametrize(
    ("words", "locale", "asked", "told"),
    TERMS_TOLD,
    ids=[f"{w}/{loc}" for w, loc, _, _ in TERMS_TOLD],
)
async def test_instalment_terms_told_with_the_settlement_are_kept(
    words: str,
    locale: str,
    asked: str,
    told: dict[str, int],
    chat: Chat,
    runtime: Runtime,
    clock: FakeClock,
) -> None:
    """People ask for instalments and say some of the terms in the same message: each is
    kept from its own words, as its step reads it, and the first step not told is asked;
    the read-back states the terms kept and those answered after."""
    await open_case(runtime, clock, locale)
    reply = await chat.say(words)
    for step in INSTALMENT_STEPS[INSTALMENT_STEPS.index(asked) : -1]:
        Text(f"settle.{step}").check(reply, locale)
        reply = await chat.say(INSTALMENT_ANSWERS[locale][step])
    terms = {"down": 10_000, "count": 12, "amount": 10_000, "day": 15, **told}
    total = terms["down"] + terms["count"] * terms["amount"]
    ReadBack(
        "settle.summary_instalments",
        down=f"{terms['down']:,}",
        count=terms["count"],
        amount=f"{terms['amount']:,}",
        day=terms["day"],
        total=f"{total:,}",
        owed="130,000",
        reduction="" if total >= 130_000 else Text("settle.reduction"),
    ).check(reply, locale)


async def test_instalment_terms_all_told_are_read_back_and_filed(
    chat: Chat, runtime: Runtime, clock: FakeClock, fake_twilio: FakeTwilio
) -> None:
    """Every term told at the menu: the read-back comes next, with the plan's figures."""
    case_id = await open_case(runtime, clock)
    staff = await add_staff(runtime)
    read_back = ReadBack(
        "settle.summary_instalments",
        down="20,000",
        count=5,
        amount="22,000",
        day=20,
        first=date(2026, 12, 20),
        last=date(2027, 4, 20),
        total="130,000",
        owed="130,000",
        reduction="",  # 20,000 + 5 × 22,000 is all that is owed
    )
    path = Path(
        "settle",
        "zh-CN",
        (
            ("menu", "想分期还，首付2万，剩下分5期每期2.2万，每月20号", read_back),
            ("confirm", "1", Text("filed.settle")),
        ),
    )
    await chat.walk(path.steps, "zh-CN")
    await check_filed(runtime, fake_twilio, case_id, path, staff)


async def test_back_from_terms_told_goes_to_the_settlements_kind(
    chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """The terms told are the kind step's answer: back asks the kind, and what is told then
    is read anew."""
    await open_case(runtime, clock)
    await chat.walk(
        [
            ("menu", "我想分期，首付两万，剩下的分五期", Text("settle.amount")),
            ("amount", "返回", Text("settle.kind")),
            ("kind", "分期，首付3万", Text("settle.count")),
            ("count", "10", Text("settle.amount")),
            ("amount", "1万", Text("settle.day")),
            ("day", "每月15号", INSTALMENTS.but(down="30,000", count=10, last=date(2027, 9, 15))),
        ],
        "zh-CN",
    )


GRACE_TOLD: list[tuple[str, str, date | None]] = [
    # (a grace asked for at the menu with its date, the locale, the last day kept; None: the
    # date is asked as from the menu)
    ("能不能宽限到月底", "zh-CN", date(2026, 11, 30)),
    ("能不能宽限到下个月15号再还", "zh-CN", date(2026, 12, 15)),
    ("申请宽限至12月20日", "zh-CN", date(2026, 12, 20)),
    ("宽限到2027-01-10，工资还没发", "zh-CN", date(2027, 1, 10)),  # the reason is asked
    ("申请宽限期到明年1月31日", "zh-CN", date(2027, 1, 31)),  # from the 到 after other words
    ("宽限到3个月后", "zh-CN", date(2027, 2, 26)),
    ("宽限到月底，转账单号20261215", "zh-CN", date(2026, 11, 30)),  # not the reference
    ("能不能宽限到月底", "en", date(2026, 11, 30)),  # every locale's words, its own texts
    ("宽限到上个月底", "zh-CN", None),  # in the past
    ("宽限到2026年11月20日", "zh-CN", None),
    ("宽限到26号", "zh-CN", None),  # today's day: this month's or the next?
    ("能不能宽限几天", "zh-CN", None),  # no date
    ("宽限3个月", "zh-CN", None),  # a while, not a day
    ("宽限1.5万", "zh-CN", None),  # a sum, not 1月5日
    ("能不能宽限1.5w到月底", "zh-CN", date(2026, 11, 30)),  # 1.5w is a sum: the day after 到
    ("宽限到12月还3万", "zh-CN", None),  # a month, not a day
    ("能不能宽限一下，我明天去医院", "zh-CN", None),  # a day, but not the grace's
    ("GRACE", "en", None),
]


@pytest.mark.parametrize(
    ("words", "locale", "until"), GRACE_TOLD, ids=[f"{w}/{loc}" for w, loc, _ in GRACE_TOLD]
)
async def test_a_grace_asked_for_with_its_date_asks_the_reason(
    words: str, locale: str, until: date | None, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """People ask for time and say until when in one message: the date is kept, as the date
    step reads it, and the reason is asked next. A date in the past, one not clear, or none:
    the date is asked, and the flow goes on from there."""
    await open_case(runtime, clock, locale)
    reason = "等工资" if locale == "zh-CN" else "Waiting for my wages"
    if until is None:
        Text("grace.until").check(await chat.say(words), locale)
        until = date(2027, 1, 31)
        Text("grace.reason").check(await chat.say(format_date(until, locale)), locale)
    else:
        Text("grace.reason").check(await chat.say(words), locale)
    read_back = ReadBack("grace.summary", until=until, reason=reason, owed="130,000")
    read_back.check(await chat.say(reason), locale)


async def test_a_grace_date_told_at_the_menu_may_be_changed_and_is_filed(
    chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    case_id = await open_case(runtime, clock)
    Text("grace.reason").check(await chat.say("能不能宽限到下个月15号再还"), "zh-CN")
    Text("grace.until").check(await chat.say("返回"), "zh-CN")  # back: the date again
    Text("grace.reason").check(await chat.say("下个月20号"), "zh-CN")
    read_back = ReadBack("grace.summary", until=date(2026, 12, 20), reason="工资还没发")
    read_back.check(await chat.say("工资还没发"), "zh-CN")
    Text("filed.grace").check(await chat.say("1"), "zh-CN")
    assert [e["kind"] for e in await events(runtime, case_id)] == ["filed_grace"]


# --- 3. dates read toward the step's side ----------------------------------------------------


@pytest.mark.parametrize(
    "said", ["11月20日", "昨天", "前天下午3点", "上周五", "4天前", "20号", "周五", "上个月10号"]
)
async def test_a_payment_date_is_read_backward(
    said: str, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """The payment step's own example (11月20日) and the backward words are past dates."""
    await open_case(runtime, clock)
    path = PATHS["paid/zh-CN"]
    await chat.walk(path.steps[: path.index("date")], "zh-CN")
    Text("paid.method").check(await chat.say(said), "zh-CN")


@pytest.mark.parametrize(
    ("said", "until"),
    [("20号", date(2026, 12, 20)), ("下下周一", date(2026, 12, 7)), ("春节", date(2027, 2, 6))],
)
async def test_a_grace_date_is_read_forward(
    said: str, until: date, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    await open_case(runtime, clock)
    path = PATHS["grace/zh-CN"]
    await chat.walk(path.steps[: path.index("until")], "zh-CN")
    Text("grace.reason").check(await chat.say(said), "zh-CN")
    reply = await chat.say("等工资")
    assert format_date(until, "zh-CN") in reply


@pytest.mark.parametrize(
    ("locale", "said", "options"),
    [
        ("zh-CN", "3/4", (date(2027, 3, 4), date(2027, 4, 3))),
        ("zh-CN", "26号", (date(2026, 11, 26), date(2026, 12, 26))),
        ("en", "Dec 1 or Dec 5", (date(2026, 12, 1), date(2026, 12, 5))),
    ],
)
async def test_an_ambiguous_date_is_asked_again_with_the_days_it_may_mean(
    locale: str,
    said: str,
    options: tuple[date, ...],
    chat: Chat,
    runtime: Runtime,
    clock: FakeClock,
) -> None:
    await open_case(runtime, clock, locale)
    path = PATHS[f"grace/{locale}"]
    await chat.walk(path.steps[: path.index("until")], locale)
    reply = await chat.say(said)
    Text("error.date_ambiguous").check(reply, locale)
    for day in options:
        assert format_date(day, locale) in reply
    Text("grace.reason").check(await chat.say(format_date(options[1], locale)), locale)


# --- 4. asset declarations read back whole ----------------------------------------------------

_LONG_ASSETS = [
    ("6", f"长兴县雉城街道某某小区{n}幢2单元501室住房一套，建筑面积约120平方米", f"{n + 1}0万")
    for n in range(1, 7)
] + [("7", f"浙E8888{n} 大众朗逸轿车，2019年购入，现由本人使用", f"{n}万") for n in range(1, 7)]


async def test_a_long_asset_list_is_read_back_whole_in_numbered_parts(
    chat: Chat, runtime: Runtime, clock: FakeClock, fake_twilio: FakeTwilio
) -> None:
    """Twelve long items: every description in full, over parts `1/n`…`n/n` that each fit in
    two SMS segments, the choices on the last; the judge's notice carries them all too."""
    await open_case(runtime, clock)
    await chat.say("1")
    for category, description, value in _LONG_ASSETS:
        for answer in (category, description, value):
            clock.advance(seconds=10)  # as fast as a person types, below the flood limit
            await chat.say(answer)
    parts = await chat.say_all("完成")
    assert len(parts) > 1
    for n, part in enumerate(parts, 1):
        assert part.startswith(f"{n}/{len(parts)} "), part
        assert fits(part), part
    for _, description, _ in _LONG_ASSETS:  # each item whole, in one part
        assert any(description in part for part in parts), description
    assert parts[-1].endswith(
        f"1 {render('confirm.yes', 'zh-CN')} 2 {render('confirm.redo', 'zh-CN')}"
    )

    Text("filed.assets").check(await chat.say("1"), "zh-CN")
    await runtime.services.dispatcher.run_once()
    notices = [m["Body"] for m in fake_twilio.to(JUDGE)]
    assert len(notices) > 1
    assert all(fits(notice, 4) for notice in notices)
    for _, description, _ in _LONG_ASSETS:
        assert any(description in notice for notice in notices), description


async def test_income_is_per_month_and_last_years_changes_are_not_in_the_total(
    chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    await open_case(runtime, clock)
    await chat.walk(
        (
            ("menu", "1", Text("assets.category")),
            ("category", "1", Text("assets.description")),
            ("description", "工厂工资", Text("assets.value_income")),
            ("value", "6000", Text("assets.category_more", count=1)),
            ("category+1", "6", Text("assets.description")),
            ("description+1", "雉城街道住房一套", Text("assets.value")),
            ("value+1", "50万", Text("assets.category_more", count=2)),
            ("category+2", "11", Text("assets.description")),
            ("description+2", "今年3月卖掉一辆货车", Text("assets.value")),
            ("value+2", "8万", Text("assets.category_more", count=3)),
            ("category+3", "完成", ReadBack("assets.summary", count=3, total="500,000")),
        ),
        "zh-CN",
    )
    read_back = chat.heard[-1]
    for key, category, description, value in (
        ("assets.item_monthly", "asset.income", "工厂工资", "6,000"),
        ("assets.item", "asset.real_estate", "雉城街道住房一套", "500,000"),
        ("assets.item_change", "asset.changes", "今年3月卖掉一辆货车", "80,000"),
    ):
        category = render(category, "zh-CN")
        item = render(key, "zh-CN", category=category, description=description, value=value)
        assert item in read_back
