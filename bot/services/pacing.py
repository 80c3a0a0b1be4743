"""A token bucket: at most `rate` starts per second, shared by every task of a process."""

from __future__ import annotations

import asyncio


class Pacer:
    def __init__(self, rate: float, burst: int = 1) -> None:
        self.rate = rate
        self._interval = 1.0 / rate
        self._burst = burst
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            now = loop.time()
            start = max(self._next, now - (self._burst - 1) * self._interval)
            self._next = start + self._interval
            delay = start - now
        if delay > 0:
            await asyncio.sleep(delay)
