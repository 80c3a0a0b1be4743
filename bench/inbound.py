"""Inbound SMS throughput: signed Twilio posts of "帮助" to a real `ducu serve`.

Every post comes from a known debtor, is stored, answered with the menu (TwiML) and its answer
stored before the 200. The load generator is a Python aiohttp client in its own process (so it
does not share the server's core): `--concurrency` requests in flight, for `--seconds` after a
one-second warm-up. The baseline, measured in the same run, is an aiohttp hello-world in its
own process that parses the same form and answers a fixed TwiML.

    python bench/inbound.py                      # SQLite; PostgreSQL too when
                                                 # DUCU_TEST_POSTGRES_URL is set
    python bench/inbound.py --no-postgres --sizes 10000,100000,1000000   # flat in table size
    python bench/inbound.py --runs 1 --seconds 3 --no-postgres            # quick look
    python bench/inbound.py --per-minute 20 --senders 20000   # with the deployed limit
    python bench/inbound.py --processes 2                     # two `ducu serve` on one port

Senders: `many` is `--senders` known debtors (default 200) writing in turn; `busy` is one
known debtor sending everything. Each figure is the median of `--runs` runs (default 3);
every run posts fresh MessageSids. `--sizes` pre-fills the `messages` table of a fresh
SQLite file with that many rows (bulk inserted, spread over 20,000 addresses including the
senders', some days old) and measures `many` at concurrency 20 against an empty one.
The per-sender limit is off (DUCU_INBOUND_PER_MINUTE=0): at thousands of messages a second
every sender would be throttled after 20, and a throttled message gets no menu. With
`--per-minute 20 --senders 20000` the deployed default is on and counts every message, and
no sender writes 20 times in a minute (only `many` is run then). `--processes 2` runs two
`ducu serve` on one port (DUCU_REUSE_PORT=1), as on a host with cores to spare. Quiet hours
are off, so the figure does not depend on the hour.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PUBLIC_URL = "https://ducu.bench.test"
PATH = "/twilio/sms"
ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "bench-auth-token"
FROM_NUMBER = "+15005550006"
BODY = "帮助"
FIRST_PHONE = 13800000000  # the seeded debtors: +86 138 0000 0000 onwards
HELLO_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>hello</Message></Response>'


def phone(i: int) -> str:
    return f"+86{FIRST_PHONE + i}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the baseline server -----------------------------------------------------------------


def serve_hello(port: int) -> None:
    """aiohttp hello-world that parses the form, as the webhook does."""
    from aiohttp import web

    async def hello(request: web.Request) -> web.Response:
        form = await request.post()
        if "MessageSid" not in form:
            raise web.HTTPBadRequest()
        return web.Response(text=HELLO_TWIML, content_type="application/xml")

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post(PATH, hello)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


# --- the load generator ------------------------------------------------------------------


def signed_requests(count: int, senders: int, tag: str) -> list[tuple[bytes, str]]:
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(AUTH_TOKEN)
    out = []
    for i in range(count):
        form = {
            "MessageSid": f"SM{tag}{i:022x}",
            "AccountSid": ACCOUNT_SID,
            "From": phone(i % senders),
            "To": FROM_NUMBER,
            "Body": BODY,
            "NumMedia": "0",
        }
        signature = validator.compute_signature(PUBLIC_URL + PATH, form)
        out.append((urlencode(form).encode(), signature))
    return out


async def load(url: str, concurrency: int, seconds: float, senders: int, expect: str) -> dict:
    import aiohttp

    tag = uuid.uuid4().hex[:10]
    requests = signed_requests(int(9000 * (seconds + 1)) + concurrency, senders, tag)
    latencies: list[float] = []
    errors = 0
    next_i = 0
    warm_until = time.perf_counter() + 1.0
    stop_at = warm_until + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            nonlocal next_i, errors
            while (started := time.perf_counter()) < stop_at and next_i < len(requests):
                body, signature = requests[next_i]
                next_i += 1
                headers = {
                    "X-Twilio-Signature": signature,
                    "Content-Type": "application/x-www-form-urlencoded",
                }
                async with session.post(url, data=body, headers=headers) as response:
                    text = await response.text()
                took = time.perf_counter() - started
                if response.status != 200 or expect not in text:
                    errors += 1
                elif started >= warm_until and started + took <= stop_at:
                    latencies.append(took)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    latencies.sort()
    n = len(latencies)
    return {
        "requests": n,
        "errors": errors,
        "rps": n / seconds,
        "p50_ms": 1000 * latencies[n // 2] if n else float("nan"),
        "p99_ms": 1000 * latencies[min(n - 1, int(n * 0.99))] if n else float("nan"),
        "exhausted": next_i >= len(requests),
    }


def run_load(port: int, concurrency: int, seconds: float, senders: int, expect: str) -> dict:
    """One run of the load generator in its own process."""
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "_load",
            f"--port={port}",
            f"--concurrency={concurrency}",
            f"--seconds={seconds}",
            f"--senders={senders}",
            f"--expect={expect}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the databases -----------------------------------------------------------------------


async def seed(url: str, debtors: int, messages: int) -> None:
    """A court, a judge and `debtors` debtors, each with one open case and an SMS number;
    then `messages` old messages (bulk inserted)."""
    from sqlalchemy import insert

    from storage import tables as t
    from storage.db import make_engine

    now = datetime.now(UTC)
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            court = (
                await conn.execute(
                    insert(t.Court)
                    .values(code="浙0522", name="长兴县人民法院")
                    .returning(t.Court.id)
                )
            ).scalar_one()
            judge = (
                await conn.execute(
                    insert(t.User)
                    .values(role="judge", name="李法官", phone="+8613900000001", court_id=court)
                    .returning(t.User.id)
                )
            ).scalar_one()
            ids = range(1, debtors + 1)
            await conn.execute(
                insert(t.Obligor),
                [dict(id=i, name=f"林某{i}", area_code="330522102201") for i in ids],
            )
            await conn.execute(
                insert(t.Contact),
                [dict(obligor_id=i, channel="sms", address=phone(i - 1)) for i in ids],
            )
            await conn.execute(
                insert(t.Case),
                [
                    dict(
                        id=i,
                        case_number=f"（2026）浙0522民初{i:05d}号",
                        court_id=court,
                        judge_id=judge,
                        amount_due_fen=13_000_000,
                        obligations="支付货款",
                        effective_at=now,
                        performance_due=date.today() + timedelta(days=15),
                        created_at=now,
                    )
                    for i in ids
                ],
            )
            await conn.execute(insert(t.CaseObligor), [dict(case_id=i, obligor_id=i) for i in ids])
        chunk = 20_000
        for start in range(0, messages, chunk):
            rows = [
                dict(
                    direction="in" if i % 2 == 0 else "out",
                    channel="sms",
                    address=phone(i % 20_000),
                    text="你好，我想问一下还款的事情",
                    provider="sms" if i % 2 == 0 else "twilio",
                    provider_id=f"SMold{i:030d}",
                    status="received" if i % 2 == 0 else "delivered",
                    at=now - timedelta(days=2, seconds=i),
                )
                for i in range(start, min(messages, start + chunk))
            ]
            async with engine.begin() as conn:
                await conn.execute(insert(t.Message), rows)
    finally:
        await engine.dispose()


@contextmanager
def server(
    argv: list[str], port: int, env: dict[str, str] | None = None, processes: int = 1
) -> Iterator[None]:
    """`processes` copies of the server on one port (they set DUCU_REUSE_PORT=1 then); the
    port answers once the first is up, so the others get a second more to start."""
    started = [
        subprocess.Popen(
            argv,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for _ in range(processes)
    ]
    try:
        for process in started:
            wait_ready(port, process)
        if processes > 1:
            time.sleep(1.0)
        yield
    finally:
        for process in started:
            process.send_signal(signal.SIGINT)
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_ready(port: int, process: subprocess.Popen) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {process.stderr.read()[-2000:]}")
        with suppress(OSError):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        time.sleep(0.2)
    raise SystemExit("the server did not start within 60 s")


def ducu_env(url: str, port: int, per_minute: int = 0) -> dict[str, str]:
    return {
        "DUCU_DATABASE_URL": url,
        "DUCU_HOST": "127.0.0.1",
        "DUCU_PORT": str(port),
        "DUCU_PUBLIC_URL": PUBLIC_URL,
        "DUCU_API_TOKEN": "bench-token",
        "DUCU_QUIET_HOURS": "",
        "DUCU_INBOUND_PER_MINUTE": str(per_minute),
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "DUCU_TWILIO_API_BASE": "http://127.0.0.1:9",  # nothing is sent: no reminders seeded
    }


def ducu_serve() -> list[str]:
    return [sys.executable, "-m", "ducu", "serve"]


def prepare(url: str, debtors: int, messages: int) -> None:
    """A migrated and seeded database. PostgreSQL's is then analyzed, as autovacuum keeps a
    running one: a table never analyzed, growing from empty under load, gets plans that scan
    every row of one provider to find 20 provider ids (3 ms at 30,000 messages, and growing)."""
    from storage.migrate import upgrade

    upgrade(url)
    asyncio.run(seed(url, debtors, messages))
    if url.startswith("postgresql"):
        asyncio.run(analyze(url))


async def analyze(url: str) -> None:
    from sqlalchemy import text

    from storage.db import make_engine

    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


# --- the runs ----------------------------------------------------------------------------


class Figures:
    def __init__(self) -> None:
        self.runs: dict[str, list[dict]] = {}

    def add(self, name: str, result: dict) -> None:
        self.runs.setdefault(name, []).append(result)
        errors = f", {result['errors']} errors" if result["errors"] else ""
        print(
            f"  run {name}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
            f"p99 {result['p99_ms']:.1f} ms{errors}",
            file=sys.stderr,
            flush=True,
        )

    def median(self, name: str, key: str) -> float:
        return statistics.median(r[key] for r in self.runs[name])

    def print(self, name: str, baseline: str | None) -> None:
        rps, p50, p99 = (self.median(name, k) for k in ("rps", "p50_ms", "p99_ms"))
        errors = sum(r["errors"] for r in self.runs[name])
        print(f"{name} req/s: {rps:.0f}")
        print(f"{name} p50 ms: {p50:.1f}")
        print(f"{name} p99 ms: {p99:.1f}")
        if errors:
            print(f"{name} errors: {errors}")
        if baseline:
            print(f"{name} ratio to baseline: {rps / self.median(baseline, 'rps'):.2f}")


def measure_databases(args: argparse.Namespace, directory: str) -> None:
    figures = Figures()
    hello_port = free_port()
    # With a per-sender limit, one busy sender would be throttled after it: `many` only.
    loads = [("many", args.senders), ("busy", 1)][: 1 if args.per_minute else 2]
    databases: list[tuple[str, str]] = [("sqlite", f"sqlite+aiosqlite:///{directory}/bench.db")]
    pg = None
    if args.postgres:
        from claim import postgres_database  # bench/claim.py, beside this script

        pg = postgres_database(args.postgres)
        databases.append(("postgresql", pg.__enter__()))
    try:
        for _, url in databases:
            prepare(url, args.senders, HISTORY)
        ports = {name: free_port() for name, _ in databases}
        for run in range(args.runs):
            print(f"run {run + 1} of {args.runs}", file=sys.stderr)
            with server([sys.executable, __file__, "_hello", f"--port={hello_port}"], hello_port):
                for c in args.concurrency:
                    result = run_load(hello_port, c, args.seconds, args.senders, "hello")
                    figures.add(f"baseline c{c}", result)
            for name, url in databases:
                env = ducu_env(url, ports[name], args.per_minute)
                if args.processes > 1:
                    env["DUCU_REUSE_PORT"] = "1"
                with server(ducu_serve(), ports[name], env, args.processes):
                    for who, senders in loads:
                        for c in args.concurrency:
                            result = run_load(ports[name], c, args.seconds, senders, "<Message>")
                            figures.add(f"{name} {who} c{c}", result)
    finally:
        if pg is not None:
            pg.__exit__(None, None, None)
    for c in args.concurrency:
        figures.print(f"baseline c{c}", None)
    for name, _ in databases:
        for who, _ in loads:
            for c in args.concurrency:
                figures.print(f"{name} {who} c{c}", f"baseline c{c}")


HISTORY = 1000  # messages already exchanged, as in any running deployment


def measure_sizes(args: argparse.Namespace, directory: str) -> None:
    figures = Figures()
    sizes = [0, *args.sizes]
    for size in sizes:
        url = f"sqlite+aiosqlite:///{directory}/size{size}.db"
        t0 = time.perf_counter()
        prepare(url, args.senders, size)
        print(f"{size:,} messages inserted in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    port = free_port()
    for run in range(args.runs):
        print(f"run {run + 1} of {args.runs}", file=sys.stderr)
        for size in sizes:
            url = f"sqlite+aiosqlite:///{directory}/size{size}.db"
            with server(ducu_serve(), port, ducu_env(url, port)):
                result = run_load(port, 20, args.seconds, args.senders, "<Message>")
                figures.add(f"sqlite many c20 at {size} messages", result)
    for size in sizes:
        figures.print(f"sqlite many c20 at {size} messages", "sqlite many c20 at 0 messages")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="role")
    hello = sub.add_parser("_hello")
    hello.add_argument("--port", type=int, required=True)
    gen = sub.add_parser("_load")
    gen.add_argument("--port", type=int, required=True)
    gen.add_argument("--concurrency", type=int, required=True)
    gen.add_argument("--seconds", type=float, required=True)
    gen.add_argument("--senders", type=int, required=True)
    gen.add_argument("--expect", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--senders", type=int, default=200)
    parser.add_argument(
        "--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[20, 100]
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DUCU_TEST_POSTGRES_URL", ""),
        help="a PostgreSQL server URL (default DUCU_TEST_POSTGRES_URL)",
    )
    parser.add_argument("--no-postgres", dest="postgres", action="store_const", const="")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="this many `ducu serve` on one port (DUCU_REUSE_PORT=1); default 1",
    )
    parser.add_argument(
        "--per-minute",
        type=int,
        default=0,
        help="DUCU_INBOUND_PER_MINUTE (default 0: off); with 20, the deployed default, pass "
        "--senders 20000 so that nobody writes 20 times in a minute",
    )
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",") if x],
        default=[],
        help="instead: pre-fill the messages table with these many rows, e.g. 10000,100000",
    )
    args = parser.parse_args()
    if args.role == "_hello":
        serve_hello(args.port)
        return
    if args.role == "_load":
        url = f"http://127.0.0.1:{args.port}{PATH}"
        result = asyncio.run(load(url, args.concurrency, args.seconds, args.senders, args.expect))
        print(json.dumps(result))
        return
    with tempfile.TemporaryDirectory(prefix="ducu-inbound-") as directory:
        if args.sizes:
            measure_sizes(args, directory)
        else:
            measure_databases(args, directory)


if __name__ == "__main__":
    main()
