"""Debtors in chat: linking (own contact or one-time code) and the engine's flows as buttons."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message, ReplyKeyboardRemove

from bot.app import Services
from bot.domain.menu import main_menu
from bot.domain.texts import render
from bot.services.linking import Linked
from handlers.telegram import conversation
from handlers.telegram.conversation import locale_of
from handlers.telegram.keyboards import CallbackSigner, share_contact
from handlers.telegram.middlewares import IsDebtor
from handlers.telegram.replies import answer
from handlers.telegram.staff import greet_staff


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
            locale = locale_of(message, linked)
            await answer(bot, chat_id, render("tg.bad_code", locale), share_contact(locale))

    @r.message(F.contact)
    async def shared_contact(
        message: Message, bot: Bot, services: Services, signer: CallbackSigner, linked: Linked
    ) -> None:
        locale, chat_id = locale_of(message, linked), message.chat.id
        contact, sender = message.contact, message.from_user
        if sender is None or contact.user_id != sender.id:  # a forwarded card proves nothing
            await answer(bot, chat_id, render("tg.not_own_contact", locale), share_contact(locale))
            return
        now = await services.links.by_contact(contact.phone_number, chat_id)
        if now.obligor is None:
            await answer(bot, chat_id, render("tg.not_found", locale), ReplyKeyboardRemove())
            return
        await _welcome(bot, chat_id, signer, now)

    r.message.register(conversation.text, IsDebtor(), F.text)
    r.callback_query.register(conversation.button, IsDebtor())
    r.callback_query.register(conversation.stale_button)

    @r.message(IsDebtor())
    async def not_text(message: Message, bot: Bot, signer: CallbackSigner, linked: Linked) -> None:
        """A sticker, a photo…: the menu says what works."""
        menu = main_menu("help", locale_of(message, linked))
        await answer(bot, message.chat.id, menu.text, signer.keyboard(message.chat.id, menu))

    @r.message()
    async def stranger(message: Message, bot: Bot, linked: Linked) -> None:
        """Anyone not linked yet: how to prove who they are, and nothing about any case."""
        locale = locale_of(message, linked)
        await answer(bot, message.chat.id, render("tg.welcome", locale), share_contact(locale))

    return r
