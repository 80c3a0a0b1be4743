"""Every text a debtor reads, from one gettext catalog per locale.

The catalogs are the .po files `bot/locales/<locale>/LC_MESSAGES/ducu.po` (`bot.domain.locales`
names them), shipped as package data and compiled in memory the first time a locale is used:
there is no compile step. Message ids are symbolic keys (`reminder.day0`, `menu`), the texts
`str.format` templates. An unknown locale reads the default one (zh-CN), and so does a text that
a locale lacks; a key that no catalog has raises KeyError, since it is a mistake in the code,
never the debtor's.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Sequence
from datetime import date
from importlib.resources.abc import Traversable
from io import BytesIO

from babel.dates import format_date as _babel_format_date
from babel.lists import format_list as _babel_format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from bot.domain.locales import (
    CATALOGS,
    DEFAULT_LOCALE,
    DOMAIN,
    LOCALES,
    catalog_name,
    catalog_path,
    resolve,
)


@functools.cache
def catalog(locale: str, root: Traversable = CATALOGS) -> Catalog:
    """The parsed catalog of a supported locale; an invalid .po file raises PoFileError."""
    with catalog_path(locale, root).open("rb") as po:
        return read_po(po, locale=catalog_name(locale), domain=DOMAIN, abort_invalid=True)


class _Missing(gettext.NullTranslations):
    """The end of the fallback chain: a key that no catalog has."""

    def gettext(self, message: str) -> str:
        raise KeyError(message)


@functools.cache
def translations(locale: str, root: Traversable = CATALOGS) -> gettext.NullTranslations:
    """A locale's texts, falling back to the default locale's, then to KeyError."""
    mo = BytesIO()
    write_mo(mo, catalog(locale, root))  # leaves out fuzzy and empty entries: they fall back
    mo.seek(0)
    compiled = Translations(mo, domain=DOMAIN)
    compiled.add_fallback(
        _Missing() if locale == DEFAULT_LOCALE else translations(DEFAULT_LOCALE, root)
    )
    return compiled


def keys() -> set[str]:
    """Every message id in any catalog."""
    return {
        message.id
        for locale in LOCALES
        for message in catalog(locale)
        if message.id and isinstance(message.id, str)
    }


def render(key: str, locale: str | None = None, **values: object) -> str:
    """The text `key` in the debtor's locale, its placeholders filled with `values`."""
    return translations(resolve(locale)).gettext(key).format(**values)


def format_list(items: Sequence[str], locale: str | None) -> str:
    """Items as a sentence lists them: `甲、乙和丙`, `A, B and C`."""
    return _babel_format_list(list(items), locale=catalog_name(resolve(locale)))


def format_date(day: date, locale: str | None) -> str:
    """A date as a debtor reads it: `2026年12月6日`, `6 Dec 2026`, in the CLDR pattern that the
    locale's catalog gives as `format.date`."""
    supported = resolve(locale)
    pattern = translations(supported).gettext("format.date")
    return _babel_format_date(day, pattern, locale=catalog_name(supported))


def court_signature(court_name: str) -> str:
    """How a court signs what it sends: `【长兴县人民法院】`."""
    return f"【{court_name}】"
