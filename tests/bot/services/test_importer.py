"""CSV import through the real judgment service on a real SQLite file: good cases land, bad
cases are reported by line and field, and a second run changes nothing."""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.services.importer import COLUMNS, ImportFileError, import_file
from ducu.bootstrap import Runtime, build
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.helpers import case_json

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "judgments.csv"
GOOD = {
    "（2024）浙0522民初1001号": ["林某"],
    "（2024）浙0522民初1002号": ["张某", "王某"],  # two rows, brackets written two ways
    "（2024）浙0522民初1005号": ["周某"],
}
BAD = [  # (line numbers, field) per bad case, in file order
    ("5", "obligors.0.phone"),
    ("6", "amount_due"),
    ("7", "case_number"),
    ("9,10", "obligors.1.phone"),
]


@pytest.fixture
async def runtime(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Runtime]:
    runtime = await build(make_settings(sqlite_url, None), clock=clock)
    yield runtime
    await runtime.close()


async def cases(runtime: Runtime) -> dict[str, list[str]]:
    """Every stored case number with its obligors' names."""
    found: dict[str, list[str]] = {}
    case_id = 1
    while (case := await case_json(runtime.services, case_id)) is not None:
        found[case["case_number"]] = [o["name"] for o in case["obligors"]]
        case_id += 1
    return found


async def test_good_cases_land_and_bad_ones_are_reported(runtime: Runtime) -> None:
    progress: list[tuple[int, int]] = []
    report = await import_file(
        FIXTURE, runtime.services.judgments, on_progress=lambda *p: progress.append(p), chunk=3
    )
    assert (report.created, report.duplicates) == (3, 0)
    assert [(lines, field) for lines, field, _ in report.errors] == BAD
    assert all(message for _, _, message in report.errors)
    assert progress == [(3, 7), (6, 7), (7, 7)]  # seven cases in the file, three at a time

    assert await cases(runtime) == GOOD
    reminders = await runtime.services.cases.reminder_counts()
    assert sum(reminders.values()) == 4 * 4  # four obligors, four reminders each

    again = await import_file(FIXTURE, runtime.services.judgments)
    assert (again.created, again.duplicates) == (0, 3)
    assert again.errors == report.errors
    assert await cases(runtime) == GOOD
    assert await runtime.services.cases.reminder_counts() == reminders


async def test_a_file_with_a_bom_and_crlf_line_ends_is_read(
    runtime: Runtime, tmp_path: Path
) -> None:
    """As a spreadsheet exports it: UTF-8 with a byte-order mark, CRLF line ends."""
    rows = FIXTURE.read_text(encoding="utf-8").splitlines()[:2]
    path = tmp_path / "excel.csv"
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    report = await import_file(path, runtime.services.judgments)
    assert (report.created, report.duplicates, report.errors) == (1, 0, [])
    assert await cases(runtime) == {"（2024）浙0522民初1001号": ["林某"]}


async def test_missing_columns_are_named(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    columns = [c for c in COLUMNS if c not in {"judge_phone", "area_code", "locale"}]
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerow(columns)
    with pytest.raises(ImportFileError) as raised:
        await import_file(path, runtime.services.judgments)
    message = str(raised.value)
    assert "area_code" in message and "judge_phone" in message
    assert "locale" not in message  # optional columns may be left out
    assert await cases(runtime) == {}


async def test_an_empty_file_lacks_every_column(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ImportFileError, match="case_number"):
        await import_file(path, runtime.services.judgments)


async def test_a_missing_file_is_an_import_file_error(runtime: Runtime, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="cannot open"):
        await import_file(tmp_path / "nowhere.csv", runtime.services.judgments)


async def test_a_debtor_in_several_cases_of_one_chunk_is_one_person(
    runtime: Runtime, tmp_path: Path
) -> None:
    """A chunk is registered in one go: a debtor known before, and one who appears in two
    cases of the chunk, are each one obligor, named as the latest row says, in every case."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "known.csv"
    path.write_text("\n".join(lines[:2]), encoding="utf-8")  # 林某 at +8613800138000
    await import_file(path, runtime.services.judgments)
    first = lines[1].split(",")
    rows = []
    for n, (name, phone) in enumerate(
        [("林某某", "+8613800138000"), ("赵某", "+8613800138123"), ("赵某某", "+8613800138123")]
    ):
        row = dict(zip(COLUMNS, first, strict=True))
        row |= {"case_number": f"（2024）浙0522民初{2001 + n}号", "obligor_name": name}
        row["obligor_phone"] = phone
        rows.append(row)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    report = await import_file(path, runtime.services.judgments)
    assert (report.created, report.errors) == (3, [])
    people = {}
    for case_id in range(1, 5):
        case = await case_json(runtime.services, case_id)
        people[case["case_number"][-5:-1]] = [(o["id"], o["name"]) for o in case["obligors"]]
    assert people["1001"] == people["2001"] == [(people["1001"][0][0], "林某某")]
    assert people["2002"] == people["2003"] == [(people["2002"][0][0], "赵某某")]
    assert people["1001"][0][0] != people["2002"][0][0]


async def test_a_file_cut_short_while_imported_stops_and_resumes(
    runtime: Runtime, tmp_path: Path
) -> None:
    """The file is read twice (numbers, then rows): if it changes in between, the import stops
    with a clear error, keeps the chunks written, and a second run adds only the rest."""
    header, first = FIXTURE.read_text(encoding="utf-8").splitlines()[:2]
    rows = [
        first.replace("1001号", f"{5000 + n}号").replace("+8613800138000", f"+86138{n:08d}")
        for n in range(300)
    ]
    path = tmp_path / "long.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    original = path.read_bytes()

    def cut_short(done: int, total: int) -> None:
        if done == 20:  # well past what the reader holds in its buffer
            path.write_text("\n".join([header, *rows[:150]]) + "\n", encoding="utf-8")

    with pytest.raises(ImportFileError, match="changed while it was imported"):
        await import_file(path, runtime.services.judgments, on_progress=cut_short, chunk=20)
    stored = len(await cases(runtime))
    assert 0 < stored < 150 and stored % 20 == 0  # whole chunks only

    path.write_bytes(original)
    again = await import_file(path, runtime.services.judgments)
    assert (again.created, again.duplicates, again.errors) == (300 - stored, stored, [])


@pytest.mark.postgres
async def test_postgresql_stores_what_sqlite_stores(
    postgres_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    """PostgreSQL gets bulk statements of its own (an array per column; known phones and case
    numbers as one array): the same cases, errors and reminders, and a known debtor is found."""
    runtime = await build(make_settings(postgres_url, None), clock=clock)
    try:
        report = await import_file(FIXTURE, runtime.services.judgments, chunk=3)
        assert (report.created, report.duplicates) == (3, 0)
        assert [(lines, field) for lines, field, _ in report.errors] == BAD
        assert await cases(runtime) == GOOD
        assert sum((await runtime.services.cases.reminder_counts()).values()) == 4 * 4
        again = await import_file(FIXTURE, runtime.services.judgments)
        assert (again.created, again.duplicates, again.errors) == (0, 3, report.errors)

        header, first = FIXTURE.read_text(encoding="utf-8").splitlines()[:2]  # 林某's case
        path = tmp_path / "known.csv"
        path.write_text(f"{header}\n{first.replace('1001号', '3001号')}\n", encoding="utf-8")
        assert (await import_file(path, runtime.services.judgments)).created == 1
        old, new = [await case_json(runtime.services, case_id) for case_id in (1, 4)]
        assert new["case_number"].endswith("3001号")
        assert new["obligors"][0]["id"] == old["obligors"][0]["id"]
    finally:
        await runtime.close()
