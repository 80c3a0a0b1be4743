"""The locales the service speaks: one per catalog on disk, the default one, the staff's.

A locale is supported when its catalog `bot/locales/<ll_CC>/LC_MESSAGES/ducu.po` exists: adding
a language is adding that file (docs/i18n.md), no Python names it.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

DEFAULT_LOCALE = "zh-CN"  # debtors with no locale or an unsupported one read this
STAFF_LOCALE = "zh-CN"  # judges, officials and admins read this
DOMAIN = "ducu"
CATALOGS: Traversable = resources.files("bot") / "locales"


def catalog_name(locale: str) -> str:
    """The catalog's folder and Babel's name for a supported locale: zh-CN → zh_CN."""
    return locale.replace("-", "_")


def catalog_path(locale: str, root: Traversable = CATALOGS) -> Traversable:
    return root / catalog_name(locale) / "LC_MESSAGES" / f"{DOMAIN}.po"


def locales_in(root: Traversable) -> tuple[str, ...]:
    """The locales with a catalog under `root`, the default first, then by tag."""
    found = sorted(
        entry.name.replace("_", "-")
        for entry in root.iterdir()
        if entry.is_dir() and catalog_path(entry.name, root).is_file()
    )
    return tuple(sorted(found, key=lambda locale: locale != DEFAULT_LOCALE))


LOCALES: tuple[str, ...] = locales_in(CATALOGS)


def language(locale: str) -> str:
    """The language of a locale tag, lower case: zh-CN → zh, en_GB → en."""
    return locale.replace("_", "-").split("-")[0].lower()


_BY_TAG = {tag.lower(): tag for tag in LOCALES}
_BY_LANGUAGE: dict[str, str] = {}
for _tag in LOCALES:
    _BY_LANGUAGE.setdefault(language(_tag), _tag)


def resolve(locale: str | None) -> str:
    """The supported locale for a debtor's locale tag.

    The same tag (`zh_CN` and `zh-CN` alike), else the first supported locale of the same
    language (`zh-Hans` → zh-CN, `en-GB` → en), else the default.
    """
    if not locale:
        return DEFAULT_LOCALE
    tag = locale.replace("_", "-").lower()
    return _BY_TAG.get(tag) or _BY_LANGUAGE.get(language(tag), DEFAULT_LOCALE)
