"""What erasing a closed case's personal data leaves behind.

A case closed longer than the retention period keeps its number, figures and timeline events
(the outcome statistics); its messages lose text and address, its filings their payload, its
notices to staff their body. An obligor loses name, ID number and addresses once none of their
cases is live or unerased; their contacts are marked purged.
"""

from __future__ import annotations

ERASED = "(erased)"
"""What erased text reads as."""


def erased_address(contact_id: int) -> str:
    """An erased contact's address: still unique per channel, as the table requires."""
    return f"{ERASED}:{contact_id}"
