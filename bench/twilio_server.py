"""The tests' fake Twilio (tests/fakes/twilio.py) in a process of its own, for the benches.

It answers at once, and adds `GET /stats`: how many messages it accepted, to how many distinct
numbers, how many numbers got the same text twice (a reminder sent twice), and the seconds
from the first to the last message (`span`); `POST
/reset`, which forgets them (a new run). A bench starts it with `start()` and reads the URL it
prints; it stops when the bench's `stop()` ends it.

    python bench/twilio_server.py        # prints "url: http://127.0.0.1:PORT", serves forever
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.fakes, from a checkout
from tests.fakes.twilio import FakeTwilio


class CountingTwilio(FakeTwilio):
    async def stats(self, _request: web.Request) -> web.Response:
        sent = Counter((m["To"], m["Body"]) for m in self.messages)
        times = sorted(self.sent_at.values())
        return web.json_response(
            {
                "messages": len(self.messages),
                "numbers": len({m["To"] for m in self.messages}),
                "twice": sum(1 for n in sent.values() if n > 1),
                "span": (times[-1] - times[0]).total_seconds() if times else 0.0,
            }
        )

    async def reset(self, _request: web.Request) -> web.Response:
        self.messages.clear()
        self.sent_at.clear()
        return web.json_response({})

    def app(self) -> web.Application:
        app = super().app()
        app.router.add_get("/stats", self.stats)
        app.router.add_post("/reset", self.reset)
        return app


async def serve() -> None:
    fake = CountingTwilio()
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    host, port = runner.addresses[0][:2]
    print(f"url: http://{host}:{port}", flush=True)
    await asyncio.Event().wait()


def start() -> tuple[subprocess.Popen[str], str]:
    """Starts the fake in a child process; its process and base URL."""
    process = subprocess.Popen(
        [sys.executable, __file__], stdout=subprocess.PIPE, text=True, bufsize=1
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("url: "):
        process.kill()
        raise SystemExit(f"the fake Twilio did not start: {line!r}")
    return process, line.removeprefix("url: ").strip()


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.wait(10)


if __name__ == "__main__":
    asyncio.run(serve())
