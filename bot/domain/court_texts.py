"""The texts a court may word itself: which ones, with which placeholders, how a court's text
is checked and previewed, and how a text is filled when it is sent.

A court words the reminders its debtors get (and the chat invitation) per locale; what it has
not worded stays the shipped catalog's text. A court's text uses the admins' placeholder names
(`{court}`, `{case_number}`, `{deadline}`…); the catalogs keep their own (`{sig}`, `{case}`,
`{due}`…), and `shipped()` shows a catalog text under the admins' names, so the form starts from
it and one `fill()` renders both.

The reply menu is not a placeholder: each reminder names the few replies that fit its moment
(the day-0 reminder all of them, the deadline 3, 4, 5), the whole menu would not fit in two
segments beside the rest, and the debtor's digit is read by the menu whatever the reminder said.
So a court writes its hint itself, as the shipped texts do; the form lists the menu beside it.
"""

from __future__ import annotations

import difflib
import functools
import string
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.domain.locales import resolve
from bot.domain.money import format_yuan
from bot.domain.sms import MAX_SEGMENTS, alphabet, segments
from bot.domain.texts import court_signature, format_date, render, translations

MAX_CHARACTERS = 500  # far beyond two segments: longer is refused before it is read
CONSEQUENCES = "law.consequences"  # the lawful consequences of not performing (DOMAIN.md)

# The catalogs' placeholder names under the admins' names; the others are the same in both.
ADMIN_NAMES = {"sig": "court", "case": "case_number", "due": "deadline"}


@dataclass(frozen=True)
class Wording:
    """What a court's text of one key may and must name."""

    allowed: tuple[str, ...]
    required: frozenset[str]


_DEBTOR = ("court", "name", "case_number", "amount")
_OWED = (*_DEBTOR, "deadline", "consequences")
_MUST = frozenset({"court", "case_number", "amount"})  # whose court, which case, how much

EDITABLE: dict[str, Wording] = {
    "reminder.day0": Wording(_OWED, _MUST | {"deadline"}),
    "reminder.middle": Wording(_OWED, _MUST | {"deadline"}),
    "reminder.warning": Wording(_OWED, _MUST | {"deadline", "consequences"}),
    "reminder.deadline": Wording(_OWED, _MUST),
    "reminder.grace_end": Wording((*_DEBTOR, "consequences"), _MUST),
    "reminder.instalment": Wording((*_DEBTOR, "payment", "date"), _MUST | {"payment", "date"}),
    "chat.invite": Wording(("court", "link"), frozenset({"court", "link"})),
}
PLACEHOLDERS = ("court", "name", "case_number", "amount", "deadline", "consequences")
PLACEHOLDERS += ("payment", "date", "link")

# Sample data for the preview, long as real cases get them: the segment count is honest.
SAMPLE_CASE = "（2024）浙0522民初12345号"
SAMPLE_AMOUNT_FEN = 1_234_567_890  # 12,345,678.90
SAMPLE_DAY = date(2026, 12, 31)
SAMPLE_PAYMENT = 12
SAMPLE_LINK = "https://t.me/ducu_court_bot?start=" + "x" * 22


class Preview(BaseModel):
    model_config = ConfigDict(frozen=True)
    text: str
    segments: int
    alphabet: Literal["GSM-7", "UCS-2"]
    characters: int


class Placeholder(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    required: bool


@dataclass(frozen=True)
class Reason:
    """Why a text is refused: a catalog key and its values, rendered in the reader's locale."""

    key: str
    values: dict[str, str]

    def text(self, locale: str | None) -> str:
        return render(self.key, locale, **self.values)


@dataclass(frozen=True)
class Checked:
    """A text as it would be saved (line breaks made `\\n`, ends trimmed), every reason it is
    refused, and its preview when it can be filled (also when only too long)."""

    body: str
    reasons: tuple[Reason, ...]
    preview: Preview | None


@dataclass(frozen=True)
class CourtText:
    """A court's own wording of one key in one locale, as stored."""

    locale: str
    key: str
    body: str
    updated_at: datetime


def placeholders(key: str) -> list[Placeholder]:
    wording = EDITABLE[key]
    return [Placeholder(name=name, required=name in wording.required) for name in wording.allowed]


def _rebuild(template: str, rename: dict[str, str]) -> str:
    out = []
    for literal, field, _, _ in string.Formatter().parse(template):
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if field is not None:
            out.append("{" + rename.get(field, field) + "}")
    return "".join(out)


@functools.cache
def shipped(key: str, locale: str | None) -> str:
    """The catalog's text of `key` in `locale`, under the admins' placeholder names."""
    return _rebuild(translations(resolve(locale)).gettext(key), ADMIN_NAMES)


def fill(key: str, locale: str | None, wording: str | None, **values: object) -> str:
    """The text a debtor reads: the court's `wording` of `key` (admin names), else the shipped
    one, with `values` (admin names) and the lawful consequences in the debtor's locale."""
    body = shipped(key, locale) if wording is None else wording
    return body.format(**{"consequences": render(CONSEQUENCES, locale), **values})


def samples(court_name: str, locale: str) -> dict[str, str]:
    """The preview's values: the court's own signature, the rest long-ish sample data."""
    day = format_date(SAMPLE_DAY, locale)
    return {
        "court": court_signature(court_name),
        "name": render("admin.templates.sample_name", locale),
        "case_number": SAMPLE_CASE,
        "amount": format_yuan(SAMPLE_AMOUNT_FEN),
        "deadline": day,
        "payment": render("payment.nth", locale, seq=SAMPLE_PAYMENT),
        "date": day,
        "link": SAMPLE_LINK,
    }


def preview(key: str, locale: str, wording: str | None, court_name: str) -> Preview:
    text = fill(key, locale, wording, **samples(court_name, locale))
    return Preview(
        text=text, segments=segments(text), alphabet=alphabet(text), characters=len(text)
    )


def normalize(body: str) -> str:
    return body.replace("\r\n", "\n").replace("\r", "\n").strip()


def check(key: str, locale: str, body: str, court_name: str) -> Checked:
    """Whether `body` may be the court's text of `key` in `locale`: every reason it may not."""
    body = normalize(body)
    if not body:
        return Checked(body, (Reason("admin.templates.error.empty", {}),), None)
    if len(body) > MAX_CHARACTERS:
        reason = Reason("admin.templates.error.too_long", {"max": str(MAX_CHARACTERS)})
        return Checked(body, (reason,), None)
    reasons: list[Reason] = []
    if any(unicodedata.category(ch) == "Cc" and ch != "\n" for ch in body):
        reasons.append(Reason("admin.templates.error.control", {}))
    try:
        parts = list(string.Formatter().parse(body))
    except ValueError:
        return Checked(body, (*reasons, Reason("admin.templates.error.braces", {})), None)
    wording = EDITABLE[key]
    used: set[str] = set()
    for _, field, spec, conversion in parts:
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            written = field + (f"!{conversion}" if conversion else "")
            written += f":{spec}" if spec else ""
            reasons.append(Reason("admin.templates.error.bad_field", {"field": _braced(written)}))
        elif field not in wording.allowed:
            reasons.append(_unknown(field, wording))
        else:
            used.add(field)
    if missing := [name for name in wording.allowed if name in wording.required - used]:
        names = " ".join(map(_braced, missing))
        reasons.append(Reason("admin.templates.error.missing", {"names": names}))
    if reasons:
        return Checked(body, tuple(_once(reasons)), None)
    shown = preview(key, locale, body, court_name)
    if shown.segments > MAX_SEGMENTS:
        too_long = {"count": str(shown.segments), "max": str(MAX_SEGMENTS)}
        reasons.append(Reason("admin.templates.error.segments", too_long))
    return Checked(body, tuple(reasons), shown)


def _unknown(field: str, wording: Wording) -> Reason:
    """An unknown placeholder, with the one meant when it is plain which."""
    close = ADMIN_NAMES.get(field)
    if close not in wording.allowed:
        close = next(iter(difflib.get_close_matches(field, wording.allowed, n=1, cutoff=0.6)), None)
    if close is not None:
        values = {"field": _braced(field), "close": _braced(close)}
        return Reason("admin.templates.error.unknown_close", values)
    allowed = " ".join(map(_braced, wording.allowed))
    return Reason("admin.templates.error.unknown", {"field": _braced(field), "allowed": allowed})


def _braced(name: str) -> str:
    return "{" + name + "}"


def _once(reasons: list[Reason]) -> list[Reason]:
    """Each reason once, in order (a misspelling used twice is said once)."""
    seen: list[Reason] = []
    for reason in reasons:
        if reason not in seen:
            seen.append(reason)
    return seen
