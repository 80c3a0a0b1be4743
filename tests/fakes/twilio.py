"""A fake Twilio REST API on 127.0.0.1 that speaks the real protocol.

It checks HTTP basic auth, takes the same form the SDK posts to `Messages.json`, answers with
Twilio's JSON (or Twilio's error JSON), records every accepted message, and can be told to fail.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections import deque
from dataclasses import dataclass, field

from aiohttp import web

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"
FROM_NUMBER = "+15005550006"


@dataclass
class Failure:
    status: int
    code: int | None = None
    delay: float = 0.0  # seconds to sleep before answering (timeouts)


@dataclass
class FakeTwilio:
    messages: list[dict[str, str]] = field(default_factory=list)
    attempts: int = 0
    failures: deque[Failure] = field(default_factory=deque)
    fail_to: dict[str, Failure] = field(default_factory=dict)  # by recipient, every time
    accept_delay: float = 0.0
    url: str = ""

    def fail_next(
        self, status: int, code: int | None = None, *, times: int = 1, delay: float = 0.0
    ) -> None:
        self.failures.extend(Failure(status, code, delay) for _ in range(times))

    def to(self, number: str) -> list[dict[str, str]]:
        return [m for m in self.messages if m["To"] == number]

    async def handle(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return _error(401, 20003, "Authenticate")
        if request.match_info["sid"] != ACCOUNT_SID:
            return _error(404, 20404, "The requested resource was not found")
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.attempts += 1
        failure = self.fail_to.get(form.get("To", "")) or (
            self.failures.popleft() if self.failures else None
        )
        if failure is not None:
            if failure.delay:
                await asyncio.sleep(failure.delay)
            if failure.status >= 400:
                return _error(failure.status, failure.code, "injected failure")
        if not form.get("To") or not form.get("Body"):
            return _error(400, 21604, "A 'To' phone number is required.")
        if self.accept_delay:
            await asyncio.sleep(self.accept_delay)
        sid = "SM" + uuid.uuid4().hex
        form["Sid"] = sid
        self.messages.append(form)
        return web.json_response(
            {
                "sid": sid,
                "account_sid": ACCOUNT_SID,
                "to": form["To"],
                "from": form.get("From"),
                "body": form["Body"],
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "price": None,
                "error_code": None,
                "error_message": None,
                "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
                "date_created": "Thu, 26 Nov 2026 01:00:00 +0000",
            },
            status=201,
        )

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self.handle)
        return app


def _error(status: int, code: int | None, message: str) -> web.Response:
    return web.json_response(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status=status,
    )
