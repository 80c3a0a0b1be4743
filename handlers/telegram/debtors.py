"""Debtors in chat: linking (own contact or one-time code) and the engine's flows as buttons."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove, Update

from bot.app import Services
from bot.conversation.engine import main_menu
from bot.conversation.types import InboundMessage
from bot.domain.status import Channel
from bot.domain.texts import render, resolve
from bot.services.linking import Linked
from handlers.telegram.keyboards import CallbackSigner, share_contact
from handlers.telegram.middlewares import IsDebtor
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
        await bot.send_message(chat_id, reply.text, reply_markup=signer.keyboard(chat_id, reply))


async def _welcome(message: Message, signer: CallbackSigner, linked: Linked) -> None:
    """Linked at last: say so, take the contact button away, and show the menu."""
    assert linked.obligor is not None
    locale, chat_id = linked.obligor.locale, message.chat.id
    await message.answer(render("tg.linked", locale), reply_markup=ReplyKeyboardRemove())
    menu = main_menu("help", locale)
    await message.answer(menu.text, reply_markup=signer.keyboard(chat_id, menu))


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
        event_update: Update,
    ) -> None:
        now = await services.links.redeem(command.args or "", message.chat.id)
        if now.staff is not None:
            await greet_staff(message, now.staff)
        elif now.obligor is not None:
            await _welcome(message, signer, now)
        else:
            locale = _locale(message, linked)
            await message.answer(render("tg.bad_code", locale), reply_markup=share_contact(locale))

    @r.message(F.contact)
    async def shared_contact(
        message: Message,
        bot: Bot,
        services: Services,
        signer: CallbackSigner,
        linked: Linked,
        event_update: Update,
    ) -> None:
        locale = _locale(message, linked)
        contact, sender = message.contact, message.from_user
        if sender is None or contact.user_id != sender.id:  # a forwarded card proves nothing
            await message.answer(
                render("tg.not_own_contact", locale), reply_markup=share_contact(locale)
            )
            return
        now = await services.links.by_contact(contact.phone_number, message.chat.id)
        if now.obligor is None:
            await message.answer(render("tg.not_found", locale), reply_markup=ReplyKeyboardRemove())
            return
        await _welcome(message, signer, now)

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
    async def not_text(message: Message, signer: CallbackSigner, linked: Linked) -> None:
        """A sticker, a photo…: the menu says what works."""
        menu = main_menu("help", _locale(message, linked))
        await message.answer(menu.text, reply_markup=signer.keyboard(message.chat.id, menu))

    @r.message()
    async def stranger(message: Message, linked: Linked) -> None:
        """Anyone not linked yet: how to prove who they are, and nothing about any case."""
        locale = _locale(message, linked)
        await message.answer(render("tg.welcome", locale), reply_markup=share_contact(locale))

    return r
