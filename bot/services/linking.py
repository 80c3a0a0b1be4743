"""Linking a Telegram chat to the person behind it.

A debtor proves who they are by sharing their own Telegram contact whose phone is an
obligor's SMS number, or by a one-time code sent to that number by SMS. Staff link by a
one-time invite code an admin creates. Codes are random, kept only as a hash, used once, and
run out: a debtor's after `DEBTOR_CODE_DAYS`, an invite after `INVITE_DAYS`.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.phones import normalize_phone
from bot.domain.records import NewLink, Obligor, StaffMember
from bot.domain.status import Channel, ContactStatus, Role
from bot.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

DEBTOR_CODE_DAYS = 30
INVITE_DAYS = 7


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


async def _issue(uow: UnitOfWork, now: datetime, days: int, **owner: int) -> str:
    """A new code for `owner` (obligor_id= or user_id=): 128 random bits in the characters a
    Telegram deep link allows (A-Z a-z 0-9 _ -). The caller commits."""
    code = secrets.token_urlsafe(16)
    await uow.links.add(
        NewLink(
            code_hash=_hash(code), created_at=now, expires_at=now + timedelta(days=days), **owner
        )
    )
    return code


async def issue_for_obligor(uow: UnitOfWork, obligor_id: int, now: datetime) -> str:
    """A code for the SMS that invites a debtor to chat (the caller commits)."""
    return await _issue(uow, now, DEBTOR_CODE_DAYS, obligor_id=obligor_id)


@dataclass(frozen=True)
class Linked:
    """Who is behind a chat: an obligor, a staff member or creditor (`staff`), or (both None)
    nobody we know."""

    obligor: Obligor | None = None
    staff: StaffMember | None = None


class LinkService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def invite(self, user_id: int) -> str:
        """A one-time invite for a staff member to link their chat; raises LookupError."""
        now = self._clock.now()
        async with self._uow() as uow:
            if await uow.users.get(user_id) is None:
                raise LookupError(f"there is no user {user_id}")
            code = await _issue(uow, now, INVITE_DAYS, user_id=user_id)
            await uow.commit()
        return code

    async def redeem(self, code: str, chat_id: int) -> Linked:
        """Links the chat to whoever the code was made for; an unknown, used or expired code
        links nothing."""
        now = self._clock.now()
        async with self._uow() as uow:
            owner = await uow.links.redeem(_hash(code.strip()), now)
            if owner is None:
                return Linked()
            obligor_id, user_id = owner
            if obligor_id is not None:
                linked = await _link_obligor(uow, obligor_id, chat_id)
            else:
                assert user_id is not None
                await uow.users.set_telegram_chat(user_id, chat_id)
                linked = Linked(staff=await uow.users.get(user_id))
            await uow.commit()
        log.info("telegram chat linked by code (%s)", "debtor" if obligor_id else "staff")
        return linked

    async def by_contact(self, phone: str, chat_id: int) -> Linked:
        """Links the chat to the obligor whose SMS number the shared contact carries. The
        caller has checked that the contact is the sender's own."""
        try:
            phone = normalize_phone(phone)
        except ValueError:
            return Linked()
        async with self._uow() as uow:
            obligor_id = await uow.obligors.by_phone(phone)
            if obligor_id is None:
                return Linked()
            linked = await _link_obligor(uow, obligor_id, chat_id)
            await uow.commit()
        log.info("telegram chat linked by shared contact")
        return linked

    async def who(self, chat_id: int) -> Linked:
        """Who is behind a chat: staff first (a judge who is also a debtor acts as staff),
        then a debtor, then a creditor (as the conversation engine orders them). A debtor
        whose chat was marked blocked and who writes again has unblocked the bot: the chat
        is theirs to be reached on again."""
        async with self._uow() as uow:
            user = await uow.users.by_address(Channel.TELEGRAM, str(chat_id))
            if user is not None and user.role != Role.CREDITOR:
                return Linked(staff=user)
            found = await uow.obligors.at_address(Channel.TELEGRAM, str(chat_id))
            if found is None:
                return Linked(staff=user)
            obligor, contact = found
            if contact.status == ContactStatus.BLOCKED:
                await uow.obligors.set_contact_status(contact.id, ContactStatus.ACTIVE)
                await uow.commit()
        return Linked(obligor=obligor)


async def _link_obligor(uow: UnitOfWork, obligor_id: int, chat_id: int) -> Linked:
    await uow.obligors.link_chat(obligor_id, chat_id)
    found = await uow.obligors.at_address(Channel.TELEGRAM, str(chat_id))
    return Linked(obligor=found[0] if found else None)
