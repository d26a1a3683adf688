"""`sanctions-bot doctor`: is everything wired right? One verdict line per check.

Checks, in order: configuration, rule packs, source catalog, the token (getMe at
TELEGRAM_API_URL), the database (file, integrity, schema version, size, disk
space) and every enabled source once (through the same fetcher and SSRF guard as
the poller, with a timeout). Nothing is written: the database is opened without
migrating, sources are fetched without storing. The token never appears in the
output: every line passes through the log redactor.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import httpx

from bot.config import Settings, load_settings
from bot.errors import BotError, SourceError
from bot.logging import Redactor
from bot.models import Source
from bot.sources.fetch import Fetcher
from bot.store.schema import MIGRATIONS

Verdict = Literal["ok", "warn", "FAIL"]
SQLITE_HEADER = b"SQLite format 3\x00"
MAX_CONCURRENT_SOURCES = 8


@dataclass(frozen=True)
class Check:
    """The outcome of one check."""

    name: str
    verdict: Verdict
    detail: str

    def line(self) -> str:
        """'ok    token                 @name (id 42) at api.telegram.org'"""
        return f"{self.verdict:<5} {self.name:<28} {self.detail}"


def run_doctor(args: argparse.Namespace, emit: Callable[[str], None]) -> int:
    """Run every check, printing each verdict as it comes; 1 when any failed."""
    token: str | None = None
    checks: list[Check] = []

    def report(check: Check) -> None:
        checks.append(check)
        emit(Redactor([token] if token else [])(check.line()))

    try:
        settings = load_settings(db=args.db, sources=args.sources, rules=args.rules)
    except BotError as exc:
        report(Check("config", "FAIL", str(exc)))
        return _summary(checks, emit)
    token = settings.token
    report(Check("config", "ok", _config_detail(settings)))
    report(_check_rules(settings))
    catalog, check = _check_catalog(settings)
    report(check)
    for check in asyncio.run(_network_checks(settings, catalog, args.timeout)):
        report(check)
    return _summary(checks, emit)


def _summary(checks: list[Check], emit: Callable[[str], None]) -> int:
    failed = sum(c.verdict == "FAIL" for c in checks)
    warned = sum(c.verdict == "warn" for c in checks)
    emit(f"doctor: {len(checks)} checks, {failed} failed, {warned} warnings")
    return 1 if failed else 0


def _config_detail(settings: Settings) -> str:
    alerted = settings.alert_retention
    keep = f"{alerted.days}d" if alerted else "for good"
    return (
        f"database {settings.db_path}; retention {settings.retention.days}d "
        f"(alerted: {keep}); Bot API at {urlsplit(settings.api_url).netloc}"
    )


def _check_rules(settings: Settings) -> Check:
    from bot.runtime import load_rules

    try:
        _, packs = load_rules(settings.rules_dir)
    except BotError as exc:
        return Check("rules", "FAIL", str(exc))
    return Check("rules", "ok", f"{len(packs)} packs in {settings.rules_dir}, compiled")


def _check_catalog(settings: Settings) -> tuple[list[Source], Check]:
    from bot.sources.catalog import load_catalog

    try:
        sources = load_catalog(settings.sources_path)
    except BotError as exc:
        return [], Check("sources file", "FAIL", str(exc))
    enabled = sum(s.enabled for s in sources)
    return sources, Check(
        "sources file",
        "ok",
        f"{len(sources)} sources ({enabled} enabled) in {settings.sources_path}",
    )


async def _network_checks(settings: Settings, catalog: list[Source], timeout: float) -> list[Check]:
    checks = [await check_token(settings, timeout)]
    db_checks, stored = check_database(settings.db_path)
    checks += db_checks
    sources = _sources(catalog, stored)
    checks += await check_sources(settings, sources, timeout)
    return checks


async def check_token(settings: Settings, timeout: float) -> Check:
    """getMe at TELEGRAM_API_URL: the token is set, accepted, and the API is reachable."""
    if not settings.token:
        return Check("token", "FAIL", "TELEGRAM_BOT_TOKEN is not set; get one from @BotFather")
    host = urlsplit(settings.api_url).netloc
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.post(f"{settings.api_url}{settings.token}/getMe")
    except httpx.HTTPError as exc:
        # Never the exception text: it may carry the request URL, and with it the token.
        return Check("token", "FAIL", f"cannot reach the Bot API at {host}: {type(exc).__name__}")
    if response.status_code == 401:
        return Check("token", "FAIL", f"{host} rejected the token (401): check TELEGRAM_BOT_TOKEN")
    if response.status_code == 404:
        return Check(
            "token", "FAIL", f"{host} answered 404: the token or TELEGRAM_API_URL is wrong"
        )
    try:
        payload = response.json()
        user = payload["result"] if payload.get("ok") else None
    except (ValueError, KeyError, AttributeError):
        user = None
    if not isinstance(user, dict):
        return Check(
            "token", "FAIL", f"{host} answered {response.status_code}, not a Bot API reply"
        )
    return Check("token", "ok", f"@{user.get('username')} (id {user.get('id')}) at {host}")


def check_database(path: Path) -> tuple[list[Check], list[Source]]:
    """File, integrity, schema version, size, disk space; the sources stored in it."""
    if not path.exists():
        return [Check("database", "warn", f"no database yet at {path}; `run` creates it")], []
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        return [Check("database", "FAIL", f"cannot read {path}: {exc.strerror}")], []
    if header != SQLITE_HEADER and path.stat().st_size > 0:
        return [Check("database", "FAIL", f"{path} is not an SQLite database")], []
    try:
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True)
        conn.execute("PRAGMA busy_timeout = 5000")
        return _database_checks(conn, path)
    except sqlite3.DatabaseError as exc:
        return [Check("database", "FAIL", f"{path} cannot be read: {exc}")], []


def _database_checks(conn: sqlite3.Connection, path: Path) -> tuple[list[Check], list[Source]]:
    try:
        started = time.perf_counter()
        problems = [str(r[0]) for r in conn.execute("PRAGMA integrity_check(5)").fetchall()]
        took = time.perf_counter() - started
        checks = [
            Check("database integrity", "ok", f"integrity_check ok ({took:.1f}s)")
            if problems == ["ok"]
            else Check("database integrity", "FAIL", "; ".join(problems) + " (restore a backup)")
        ]
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        checks.append(_schema_check(version))
        size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
        checks.append(_size_check(conn, path, size, version))
        checks.append(_disk_check(path, size))
        stored = _stored_sources(conn) if version == len(MIGRATIONS) else []
        return checks, stored
    finally:
        conn.close()


def _schema_check(version: int) -> Check:
    current = len(MIGRATIONS)
    if version > current:
        return Check(
            "database schema",
            "FAIL",
            f"version {version} was written by a newer sanctions-bot (this one knows {current}): "
            "upgrade, or restore the backup taken before the upgrade",
        )
    if version < current:
        return Check(
            "database schema",
            "warn",
            f"version {version}; the next start upgrades it to {current} (take a backup first)",
        )
    return Check("database schema", "ok", f"version {version} (current)")


def _size_check(conn: sqlite3.Connection, path: Path, size: int, version: int) -> Check:
    detail = f"{size / 1_000_000:,.1f} MB at {path}"
    if version >= 1:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        alerts = conn.execute("SELECT count(*) FROM alerts").fetchone()[0]
        waiting = conn.execute(
            "SELECT count(*) FROM alerts WHERE state IN ('pending', 'failed')"
        ).fetchone()[0]
        detail += f"; {articles:,} articles, {alerts:,} alerts ({waiting:,} waiting)"
    if int(conn.execute("PRAGMA auto_vacuum").fetchone()[0]) != 2:
        return Check(
            "database size", "warn", detail + "; no incremental vacuum yet (next start converts)"
        )
    return Check("database size", "ok", detail)


def _disk_check(path: Path, size: int) -> Check:
    free = shutil.disk_usage(path.parent).free
    detail = f"{free / 1_000_000_000:,.1f} GB free beside the database"
    if free < size:
        return Check("disk space", "warn", detail + ": less than the database (backups need it)")
    return Check("disk space", "ok", detail)


def _stored_sources(conn: sqlite3.Connection) -> list[Source]:
    import sqlite_utils

    from bot.store import Store

    return Store(sqlite_utils.Database(conn)).list_sources()


def _sources(catalog: list[Source], stored: list[Source]) -> list[Source]:
    """The enabled sources `run` would poll: the catalog, plus those admins added."""
    known = {s.id for s in catalog}
    merged = [*catalog, *(s for s in stored if s.id not in known)]
    return [s for s in merged if s.enabled]


async def check_sources(settings: Settings, sources: list[Source], timeout: float) -> list[Check]:
    """Fetch and parse each source once, a few at a time; one verdict per source."""
    from bot.sources.netguard import SystemResolver

    gate = asyncio.Semaphore(MAX_CONCURRENT_SOURCES)
    async with httpx.AsyncClient(follow_redirects=False) as client:
        fetcher = Fetcher(
            client, SystemResolver(), allow_private=settings.allow_private_network, timeout=timeout
        )

        async def one(source: Source) -> Check:
            async with gate:
                return await _check_source(fetcher, source, timeout)

        return list(await asyncio.gather(*(one(s) for s in sources)))


async def _check_source(fetcher: Fetcher, source: Source, timeout: float) -> Check:
    from bot.sources.parse import parse_feed

    name = f"source {source.id}"
    started = time.perf_counter()
    try:
        result = await asyncio.wait_for(fetcher.fetch(source, None), timeout)
        entries = parse_feed(result.body, source, result.final_url, result.content_type)
    except TimeoutError:
        return Check(name, "FAIL", f"no answer within {timeout:g}s")
    except SourceError as exc:
        return Check(name, "FAIL", exc.reason)
    except Exception as exc:  # one source's bug must not hide the others' verdicts
        return Check(name, "FAIL", f"internal error: {type(exc).__name__}")
    took = time.perf_counter() - started
    if not entries:
        return Check(name, "warn", f"answered, but no items ({took:.2f}s)")
    return Check(name, "ok", f"{len(entries)} items ({took:.2f}s)")
