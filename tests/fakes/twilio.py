"""A fake Twilio REST API on 127.0.0.1 that speaks the real protocol.

It checks HTTP basic auth, takes the same form the SDK posts to `Messages.json`, answers with
Twilio's JSON (or Twilio's error JSON), records every accepted message, lists them as Twilio's
page JSON (filtered by `To` and `DateSent>`), and can be told to fail or to answer too late.
Like Twilio, it reports on a message it accepted for a number set `undeliverable` through
signed status callbacks (`sent`, then `undelivered` with the `ErrorCode`) to its
`StatusCallback`, posted to `callback_base` (where the app under test really listens).
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator

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
    late: deque[float] = field(default_factory=deque)  # answer delays after accepting
    lookups: list[dict[str, str]] = field(default_factory=list)  # the list requests' filters
    sent_at: dict[str, datetime] = field(default_factory=dict)  # by Sid
    status: dict[str, str] = field(default_factory=dict)  # by Sid, once it moved on from queued
    now: Callable[[], datetime] = lambda: datetime.now(UTC)  # stamps `DateSent`
    undeliverable: dict[str, int] = field(default_factory=dict)  # number → the ErrorCode
    callback_base: str = ""  # scheme and host that replace the StatusCallback's
    report_after: float = 0.3  # seconds: Twilio reports once the carrier has answered
    callbacks: list[tuple[str, int]] = field(default_factory=list)  # (MessageStatus, answer)
    _reports: set[asyncio.Task[None]] = field(default_factory=set)
    url: str = ""

    def fail_next(
        self, status: int, code: int | None = None, *, times: int = 1, delay: float = 0.0
    ) -> None:
        self.failures.extend(Failure(status, code, delay) for _ in range(times))

    def answer_late(self, seconds: float, *, times: int = 1) -> None:
        """Accept and record the next messages, then answer only after `seconds`: a send
        timeout shorter than that loses an answer whose message Twilio has."""
        self.late.extend(seconds for _ in range(times))

    def to(self, number: str) -> list[dict[str, str]]:
        return [m for m in self.messages if m["To"] == number]

    async def handle(self, request: web.Request) -> web.Response:
        if refused := _refused(request):
            return refused
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
        form["Sid"] = "SM" + uuid.uuid4().hex
        self.sent_at[form["Sid"]] = self.now()
        self.messages.append(form)
        if form["To"] in self.undeliverable and form.get("StatusCallback"):
            task = asyncio.create_task(self._report_undelivered(form))
            self._reports.add(task)
            task.add_done_callback(self._reports.discard)
        if self.late:
            await asyncio.sleep(self.late.popleft())
        return web.json_response(self._resource(form), status=201)

    async def list(self, request: web.Request) -> web.Response:
        """`GET Messages.json`: the messages to `To` sent after `DateSent>`, newest first, as
        one page of Twilio's list JSON."""
        if refused := _refused(request):
            return refused
        query = dict(request.query)
        self.lookups.append(query)
        after = _parse_filter(query["DateSent>"]) if "DateSent>" in query else None
        found = [
            m
            for m in reversed(self.messages)
            if m["To"] == query.get("To", m["To"])
            and (after is None or self.sent_at[m["Sid"]] > after)
        ]
        uri = request.path_qs
        return web.json_response(
            {
                "messages": [self._resource(m) for m in found],
                "page": 0,
                "page_size": int(query.get("PageSize", 50)),
                "start": 0,
                "end": max(len(found) - 1, 0),
                "uri": uri,
                "first_page_uri": uri,
                "next_page_uri": None,
                "previous_page_uri": None,
            }
        )

    async def reported(self) -> None:
        """Waits until every status callback started so far has been answered."""
        while self._reports:
            await asyncio.gather(*self._reports)

    async def _report_undelivered(self, form: dict[str, str]) -> None:
        await asyncio.sleep(self.report_after)
        code = str(self.undeliverable[form["To"]])
        url = form["StatusCallback"]
        target = self.callback_base + "/" + url.split("/", 3)[3]
        async with aiohttp.ClientSession() as session:
            for status, extra in (("sent", {}), ("undelivered", {"ErrorCode": code})):
                self.status[form["Sid"]] = status
                report = {
                    "AccountSid": ACCOUNT_SID,
                    "ApiVersion": "2010-04-01",
                    "From": form.get("From", ""),
                    "To": form["To"],
                    "MessageSid": form["Sid"],
                    "SmsSid": form["Sid"],
                    "MessageStatus": status,
                    "SmsStatus": status,
                    **extra,
                }
                signature = RequestValidator(AUTH_TOKEN).compute_signature(url, report)
                async with session.post(
                    target, data=report, headers={"X-Twilio-Signature": signature}
                ) as response:
                    self.callbacks.append((status, response.status))

    def _resource(self, form: dict[str, str]) -> dict[str, object]:
        """A recorded message as Twilio's Message resource JSON."""
        sid = form["Sid"]
        stamp = self.sent_at[sid].astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        return {
            "sid": sid,
            "account_sid": ACCOUNT_SID,
            "to": form["To"],
            "from": form.get("From"),
            "body": form["Body"],
            "status": self.status.get(sid, "queued"),
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "price": None,
            "error_code": None,
            "error_message": None,
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
            "date_created": stamp,
            "date_sent": stamp,
        }

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self.handle)
        app.router.add_get("/2010-04-01/Accounts/{sid}/Messages.json", self.list)
        return app


def _refused(request: web.Request) -> web.Response | None:
    expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    if request.headers.get("Authorization") != expected:
        return _error(401, 20003, "Authenticate")
    if request.match_info["sid"] != ACCOUNT_SID:
        return _error(404, 20404, "The requested resource was not found")
    return None


def _parse_filter(text: str) -> datetime:
    """`DateSent>` as the SDK sends it (ISO 8601 in UTC), or a bare date."""
    for pattern in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            pass
    raise ValueError(f"not a date: {text}")


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
