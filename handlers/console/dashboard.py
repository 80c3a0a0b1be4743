"""The outcome dashboard, /admin/dashboard: the figures of the admin's own court (never
another's: the page takes no court), for an area and a period of effective dates, each with
what it counts in plain words, and charts drawn on the server (charts.py). The same figures
download as CSV or XLSX through the admin API's export (handlers/api/export.py)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from aiohttp import web

from bot.domain.figures import Dashboard, Figures, SelectionError
from handlers.api.export import KINDS, download
from handlers.console.auth import STAFF, page, texts
from handlers.console.charts import Chart, bars
from handlers.keys import SERVICES

routes = web.RouteTableDef()
FILTERS = ("area", "from", "to")
# The figures under the voluntary performance rate, in the page's groups.
GROUPS = {
    "outcomes": (
        "cases",
        "decided",
        "performed",
        "referred",
        "exited",
        "closed",
        "median_days_to_performance",
    ),
    "reach": ("debtors", "first_reminded", "responded", "response_rate", "unreachable"),
    "requests": (
        "settlements_proposed",
        "settlements_accepted",
        "grace_requested",
        "grace_granted",
    ),
    "hardship": (
        "hardship_reports",
        "hardship_true",
        "hardship_false",
        "hardship_grace",
        "hardship_exit",
        "hardship_continue",
    ),
    "followups": ("followups", "followups_done", "median_hours_to_done"),
}
Texts = Callable[..., str]


async def _dashboard(request: web.Request) -> Dashboard:
    """The dashboard the query asks for, of the admin's court; `SelectionError` with the
    reason for a filter that makes no sense or one this page does not take."""
    query = request.query
    if unknown := sorted(set(query) - set(FILTERS)):
        raise SelectionError(f"unknown parameter(s): {', '.join(unknown)[:80]}")
    return await request.app[SERVICES].figures.court_dashboard(
        request[STAFF].court_id, query.get("area"), query.get("from"), query.get("to")
    )


def shown(name: str, value: object, t: Texts) -> str:
    """A figure as a person reads it: a rate in per cent, a median with its unit."""
    if value is None:
        return "—"
    if name.endswith("_rate"):
        return f"{float(value) * 100:.1f}%"
    if name == "median_days_to_performance":
        return t("dashboard.days", count=f"{value:.1f}")
    if name == "median_hours_to_done":
        return t("dashboard.hours", count=f"{value:.1f}")
    return f"{value:,}"


def charts(found: Dashboard, t: Texts) -> list[Chart]:
    figures = found.figures
    values = figures.model_dump()

    def rows(*names: str) -> list[tuple[str, float | None, str]]:
        return [
            (t(f"dashboard.figure.{name}"), values[name], shown(name, values[name], t))
            for name in names
        ]

    rate = "voluntary_performance_rate"
    by_month = [
        (
            f"{m.month:%Y-%m}",
            m.voluntary_performance_rate,
            f"{shown(rate, m.voluntary_performance_rate, t)} · {m.performed}/{m.decided}",
        )
        for m in found.months
    ]
    followups = rows("followups", "followups_done")
    name, done, text = followups[1]
    median = shown("median_hours_to_done", figures.median_hours_to_done, t)
    followups[1] = (name, done, f"{text} · {median}")
    return [
        bars("months", t("dashboard.chart.months"), by_month, top=1.0),
        bars(
            "outcomes",
            t("dashboard.chart.outcomes"),
            rows("performed", "referred", "exited", "closed"),
            top=figures.decided,
        ),
        bars(
            "requests",
            t("dashboard.chart.requests"),
            rows(*GROUPS["requests"]),
        ),
        bars("hardship", t("dashboard.chart.hardship"), rows(*GROUPS["hardship"])),
        bars("followups", t("dashboard.chart.followups"), followups),
    ]


def groups(figures: Figures, t: Texts) -> list[tuple[str, list[tuple[str, object, str]]]]:
    """Each group's title and its figures: (name, value, the value shown)."""
    values = figures.model_dump()
    return [
        (
            t(f"dashboard.group.{group}"),
            [(name, values[name], shown(name, values[name], t)) for name in names],
        )
        for group, names in GROUPS.items()
    ]


@routes.get("/admin/dashboard")
async def dashboard(request: web.Request) -> web.Response:
    t = await texts(request)
    query = {name: request.query.get(name, "") for name in FILTERS}
    chosen = urlencode({k: v for k, v in query.items() if v})
    context: dict = {
        "query": query,
        "files": [
            (kind, f"/admin/dashboard.{kind}" + (f"?{chosen}" if chosen else "")) for kind in KINDS
        ],
        "found": None,
        "refused": None,
    }
    try:
        found = await _dashboard(request)
    except SelectionError as refused:
        context["refused"] = str(refused)
        return await page(request, "console/admin_dashboard.html", context, status=422)
    rate = found.figures.voluntary_performance_rate
    context |= {
        "found": found,
        "rate": shown("voluntary_performance_rate", rate, t),
        "charts": charts(found, t),
        "groups": groups(found.figures, t),
    }
    return await page(request, "console/admin_dashboard.html", context)


@routes.get(r"/admin/dashboard.{kind:csv|xlsx}")
async def dashboard_file(request: web.Request) -> web.Response:
    """The page's figures (same filters) as a file: 400 with the reason for a bad filter."""
    try:
        found = await _dashboard(request)
    except SelectionError as refused:
        raise web.HTTPBadRequest(text=str(refused)) from None
    return download(found.figures, request.match_info["kind"])
