"""Tests of the pure domain rules, and the hypothesis strategies they share."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st

T = TypeVar("T")

# Bounded, so that the property tests stay fast; no deadline, as CI machines vary.
BOUNDED = settings(max_examples=200, deadline=None)

# Characters that break naive parsers: NUL, line ends, BOM, bidi override, zero-width joiner
# sequences, other scripts' digits, full-width forms, and the symbols our formats use.
_AWKWARD = st.sampled_from(
    [
        "\x00",
        "\r\n",
        "\n",
        "\r",
        "\t",
        "\u3000",
        "\ufeff",
        "\u202e",
        "\u200b",
        "😀",
        "👨\u200d👩\u200d👧",
        "١٢٣",
        "１３８",
        "万",
        "千",
        "亿",
        "点",
        "负",
        "+",
        "-",
        ".",
        ",",
        ":",
        "¥",
        "（",
        "）",
        "(",
        ")",
        "号",
        "e",
        "NaN",
        "inf",
    ]
)
_PIECE = st.one_of(
    st.text(max_size=6),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=3),  # lone surrogates too
    _AWKWARD,
    st.from_regex(r"[0-9]{1,15}", fullmatch=True),
)


def messy_text() -> st.SearchStrategy[str]:
    """Any unicode: short mixes of awkward pieces, and strings of 1,600 characters."""
    return st.one_of(
        st.text(max_size=40),
        st.lists(_PIECE, max_size=12).map("".join),
        st.lists(_PIECE, min_size=1, max_size=4).map(lambda parts: ("".join(parts) * 1600)[:1600]),
    )


def assert_refused(parse: Callable[[str], object], error: type[ValueError], text: str) -> None:
    """`parse` refuses `text` with `error`: a ValueError, so that the callers that catch one
    (pydantic validators, which make it a 422 field error, and the conversation) catch it too."""
    assert issubclass(error, ValueError)
    with pytest.raises(error):
        parse(text)


def parsed_or_none(parse: Callable[..., T], error: type[ValueError], *args: object) -> T | None:
    """What `parse` makes of `args`, or None where it refuses them with `error` (and only with
    it: any other exception fails the test). For the properties on any text."""
    try:
        return parse(*args)
    except error:
        return None
