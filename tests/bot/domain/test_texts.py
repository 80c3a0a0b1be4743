"""The message catalogs a debtor's texts come from: they parse cleanly, every locale has the
same texts with the same placeholders, every text fits in two SMS segments even with the
longest values a real case gives it, and every key the code uses is in them. Also how they
load: locale tags, fallback to zh-CN, and dates."""

from __future__ import annotations

import ast
import re
import string
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.pofile import PoFileError, read_po

from bot.domain.locales import (
    CATALOGS,
    DEFAULT_LOCALE,
    LOCALES,
    STAFF_LOCALE,
    catalog_name,
    catalog_path,
    locales_in,
)
from bot.domain.money import format_yuan
from bot.domain.plan import DEFAULT_PLAN
from bot.domain.sms import fits, segments
from bot.domain.status import CaseStatus, EventKind, FilingStatus, ReminderStatus
from bot.domain.texts import catalog, format_date, keys, render, translations

ROOT = Path(__file__).resolve().parents[3]
KEYS = sorted(keys())

# Court signatures as the storage layer builds them (`【{court.name}】`): the contract's example,
# a court named with its province and city, and the longest county-level court name in China.
SIGNATURES = [
    "【长兴县人民法院】",
    "【浙江省杭州市西湖区人民法院】",
    "【莫力达瓦达斡尔族自治旗人民法院】",
]
LONG_NAME = "欧阳娜"
LONG_CASE = "（2024）浙0522民初12345号"
LONG_AMOUNT = format_yuan(1_234_567_890)  # 12,345,678.90
LONG_DUE = date(2026, 12, 31)
STAFF_SEGMENTS = 4


def long_values(locale: str) -> dict[str, str]:
    """The longest realistic value of every placeholder but {sig}. A text with a new
    placeholder needs its value here before the length check can render it."""
    long_date = format_date(LONG_DUE, locale)
    return {
        "name": LONG_NAME,
        "case": LONG_CASE,
        "amount": LONG_AMOUNT,
        "due": format_date(LONG_DUE, locale),
        "owed": LONG_AMOUNT,
        "left": LONG_AMOUNT,
        "total": LONG_AMOUNT,
        "down": LONG_AMOUNT,
        "count": "60",
        "obligors": "12",  # a judgment's debtors
        "reminders": "120",  # the reminders planned for them
        "people": f"{render('staff.role.judge', locale)} {LONG_NAME}",
        "day": "28",
        "first": long_date,
        "last": long_date,
        "date": long_date,
        "until": long_date,
        "options": render("date.or", locale).join([long_date, long_date, long_date]),
        "flow": render("flow.settle", locale),
        "reason": render("hardship.business_failure", locale),
        "details": "家中老人长期住院，本人又因工厂停产失业，目前没有收入来源，靠亲戚接济…",
        "items": "房产土地 长兴县雉城街道某小区… 1,200,000; 车辆 浙E12345小轿车 80,000",
        "category": render("asset.movables", locale),
        # up to 100 characters are kept; a read-back longer than two segments goes in parts
        "description": "长兴县雉城街道某某小区3幢2单元501室住房一套，建筑面积约120平方米，2015年",
        "value": LONG_AMOUNT,
        "method": render("paid.court_account", locale),
        "reference": render("paid.reference_is", locale, reference="4300123456789012"),
        "reduction": render("settle.reduction", locale),
        "phone": "+8613800138000",
        "link": "https://t.me/" + "b" * 32 + "?start=" + "x" * 22,
        "role": render("staff.role.official", locale),
        "ref": "123456",
        "option": "9",
        "chosen": render("task.option.grace", locale),  # an option's words
        "assignee": "欧阳娜娜",  # a staff member's name
        "said": render("task.option.grace", locale),
        "who": LONG_NAME,
        "official": LONG_NAME,
        "when": "2026-12-31 23:59",
        "outcome": render("task.option.grace", locale),
        "note": "本人在家，确因病无力履行，已看过医院证明",
        "seq": "60",
        "payment": render("payment.nth", locale, seq=60),
        "max": "500",
        "min": "100",
        "step": "12",
        "other": "11",
        "hours": "4",
        "cap": "14",
        "days": "366",
        "version": "99999",
        "cases": "100000",
        "what": render("task.what.follow_up.unreachable", locale),
        "terms": render(
            "terms.instalments", locale, down=LONG_AMOUNT, count="60", amount=LONG_AMOUNT, day="28"
        ),
        "status": max((render(f"status.{status}", locale) for status in CaseStatus), key=len),
        "consequences": render("law.consequences", locale),
        # the admin's template texts (console, API, CLI; never sent by SMS)
        "alphabet": "UCS-2",
        "characters": "134",
        "menu": render("menu", locale),
        "field": "case_numbr",
        "close": "case_number",
        "allowed": "court name case_number amount deadline consequences",
        "names": "court case_number amount deadline consequences",
        "asked": "reminder.instalment",
        "locales": "zh-CN en",
        "court": "浙0522",
        "summary": render(
            "settle.summary_lump",
            locale,
            amount=LONG_AMOUNT,
            date=long_date,
            owed=LONG_AMOUNT,
            reduction=render("settle.reduction", locale),
        ),
    }


def _texts(locale: str) -> dict[str, str]:
    return {m.id: m.string for m in catalog(locale) if m.id and isinstance(m.id, str)}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


# --- the catalog files ------------------------------------------------------------------


def test_the_catalog_folders_are_the_supported_locales() -> None:
    on_disk = {entry.name for entry in CATALOGS.iterdir() if entry.is_dir()}
    assert on_disk == {catalog_name(locale) for locale in LOCALES}
    assert LOCALES[0] == DEFAULT_LOCALE
    assert STAFF_LOCALE in LOCALES
    for locale in LOCALES:
        assert catalog_path(locale).is_file()


def test_a_catalog_on_disk_is_a_supported_locale(tmp_path: Path) -> None:
    """Adding a language is adding its catalog: no Python names it."""
    _write_po(tmp_path, "en", "")
    _write_po(tmp_path, "zh-CN", "")
    _write_po(tmp_path, "de-AT", "")
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)  # no catalog: not a locale
    assert locales_in(tmp_path) == ("zh-CN", "de-AT", "en")


@pytest.mark.parametrize("locale", LOCALES)
def test_a_catalog_parses_without_warnings_fuzzy_or_empty_entries(
    locale: str, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = catalog_path(locale).read_text(encoding="utf-8")
    with catalog_path(locale).open("rb") as po:
        parsed = read_po(po, abort_invalid=True)
    assert capsys.readouterr() == ("", "")  # Babel prints its warnings
    assert parsed.locale == Locale.parse(catalog_name(locale)), "Language header ≠ folder"
    assert not parsed.fuzzy, "the header is marked fuzzy"
    assert not parsed.obsolete, "obsolete (#~) entries: delete them"
    messages = [m for m in parsed if m.id]
    assert messages
    assert [m.id for m in messages if m.fuzzy] == [], "fuzzy entries are left out when loading"
    assert [m.id for m in messages if not m.string] == [], "empty msgstr"
    assert [m.id for m in messages if not isinstance(m.id, str)] == [], "no plural forms"
    assert list(parsed.check()) == []
    # Babel quietly merges a repeated msgid into one entry: find it in the file itself.
    ids = Counter(re.findall(r'^msgid "(.*)"$', raw, re.MULTILINE))
    assert [i for i, n in ids.items() if n > 1] == [], "msgid repeated (or a multi-line msgid)"


def test_an_invalid_catalog_raises_when_loaded_rather_than_printing(tmp_path: Path) -> None:
    folder = tmp_path / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "ducu.po").write_text('msgid "menu"\n', encoding="utf-8")  # no msgstr
    with pytest.raises(PoFileError):
        translations(DEFAULT_LOCALE, tmp_path)


def test_every_locale_has_the_same_keys() -> None:
    texts = {locale: set(_texts(locale)) for locale in LOCALES}
    for locale in LOCALES:
        assert texts[locale] == texts[DEFAULT_LOCALE], locale
    assert set(KEYS) == texts[DEFAULT_LOCALE]


@pytest.mark.parametrize("key", KEYS)
def test_every_locale_uses_the_same_named_placeholders(key: str) -> None:
    fields = {locale: _fields(_texts(locale)[key]) for locale in LOCALES}
    for locale in LOCALES:
        assert fields[locale] == fields[DEFAULT_LOCALE], locale
    assert all(name.isidentifier() for name in fields[DEFAULT_LOCALE]), "{} or {0}: name it"
    if key.startswith("reminder."):
        assert fields[DEFAULT_LOCALE] >= {"sig", "name", "case", "amount"}  # court, debtor, case


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("key", KEYS)
def test_every_placeholder_is_explained_to_translators(key: str, locale: str) -> None:
    message = catalog(locale)[key]
    comments = " ".join(message.auto_comments)
    unexplained = {name for name in _fields(message.string) if f"{{{name}}}" not in comments}
    assert unexplained == set(), f"add a `#. {{name}} …` comment above {key}"


@pytest.mark.parametrize("signature", SIGNATURES)
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("key", KEYS)
def test_every_text_fits_in_two_segments_with_long_values(
    key: str, locale: str, signature: str
) -> None:
    values = {"sig": signature, **long_values(locale)}
    unknown = _fields(_texts(locale)[key]) - set(values)
    assert unknown == set(), f"{key} uses {unknown}: add its longest value to long_values()"
    text = render(key, locale, **values)
    assert "{" not in text and "}" not in text
    # Notices to staff may run longer (4 segments), and what only chat shows (tg., staff.)
    # has no SMS limit; whatever a debtor may read by SMS fits in 2.
    limit = STAFF_SEGMENTS if key.startswith(("notify.", "staff.", "tg.")) else 2
    assert fits(text, limit), f"{segments(text)} segments, {len(text)} characters: {text}"
    if key.startswith("reminder."):
        assert text.startswith(signature + LONG_NAME)
        assert LONG_CASE in text and LONG_AMOUNT in text


# --- the keys the code uses ---------------------------------------------------------------

# A dotted lower-case string constant in the code is taken for a msgid...
_MSGID = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")
# ...except these, which are not texts.
NOT_MSGIDS = {"aiohttp.access", "home.html"}  # names, not texts
# Calls whose first argument is a msgid even when it has no dot (`render("menu")`).
_TEXT_CALLS = {"render", "t"}
_SCANNED = ("bot", "handlers", "scheduler")


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _used_keys(root: Path, packages: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """Literal msgids and f-string msgid prefixes (`f"intent.{intent}"`) in the code, each
    with where it was first seen."""
    literal: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            where = str(path.relative_to(root))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    if _MSGID.fullmatch(node.value) and node.value not in NOT_MSGIDS:
                        literal.setdefault(node.value, f"{where}:{node.lineno}")
                elif isinstance(node, ast.Call) and _call_name(node) in _TEXT_CALLS and node.args:
                    first = node.args[0]
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        literal.setdefault(first.value, f"{where}:{node.lineno}")
                elif isinstance(node, ast.JoinedStr) and node.values:
                    head = node.values[0]
                    if (
                        isinstance(head, ast.Constant)
                        and isinstance(head.value, str)
                        and head.value.endswith(".")
                        and _MSGID.fullmatch(head.value + "x")
                    ):
                        prefixes.setdefault(head.value, f"{where}:{node.lineno}")
    return literal, prefixes


def test_the_scan_finds_the_keys_it_should(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "flows.py").write_text(
        "import logging\n"
        "log = logging.getLogger('aiohttp.access')\n"
        "def reply(turn, intent, locale):\n"
        "    turn.t('help')\n"
        "    ask = Step('settle.down')\n"
        "    shown = f'{intent}: {locale}'\n"
        "    return render(f'intent.{intent}', locale), render(\n        'menu', locale)\n",
        encoding="utf-8",
    )
    literal, prefixes = _used_keys(tmp_path, ("pkg",))
    assert literal == {
        "help": "pkg/flows.py:4",
        "settle.down": "pkg/flows.py:5",
        "menu": "pkg/flows.py:7",
    }
    assert prefixes == {"intent.": "pkg/flows.py:7"}


def test_every_key_the_code_uses_is_in_the_catalogs() -> None:
    literal, prefixes = _used_keys(ROOT, _SCANNED)
    known = keys()
    missing = {key: where for key, where in literal.items() if key not in known}
    assert missing == {}, "add these msgids to every catalog (or, if not texts, to NOT_MSGIDS)"
    no_key = {p: where for p, where in prefixes.items() if not any(k.startswith(p) for k in known)}
    assert no_key == {}, "f-string msgids with no key of that prefix in the catalogs"


def test_every_case_status_and_no_other_has_a_label() -> None:
    """Staff lists show a case's status by its `status.<name>` text."""
    assert {key for key in KEYS if key.startswith("status.")} == {f"status.{s}" for s in CaseStatus}


def test_every_state_and_event_the_console_shows_has_a_label() -> None:
    """The console names them by `console.<what>.<name>`: a new one needs its words."""
    for prefix, names in (
        ("console.event.", EventKind),
        ("console.filing_status.", FilingStatus),
        ("console.reminder_status.", ReminderStatus),
    ):
        assert {key for key in KEYS if key.startswith(prefix)} == {prefix + n for n in names}


def test_every_reminder_template_of_the_default_plan_is_in_the_catalogs() -> None:
    assert {step.template for step in DEFAULT_PLAN} <= keys()


_OPTION = re.compile(r"(?<![0-9,.{])([0-9])(?![0-9,.}])")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_first_reminder_offers_every_option_of_the_menu(locale: str) -> None:
    """The day-0 reminder is the first a debtor reads: it names every number the menu has."""
    menu = set(_OPTION.findall(render("menu", locale)))
    assert menu == set("1234560")
    assert set(_OPTION.findall(_texts(locale)["reminder.day0"])) == menu


@pytest.mark.parametrize(
    ("locale", "method", "reads"),
    [
        ("zh-CN", "creditor", "已于2026年11月20日直接付给申请人130,000元（应付130,000元）。"),
        ("zh-CN", "court_account", "已于2026年11月20日转入法院账户130,000元"),
        ("zh-CN", "cash", "已于2026年11月20日以现金支付130,000元"),
        ("en", "creditor", "Paid CNY 130,000 to the creditor on 20 Nov 2026 (CNY 130,000 owed)."),
        ("en", "cash", "Paid CNY 130,000 in cash on 20 Nov 2026"),
    ],
)
def test_a_payment_read_back_reads_as_a_sentence(locale: str, method: str, reads: str) -> None:
    text = render(
        "paid.summary",
        locale,
        amount="130,000",
        date=format_date(date(2026, 11, 20), locale),
        method=render(f"paid.{method}", locale),
        owed="130,000",
        reference="",
    )
    assert text.startswith(reads)


# --- loading --------------------------------------------------------------------------------


def test_a_reminder_as_the_dispatcher_renders_it() -> None:
    text = render(
        "reminder.day0",
        "zh-CN",
        sig="【长兴县人民法院】",
        name="林某",
        case="（2024）浙0522民初1234号",
        amount=format_yuan(13_000_000),
        due=format_date(date(2026, 12, 6), "zh-CN"),
    )
    assert text.startswith(
        "【长兴县人民法院】林某：您的（2024）浙0522民初1234号案已进入执行前督促程序"
    )
    assert "请于2026年12月6日前履行，应付130,000元。" in text
    assert segments(text) == 2


@pytest.mark.parametrize(
    ("locale", "reads"),
    [
        ("zh-CN", "zh-CN"),
        ("zh_CN", "zh-CN"),
        ("zh", "zh-CN"),
        ("zh-Hans", "zh-CN"),
        ("en", "en"),
        ("EN", "en"),
        ("en-US", "en"),
        ("en_GB", "en"),
        ("fr", "zh-CN"),
        ("", "zh-CN"),
        (None, "zh-CN"),
    ],
)
def test_a_locale_tag_reads_its_catalog_or_the_default(locale: str | None, reads: str) -> None:
    assert render("help", locale) == _texts(reads)["help"]
    assert render("menu", locale) == _texts(reads)["menu"]


def test_the_two_locales_really_differ() -> None:
    assert render("help", "en") != render("help", "zh-CN")
    assert render("help", "en").startswith("Court pre-enforcement urging.")


@pytest.mark.parametrize("locale", [*LOCALES, "fr", None])
def test_render_of_an_unknown_key_raises_rather_than_sending_the_key(locale: str | None) -> None:
    with pytest.raises(KeyError):
        render("no.such.text", locale)


def _write_po(root: Path, locale: str, body: str) -> None:
    folder = root / catalog_name(locale) / "LC_MESSAGES"
    folder.mkdir(parents=True)
    header = f'msgid ""\nmsgstr ""\n"Language: {catalog_name(locale)}\\n"\n'
    header += '"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
    (folder / "ducu.po").write_text(header + body, encoding="utf-8")


def test_a_text_a_locale_lacks_comes_from_the_default_locale(tmp_path: Path) -> None:
    """On catalogs written here: missing, empty and fuzzy entries fall back to zh-CN."""
    _write_po(
        tmp_path,
        "zh-CN",
        'msgid "both"\nmsgstr "两者{x}"\n\nmsgid "only_zh"\nmsgstr "仅中文"\n\n'
        'msgid "empty_en"\nmsgstr "空"\n\nmsgid "fuzzy_en"\nmsgstr "模糊"\n',
    )
    _write_po(
        tmp_path,
        "en",
        'msgid "both"\nmsgstr "both {x}"\n\nmsgid "empty_en"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "fuzzy_en"\nmsgstr "fuzzy"\n\nmsgid "only_en"\nmsgstr "English"\n',
    )
    en = translations("en", tmp_path)
    assert en.gettext("both").format(x=1) == "both 1"
    assert en.gettext("only_zh") == "仅中文"
    assert en.gettext("empty_en") == "空"
    assert en.gettext("fuzzy_en") == "模糊"
    assert en.gettext("only_en") == "English"
    with pytest.raises(KeyError):
        en.gettext("nowhere")
    with pytest.raises(KeyError):
        translations("zh-CN", tmp_path).gettext("only_en")


def test_keys_are_every_msgid_of_every_catalog() -> None:
    assert keys() == set().union(*(_texts(locale) for locale in LOCALES))
    assert "" not in keys()
    assert {"menu", "help", "reminder.day0", "intent.agent"} <= keys()


@pytest.mark.parametrize(
    ("day", "locale", "shown"),
    [
        (date(2026, 12, 6), "zh-CN", "2026年12月6日"),
        (date(2026, 12, 6), None, "2026年12月6日"),
        (date(2026, 12, 6), "fr", "2026年12月6日"),
        (date(2027, 1, 31), "zh-CN", "2027年1月31日"),
        (date(2026, 12, 6), "en", "6 Dec 2026"),
        (date(2026, 9, 30), "en_GB", "30 Sep 2026"),
        (date(2026, 5, 1), "en-US", "1 May 2026"),
    ],
)
def test_format_date(day: date, locale: str | None, shown: str) -> None:
    assert format_date(day, locale) == shown
