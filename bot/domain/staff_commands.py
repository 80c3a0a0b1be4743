"""What staff type to act on a task, by SMS or in chat: one grammar, in every language.

    同意 #12          accept #12         accept (a settlement, a grace asked, a payment)
    同意 #12 3月1日    accept #12 2027-03-01   grant grace to another date
    拒绝 #12 <理由>    reject #12 <reason>     the reason reaches the debtor verbatim
    #12 2 [备注]       #12 2 [note]            the task's second option
    还价 #12 <首付> <期数> <每期> <日>   counter #12 …   a counter-proposal (chat and web only)
    帮助              help

`＃` and full-width digits are read as `#` and digits; the reference may come before or after
the word, and may be left out when exactly one task is open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.domain import keywords


class Verb(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"
    OPTION = "option"
    COUNTER = "counter"
    HELP = "help"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class StaffCommand:
    verb: Verb
    ref: int | None = None
    option: int | None = None
    text: str = ""  # a reason, a note, a date or the terms of a counter-proposal


_REF = r"#\s*(\d{1,9})(?!\d)"
_OPTION = re.compile(rf"^(?:{_REF}\s*)?(\d{{1,2}})(?!\d)(?:\s+(.*))?$", re.S)
_WORD_THEN = re.compile(rf"^([^\s#\d]+)\s*(?:{_REF})?(?:\s+(.*))?$", re.S)
_REF_THEN = re.compile(rf"^{_REF}\s*([^\s#\d]+)(?:\s+(.*))?$", re.S)
# Full-width ASCII and the ideographic space, folded one character for one, so that a match's
# positions hold in the original text: a reason is passed on as it was written.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_VERBS = {"staff_accept": Verb.ACCEPT, "staff_reject": Verb.REJECT, "staff_counter": Verb.COUNTER}


def _verb(word: str) -> Verb | None:
    normal = keywords.normalize(word)
    if normal in keywords.words(keywords.HELP) or normal in ("0", "?"):
        return Verb.HELP
    for name, verb in _VERBS.items():
        if normal in keywords.words(name):
            return verb
    return None


def parse(text: str) -> StaffCommand:
    """The command in `text`; `Verb.UNKNOWN` when it is none of the grammar's forms."""
    original = (text or "").strip()
    folded = original.translate(_FOLD)
    if not folded:
        return StaffCommand(Verb.UNKNOWN)

    def rest(found: re.Match[str]) -> str:
        return original[found.start(3) :].strip() if found.group(3) else ""

    if found := _OPTION.match(folded):
        ref = found.group(1)
        if not ref and found.group(2) == "0":  # as for debtors: 0 asks for help
            return StaffCommand(Verb.HELP)
        return StaffCommand(
            Verb.OPTION, int(ref) if ref else None, int(found.group(2)), rest(found)
        )
    for pattern, word_at, ref_at in ((_REF_THEN, 2, 1), (_WORD_THEN, 1, 2)):
        found = pattern.match(folded)
        if found is None or (verb := _verb(found.group(word_at))) is None:
            continue
        ref = found.group(ref_at)
        return StaffCommand(verb, int(ref) if ref else None, text=rest(found))
    return StaffCommand(Verb.UNKNOWN, text=original)
