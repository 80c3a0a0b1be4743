"""The engine's choices as inline buttons, and the buttons' callback data checked on return.

Callback data is `<choice key>|<place>|<tag>` (`<choice key>|<tag>` for buttons offered at no
place of a conversation): the tag is an HMAC of the chat, the key and the place, so a button
only works in the chat it was sent to, and data a client makes up is refused. A good tag
still proves nothing beyond "we offered this": the engine treats the key like typed text,
and a place the conversation has left as out of date.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from pydantic import SecretStr

from bot.domain.messages import Reply
from bot.domain.texts import render

PER_ROW = 2
TAG_LENGTH = 10  # base64 characters: 60 bits


class CallbackSigner:
    def __init__(self, bot_token: SecretStr) -> None:
        secret = bot_token.get_secret_value().encode()
        self._key = hashlib.sha256(b"ducu-telegram-callback\0" + secret).digest()

    def _tag(self, chat_id: int, signed: str) -> str:
        mac = hmac.new(self._key, f"{chat_id}|{signed}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode()[:TAG_LENGTH]

    def data(self, chat_id: int, key: str, place: str | None = None) -> str:
        signed = key if place is None else f"{key}|{place}"
        return f"{signed}|{self._tag(chat_id, signed)}"

    def key(self, chat_id: int, data: str | None) -> tuple[str, str | None] | None:
        """The choice key and its place, or None when the data was not made by us for this
        chat."""
        signed, _, tag = (data or "").rpartition("|")
        if not signed or not hmac.compare_digest(tag, self._tag(chat_id, signed)):
            return None
        key, _, place = signed.partition("|")
        return key, place or None

    def keyboard(self, chat_id: int, reply: Reply) -> InlineKeyboardMarkup | None:
        choices = reply.choices or reply.shortcuts
        if not choices:
            return None
        buttons = [
            InlineKeyboardButton(
                text=f"{c.key} {c.label}", callback_data=self.data(chat_id, c.key, reply.place)
            )
            for c in choices
        ]
        rows = [buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)]
        return InlineKeyboardMarkup(inline_keyboard=rows)


def share_contact(locale: str) -> ReplyKeyboardMarkup:
    """The one button that proves a debtor's phone: Telegram sends the user's own contact."""
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=render("tg.share_contact", locale), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
