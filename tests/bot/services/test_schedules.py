"""Saving a court's schedule: admins saving at the same moment each get their own version."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.audit import CLI
from ducu.bootstrap import build
from tests.conftest import make_settings
from tests.fakes.clock import FakeClock
from tests.helpers import judgment, register

BOTH = pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@BOTH
async def test_saves_at_the_same_moment_get_one_version_each(db_url: str, clock: FakeClock) -> None:
    runtime = await build(make_settings(db_url, None, DUCU_PUBLIC_URL=""), clock=clock)
    try:
        await register(runtime, judgment(clock.now()))
        schedules = runtime.services.schedules
        body = schedules.default.to_json()
        saved = await asyncio.gather(*(schedules.save(CLI, body, "浙0522") for _ in range(3)))
        assert sorted(saved) == [1, 2, 3]
        assert [v.version for v in await schedules.history(CLI, "浙0522")] == [3, 2, 1]
    finally:
        await runtime.close()
