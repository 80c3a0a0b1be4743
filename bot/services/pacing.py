"""The one rate limiter of every outbound lane: a token bucket, and turns taken in buckets.

A lane's `Pacer` is one bucket: in this process (`LocalPacer`), or kept where every process of
the deployment takes its tokens (`SharedPacer` over a `BucketStore`, e.g. Redis), so N workers
together start no more than the lane's rate. Telegram's limiter (handlers/telegram/limiter.py)
takes each turn in two, the overall one and the chat's, and holds the overall one after a
flood wait.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

log = logging.getLogger(__name__)


class Bucket:
    """A token bucket: `rate` per second on average, up to `burst` at once. `reserve` says how
    long to wait for one token; reservations are first come, first served. The time is given
    (seconds on a monotonic clock), so the arithmetic is tested without waiting."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate, self.burst = rate, burst
        self._tokens, self._at = burst, now
        self.reservations = 0  # how many were made: the number of the latest

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now

    def reserve(self, now: float) -> float:
        self._refill(now)
        self._tokens -= 1
        self.reservations += 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def give_back(self, reservation: int, now: float) -> None:
        """Returns the token of a reservation that will not be used, if it is still the latest:
        every later one (and a hold) was timed after it, and keeps its time."""
        if reservation == self.reservations:
            self._refill(now)
            self._tokens = min(self.burst, self._tokens + 1)
            self.reservations -= 1

    def hold(self, until: float, now: float) -> None:
        """Nothing goes before `until` (e.g. the provider asked us to wait)."""
        self.reserve(now)
        self._tokens = min(self._tokens + 1, 1 - (until - now) * self.rate)

    def idle(self, now: float) -> bool:
        return self._tokens + (now - self._at) * self.rate >= self.burst


class Turn:
    """A place reserved in each of some buckets: it comes after the longest of their waits."""

    def __init__(self, *buckets: Bucket) -> None:
        now = time.monotonic()
        self.delay = max(bucket.reserve(now) for bucket in buckets)
        self._places = [(bucket, bucket.reservations) for bucket in buckets]

    async def wait(self) -> None:
        """Sleeps until the turn comes. It may be cancelled (a stop need not wait for it): the
        places no later turn was timed after go back to their buckets."""
        try:
            if self.delay > 0:
                await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            now = time.monotonic()
            for bucket, reservation in self._places:
                bucket.give_back(reservation, now)
            raise


class Pacer(Protocol):
    """At most `rate` starts a second: `wait` returns when the caller's turn has come."""

    @property
    def rate(self) -> float: ...

    async def wait(self) -> None: ...


class BucketStore(Protocol):
    """Token buckets every process shares, one per lane, with the semantics of `Bucket`: the
    store's own clock, and each call atomic."""

    async def reserve(self, lane: str, rate: float, burst: float) -> float:
        """Takes a token (going into debt if need be); how many seconds to wait for it."""
        ...

    async def give_back(self, lane: str, rate: float, burst: float) -> None:
        """Returns a token that will not be used."""
        ...

    async def hold(self, lane: str, rate: float, burst: float, seconds: float) -> None:
        """Nothing goes for `seconds` (e.g. the provider asked us to wait)."""
        ...


class LocalPacer:
    """At most `rate` starts a second (`burst` at once), shared by every task of a process."""

    def __init__(self, rate: float, burst: int = 1) -> None:
        self._bucket = Bucket(rate, burst, time.monotonic())

    @property
    def rate(self) -> float:
        return self._bucket.rate

    async def wait(self) -> None:
        await Turn(self._bucket).wait()


class SharedPacer:
    """At most `rate` starts a second (`burst` at once) over every process that paces `lane`
    in `store`. A cancelled wait gives its token back (a stop need not wait for its turn).
    While the store cannot be reached, this process paces the lane alone (each process at
    the full rate: sending goes on, above the deployment's pace, rather than stopping)."""

    def __init__(self, store: BucketStore, lane: str, rate: float, burst: int = 1) -> None:
        self._store, self._lane, self._rate, self._burst = store, lane, rate, burst
        self._alone = LocalPacer(rate, burst)
        self._store_down = False

    @property
    def rate(self) -> float:
        return self._rate

    async def wait(self) -> None:
        try:
            delay = await self._store.reserve(self._lane, self._rate, self._burst)
        except Exception:
            if not self._store_down:
                log.exception("the %s lane's shared pace is unreachable: pacing alone", self._lane)
            self._store_down = True
            await self._alone.wait()
            return
        if self._store_down:
            log.warning("the %s lane's shared pace is back", self._lane)
            self._store_down = False
        if delay <= 0:
            return
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            await self._store.give_back(self._lane, self._rate, self._burst)
            raise
