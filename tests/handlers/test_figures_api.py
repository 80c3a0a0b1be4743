"""The outcome figures over the admin API: the bearer token, a 400 with the reason for a bad
filter, and the same figures as JSON, CSV and XLSX."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from handlers.api.export import XLSX
from tests.helpers import AUTH, case_in, judgment

PATHS = ("/api/v1/admin/figures", "/api/v1/admin/figures.csv", "/api/v1/admin/figures.xlsx")


@pytest.fixture
async def two_cases(client, clock, db_url) -> None:
    """The example judgment, performed; and another one, still open."""
    await case_in(client, clock, db_url, "performed")
    other = judgment(clock.now(), case_number="（2024）浙0522民初1235号")
    assert (await client.post("/api/v1/judgments", json=other, headers=AUTH)).status == 201


async def test_without_the_token_every_figure_path_answers_401(client) -> None:
    for path in PATHS:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            response = await client.get(path, headers=headers)
            assert response.status == 401, path


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("from=2026-02-30", "from: not a date"),
        ("to=yesterday", "to: not a date"),
        ("from=0001-01-01", "from: a day from 1900-01-01"),
        ("to=9999-12-31", "to: a day from"),
        ("from=2026-12-01&to=2026-11-01", "is after to"),
        ("area=3305", "area: an area code"),
        ("court=%E6%B5%999999", "no court has the code"),
        ("form=2026-01-01", "unknown parameter(s): form"),
    ],
)
async def test_a_bad_filter_answers_400_with_its_reason(client, query, words) -> None:
    for path in PATHS:
        response = await client.get(f"{path}?{query}", headers=AUTH)
        assert response.status == 400, (path, query)
        assert words in (await response.json())["error"]


async def test_json_csv_and_xlsx_carry_the_same_figures(client, two_cases) -> None:
    query = "court=%E6%B5%990522&area=330522"  # 浙0522
    response = await client.get(f"{PATHS[0]}?{query}", headers=AUTH)
    assert response.status == 200
    figures = await response.json()
    assert (figures["cases"], figures["performed"], figures["decided"]) == (2, 1, 1)
    assert figures["voluntary_performance_rate"] == 1.0
    assert figures["selection"] == {
        "court": "浙0522",
        "area": "330522",
        "since": None,
        "until": None,
    }

    response = await client.get(f"{PATHS[1]}?{query}", headers=AUTH)
    assert response.status == 200
    assert response.content_type == "text/csv"
    assert "figures.csv" in response.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(await response.text())))
    assert lines[0] == ["figure", "value"]
    table = dict(lines[1:])
    assert table["court"] == "浙0522" and table["from"] == ""
    assert (table["cases"], table["performed"], table["voluntary_performance_rate"]) == (
        "2",
        "1",
        "1.0",
    )

    response = await client.get(f"{PATHS[2]}?{query}", headers=AUTH)
    assert response.status == 200
    assert response.content_type == XLSX
    sheet = load_workbook(io.BytesIO(await response.read())).active
    cells = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert (cells["court"], cells["cases"], cells["performed"]) == ("浙0522", 2, 1)
    assert cells["voluntary_performance_rate"] == 1.0
    assert cells["median_hours_to_done"] is None
    assert len(cells) == len(table)
