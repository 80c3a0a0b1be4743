"""SMS segment arithmetic: GSM-7 or UCS-2, single or concatenated."""

from __future__ import annotations

from typing import Literal

_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")
MAX_SEGMENTS = 2


def is_gsm(text: str) -> bool:
    return all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text)


def alphabet(text: str) -> Literal["GSM-7", "UCS-2"]:
    """The encoding an SMS of `text` is sent in."""
    return "GSM-7" if is_gsm(text) else "UCS-2"


def segments(text: str) -> int:
    """How many SMS segments `text` takes."""
    if is_gsm(text):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
        single, multi = 160, 153
    else:
        # A lone surrogate (JSON may carry one) is one unit too, not an error.
        units = len(text.encode("utf-16-le", "surrogatepass")) // 2
        single, multi = 70, 67
    if units <= single:
        return 1
    return -(-units // multi)


def fits(text: str, max_segments: int = MAX_SEGMENTS) -> bool:
    return segments(text) <= max_segments


# Where a long text is best cut into parts, best first: between items, clauses, words.
_BREAKS = ("\n", "; ", "；", "。", "，", "、", " ")


def pages(text: str, reserve: str = "", max_segments: int = MAX_SEGMENTS) -> list[str]:
    """`text` as one message, or as numbered parts (`1/3 …`) that each fit in `max_segments`,
    cut where a clause ends; the last part still fits with `reserve` (e.g. choices) after it."""
    if fits(text + reserve, max_segments):
        return [text]
    if not text.strip():  # blank: nothing to number
        return [""]
    for width in range(1, 4):  # digits of the number of parts
        parts = _cut(text, reserve, max_segments, f"{'9' * width}/{'9' * width} ")
        if len(parts) < 10**width:
            return [f"{n}/{len(parts)} {part}" for n, part in enumerate(parts, 1)]
    raise ValueError("text too long to send in parts")


def _cut(text: str, reserve: str, max_segments: int, prefix: str) -> list[str]:
    parts: list[str] = []
    rest = text.strip()
    while rest and not fits(prefix + rest + reserve, max_segments):
        # The longest head that fits (segments grow with length: bisect), then back to a break.
        low, high = 1, len(rest) - 1
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (
                (middle, high) if fits(prefix + rest[:middle], max_segments) else (low, middle - 1)
            )
        head = rest[:low]
        ends = (head.rfind(mark) + len(mark) for mark in _BREAKS if mark in head)
        cut = next((end for end in ends if end > low // 2), low)
        parts.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    return [*parts, rest] if rest else parts
