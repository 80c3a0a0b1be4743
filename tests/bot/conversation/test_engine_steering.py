"""Steering a flow over the real engine on a real SQLite file: BACK, CANCEL, start over, help,
the choice of case when one phone has several, idle flows parked and dropped, and a provider's
retry of the same message."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import date

import pytest

from bot.domain.case_number import short_case_number
from bot.domain.locales import STAFF_LOCALE
from bot.domain.texts import render
from ducu.bootstrap import Runtime
from tests.bot.conversation.test_flows import (
    CASE,
    CASE_2,
    INSTALMENTS,
    JUDGE,
    PATHS,
    Chat,
    Text,
    events,
    open_case,
)
from tests.fakes.clock import FakeClock
from tests.fakes.twilio import FakeTwilio
from tests.helpers import case_json

ZH = "zh-CN"
# The Chinese paths, one per flow (and both kinds of settlement).
FLOWS = ["assets/zh-CN", "hardship/zh-CN", "instalments/zh-CN", "lump/zh-CN"]
FLOWS += ["grace/zh-CN", "paid/zh-CN"]


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite only: these tests are about the conversation, not the database dialect."""
    return sqlite_url


@pytest.fixture
async def chat(runtime: Runtime) -> AsyncIterator[Chat]:
    """The debtor's chat; at the end, every reply heard must fit in two SMS segments."""
    chat = Chat(runtime)
    yield chat
    chat.assert_sms_sized()


async def nothing_filed(runtime: Runtime, case_id: int) -> bool:
    """No filing event on the case and no notice queued for it."""
    view = await case_json(runtime.services, case_id)
    assert view is not None
    filed = [i for i in view["timeline"] if i["type"] == "event" and i["kind"].startswith("filed_")]
    notices = [r for r in view["reminders"] if r["step"].startswith("notice:")]
    return filed == [] and notices == []


# --- BACK -----------------------------------------------------------------------------------


def steps_of_every_flow(first: int) -> list[tuple[str, str]]:
    """(path, step) for each flow's steps from the `first`-th answer on; a step two paths
    share (a settlement's kind and read-back) once."""
    seen, found = set(), []
    for name in FLOWS:
        for label, _, _ in PATHS[name].steps[first:]:
            if (PATHS[name].kind, label) not in seen:
                seen.add((PATHS[name].kind, label))
                found.append((name, label))
    return found


BACK_AT = steps_of_every_flow(2)  # every step that has a step before it


@pytest.mark.parametrize(("name", "step"), BACK_AT, ids=[f"{n}-{s}" for n, s in BACK_AT])
async def test_back_returns_to_the_previous_prompt_with_its_data(
    name: str, step: str, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """BACK re-asks the step before, as it was asked; answering it again goes on to the same
    read-back (a step's answer taken back is not kept twice, e.g. an asset item)."""
    path = PATHS[name]
    case_id = await open_case(runtime, clock)
    at = path.index(step)
    replies = await chat.walk(path.steps[:at], ZH)

    assert await chat.say("返回") == replies[at - 2]
    await chat.walk(path.steps[at - 1 :], ZH)
    assert [e["kind"] for e in await events(runtime, case_id)] == [f"filed_{path.kind}"]


async def test_back_then_a_new_answer_replaces_the_old_one(
    chat: Chat, runtime: Runtime, clock: FakeClock, fake_twilio: FakeTwilio
) -> None:
    """Back from the day of month to the instalment amount: the read-back and the judge's notice
    show the new amount and total, not the old."""
    await open_case(runtime, clock)
    path = PATHS["instalments/zh-CN"]
    await chat.walk(path.steps[: path.index("day")], ZH)  # at the day-of-month step

    assert await chat.say("返回") == render("settle.amount", ZH)
    changed = INSTALMENTS.but(amount="8,000", total="106,000", reduction=Text("settle.reduction"))
    await chat.walk(
        (
            ("amount", "8000", Text("settle.day")),
            ("day", "15", changed),
            ("confirm", "1", Text("filed.settle")),
        ),
        ZH,
    )
    await runtime.services.dispatcher.run_once()
    [notice] = fake_twilio.to(JUDGE)
    assert re.search(changed.regex(STAFF_LOCALE), notice["Body"]), notice["Body"]


@pytest.mark.parametrize("name", FLOWS)
async def test_back_at_the_first_step_says_so(
    name: str, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """BACK with no step before (a single case): `flow.first_step`, and the step stays."""
    path = PATHS[name]
    await open_case(runtime, clock)
    await chat.walk(path.steps[:1], ZH)
    assert await chat.say("返回") == render("flow.first_step", ZH)
    assert await chat.say("BACK") == render("flow.first_step", ZH)
    await chat.walk(path.steps[1:], ZH)  # still at the first step, and goes on from there


# --- CANCEL ---------------------------------------------------------------------------------

CANCEL_AT = steps_of_every_flow(1)


@pytest.mark.parametrize(("name", "step"), CANCEL_AT, ids=[f"{n}-{s}" for n, s in CANCEL_AT])
async def test_cancel_anywhere_files_nothing(
    name: str, step: str, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """CANCEL at any step: `flow.cancelled`, no filing, no notice, and the flow is gone."""
    path = PATHS[name]
    case_id = await open_case(runtime, clock)
    await chat.walk(path.steps[: path.index(step)], ZH)

    assert await chat.say("取消") == render("flow.cancelled", ZH)
    assert await nothing_filed(runtime, case_id)
    # the flow is gone: its answer is now just an unknown message (or a menu pick)
    assert await chat.say("随便") == render("menu", ZH)


async def test_cancel_in_english_at_the_case_choice(
    chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """CANCEL works at the case choice too, in any case of letters."""
    first = await open_case(runtime, clock)
    second = await open_case(runtime, clock, case_number=CASE_2)
    Text("case.which", count=2).check(await chat.say("1"), ZH)
    assert await chat.say("cancel") == render("flow.cancelled", ZH)
    assert await nothing_filed(runtime, first) and await nothing_filed(runtime, second)


async def test_a_payments_sum_told_before_the_case_choice_is_kept_for_the_case_chosen(
    chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    await open_case(runtime, clock)
    await open_case(runtime, clock, case_number=CASE_2)
    Text("case.which", count=2).check(await chat.say("我已经转了5万到法院账户"), ZH)
    Text("paid.date").check(await chat.say("2"), ZH)  # the sum told is not asked for
    Text("paid.amount").check(await chat.say("返回"), ZH)  # and is a step back
    Text("case.which", count=2).check(await chat.say("返回"), ZH)


# --- start over, help -----------------------------------------------------------------------


@pytest.mark.parametrize("redo", ["修改", "2"])
async def test_redo_at_the_read_back_starts_over(
    redo: str, chat: Chat, runtime: Runtime, clock: FakeClock, fake_twilio: FakeTwilio
) -> None:
    """Start over from the read-back: the first step again, and only the new answers filed."""
    case_id = await open_case(runtime, clock)
    instalments, lump = PATHS["instalments/zh-CN"], PATHS["lump/zh-CN"]
    replies = await chat.walk(instalments.steps[:-1], ZH)  # at an instalment plan's read-back
    first_question = replies[0]

    assert await chat.say(redo) == first_question
    await chat.walk(lump.steps[1:], ZH)  # now a lump sum

    [filed] = await events(runtime, case_id)
    assert filed["kind"] == "filed_settle"
    await runtime.services.dispatcher.run_once()
    [notice] = fake_twilio.to(JUDGE)
    assert "80,000" in notice["Body"] and render("settle.reduction", ZH) in notice["Body"]
    assert "10,000" not in notice["Body"]


@pytest.mark.parametrize("word", ["帮助", "HELP", "？"])
async def test_help_inside_a_flow_explains_and_keeps_the_step(
    word: str, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """A help word inside a flow gets `flow.help`; the step's answer is still awaited."""
    await open_case(runtime, clock)
    path = PATHS["instalments/zh-CN"]
    at = path.index("count")
    await chat.walk(path.steps[:at], ZH)
    assert await chat.say(word) == render("flow.help", ZH)
    await chat.walk(path.steps[at:], ZH)


@pytest.mark.parametrize("zero", ["0", "零", "０"])
async def test_zero_is_an_answer_inside_a_flow_not_help(
    zero: str, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """“0” at the down-payment step means no down payment (outside a flow it means help)."""
    await open_case(runtime, clock)
    no_down = INSTALMENTS.but(down="0", total="120,000", reduction=Text("settle.reduction"))
    await chat.walk(
        (
            ("menu", "3", Text("settle.kind")),
            ("kind", "1", Text("settle.down")),
            ("down", zero, Text("settle.count")),
            ("count", "12", Text("settle.amount")),
            ("amount", "10000", Text("settle.day")),
            ("day", "15", no_down),
            ("confirm", "1", Text("filed.settle")),
        ),
        ZH,
    )
    assert await chat.say(zero) == render("help", ZH)  # outside a flow: help


# --- several open cases on one phone --------------------------------------------------------

CHOICES = [
    # (flow, what the debtor picks, which cases get the filing: 1 and/or 2)
    ("instalments/zh-CN", "1", (1,)),
    ("instalments/zh-CN", "民初1235", (2,)),
    ("instalments/zh-CN", "（2024）浙0522民初1235号", (2,)),
    ("grace/zh-CN", "2", (2,)),
    ("assets/zh-CN", "全部", (1, 2)),
    ("assets/zh-CN", "3", (1, 2)),  # the number after the last case: all of them
    ("hardship/zh-CN", "ALL", (1, 2)),
    ("hardship/zh-CN", "民初1234", (1,)),
]


@pytest.mark.parametrize(("name", "pick", "chosen"), CHOICES)
async def test_several_cases_ask_which_and_file_on_the_chosen(
    name: str, pick: str, chosen: tuple[int, ...], chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """Two open cases on one phone: the engine asks which (ALL offered for assets and
    hardship only), takes a number, the short or the full case number, or ALL, and files on
    the chosen cases only."""
    path = PATHS[name]
    cases = {
        1: await open_case(runtime, clock),
        2: await open_case(runtime, clock, case_number=CASE_2),
    }

    which = await chat.say(path.steps[0][1])
    Text("case.which", count=2).check(which, ZH)
    offered = [short_case_number(CASE), short_case_number(CASE_2)]
    flow = PATHS[name].kind
    if flow in ("assets", "hardship"):
        offered.append(render("case.all", ZH))
    assert which.split("\n")[1] == " ".join(f"{n} {label}" for n, label in enumerate(offered, 1))

    path.steps[0][2].check(await chat.say(pick), ZH)  # the flow's first question
    await chat.walk(path.steps[1:], ZH)
    for number, case_id in cases.items():
        filed = [e["kind"] for e in await events(runtime, case_id)]
        assert filed == ([f"filed_{flow}"] if number in chosen else []), number


@pytest.mark.parametrize("everything", ["全部", "ALL", "3"])
async def test_a_settlement_is_for_one_case_only(
    everything: str, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """ALL is offered for assets and hardship only: a settlement asks for one case."""
    first = await open_case(runtime, clock)
    second = await open_case(runtime, clock, case_number=CASE_2)
    Text("case.which", count=2).check(await chat.say("3"), ZH)
    assert await chat.say(everything) == render("error.case", ZH)
    assert await chat.say("民初9999") == render("error.case", ZH)
    Text("settle.kind").check(await chat.say("2"), ZH)
    await chat.walk(PATHS["instalments/zh-CN"].steps[1:], ZH)
    assert await nothing_filed(runtime, first)
    assert [e["kind"] for e in await events(runtime, second)] == ["filed_settle"]


async def test_back_at_the_first_step_returns_to_the_case_choice(
    chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """With several cases, BACK from the first step re-asks which case; the new pick counts."""
    first = await open_case(runtime, clock)
    second = await open_case(runtime, clock, case_number=CASE_2)
    path = PATHS["grace/zh-CN"]
    which = await chat.say("4")
    Text("grace.until").check(await chat.say("1"), ZH)
    assert await chat.say("返回") == which
    assert await chat.say("返回") == render("flow.first_step", ZH)
    Text("grace.until").check(await chat.say("2"), ZH)
    await chat.walk(path.steps[1:], ZH)
    assert await nothing_filed(runtime, first)
    assert [e["kind"] for e in await events(runtime, second)] == ["filed_grace"]


async def test_a_1_sent_again_right_after_a_filing_is_not_the_asset_menu_item(
    chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """The read-back's `1` sent twice (a double tap, a phone that sends again): the second
    says it is done; a `1` after that, or minutes later, is the menu's 1 again."""
    case_id = await open_case(runtime, clock)
    await chat.walk(PATHS["grace/zh-CN"].steps, ZH)  # ends with the read-back's 1
    assert await chat.say("1") == render("filed.again", ZH)
    Text("assets.category").check(await chat.say("1"), ZH)
    assert [e["kind"] for e in await events(runtime, case_id)] == ["filed_grace"]

    await chat.say("取消")
    await chat.walk(PATHS["paid/zh-CN"].steps, ZH)
    clock.advance(minutes=3)
    Text("assets.category").check(await chat.say("1"), ZH)

    # both taps at once, long after the read-back was shown: handled in one group
    await chat.say("取消")
    await chat.walk(PATHS["grace/zh-CN"].steps[:-1], ZH)
    clock.advance(minutes=3)
    taps = [chat.say("1", provider_id=f"SMtap{n}") for n in (1, 2)]
    assert await asyncio.gather(*taps) == [render("filed.grace", ZH), render("filed.again", ZH)]


# --- idle flows -----------------------------------------------------------------------------


@pytest.mark.parametrize("resume", ["继续", "RESUME"])
async def test_a_flow_idle_half_an_hour_is_parked_then_resumed(
    resume: str, chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """After 31 minutes the answer is not taken: the engine asks whether to go on; 继续
    re-asks the step, and the flow completes as if never left."""
    case_id = await open_case(runtime, clock)
    path = PATHS["instalments/zh-CN"]
    at = path.index("down")
    await chat.walk(path.steps[:at], ZH)

    clock.advance(minutes=31)
    parked = render("flow.resume", ZH, flow=render("flow.settle", ZH))
    assert await chat.say("20000") == parked
    assert await chat.say("20000") == parked  # still parked: no answer is taken
    assert await chat.say(resume) == render("settle.down", ZH)
    await chat.walk(path.steps[at:], ZH)  # down payment 10,000 as in the table, not 20,000
    assert [e["kind"] for e in await events(runtime, case_id)] == ["filed_settle"]


async def test_zero_while_parked_is_an_answer_held_back_not_help(
    chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """“0” (no down payment) after a pause gets the same question as any other answer; it
    neither drops the flow nor is taken."""
    case_id = await open_case(runtime, clock)
    path = PATHS["instalments/zh-CN"]
    at = path.index("down")
    await chat.walk(path.steps[:at], ZH)
    clock.advance(minutes=31)
    assert await chat.say("0") == render("flow.resume", ZH, flow=render("flow.settle", ZH))
    assert await chat.say("继续") == render("settle.down", ZH)
    await chat.walk(path.steps[at:], ZH)
    assert [e["kind"] for e in await events(runtime, case_id)] == ["filed_settle"]


async def test_a_parked_flow_can_be_cancelled(
    chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """CANCEL while parked drops the flow without filing."""
    case_id = await open_case(runtime, clock)
    await chat.walk(PATHS["grace/zh-CN"].steps[:2], ZH)
    clock.advance(minutes=45)
    Text("flow.resume").check(await chat.say("理由"), ZH)
    assert await chat.say("取消") == render("flow.cancelled", ZH)
    assert await nothing_filed(runtime, case_id)


async def test_a_flow_idle_a_day_is_dropped(chat: Chat, runtime: Runtime, clock: FakeClock) -> None:
    """After 25 hours the old flow is gone: “1” is the menu's asset declaration, not the
    settlement's instalment count it would have been."""
    case_id = await open_case(runtime, clock)
    path = PATHS["instalments/zh-CN"]
    await chat.walk(path.steps[: path.index("count")], ZH)

    clock.advance(hours=25)
    await chat.walk(PATHS["no_assets/zh-CN"].steps, ZH)
    assert [e["kind"] for e in await events(runtime, case_id)] == ["filed_assets"]


async def test_a_menu_word_while_parked_starts_that_flow_a_bare_number_is_held(
    chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """A menu word while parked starts that flow; a bare number may be a late answer to the
    parked step, so it is held back. The parked flow is never filed."""
    case_id = await open_case(runtime, clock)
    await chat.walk(PATHS["grace/zh-CN"].steps[:2], ZH)  # at the grace reason
    clock.advance(minutes=40)
    parked = render("flow.resume", ZH, flow=render("flow.grace", ZH))
    assert await chat.say("2") == parked
    assert await chat.say("帮助") == render("help", ZH)  # help, and the flow stays parked
    assert (await chat.say("报告困难")).startswith(render("hardship.reason", ZH))
    await chat.walk(PATHS["hardship/zh-CN"].steps[1:], ZH)
    assert [e["kind"] for e in await events(runtime, case_id)] == ["filed_hardship"]


# --- a provider's retry ---------------------------------------------------------------------


async def test_the_same_inbound_message_twice_advances_the_flow_once(
    chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """A retried webhook (same provider id) gets the same answer and no second step: had the
    10000 been taken twice, it would have been read as the number of instalments."""
    case_id = await open_case(runtime, clock)
    path = PATHS["instalments/zh-CN"]
    at = path.index("down")
    await chat.walk(path.steps[:at], ZH)

    first = await chat.say("10000", provider_id="SM" + "1" * 32)
    assert first == render("settle.count", ZH)
    assert await chat.say("10000", provider_id="SM" + "1" * 32) == first
    await chat.walk(path.steps[at + 1 :], ZH)
    assert [e["kind"] for e in await events(runtime, case_id)] == ["filed_settle"]


async def test_dates_in_the_read_back_follow_the_debtors_today(
    chat: Chat, runtime: Runtime, clock: FakeClock
) -> None:
    """The first instalment is the next 15th after the debtor's local today."""
    await open_case(runtime, clock)
    clock.advance(days=20)  # 16 December: the 15th has passed this month
    later = INSTALMENTS.but(first=date(2027, 1, 15), last=date(2027, 12, 15))
    steps = PATHS["instalments/zh-CN"].steps
    await chat.walk((*steps[:-2], ("day", "15", later), steps[-1]), ZH)
