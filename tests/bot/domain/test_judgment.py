"""The judgment contract: the example validates and is normalised; every bad field is named in
a 422-style error list."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.domain.judgment import JudgmentIn, field_errors
from tests.helpers import JUDGMENT

Body = dict[str, Any]


def _body(change: Callable[[Body], object] | None = None) -> Body:
    body = copy.deepcopy(JUDGMENT)
    if change is not None:
        change(body)
    return body


def _errors(body: Body) -> list[dict[str, str]]:
    with pytest.raises(ValidationError) as caught:
        JudgmentIn.model_validate(body)
    return field_errors(caught.value)


def _obligor(body: Body, **changes: object) -> None:
    body["obligors"][0].update(changes)


def _second_obligor(phone: str) -> Callable[[Body], None]:
    def change(body: Body) -> None:
        body["obligors"].append(
            {"name": "林某某", "phone": phone, "area_code": "330522102201", "locale": "en"}
        )

    return change


def test_the_contract_example_validates_and_is_normalised() -> None:
    judgment = JudgmentIn.model_validate(_body())
    assert judgment.case_number == "（2024）浙0522民初1234号"
    assert judgment.amount_due == Decimal("130000.00")
    assert judgment.effective_at == datetime.fromisoformat("2026-11-26T09:00:00+08:00")
    assert judgment.performance_due == date(2026, 12, 6)
    assert judgment.obligors[0].phone == "+8613800138000"
    assert judgment.obligors[0].locale == "zh-CN"
    assert judgment.judge.telegram_chat_id == 9001
    assert judgment.creditor is not None and judgment.creditor.phone == "+8613900000002"


def test_loose_writings_are_normalised() -> None:
    def loosen(body: Body) -> None:
        body["case_number"] = "(2024)浙0522民初1234号"
        body["judge"]["phone"] = "139 0000 0001"
        body["creditor"] = None
        body["obligors"][0] = {"name": " 林某 ", "phone": "138-0013-8000", "area_code": "330522"}

    judgment = JudgmentIn.model_validate(_body(loosen))
    assert judgment.case_number == "（2024）浙0522民初1234号"
    assert judgment.judge.phone == "+8613900000001"
    assert judgment.creditor is None
    assert judgment.obligors[0].name == "林某"
    assert judgment.obligors[0].phone == "+8613800138000"
    assert judgment.obligors[0].locale == "zh-CN"  # the default


def test_due_on_the_day_it_takes_effect_is_allowed() -> None:
    judgment = JudgmentIn.model_validate(_body(lambda b: b.update(performance_due="2026-11-26")))
    assert judgment.performance_due == judgment.effective_at.date()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b.update(case_number="2024浙0522民初1234号"), "case_number"),
        (lambda b: b.update(case_number="abc"), "case_number"),
        (lambda b: b.update(case_number=None), "case_number"),
        (lambda b: _obligor(b, phone="12345"), "obligors.0.phone"),
        (lambda b: _obligor(b, phone="+861380013800"), "obligors.0.phone"),
        (lambda b: b["judge"].update(phone="not a phone"), "judge.phone"),
        (lambda b: b["creditor"].update(phone="110"), "creditor.phone"),
        (lambda b: b.update(amount_due="0"), "amount_due"),
        (lambda b: b.update(amount_due="0.00"), "amount_due"),
        (lambda b: b.update(amount_due="-1.00"), "amount_due"),
        (lambda b: b.update(amount_due="1.005"), "amount_due"),
        (lambda b: b.update(amount_due="NaN"), "amount_due"),
        (lambda b: b.update(amount_due="abc"), "amount_due"),
        (lambda b: b.update(amount_due="1000000000000.00"), "amount_due"),
        (lambda b: b.update(currency="USD"), "currency"),
        (lambda b: b.update(effective_at="2026-11-26T09:00:00"), "effective_at"),
        (lambda b: b.update(effective_at="yesterday"), "effective_at"),
        (lambda b: b.update(performance_due="2026-11-25"), "performance_due"),
        (lambda b: b.update(performance_due="2026-02-30"), "performance_due"),
        (_second_obligor("+8613800138000"), "obligors"),
        (_second_obligor("138 0013 8000"), "obligors"),  # the same number written otherwise
        (lambda b: b.update(obligors=[]), "obligors"),
        (lambda b: b.update(unexpected="x"), "unexpected"),
        (lambda b: _obligor(b, nickname="x"), "obligors.0.nickname"),
        (lambda b: _obligor(b, area_code="33052"), "obligors.0.area_code"),
        (lambda b: _obligor(b, area_code="33052210220"), "obligors.0.area_code"),
        (lambda b: _obligor(b, area_code="abcdef"), "obligors.0.area_code"),
        (lambda b: _obligor(b, locale="fr"), "obligors.0.locale"),
        (lambda b: _obligor(b, locale="zh"), "obligors.0.locale"),
        (lambda b: _obligor(b, id_number="123"), "obligors.0.id_number"),
        (lambda b: _obligor(b, name=""), "obligors.0.name"),
        (lambda b: b.update(obligations=""), "obligations"),
        (lambda b: b.pop("court"), "court"),
        (lambda b: b["court"].update(name="x" * 101), "court.name"),
    ],
)
def test_each_bad_field_is_named(change: Callable[[Body], object], field: str) -> None:
    errors = _errors(_body(change))
    assert [error["field"] for error in errors] == [field]
    assert errors[0]["message"]
    assert not errors[0]["message"].startswith("Value error")


def test_every_bad_field_is_reported_at_once() -> None:
    def spoil(body: Body) -> None:
        body["case_number"] = "abc"
        body["amount_due"] = "0"
        _obligor(body, phone="12345", locale="fr")

    fields = {error["field"] for error in _errors(_body(spoil))}
    assert fields == {"case_number", "amount_due", "obligors.0.phone", "obligors.0.locale"}


def test_field_errors_messages_are_readable() -> None:
    errors = _errors(_body(lambda b: b.update(case_number="abc")))
    assert errors == [
        {"field": "case_number", "message": "case number must look like （2024）浙0522民初1234号"}
    ]
    errors = _errors(_body(lambda b: _obligor(b, area_code="33052")))
    assert "area_code" in errors[0]["message"]


def test_due_date_is_checked_on_the_courts_calendar_whatever_the_offset() -> None:
    """17:00 UTC on the 25th is already the 26th in Shanghai: a due date of the 25th is late
    there, however the sender wrote the instant; a court in UTC would accept it."""
    body = {
        **JUDGMENT,
        "effective_at": "2026-11-25T17:00:00+00:00",
        "performance_due": "2026-11-25",
    }
    with pytest.raises(ValidationError) as error:
        JudgmentIn.model_validate(body)
    assert [e["field"] for e in field_errors(error.value)] == ["performance_due"]
    shanghai = {**body, "effective_at": "2026-11-26T01:00:00+08:00"}
    with pytest.raises(ValidationError):
        JudgmentIn.model_validate(shanghai)
    judgment = JudgmentIn.model_validate(body, context={"zone": ZoneInfo("UTC")})
    assert judgment.performance_due == date(2026, 11, 25)
