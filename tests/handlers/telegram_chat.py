"""Drives the Telegram channel as Telegram does: updates posted to the real webhook route with
the secret header, answers read from what the fake Bot API recorded."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import TELEGRAM_SECRET
from tests.fakes.telegram import FakeTelegram

WEBHOOK = "/telegram/webhook"
SECRET_HEADER = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
LINK = re.compile(r"https://t\.me/\w+\?start=([A-Za-z0-9_-]+)")


async def post_update(client, update: dict[str, Any], *, status: int = 200) -> None:
    response = await client.post(WEBHOOK, json=update, headers=SECRET_HEADER)
    assert response.status == status, await response.text()


class Chat:
    """One person's private chat with the bot."""

    def __init__(self, client, fake: FakeTelegram, chat_id: int) -> None:
        self.client, self.fake, self.chat_id = client, fake, chat_id
        self._seen = 0

    def news(self) -> list[dict[str, Any]]:
        """The messages the bot sent to this chat since the last look."""
        sent = self.fake.sent(self.chat_id)
        new, self._seen = sent[self._seen :], len(sent)
        return new

    async def send(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        await post_update(self.client, update)
        return self.news()

    async def say(self, text: str) -> list[dict[str, Any]]:
        return await self.send(self.fake.text_update(self.chat_id, text))

    async def start(self, payload: str = "") -> list[dict[str, Any]]:
        return await self.send(self.fake.start_update(self.chat_id, payload))

    async def share_contact(self, phone: str, *, owner: int | None = None) -> list[dict[str, Any]]:
        owner = self.chat_id if owner is None else owner
        update = self.fake.contact_update(self.chat_id, phone, contact_user_id=owner)
        return await self.send(update)

    async def press(self, key: str) -> list[dict[str, Any]]:
        """Presses the button `key` (what it stands for: `3`, `#12 1`) of the latest inline
        keyboard the bot sent here that has it."""
        data = button_data(self.fake.sent(self.chat_id), key)
        return await self.send(self.fake.callback_update(self.chat_id, data))


def keyboard(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def button_data(sent: list[dict[str, Any]], key: str) -> str:
    for message in reversed(sent):
        for button in keyboard(message):
            if button["callback_data"].split("|")[0] == key:
                return button["callback_data"]
    raise AssertionError(f"no button {key!r} was offered")


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["text"] for m in messages]
