"""Administrative division codes: county (6 digits) ⊃ township (9) ⊃ village (12)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

LEVELS = {6: "county", 9: "township", 12: "village"}
_CODE = re.compile(r"[0-9]{6}(?:[0-9]{3}(?:[0-9]{3})?)?")


def is_area_code(code: str) -> bool:
    """A code as stored: 6, 9 or 12 ASCII digits."""
    return bool(_CODE.fullmatch(code or ""))


def area_code(text: str) -> str | None:
    """A code as someone entered it → as stored: full-width digits (a Chinese input method)
    folded to ASCII (NFKC), spaces around dropped; None when that is not 6, 9 or 12 digits.
    Every way an area code comes in (people, areas, their files, judgments) passes here."""
    code = _folded(text)
    return code if is_area_code(code) else None


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def prefixes(code: str) -> list[str]:
    """Longest first: `330522102201` → [`330522102201`, `330522102`, `330522`]."""
    return [code[:n] for n in sorted(LEVELS, reverse=True) if len(code) >= n]


# --- a CSV file of areas: code,name,parent -----------------------------------------------

HEADER = ("code", "name", "parent")
_BOM = b"\xef\xbb\xbf"


class AreaFileError(ValueError):
    """A file that cannot be read as areas at all (its encoding, its header)."""


@dataclass(frozen=True)
class AreaLine:
    line: int
    code: str
    name: str
    parent: str


RARE_SHARE = 0.2  # more Chinese characters outside GB2312 than this: not GBK text


def _common(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _plausible(text: str) -> bool:
    """Text as an areas file holds it: ASCII, Chinese characters, CJK and full-width
    punctuation, the Chinese ones mostly common (GB2312). Another encoding read as GB18030
    (Latin-1, Shift-JIS, Big5) gives rare or traditional characters, or other symbols."""
    chinese = [char for char in text if not char.isascii()]
    if not all(
        "\u3000" <= char <= "\u303f"
        or "\u3400" <= char <= "\u4dbf"
        or "\u4e00" <= char <= "\u9fff"
        or "\uff00" <= char <= "\uffef"
        for char in chinese
    ):
        return False
    rare = sum(not _common(char) for char in chinese)
    return rare <= RARE_SHARE * len(chinese)


def decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), or GBK/GB18030 as Excel in China saves a CSV;
    anything else is refused."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    if b"\0" in data:
        raise AreaFileError("the file is not UTF-8 or GBK text (UTF-16?): save it as CSV UTF-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = ""
    if not text or not _plausible(text):
        raise AreaFileError("the file is neither UTF-8 nor GBK: save it as CSV UTF-8")
    return text


def parse(text: str) -> tuple[list[AreaLine], list[tuple[int, str]]]:
    """The areas of a file, and each bad line's number and what is wrong with it."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(cell.strip().lower() for cell in rows[0]) != HEADER:
        raise AreaFileError("the first line must be the header: code,name,parent")
    areas: list[AreaLine] = []
    errors: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            errors.append((number, f"{len(row)} columns, not 3 (code,name,parent)"))
            continue
        code, parent = _folded(row[0]), _folded(row[2])
        name = row[1].strip()
        if not is_area_code(code):
            errors.append((number, f"code {code!r} is not 6, 9 or 12 digits"))
        elif code in seen:
            errors.append((number, f"code {code} is already on line {seen[code]}"))
        elif not name:
            errors.append((number, f"code {code} has no name"))
        elif parent and (parent not in prefixes(code)[1:]):
            errors.append((number, f"parent {parent!r} is not a code that {code} starts with"))
        else:
            seen[code] = number
            areas.append(AreaLine(number, code, name, parent))
    return areas, errors
