"""Start-up: how long `ducu --help` takes, and how much memory an idle `ducu serve` holds.

Each figure is the median of `--runs` runs (default 3), printed as `figure: value` lines.
Baselines in the same run: a bare `python -c pass` for the command's time and memory, and a
hello-world aiohttp server for the idle server's memory. The server runs on SQLite in a temp
dir with the sandbox (no Twilio, no Telegram), on a free port of 127.0.0.1, and is stopped
with SIGTERM once `/healthz` answers and it has idled for `--idle` seconds.

    python bench/startup.py
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HELLO = """
from aiohttp import web
app = web.Application()
app.router.add_get("/healthz", lambda request: web.json_response({"status": "ok"}))
web.run_app(app, host="127.0.0.1", port=int(__import__("sys").argv[1]), print=None)
"""


def _timed(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    elapsed = time.perf_counter() - started
    # ru_maxrss of children is the largest child so far: valid when each run is at least as big
    return elapsed, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def _idle_rss(command: list[str], port: int, env: dict[str, str], idle: float) -> int:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{command} did not answer on port {port}") from None
                time.sleep(0.1)
        time.sleep(idle)
        return _rss_kib(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=3.0, help="seconds idle before measuring")
    args = parser.parse_args()
    python = sys.executable
    ducu = [python, "-m", "ducu"]

    bare = [_timed([python, "-c", "pass"]) for _ in range(args.runs)]
    helps = [_timed([*ducu, "--help"]) for _ in range(args.runs)]
    print(f"python -c pass (baseline): {statistics.median(t for t, _ in bare) * 1000:.0f} ms")
    print(f"ducu --help: {statistics.median(t for t, _ in helps) * 1000:.0f} ms")
    print(f"ducu --help peak RSS: {max(m for _, m in helps) / 1024:.0f} MiB")

    hello, served = [], []
    with tempfile.TemporaryDirectory() as tmp:
        base = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DUCU_", "TWILIO_", "TELEGRAM_"))
        }
        for run in range(args.runs):
            port = _free_port()
            hello.append(_idle_rss([python, "-c", HELLO, str(port)], port, base, args.idle))
            port = _free_port()
            env = {
                **base,
                "DUCU_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/startup-{run}.db",
                "DUCU_PORT": str(port),
                "DUCU_API_TOKEN": "bench",
            }
            served.append(_idle_rss([*ducu, "serve", "--demo"], port, env, args.idle))
    print(f"aiohttp hello-world idle RSS (baseline): {statistics.median(hello) / 1024:.0f} MiB")
    print(f"ducu serve --demo idle RSS: {statistics.median(served) / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
