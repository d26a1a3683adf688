"""The `sanctions-bot` command line: demo, run, poll, scan, alerts, rules, prune, backup, doctor."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import NoReturn

from bot import __version__
from bot.config import Settings, load_settings
from bot.errors import BotError, UserInputError
from bot.ops.logs import configure_logging, log_options

log = logging.getLogger("bot")
MAX_ALERTS = 10_000  # alerts --limit


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage in one line and exits 2, never a wall of text."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="PATH", help="SQLite database (env SANCTIONS_BOT_DB)")
    parser.add_argument(
        "--sources", metavar="FILE", help="source catalog YAML (env SANCTIONS_BOT_SOURCES)"
    )
    parser.add_argument(
        "--rules", metavar="DIR", help="rule pack directory (env SANCTIONS_BOT_RULES)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = _Parser(prog="sanctions-bot", description=__doc__)
    parser.add_argument("--version", action="version", version=f"sanctions-bot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = sub.add_parser("demo", help="ingest the bundled sample feeds and print the alerts")
    _common(demo)

    run = sub.add_parser("run", help="run the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    _common(run)
    run.add_argument("--webhook-url", metavar="URL", help="use a webhook instead of long polling")
    run.add_argument("--listen", default="127.0.0.1", help="webhook listen address")
    run.add_argument("--port", type=_port, default=8443, help="webhook listen port (1-65535)")
    run.add_argument(
        "--health-port",
        type=_port_or_off,
        metavar="PORT|off",
        help="local /health and /metrics endpoint (env SANCTIONS_BOT_HEALTH_PORT; "
        "default: 9464 with a webhook, off with long polling)",
    )
    run.add_argument(
        "--health-listen", default="127.0.0.1", help="health endpoint address (127.0.0.1)"
    )

    poll = sub.add_parser("poll", help="poll the sources")
    _common(poll)
    poll.add_argument("--once", action="store_true", required=True, help="one ingest + match cycle")

    scan = sub.add_parser("scan", help="run the rules over articles without a database")
    _common(scan)
    scan.add_argument("file", metavar="FILE|-", help="JSON lines, RSS/Atom, HTML or plain text")
    scan.add_argument("--format", choices=["text", "jsonl"], default="text")

    alerts = sub.add_parser("alerts", help="show the latest stored alerts")
    _common(alerts)
    alerts.add_argument(
        "--limit", type=_at_most(MAX_ALERTS), default=10, metavar="N", help=f"1 to {MAX_ALERTS:,}"
    )
    alerts.add_argument("--json", action="store_true", help="JSON output")
    alerts.add_argument("--failed", action="store_true", help="only dead or failing alerts")

    rules = sub.add_parser("rules", help="validate and evaluate rule packs")
    rules_sub = rules.add_subparsers(dest="rules_command", required=True, parser_class=_Parser)
    check = rules_sub.add_parser("check", help="validate packs and run their examples")
    _common(check)
    check.add_argument("path", nargs="?", help="a pack file or directory (default: --rules)")
    evaluate = rules_sub.add_parser("eval", help="precision and recall on a labelled corpus")
    _common(evaluate)
    evaluate.add_argument(
        "--corpus",
        metavar="FILE",
        action="append",
        help="labelled JSON lines (repeat for several corpora, each reported on its own)",
    )

    prune = sub.add_parser("prune", help="remove old articles that never produced an alert")
    _common(prune)
    prune.add_argument(
        "--older-than",
        type=_age,
        metavar="AGE",
        help="e.g. 180d, 26w, 1y (default: SANCTIONS_BOT_RETENTION, else 180d)",
    )
    prune.add_argument("--dry-run", action="store_true", help="say what would go; change nothing")

    backup = sub.add_parser("backup", help="write a verified copy of the database (bot may run)")
    _common(backup)
    backup.add_argument("file", metavar="FILE", help="where to write the copy (must not exist)")

    doctor = sub.add_parser("doctor", help="check configuration, token, database and each source")
    _common(doctor)
    doctor.add_argument(
        "--timeout", type=_seconds, default=15.0, metavar="S", help="per network check (15)"
    )
    return parser


def _age(text: str) -> timedelta:
    from bot.config import check_retention, parse_age
    from bot.errors import ConfigError

    try:
        age = parse_age(text, "--older-than")
        check_retention(age, "--older-than")
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return age


def _port_or_off(text: str) -> int:
    from bot.config import parse_port
    from bot.errors import ConfigError

    try:
        return parse_port(text, "--health-port")
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not 0.5 <= value <= 300:
        raise argparse.ArgumentTypeError(f"expected 0.5 to 300 seconds, got {text}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def _at_most(limit: int) -> Callable[[str], int]:
    """A whole number from 1 to `limit`, refused up front (not by SQLite later)."""

    def parse(text: str) -> int:
        value = _positive(text)
        if value > limit:
            raise argparse.ArgumentTypeError(f"expected a number of at most {limit:,}, got {text}")
        return value

    return parse


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is from 1 to 65535, not {value}")
    return value


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(db=args.db, sources=args.sources, rules=args.rules)


def _handler(args: argparse.Namespace) -> Callable[[argparse.Namespace, Settings], int]:
    from bot import commands

    if args.command == "rules":
        return commands.rules_check if args.rules_command == "check" else commands.rules_eval
    table: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
        "demo": commands.demo,
        "run": commands.run,
        "poll": commands.poll,
        "scan": commands.scan,
        "alerts": commands.alerts,
        "prune": commands.prune,
        "backup": commands.backup,
    }
    return table[args.command]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        fmt, level = log_options(verbose=args.verbose, service=args.command == "run")
        configure_logging(fmt, level)
        if args.command == "doctor":  # a bad setting is one of its verdicts, not an early exit
            from bot.commands import doctor

            return doctor(args)
        settings = _settings(args)
        return _handler(args)(args, settings)
    except UserInputError as exc:
        print(f"sanctions-bot: error: {exc}", file=sys.stderr)
        return 2
    except BotError as exc:
        print(f"sanctions-bot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
