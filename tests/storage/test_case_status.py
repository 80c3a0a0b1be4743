"""A stored case moving between states: every (from, to) pair through the repository's one
writer, `set_status`, on a real SQLite file, and the API showing the outcome. An allowed move
writes the state (and `closed_at` once the case is no longer live); a refused one raises and
writes nothing. On PostgreSQL too: the longest state fits its column, and a move from a state
the case has left meanwhile is refused."""

from __future__ import annotations

from datetime import datetime

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.domain.case_states import LIVE, IllegalTransition
from bot.domain.status import CaseStatus
from storage import tables as t
from storage.db import make_engine
from tests.bot.domain.test_case_states import MOVES, PAIRS
from tests.fakes.clock import FakeClock
from tests.helpers import case_in, get_case, move


async def stored(url: str, case_id: int) -> tuple[str, datetime | None]:
    """The case's status and `closed_at` as the database holds them."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            query = select(t.Case.status, t.Case.closed_at).where(t.Case.id == case_id)
            status, closed_at = (await conn.execute(query)).one()
    finally:
        await engine.dispose()
    return status, closed_at and closed_at.replace(tzinfo=None)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
async def test_every_move_of_a_stored_case(
    current: CaseStatus, target: CaseStatus, client: TestClient, clock: FakeClock, db_url: str
) -> None:
    case_id = await case_in(client, clock, db_url, current)
    before = await stored(db_url, case_id)
    clock.advance(hours=1)
    if target in MOVES[current]:
        await move(db_url, case_id, current, target, at=clock.now())
        closed_at = None if target in LIVE else clock.now().replace(tzinfo=None)
        assert await stored(db_url, case_id) == (target, closed_at)
    else:
        with pytest.raises(IllegalTransition):
            await move(db_url, case_id, current, target, at=clock.now())
        assert await stored(db_url, case_id) == before
    shown = target if target in MOVES[current] else current
    assert (await get_case(client, case_id))["status"] == shown


async def test_a_move_from_a_state_the_case_has_left_changes_nothing(
    client: TestClient, clock: FakeClock, db_url: str
) -> None:
    """Two decisions at once: the second was made on a stale view of the case."""
    case_id = await case_in(client, clock, db_url, "awaiting_decision")
    await move(db_url, case_id, "awaiting_decision", "grace", at=clock.now())
    with pytest.raises(IllegalTransition, match="the case is no longer awaiting_decision"):
        await move(db_url, case_id, "awaiting_decision", "plan", at=clock.now())
    assert await stored(db_url, case_id) == ("grace", None)
    assert (await get_case(client, case_id))["status"] == "grace"
