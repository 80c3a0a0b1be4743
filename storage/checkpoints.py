"""SQLite's WAL copied back into the database by a thread of its own, off the write path.

By default the transaction whose commit takes the WAL past 1,000 pages copies it back (a
checkpoint) before its commit returns: with inbound messages every 12th group or so waited
~8 ms for it, holding the write lock (docs/performance.md). A long-running process (`ducu
serve`, `ducu worker`) instead checkpoints here, every `interval` seconds, in PASSIVE mode: it
copies what no reader still needs and never blocks a reader or a writer. Its connections keep
`FALLBACK_PAGES` as their own threshold, so the WAL stays bounded if this thread falls behind.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading

log = logging.getLogger(__name__)

FALLBACK_PAGES = 10_000  # ~40 MB of WAL: writers checkpoint themselves only past this
INTERVAL = 0.1  # seconds


class WalCheckpointer:
    def __init__(self, path: str, interval: float = INTERVAL) -> None:
        self._path, self._interval = path, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.to_thread(self._thread.join)

    def _run(self) -> None:
        connection = sqlite3.connect(self._path, isolation_level=None)
        try:
            while not self._stop.wait(self._interval):
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.OperationalError as exc:  # another process's checkpoint, say
                    log.debug("WAL checkpoint skipped; the next round catches up: %s", exc)
        finally:
            connection.close()
