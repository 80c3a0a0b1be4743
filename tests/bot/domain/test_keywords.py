"""Keywords: the menu numbers and words in every language, however they are typed; the words
come from the catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given

from bot.domain.keywords import (
    COMMANDS,
    HELP,
    MENU,
    OPT_IN,
    OPT_OUT,
    command_of,
    intent_of,
    normalize,
    words,
)
from bot.domain.locales import LOCALES, catalog_name
from bot.domain.texts import translations
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
        ("开始", OPT_IN),  # "start" in Chinese: what a debtor told to reply START may write
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
        ("二", "hardship"),  # a number written in Chinese is that number
        ("六。", "agent"),
        ("零", HELP),
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
        "七",
        "一二",
    ],
)
def test_unknown_text_has_no_intent(text: str) -> None:
    assert intent_of(text) is None


@pytest.mark.parametrize("intent", sorted(MENU))
def test_every_menu_word_picks_its_intent(intent: str) -> None:
    assert words(intent)
    for word in (str(MENU.index(intent) + 1), *words(intent)):
        assert intent_of(word) == intent
        assert intent_of(word.lower()) == intent
        assert intent_of(f" {word}。") == intent


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_word_is_understood(command: str) -> None:
    assert words(command)
    for word in words(command):
        assert command_of(word) == command
        assert command_of(f" {word.lower()}！") == command


@pytest.mark.parametrize("names", [sorted(INTENTS), COMMANDS])
def test_no_word_means_two_things(names: list[str]) -> None:
    every = [word for name in names for word in words(name)]
    assert len(every) == len(set(every))
    assert not {str(n) for n in range(10)} & set(every), "numbers are the menu's, not words"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_locales_words_are_understood_whatever_the_debtors_locale(locale: str) -> None:
    """Each locale's catalog lists its own words; all of them are known at once."""
    for intent in INTENTS:
        listed = translations(locale).gettext(f"keywords.{intent}").split("|")
        assert listed and all(intent_of(word) == intent for word in listed), (locale, intent)


def test_a_new_catalog_brings_its_words(tmp_path: Path) -> None:
    """Adding a language is adding its catalog: its keyword entries are words at once."""
    for locale, stop, back in [("zh-CN", "退订|TD", "返回"), ("de", "Abmelden|halt", "zurück")]:
        folder = tmp_path / catalog_name(locale) / "LC_MESSAGES"
        folder.mkdir(parents=True)
        (folder / "ducu.po").write_text(
            f'msgid "keywords.opt_out"\nmsgstr "{stop}"\n\n'
            f'msgid "keywords.back"\nmsgstr "{back}"\n',
            encoding="utf-8",
        )
    assert words(OPT_OUT, tmp_path) == ("退订", "TD", "ABMELDEN", "HALT")
    assert words("back", tmp_path) == ("返回", "ZURÜCK")


def test_normalize() -> None:
    assert normalize("  Ｓｔｏｐ！ ") == "STOP"
    assert normalize("申 报，") == "申报"
    assert normalize("") == ""


@BOUNDED
@given(messy_text())
def test_any_text_gives_a_known_intent_or_none(text: str) -> None:
    assert intent_of(text) in {*INTENTS, None}
