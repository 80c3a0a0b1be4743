"""Telegram's limits are the bot's: two processes sharing buckets in Redis send into one chat
at the chat's rate together, and a flood wait Telegram asks of one holds the other too."""

from __future__ import annotations

import os
import time

import pytest
from aiogram.exceptions import TelegramRetryAfter

from bot.domain.status import Channel
from ducu.bootstrap import build
from tests.conftest import make_settings, telegram_settings
from tests.fakes.telegram import FakeTelegram

REDIS_URL = os.environ.get("DUCU_TEST_REDIS_URL", "")
pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="DUCU_TEST_REDIS_URL is not set (CI starts Redis)"
)


async def test_two_processes_keep_one_chat_rate_and_one_flood_wait(
    sqlite_url: str, fake_twilio, fake_telegram: FakeTelegram, clock
) -> None:
    chat = f"{time.time_ns() % 10**9}"  # a chat of its own: its lane starts full
    settings = make_settings(
        sqlite_url,
        fake_twilio,
        **telegram_settings(fake_telegram, DUCU_REDIS_URL=REDIS_URL, DUCU_TELEGRAM_CHAT_RATE=5),
    )
    first, second = await build(settings, clock=clock), await build(settings, clock=clock)
    try:
        bots = [r.services.senders[Channel.TELEGRAM] for r in (first, second)]
        started = time.monotonic()
        for i in range(6):  # a burst of 3, then 3 more at 5 a second, whichever process sends
            await bots[i % 2].send(chat, f"m{i}")
        assert time.monotonic() - started >= 0.5  # each process alone would allow 2 × 3 at once
        fake_telegram.fail_next(429, retry_after=1)
        with pytest.raises(TelegramRetryAfter):
            await first.telegram.bot.send_message(int(chat) + 1, "flood")
        started = time.monotonic()
        await bots[1].send(str(int(chat) + 2), "after the wait")  # another chat, other process
        assert time.monotonic() - started >= 0.8
    finally:
        await first.close()
        await second.close()
