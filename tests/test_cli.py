"""The `ducu` console script as a real subprocess on a fresh SQLite file, and the log filter
that keeps phone numbers out of every log line."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher

from bot.logging_setup import MaskingFilter

DUCU = Path(sys.executable).parent / "ducu"  # the console script of this environment
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "judgments.csv"
FULL_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")  # a whole mainland mobile number

pytestmark = pytest.mark.skipif(not DUCU.exists(), reason=f"{DUCU} is not installed")


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Ducu:
    """Runs `ducu` in an empty directory (no stray .env) against one SQLite file."""

    cwd: Path
    env: dict[str, str]
    outputs: list[str]

    def __call__(self, *args: str) -> Run:
        [run] = self.concurrently(args)
        return run

    def fed(self, text: str, *args: str) -> Run:
        """Runs one command with `text` on its stdin."""
        process = subprocess.run(
            [str(DUCU), *args],
            cwd=self.cwd,
            env=self.env,
            input=text,
            capture_output=True,
            text=True,
            timeout=30,
        )
        self.outputs.append(process.stderr)
        return Run(process.returncode, process.stdout, process.stderr)

    def concurrently(self, *commands: tuple[str, ...], timeout: float = 30) -> list[Run]:
        """Runs independent commands side by side (each one pays ~1 s of start-up)."""
        processes = [
            subprocess.Popen(
                [str(DUCU), *args],
                cwd=self.cwd,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for args in commands
        ]
        runs = []
        for process in processes:
            out, err = process.communicate(timeout=timeout)
            self.outputs.append(err)
            runs.append(Run(process.returncode, out, err))
        return runs


@pytest.fixture
def ducu(tmp_path: Path) -> Iterator[Ducu]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DUCU_", "TWILIO_", "TELEGRAM_"))
    }
    env.update(
        DUCU_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
        PYTHONUNBUFFERED="1",
        COLUMNS="200",  # rich wraps tables to the terminal width
    )
    runner = Ducu(tmp_path / "work", env, [])
    runner.cwd.mkdir()
    yield runner
    for output in runner.outputs:  # the log (stderr) of every run
        assert not FULL_PHONE.search(output), output


def test_db_upgrade_and_staff_commands(ducu: Ducu) -> None:
    upgraded = ducu("db", "upgrade")
    assert upgraded.code == 0, upgraded.err
    assert "up to date" in upgraded.out

    added = ducu(
        "user", "add", "--role", "judge", "--name", "李法官", "--phone", "13900000001",
        "--court", "浙0522", "--court-name", "长兴县人民法院",
    )  # fmt: skip
    assert added.code == 0, added.out + added.err
    official, bad_phone, bad_role, missing_csv = ducu.concurrently(
        ("user", "add", "--role", "official", "--name", "王书记", "--phone", "13900000003"),
        ("user", "add", "--role", "judge", "--name", "赵法官", "--phone", "12345"),
        ("user", "add", "--role", "king", "--name", "x", "--phone", "13900000005"),
        ("import", "no-such-file.csv"),
    )
    assert official.code == 2
    assert "an official needs an area" in official.out
    assert bad_phone.code == 2
    assert "not a valid phone number" in bad_phone.out
    assert bad_role.code == 2  # argparse refuses it
    assert "invalid choice: 'king'" in bad_role.err
    assert missing_csv.code == 2
    assert "cannot open no-such-file.csv" in missing_csv.out

    listed = ducu("user", "list")
    assert listed.code == 0
    [row] = [line for line in listed.out.splitlines() if "李法官" in line]
    assert "judge" in row
    assert "王书记" not in listed.out and "赵法官" not in listed.out

    judge_id = row.split()[1] if row.split()[0] in "│┃|" else row.split()[0]
    invited, unknown = ducu.concurrently(("user", "invite", judge_id), ("user", "invite", "999"))
    assert invited.code == 0, invited.out + invited.err
    assert re.search(r"/start [A-Za-z0-9_-]{20,}", invited.out), invited.out
    assert unknown.code == 2 and "there is no user 999" in unknown.out

    set_sms, bad_channel, no_court = ducu.concurrently(
        ("court", "channels", "浙0522", "sms"),
        ("court", "channels", "浙0522", "telegram,fax"),
        ("court", "channels", "浙9999", "sms"),
    )
    assert set_sms.code == 0 and "reached by sms" in set_sms.out, set_sms.out + set_sms.err
    assert bad_channel.code == 2 and "channels must be some of" in bad_channel.out
    assert no_court.code == 2 and "there is no court" in no_court.out


def test_area_import_all_or_nothing_and_the_cli_in_the_audit_log(ducu: Ducu) -> None:
    good = ducu.cwd / "areas.csv"
    good.write_bytes("code,name,parent\n330522,长兴县,\n330522102,雉城街道,330522\n".encode("gbk"))
    bad = ducu.cwd / "bad.csv"
    bad.write_text("code,name,parent\n330523,安吉县,\n330523,安吉,\n12,短,\n", encoding="utf-8")
    imported = ducu("area", "import", "areas.csv")
    assert imported.code == 0, imported.out + imported.err
    assert "2 area(s) added, 0 renamed, 0 unchanged" in imported.out
    refused, missing = ducu.concurrently(
        ("area", "import", "bad.csv"), ("area", "import", "no.csv")
    )
    assert refused.code == 1 and "2 bad line(s): nothing was imported" in refused.out
    assert re.search(r"3\s*│\s*code 330523 is already on line 2", refused.out), refused.out
    assert re.search(r"4\s*│\s*code '12' is not 6, 9 or 12 digits", refused.out), refused.out
    assert missing.code == 2 and "cannot read no.csv" in missing.out
    judge = ("user", "add", "--role", "judge", "--name", "李法官", "--court", "浙0522")
    assert ducu(*judge, "--phone", "13900000001").code == 0

    database = ducu.env["DUCU_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT code FROM areas ORDER BY code").fetchall() == [
            ("330522",),
            ("330522102",),
        ]  # nothing of bad.csv
        rows = db.execute("SELECT actor, action, object_id FROM audit ORDER BY id").fetchall()
        assert rows == [
            ("cli", "save_area", "330522"),
            ("cli", "save_area", "330522102"),
            ("cli", "add_user", "1"),
        ]
        with pytest.raises(sqlite3.IntegrityError, match="never edited"):
            db.execute("DELETE FROM audit")


def test_console_passwords_are_read_from_stdin_and_stored_hashed(ducu: Ducu) -> None:
    judge = ("user", "add", "--role", "judge", "--name", "李法官", "--court", "浙0522")
    added = ducu.fed("a long password\n", *judge, "--phone", "13900000001", "--password-stdin")
    assert added.code == 0, added.out + added.err
    assert "password set" in added.out
    short = ducu.fed("short\n", *judge, "--phone", "13900000005", "--password-stdin")
    assert short.code == 2 and "the password is too short: 10 characters" in short.out
    assert "13900000005" not in ducu("user", "list").out  # nobody added without it

    empty, unknown = (
        ducu.fed("", "user", "password", "1"),
        ducu.fed("0123456789", "user", "password", "99"),
    )
    assert empty.code == 2 and "the password is empty" in empty.out
    assert unknown.code == 2 and "there is no staff member 99" in unknown.out
    changed = ducu.fed("another long one\n", "user", "password", "1")
    assert changed.code == 0 and "password set for judge 李法官 (user 1)" in changed.out, (
        changed.out
    )

    database = ducu.env["DUCU_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(database) as db:
        [(stored,)] = db.execute("SELECT password_hash FROM users WHERE id = 1").fetchall()
    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, "another long one")


_MODULES_AFTER = """
import runpy, sys
sys.argv = ["ducu", *sys.argv[1:]]
try:
    runpy.run_module("ducu", run_name="__main__")
except SystemExit:
    pass
heavy = sorted({name.split(".")[0] for name in sys.modules} & {"aiogram", "twilio", "sqlalchemy"})
print("heavy:", ",".join(heavy), file=sys.stderr)
"""


def _heavy_modules(ducu: Ducu, *args: str, **env: str) -> tuple[Run, set[str]]:
    """Runs `python -m ducu ARGS` and says which heavy libraries it had imported by its end."""
    process = subprocess.run(
        [sys.executable, "-c", _MODULES_AFTER, *args],
        cwd=ducu.cwd, env={**ducu.env, **env}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    [line] = [x for x in process.stderr.splitlines() if x.startswith("heavy:")]
    return Run(process.returncode, process.stdout, process.stderr), set(
        filter(None, line.removeprefix("heavy:").strip().split(","))
    )


def test_help_and_small_verbs_load_no_channel(ducu: Ducu) -> None:
    """`ducu --help` imports none of the heavy libraries; a small verb opens the database but
    builds no chat channel, even with a bot token set."""
    run, heavy = _heavy_modules(ducu, "--help")
    assert "usage: ducu" in run.out
    assert heavy == set()
    run, heavy = _heavy_modules(
        ducu, "area", "add", "330522", "长兴县",
        TELEGRAM_BOT_TOKEN="123:abc", DUCU_TELEGRAM_MODE="polling",
        TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN="t",
        TWILIO_FROM_NUMBER="+15005550006",
    )  # fmt: skip
    assert "area 330522 长兴县 saved" in run.out, run.err
    assert "aiogram" not in heavy and "sqlalchemy" in heavy


def test_import_reports_bad_rows_and_exits_1(ducu: Ducu) -> None:
    run = ducu("import", str(FIXTURE))
    assert run.code == 1, run.out + run.err
    assert "3 new case(s), 0 already known, 4 error(s)" in run.out
    table = run.out[run.out.index("rows skipped") :]
    for lines, field in [
        ("5", "obligors.0.phone"),
        ("6", "amount_due"),
        ("7", "case_number"),
        ("9,10", "obligors.1.phone"),
    ]:
        assert re.search(rf"│ {re.escape(lines)}\s+│ {re.escape(field)}\s+│", table), field


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fetch(url: str, token: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def _get(url: str, token: str | None = None) -> tuple[int, dict]:
    status, text = _fetch(url, token)
    return status, json.loads(text) if status == 200 else {}


def test_serve_demo_answers_with_its_token_and_stops_on_sigterm(ducu: Ducu) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    out_path, err_path = ducu.cwd / "out.txt", ducu.cwd / "err.txt"
    with out_path.open("w") as out, err_path.open("w") as err:
        process = subprocess.Popen(
            [str(DUCU), "serve", "--demo"],
            cwd=ducu.cwd,
            env={**ducu.env, "DUCU_PORT": str(port), "DUCU_QUIET_HOURS": ""},  # day 0 goes now
            stdout=out,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 15
        while True:
            assert process.poll() is None, err_path.read_text()
            assert time.monotonic() < deadline, "ducu serve did not come up in 15 s"
            try:
                if _get(f"{base}/healthz") == (200, {"status": "ok"}):
                    break
            except OSError:
                pass
            time.sleep(0.1)
        # the banner is printed once the site is up; give the pipe a moment to flush
        while "Press Ctrl+C" not in out_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        banner = out_path.read_text()
        token = re.search(r"API token: (\S+)", banner).group(1)
        # The printed case lines work as printed: a browser link, and a curl line with the token.
        browser = re.search(r"demo debtor in the sandbox: (\S+)", banner).group(1)

        def debtor_shown(page: str) -> bool:  # named, with the day-0 reminder
            return "林某 (debtor)" in page and "浙0522民初1234号" in page

        while not debtor_shown(page := _fetch(browser)[1]):
            assert time.monotonic() < deadline, page
            time.sleep(0.1)
        curl = re.search(r"curl -H 'Authorization: Bearer (\S+)' (\S+)", banner)
        assert curl.group(1) == token
        assert _get(curl.group(2))[0] == 401
        status, case = _get(curl.group(2), token)
        assert status == 200
        assert case["case_number"].endswith("浙0522民初1234号")
        assert [o["name"] for o in case["obligors"]] == ["林某"]
        status, page = _fetch(f"{base}/sandbox")  # no Twilio credentials: the sandbox is on
        assert status == 200 and "李法官 (judge)" in page
        # the printed console login works, in a browser-like client that keeps the cookie
        phone, password = re.search(r"judge 李法官: phone (\S+)\s+password (\S+)", banner).groups()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        form = browser.open(f"{base}/login", timeout=2).read().decode()
        csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
        fields = {"csrf": csrf, "phone": phone, "password": password}
        with browser.open(f"{base}/login", data=urlencode(fields).encode(), timeout=5) as cases:
            assert cases.url == f"{base}/console/cases"
            assert "浙0522民初1234号" in cases.read().decode()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
    assert code == 0, err_path.read_text()
    ducu.outputs += [err_path.read_text(), out_path.read_text()]


def test_two_serves_share_a_port_and_the_second_answers_when_the_first_stops(
    ducu: Ducu,
) -> None:
    """With DUCU_REUSE_PORT=1 a second `ducu serve` listens on the first one's port (without
    it, it says the port is taken); when the first stops, the port still answers."""
    port = _free_port()
    env = {**ducu.env, "DUCU_PORT": str(port), "DUCU_API_TOKEN": "t" * 24}
    ducu.env = env
    assert ducu("db", "upgrade").code == 0

    def serve(**extra: str) -> subprocess.Popen:
        return subprocess.Popen(
            [str(DUCU), "serve"],
            cwd=ducu.cwd,
            env={**env, **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def healthy(process: subprocess.Popen) -> None:
        deadline = time.monotonic() + 15
        while _fetch_or_none(f"http://127.0.0.1:{port}/healthz") != 200:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "ducu serve did not come up in 15 s"
            time.sleep(0.1)

    first = serve(DUCU_REUSE_PORT="1")
    second = serve(DUCU_REUSE_PORT="1")
    try:
        healthy(first)
        refused = serve()  # without the setting: the port is taken, and it says so
        out, err = refused.communicate(timeout=30)
        assert refused.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in out
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=15) == 0
        healthy(second)  # the port kept answering: the second process serves it alone
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=15)
            ducu.outputs.append(err)


def _fetch_or_none(url: str) -> int | None:
    try:
        return _fetch(url)[0]
    except OSError:
        return None


def test_sms_settings_that_would_fail_silently_are_refused_at_start(ducu: Ducu) -> None:
    """Half a Twilio configuration used to become the sandbox (reminders recorded as sent,
    nothing leaving); the sandbox next to Twilio, or on a public host, would show every
    conversation to anyone; a lease shorter than a batch and its sends lets a second worker
    take rows the first is still sending."""
    half = {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "secret"}
    whole = {**half, "TWILIO_FROM_NUMBER": "+15005550006"}
    for env, says in (
        (half, "Twilio is half configured: TWILIO_FROM_NUMBER missing"),
        ({**whole, "DUCU_SANDBOX": "1"}, "DUCU_SANDBOX replaces the SMS provider"),
        ({"DUCU_SANDBOX": "1", "DUCU_HOST": "0.0.0.0"}, "served only on a loopback host"),
        ({"DUCU_LEASE_SECONDS": "20"}, "DUCU_LEASE_SECONDS=20 is too short"),
    ):
        for verb in (("serve",), ("worker",)):
            ducu.env.update(env)
            run = ducu(*verb)
            for name in env:
                ducu.env.pop(name)
            assert run.code == 2, (verb, env, run.out, run.err)
            assert says in run.out, run.out
    demo = ducu.env | whole
    run = subprocess.run(
        [str(DUCU), "serve", "--demo"], cwd=ducu.cwd, env=demo, capture_output=True, text=True
    )
    assert run.returncode == 2 and "DUCU_SANDBOX replaces the SMS provider" in run.stdout


def test_worker_without_sms_says_so(ducu: Ducu) -> None:
    out_path = ducu.cwd / "worker.txt"
    with out_path.open("w") as out:
        process = subprocess.Popen(
            [str(DUCU), "worker"], cwd=ducu.cwd, env=ducu.env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 15
        while "Press Ctrl+C" not in out_path.read_text():
            assert process.poll() is None, out_path.read_text()
            assert time.monotonic() < deadline, out_path.read_text()
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    assert "SMS is off (no TWILIO_* settings, no sandbox)" in out_path.read_text()


def test_masking_filter_masks_phones_in_message_and_arguments() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger("tests.masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("sent to +8613800138000")
        logger.warning("reply from %s to %s (%d)", "13900000001", "+86 139 0000 0002", 42)
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines == [
        "sent to +86138****8000",
        "reply from 139****0001 to +86139****0002 (42)",
    ]


def test_figures_print_a_table_or_csv_and_refuse_a_bad_filter(ducu: Ducu) -> None:
    assert ducu("import", str(FIXTURE)).code == 1  # 3 cases, 4 rows refused
    table, as_csv, bad, nobody = ducu.concurrently(
        ("figures", "--court", "浙0522", "--from", "2020-01-01"),
        ("figures", "--csv"),
        ("figures", "--to", "31.12.2026"),
        ("figures", "--court", "浙9999"),
    )
    assert table.code == 0, table.err
    assert "outcome figures as of" in table.out
    assert re.search(r"│ cases\s+│ 3\s+│", table.out), table.out
    assert re.search(r"│ from\s+│ 2020-01-01\s+│", table.out)
    assert as_csv.code == 0, as_csv.err
    lines = as_csv.out.splitlines()
    assert lines[0] == "figure,value" and "cases,3" in lines and "first_reminded,0" in lines
    assert (bad.code, nobody.code) == (2, 2)
    assert "to: not a date (YYYY-MM-DD): '31.12.2026'" in bad.out
    assert "no court has the code '浙9999'" in nobody.out


def test_schedule_show_set_and_replan(ducu: Ducu) -> None:
    """A schedule file refused with every reason (nothing saved), then saved; the open case
    re-planned after a dry run that says what the apply then does."""
    now = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    due = (now + timedelta(days=10)).date()
    header = FIXTURE.read_text(encoding="utf-8").splitlines()[0]
    (ducu.cwd / "cases.csv").write_text(
        f"{header}\n（2024）浙0522民初1001号,浙0522,长兴县人民法院,李法官,+8613900000001,,,"
        f"林某,+8613800138000,330522102201,zh-CN,130000.00,支付借款,{now.isoformat()},{due}\n",
        encoding="utf-8",
    )
    assert ducu("import", "cases.csv").code == 0
    shown = ducu("schedule", "show", "浙0522")
    assert shown.code == 0, shown.err
    assert "the built-in schedule" in shown.out
    body = json.loads(shown.out[shown.out.index("{") : shown.out.rindex("}") + 1])
    body["steps"].insert(3, {**body["steps"][2], "key": "eve", "days": -1, "at": "22:00"})
    (ducu.cwd / "bad.json").write_text(json.dumps(body | {"weekly_cap": 0}), encoding="utf-8")
    body["steps"][3]["at"] = "18:00"
    (ducu.cwd / "good.json").write_text(json.dumps(body | {"weekly_cap": 4}), encoding="utf-8")
    refused, no_court, missing = ducu.concurrently(
        ("schedule", "set", "浙0522", "bad.json"),
        ("schedule", "set", "浙9999", "good.json"),
        ("schedule", "set", "浙0522", "no.json"),
    )
    assert refused.code == 1, refused.out + refused.err
    assert "not saved: 3 problem(s)" in refused.out
    assert "steps.3: 第4步的时间落在免打扰时段内" in refused.out
    assert "steps.4: 第4步与第5步起算点相同、相隔不足12小时" in refused.out  # 22:00, 09:00
    assert "weekly_cap: 每周上限须为1至14之间的整数" in refused.out
    assert no_court.code == 2 and "there is no court '浙9999'" in no_court.out
    assert missing.code == 2 and "cannot read no.json" in missing.out
    saved = ducu("schedule", "set", "浙0522", "good.json")
    assert saved.code == 0 and "saved as version 1" in saved.out, saved.out + saved.err

    dry = ducu("schedule", "replan", "浙0522")
    assert dry.code == 0, dry.err
    assert "dry run: would re-plan 1 case(s)" in dry.out
    assert "rows: 1 added, 0 moved, 0 cancelled, 0 revived" in dry.out
    assert re.search(r"│ eve\s+│ added", dry.out), dry.out
    applied = ducu("schedule", "replan", "浙0522", "--apply")
    assert "re-planned 1 case(s)" in applied.out
    assert applied.out.split("\n", 1)[1] == dry.out.split("\n", 1)[1].replace(
        "nothing changed yet: run `ducu schedule replan 浙0522 --apply`\n", ""
    )  # the same rows as the dry run said
    again, shown = ducu.concurrently(
        ("schedule", "replan", "浙0522"), ("schedule", "show", "浙0522")
    )
    assert "re-plan 0 case(s)" in again.out
    assert "court 浙0522: version 1" in shown.out and "version 1 saved" in shown.out
    # Into a reader that has stopped reading (`| head`): it ends quietly, no traceback.
    piped = subprocess.Popen(
        [str(DUCU), "schedule", "show", "浙0522"],
        cwd=ducu.cwd,
        env=ducu.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    piped.stdout.close()
    err = piped.stderr.read()
    assert piped.wait(timeout=30) == 1 and "Traceback" not in err, err


def test_template_verbs_set_show_list_reset_and_refuse(ducu: Ducu) -> None:
    admin = ("user", "add", "--role", "admin", "--phone", "13900000011", "--court", "浙0522")
    assert ducu(*admin, "--court-name", "长兴县人民法院").code == 0
    day0 = ("浙0522", "zh-CN", "reminder.day0")
    own = "{court}{name}：{case_number}案请于{deadline}前履行{amount}元。\n"
    saved = ducu.fed(own, "template", "set", *day0, "-")
    assert saved.code == 0, saved.out + saved.err
    assert "Saved: what is sent from now on uses this text." in saved.out
    assert (
        "【长兴县人民法院】欧阳娜娜：（2024）浙0522民初12345号案请于2026年12月31日前" in saved.out
    )
    assert "1 SMS segment(s) · UCS-2 · 65 characters" in saved.out
    refused = ducu.fed("{court}{nmae}{case_number}", "template", "set", *day0, "-")
    assert (
        refused.code == 2 and "There is no placeholder {nmae}: did you mean {name}?" in refused.out
    )
    assert "Required placeholder(s) missing: {amount} {deadline}" in refused.out

    listed, shown, no_court = ducu.concurrently(
        ("template", "list", "浙0522"),
        ("template", "show", *day0),
        ("template", "show", "浙0599", "zh-CN", "reminder.day0"),
    )
    assert re.search(r"reminder\.day0\s*│\s*zh-CN\s*│\s*court\s*│\s*1\s*│\s*UCS-2", listed.out)
    assert re.search(r"reminder\.day0\s*│\s*en\s*│\s*shipped", listed.out), listed.out
    assert own.strip() in shown.out and "{court}* {name} {case_number}*" in shown.out
    assert no_court.code == 2 and "There is no court 浙0599." in no_court.out
    reset = ducu("template", "reset", *day0)
    assert reset.code == 0 and "The shipped text is used again." in reset.out

    database = ducu.env["DUCU_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM templates").fetchone() == (0,)
        rows = db.execute(
            "SELECT actor, action, object_id FROM audit WHERE object_kind = 'template' ORDER BY id"
        ).fetchall()
    assert rows == [
        ("cli", "set_template", "zh-CN/reminder.day0"),
        ("cli", "reset_template", "zh-CN/reminder.day0"),
    ]
