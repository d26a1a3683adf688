"""Security gaps found by probing the bot as an attacker would; each fails on the old code."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import PackError
from bot.matching.packs import load_pack
from bot.sources.netguard import blocked_reason
from bot.store import Store
from bot.store.schema import MIGRATIONS
from tests.support.botapi import BotApiServer

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "222222:WRONGTOKENWRONGTOKENWRONGTOKEN1234"


def _cli(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {
        **os.environ,
        "SANCTIONS_BOT_DB": str(tmp_path / "bot.db"),
        "PYTHONPATH": str(ROOT),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=full,
        check=False,
    )


# -- the token never reaches the terminal; a bad API is one line ---------------------------


def test_rejected_token_is_one_line_without_the_token(tmp_path: Path) -> None:
    server = BotApiServer(token="111111:RIGHTTOKENRIGHTTOKENRIGHTTOKEN12345").start()
    try:
        proc = _cli(["run"], tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=server.base_url)
    finally:
        server.stop()
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "rejected" in lines[0] and "@BotFather" in lines[0]


def test_unreachable_api_is_one_line(tmp_path: Path) -> None:
    proc = _cli(
        ["run"], tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL="http://127.0.0.1:1/bot"
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "cannot reach the Telegram Bot API" in lines[0] and "127.0.0.1:1" in lines[0]
    assert TOKEN.split(":")[1] not in output


# -- SSRF: addresses that embed an IPv4 address are judged by it --------------------------


@pytest.mark.parametrize(
    ("address", "label"),
    [
        ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:c0a8:101::1", "private"),  # 6to4 of 192.168.1.1
        ("2002:a9fe:a9fe::", "link-local"),  # 6to4 of the metadata address
        ("fec0::1", "site-local"),  # deprecated site-local
        ("fec0:1:2:3::4", "site-local"),
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("64:ff9b::a00:5", "private"),  # NAT64 of 10.0.0.5
        ("2001:0:4136:e378:8000:63bf:80ff:fefe", "loopback"),  # Teredo client 127.0.1.1
        ("2001:0:c0a8:101:0:f227:a3ca:c8cd", "private"),  # Teredo server 192.168.1.1
    ],
)
def test_embedded_ipv4_addresses_are_judged_by_what_they_embed(address: str, label: str) -> None:
    reason = blocked_reason(address)
    assert reason is not None and label in reason, reason


@pytest.mark.parametrize(
    "address",
    [
        "2002:808:808::1",  # 6to4 of 8.8.8.8
        "64:ff9b::808:808",  # NAT64 of 8.8.8.8
        "2001:0:4136:e378:8000:63bf:f7f7:f7f7",  # Teredo 65.54.227.120 / client 8.8.8.8
    ],
)
def test_embedded_public_ipv4_passes(address: str) -> None:
    assert blocked_reason(address) is None


# -- bidi controls -----------------------------------------------------------------------


def test_strip_bidi_removes_every_embedding_override_and_isolate() -> None:
    from bot.textsafe import BIDI_CONTROLS, strip_bidi

    assert {f"{c:04X}" for c in map(ord, BIDI_CONTROLS)} == {
        "202A", "202B", "202C", "202D", "202E", "2066", "2067", "2068", "2069",
    }  # fmt: skip
    text = "Sanctions \u202egnp.exe\u202c on \u2067Iran\u2069 \u200fok"
    assert strip_bidi(text) == "Sanctions gnp.exe on Iran \u200fok"  # marks (RLM) stay
    assert strip_bidi("plain") == "plain"


def test_stored_articles_carry_no_bidi_controls(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from bot.models import FeedEntry

    store = Store.open(tmp_path / "bot.db")
    entry = FeedEntry(
        "wire", "g1", "https://x.test/1", "EU \u202elists\u202c firms", "Text \u2066x\u2069",
        datetime(2026, 11, 27, tzinfo=UTC),
    )  # fmt: skip
    article = store.add_article(entry)
    assert article is not None
    assert article.title == "EU lists firms" and article.text == "Text x"


# -- the database file ---------------------------------------------------------------------


def test_new_database_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        Store.open(tmp_path / "bot.db").close()
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "bot.db").stat().st_mode)
    assert mode == 0o600, oct(mode)


def _real_db(path: Path) -> None:
    store = Store.open(path)
    store.db.execute("INSERT INTO chats (id, created) VALUES (1, '2026-01-01')")
    store.close()


def _not_sqlite(path: Path) -> None:
    path.write_text("id,title\n1,hello\n", encoding="utf-8")


def _truncated(path: Path) -> None:
    _real_db(path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = DELETE")  # fold the WAL back into the file
    con.execute("CREATE TABLE filler (x TEXT)")
    con.executemany("INSERT INTO filler VALUES (?)", [("x" * 500,)] * 200)
    con.commit()
    con.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _newer(path: Path) -> None:
    _real_db(path)
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    con.close()


def _missing_table(path: Path) -> None:
    _real_db(path)
    con = sqlite3.connect(path)
    con.execute("DROP TABLE deliveries")
    con.close()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_not_sqlite, "not an SQLite database"),
        (_truncated, "truncated or damaged"),
        (_newer, "newer"),
        (_missing_table, "missing table"),
    ],
)
@pytest.mark.parametrize("command", [["alerts"], ["poll", "--once"]])
def test_a_bad_database_is_one_line_and_exit_2(
    tmp_path: Path, make: object, words: str, command: list[str]
) -> None:
    db = tmp_path / "bot.db"
    make(db)  # type: ignore[operator]
    before = db.read_bytes()
    catalog = tmp_path / "sources.yaml"
    catalog.write_text("sources: []\n", encoding="utf-8")
    proc = _cli(command, tmp_path, SANCTIONS_BOT_SOURCES=str(catalog))
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(lines) == 1 and words in lines[0], lines
    assert db.read_bytes() == before  # nothing written to it


# -- packs and command-line options ---------------------------------------------------------


@pytest.mark.parametrize("op", ["NEAR/5", "/s", "/p"])
def test_a_pack_with_a_long_proximity_chain_is_a_pack_error(tmp_path: Path, op: str) -> None:
    pack = tmp_path / "chain.yaml"
    chain = f" {op} ".join(["ab"] * 1500)  # within the length limit
    pack.write_text(f"id: chain\nname: Chain\nquery: '{chain}'\n", encoding="utf-8")
    with pytest.raises(PackError, match="query"):
        load_pack(pack)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["alerts", "--limit", "99999999999999999999999"], "--limit"),
        (["alerts", "--limit", "100001"], "--limit"),
        (["run", "--port", "99999"], "--port"),
        (["run", "--port", "0"], "--port"),
    ],
)
def test_out_of_range_options_are_refused_up_front(
    tmp_path: Path, args: list[str], words: str
) -> None:
    _real_db(tmp_path / "bot.db")
    proc = _cli(args, tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL="http://127.0.0.1:1/bot")
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and words in lines[0], lines


@pytest.mark.parametrize("where", ["main", "thread"])
def test_an_uncaught_traceback_never_shows_the_token(tmp_path: Path, where: str) -> None:
    code = (
        "import threading\n"
        "from bot.logging import install_redaction\n"
        f"install_redaction({TOKEN!r})\n"
        f"def boom(): raise RuntimeError('The token `{TOKEN}` was rejected by the server.')\n"
        + ("t = threading.Thread(target=boom); t.start(); t.join()\n" if where == "thread" else "boom()\n")
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False,
    )  # fmt: skip
    assert "RuntimeError" in proc.stderr and "<redacted>" in proc.stderr
    assert TOKEN.split(":")[1] not in proc.stderr + proc.stdout
