"""The subcommands behind `sanctions-bot`; each returns the process exit code."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

from bot.config import Settings, data_dir
from bot.errors import UserInputError
from bot.runtime import Runtime, load_rules


def demo(args: argparse.Namespace, settings: Settings) -> int:
    """Run the pipeline over the bundled sample feeds and print the alerts."""
    from bot.demo import run_demo

    if args.db:
        run_demo(settings)
        return 0
    with tempfile.TemporaryDirectory(prefix="sanctions-bot-demo-") as tmp:
        run_demo(replace(settings, db_path=Path(tmp) / "demo.db"))
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the Telegram bot until SIGINT/SIGTERM."""
    from telegram.error import InvalidToken, NetworkError

    from bot.logging import install_redaction
    from bot.ops.health import health_config
    from bot.ops.maintenance import ensure_incremental_vacuum
    from bot.preflight import check_bot_api, rejected, unreachable
    from bot.telegram.app import run_bot

    token = settings.require_token()
    install_redaction(token)  # httpx logs URLs that carry the token; tracebacks too
    runtime = Runtime.open(settings)
    try:
        check_bot_api(token, settings.api_url)  # one clear line instead of a traceback
        # Once, for a database made before incremental vacuum, while nothing else runs yet.
        ensure_incremental_vacuum(runtime.store)
        port = args.health_port if args.health_port is not None else settings.health_port
        health = health_config(port, args.health_listen, webhook=args.webhook_url is not None)
        run_bot(
            runtime,
            webhook_url=args.webhook_url,
            listen=args.listen,
            port=args.port,
            health=health,
        )
    except InvalidToken:
        raise rejected(settings.api_url) from None
    except NetworkError as exc:
        raise unreachable(settings.api_url, token, exc) from None
    finally:
        runtime.close()
    return 0


def poll(args: argparse.Namespace, settings: Settings) -> int:
    """One ingest + match cycle over every enabled source, one status line per source."""
    import httpx

    runtime = Runtime.open(settings)

    async def cycle() -> list[str]:
        async with httpx.AsyncClient() as client:
            poller = runtime.make_poller(client)
            statuses = await poller.poll_once(runtime.active_sources())
        return [s.line() for s in statuses]

    try:
        lines = asyncio.run(cycle())
    finally:
        runtime.close()
    for line in lines:
        print(line)
    return 0


def scan(args: argparse.Namespace, settings: Settings) -> int:
    """Match articles from a file or stdin without a database."""
    from bot.matching.engine import Engine
    from bot.scan import match_record, read_documents

    if args.file == "-":
        data, name = sys.stdin.buffer.read(), "stdin"
    else:
        path = Path(args.file)
        try:
            data, name = path.read_bytes(), path.name
        except OSError as exc:
            raise UserInputError(f"cannot read {args.file}: {exc.strerror}") from None
    resolver, packs = load_rules(settings.rules_dir)
    engine = Engine.compile([p.rule() for p in packs], resolver)
    for doc in read_documents(data, name):
        for match in engine.match(doc):
            record = match_record(doc, match)
            if args.format == "jsonl":
                print(json.dumps(record, ensure_ascii=False))
            else:
                print(f"{doc.id}: {match.rule_name} [{', '.join(match.countries)}]")
                print(f"  why: {match.explanation}")
                print(f"  {match.summary}")
    return 0


def alerts(args: argparse.Namespace, settings: Settings) -> int:
    """Print the latest stored alerts."""
    from bot.delivery.format import format_alert, html_to_text
    from bot.store import Store

    if not settings.db_path.is_file():
        # Reading must not create an empty database where the user mistyped a path.
        raise UserInputError(f"no database at {settings.db_path} (set --db or SANCTIONS_BOT_DB)")
    store = Store.open(settings.db_path)
    try:
        views = (
            store.failed_alerts(limit=args.limit)
            if args.failed
            else store.recent_alerts(limit=args.limit)
        )
    finally:
        store.close()
    if args.json:
        print(json.dumps([asdict(v) for v in views], default=str, ensure_ascii=False, indent=1))
        return 0
    for view in views:
        print(f"#{view.id} chat {view.chat_id} [{view.state}] {view.created:%Y-%m-%d %H:%M}")
        print(html_to_text(format_alert(view)))
        if view.last_error:
            print(f"last error: {view.last_error}")
        print()
    if not views:
        print("no alerts")
    return 0


def rules_check(args: argparse.Namespace, settings: Settings) -> int:
    """Validate packs and run their embedded examples."""
    from bot.matching.gazetteer import load_gazetteer
    from bot.matching.packs import check_packs, load_packs

    path = Path(args.path) if args.path else settings.rules_dir
    packs = load_packs(path)
    failures = check_packs(packs, load_gazetteer())
    for failure in failures:
        print(failure)
    examples = sum(len(p.match_examples) + len(p.no_match_examples) for p in packs)
    print(f"{len(packs)} packs, {examples} examples, {len(failures)} failures")
    return 1 if failures else 0


def rules_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Precision and recall of the packs on a labelled corpus."""
    from bot.matching.evaluate import evaluate, format_report, load_corpus
    from bot.matching.gazetteer import load_gazetteer
    from bot.matching.packs import load_packs

    given = args.corpus if isinstance(args.corpus, list) else [args.corpus] if args.corpus else []
    corpora = [Path(c) for c in given] or [data_dir("tests") / "corpus" / "labelled.jsonl"]
    for corpus in corpora:
        if not corpus.is_file():
            raise UserInputError(f"corpus not found: {corpus} (pass --corpus FILE)")
    packs, gazetteer = load_packs(settings.rules_dir), load_gazetteer()
    reports = [(c, evaluate(load_corpus(c), packs, gazetteer)) for c in corpora]
    for index, (corpus, report) in enumerate(reports):
        if len(reports) > 1:
            print(("\n" if index else "") + f"== {corpus}")
        print(format_report(report))
    return 0


def prune(args: argparse.Namespace, settings: Settings) -> int:
    """Remove old never-alerted articles (or, with --dry-run, say what would go)."""
    from bot.ops.maintenance import policy_for, prune_file

    policy = policy_for(settings, args.older_than)
    report = prune_file(settings.db_path, policy, dry_run=args.dry_run)
    for line in report.lines():
        print(line)
    return 0


def backup(args: argparse.Namespace, settings: Settings) -> int:
    """Write a consistent, verified copy of the database; never overwrites."""
    from bot.ops.backup import backup_database

    for line in backup_database(settings.db_path, Path(args.file)).lines():
        print(line)
    return 0


def doctor(args: argparse.Namespace) -> int:
    """One verdict line per check; exit 1 when any check fails."""
    from bot.ops.doctor import run_doctor

    return run_doctor(args, print)
