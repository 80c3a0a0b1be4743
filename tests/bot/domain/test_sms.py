"""SMS segment arithmetic: GSM-7 or UCS-2, single or concatenated, and the two-segment limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.sms import MAX_SEGMENTS, fits, is_gsm, pages, segments
from tests.bot.domain import BOUNDED, messy_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 1),
        # GSM-7: 160 in one segment, 153 a segment when concatenated
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("a" * 459, 3),
        ("a" * 460, 4),
        # the extension table (^{}\[~]|€ and form feed) takes two septets a character
        ("{" * 80, 1),
        ("{" * 81, 2),
        ("a" * 158 + "€", 1),
        ("a" * 159 + "€", 2),
        ("a" * 151 + "[" + "a" * 153, 2),  # 306 septets
        ("a" * 152 + "[" + "a" * 153, 3),  # 307 septets
        ("\f" * 80, 1),
        ("¥" * 160, 1),  # ¥ is in the basic table
        # UCS-2: 70 in one segment, 67 a segment when concatenated
        ("中" * 70, 1),
        ("中" * 71, 2),
        ("中" * 134, 2),
        ("中" * 135, 3),
        ("中" * 201, 3),
        ("中" * 202, 4),
        ("a" * 69 + "中", 1),  # one character outside GSM makes the whole message UCS-2
        ("a" * 70 + "中", 2),
        ("ç" + "a" * 69, 1),  # lower-case ç is not in the GSM table (upper-case Ç is)
        ("ç" + "a" * 70, 2),
        ("{" * 69 + "中", 1),  # in UCS-2 the extension characters count once
        # characters outside the BMP take two UTF-16 code units
        ("😀" * 35, 1),
        ("😀" * 36, 2),
        ("😀" * 67, 2),
        ("😀" * 68, 3),
    ],
)
def test_segments(text: str, expected: int) -> None:
    assert segments(text) == expected
    assert fits(text) is (expected <= MAX_SEGMENTS)


def test_is_gsm() -> None:
    assert is_gsm("Reply STOP to opt out. @£$¥ {}[]~|€\n\r")
    assert not is_gsm("回复TD退订")
    assert not is_gsm("【长兴县人民法院】")
    assert not is_gsm("ç")


def test_fits_takes_a_limit() -> None:
    assert fits("中" * 70, max_segments=1)
    assert not fits("中" * 71, max_segments=1)
    assert fits("中" * 201, max_segments=3)


# --- a long text in numbered parts ------------------------------------------------------------

_PIECES = st.sampled_from(
    ["说明", "浙E88888 大众朗逸", "; ", "，", "。", " ", "word", "😀", "€", "\n"]
)


@BOUNDED
@given(
    st.one_of(st.lists(_PIECES, max_size=200).map("".join), messy_text()),
    st.sampled_from(["", "\n1 确认提交 2 重新填写", "\n1 submit 2 start over"]),
    st.sampled_from([2, 4]),
)
def test_pages_each_fit_are_numbered_and_lose_no_words(
    text: str, reserve: str, max_segments: int
) -> None:
    parts = pages(text, reserve, max_segments)
    if len(parts) == 1:
        assert (parts == [text] and fits(text + reserve, max_segments)) or parts == [""]
        return
    assert all(fits(part, max_segments) for part in parts)
    assert fits(parts[-1] + reserve, max_segments)
    bodies = []
    for n, part in enumerate(parts, 1):
        number, _, body = part.partition(" ")
        assert number == f"{n}/{len(parts)}"
        bodies.append(body)
    assert "".join("".join(body.split()) for body in bodies) == "".join(text.split())


def test_a_lone_surrogate_counts_as_one_unit() -> None:
    """Found by the property test above: JSON can carry "\\ud800", and counting failed."""
    assert segments("\ud800" * 70) == 1 and segments("\ud800" * 71) == 2
    parts = pages("\ud800" * 300)
    assert len(parts) > 1 and all(fits(part) for part in parts)


def test_pages_break_between_items_rather_than_inside_one() -> None:
    items = "; ".join(f"{n}. 车辆 浙E8888{n} 大众朗逸轿车，2019年购入 {n}0,000元" for n in range(9))
    parts = pages("请核对：" + items)
    assert len(parts) > 1
    for n in range(9):
        assert any(f"{n}. 车辆 浙E8888{n} 大众朗逸轿车，2019年购入 {n}0,000元" in p for p in parts)
