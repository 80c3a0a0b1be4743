"""Money in yuan to the fen: parse what people write, format what we send."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import cn2an

FEN = Decimal("0.01")
# The largest amount we accept: 14 digits, as `amount_due` in the judgment contract.
MAX_YUAN = Decimal("999999999999.99")
_NOISE = re.compile(r"[\s,，¥￥]|元|块|圆|人民币|RMB|CNY", re.IGNORECASE)
_ASCII_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_UNIT_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)([十百千万亿])$")
_UNITS = {"十": 10, "百": 100, "千": 1_000, "万": 10_000, "亿": 100_000_000}


class AmountError(ValueError):
    """The text is not an amount of money we can understand."""


def parse_amount(text: str) -> Decimal:
    """`5000`, `5,000`, `5千`, `五千元`, `1.5万`, `一万五千`, `¥8,000.50` → Decimal yuan (fen)."""
    cleaned = _NOISE.sub("", unicodedata.normalize("NFKC", text or ""))
    if not cleaned or len(cleaned) > 30:
        raise AmountError(text)
    if _ASCII_NUMBER.match(cleaned):
        value = Decimal(cleaned)
    elif unit := _UNIT_NUMBER.match(cleaned):
        # `1.23456万` ourselves: cn2an would truncate it to whole yuan (12345).
        value = Decimal(unit.group(1)) * _UNITS[unit.group(2)]
    else:
        try:
            value = Decimal(str(cn2an.cn2an(cleaned, "smart")))
        except (ValueError, KeyError, IndexError, TypeError, InvalidOperation) as exc:
            raise AmountError(text) from exc
    # Bound before rounding: quantize raises InvalidOperation beyond 28 digits, and an amount
    # under half a fen would round to zero.
    if not value.is_finite() or not 0 < value <= MAX_YUAN:
        raise AmountError(text)
    value = value.quantize(FEN, rounding=ROUND_HALF_UP)
    if not FEN <= value <= MAX_YUAN:
        raise AmountError(text)
    return value


def to_fen(yuan: Decimal) -> int:
    return int((yuan.quantize(FEN, rounding=ROUND_HALF_UP) * 100).to_integral_value())


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)


def format_yuan(fen: int) -> str:
    """12345678 → `123,456.78`; whole yuan drop the fen: 13000000 → `130,000`."""
    yuan = from_fen(fen)
    if yuan == yuan.to_integral_value():
        return f"{int(yuan):,}"
    return f"{yuan:,.2f}"


def plain_yuan(yuan: Decimal) -> str:
    """Yuan as the API contract writes an amount: `130000.00` (no separators, always the fen)."""
    return f"{yuan.quantize(FEN, rounding=ROUND_HALF_UP):f}"
