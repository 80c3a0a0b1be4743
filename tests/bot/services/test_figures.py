"""The outcome figures against a hand count, on 210 cases seeded through the real services.

Judgments arrive through JudgmentService, day-0 reminders go through the dispatcher (the
sandbox sender), debtors write through the conversation engine and file through the filing
service, staff decide through DecisionService, overdue first calls escalate through
FollowUps; only what no service does yet (a creditor's filing for enforcement, a closing, a
contact marked dead, an `unreachable` event) is written through the repositories. Then every
figure is counted twice: by FigureService (SQL aggregates) and by `hand_count` below, plain
Python over every row of the tables, following docs/figures.md. The scenarios also pin the
counts they must produce, so a seed that went wrong cannot pass unnoticed.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.audit import CLI
from bot.domain.figures import (
    DEAD_CONTACT,
    DECIDED_STATES,
    Dashboard,
    Figures,
    SelectionError,
)
from bot.domain.instalments import counter_terms
from bot.domain.messages import InboundMessage
from bot.domain.status import CaseStatus, EventKind
from bot.domain.tasks import Outcome, TaskKind
from bot.services import filings
from bot.services.decisions import Actor
from ducu.bootstrap import Runtime, build
from storage import tables as t
from storage.db import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWork
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.helpers import judgment

SHANGHAI = ZoneInfo("Asia/Shanghai")
COURTS = {"浙0522": "+8613900000001", "浙0523": "+8613900000523"}  # court: its judge's phone
VILLAGES = ("330522102201", "330522103201")
SCENARIOS = (
    "paid",
    "paid_disputed",
    "settle",
    "settle_rejected",
    "grace",
    "grace_rejected",
    "hardship_exit",
    "hardship_grace",
    "hardship_false",
    "silent",
    "referred",
    "closed",
)
REMINDED = 200  # cases whose day-0 reminder went; 10 more arrive after the dispatch
LATE = 10


@dataclass
class Seeded:
    url: str
    runtime: Runtime
    clock: FakeClock
    scenario: dict[int, str] = field(default_factory=dict)  # case id → scenario
    court: dict[int, str] = field(default_factory=dict)
    area: dict[int, str] = field(default_factory=dict)


def _phone(i: int) -> str:
    return f"+86138{i:08d}"


_ENGINES: dict[str, AsyncEngine] = {}  # one per database for the whole seed (see `seeded`)


async def _in_uow(url: str, work) -> Any:
    """`work(uow)` in a unit of work of its own, committed: what no service does yet."""
    engine = _ENGINES.get(url) or _ENGINES.setdefault(url, make_engine(url))
    async with SqlUnitOfWork(make_sessionmaker(engine)) as uow:
        result = await work(uow)
        await uow.commit()
        return result


async def _file(seeded: Seeded, case_id: int, kind: str, payload: dict) -> None:
    """Files `payload`; a payment report without an amount reports all that is owed."""
    now = seeded.clock.now()

    async def work(uow) -> None:
        case = await uow.cases.summary(case_id)
        if kind == "paid":
            payload.setdefault("amount_fen", case.owed_fen)
        [(obligor_id,)] = (
            await uow.session.execute(
                select(t.CaseObligor.obligor_id).where(t.CaseObligor.case_id == case_id)
            )
        ).all()
        obligor = await uow.obligors.get(obligor_id)
        await filings.file(
            uow,
            kind=kind,
            payload=payload,
            cases=[case],
            obligor=obligor,
            phone=await uow.obligors.phone_of(obligor_id),
            summary=kind,
            now=now,
        )

    await _in_uow(seeded.url, work)


async def _open_task(seeded: Seeded, case_id: int, kind: str) -> t.Task | None:
    async def work(uow):
        return (
            await uow.session.scalars(
                select(t.Task).where(
                    t.Task.case_id == case_id, t.Task.kind == kind, t.Task.status == "open"
                )
            )
        ).one_or_none()

    return await _in_uow(seeded.url, work)


async def _act(seeded: Seeded, case_id: int, kind: str, outcome: Outcome, note: str = "") -> bool:
    """The assignee of the case's open task of `kind` decides it; False: none is open."""
    task = await _open_task(seeded, case_id, kind)
    if task is None:
        return False
    services = seeded.runtime.services
    staff = await services.accounts.member(task.assignee_id)
    seeded.clock.advance(minutes=7 + case_id % 50)  # decisions take their time
    await services.decisions.act(Actor(staff=staff), task.id, outcome, note)
    return True


async def _scenario(seeded: Seeded, case_id: int, i: int, scenario: str) -> None:
    """What the debtor and the staff do in one case."""
    services = seeded.runtime.services
    if scenario not in ("silent", "referred", "closed") or i % 3 == 0:
        seeded.clock.advance(minutes=3)
        await services.engine.handle(InboundMessage("sms", _phone(i), "帮助"))
    grace_day = (seeded.clock.now().astimezone(SHANGHAI) + timedelta(days=20)).date()
    kind = scenario.split("_")[0]
    if kind == "paid":
        await _file(seeded, case_id, "paid", {})
        if scenario == "paid":
            await _act(seeded, case_id, TaskKind.DECIDE, Outcome.ACCEPT)
        else:
            await _act(seeded, case_id, TaskKind.DECIDE, Outcome.REJECT, "未到账")
    elif kind == "settle":
        await _file(seeded, case_id, "settle", counter_terms(1_000_000, 6, 2_000_000, 15))
        ok = scenario == "settle"
        await _act(
            seeded,
            case_id,
            TaskKind.DECIDE,
            *(Outcome.ACCEPT, "") if ok else (Outcome.REJECT, "太少"),
        )
    elif kind == "grace":
        await _file(seeded, case_id, "grace", {"until": grace_day.isoformat()})
        ok = scenario == "grace"
        await _act(
            seeded,
            case_id,
            TaskKind.DECIDE,
            *(Outcome.ACCEPT, "") if ok else (Outcome.REJECT, "不准"),
        )
    elif kind == "hardship":
        await _file(seeded, case_id, "hardship", {"reason": "illness"})
        if scenario == "hardship_false":
            await _act(seeded, case_id, TaskKind.VERIFY, Outcome.FALSE, "能干活")
            return
        await _act(seeded, case_id, TaskKind.VERIFY, Outcome.TRUE, "卧床")
        if scenario == "hardship_exit":
            await _act(seeded, case_id, TaskKind.DECIDE, Outcome.EXIT)
        else:
            await _act(seeded, case_id, TaskKind.DECIDE, Outcome.GRACE, grace_day.isoformat())
    elif scenario in ("referred", "closed"):
        now = seeded.clock.now()  # the creditor filed for enforcement, or it was closed

        async def end(uow) -> None:
            await uow.cases.set_status(case_id, CaseStatus.OPEN, CaseStatus(scenario), now)

        await _in_uow(seeded.url, end)


SEEDED_AT = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # effective dates straddle 1 December


async def _seed(url: str) -> Seeded:
    clock = FakeClock(SEEDED_AT)
    # no public https URL: the console (tests/handlers/test_dashboard.py) over plain HTTP
    settings = make_settings(url, None, DUCU_QUIET_HOURS="", DUCU_PUBLIC_URL="")
    runtime = await build(settings, clock=clock)
    seeded = Seeded(url, runtime, clock)
    services = runtime.services
    await services.staff.add_user(
        actor=CLI, role="official", name="王书记", phone="+8613900000003", area_code=VILLAGES[0]
    )
    await services.staff.add_user(
        actor=CLI, role="official", name="赵书记", phone="+8613900000004", area_code=VILLAGES[1]
    )
    await services.staff.add_user(  # the level above the first village (the second has none)
        actor=CLI, role="official", name="钱主任", phone="+8613900000005", area_code=VILLAGES[0][:9]
    )
    start = clock.now()

    async def register(i: int) -> int:
        court = list(COURTS)[i % 2]
        area = VILLAGES[(i // 2) % 2]
        effective = start - timedelta(days=i % 6, hours=i % 5)
        body = judgment(
            effective,
            due_in_days=2 + i % 4,
            case_number=f"（2026）{court}民初{1000 + i}号",
            court={"code": court, "name": f"{court}法院"},
            judge={"name": f"法官{court}", "phone": COURTS[court]},
            creditor=None,
        )
        body["obligors"] = [{"name": f"林某{i}", "phone": _phone(i), "area_code": area}]
        result = await services.judgments.register(services.judgments.parse(body))
        seeded.court[result.case_id], seeded.area[result.case_id] = court, area
        return result.case_id

    ids = [await register(i) for i in range(REMINDED)]
    while await services.dispatcher.run_once():
        pass
    ids += [await register(i) for i in range(REMINDED, REMINDED + LATE)]
    for i, case_id in enumerate(ids):
        seeded.scenario[case_id] = SCENARIOS[i % len(SCENARIOS)] if i < REMINDED else "late"
        await _scenario(seeded, case_id, i, seeded.scenario[case_id])
    # Some first calls are made within the hour; the rest go one level up, and the township
    # official makes some of those.
    for i, case_id in enumerate(ids[:REMINDED]):
        if i % 4 == 1 and seeded.scenario[case_id] in ("silent", "paid_disputed", "grace"):
            await _act(seeded, case_id, TaskKind.FOLLOW_UP, Outcome.REACHED, "已电联")
    clock.advance(hours=2)
    while await services.followups.run_once():
        pass
    for i, case_id in enumerate(ids[:REMINDED]):
        if i % 5 == 0 and seeded.area[case_id] == VILLAGES[0]:
            await _act(seeded, case_id, TaskKind.FOLLOW_UP, Outcome.NOT_FOUND)

    async def dead_ends(uow) -> None:
        for i, case_id in enumerate(ids):
            [contact] = (
                await uow.session.scalars(select(t.Contact).where(t.Contact.address == _phone(i)))
            ).all()
            if i % 17 == 0:
                await uow.obligors.set_contact_status(contact.id, "invalid")
            if i % 19 == 0:
                await uow.events.add(
                    case_id, EventKind.UNREACHABLE, clock.now(), obligor_id=contact.obligor_id
                )

    await _in_uow(url, dead_ends)
    clock.advance(days=1)  # the figures are read the next day
    return seeded


# --- the hand count -----------------------------------------------------------------------


async def _rows(url: str) -> dict[str, list[Any]]:
    async def work(uow) -> dict[str, list[Any]]:
        tables = (
            t.Court,
            t.Case,
            t.CaseObligor,
            t.Obligor,
            t.Contact,
            t.Reminder,
            t.Message,
            t.Event,
            t.Filing,
            t.Task,
            t.User,
        )
        return {
            table.__tablename__: list(await uow.session.scalars(select(table))) for table in tables
        }

    return await _in_uow(url, work)


def hand_count(
    rows: dict[str, list[Any]],
    court: str | None = None,
    area: str | None = None,
    since: date | None = None,
    until: date | None = None,
    *,
    as_of: date,
) -> dict[str, Any]:
    """Every figure, by the definitions of docs/figures.md, in plain Python over all rows."""
    courts = {c.id: c.code for c in rows["courts"]}
    cases = {c.id: c for c in rows["cases"]}
    areas = {o.id: o.area_code for o in rows["obligors"]}

    def chosen(case_id: int, obligor_id: int) -> bool:
        case = cases[case_id]
        day = case.effective_at.astimezone(SHANGHAI).date()
        return (
            (court is None or courts[case.court_id] == court)
            and (area is None or areas[obligor_id].startswith(area))
            and (since is None or day >= since)
            and (until is None or day <= until)
        )

    pairs = {
        (p.case_id, p.obligor_id) for p in rows["case_obligors"] if chosen(p.case_id, p.obligor_id)
    }
    picked = [cases[c] for c in {c for c, _ in pairs}]
    status = Counter(c.status for c in picked)
    performed_days = [
        (c.closed_at - c.effective_at).total_seconds() / 86400
        for c in picked
        if c.status == "performed"
    ]
    day0 = {
        (r.case_id, r.obligor_id): r.finished_at
        for r in rows["reminders"]
        if r.step_key == "day0" and r.status == "sent" and r.user_id is None
    }
    inbound = [m for m in rows["messages"] if m.direction == "in" and m.obligor_id]
    reminded = [p for p in pairs if p in day0]
    responded = [
        p for p in reminded if any(m.obligor_id == p[1] and m.at >= day0[p] for m in inbound)
    ]
    named = {
        (e.case_id, e.detail.get("obligor_id")) for e in rows["events"] if e.kind == "unreachable"
    }
    contacts: dict[int, list[str]] = {}
    for contact in rows["contacts"]:
        contacts.setdefault(contact.obligor_id, []).append(contact.status)
    dead = {
        o
        for o, found in contacts.items()
        if "active" not in found and any(s in DEAD_CONTACT for s in found)
    }
    filed = [f for f in rows["filings"] if (f.case_id, f.obligor_id) in pairs]

    def filings_of(kind: str, accepted: bool = False) -> int:
        return sum(f.kind == kind and (not accepted or f.status == "accepted") for f in filed)

    tasks = [k for k in rows["tasks"] if (k.case_id, k.obligor_id) in pairs]

    def hardship(kind: str, outcome: str) -> int:
        return len(
            {
                k.filing_id
                for k in tasks
                if k.reason == "hardship"
                and k.kind == kind
                and k.status == "done"
                and k.outcome == outcome
            }
        )

    roles = {u.id: u.role for u in rows["users"]}
    followups = [k for k in tasks if k.kind in ("verify", "follow_up") and k.status != "escalated"]
    done = [k for k in followups if k.status == "done" and roles.get(k.done_by) == "official"]
    hours = [(k.done_at - k.created_at).total_seconds() / 3600 for k in done]
    return {
        "cases": len(picked),
        "decided": sum(c.status in DECIDED_STATES or c.performance_due < as_of for c in picked),
        "performed": status["performed"],
        "referred": status["referred"],
        "exited": status["exited"],
        "closed": status["closed"],
        "median_days_to_performance": statistics.median(performed_days) if performed_days else None,
        "debtors": len(pairs),
        "first_reminded": len(reminded),
        "responded": len(responded),
        "settlements_proposed": filings_of("settle"),
        "settlements_accepted": filings_of("settle", accepted=True),
        "grace_requested": filings_of("grace"),
        "grace_granted": filings_of("grace", accepted=True),
        "hardship_reports": filings_of("hardship"),
        "hardship_true": hardship("verify", "true"),
        "hardship_false": hardship("verify", "false"),
        "hardship_grace": hardship("decide", "grace"),
        "hardship_exit": hardship("decide", "exit"),
        "hardship_continue": hardship("decide", "continue"),
        "unreachable": sum(p in named or p[1] in dead for p in pairs),
        "followups": len(followups),
        "followups_done": len(done),
        "median_hours_to_done": statistics.median(hours) if hours else None,
    }


def month_counts(dashboard: Dashboard) -> list[tuple[date, int, int, int]]:
    return [(m.month, m.cases, m.decided, m.performed) for m in dashboard.months]


def hand_months(
    rows: dict[str, list[Any]], chosen: dict[str, Any], months: list[date], as_of: date
) -> list[tuple[date, int, int, int]]:
    """The hand count of each of `months` (first days): its days within the period."""
    found = []
    for month in months:
        following = (month + timedelta(days=32)).replace(day=1)
        since = max(month, chosen.get("since") or month)
        until = min(following - timedelta(days=1), chosen.get("until") or following)
        within = {**chosen, "since": since, "until": until}
        counted = hand_count(rows, **within, as_of=as_of) if since <= until else Counter()
        found.append((month, counted["cases"], counted["decided"], counted["performed"]))
    return found


def _approx(counted: dict[str, Any]) -> dict[str, Any]:
    return {
        k: pytest.approx(v, abs=1e-3) if isinstance(v, float) else v for k, v in counted.items()
    }


def _figures_only(figures: Figures) -> dict[str, Any]:
    found = figures.model_dump(exclude={"selection", "as_of"})
    del found["voluntary_performance_rate"], found["response_rate"]
    return found


@pytest.fixture
async def seeded(db_url: str):
    seeded = await _seed(db_url)
    yield seeded
    await seeded.runtime.close()
    await _ENGINES.pop(db_url).dispose()


async def test_every_figure_equals_the_hand_count(seeded: Seeded) -> None:
    """One seed (it takes a while) for both checks: the scenarios, then the hand count."""
    await _the_scenarios_came_out_as_planned(seeded)
    rows = await _rows(seeded.url)
    service = seeded.runtime.services.figures
    as_of = seeded.clock.now().astimezone(SHANGHAI).date()
    first_day = min(c.effective_at for c in rows["cases"]).astimezone(SHANGHAI).date()
    selections: list[dict[str, Any]] = [
        {},
        {"court": "浙0523"},
        {"area": VILLAGES[0][:6]},
        {"area": VILLAGES[0][:9]},
        {"area": VILLAGES[1]},
        {"since": first_day + timedelta(days=2), "until": first_day + timedelta(days=4)},
        {"court": "浙0522", "area": VILLAGES[1], "since": first_day + timedelta(days=3)},
    ]
    for chosen in selections:
        figures = await service.figures(
            chosen.get("court"), chosen.get("area"), chosen.get("since"), chosen.get("until")
        )
        counted = hand_count(rows, **chosen, as_of=as_of)
        assert figures.as_of == as_of
        assert _figures_only(figures) == _approx(counted), chosen
        assert figures.voluntary_performance_rate == pytest.approx(
            counted["performed"] / counted["decided"], abs=1e-4
        )
        assert figures.response_rate == pytest.approx(
            counted["responded"] / counted["first_reminded"], abs=1e-4
        )
        dashboard = await service.dashboard(
            chosen.get("court"), chosen.get("area"), chosen.get("since"), chosen.get("until")
        )
        assert dashboard.figures == figures
        months = [m.month for m in dashboard.months]
        assert month_counts(dashboard) == hand_months(rows, chosen, months, as_of), chosen
    assert {m.month for m in dashboard.months if m.cases} == {date(2026, 11, 1), date(2026, 12, 1)}


async def _the_scenarios_came_out_as_planned(seeded: Seeded) -> None:
    """The seed did what it says, so the hand count counts something: every outcome occurs."""
    figures = await seeded.runtime.services.figures.figures()
    per = Counter(seeded.scenario.values())
    assert figures.cases == REMINDED + LATE
    assert figures.performed == per["paid"]
    assert figures.exited == per["hardship_exit"]
    assert (figures.referred, figures.closed) == (per["referred"], per["closed"])
    assert figures.first_reminded == REMINDED
    assert 0 < figures.responded < figures.first_reminded
    assert figures.settlements_proposed == per["settle"] + per["settle_rejected"]
    assert figures.settlements_accepted == per["settle"]
    assert (figures.grace_requested, figures.grace_granted) == (
        per["grace"] + per["grace_rejected"],
        per["grace"],
    )
    hardship = per["hardship_exit"] + per["hardship_grace"] + per["hardship_false"]
    assert figures.hardship_reports == hardship
    assert (figures.hardship_true, figures.hardship_false) == (
        hardship - per["hardship_false"],
        per["hardship_false"],
    )
    assert (figures.hardship_grace, figures.hardship_exit) == (
        per["hardship_grace"],
        per["hardship_exit"],
    )
    assert figures.unreachable > 0
    assert 0 < figures.followups_done < figures.followups
    assert figures.median_days_to_performance > 0 and figures.median_hours_to_done > 0


async def test_a_bad_filter_is_refused_with_its_reason(sandbox_runtime: Runtime) -> None:
    service = sandbox_runtime.services.figures
    for args, words in (
        ({"area": "3305"}, "area"),
        ({"area": "33052210220x"}, "area"),
        ({"since": "2026-02-30"}, "from"),
        ({"until": "30/11/2026"}, "to"),
        ({"since": "2026-12-01", "until": "2026-11-01"}, "after"),
        ({"court_code": "浙9999"}, "no court"),
        ({"court_code": "x" * 21}, "court"),
    ):
        with pytest.raises(SelectionError, match=words):
            await service.figures(**args)
