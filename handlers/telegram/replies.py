"""Answers to someone who just wrote, sent at once (not through the outbox)."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove

log = logging.getLogger(__name__)
MAX_WAIT = 30  # seconds; a longer flood wait fails the update, and Telegram sends it again

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None


async def answer(bot: Bot, chat_id: int, text: str, markup: Markup = None) -> None:
    """Sends one answer: Telegram's flood wait is waited out once; a chat that blocked the bot
    in the meantime is let go (reminders notice it and fall back to SMS)."""
    for attempt in (1, 2):
        try:
            await bot.send_message(chat_id, text, reply_markup=markup)
            return
        except TelegramRetryAfter as exc:
            if attempt == 2 or exc.retry_after > MAX_WAIT:
                raise
            await asyncio.sleep(exc.retry_after)
        except TelegramForbiddenError:
            log.info("a chat blocked the bot before its answer went")
            return
