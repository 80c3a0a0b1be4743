"""The outcome dashboard over real HTTP on a real SQLite file: only a court's admins reach the
page and its files, each sees their own court alone, and what the page and its CSV show
equals the hand count of tests/bot/services/test_figures.py on its 210 seeded cases."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from handlers.api.export import XLSX
from tests.bot.services.test_figures import (
    SHANGHAI,
    VILLAGES,
    Seeded,
    _rows,
    hand_count,
    hand_months,
)
from tests.bot.services.test_figures import seeded as seeded  # the fixture: the 210 cases
from tests.handlers.console_site import add_staff, sign_in
from tests.handlers.test_admin import ADMIN_PHONE, JUDGE_PHONE, OTHER_ADMIN_PHONE, signed_in
from tests.handlers.test_admin import court as court  # the fixture: two courts' staff

SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
PATHS = ("/admin/dashboard", "/admin/dashboard.csv", "/admin/dashboard.xlsx")
FIGURE = re.compile(r'data-figure="(\w+)" data-value="([^"]*)"')
MONTH = re.compile(r"(\d{4})-(\d{2}): [^;<]*? · (\d+)/(\d+)")


def figures_on(page: str) -> dict[str, object]:
    """The figures the page shows, by name (an empty value: None)."""

    def value(raw: str) -> object:
        return None if raw == "" else float(raw) if "." in raw else int(raw)

    return {name: value(raw) for name, raw in FIGURE.findall(page)}


def months_on(page: str) -> list[tuple[date, int, int]]:
    """The months of the rate chart's description: (first day, decided, performed)."""
    desc = re.search(r'<desc id="months-d">(.*?)</desc>', page, re.S).group(1)
    return [(date(int(y), int(m), 1), int(d), int(p)) for y, m, p, d in MONTH.findall(desc)]


@SQLITE
async def test_strangers_and_staff_who_are_not_admins_are_refused(court, aiohttp_client) -> None:
    client = await aiohttp_client(court.web_app())
    for path in PATHS:
        response = await client.get(path, allow_redirects=False)
        assert response.status == 302 and response.headers["Location"].startswith("/login?next=")
    judge = await signed_in(aiohttp_client, court, JUDGE_PHONE)
    for path in PATHS:
        assert (await judge.get(path, allow_redirects=False)).status == 403, path


@SQLITE
async def test_an_admin_sees_their_own_court_and_no_other(court, aiohttp_client) -> None:
    own = await signed_in(aiohttp_client, court, ADMIN_PHONE)
    assert figures_on(await (await own.get("/admin/dashboard")).text())["cases"] == 1
    other = await signed_in(aiohttp_client, court, OTHER_ADMIN_PHONE)  # of 浙0523: no case
    assert figures_on(await (await other.get("/admin/dashboard")).text())["cases"] == 0
    response = await other.get("/admin/dashboard.csv")
    assert "cases,0" in (await response.text()).splitlines()
    for path in PATHS:  # asking for the other court by its code is refused, not obeyed
        response = await other.get(f"{path}?court=%E6%B5%990522")  # 浙0522
        assert response.status == (422 if path == PATHS[0] else 400), path
        assert "unknown parameter(s): court" in html.unescape(await response.text())
    response = await other.get("/admin/dashboard?area=3305&from=2026-02-30")
    assert response.status == 422
    assert "area: an area code of 6, 9 or 12 digits" in html.unescape(await response.text())
    assert (await other.get("/admin/dashboard.xlsx?from=2026-12-01&to=2026-11-01")).status == 400


@SQLITE
async def test_the_page_and_its_files_equal_the_hand_count(seeded: Seeded, aiohttp_client) -> None:
    await add_staff(seeded.runtime, "admin", "钱管理员", ADMIN_PHONE)  # of 浙0522
    client = await aiohttp_client(seeded.runtime.web_app())
    assert (await sign_in(client, ADMIN_PHONE)).status == 302
    rows = await _rows(seeded.url)
    as_of = seeded.clock.now().astimezone(SHANGHAI).date()
    first_day = min(c.effective_at for c in rows["cases"]).astimezone(SHANGHAI).date()
    for chosen in ({}, {"area": VILLAGES[0][:9], "since": first_day + timedelta(days=2)}):
        query = {"area": chosen.get("area", ""), "from": str(chosen.get("since") or "")}
        response = await client.get("/admin/dashboard", params=query)
        assert response.status == 200
        page = await response.text()
        counted = hand_count(rows, court="浙0522", **chosen, as_of=as_of)
        shown = figures_on(page)
        rate = shown.pop("voluntary_performance_rate")
        assert rate == pytest.approx(counted["performed"] / counted["decided"], abs=1e-4)
        assert shown.pop("response_rate") == pytest.approx(
            counted["responded"] / counted["first_reminded"], abs=1e-4
        )
        assert shown == {
            k: pytest.approx(v, abs=1e-3) if isinstance(v, float) else v for k, v in counted.items()
        }, chosen
        months = months_on(page)
        assert len(months) >= 2 and months[-1][0] == as_of.replace(day=1)
        by_hand = hand_months(rows, {"court": "浙0522", **chosen}, [m for m, _, _ in months], as_of)
        assert months == [(m, decided, performed) for m, _, decided, performed in by_hand]

    response = await client.get("/admin/dashboard.csv", params=query)
    assert response.status == 200 and response.content_type == "text/csv"
    table = dict(list(csv.reader(io.StringIO(await response.text())))[1:])
    assert (table["court"], table["area"], table["from"]) == (
        "浙0522",
        query["area"],
        query["from"],
    )
    assert {k: table[k] for k in ("cases", "performed", "hardship_exit")} == {
        k: str(counted[k]) for k in ("cases", "performed", "hardship_exit")
    }
    response = await client.get("/admin/dashboard.xlsx", params=query)
    assert response.content_type == XLSX
    sheet = load_workbook(io.BytesIO(await response.read())).active
    cells = {name: value for name, value in sheet.iter_rows(min_row=2, values_only=True)}
    assert (cells["cases"], cells["unreachable"]) == (counted["cases"], counted["unreachable"])
