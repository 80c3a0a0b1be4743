"""Debtors in chat: linking (own contact or one-time code) and the engine's flows as buttons."""

from __future__ import annotations

from contextlib import suppress

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove, Update

from bot.app import Services
from bot.domain.locales import resolve
from bot.domain.menu import main_menu
from bot.domain.messages import InboundMessage
from bot.domain.status import Channel
from bot.domain.texts import render
from bot.services.linking import Linked
from handlers.telegram.keyboards import CallbackSigner, share_contact
from handlers.telegram.middlewares import IsDebtor
from handlers.telegram.replies import answer
from handlers.telegram.staff import greet_staff


def _locale(message: Message | CallbackQuery, linked: Linked) -> str:
    if linked.obligor is not None:
        return linked.obligor.locale
    user = message.from_user
    return resolve(user.language_code if user else None)


async def _converse(
    bot: Bot, services: Services, signer: CallbackSigner, chat_id: int, inbound: InboundMessage
) -> None:
    for reply in await services.engine.handle(inbound):
        await answer(bot, chat_id, reply.text, signer.keyboard(chat_id, reply))


async def _welcome(bot: Bot, chat_id: int, signer: CallbackSigner, linked: Linked) -> None:
    """Linked at last: say so, take the contact button away, and show the menu."""
    assert linked.obligor is not None
    locale = linked.obligor.locale
    await answer(bot, chat_id, render("tg.linked", locale), ReplyKeyboardRemove())
    menu = main_menu("help", locale)
    await answer(bot, chat_id, menu.text, signer.keyboard(chat_id, menu))


def router() -> Router:
    r = Router(name="debtors")

    @r.message(CommandStart(deep_link=True))
    async def start_with_code(
        message: Message,
        command: CommandObject,
        bot: Bot,
        services: Services,
        signer: CallbackSigner,
        linked: Linked,
    ) -> None:
        chat_id = message.chat.id
        now = await services.links.redeem(command.args or "", chat_id)
        if now.staff is not None:
            await greet_staff(bot, chat_id, now.staff)
        elif now.obligor is not None:
            await _welcome(bot, chat_id, signer, now)
        else:
            locale = _locale(message, linked)
            await answer(bot, chat_id, render("tg.bad_code", locale), share_contact(locale))

    @r.message(F.contact)
    async def shared_contact(
        message: Message, bot: Bot, services: Services, signer: CallbackSigner, linked: Linked
    ) -> None:
        locale, chat_id = _locale(message, linked), message.chat.id
        contact, sender = message.contact, message.from_user
        if sender is None or contact.user_id != sender.id:  # a forwarded card proves nothing
            await answer(bot, chat_id, render("tg.not_own_contact", locale), share_contact(locale))
            return
        now = await services.links.by_contact(contact.phone_number, chat_id)
        if now.obligor is None:
            await answer(bot, chat_id, render("tg.not_found", locale), ReplyKeyboardRemove())
            return
        await _welcome(bot, chat_id, signer, now)

    @r.message(IsDebtor(), F.text)
    async def text(
        message: Message, bot: Bot, services: Services, signer: CallbackSigner, event_update: Update
    ) -> None:
        inbound = InboundMessage(
            Channel.TELEGRAM,
            str(message.chat.id),
            message.text or "",
            provider_id=str(event_update.update_id),
        )
        await _converse(bot, services, signer, message.chat.id, inbound)

    @r.callback_query(IsDebtor())
    async def button(
        query: CallbackQuery,
        bot: Bot,
        services: Services,
        signer: CallbackSigner,
        linked: Linked,
        event_update: Update,
    ) -> None:
        chat_id = query.message.chat.id if query.message else query.from_user.id
        key = signer.key(chat_id, query.data)
        if key is None:
            await query.answer(render("tg.stale_button", _locale(query, linked)))
            return
        await query.answer()
        if query.message is not None:  # the buttons have served: take them off
            with suppress(TelegramBadRequest):  # too old to edit, or already off
                await bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=query.message.message_id
                )
        inbound = InboundMessage(
            Channel.TELEGRAM, str(chat_id), key, choice=key, provider_id=str(event_update.update_id)
        )
        await _converse(bot, services, signer, chat_id, inbound)

    @r.callback_query()
    async def stranger_button(query: CallbackQuery, linked: Linked) -> None:
        await query.answer(render("tg.stale_button", _locale(query, linked)))

    @r.message(IsDebtor())
    async def not_text(message: Message, bot: Bot, signer: CallbackSigner, linked: Linked) -> None:
        """A sticker, a photo…: the menu says what works."""
        menu = main_menu("help", _locale(message, linked))
        await answer(bot, message.chat.id, menu.text, signer.keyboard(message.chat.id, menu))

    @r.message()
    async def stranger(message: Message, bot: Bot, linked: Linked) -> None:
        """Anyone not linked yet: how to prove who they are, and nothing about any case."""
        locale = _locale(message, linked)
        await answer(bot, message.chat.id, render("tg.welcome", locale), share_contact(locale))

    return r
