"""The main menu a debtor is offered: its text, and its items as buttons where a channel has
them (the reminders carry it too)."""

from __future__ import annotations

import functools

from bot.domain import keywords
from bot.domain.messages import Choice, Reply
from bot.domain.texts import render

# Where a debtor's conversation stands outside a flow (`Reply.place`): at the menu, and, for
# the buttons of the judge's counter-proposal, at that offer while it waits.
MENU_PLACE = "menu"
OFFER_PLACE = "offer"


@functools.lru_cache(maxsize=64)  # the catalogs are read once; it answers most messages
def main_menu(key: str, locale: str) -> Reply:
    """The main menu's text (`help` or `menu`), with its items as buttons for chat."""
    items = tuple(
        Choice(str(number), render(f"flow.{intent}", locale))
        for number, intent in enumerate(keywords.MENU, 1)
    )
    return Reply(render(key, locale), shortcuts=items, place=MENU_PLACE)
