"""How the Telegram channel runs: polling for local use, webhook registration, per-chat order
in memory or Redis (for several processes) with no aiogram state, and the outbound rate limit."""

from __future__ import annotations

import asyncio
import gc
import os

import pytest

from bot.domain.locales import DEFAULT_LOCALE, LOCALES, language
from bot.domain.status import InboxClaim
from bot.domain.texts import render
from ducu.bootstrap import build
from handlers.telegram.channel import COMMANDS
from handlers.telegram.isolation import ChatLocks, NoState
from handlers.telegram.limiter import RateLimit
from tests.conftest import PUBLIC_URL, TELEGRAM_SECRET, make_settings, telegram_settings
from tests.fakes.clock import FakeClock
from tests.fakes.telegram import FakeTelegram
from tests.handlers.telegram_chat import Chat, button_data
from tests.helpers import DEBTOR, new_case

REDIS_URL = os.environ.get("DUCU_TEST_REDIS_URL", "")
DEBTOR_CHAT = 5550001


async def until(condition) -> None:
    """Polls `condition` for up to 5 s (the fake records calls; it has no event to wait on)."""
    for _ in range(250):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def start_in_webhook_mode(
    sqlite_url: str, fake_twilio, fake_telegram: FakeTelegram, clock: FakeClock
) -> None:
    """Builds the service, starts its Telegram channel (webhook mode), and closes it."""
    runtime = await build(
        make_settings(sqlite_url, fake_twilio, **telegram_settings(fake_telegram)), clock=clock
    )
    try:
        await runtime.start_chat()
    finally:
        await runtime.close()


async def test_polling_mode_answers_without_a_public_url(
    sqlite_url: str, fake_twilio, fake_telegram: FakeTelegram, clock: FakeClock
) -> None:
    settings = make_settings(
        sqlite_url,
        fake_twilio,
        **telegram_settings(
            fake_telegram, DUCU_TELEGRAM_MODE="polling", TELEGRAM_WEBHOOK_SECRET=""
        ),
    )
    runtime = await build(settings, clock=clock)
    try:
        await runtime.start_chat()
        fake_telegram.queue_update(fake_telegram.text_update(DEBTOR_CHAT, "hello"))
        await until(lambda: fake_telegram.sent(DEBTOR_CHAT))
        [welcome] = fake_telegram.sent(DEBTOR_CHAT)
        assert welcome["text"] == render("tg.welcome")
        assert "deleteWebhook" in fake_telegram.methods()
        await runtime.stop_chat()
    finally:
        await runtime.close()
    # Polled updates go through the same inbox: each is handled once.
    assert len(fake_telegram.sent(DEBTOR_CHAT)) == 1


async def test_webhook_mode_registers_the_public_url_with_its_secret(
    sqlite_url: str, fake_twilio, fake_telegram: FakeTelegram, clock: FakeClock
) -> None:
    await start_in_webhook_mode(sqlite_url, fake_twilio, fake_telegram, clock)
    [registered] = fake_telegram.of("setWebhook")
    assert registered["url"] == PUBLIC_URL + "/telegram/webhook"
    assert registered["secret_token"] == TELEGRAM_SECRET
    assert set(registered["allowed_updates"]) == {"message", "callback_query"}


async def test_the_command_menus_come_from_the_catalogs_one_per_language(
    sqlite_url: str, fake_twilio, fake_telegram: FakeTelegram, clock: FakeClock
) -> None:
    await start_in_webhook_mode(sqlite_url, fake_twilio, fake_telegram, clock)
    menus = {
        call.get("language_code"): {c["command"]: c["description"] for c in call["commands"]}
        for call in fake_telegram.of("setMyCommands")
    }
    others = {language(tag): tag for tag in LOCALES if tag != DEFAULT_LOCALE}
    readers = {None: DEFAULT_LOCALE, **others}
    assert menus == {
        code: {name: render(f"tg.command.{name}", locale) for name in COMMANDS}
        for code, locale in readers.items()
    }
    assert menus[None]["cases"] == "在办案件 (staff)"
    assert menus["en"]["cases"] == "Open cases (staff)"


def test_webhook_mode_without_a_secret_is_refused_at_start(sqlite_url: str) -> None:
    with pytest.raises(ValueError, match="TELEGRAM_WEBHOOK_SECRET must be set"):
        make_settings(sqlite_url, None, TELEGRAM_BOT_TOKEN="1:x", DUCU_TELEGRAM_MODE="webhook")
    with pytest.raises(ValueError, match="only A-Z a-z 0-9"):
        make_settings(sqlite_url, None, TELEGRAM_BOT_TOKEN="1:x", TELEGRAM_WEBHOOK_SECRET="a b")


async def test_an_unreachable_bot_api_at_start_leaves_the_rest_running(
    sqlite_url: str, fake_twilio, clock: FakeClock, aiohttp_client
) -> None:
    fake = FakeTelegram(url="http://127.0.0.1:9")  # nothing listens on the discard port
    settings = make_settings(sqlite_url, fake_twilio, **telegram_settings(fake))
    runtime = await build(settings, clock=clock)
    try:
        await runtime.start_chat()  # logs the failure, raises nothing
        client = await aiohttp_client(runtime.web_app())
        assert (await client.get("/healthz")).status == 200
    finally:
        await runtime.close()


async def test_chats_that_wrote_leave_nothing_behind_in_memory(
    sqlite_url: str, fake_twilio, fake_telegram: FakeTelegram, clock: FakeClock, aiohttp_client
) -> None:
    """Without Redis, aiogram's memory storage and isolation kept an entry for every chat that
    ever wrote; now a chat's lock lives while its update is handled, and no state is kept."""
    settings = make_settings(sqlite_url, fake_twilio, **telegram_settings(fake_telegram))
    runtime = await build(settings, clock=clock)
    try:
        client = await aiohttp_client(runtime.web_app())
        fsm = runtime.telegram.dispatcher.fsm
        assert isinstance(fsm.storage, NoState) and isinstance(fsm.events_isolation, ChatLocks)
        chats = [Chat(client, fake_telegram, 7_000_000 + n) for n in range(40)]
        answers = await asyncio.gather(*(chat.say("你好") for chat in chats))
        assert all(len(answer) == 1 for answer in answers)  # each stranger got its answer
        gc.collect()
        assert fsm.events_isolation.chats == 0
    finally:
        await runtime.close()


@pytest.mark.skipif(not REDIS_URL, reason="DUCU_TEST_REDIS_URL is not set (CI starts Redis)")
async def test_two_processes_share_one_bot_through_redis(
    sqlite_url: str, fake_twilio, fake_telegram: FakeTelegram, clock: FakeClock, aiohttp_client
) -> None:
    from aiogram.fsm.storage.redis import RedisEventIsolation

    settings = make_settings(
        sqlite_url, fake_twilio, **telegram_settings(fake_telegram, DUCU_REDIS_URL=REDIS_URL)
    )
    first, second = await build(settings, clock=clock), await build(settings, clock=clock)
    try:
        for runtime in (first, second):
            assert isinstance(runtime.telegram.dispatcher.fsm.storage, NoState)
            assert isinstance(runtime.telegram.dispatcher.fsm.events_isolation, RedisEventIsolation)
        a = await aiohttp_client(first.web_app())
        b = await aiohttp_client(second.web_app())
        await new_case(a, clock)
        chat_a, chat_b = Chat(a, fake_telegram, DEBTOR_CHAT), Chat(b, fake_telegram, DEBTOR_CHAT)
        await chat_a.share_contact(DEBTOR)
        chat_b.news()
        # One conversation, its updates spread over both processes, one update sent to both.
        [kind] = await chat_b.press("3")
        assert kind["text"].startswith(render("settle.kind"))
        data = button_data(fake_telegram.sent(DEBTOR_CHAT), "2")
        twice = fake_telegram.callback_update(DEBTOR_CHAT, data)
        await asyncio.gather(chat_a.send(twice), chat_b.send(twice))
        answers = [m["text"] for m in fake_telegram.sent(DEBTOR_CHAT)]
        assert answers.count(render("settle.lump_amount")) == 1
    finally:
        await first.close()
        await second.close()


def test_the_limit_is_per_chat_and_overall() -> None:
    limit = RateLimit(per_second=30, per_chat=1)
    waits = [limit.turn(42).delay for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0] and waits[3] > 0.9 and waits[4] > 1.9
    overall = RateLimit(per_second=30, per_chat=1000)
    waits = [overall.turn(chat).delay for chat in range(60)]  # 60 chats at once
    assert max(waits[:30]) < 0.01
    assert waits[-1] == pytest.approx(1.0, abs=0.05)  # the 60th waits about a second


async def test_the_inbox_forgets_old_updates_handled_or_not(runtime) -> None:
    inbox, clock = runtime.services.inbox, runtime.services.clock
    assert await inbox.claim(1) == await inbox.claim(2) == InboxClaim.MINE
    await inbox.handled(1)  # update 2's process "died": claimed, never handled nor released
    assert await inbox.claim(1) == InboxClaim.DONE
    assert await inbox.claim(2) == InboxClaim.BUSY  # its claim still runs
    clock.advance(days=1)
    assert await inbox.forget_old() == 0
    assert await inbox.claim(2) == InboxClaim.MINE  # its claim ran out: a redelivery is handled
    clock.advance(days=3)
    assert await inbox.forget_old() == 2
