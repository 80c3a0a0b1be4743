"""Text and buttons into the conversation engine, its replies back as messages with buttons:
one path for debtors, staff and creditors alike (the engine tells them apart by the chat).

A button's callback data is checked first (handlers/telegram/keyboards.py): data not made for
this chat, or by us, gets the stale-button answer and reaches nothing.
"""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, Message, Update

from bot.app import Services
from bot.domain.locales import STAFF_LOCALE, resolve
from bot.domain.messages import InboundMessage
from bot.domain.status import Channel
from bot.domain.texts import render
from bot.services.linking import Linked
from handlers.telegram.keyboards import CallbackSigner
from handlers.telegram.replies import answer


def locale_of(event: Message | CallbackQuery, linked: Linked) -> str:
    """The language to answer in: staff read the staff locale, a debtor their own, anyone
    else the one their Telegram client reports."""
    if linked.staff is not None:
        return STAFF_LOCALE
    if linked.obligor is not None:
        return linked.obligor.locale
    user = event.from_user
    return resolve(user.language_code if user else None)


async def converse(
    bot: Bot, services: Services, signer: CallbackSigner, chat_id: int, inbound: InboundMessage
) -> None:
    """The engine's replies, each with its choices as buttons."""
    for reply in await services.engine.handle(inbound):
        await answer(bot, chat_id, reply.text, signer.keyboard(chat_id, reply))


async def text(
    message: Message, bot: Bot, services: Services, signer: CallbackSigner, event_update: Update
) -> None:
    """Typed text, as the engine reads an SMS."""
    inbound = InboundMessage(
        Channel.TELEGRAM,
        str(message.chat.id),
        message.text or "",
        provider_id=str(event_update.update_id),
    )
    await converse(bot, services, signer, message.chat.id, inbound)


async def button(
    query: CallbackQuery,
    bot: Bot,
    services: Services,
    signer: CallbackSigner,
    linked: Linked,
    event_update: Update,
) -> None:
    """A button we made for this chat: its key goes to the engine as the typed choice, and
    the message's buttons are taken off (they have served)."""
    chat_id = query.message.chat.id if query.message else query.from_user.id
    pressed = signer.key(chat_id, query.data)
    if pressed is None:
        await stale_button(query, linked)
        return
    key, place = pressed
    await query.answer()
    if query.message is not None:
        with suppress(TelegramBadRequest):  # too old to edit, or already off
            await bot.edit_message_reply_markup(
                chat_id=chat_id, message_id=query.message.message_id
            )
    inbound = InboundMessage(
        Channel.TELEGRAM,
        str(chat_id),
        key,
        choice=key,
        place=place,
        provider_id=str(event_update.update_id),
    )
    await converse(bot, services, signer, chat_id, inbound)


async def stale_button(query: CallbackQuery, linked: Linked) -> None:
    await query.answer(render("tg.stale_button", locale_of(query, linked)))
