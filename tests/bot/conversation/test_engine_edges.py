"""Input no channel should send but some might: lone surrogates, NUL, very long texts."""

from __future__ import annotations

import pytest

from bot.conversation.engine import MAX_INBOUND, fit, storable
from bot.conversation.types import Choice, InboundMessage, Reply
from bot.domain.sms import fits
from bot.domain.texts import render
from ducu.bootstrap import Runtime
from tests.helpers import AUTH, DEBTOR, new_case


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    return sqlite_url


@pytest.mark.parametrize(
    "text", ["\ud800帮助", "帮\x00助", "0" + "\udfff" * 3, "x" * 5000], ids=repr
)
async def test_odd_text_is_stored_and_answered(text: str, runtime: Runtime, client, clock) -> None:
    case_id = await new_case(client, clock)
    [reply] = await runtime.services.engine.handle(InboundMessage("sms", DEBTOR, text))
    assert reply.text and fits(reply.plain())
    case = await (await client.get(f"/api/v1/cases/{case_id}", headers=AUTH)).json()
    [inbound] = [i for i in case["timeline"] if i["type"] == "message" and i["direction"] == "in"]
    assert inbound["text"] == storable(text)
    assert "\x00" not in inbound["text"] and len(inbound["text"]) <= MAX_INBOUND


def test_fit_cuts_the_text_and_keeps_the_choices() -> None:
    long = Reply("请核对：" + "很长的说明" * 60, (Choice("1", "确认提交"), Choice("2", "重新填写")))
    cut = fit(long)
    assert fits(cut.plain()) and cut.choices == long.choices and cut.text.endswith("…")
    english = fit(Reply("Please check: " + "words " * 80, (Choice("1", "submit"),)))
    assert fits(english.plain()) and english.text.endswith("...")  # GSM stays GSM
    short = Reply(render("menu"))
    assert fit(short) is short
