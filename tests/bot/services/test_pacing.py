"""The one rate limiter: a token bucket's arithmetic, turns in several buckets, and the pacer
that every outbound lane waits on; a wait may be cancelled without costing the others."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.services.pacing import Bucket, LocalPacer, SharedPacer, Turn


def test_the_bucket_allows_a_burst_then_the_rate() -> None:
    bucket = Bucket(rate=1.0, burst=3, now=0.0)
    assert [bucket.reserve(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.reserve(0.0) == pytest.approx(1.0)  # the 4th waits a second
    assert bucket.reserve(0.0) == pytest.approx(2.0)  # and the 5th two
    assert not bucket.idle(2.0)
    assert bucket.idle(10.0)


def test_a_flood_wait_holds_every_chat() -> None:
    bucket = Bucket(rate=30, burst=30, now=0.0)
    bucket.hold(until=5.0, now=0.0)
    assert bucket.reserve(0.0) == pytest.approx(5.0)
    assert bucket.reserve(5.0) == pytest.approx(1 / 30)


def test_only_the_latest_reservation_is_given_back() -> None:
    bucket = Bucket(rate=1.0, burst=1, now=0.0)
    assert [bucket.reserve(0.0) for _ in range(3)] == [0.0, 1.0, 2.0]
    bucket.give_back(2, now=0.0)  # the 3rd was timed after it: the 2nd's place stays taken
    assert bucket.reserve(0.0) == pytest.approx(3.0)
    bucket.give_back(4, now=0.0)
    bucket.give_back(3, now=0.0)
    assert bucket.reserve(0.0) == pytest.approx(2.0)  # the 3rd's place, given back


def test_a_hold_is_never_shortened_by_an_earlier_reservation() -> None:
    bucket = Bucket(rate=1.0, burst=1, now=0.0)
    bucket.reserve(0.0)
    bucket.hold(until=5.0, now=0.0)
    bucket.give_back(1, now=0.0)
    assert bucket.reserve(0.0) == pytest.approx(5.0)


def test_a_turn_waits_for_the_slowest_of_its_buckets() -> None:
    fast, slow = Bucket(30, 30, time.monotonic()), Bucket(1, 1, time.monotonic())
    assert Turn(fast, slow).delay == 0.0
    assert Turn(fast, slow).delay == pytest.approx(1.0, abs=0.05)


async def test_the_pacer_starts_at_its_rate() -> None:
    pacer = LocalPacer(rate=20)
    started = time.monotonic()
    await asyncio.gather(*(pacer.wait() for _ in range(5)))  # the 1st at once, 4 × 1/20 s after
    assert 0.19 <= time.monotonic() - started < 1.0  # bounds loose for a busy machine
    assert pacer.rate == 20


async def test_a_cancelled_wait_ends_at_once_and_gives_its_place_back() -> None:
    pacer = LocalPacer(rate=1)
    await pacer.wait()  # the burst of one, used
    waiting = asyncio.create_task(pacer.wait())  # its turn is a second away
    await asyncio.sleep(0.05)
    started = time.monotonic()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert time.monotonic() - started < 0.5
    # The next wait takes the cancelled one's place (about 0.95 s away), not the one after.
    started = time.monotonic()
    await pacer.wait()
    assert 0.5 < time.monotonic() - started < 1.5


class _Unreachable:
    """A bucket store whose server is away."""

    async def reserve(self, lane: str, rate: float, burst: float) -> float:
        raise ConnectionError("connection refused")

    async def give_back(self, lane: str, rate: float, burst: float) -> None:
        raise ConnectionError("connection refused")

    async def hold(self, lane: str, rate: float, burst: float, seconds: float) -> None:
        raise ConnectionError("connection refused")


async def test_a_shared_pace_out_of_reach_paces_the_process_alone() -> None:
    """Redis away: reminders still go, at the lane's rate for this process, not unpaced and
    not failing (a failed wait would, claim after claim, give the rows up)."""
    pacer = SharedPacer(_Unreachable(), "sms", rate=20)
    started = time.monotonic()
    await asyncio.gather(*(pacer.wait() for _ in range(5)))  # the 1st at once, 4 × 1/20 s after
    assert 0.19 <= time.monotonic() - started < 1.0
