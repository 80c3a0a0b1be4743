"""Administrative division codes: county (6 digits) ⊃ township (9) ⊃ village (12)."""

from __future__ import annotations

import re

LEVELS = {6: "county", 9: "township", 12: "village"}
_CODE = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")


def is_area_code(code: str) -> bool:
    return bool(_CODE.match(code or ""))


def prefixes(code: str) -> list[str]:
    """Longest first: `330522102201` → [`330522102201`, `330522102`, `330522`]."""
    return [code[:n] for n in sorted(LEVELS, reverse=True) if len(code) >= n]
