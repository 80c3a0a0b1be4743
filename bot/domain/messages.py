"""What a channel hands the engine, and what it gets back."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InboundMessage:
    channel: str
    address: str
    text: str
    choice: str | None = None  # a button's key, where the channel has buttons
    place: str | None = None  # where the conversation stood when that button was offered
    provider_id: str | None = None  # the provider's message id, for dedupe


@dataclass(frozen=True)
class Choice:
    key: str
    label: str


@dataclass(frozen=True)
class Reply:
    text: str
    choices: tuple[Choice, ...] = ()
    # Buttons only for a channel that has them; the text already says them (the main menu).
    shortcuts: tuple[Choice, ...] = ()
    # Where the conversation stands as its buttons are offered (`settle.kind`, `menu`): a
    # button pressed once it has moved on is out of date. None: buttons that say all
    # themselves (a staff member's `#12 1`).
    place: str | None = None

    def plain(self) -> str:
        """The reply as plain text (SMS): choices become `回复 1 … 2 …` style lines."""
        if not self.choices:
            return self.text
        return self.text + "\n" + " ".join(f"{c.key} {c.label}" for c in self.choices)
