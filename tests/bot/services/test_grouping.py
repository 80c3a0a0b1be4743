"""Calls that arrive together share one round trip; each caller gets its own answer, or its
own exception, and a failed round trip fails only the calls it carried."""

from __future__ import annotations

import asyncio

import pytest

from bot.services.grouping import Group


async def test_calls_made_together_share_one_round_trip_and_get_their_own_answers() -> None:
    trips: list[list[int]] = []
    release = asyncio.Event()

    async def run(items: list[int]) -> list[int | BaseException]:
        trips.append(items)
        await release.wait()
        return [ValueError(f"odd {i}") if i % 2 else i * 10 for i in items]

    group: Group[int, int] = Group(run, limit=3)
    first = [asyncio.create_task(group(i)) for i in range(4)]  # one turn of the loop
    await asyncio.sleep(0.01)
    later = asyncio.create_task(group(4))  # while the first trip runs: it waits for the next
    await asyncio.sleep(0.01)
    assert trips == [[0, 1, 2]]
    release.set()
    answers = await asyncio.gather(*first, later, return_exceptions=True)
    assert trips == [[0, 1, 2], [3, 4]]  # at most `limit` a trip; the latecomer joined the next
    assert [a if isinstance(a, int) else str(a) for a in answers] == [0, "odd 1", 20, "odd 3", 40]


async def test_a_failed_round_trip_fails_its_own_calls_only() -> None:
    async def run(items: list[str]) -> list[str]:
        if "bad" in items:
            raise RuntimeError("database away")
        return [item.upper() for item in items]

    group: Group[str, str] = Group(run)
    with pytest.raises(RuntimeError, match="database away"):
        await asyncio.gather(group("bad"), group("ok"))
    assert await group("ok") == "OK"  # the next trip goes ahead
