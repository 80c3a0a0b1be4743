"""What staff type to act on a task, by SMS or in chat: one grammar, in every language.

    同意 #12          accept #12         accept (a settlement, a grace asked, a payment)
    同意 #12 3月1日    accept #12 2027-03-01   grant grace to another date
    同意 #12 30000     accept #12 30000        confirm the sum that arrived (a payment;
    同意 #12 实收3万    accept #12 received 30000   or the sum after 实收, 到账 …)
    拒绝 #12 <理由>    reject #12 <reason>     the reason reaches the debtor verbatim
    #12 2 [备注]       #12 2 [note]            the task's second option
    #12 属实 [备注]     #12 true [note]         the same by its words (bot/conversation/staff.py)
    还价 #12 <首付> <期数> <每期> <日>   counter #12 …   a counter-proposal (chat and web only)
    帮助              help

`＃` and full-width digits are read as `#` and digits; the reference may come before or after
the word, and may be left out when exactly one task is open. A verb turned around (没同意,
难以同意, 同意不了, 同意吗) or an acceptance doubted in its note (…吗, …拒绝) is no command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bot.domain import keywords
from bot.domain.money import AmountError, amount_in


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
_REF_FIRST = re.compile(rf"^{_REF}\s*", re.S)
_AFTER_VERB = re.compile(rf"了?[\s,.:;，。：；、]*(?:{_REF})?[\s,.:;，。：；、]*", re.S)
_VERBS = {"staff_accept": Verb.ACCEPT, "staff_reject": Verb.REJECT, "staff_counter": Verb.COUNTER}
# Words people put before the verb ("好的，同意", "OK, accept"): at most this many characters.
_LEAD = 4
# …unless they hold a negation ("not accept", "没同意", "不会同意"; "没问题" is none) or words
# that turn the verb around ("难以同意", "撤回同意", "等等再同意"): the verb is not meant.
_AFFIRMED = re.compile(r"没有?(?:问题|意见)")
_NEGATED = re.compile(keywords.NEGATION, re.I)
_TURNED = re.compile(r"难以|恕难|撤回|撤销|取消|等等|暂缓|稍后")
# A negation or a question right after the verb ("同意不了", "同意，不行", "同意吗？").
_NOT_AFTER = re.compile(rf"(?:{keywords.NEGATION})|[吗么嘛?？]", re.I)
# Words in an acceptance's note that doubt it: a question, or a decision put off.
_DOUBTS = re.compile(r"[?吗]|再说|待定|确认后|核实后")
SEPARATORS = " ,.:;!，。：；、！"
# Full-width ASCII and the ideographic space, folded one character for one, so that a match's
# positions hold in the original text: a reason is passed on as it was written.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _verb_at(folded: str) -> tuple[Verb, int] | None:
    """The verb near the start of `folded` and where it ends: the earliest keyword found, the
    longest where two start together (`不同意` is not `同意`); English words whole. None after
    a negation, or where another verb follows at once ("OK, reject"): which is meant is not
    clear."""
    upper = folded.upper()
    found = _verbs_in(upper, _LEAD)
    if not found:
        return None
    start, minus_length, verb = min(found)
    lead = folded[:start]
    if "#" in lead or any(ch.isdigit() for ch in lead) or len(lead.strip(" ,，。.")) > _LEAD:
        return None
    if _NEGATED.search(_AFFIRMED.sub("", lead)) or _TURNED.search(lead):
        return None
    end = start - minus_length
    if _NOT_AFTER.match(_AFFIRMED.sub("", upper[end:].lstrip(SEPARATORS))):
        return None
    after = upper[end:].lstrip(SEPARATORS)
    if any(other != verb for at, _, other in _verbs_in(after, 0) if at == 0):
        return None
    return verb, end


def _verbs_in(upper: str, lead: int) -> list[tuple[int, int, Verb]]:
    """(start, minus its length, verb) of each keyword that starts within `lead` characters
    (and a separator or two) of the start of `upper`."""
    found = []
    for name, verb in _VERBS.items():
        for word in keywords.words(name):
            pattern = rf"\b{re.escape(word)}\b" if word.isascii() else re.escape(word)
            if hit := re.search(pattern, upper[: lead + len(word) + 2]):
                found.append((hit.start(), -len(word), verb))
    return found


# A note made of a sum's characters alone (`30000`, `3万元`, `壹万贰仟元整`, `-30000`, `0元`).
_SUM_ONLY = re.compile(
    r"[-+−\s\d.,¥￥〇零一二两三四五六七八九十百千万萬壹贰叁肆伍陆柒捌玖拾佰仟元块塊钱整角毛分kw]+"
)
_CURRENCY = re.compile(r"\b(?:CNY|RMB|YUAN)\b", re.I)
_CLAUSE_END = re.compile(r"[，。；;（()）\n]|,(?!\d{3})")  # 12,000 is one sum
# A number said: a digit, or numerals with a unit (三万; not the 一 of 一致).
_NUMBER_SAID = re.compile(
    r"[0-9]|[〇零一二两三四五六七八九十百千万萬壹贰叁肆伍陆柒捌玖拾佰仟]+[万萬千仟百佰元块塊]"
)


def received_sum(note: str) -> Decimal | None:
    """The sum a note accepting a payment says arrived, read as `money.amount_in` reads sums
    (not a day, a time, a reference or a phone): the whole note (`30000`, `3万元`); or, in a
    note with a word for it (`keywords.received`), the sum after that word to its clause's
    end (`实收3万（报告5万）`), else the note's one sum (`3万已到账`). None when the note says
    none (`已核对，流水号2026…`, `收到，谢谢`); AmountError when it says a number that is not
    one sum so read (`30000 50000`, `12.1`, `0元`, `已到账 12.1`)."""
    text = _CURRENCY.sub("", (note or "").strip().translate(_FOLD)).strip()
    if _SUM_ONLY.fullmatch(text):
        return _one_sum(text)
    upper = text.upper()
    marks = [(upper.find(w), len(w)) for w in keywords.words("received") if w in upper]
    if marks:
        start, length = min(marks)
        clause_start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
        if keywords.negated(text[clause_start : start + length]):  # "5000没到账", "未收到3万"
            raise AmountError(text)
        after = _CLAUSE_END.split(text[start + length :], maxsplit=1)[0]
        if (amount := amount_in(after)) is not None:
            return amount
    if _says_short(upper):  # "已到账，差五千": what is short, not what arrived
        raise AmountError(text)
    return _one_sum(text) if marks else None


def _says_short(upper: str) -> bool:
    """Whether a clause says a number after words of a shortfall (`keywords.short`)."""
    return any(
        _NUMBER_SAID.search(clause, clause.find(word) + len(word))
        for clause in _CLAUSE_END.split(upper)
        for word in keywords.words("short")
        if word in clause
    )


def _one_sum(text: str) -> Decimal | None:
    """The one sum `text` holds; None when it says no number; AmountError when it says one
    that is not one sum."""
    amount = amount_in(text)
    if amount is None and _NUMBER_SAID.search(text):
        raise AmountError(text)
    return amount


def reference_first(text: str) -> tuple[int | None, str]:
    """The reference a message starts with, if any, and what follows it as written
    ("#5：属实，已上门" → 5, "属实，已上门")."""
    original = (text or "").strip()
    if first := _REF_FIRST.match(original.translate(_FOLD)):
        return int(first.group(1)), original[first.end() :].lstrip(SEPARATORS)
    return None, original


def parse(text: str) -> StaffCommand:
    """The command in `text`; `Verb.UNKNOWN` when it is none of the grammar's forms."""
    original = (text or "").strip()
    folded = original.translate(_FOLD)
    if not folded:
        return StaffCommand(Verb.UNKNOWN)
    if found := _OPTION.match(folded):
        ref = found.group(1)
        if not ref and found.group(2) == "0":  # as for debtors: 0 asks for help
            return StaffCommand(Verb.HELP)
        rest = original[found.start(3) :].strip() if found.group(3) else ""
        return StaffCommand(Verb.OPTION, int(ref) if ref else None, int(found.group(2)), rest)
    if keywords.normalize(folded) in (*keywords.words(keywords.HELP), "?"):
        return StaffCommand(Verb.HELP)
    ref, at = None, 0
    if first := _REF_FIRST.match(folded):
        ref, at = int(first.group(1)), first.end()
    if (hit := _verb_at(folded[at:])) is None:
        return StaffCommand(Verb.UNKNOWN, text=original)
    verb, end = hit
    after = _AFTER_VERB.match(folded, at + end)
    if after.group(1):
        ref = ref if ref is not None else int(after.group(1))
    note = original[after.end() :].strip()
    if ref is None and re.search(_REF, folded[after.end() :]):  # "同意没问题 #12": which one?
        return StaffCommand(Verb.UNKNOWN, text=original)
    if verb == Verb.ACCEPT and _doubted(note.translate(_FOLD).upper()):
        return StaffCommand(Verb.UNKNOWN, text=original)
    return StaffCommand(verb, ref, text=note)


def _doubted(note: str) -> bool:
    """Whether an acceptance's note doubts it: a question ("申请人知道吗"), a decision put off
    ("等申请人确认后再说") or the words of a refusal ("不对，拒绝"). A refusal's reason may
    ask ("首付能否提高？"): the debtor reads it."""
    return bool(_DOUBTS.search(note)) or any(w in note for w in keywords.words("staff_reject"))
