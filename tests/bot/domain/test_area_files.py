"""Reading an areas CSV: its encoding (UTF-8 with or without BOM, GBK as Excel in China
saves it; anything else refused) and each bad line named with its number."""

from __future__ import annotations

import pytest

from bot.domain.areas import AreaFileError, area_code, decode, is_area_code, parse

GOOD = (
    "code,name,parent\n330522,长兴县,\n330522102,雉城街道,330522\n330522102201,城东村,330522102\n"
)


@pytest.mark.parametrize(
    "data",
    [GOOD.encode(), b"\xef\xbb\xbf" + GOOD.encode(), GOOD.encode("gbk"), GOOD.encode("gb18030")],
    ids=["utf-8", "utf-8 with BOM", "gbk", "gb18030"],
)
def test_utf8_bom_and_gbk_read_alike(data: bytes) -> None:
    areas, errors = parse(decode(data))
    assert errors == []
    assert [(a.line, a.code, a.name, a.parent) for a in areas] == [
        (2, "330522", "长兴县", ""),
        (3, "330522102", "雉城街道", "330522"),
        (4, "330522102201", "城东村", "330522102"),
    ]


@pytest.mark.parametrize(
    "data",
    [
        GOOD.encode("utf-16"),
        "code,name,parent\n130000,東京都,\n".encode("shift_jis"),
        "code,name,parent\n330522,Zürich,\n".encode("latin-1"),
        "code,name,parent\n330522,臺北市,\n".encode("big5"),
    ],
    ids=["utf-16", "shift-jis", "latin-1", "big5"],
)
def test_other_encodings_are_refused_clearly(data: bytes) -> None:
    with pytest.raises(AreaFileError, match="UTF-8"):
        decode(data)


def test_each_bad_line_is_named() -> None:
    text = (
        "code,name,parent\n"
        "330522,长兴县,\n"
        "33052,短码,\n"  # 5 digits
        "330522102,雉城街道,330523\n"  # the parent is another county
        "330522,长兴县again,\n"  # duplicate
        "330522103,,330522\n"  # no name
        "330522104,多一列,330522,x\n"
        "\n"  # blank lines are skipped
        "330522105,画溪街道,330522\n"
    )
    areas, errors = parse(text)
    assert [a.code for a in areas] == ["330522", "330522105"]
    assert [line for line, _ in errors] == [3, 4, 5, 6, 7]
    problems = dict(errors)
    assert "not 6, 9 or 12 digits" in problems[3]
    assert "is not a code that 330522102 starts with" in problems[4]
    assert "already on line 2" in problems[5]
    assert "no name" in problems[6]
    assert "4 columns" in problems[7]


def test_the_header_is_required() -> None:
    with pytest.raises(AreaFileError, match="header"):
        parse("330522,长兴县,\n")


def test_full_width_digits_are_read_as_ascii() -> None:
    """A code typed with a Chinese input method (full-width digits) is the same code; a
    refusal names it in ASCII; other digits (Arabic-Indic) are no area code."""
    text = "code,name,parent\n３３０５２２１０７,全角镇,\n３３０５２２１０８,全角乡,３３０５９９\n"
    areas, errors = parse(text)
    assert [(a.code, a.parent) for a in areas] == [("330522107", "")]
    assert errors == [(3, "parent '330599' is not a code that 330522108 starts with")]
    assert area_code(" ３３０５２２１０２２０１ ") == "330522102201"
    assert area_code("٣٣٠٥٢٢") is None and area_code("330522\n1") is None
    assert area_code("33052") is None and not is_area_code("３３０５２２")
