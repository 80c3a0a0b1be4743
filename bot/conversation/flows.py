"""The debtor's flows, written once for every channel."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from itertools import zip_longest

from bot.conversation.flow import READBACK, Flow, Invalid, Step, Turn, pick, told_words
from bot.domain import keywords
from bot.domain.dates import AmbiguousDate, DateError, Side, parse_date, parse_day_of_month
from bot.domain.filings import (
    ASSET_CATEGORIES,
    HARDSHIP_REASONS,
    MAX_ASSET_ITEMS,
    PAYMENT_METHODS,
    FilingError,
    Instalments,
    assets_total,
    check_description,
    check_future,
    check_not_future,
    first_instalment,
    is_reduction,
    parse_count,
)
from bot.domain.messages import Reply
from bot.domain.money import AmountError, amount_in, format_yuan, parse_amount, to_fen
from bot.domain.sms import is_gsm
from bot.domain.status import CaseStatus
from bot.domain.texts import format_date

MAX_TEXT = 300


def _amount(turn: Turn) -> int:
    try:
        return to_fen(parse_amount(turn.text))
    except AmountError:
        raise Invalid("error.amount") from None


def _keep(
    key: str, read: Callable[[Turn], object], then: str | None = None
) -> Callable[[Turn], str | None]:
    """A step's `accept` that keeps what `read` makes of the answer as `turn.data[key]`, then
    goes to the step `then` (None: the next in the list)."""

    def accept(turn: Turn) -> str | None:
        turn.data[key] = read(turn)
        return then

    return accept


# The step that asks for an amount (settlement, lump sum, payment): it keeps it in fen.
_amount_fen = _keep("amount_fen", _amount)


# A date not understood gets examples of the step's side; one understood must be on that side.
_DATE_HINTS = {"past": "error.date_past", "future": "error.date_future"}
_DATE_CHECKS = {"past": check_not_future, "future": check_future}


def _date(turn: Turn, side: Side) -> str:
    """The date the debtor means, read toward `side` and checked to be on it, as ISO text; a
    text that may mean several days is asked again, naming them."""
    try:
        day = parse_date(turn.text, turn.today, prefer=side)
    except AmbiguousDate as exc:
        options = turn.t("date.or").join(format_date(day, turn.locale) for day in exc.options)
        raise Invalid("error.date_ambiguous", options=options) from None
    except DateError:
        raise Invalid(_DATE_HINTS[side]) from None
    return _checked(_DATE_CHECKS[side], day, turn.today).isoformat()


# Where a clause ends; a digit and what carries its number on ("2027-01-105", "1.5万", "2k").
_CLAUSE_END = re.compile(r"[，;；!！?？。\n]|(?<![0-9]),|,(?![0-9]{3}(?![0-9]))")  # not 12,000
_NUMBER_ON = re.compile(r"[0-9]\s*[0-9.万萬千仟百佰元块塊wWkK]")
_DATE_LONGEST = 20  # characters; "2026年12月20日" and "DECEMBER 20, 2026" fit
# Where a date may start (a digit, a numeral, a word of a day: 今天, 上周五, 月底, DEC …);
# not a reference's number (单号：2026…) nor a long number (a sum, a phone, 20261201).
_DATE_START = re.compile(
    r"[0-9〇零一二两三四五六七八九十今昨前明后上下本这去大周星礼月年元春中腊正初A-Z]"
)
_NOT_AFTER = re.compile(r"[号號码碼#][\s:：]*$|[0-9][-/.:]?$")
_LONG_NUMBER = re.compile(r"[0-9]{5}")
_TOLD_READ = 120  # characters of a message read for what it tells besides its choice


def _date_after(turn: Turn, name: str) -> str | None:
    """The words of a date said after the words of `keywords.<name>` in their clause (one
    without a negation): from right after them, or from a 到 or 至 ("宽限期到月底再还" →
    "到月底"). None when the clause holds none there."""
    for clause in _CLAUSE_END.split(_told_text(turn.text)):
        ends = [clause.find(word) + len(word) for word in keywords.words(name) if word in clause]
        if ends and not keywords.negated(clause):
            rest = clause[min(ends) :]
            starts = (0, *(m.start() for m in re.finditer("[到至]", rest)))
            return next(filter(None, (_date_start(rest[at:], turn.today) for at in starts)), None)
    return None


def _told_text(text: str) -> str:
    """What of a message is read for what it tells besides its choice: NFKC, in upper case,
    its clauses within the first 120 characters (a clause cut there is left out: "12.5万"
    cut to "12.5" would be a day)."""
    said = unicodedata.normalize("NFKC", text).upper()
    if len(said) <= _TOLD_READ:
        return said
    ends = list(_CLAUSE_END.finditer(said, 0, _TOLD_READ))
    return said[: ends[-1].start()] if ends else ""


def _date_in(turn: Turn) -> str | None:
    """The words of the one date said in the clauses without a negation
    ("剩下的一万七我今天转到法院账户了" → "今天转"); None when there is none, or more than
    one (which is meant is not clear: "收到1月5号的短信后今天转了")."""
    found = [
        said
        for clause in _CLAUSE_END.split(_told_text(turn.text))
        if not keywords.negated(clause)
        for said in _dates_in(clause, turn.today)
    ]
    return found[0] if len(found) == 1 else None


def _dates_in(clause: str, today: date) -> list[str]:
    """The words of each date in `clause`, from left to right."""
    found, at = [], 0
    while at < len(clause):
        starts = (
            _DATE_START.match(clause, at)
            and not _NOT_AFTER.search(clause, 0, at)
            and not _LONG_NUMBER.match(clause, at)
        )
        said = _date_start(clause[at:], today) if starts else None
        found += [said] if said else []
        at += len(said) if said else 1
    return found


def _date_start(text: str, today: date) -> str | None:
    """The longest start of `text` read as a date, or as several (which will not do is for
    `_date` to say), never cut from a number that goes on ("1.5万" holds none)."""
    for end in range(min(len(text), _DATE_LONGEST), 0, -1):
        if _NUMBER_ON.match(text, end - 1):
            continue
        try:
            parse_date(text[:end], today)
        except AmbiguousDate:
            return text[:end]
        except DateError:
            continue
        return text[:end]
    return None


def _told_steps(turn: Turn, flow: Flow, told: dict[str, str | None]) -> str | None:
    """What the words that started `flow` tell for its steps (`told`: the words for each, by
    step key, in order; None: nothing), read by each step's own reader: the step told nothing,
    or told what it would refuse, is asked next; after the last, the step it leads to."""
    following = None
    for key, words in told.items():
        if words is None:
            return key
        try:
            following = flow.step(key).accept(replace(turn, text=words, command=None))
        except Invalid:
            return key
        following = following or flow.after(key)
    return following


def _free_text(turn: Turn) -> str:
    text = " ".join(turn.text.split())
    if not text:
        raise Invalid("error.text_empty")
    return text[:MAX_TEXT]


def _beside(turn: Turn, prefix: str, key: str) -> str | None:
    """What the answer says besides the chosen key's own words (`keywords.<prefix>_<key>`):
    "一次性付8万" → "付8万"; None when it holds none of them."""
    found = keywords.named(turn.text, told_words(prefix, (key,)))
    if not found:
        return None
    rest = keywords.normalize(turn.text)
    for word in next(iter(found.values())):
        rest = rest.replace(word, "")
    return rest


def _checked(check, *args):
    try:
        return check(*args)
    except FilingError as exc:
        raise Invalid(exc.key) from None


def _ask(key: str):
    return lambda turn: Reply(turn.t(key))


def _clip(text: str, limit: int = 40) -> str:
    """At most `limit` characters. The mark of a cut keeps GSM-7 text GSM-7: a `…` would make
    an English read-back UCS-2, and two SMS segments hold 134 characters instead of 306."""
    if len(text) <= limit:
        return text
    mark = "..." if is_gsm(text) else "…"
    return text[: limit - len(mark)] + mark


def _due(turn: Turn) -> str:
    return format_yuan(turn.case.owed_fen) if turn.case else "-"


# --- assets ------------------------------------------------------------------------------


def _asset_category_prompt(turn: Turn) -> Reply:
    items = turn.data.get("items", [])
    key = "assets.category_more" if items else "assets.category"
    return Reply(turn.t(key, count=len(items)), turn.choices("asset", ASSET_CATEGORIES))


def _asset_category(turn: Turn) -> str | None:
    items = turn.data.setdefault("items", [])
    if turn.command == keywords.DONE and items:
        return READBACK
    if turn.command == keywords.NOTHING and not items:
        turn.data["nothing"] = True
        return READBACK
    category = pick(turn, "asset", ASSET_CATEGORIES, "error.asset_category", told=True)
    turn.data["current"] = {"category": category}
    # Named with words that also say what it is ("电动车一辆"): they are its description.
    rest = _beside(turn, "asset", category)
    if rest and sum(ch.isalnum() for ch in rest) >= 2:
        turn.data["current"]["description"] = _clip(_free_text(turn), 100)
        return "value"
    return None


def _asset_description(turn: Turn) -> str | None:
    description = _checked(check_description, _free_text(turn))
    turn.data["current"]["description"] = _clip(description, 100)
    return None


def _asset_value_prompt(turn: Turn) -> Reply:
    income = turn.data["current"]["category"] == "income"
    return Reply(turn.t("assets.value_income" if income else "assets.value"))


def _asset_value(turn: Turn) -> str | None:
    item = {**turn.data.pop("current"), "value_fen": _amount(turn)}
    turn.data["items"].append(item)
    return READBACK if len(turn.data["items"]) >= MAX_ASSET_ITEMS else "category"


# How an item reads back: income per month, last year's changes apart from the total.
_ITEM_TEXTS = {"income": "assets.item_monthly", "changes": "assets.item_change"}


def _asset_summary(turn: Turn) -> str:
    """Every item in full (a long list goes in numbered parts), and the current total."""
    items = turn.data.get("items", [])
    if turn.data.get("nothing") or not items:
        return turn.t("assets.summary_nothing")
    listed = "; ".join(
        f"{n}. "
        + turn.t(
            _ITEM_TEXTS.get(item["category"], "assets.item"),
            category=turn.t("asset." + item["category"]),
            description=item["description"],
            value=format_yuan(item["value_fen"]),
        )
        for n, item in enumerate(items, 1)
    )
    total = format_yuan(assets_total(items))
    return turn.t("assets.summary", count=len(items), total=total, items=listed)


ASSETS = Flow(
    "assets",
    (
        Step("category", _asset_category_prompt, _asset_category),
        Step("description", _ask("assets.description"), _asset_description),
        Step("value", _asset_value_prompt, _asset_value),
    ),
    _asset_summary,
    all_cases=True,
)


# --- hardship ----------------------------------------------------------------------------


TOLD = 4  # characters of words that name no reason and still tell one ("看病没钱了")
DENIAL = 3  # characters before a reason where a negation denies it ("我不是失业")


def _told(label: str, said: str) -> bool:
    """Whether `said` holds `label`, not just after a negation ("没有失业", "不是失业")."""
    at = said.find(label)
    return at >= 0 and not keywords.negated(said[max(0, at - DENIAL) : at])


def _reason_named(turn: Turn) -> str | None:
    """The one reason the words name, by its label ("我失业了") or its own words (`keywords.
    hardship_<reason>`: "被裁员了"), where they do not deny it ("我不是失业")."""
    said = keywords.normalize(turn.text)
    named = [
        key
        for key in HARDSHIP_REASONS
        if key != "other"
        and any(
            _told(word, said)
            for word in (
                keywords.normalize(turn.t(f"hardship.{key}")),
                *keywords.words(f"hardship_{key}"),
            )
        )
    ]
    return named[0] if len(named) == 1 else None


def _date_or_sum(turn: Turn) -> bool:
    """Whether the answer is a date or a sum alone: an answer to another question."""
    try:
        parse_date(turn.text, turn.today)
    except DateError:
        try:
            parse_amount(turn.text)
        except AmountError:
            return False
    return True


def _hardship_reason(turn: Turn) -> str | None:
    """The reason picked (then the details are asked), or told: words naming one reason are
    that reason; other words of some length ("看病花了很多钱") are "other", and either way
    they are the details: the read-back comes next. A number first ("2 失业"), a yes or a few
    characters ("好的") get the step's error."""
    try:
        turn.data["reason"] = pick(turn, "hardship", HARDSHIP_REASONS, "error.choice")
        return None
    except Invalid:
        said = keywords.normalize(turn.text)
        if said[:1].isdigit() or turn.command is not None:
            raise
        reason = _reason_named(turn)
        if reason is None and (len(said) < TOLD or _date_or_sum(turn)):
            raise
        return _hardship_in_words(turn, reason or "other")


def _hardship_in_words(turn: Turn, reason: str) -> str:
    turn.data["reason"] = reason
    turn.data["details"] = _free_text(turn)
    return READBACK


def _hardship_told(turn: Turn) -> str | None:
    """A hardship told at the menu with its reason ("我被裁员了，家里还有两个孩子",
    "3个月前被裁员了"): read back with the words as the details. Without one ("生活很困难")
    the reason is asked."""
    reason = _reason_named(turn)
    return None if reason is None else _hardship_in_words(turn, reason)


HARDSHIP = Flow(
    "hardship",
    (
        Step(
            "reason",
            lambda turn: Reply(
                turn.t("hardship.reason"), turn.choices("hardship", HARDSHIP_REASONS)
            ),
            _hardship_reason,
        ),
        Step("details", _ask("hardship.details"), _keep("details", _free_text)),
    ),
    lambda turn: turn.t(
        "hardship.summary",
        reason=turn.t("hardship." + turn.data["reason"]),
        details=_clip(turn.data["details"]),
    ),
    all_cases=True,
    told=_hardship_told,
)


# --- settlement --------------------------------------------------------------------------

_SETTLEMENT_KINDS = ("instalments", "lump")
_INSTALMENT_STEPS = ("down", "count", "amount", "day")


def _settle_kind(turn: Turn) -> str | None:
    """The kind picked or told ("我想分期", "一次付清"); a lump sum told with its amount
    ("一次性付8万") keeps it, and its date is asked next; instalments keep the terms told with
    them (`_terms_told`: "首付两万，剩下的分五期"), each as its step reads it, in the steps'
    order: the first not told, or told as its step would refuse, is asked next."""
    kind = pick(turn, "settle", _SETTLEMENT_KINDS, "error.choice", told=True)
    turn.data["kind"] = kind
    if kind == "lump":
        if amount := amount_in(_beside(turn, "settle", kind) or ""):
            turn.data["amount_fen"] = to_fen(amount)
            return "lump_date"
        return "lump_amount"
    told = _terms_told(turn.text)
    return _told_steps(turn, SETTLE, {step: told.get(step) for step in _INSTALMENT_STEPS})


# The words of instalment terms, each of its own step: a day of the month (每月15号), a count
# (分五期, 12期, 分5个月; not 第一期), and the words before the down payment's and each
# payment's sums (首付两万, 每个月还八千).
_NUMBER = f"[{keywords.COUNT_NUMERALS}]+"
_TERMS = re.compile(
    rf"(?P<day>每个?月的?{_NUMBER}[号日])"
    rf"|(?P<count>分{_NUMBER}个月|(?<![第每{keywords.COUNT_NUMERALS}]){_NUMBER}期)"
    r"|(?P<amount>每个?[期月](?:先还|先付)?)|(?P<down>首付|首期|先付|先还)"
)


def _terms_told(text: str) -> dict[str, str]:
    """The words of each instalment term `text` tells, by its step: a count's or a day's own,
    a sum's right after its words, up to the next term's or the clause's end ("首付2万剩下分
    5期" → "2万"), or a down payment of "0" ("首付0", "没有首付"). A clause with a negation
    tells no other; a term told twice, or with two sums, is not told."""
    told: dict[str, set[str | None]] = {}
    for clause in _CLAUSE_END.split(_told_text(text)):
        marks = list(_TERMS.finditer(clause))
        denied = bool(marks) and keywords.negated(clause)
        no_down = denied and amount_in(clause) is None  # "没有首付", "不付首付": none
        for mark, after in zip_longest(marks, marks[1:]):
            rest = clause[mark.end() : after.start() if after else None]
            if denied:
                words = "0" if mark.lastgroup == "down" and no_down else None
            elif mark.lastgroup in ("count", "day"):
                words = mark.group()
            else:
                words = "0" if keywords.normalize(rest) == "0" else _sum_start(rest)
            told.setdefault(mark.lastgroup, set()).add(words)
    return {term: said.pop() for term, said in told.items() if len(said) == 1 and None not in said}


_SUM_LONGEST = 24  # characters, words said before it included ("还两百零五块三毛二分")


def _sum_start(text: str) -> str | None:
    """The words of the one sum `text` holds (as `amount_in` finds it) where they start it,
    after the question's words `parse_amount` leaves out ("还八千，以后" → "还八千")."""
    amount = amount_in(text)
    if amount is None:
        return None
    for end in range(min(len(text), _SUM_LONGEST), 0, -1):
        try:
            if parse_amount(text[:end]) == amount:
                return text[:end]
        except AmountError:
            continue
    return None


def _settle_down(turn: Turn) -> str | None:
    nothing = (
        turn.command in (keywords.NOTHING, keywords.SKIP) or keywords.normalize(turn.text) == "0"
    )
    turn.data["down_fen"] = 0 if nothing else _amount(turn)
    return None


def _settle_day(turn: Turn) -> str | None:
    try:
        day = parse_day_of_month(turn.text)
    except DateError:
        raise Invalid("error.day_of_month") from None
    turn.data["day"] = day
    turn.data["first"] = first_instalment(turn.today, day).isoformat()
    return READBACK


def settlement_total(data: dict) -> int:
    if data["kind"] == "instalments":
        return data["down_fen"] + data["count"] * data["amount_fen"]
    return data["amount_fen"]


def _settle_summary(turn: Turn) -> str:
    d = turn.data
    total = settlement_total(d)
    reduction = ""
    if turn.case and is_reduction(total, turn.case.owed_fen):
        reduction = turn.t("settle.reduction")
    if d["kind"] == "instalments":
        plan = Instalments(
            d["down_fen"], d["count"], d["amount_fen"], d["day"], date.fromisoformat(d["first"])
        )
        return turn.t(
            "settle.summary_instalments",
            down=format_yuan(d["down_fen"]),
            count=d["count"],
            amount=format_yuan(d["amount_fen"]),
            day=d["day"],
            first=format_date(plan.first, turn.locale),
            last=format_date(plan.last, turn.locale),
            total=format_yuan(total),
            owed=_due(turn),
            reduction=reduction,
        )
    return turn.t(
        "settle.summary_lump",
        amount=format_yuan(total),
        date=format_date(date.fromisoformat(d["pay_on"]), turn.locale),
        owed=_due(turn),
        reduction=reduction,
    )


SETTLE = Flow(
    "settle",
    (
        Step(
            "kind",
            lambda turn: Reply(turn.t("settle.kind"), turn.choices("settle", _SETTLEMENT_KINDS)),
            _settle_kind,
        ),
        Step("down", _ask("settle.down"), _settle_down),
        Step(
            "count",
            _ask("settle.count"),
            _keep("count", lambda turn: _checked(parse_count, turn.text)),
        ),
        Step("amount", _ask("settle.amount"), _amount_fen),
        Step("day", _ask("settle.day"), _settle_day),
        Step("lump_amount", _ask("settle.lump_amount"), _amount_fen),
        Step(
            "lump_date",
            _ask("settle.lump_date"),
            _keep("pay_on", lambda turn: _date(turn, "future"), READBACK),
        ),
    ),
    _settle_summary,
    told=_settle_kind,  # "剩下的能不能分期还", "首付两万，分五期": as if told at that step
)


# --- grace -------------------------------------------------------------------------------


def _grace_summary(turn: Turn) -> str:
    return turn.t(
        "grace.summary",
        until=format_date(date.fromisoformat(turn.data["until"]), turn.locale),
        reason=_clip(turn.data["reason"]),
        owed=_due(turn),
    )


_grace_until = _keep("until", lambda turn: _date(turn, "future"))


def _grace_told(turn: Turn) -> str | None:
    """A grace asked for with its date ("能不能宽限到月底", "宽限到下个月15号再还"): the date
    is kept as the date step reads it, and the reason is asked next. A date that will not do
    there (past, or which day is not clear) is asked."""
    said = _date_after(turn, "grace")
    if said is None:
        return None
    return _grace_until(replace(turn, text=said)) or "reason"


GRACE = Flow(
    "grace",
    (
        Step("until", _ask("grace.until"), _grace_until),
        Step("reason", _ask("grace.reason"), _keep("reason", _free_text, READBACK)),
    ),
    _grace_summary,
    told=_grace_told,
    asks_for=CaseStatus.GRACE,
)


# --- payment report ----------------------------------------------------------------------


def _paid_reference(turn: Turn) -> str | None:
    """The voucher's reference; none when skipped, or said in words ("没有单号", "不记得了"):
    a negation, and no digit or letter a reference would hold."""
    said = keywords.normalize(turn.text)
    none_told = keywords.negated(said) and not any(ch.isascii() and ch.isalnum() for ch in said)
    skipped = turn.command in (keywords.SKIP, keywords.NOTHING) or none_told
    turn.data["reference"] = "" if skipped else _clip(_free_text(turn), 40)
    return READBACK


def _paid_summary(turn: Turn) -> str:
    """The read-back states what is due: in a plan its next payment, else what is owed."""
    d = turn.data
    reference = turn.t("paid.reference_is", reference=d["reference"]) if d["reference"] else ""
    plan_due = turn.case.plan_due_fen if turn.case else None
    return turn.t(
        "paid.summary" if plan_due is None else "paid.summary_plan",
        amount=format_yuan(d["amount_fen"]),
        date=format_date(date.fromisoformat(d["paid_on"]), turn.locale),
        method=turn.t("paid." + d["method"]),
        reference=reference,
        owed=_due(turn) if plan_due is None else format_yuan(plan_due),
    )


def _paid_told(turn: Turn) -> str | None:
    """A payment told at the menu with its sum ("我已经转了5万到法院账户"): the sum is kept,
    and so are the day and the way it was paid where the message tells them, as their steps
    read them ("剩下的一万七我今天转到法院账户了"); the first step not told is asked next."""
    amount = amount_in(turn.text)
    if amount is None:
        return None
    turn.data["amount_fen"] = to_fen(amount)
    return _told_steps(turn, PAID, {"date": _date_in(turn), "method": turn.text})


PAID = Flow(
    "paid",
    (
        Step("amount", _ask("paid.amount"), _amount_fen),
        Step("date", _ask("paid.date"), _keep("paid_on", lambda turn: _date(turn, "past"))),
        Step(
            "method",
            lambda turn: Reply(turn.t("paid.method"), turn.choices("paid", PAYMENT_METHODS)),
            _keep(
                "method",
                lambda turn: pick(turn, "paid", PAYMENT_METHODS, "error.choice", told=True),
            ),
        ),
        Step("reference", _ask("paid.reference"), _paid_reference),
    ),
    _paid_summary,
    told=_paid_told,
)

FLOWS = {flow.intent: flow for flow in (ASSETS, HARDSHIP, SETTLE, GRACE, PAID)}
