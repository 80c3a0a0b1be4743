"""A flow is a list of steps: each asks, reads one answer into the flow's data, and says
which step comes next. The engine adds the case choice before and the read-back after."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from bot.domain import keywords
from bot.domain.messages import Choice, Reply
from bot.domain.records import CaseSummary
from bot.domain.status import CaseStatus
from bot.domain.texts import render

READBACK = "readback"  # what a step returns when the flow's data is complete


class Invalid(Exception):
    """The answer does not fit the step; `key` names the text that says what would, `values`
    fill its placeholders."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


@dataclass
class Turn:
    """What a step sees of one inbound message."""

    text: str
    command: str | None
    locale: str
    today: date
    case: CaseSummary | None  # the case the flow is about (None: all of the debtor's cases)
    data: dict = field(default_factory=dict)

    def t(self, key: str, **values: object) -> str:
        return render(key, self.locale, **values)

    def choices(self, prefix: str, keys: tuple[str, ...]) -> tuple[Choice, ...]:
        """Numbered choices labelled from the catalog: `asset.income`, `asset.deposits`, …"""
        return tuple(Choice(str(n), self.t(f"{prefix}.{k}")) for n, k in enumerate(keys, 1))


def pick(turn: Turn, prefix: str, keys: tuple[str, ...], error: str, *, told: bool = False) -> str:
    """The key the debtor chose among `turn.choices(prefix, keys)`: by its number (２ or 二
    too), or by its whole label, or words found in its label alone ("分期" for 分期付款; one
    character is not enough). With `told`, each choice also has words of its own (the
    catalog's `keywords.<prefix>_<key>`), found anywhere in the answer ("转给法院了"); an
    answer with a negation, or with words of two choices, is asked again."""
    said = keywords.normalize(turn.text)
    # isdecimal, not isdigit: int() cannot read "፩", which is a digit too.
    if said.isdecimal() and 1 <= int(said) <= len(keys):
        return keys[int(said) - 1]
    if len(said) > 1:
        labels = {k: keywords.normalize(turn.t(f"{prefix}.{k}")) for k in keys}
        whole = [k for k, label in labels.items() if said == label]  # "其他", not "其他动产"
        named = whole or [k for k, label in labels.items() if said in label]
        if len(named) == 1:
            return named[0]
    if told and len(found := keywords.named(turn.text, told_words(prefix, keys))) == 1:
        return next(iter(found)).removeprefix(f"{prefix}_")
    raise Invalid(error)


def told_words(prefix: str, keys: tuple[str, ...]) -> tuple[str, ...]:
    """The names of the choices' own words in the catalog: `keywords.<prefix>_<key>`."""
    return tuple(f"{prefix}_{key}" for key in keys)


@dataclass(frozen=True)
class Step:
    key: str
    prompt: Callable[[Turn], Reply]
    # Stores the answer in turn.data and returns the next step's key (None: the next in the
    # list; the last step's None: the read-back). Raises Invalid for an answer that won't do.
    accept: Callable[[Turn], str | None]


@dataclass(frozen=True)
class Flow:
    intent: str
    steps: tuple[Step, ...]
    summary: Callable[[Turn], str]  # the read-back: what will be filed, in plain figures
    all_cases: bool = False  # may the debtor file it for all their cases at once?
    # Reads the debtor's words that started the flow ("我已经转了5万") into its data as the
    # first step's answer: the step to go on at; None or Invalid: the first step asks.
    told: Callable[[Turn], str | None] | None = None
    # The state its filing asks staff to move the case to: a case that cannot get there
    # (a plan is changed by a new plan, not a grace period) is told so, and nothing is asked.
    asks_for: CaseStatus | None = None

    def step(self, key: str) -> Step:
        return next(s for s in self.steps if s.key == key)

    def after(self, key: str) -> str | None:
        keys = [s.key for s in self.steps]
        index = keys.index(key) + 1
        return keys[index] if index < len(keys) else None
