"""An effective judgment as the court's system sends it (the public JSON contract)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from bot.domain.areas import area_code
from bot.domain.case_number import normalize_case_number
from bot.domain.locales import DEFAULT_LOCALE, LOCALES
from bot.domain.phones import normalize_phone

COURT_ZONE = ZoneInfo("Asia/Shanghai")
YEARS = (1900, 2999)  # a judgment's dates lie within these years


def _area(text: str) -> str:
    if (code := area_code(text)) is None:
        raise ValueError("area_code must be a 6, 9 or 12 digit administrative division code")
    return code


Phone = Annotated[str, AfterValidator(normalize_phone)]
CaseNumber = Annotated[str, AfterValidator(normalize_case_number)]
AreaCode = Annotated[str, AfterValidator(_area)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
# Telegram chat ids fit in 52 bits; the bound is the database's (a signed 64-bit BIGINT).
ChatId = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _storable(cls, value: object) -> object:
        """Text every database holds: PostgreSQL refuses NUL, and UTF-8 has no lone surrogates
        (JSON can write both: `\\u0000`, `\\ud800`)."""
        if isinstance(value, str) and not _storable_text(value):
            raise ValueError("must not contain NUL or unpaired surrogate characters")
        return value


def _storable_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


class CourtIn(_Strict):
    code: str = Field(min_length=2, max_length=20, examples=["浙0522"])
    name: Name


class JudgeIn(_Strict):
    name: Name
    phone: Phone
    telegram_chat_id: ChatId | None = None


class CreditorIn(_Strict):
    name: Name
    phone: Phone | None = None


class ObligorIn(_Strict):
    name: Name
    phone: Phone
    area_code: AreaCode
    id_number: str | None = Field(None, pattern=r"^\d{17}[\dXx]$")
    telegram_chat_id: ChatId | None = None
    locale: str = Field(DEFAULT_LOCALE, pattern=f"^({'|'.join(LOCALES)})$")


class JudgmentIn(_Strict):
    case_number: CaseNumber
    court: CourtIn
    judge: JudgeIn
    creditor: CreditorIn | None = None
    obligors: list[ObligorIn] = Field(min_length=1, max_length=50)
    amount_due: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    currency: str = Field("CNY", pattern="^CNY$")
    obligations: str = Field(min_length=1, max_length=2000)
    effective_at: AwareDatetime
    performance_due: date

    # Field validators (not a model validator) so that a 422 names the field at fault.
    @field_validator("obligors")
    @classmethod
    def _one_phone_each(cls, obligors: list[ObligorIn]) -> list[ObligorIn]:
        phones = [o.phone for o in obligors]
        if len(set(phones)) != len(phones):
            raise ValueError("each obligor needs a phone number of their own")
        return obligors

    @field_validator("effective_at", "performance_due")
    @classmethod
    def _in_our_years(cls, value: date) -> date:
        """Far from the calendar's ends, so that zone shifts and planned offsets never overflow
        (year 1 with a negative offset, or 9999 plus a week, raised OverflowError)."""
        if not YEARS[0] <= value.year <= YEARS[1]:
            raise ValueError(f"must be a date between the years {YEARS[0]} and {YEARS[1]}")
        return value

    @field_validator("performance_due")
    @classmethod
    def _due_after_effective(cls, due: date, info: ValidationInfo) -> date:
        """Compared on the court's calendar (validation context `zone`), whatever offset the
        sender wrote `effective_at` in."""
        effective_at = info.data.get("effective_at")  # absent when it was itself invalid
        zone = (info.context or {}).get("zone", COURT_ZONE)
        if effective_at is not None and due < effective_at.astimezone(zone).date():
            raise ValueError("performance_due must not be before effective_at")
        return due


def field_errors(error: ValidationError) -> list[dict[str, str]]:
    """pydantic's errors → `[{"field": "obligors.0.phone", "message": "…"}]` for a 422."""
    out = []
    for item in error.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in item["loc"]) or "body"
        message = item["msg"].removeprefix("Value error, ")
        out.append({"field": field, "message": message})
    return out


__all__ = ["JudgmentIn", "ObligorIn", "field_errors"]
