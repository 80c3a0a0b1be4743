"""Reminders and staff notices into a Telegram chat, as the dispatcher's MessageSender."""

from __future__ import annotations

import logging
from datetime import datetime

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)

from bot.domain.messages import Choice, Reply
from bot.domain.status import Channel, ContactStatus, MessageStatus
from bot.ports import SendError, SendResult
from handlers.telegram.keyboards import CallbackSigner

log = logging.getLogger(__name__)
# The 400s that mean the chat is gone. Any other 400 is about our own message (too long,
# bad markup, a bad button): the chat is fine, and this message goes by another channel.
CHAT_GONE = ("chat not found", "user is deactivated", "peer_id_invalid")


class TelegramSender:
    channel = Channel.TELEGRAM.value
    provider = "telegram"

    def __init__(self, bot: Bot, signer: CallbackSigner) -> None:
        self._bot, self._signer = bot, signer

    async def send(
        self, address: str, text: str, buttons: tuple[Choice, ...] = (), place: str | None = None
    ) -> SendResult:
        chat_id = int(address)
        markup = self._signer.keyboard(chat_id, Reply(text, shortcuts=buttons, place=place))
        try:
            message = await self._bot.send_message(chat_id, text, reply_markup=markup)
        except TelegramRetryAfter as exc:  # Telegram says when: wait exactly that long
            raise SendError(
                "429", exc.message, permanent=False, retry_after=exc.retry_after
            ) from None
        except TelegramForbiddenError as exc:  # the person blocked the bot or left
            raise SendError(
                "403", exc.message, permanent=True, contact_status=ContactStatus.BLOCKED
            ) from None
        except TelegramBadRequest as exc:
            raise _bad_request(exc) from None
        except TelegramUnauthorizedError as exc:
            log.error("Telegram refused the bot token: check TELEGRAM_BOT_TOKEN")
            raise SendError("401", exc.message, permanent=False) from None
        except TelegramNetworkError as exc:  # the answer was lost: it may have gone
            raise SendError("telegram", str(exc), permanent=False, unknown=True) from None
        except TelegramAPIError as exc:  # 5xx: try later
            raise SendError("telegram", str(exc), permanent=False) from None
        return SendResult(
            provider_id=f"{message.chat.id}:{message.message_id}", status=MessageStatus.SENT
        )

    async def find(self, address: str, text: str, since: datetime) -> SendResult | None:
        """The Bot API cannot list the messages a bot sent, so a send whose answer was lost
        goes again: such a message can reach the chat twice."""
        return None

    async def close(self) -> None:
        await self._bot.session.close()


def _bad_request(exc: TelegramBadRequest) -> SendError:
    if any(reason in exc.message.lower() for reason in CHAT_GONE):
        return SendError("400", exc.message, permanent=True, contact_status=ContactStatus.INVALID)
    log.warning("Telegram refused a message of ours: %s", exc.message)
    return SendError("400", exc.message, permanent=True)
