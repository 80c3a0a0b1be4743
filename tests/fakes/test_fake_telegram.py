"""The fake Telegram server answers real aiogram over real HTTP the way Telegram does."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update

from tests.fakes.telegram import BOT_USERNAME, TOKEN, FakeTelegram

CHAT = 555001


@pytest.fixture
def fake(fake_telegram: FakeTelegram) -> FakeTelegram:
    return fake_telegram


def make_bot(fake: FakeTelegram, token: str = TOKEN) -> Bot:
    return Bot(token=token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.url)))


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    bot = make_bot(fake)
    yield bot
    await bot.session.close()


async def test_get_me(bot: Bot, fake: FakeTelegram) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == BOT_USERNAME and me.id == bot.id
    assert fake.methods() == ["getMe"]


async def test_send_message_records_the_decoded_keyboard(bot: Bot, fake: FakeTelegram) -> None:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Paid", callback_data="paid:7")]]
    )
    first = await bot.send_message(CHAT, "hello", reply_markup=keyboard)
    second = await bot.send_message(CHAT, "again")
    await bot.send_message(CHAT + 1, "someone else")

    assert first.text == "hello" and first.chat.id == CHAT and first.from_user.id == bot.id
    assert first.reply_markup.inline_keyboard[0][0].callback_data == "paid:7"
    assert second.message_id > first.message_id
    sent = fake.sent(CHAT)
    assert [p["text"] for p in sent] == ["hello", "again"]
    button = sent[0]["reply_markup"]["inline_keyboard"][0][0]
    assert button == {"text": "Paid", "callback_data": "paid:7"}


async def test_edits_and_callback_answers(bot: Bot, fake: FakeTelegram) -> None:
    message = await bot.send_message(CHAT, "pick one")
    edited = await bot.edit_message_text(text="picked", chat_id=CHAT, message_id=message.message_id)
    assert edited.text == "picked" and edited.message_id == message.message_id
    markup = await bot.edit_message_reply_markup(chat_id=CHAT, message_id=message.message_id)
    assert markup.chat.id == CHAT
    assert await bot.answer_callback_query("cb-1", text="ok") is True
    assert fake.of("answerCallbackQuery") == [{"callback_query_id": "cb-1", "text": "ok"}]


async def test_429_raises_retry_after_then_the_next_call_succeeds(
    bot: Bot, fake: FakeTelegram
) -> None:
    fake.fail_next(429, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(CHAT, "too fast")
    assert caught.value.retry_after == 3
    assert "retry after 3" in caught.value.message

    await bot.send_message(CHAT, "later")
    assert [p["text"] for p in fake.sent(CHAT)] == ["later"]
    assert [c.params["text"] for c in fake.attempts] == ["too fast", "later"]
    assert fake.attempts[0].at <= fake.attempts[1].at <= time.monotonic()


async def test_403_raises_forbidden_once(bot: Bot, fake: FakeTelegram) -> None:
    fake.fail_next(403)
    with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
        await bot.send_message(CHAT, "x")
    await bot.send_message(CHAT, "y")
    assert len(fake.sent(CHAT)) == 1


async def test_failures_are_per_method(bot: Bot, fake: FakeTelegram) -> None:
    fake.fail_next(429, retry_after=1, method="answerCallbackQuery", times=2)
    await bot.send_message(CHAT, "unaffected")
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter):
            await bot.answer_callback_query("cb")
    assert await bot.answer_callback_query("cb") is True


async def test_blocked_chat_fails_every_send(bot: Bot, fake: FakeTelegram) -> None:
    fake.block(CHAT)
    for _ in range(3):
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(CHAT, "anyone there?")
    await bot.send_message(CHAT + 1, "still works")
    assert fake.sent(CHAT) == [] and len(fake.attempts) == 4


async def test_wrong_token_is_unauthorized(fake: FakeTelegram) -> None:
    async with make_bot(fake, token="654321:WRONG-token-abcdefghijklmnopqrstuvwx") as bot:
        with pytest.raises(TelegramUnauthorizedError):
            await bot.get_me()
    assert fake.calls == [] and len(fake.attempts) == 1


async def test_unknown_method_is_404(fake: FakeTelegram) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{fake.url}/bot{TOKEN}/noSuchMethod") as resp,
    ):
        assert resp.status == 404
        body = await resp.json()
    assert body == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}


async def test_webhook_and_commands(bot: Bot, fake: FakeTelegram) -> None:
    assert await bot.set_webhook("https://ducu.court.test/telegram", secret_token="s3cret")
    info = await bot.get_webhook_info()
    assert info.url == "https://ducu.court.test/telegram"
    assert fake.of("setWebhook")[0]["secret_token"] == "s3cret"
    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.set_my_commands([BotCommand(command="start", description="Start")])
    assert fake.of("setMyCommands")[0]["commands"] == [{"command": "start", "description": "Start"}]


async def test_get_updates_honours_offset_and_long_polls(bot: Bot, fake: FakeTelegram) -> None:
    first, second = fake.text_update(CHAT, "one"), fake.text_update(CHAT, "two")
    fake.queue_update(first)
    fake.queue_update(second)

    updates = await bot.get_updates(timeout=5)
    assert [u.update_id for u in updates] == [first["update_id"], second["update_id"]]
    assert updates[0].message.text == "one"
    updates = await bot.get_updates(offset=second["update_id"], timeout=5)
    assert [u.message.text for u in updates] == ["two"]

    started = time.monotonic()
    assert await bot.get_updates(offset=second["update_id"] + 1, timeout=5) == []
    waited = time.monotonic() - started
    assert 0.4 < waited < 2


async def test_long_poll_wakes_up_when_an_update_arrives(bot: Bot, fake: FakeTelegram) -> None:
    update = fake.start_update(CHAT, "abc")
    asyncio.get_running_loop().call_later(0.1, fake.queue_update, update)
    started = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    assert time.monotonic() - started < 0.45
    assert [u.update_id for u in updates] == [update["update_id"]]


def test_builders_make_valid_updates() -> None:
    fake = FakeTelegram()
    start = fake.start_update(CHAT, "tok123")
    text = fake.text_update(CHAT, "hi", user_id=42, first_name="Li")
    contact = fake.contact_update(CHAT, "+8613800138000", contact_user_id=CHAT)
    callback = fake.callback_update(CHAT, "paid:7", message_id=9)
    built = [start, text, contact, callback]

    ids = [u["update_id"] for u in built]
    assert ids == sorted(set(ids))
    updates = [Update.model_validate(u) for u in built]

    assert updates[0].message.text == "/start tok123"
    assert updates[0].message.entities[0].type == "bot_command"
    assert updates[1].message.from_user.id == 42 and updates[1].message.chat.id == CHAT
    assert updates[2].message.contact.phone_number == "+8613800138000"
    assert updates[2].message.contact.user_id == CHAT
    assert updates[3].callback_query.data == "paid:7"
    assert updates[3].callback_query.message.message_id == 9
    assert updates[0].message.message_id != updates[1].message.message_id


async def test_a_text_over_4096_characters_is_refused_as_telegram_does(
    bot: Bot, fake: FakeTelegram
) -> None:
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(CHAT, "字" * 4097)
    await bot.send_message(CHAT, "字" * 4096)
    assert len(fake.sent(CHAT)) == 1
