"""Case numbers such as `（2024）浙0522民初1234号`, in full-width or ASCII brackets."""

from __future__ import annotations

import re
import unicodedata

# ASCII digits only: NFKC folds full-width digits, but `\d` would also let through other
# scripts' digits (`٢٠٢٤`) and put them into the canonical form.
_CASE = re.compile(
    r"^\(([0-9]{4})\)([\u4e00-\u9fff][0-9]{2,4})([\u4e00-\u9fff]{1,4})([0-9]{1,6})号$"
)


class CaseNumberError(ValueError):
    """Not a case number."""


def normalize_case_number(text: str) -> str:
    """Canonical form: `(2024)浙0522民初1234号` → `（2024）浙0522民初1234号`."""
    ascii_form = unicodedata.normalize("NFKC", text or "").replace(" ", "")
    match = _CASE.match(ascii_form)
    if not match:
        raise CaseNumberError("case number must look like （2024）浙0522民初1234号")
    year, court, kind, number = match.groups()
    return f"（{year}）{court}{kind}{int(number)}号"


def short_case_number(case_number: str) -> str:
    """What a debtor types to pick a case: `（2024）浙0522民初1234号` → `民初1234`."""
    match = _CASE.match(unicodedata.normalize("NFKC", case_number))
    return f"{match.group(3)}{int(match.group(4))}" if match else case_number
