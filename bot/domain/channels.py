"""Which address a message goes to, when a debtor or a staff member has more than one."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from bot.domain.records import Contact, StaffMember
from bot.domain.status import Channel, ContactStatus

DEFAULT_ORDER = (Channel.TELEGRAM, Channel.SMS)  # chat first; SMS is the fallback


def channel_order(stored: Iterable[str] | None) -> tuple[str, ...]:
    """A court's order as stored, or the default; unknown channel names are dropped."""
    known = {c.value for c in Channel}
    order = tuple(c for c in (stored or ()) if c in known)
    return order or DEFAULT_ORDER


def pick_contact(
    contacts: Iterable[Contact], order: Iterable[str], available: Collection[str]
) -> Contact | None:
    """The first active contact in the court's channel order on a channel this process can
    send on (contacts come newest first, so the latest chat of a debtor wins)."""
    active = [c for c in contacts if c.status == ContactStatus.ACTIVE and c.channel in available]
    for channel in order:
        for contact in active:
            if contact.channel == channel:
                return contact
    return None


def staff_address(staff: StaffMember, available: Collection[str]) -> tuple[str, str] | None:
    """(channel, address) for a notice to a staff member: their linked chat, else their phone."""
    if staff.telegram_chat_id is not None and Channel.TELEGRAM in available:
        return Channel.TELEGRAM, str(staff.telegram_chat_id)
    if staff.phone and Channel.SMS in available:
        return Channel.SMS, staff.phone
    return None
