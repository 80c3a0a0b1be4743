"""Input no channel should send but some might: lone surrogates, NUL, very long texts."""

from __future__ import annotations

import pytest

from bot.conversation.engine import MAX_INBOUND, fit, storable
from bot.domain.messages import Choice, InboundMessage, Reply
from bot.domain.sms import fits, is_gsm
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


def test_fit_sends_a_long_reply_whole_in_numbered_parts_with_the_choices_last() -> None:
    """Nothing is cut: a reply too long for two segments goes as `1/n`…`n/n`, each within two
    segments, broken where a clause ends; the choices come with the last part."""
    choices = (Choice("1", "确认提交"), Choice("2", "重新填写"))
    long = Reply("请核对：" + "很长的说明，" * 60, choices)
    parts = fit(long)
    assert len(parts) > 1 and all(fits(part.plain()) for part in parts)
    assert [part.text.split(" ", 1)[0] for part in parts] == [
        f"{n}/{len(parts)}" for n in range(1, len(parts) + 1)
    ]
    assert "".join(part.text.split(" ", 1)[1] for part in parts) == long.text
    assert parts[-1].choices == long.choices and not any(part.choices for part in parts[:-1])
    english = fit(Reply("Please check: " + "words " * 80, (Choice("1", "submit"),)))
    assert len(english) > 1 and all(is_gsm(part.plain()) for part in english)  # GSM stays GSM
    short = Reply(render("menu"))
    assert fit(short) == [short]
