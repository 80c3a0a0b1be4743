"""Words a debtor may send, in any supported language, in any case and spacing.

The words come from the catalogs: the entry `keywords.<name>` of every locale lists them, `|`
between them. Every locale's words are understood whatever the debtor's own locale, read once
and kept. Numbers and `?` are the same in every language, so they live here.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from importlib.resources.abc import Traversable
from itertools import zip_longest

from bot.domain.locales import CATALOGS, locales_in
from bot.domain.texts import translations

OPT_OUT = "opt_out"
OPT_IN = "opt_in"
HELP = "help"

# The menu, in its order: the debtor picks an intent by its number (from 1) or by a word.
MENU: tuple[str, ...] = ("assets", "hardship", "settle", "grace", "paid", "agent")
_INTENTS = (*MENU, OPT_OUT, OPT_IN, HELP)
_INTENT_SYMBOLS = {
    **{str(number): intent for number, intent in enumerate(MENU, 1)},
    "0": HELP,
    "?": HELP,
}
_NOISE = re.compile(r"[\s\u3000.,!。，！、]+")
# Words that turn a meaning around ("不分期", "没同意", "not accept"), in every language.
NEGATION = r"\b(?:not|no|never)\b|[不没未别]|无法|不能|未能|没法|不可|不予"
_NEGATION = re.compile(NEGATION, re.I)
# A question asked as "A-not-A" is no negation: 能不能, 可不可以, 有没有.
_A_NOT_A = re.compile(r"(.)[不没]\1")
_SEPARATOR = "|"
# A clause that is a refusal alone turns the clause before it around ("分期，不行").
_REFUSALS = frozenset(
    {
        "不",
        "不行",
        "不要",
        "不用",
        "不是",
        "不对",
        "不可以",
        "不可能",
        "做不到",
        "没",
        "没有",
        "还没",
        "还没有",
    }
)
_CLAUSE = re.compile(r"[,.;:!?，。；：！？、\n]+")  # where a clause ends (after NFKC)


# A number written in Chinese, alone, as far as menus and choices go ("二" for 2).
_CHINESE_NUMBERS = {word: str(n) for n, word in enumerate("零一二三四五六七八九十")} | {
    "〇": "0",
    "两": "2",
    "十一": "11",
    "十二": "12",
}


def normalize(text: str) -> str:
    """NFKC (full-width → ASCII), no spaces or trailing punctuation, upper case; a number
    from 0 to 12 written in Chinese, alone, in digits."""
    said = _NOISE.sub("", unicodedata.normalize("NFKC", text or "")).upper()
    return _CHINESE_NUMBERS.get(said, said)


@functools.cache
def words(name: str, root: Traversable = CATALOGS) -> tuple[str, ...]:
    """The words of `keywords.<name>` in every locale with a catalog under `root`, normalized."""
    found = (
        normalize(word)
        for locale in locales_in(root)
        for word in translations(locale, root).gettext(f"keywords.{name}").split(_SEPARATOR)
    )
    return tuple(dict.fromkeys(word for word in found if word))


@functools.cache
def _lookup(names: tuple[str, ...]) -> dict[str, str]:
    return {word: name for name in names for word in words(name)}


def _meaning(text: str, names: tuple[str, ...], symbols: dict[str, str]) -> str | None:
    word = normalize(text)
    # `?` alone asks for help; after a word it is only punctuation: `退订？`, `help?`.
    word = word.rstrip("?") or word
    return symbols.get(word) or _lookup(names).get(word)


def negated(text: str) -> bool:
    """Whether `text` holds a negation anywhere (a question such as 能不能 is none)."""
    return bool(_NEGATION.search(_A_NOT_A.sub(r"\1", text or "")))


# A count as people write it (5, 十二, 两); "分5期", "分十二个月" hold the word 分期.
COUNT_NUMERALS = "0-9零〇一二两三四五六七八九十百"
_COUNTED = re.compile(rf"分[{COUNT_NUMERALS}]+(?:期|个月)")


def named(text: str, names: tuple[str, ...]) -> dict[str, list[str]]:
    """Of `names`, those whose words `text` holds somewhere ("我想分期", "分5期"), each with
    the words found, longest first. Words in a clause that holds a negation do not count
    ("不想分期", "分期不行"), nor in one a refusal follows ("分期，不行"): which is meant is
    not clear; another clause's negation does not turn them around ("我失业了，暂时还不上")."""
    clauses = [
        _COUNTED.sub("分期", c)
        for c in map(normalize, _CLAUSE.split(unicodedata.normalize("NFKC", text or "")))
        if c
    ]
    said = [
        clause
        for clause, after in zip_longest(clauses, clauses[1:], fillvalue="")
        if not (negated(clause) or after in _REFUSALS)  # "分期，不行"
    ]
    found = {name: [word for word in words(name) if any(word in c for c in said)] for name in names}
    return {name: sorted(hits, key=len, reverse=True) for name, hits in found.items() if hits}


def intent_of(text: str) -> str | None:
    return _meaning(text, _INTENTS, _INTENT_SYMBOLS)


def intent_told(text: str) -> str | None:
    """The menu's item whose words in Chinese script `text` holds somewhere ("能不能宽限几天"):
    None when it holds two items' words, or a negation. Words in Latin script are menu words
    only as whole answers ("PAID" is in "UNPAID")."""
    found = named(text, MENU)
    told = [name for name, hits in found.items() if any(not word.isascii() for word in hits)]
    return told[0] if len(told) == 1 else None


# Words that steer a flow once it has started (numbers there are answers, not menu picks).
BACK = "back"
CANCEL = "cancel"
RESUME = "resume"
YES = "yes"
REDO = "redo"
DONE = "done"
NOTHING = "nothing"
ALL = "all"
SKIP = "skip"
COMMANDS = (BACK, CANCEL, RESUME, YES, REDO, DONE, NOTHING, ALL, SKIP)


def command_of(text: str) -> str | None:
    return _meaning(text, COMMANDS, {})
