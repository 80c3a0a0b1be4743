"""Money in yuan to the fen: parse what people write, format what we send."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import cn2an

FEN = Decimal("0.01")
_NOISE = re.compile(r"[\s,，¥￥]|元|块|圆|人民币|RMB|CNY", re.IGNORECASE)
_ASCII_NUMBER = re.compile(r"^\d+(\.\d+)?$")


class AmountError(ValueError):
    """The text is not an amount of money we can understand."""


def parse_amount(text: str) -> Decimal:
    """`5000`, `5,000`, `5千`, `五千元`, `1.5万`, `一万五千`, `¥8,000.50` → Decimal yuan (fen)."""
    cleaned = _NOISE.sub("", unicodedata.normalize("NFKC", text or ""))
    if not cleaned or len(cleaned) > 30:
        raise AmountError(text)
    if _ASCII_NUMBER.match(cleaned):
        value = Decimal(cleaned)
    else:
        try:
            value = Decimal(str(cn2an.cn2an(cleaned, "smart")))
        except (ValueError, KeyError, IndexError, TypeError, InvalidOperation) as exc:
            raise AmountError(text) from exc
    if not value.is_finite() or value <= 0:
        raise AmountError(text)
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


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
