"""aiogram's per-chat machinery, kept to what we use: one chat's updates one at a time.

The flows keep their state in our database, so aiogram's state storage is `NoState`: nothing
is stored, and nothing grows with every chat that ever wrote (aiogram's memory storage keeps
a record per chat, and its memory isolation a lock per chat, for ever).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Hashable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StorageKey


class NoState(BaseStorage):
    """aiogram's FSM storage, always empty: a handler that tried to keep state here would be
    writing a second copy of a flow (DESIGN.md), so setting any is an error."""

    async def get_state(self, key: StorageKey) -> str | None:
        return None

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return {}

    async def set_state(self, key: StorageKey, state: str | State | None = None) -> None:
        raise NotImplementedError("conversation state lives in our database, not in aiogram")

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        raise NotImplementedError("conversation state lives in our database, not in aiogram")

    async def close(self) -> None:
        return None


class ChatLocks(BaseEventIsolation):
    """One chat's updates one at a time, in this process. A chat's lock lives only while an
    update of that chat holds or awaits it."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[Hashable, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    @property
    def chats(self) -> int:
        """How many chats have a lock now (not `__len__`: aiogram tests an isolation's truth)."""
        return len(self._locks)

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncIterator[None]:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            yield

    async def close(self) -> None:
        self._locks.clear()
