"""The `ducu` command line: its verbs and options. The verbs themselves are in `ducu.commands`."""

from __future__ import annotations

import argparse
import os
import sys

from bot.logging_setup import configure_logging


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="ducu",
        description="Urges obligors to honour effective judgments before compulsory enforcement.",
    )
    verbs = top.add_subparsers(dest="verb", required=True)

    serve = verbs.add_parser("serve", help="web server (webhooks, API, sandbox) and scheduler")
    serve.add_argument(
        "--demo",
        action="store_true",
        help="seed a court, a judge, an official, areas and a case effective now",
    )
    serve.set_defaults(command="serve")

    verbs.add_parser(
        "worker", help="scheduler and dispatch only (several may run on PostgreSQL)"
    ).set_defaults(command="worker")

    db = verbs.add_parser("db", help="database schema").add_subparsers(
        dest="db_verb", required=True
    )
    db.add_parser("upgrade", help="bring the schema up to date").set_defaults(command="db_upgrade")

    imp = verbs.add_parser("import", help="import judgments from a CSV file")
    imp.add_argument("file")
    imp.set_defaults(command="import")

    user = verbs.add_parser("user", help="staff").add_subparsers(dest="user_verb", required=True)
    add = user.add_parser("add", help="register a judge, official or admin")
    add.add_argument("--role", required=True, choices=["judge", "official", "admin"])
    add.add_argument("--name", help="the name shown to colleagues (default: role and phone)")
    add.add_argument("--phone", required=True)
    add.add_argument("--area", help="administrative code covered (officials: required)")
    add.add_argument("--court", help="court code, e.g. 浙0522")
    add.add_argument("--court-name", help="court name, when the court is new")
    add.add_argument("--telegram-chat-id", type=int)
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read a console password from the first line of stdin (10 characters at least)",
    )
    add.set_defaults(command="user_add")
    lst = user.add_parser("list", help="list staff")
    lst.add_argument("--role", choices=["judge", "official", "admin", "creditor"])
    lst.set_defaults(command="user_list")
    invite = user.add_parser("invite", help="a one-time code that links a staff chat in Telegram")
    invite.add_argument("user_id", type=int, help="the user's id (see `ducu user list`)")
    invite.set_defaults(command="user_invite")
    password = user.add_parser(
        "password", help="set a staff member's console password, read from the first line of stdin"
    )
    password.add_argument("user_id", type=int, help="the user's id (see `ducu user list`)")
    password.set_defaults(command="user_password")

    court = verbs.add_parser("court", help="courts").add_subparsers(
        dest="court_verb", required=True
    )
    channels = court.add_parser("channels", help="how a court's debtors are reached, in order")
    channels.add_argument("court", help="the court's code, e.g. 浙0522")
    channels.add_argument("channels", help="e.g. telegram,sms (the default) or sms")
    channels.set_defaults(command="court_channels")

    sched = verbs.add_parser("schedule", help="courts' reminder schedules").add_subparsers(
        dest="schedule_verb", required=True
    )
    show = sched.add_parser("show", help="a court's current schedule and its versions (JSON)")
    show.add_argument("court", help="the court's code, e.g. 浙0522")
    show.set_defaults(command="schedule_show")
    put = sched.add_parser(
        "set", help="save a JSON file as the court's new schedule version (docs/schedules.md)"
    )
    put.add_argument("court", help="the court's code, e.g. 浙0522")
    put.add_argument("file", help="the schedule as `ducu schedule show` prints it, edited")
    put.set_defaults(command="schedule_set")
    again = sched.add_parser(
        "replan", help="move a court's open cases to its latest schedule (a dry run by default)"
    )
    again.add_argument("court", help="the court's code, e.g. 浙0522")
    again.add_argument("--apply", action="store_true", help="do it (after reading the dry run)")
    again.set_defaults(command="schedule_replan")
    template = verbs.add_parser(
        "template", help="a court's own texts of its reminders (docs/templates.md)"
    ).add_subparsers(dest="template_verb", required=True)
    court_help = "the court's code, e.g. 浙0522"
    text_list = template.add_parser("list", help="every text a court may word, and whose it is")
    text_list.add_argument("court", help=court_help)
    text_list.set_defaults(command="template_list")
    for verb, about in (
        ("show", "a text with its placeholders and preview"),
        ("set", "save the court's own text, read from FILE or - (stdin)"),
        ("reset", "back to the shipped text"),
    ):
        one = template.add_parser(verb, help=about)
        one.add_argument("court", help=court_help)
        one.add_argument("locale", help="zh-CN or en")
        one.add_argument("key", help="e.g. reminder.day0 (see `ducu template list`)")
        if verb == "set":
            one.add_argument("file", help="a UTF-8 text file, or - for stdin")
        one.set_defaults(command=f"template_{verb}")

    area = verbs.add_parser("area", help="administrative areas").add_subparsers(
        dest="area_verb", required=True
    )
    area_add = area.add_parser("add", help="register an area code and its name")
    area_add.add_argument("code")
    area_add.add_argument("name")
    area_add.set_defaults(command="area_add")

    figures = verbs.add_parser("figures", help="the outcome figures (docs/figures.md)")
    figures.add_argument("--court", help="a court's code, e.g. 浙0522")
    figures.add_argument("--area", help="an area code prefix: county, township or village")
    figures.add_argument("--from", dest="since", help="first effective day, YYYY-MM-DD")
    figures.add_argument("--to", dest="until", help="last effective day, YYYY-MM-DD (included)")
    figures.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    figures.set_defaults(command="figures")
    area_import = area.add_parser(
        "import",
        help="import areas from a CSV file (code,name,parent; UTF-8 or GBK): all lines or none",
    )
    area_import.add_argument("file")
    area_import.set_defaults(command="area_import")
    return top


def main(argv: list[str] | None = None) -> int:
    configure_logging()
    args = parser().parse_args(argv)
    from ducu import commands  # the verbs' dependencies load only now

    try:
        return getattr(commands, f"cmd_{args.command}")(args)
    except BrokenPipeError:  # `ducu … | head` stopped reading: end quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 1


if __name__ == "__main__":
    sys.exit(main())
