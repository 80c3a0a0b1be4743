"""Words a debtor may send, in Chinese or English, in any case and spacing."""

from __future__ import annotations

import re
import unicodedata

OPT_OUT = "opt_out"
OPT_IN = "opt_in"
HELP = "help"

# The menu: the number and the words that pick each intent.
MENU: dict[str, tuple[str, ...]] = {
    "assets": ("1", "申报财产", "申报", "ASSETS", "ASSET"),
    "hardship": ("2", "报告困难", "困难", "HARDSHIP"),
    "settle": ("3", "提出和解", "和解", "分期", "SETTLE", "SETTLEMENT"),
    "grace": ("4", "申请宽限", "宽限", "GRACE"),
    "paid": ("5", "已履行", "已付款", "PAID"),
    "agent": ("6", "人工", "AGENT", "CALL"),
}
_GLOBAL: dict[str, tuple[str, ...]] = {
    OPT_OUT: ("STOP", "STOPALL", "UNSUBSCRIBE", "退订", "TD"),
    OPT_IN: ("START", "UNSTOP", "恢复"),
    HELP: ("0", "HELP", "INFO", "帮助", "?"),
}
_LOOKUP = {
    word: intent for table in (_GLOBAL, MENU) for intent, words in table.items() for word in words
}
_NOISE = re.compile(r"[\s\u3000.,!。，！、]+")


def normalize(text: str) -> str:
    """NFKC (full-width → ASCII), no spaces or trailing punctuation, upper case."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text or "")).upper()


def intent_of(text: str) -> str | None:
    word = normalize(text)
    # `?` alone asks for help; after a word it is only punctuation: `退订？`, `help?`.
    return _LOOKUP.get(word.rstrip("?") or word)
