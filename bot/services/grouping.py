"""Calls that arrive together share one round trip to the database (a group commit).

Each caller awaits its own answer, as if it had called alone; the calls made while one round
trip runs make up the next. A dispatcher sending hundreds of reminders a second thus opens a
few transactions a second instead of several per reminder, with each row's rules unchanged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")


class Group(Generic[Item, Answer]):
    """`await group(item)` hands `item` to `run` with the others waiting, at most `limit` at a
    time; `run` answers each, in order, with a value or an exception for that caller alone.
    An exception `run` raises goes to every caller of that round trip."""

    def __init__(
        self,
        run: Callable[[list[Item]], Awaitable[Sequence[Answer | BaseException]]],
        limit: int = 500,
    ) -> None:
        self._run, self._limit = run, limit
        self._waiting: list[tuple[Item, asyncio.Future[Answer]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, item: Item) -> Answer:
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._runner is None:
            self._runner = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        group: list[tuple[Item, asyncio.Future[Answer]]] = []
        try:
            while self._waiting:
                await asyncio.sleep(0)  # the callers of this turn of the loop join in
                group, self._waiting = self._waiting[: self._limit], self._waiting[self._limit :]
                try:
                    answers = await self._run([item for item, _ in group])
                except Exception as exc:
                    answers = [exc] * len(group)
                for (_, future), answer in zip(group, answers, strict=True):
                    if future.done():  # its caller was cancelled meanwhile
                        continue
                    if isinstance(answer, BaseException):
                        future.set_exception(answer)
                    else:
                        future.set_result(answer)
        finally:  # cancelled (the loop closes): nobody is left waiting forever
            for _, future in group + self._waiting:
                future.cancel()
            self._runner = None
