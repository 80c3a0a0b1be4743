"""Bulk import of judgments from CSV: one row per obligor, rows of a case share its number.

A bad case is reported with its line numbers and skipped; good cases land, a chunk of them at
a time (JudgmentService.register_many); importing the same file again changes nothing
(registration is idempotent on the case number).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from pydantic import ValidationError

from bot.domain.case_number import CaseNumberError, normalize_case_number
from bot.domain.judgment import field_errors
from bot.domain.locales import DEFAULT_LOCALE
from bot.services.judgments import JudgmentService

COLUMNS = (
    "case_number",
    "court_code",
    "court_name",
    "judge_name",
    "judge_phone",
    "creditor_name",
    "creditor_phone",
    "obligor_name",
    "obligor_phone",
    "area_code",
    "locale",
    "amount_due",
    "obligations",
    "effective_at",
    "performance_due",
)
REQUIRED = set(COLUMNS) - {"creditor_name", "creditor_phone", "locale"}
CHUNK = 1_000  # cases registered per transaction


@dataclass
class ImportReport:
    created: int = 0
    duplicates: int = 0
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (lines, field, message)


class ImportFileError(ValueError):
    """The file as a whole cannot be read (missing, wrong columns, not CSV)."""


Rows = list[tuple[int, dict[str, str]]]  # the rows of one case, each with its line number


@contextmanager
def _rows(path: Path) -> Iterator[csv.DictReader]:
    """The file's rows, once its columns are checked."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ImportFileError(f"cannot open {path}: {exc.strerror}") from exc
    with handle:
        reader = csv.DictReader(handle)
        missing = REQUIRED - set(reader.fieldnames or ())
        if missing:
            raise ImportFileError(f"{path} lacks the column(s): {', '.join(sorted(missing))}")
        yield reader


def read_cases(path: Path, chunk: int) -> tuple[int, Iterator[list[tuple[str, Rows]]]]:
    """The number of cases in the file, and its rows grouped by case number in file order,
    `chunk` cases at a time.

    Reads the file twice, so that memory does not grow with it: first the case numbers alone
    (how many cases, and the row that completes each chunk: a case's rows need not be
    adjacent), then the rows, a chunk given out as soon as its last row is read."""
    keys: list[str] = []
    last: dict[str, int] = {}  # case → index of its last row, in order of first appearance
    with _rows(path) as reader:
        column = reader.reader  # the bare rows: no dict per row for one column
        index = reader.fieldnames.index("case_number")  # type: ignore[union-attr]
        for row in column:
            if row:  # DictReader skips blank lines too
                key = _case_key(row[index] if index < len(row) else "", column.line_num)
                last[key] = len(keys)
                keys.append(key)
    ends = list(last.values())
    ready = [max(ends[start : start + chunk]) for start in range(0, len(ends), chunk)]
    return len(ends), _chunks(path, keys, ready, chunk)


def _chunks(
    path: Path, keys: list[str], ready: list[int], chunk: int
) -> Iterator[list[tuple[str, Rows]]]:
    groups: dict[str, Rows] = {}  # the cases read and not given out yet, in file order
    given = 0
    with _rows(path) as reader:
        for i, row in enumerate(reader):
            if i >= len(keys):
                raise ImportFileError(f"{path} changed while it was imported")
            groups.setdefault(keys[i], []).append((reader.line_num, row))
            while given < len(ready) and ready[given] <= i:
                yield [(key, groups.pop(key)) for key in list(islice(groups, chunk))]
                given += 1
    if given < len(ready):
        raise ImportFileError(f"{path} changed while it was imported")


def _case_key(raw: str, line: int) -> str:
    """Rows belong to one case when their numbers are the same case number, however written
    (`(2024)…` and `（2024）…`); a number that does not parse is grouped by its text."""
    raw = raw.strip()
    if not raw:
        return f"(no case number, line {line})"
    try:
        return normalize_case_number(raw)
    except CaseNumberError:
        return raw


def judgment_from_rows(rows: Iterable[dict[str, str]]) -> dict[str, object]:
    """The judgment contract's JSON shape, from the rows of one case."""
    rows = list(rows)
    first = rows[0]

    def opt(row: dict[str, str], key: str) -> str | None:
        return (row.get(key) or "").strip() or None

    creditor = None
    if opt(first, "creditor_name"):
        creditor = {"name": first["creditor_name"], "phone": opt(first, "creditor_phone")}
    return {
        "case_number": first["case_number"],
        "court": {"code": first["court_code"], "name": first["court_name"]},
        "judge": {"name": first["judge_name"], "phone": first["judge_phone"]},
        "creditor": creditor,
        "obligors": [
            {
                "name": row["obligor_name"],
                "phone": row["obligor_phone"],
                "area_code": row["area_code"],
                "locale": opt(row, "locale") or DEFAULT_LOCALE,
            }
            for row in rows
        ],
        "amount_due": first["amount_due"],
        "obligations": first["obligations"],
        "effective_at": first["effective_at"],
        "performance_due": first["performance_due"],
    }


async def import_file(
    path: Path,
    judgments: JudgmentService,
    on_progress: Callable[[int, int], None] = lambda done, total: None,
    chunk: int = CHUNK,
) -> ImportReport:
    """Registers the file's good cases `chunk` at a time, each chunk in one transaction, and
    reports the bad ones; `on_progress(done, total)` after each chunk. If the import stops, the
    chunks written so far stay: importing the file again skips their cases."""
    total, chunks = read_cases(path, chunk)
    report = ImportReport()
    done = 0
    for cases in chunks:
        good = []
        for _, numbered in cases:
            lines = ",".join(str(n) for n, _ in numbered)
            try:
                good.append(judgments.parse(judgment_from_rows(row for _, row in numbered)))
            except ValidationError as exc:
                report.errors.extend((lines, e["field"], e["message"]) for e in field_errors(exc))
        for result in await judgments.register_many(good):
            if result.created:
                report.created += 1
            else:
                report.duplicates += 1
        done += len(cases)
        on_progress(done, total)
    return report
