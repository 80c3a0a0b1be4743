"""Twilio error codes that mean an address cannot be reached, and what it becomes."""

from __future__ import annotations

from bot.domain.status import ContactStatus

# code → the contact's new status. Everything else is worth another try later.
PERMANENT: dict[int, ContactStatus] = {
    21610: ContactStatus.OPTED_OUT,  # the recipient replied STOP
    21211: ContactStatus.INVALID,  # invalid 'To' number
    21614: ContactStatus.INVALID,  # not a mobile number
    30004: ContactStatus.BLOCKED,  # message blocked by the recipient
    30005: ContactStatus.INVALID,  # unknown destination handset
    30006: ContactStatus.INVALID,  # landline or unreachable carrier
}


def contact_status_for(code: int | str | None) -> ContactStatus | None:
    try:
        return PERMANENT.get(int(code)) if code not in (None, "") else None
    except (TypeError, ValueError):
        return None
