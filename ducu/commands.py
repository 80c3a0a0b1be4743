"""The verbs of the `ducu` command. Wiring only: every verb calls a service.

Imported by `ducu.cli` once a verb is chosen, so `ducu --help` loads none of this."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import json
import logging
import secrets
import signal
import sys
from pathlib import Path
from urllib.parse import quote

from aiohttp import web
from pydantic import SecretStr, ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import SystemClock
from bot.config import Settings
from bot.domain.audit import CLI
from bot.domain.figures import SelectionError, as_csv
from bot.domain.locales import STAFF_LOCALE
from bot.domain.replan import Change
from bot.domain.schedules import ScheduleRefused
from bot.domain.status import Channel
from bot.domain.texts import render
from bot.metrics import Metrics
from bot.services import demo as demo_data
from bot.services.accounts import AccountError, AccountService, LoginThrottle, check_password
from bot.services.court_texts import CourtTexts, CourtTextService, TemplateError, TemplateText
from bot.services.demo import seed_demo
from bot.services.figures import FigureService
from bot.services.importer import ImportFileError, import_file
from bot.services.linking import INVITE_DAYS, LinkService
from bot.services.schedules import NoSuchCourt, ScheduleService
from bot.services.staff import AreaImportError, StaffError, StaffService
from ducu import bootstrap

console = Console(soft_wrap=True)
log = logging.getLogger("ducu")


def _settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        console.print("[red]The settings are not valid:[/red]")
        for error in exc.errors():
            console.print(f"  {'.'.join(map(str, error['loc']))}: {error['msg']}")
        raise SystemExit(2) from None


def _prepare(settings: Settings) -> None:
    """SQLite is upgraded in place; any other database must be upgraded on purpose."""
    if settings.is_sqlite:
        bootstrap.migrate(settings)
        return
    try:
        missing = bootstrap.pending_migrations(settings)
    except (OSError, SQLAlchemyError) as exc:
        console.print(f"[red]cannot reach the database: {exc.__class__.__name__}: {exc}[/red]")
        raise SystemExit(2) from None
    if missing:
        console.print(
            f"[red]the database schema is behind ({len(missing)} migration(s)): "
            "run `ducu db upgrade` first[/red]"
        )
        raise SystemExit(2)


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def _serve(settings: Settings, *, demo: bool, web_server: bool) -> None:
    runtime = await bootstrap.build(settings)
    services = runtime.services
    runner = None
    try:
        if demo:
            demo_seed = await seed_demo(
                services.staff, services.judgments, services.accounts, services.clock
            )
        if web_server:
            runner = web.AppRunner(runtime.web_app(), access_log=None)
            await runner.setup()
            try:
                reuse = settings.reuse_port or None  # None: aiohttp leaves the option alone
                await web.TCPSite(runner, settings.host, settings.port, reuse_port=reuse).start()
            except OSError as exc:
                console.print(
                    f"[red]cannot listen on {settings.host}:{settings.port}: "
                    f"{exc.strerror}. Set DUCU_PORT to a free port.[/red]"
                )
                raise SystemExit(2) from None
        scheduler = runtime.scheduler()
        scheduler.start()
        # What start-up built lives as long as the process: out of the collector's full passes,
        # which otherwise walk it all (~90 ms each, the p99 of a busy webhook).
        gc.freeze()
        if web_server:
            await runtime.start_chat()
        base = f"http://{settings.host}:{settings.port}"
        if web_server:
            console.print(f"[bold green]ducu[/bold green] is serving on {base}")
            if settings.sandbox:
                console.print(f"  sandbox (messages to debtors and staff): {base}/sandbox")
            console.print(f"  API: {base}/api/v1/openapi.json   health: {base}/healthz")
            if runtime.telegram is not None:
                console.print(f"  Telegram: {settings.telegram_mode} mode")
        else:
            console.print("[bold green]ducu worker[/bold green] is dispatching reminders")
        if Channel.SMS not in services.senders:
            console.print(
                "  [yellow]SMS is off[/yellow] (no TWILIO_* settings, no sandbox): "
                "debtors are reached by chat alone"
            )
        if demo:
            token = settings.api_token.get_secret_value()
            debtor = f"{base}/sandbox?address={quote(demo_data.OBLIGOR['phone'])}"
            console.print(f"  the demo debtor in the sandbox: {debtor}")
            console.print(
                f"  the demo case (API): curl -H 'Authorization: Bearer {token}' "
                f"{base}/api/v1/cases/{demo_seed.case_id}"
            )
            console.print(f"  API token: {token}")
            console.print(f"  console: {base}/login (passwords made at this start)")
            for login in demo_seed.logins:
                console.print(
                    f"    {login.role} {login.name}: phone {login.phone}  password {login.password}"
                )
            if settings.quiet and settings.quiet.contains(
                services.clock.now().astimezone(settings.zone).time()
            ):
                console.print(
                    f"  quiet hours ({settings.quiet_hours}) are on now: the first "
                    "reminder waits for their end (DUCU_QUIET_HOURS= turns them off)"
                )
        console.print("Press Ctrl+C to stop.")
        await _until_signalled()
        console.print("stopping: finishing the messages in flight…")
        await runtime.stop_chat()
        await runtime.stop_scheduler(scheduler)
    finally:
        if runner is not None:
            await runner.cleanup()
        await runtime.close()


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(DUCU_SANDBOX=True) if args.demo else _settings()
    if args.demo and not settings.api_token.get_secret_value():
        settings = settings.model_copy(update={"api_token": SecretStr(secrets.token_urlsafe(24))})
    if not settings.api_token.get_secret_value():
        log.warning("DUCU_API_TOKEN is not set: the API answers 401 to every request")
    _prepare(settings)
    asyncio.run(_serve(settings, demo=args.demo, web_server=True))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    settings = _settings()
    _prepare(settings)
    asyncio.run(_serve(settings, demo=False, web_server=False))
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = _settings()
    bootstrap.migrate(settings)
    console.print("database schema is up to date")
    return 0


def _run(call) -> int:
    """Runs `call(uow)` on the database alone (no channel, no dispatcher): the small verbs."""
    settings = _settings()
    _prepare(settings)

    async def run() -> int:
        async with bootstrap.store(settings) as uow:
            try:
                return await call(uow)
            except (StaffError, AccountError, NoSuchCourt) as exc:
                console.print(f"[red]{exc}[/red]")
                return 2

    return asyncio.run(run())


def cmd_import(args: argparse.Namespace) -> int:
    settings = _settings()

    async def call(uow) -> int:
        judgments = bootstrap.judgment_service(settings, uow, SystemClock(), Metrics())
        # What exists now (modules, settings, the engine) lives as long as the process. Left
        # to the collector, every full collection during the import walks all of it again: a
        # third of the time of 100,000 judgments (bench/import_csv.py).
        gc.freeze()
        try:
            with Progress(
                TextColumn("importing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
            ) as progress:
                task = progress.add_task("cases", total=None)
                report = await import_file(
                    Path(args.file),
                    judgments,
                    on_progress=lambda done, total: progress.update(
                        task, completed=done, total=total
                    ),
                )
        except ImportFileError as exc:
            console.print(f"[red]{exc}[/red]")
            return 2
        console.print(
            f"{report.created} new case(s), {report.duplicates} already known, "
            f"{len(report.errors)} error(s)"
        )
        if report.errors:
            table = Table("line(s)", "field", "problem", title="rows skipped")
            for lines, field_name, message in report.errors:
                table.add_row(lines, field_name, message)
            console.print(table)
            return 1
        return 0

    return _run(call)


def _password_from_stdin() -> str:
    """The first line of stdin, its line break dropped; a bad one ends the verb."""
    try:
        if sys.stdin.isatty():
            return check_password(getpass.getpass("password: "))
        return check_password(sys.stdin.readline().removesuffix("\n").removesuffix("\r"))
    except AccountError as exc:
        console.print(f"[red]{exc}[/red]")
        raise SystemExit(2) from None


def _staff(uow) -> StaffService:
    return StaffService(uow, SystemClock())


def _accounts(uow) -> AccountService:
    return AccountService(uow, SystemClock(), LoginThrottle())


def cmd_user_add(args: argparse.Namespace) -> int:
    password = _password_from_stdin() if args.password_stdin else None

    async def call(uow) -> int:
        name = args.name or f"{args.role} {args.phone[-4:]}"
        user_id = await _staff(uow).add_user(
            actor=CLI,
            role=args.role,
            name=name,
            phone=args.phone,
            area_code=args.area,
            court_code=args.court,
            court_name=args.court_name,
            telegram_chat_id=args.telegram_chat_id,
        )
        console.print(f"{args.role} {name} saved (user {user_id})")
        if password is not None:
            await _accounts(uow).set_password(CLI, user_id, password)
            console.print("password set: they can sign in to the console at /login")
        return 0

    return _run(call)


def cmd_user_list(args: argparse.Namespace) -> int:
    async def call(uow) -> int:
        table = Table("id", "role", "name", "phone", "area", "court")
        for user in await _staff(uow).users(CLI, args.role):
            table.add_row(
                *(
                    str(getattr(user, k) or "")
                    for k in ("id", "role", "name", "phone", "area_code", "court_id")
                )
            )
        console.print(table)
        return 0

    return _run(call)


def cmd_user_invite(args: argparse.Namespace) -> int:
    settings = _settings()

    async def call(uow) -> int:
        try:
            code = await LinkService(uow, SystemClock()).invite(args.user_id)
        except LookupError as exc:
            raise StaffError(str(exc)) from None
        if settings.chat_link_base:
            console.print(f"open this link in Telegram: {settings.chat_link_base}{code}")
        else:
            console.print(f"send this to the bot in Telegram: /start {code}")
        console.print(f"(valid {INVITE_DAYS} days, once)")
        return 0

    return _run(call)


def cmd_user_password(args: argparse.Namespace) -> int:
    password = _password_from_stdin()

    async def call(uow) -> int:
        user = await _accounts(uow).set_password(CLI, args.user_id, password)
        console.print(f"password set for {user.role} {user.name} (user {user.id})")
        return 0

    return _run(call)


def cmd_court_channels(args: argparse.Namespace) -> int:
    async def call(uow) -> int:
        channels = [c.strip() for c in args.channels.split(",") if c.strip()]
        await _staff(uow).set_channels(CLI, args.court, channels)
        console.print(f"court {args.court}: debtors are reached by {' then '.join(channels)}")
        return 0

    return _run(call)


def cmd_area_add(args: argparse.Namespace) -> int:
    async def call(uow) -> int:
        await _staff(uow).add_area(CLI, args.code, args.name)
        console.print(f"area {args.code} {args.name} saved")
        return 0

    return _run(call)


def cmd_figures(args: argparse.Namespace) -> int:
    settings = _settings()

    async def call(uow) -> int:
        service = FigureService(uow, SystemClock(), settings.zone)
        try:
            figures = await service.figures(args.court, args.area, args.since, args.until)
        except SelectionError as exc:
            console.print(f"[red]{exc}[/red]")
            return 2
        if args.csv:
            print(as_csv(figures), end="")
            return 0
        table = Table("figure", "value", title=f"outcome figures as of {figures.as_of}")
        for name, value in figures.rows():
            table.add_row(name, "" if value is None else str(value))
        console.print(table)
        return 0

    return _run(call)


def cmd_area_import(args: argparse.Namespace) -> int:
    """All the areas of a CSV file, or none: every bad line is listed and nothing is saved."""
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        console.print(f"[red]cannot read {args.file}: {exc.strerror}[/red]")
        return 2

    async def call(uow) -> int:
        try:
            with Progress(
                TextColumn("importing areas"),
                BarColumn(),
                MofNCompleteColumn(),
                console=console,
            ) as progress:
                task = progress.add_task("areas", total=None)
                done = await _staff(uow).import_areas(
                    CLI,
                    data,
                    on_progress=lambda n, total: progress.update(task, completed=n, total=total),
                )
        except AreaImportError as exc:
            console.print(f"[red]{exc}[/red]")
            if exc.lines:
                table = Table("line", "problem", title="bad lines")
                for line, problem in exc.lines:
                    table.add_row(str(line), problem)
                console.print(table)
            return 1
        console.print(
            f"{done.added} area(s) added, {done.renamed} renamed, {done.unchanged} unchanged"
        )
        return 0

    return _run(call)


def _schedules(settings: Settings, uow) -> ScheduleService:
    return bootstrap.schedule_service(settings, uow, SystemClock())


def cmd_schedule_show(args: argparse.Namespace) -> int:
    settings = _settings()

    async def call(uow) -> int:
        service = _schedules(settings, uow)
        current = await service.current(CLI, args.court)
        history = await service.history(CLI, args.court)
        said = f"version {current.version}" if current.version else "the built-in schedule"
        console.print(f"court {current.court_code}: {said}", style="bold")
        print(json.dumps(current.schedule.to_json(), ensure_ascii=False, indent=2))
        for version in history:
            saved = version.created_at.astimezone(settings.zone)
            console.print(f"  version {version.version} saved {saved:%Y-%m-%d %H:%M}")
        return 0

    return _run(call)


def cmd_schedule_set(args: argparse.Namespace) -> int:
    """Every reason a schedule is refused, in the court's words; nothing saved then."""
    settings = _settings()
    try:
        body = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except OSError as exc:
        console.print(f"[red]cannot read {args.file}: {exc.strerror}[/red]")
        return 2
    except ValueError as exc:
        console.print(f"[red]{args.file} is not JSON: {exc}[/red]")
        return 2

    async def call(uow) -> int:
        try:
            version = await _schedules(settings, uow).save(CLI, body, args.court)
        except ScheduleRefused as refused:
            console.print(f"[red]not saved: {len(refused.reasons)} problem(s)[/red]")
            for reason in refused.reasons:
                message = render(reason.key, STAFF_LOCALE, **reason.values)
                console.print(f"  {reason.field}: {message}", markup=False)
            return 1
        console.print(
            f"court {args.court}: saved as version {version}; open cases keep their version "
            f"until `ducu schedule replan {args.court} --apply`"
        )
        return 0

    return _run(call)


def cmd_schedule_replan(args: argparse.Namespace) -> int:
    settings = _settings()

    async def call(uow) -> int:
        report = await _schedules(settings, uow).replan(CLI, args.court, apply=args.apply)
        done = "re-planned" if args.apply else "dry run: would re-plan"
        console.print(
            f"court {args.court}, version {report.version}: {done} {report.cases} case(s)"
        )
        table = Table("case", "debtor", "step", "change", f"new time ({settings.timezone})")
        for case in report.samples:
            for change in case.changes:
                at = change.due_at.astimezone(settings.zone) if change.due_at else None
                when = f"{at:%Y-%m-%d %H:%M}" if at else ""
                table.add_row(
                    case.case_number, str(change.obligor_id), change.step_key, change.change, when
                )
        counts = ", ".join(f"{report.counts[kind]} {kind}" for kind in Change)
        console.print(f"rows: {counts}")
        if report.samples:
            console.print(table)
        if not args.apply and report.cases:
            console.print(f"nothing changed yet: run `ducu schedule replan {args.court} --apply`")
        return 0

    return _run(call)


def _texts(uow) -> CourtTextService:
    return CourtTextService(uow, SystemClock(), CourtTexts(uow))


def _segments(text: TemplateText) -> str:
    shown = text.preview
    return render(
        "admin.templates.segments",
        "en",
        count=shown.segments,
        alphabet=shown.alphabet,
        characters=shown.characters,
    )


def _text_verb(call) -> int:
    """A template verb: a refusal prints every reason (in English) and ends with 2."""

    async def guarded(uow) -> int:
        try:
            return await call(uow)
        except TemplateError as refused:
            if not refused.missing:
                console.print("[red]not saved:[/red]")
            for reason in refused.reasons:
                console.print(f"  {reason.text('en')}", style="red", markup=False)
            return 2

    return _run(guarded)


def cmd_template_list(args: argparse.Namespace) -> int:
    zone = _settings().zone

    async def call(uow) -> int:
        rows = await _texts(uow).list(CLI, args.court)
        table = Table(
            "key", "locale", "source", "segments", "alphabet", "updated", title=rows[0].court
        )
        for row in rows:
            updated = row.updated_at.astimezone(zone) if row.updated_at else None
            table.add_row(
                row.key,
                row.locale,
                row.source,
                str(row.preview.segments),
                row.preview.alphabet,
                updated.strftime("%Y-%m-%d %H:%M") if updated else "",
            )
        console.print(table)
        return 0

    return _text_verb(call)


def _print_text(text: TemplateText) -> None:
    fields = " ".join("{" + p.name + "}" + ("*" if p.required else "") for p in text.placeholders)
    console.print(f"{text.court} · {text.key} · {text.locale} · {text.source}", markup=False)
    console.print(f"placeholders (* required): {fields}", markup=False, highlight=False)
    console.print("text:", style="bold")
    print(text.body)
    console.print("preview (sample data):", style="bold")
    print(text.preview.text)
    console.print(_segments(text), highlight=False)


def cmd_template_show(args: argparse.Namespace) -> int:
    async def call(uow) -> int:
        _print_text(await _texts(uow).show(CLI, args.locale, args.key, args.court))
        return 0

    return _text_verb(call)


def cmd_template_set(args: argparse.Namespace) -> int:
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
        body = data.decode("utf-8-sig")
    except OSError as exc:
        console.print(f"[red]cannot read {args.file}: {exc.strerror}[/red]")
        return 2
    except UnicodeDecodeError:
        console.print(f"[red]{args.file} is not UTF-8 text[/red]")
        return 2

    async def call(uow) -> int:
        saved = await _texts(uow).save(CLI, args.locale, args.key, body, args.court)
        kept = saved.source == "court"
        console.print(
            render("admin.templates.saved" if kept else "admin.templates.same_as_shipped", "en")
        )
        _print_text(saved)
        return 0

    return _text_verb(call)


def cmd_template_reset(args: argparse.Namespace) -> int:
    async def call(uow) -> int:
        shown = await _texts(uow).reset(CLI, args.locale, args.key, args.court)
        console.print(render("admin.templates.reset_done", "en"))
        _print_text(shown)
        return 0

    return _text_verb(call)
