"""`ducu import` of a large CSV file: judgments a second and the peak memory of the process.

Writes a CSV of N judgments (default 100,000; one debtor each, one in ten with a creditor, a
handful of courts and judges) in a temp dir, then runs the real console script, progress bar
and all, `ducu import FILE` on a fresh database (a SQLite file in the temp dir; with
--postgres a throwaway database on the server of DUCU_TEST_POSTGRES_URL, migrated first):
median of --repeat runs. The baseline, in the same run, is reading the same file with
`csv.DictReader` in a fresh interpreter: the floor any import stands on.

    python bench/import_csv.py                 # SQLite, 100,000 judgments
    python bench/import_csv.py -n 10000 --repeat 1
    python bench/import_csv.py --postgres

Prints `figure: value` lines.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the benches beside this one
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claim import postgres_database  # bench/claim.py

from bot.services.importer import COLUMNS
from storage.migrate import upgrade

DUCU = Path(sys.executable).parent / "ducu"
COURTS = (("浙0522", "长兴县人民法院"), ("浙0523", "安吉县人民法院"), ("浙0502", "吴兴区人民法院"))


def write_csv(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i in range(n):
            code, court = COURTS[i % len(COURTS)]
            creditor = ("杜某", f"+86139{i:08d}") if i % 10 == 0 else ("", "")
            writer.writerow(
                [
                    f"（2026）{code}民初{i + 1}号",
                    code,
                    court,
                    f"法官{i % 30}",
                    f"+86137{i % 30:08d}",
                    *creditor,
                    f"林某{i}",
                    f"+86138{i:08d}",
                    f"330522{100 + i % 20:03d}{200 + i % 10:03d}",
                    "zh-CN",
                    f"{1000 + i % 90000}.00",
                    "支付借款本金及利息",
                    "2026-11-26T09:00:00+08:00",
                    "2026-12-06",
                ]
            )


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of one child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[:2]} failed")
    return elapsed, usage.ru_maxrss / 1024


@contextmanager
def database(postgres: bool, tmp: Path, run: int) -> Iterator[str]:
    if not postgres:
        yield f"sqlite+aiosqlite:///{tmp / f'import{run}.db'}"
        return
    server = os.environ.get("DUCU_TEST_POSTGRES_URL", "")
    if not server:
        raise SystemExit("--postgres needs DUCU_TEST_POSTGRES_URL")
    with postgres_database(server) as url:
        upgrade(url)  # `ducu import` upgrades SQLite itself, PostgreSQL only on purpose
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=100_000, help="judgments in the file")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUCU_", "TWILIO_"))}
    env |= {"DUCU_QUIET_HOURS": "", "COLUMNS": "100"}
    db = "postgresql" if args.postgres else "sqlite"
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        path = tmp / "judgments.csv"
        write_csv(path, args.n)
        read = f"import csv; sum(1 for _ in csv.DictReader(open({str(path)!r}, encoding='utf-8')))"
        baseline, imports, memory = [], [], []
        for run in range(args.repeat):
            baseline.append(timed([sys.executable, "-c", read], env)[0])
            with database(args.postgres, tmp, run) as url:
                seconds, rss = timed(
                    [str(DUCU), "import", str(path)], env | {"DUCU_DATABASE_URL": url}
                )
            imports.append(seconds)
            memory.append(rss)
    print(f"{db} judgments: {args.n}")
    print(f"{db} csv read alone s (baseline): {statistics.median(baseline):.2f}")
    print(
        f"{db} ducu import s: {statistics.median(imports):.2f}  (runs: "
        f"{', '.join(f'{s:.1f}' for s in imports)})"
    )
    print(f"{db} ducu import judgments/s: {args.n / statistics.median(imports):.0f}")
    print(f"{db} ducu import peak RSS MiB: {statistics.median(memory):.0f}")


if __name__ == "__main__":
    main()
