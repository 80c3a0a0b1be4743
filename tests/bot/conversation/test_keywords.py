"""Keywords: the menu numbers and words in both languages, however they are typed."""

from __future__ import annotations

import pytest
from hypothesis import given

from bot.conversation.keywords import HELP, MENU, OPT_IN, OPT_OUT, intent_of, normalize
from tests.bot.domain import BOUNDED, messy_text

INTENTS = {*MENU, OPT_OUT, OPT_IN, HELP}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # the menu by number, in ASCII and full-width digits
        ("1", "assets"),
        ("１", "assets"),
        (" 1 ", "assets"),
        ("1。", "assets"),
        ("2", "hardship"),
        ("3", "settle"),
        ("4", "grace"),
        ("5", "paid"),
        ("6", "agent"),
        ("６", "agent"),
        # the menu by word, Chinese and English, any case and spacing
        ("申报财产", "assets"),
        ("申 报", "assets"),
        ("assets", "assets"),
        ("困难", "hardship"),
        ("Hardship", "hardship"),
        ("和解", "settle"),
        ("分期", "settle"),
        ("settlement", "settle"),
        ("宽限", "grace"),
        ("GRACE", "grace"),
        ("已履行", "paid"),
        ("已付款！", "paid"),
        ("Paid.", "paid"),
        ("ｐａｉｄ", "paid"),
        ("人工", "agent"),
        ("call", "agent"),
        # opting out and back in
        ("STOP", OPT_OUT),
        ("stop", OPT_OUT),
        ("Stop!", OPT_OUT),
        ("ＳＴＯＰ", OPT_OUT),
        ("s t o p", OPT_OUT),
        ("stop?", OPT_OUT),
        ("unsubscribe", OPT_OUT),
        ("STOPALL", OPT_OUT),
        ("退订", OPT_OUT),
        ("退订。", OPT_OUT),
        ("退订？", OPT_OUT),
        ("TD", OPT_OUT),
        ("td", OPT_OUT),
        ("Td.", OPT_OUT),
        ("ＴＤ", OPT_OUT),
        ("START", OPT_IN),
        ("start", OPT_IN),
        ("unstop", OPT_IN),
        ("恢复", OPT_IN),
        # help
        ("HELP", HELP),
        ("help", HELP),
        ("Help?", HELP),
        ("info", HELP),
        ("帮助", HELP),
        ("帮助！", HELP),
        ("0", HELP),
        ("０", HELP),
        ("?", HELP),
        ("？", HELP),
        ("\u3000帮助\u3000", HELP),
    ],
)
def test_intent_of(text: str, intent: str) -> None:
    assert intent_of(text) == intent


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hello",
        "你好",
        "7",
        "10",
        "11",
        "12",
        "10000",
        "1 2",
        "??",
        "stop it",
        "请退订我",
    ],
)
def test_unknown_text_has_no_intent(text: str) -> None:
    assert intent_of(text) is None


@pytest.mark.parametrize("intent", sorted(MENU))
def test_every_menu_word_picks_its_intent(intent: str) -> None:
    for word in MENU[intent]:
        assert intent_of(word) == intent
        assert intent_of(word.lower()) == intent
        assert intent_of(f" {word}。") == intent


def test_no_word_means_two_things() -> None:
    words = [normalize(word) for words in MENU.values() for word in words]
    assert len(words) == len(set(words))


def test_normalize() -> None:
    assert normalize("  Ｓｔｏｐ！ ") == "STOP"
    assert normalize("申 报，") == "申报"
    assert normalize("") == ""


@BOUNDED
@given(messy_text())
def test_any_text_gives_a_known_intent_or_none(text: str) -> None:
    assert intent_of(text) in {*INTENTS, None}
