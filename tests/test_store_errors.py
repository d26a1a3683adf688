"""The store boundary: SQLite's failures leave public Store methods as StoreError, in one line."""

from __future__ import annotations

import inspect
import sqlite3
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.errors import BotError, StoreError, UserInputError
from bot.models import FeedEntry, Source
from bot.store import Store
from bot.store.guard import GUARDED
from bot.store.retention import Pruner, RetentionPolicy
from tests.support.clock import FakeClock


@pytest.fixture
def store(store: Store) -> Store:
    """The shared store (tests/conftest.py) with chat 1."""
    store.upsert_chat(1)
    return store


def test_every_public_store_method_is_guarded() -> None:
    # Automatic (StoreBase.__init_subclass__): a method a newcomer adds is covered too.
    public = [
        name
        for name, value in inspect.getmembers(Store, inspect.isfunction)
        if not name.startswith("_") and name != "transaction"  # it guards its own statements
    ]
    assert len(public) > 80
    assert [n for n in public if not getattr(getattr(Store, n), GUARDED, False)] == []
    assert getattr(Pruner.prune, GUARDED, False) and getattr(Pruner.plan, GUARDED, False)


CALLS: list[tuple[str, str, Callable[[Store], Any]]] = [
    ("mutes", "mutes", lambda s: s.mutes(1, s.clock())),
    ("mutes", "mute", lambda s: s.mute(1, "pack:eu", s.clock() + timedelta(hours=1))),
    ("mutes", "unmute", lambda s: s.unmute(1)),
    ("watches", "watches", lambda s: s.watches(1)),
    ("watches", "add_watch", lambda s: s.add_watch(1, "sanctions")),
    ("deliveries", "log_delivery", lambda s: s.log_delivery(1, "sent")),
    ("list_entities", "all_listed", lambda s: list(s.all_listed())),  # a generator
    ("subscriptions", "subscribe", lambda s: s.subscribe(1, ["eu"])),
]


@pytest.mark.parametrize(("table", "method", "call"), CALLS, ids=[c[1] for c in CALLS])
def test_a_dropped_table_is_a_store_error_naming_the_operation(
    store: Store, table: str, method: str, call: Callable[[Store], Any]
) -> None:
    store.db.execute("PRAGMA foreign_keys = OFF")
    store.db.execute(f"DROP TABLE {table}")
    with pytest.raises(StoreError) as raised:
        call(store)
    message = str(raised.value)
    assert message.startswith(f"database error ({method.replace('_', ' ')}): ")
    assert f"no such table: {table}" in message
    assert "SELECT" not in message and "INSERT" not in message and "\n" not in message
    assert isinstance(raised.value.__cause__, sqlite3.OperationalError)
    assert isinstance(raised.value, BotError) and not isinstance(raised.value, UserInputError)


@pytest.fixture
def locked(tmp_path: Path, store: Store) -> Iterator[sqlite3.Connection]:
    """Another process's write transaction holds the database; the store waits no time."""
    store.db.execute("PRAGMA busy_timeout = 0")
    other = sqlite3.connect(tmp_path / "bot.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE chats SET title = 'held' WHERE id = 1")
    yield other
    other.close()


def test_a_locked_database_is_a_store_error_with_what_to_do(
    store: Store, locked: sqlite3.Connection
) -> None:
    with pytest.raises(StoreError) as raised:
        store.upsert_chat(5)
    assert str(raised.value) == (
        "database error (upsert chat): database is locked; "
        "another process is writing to the database; try again in a moment"
    )
    began = r"^database error \(begin a transaction\): database is locked"
    with pytest.raises(StoreError, match=began), store.transaction():
        pytest.fail("the body must not run without the lock")
    assert store.get_chat(5) is None  # reads go on (WAL); nothing half-written
    locked.execute("ROLLBACK")
    store.upsert_chat(5)
    assert store.get_chat(5) is not None


def test_errors_a_store_method_handles_itself_stay_handled(store: Store) -> None:
    # check_prefixes calls prepare_search and copes with a read-only connection (the
    # reader threads): only the outermost call converts, so that still works.
    store.db.execute("PRAGMA query_only = ON")
    with pytest.raises(StoreError, match="readonly"):
        store.prepare_search()
    assert store.check_prefixes("sanct*") is None
    store.db.execute("PRAGMA query_only = OFF")


def test_deliberate_errors_pass_unchanged(store: Store) -> None:
    # bounded_query turns SQLite's "interrupted" into a UserInputError of its own.
    store.sync_sources([Source("s", "S", "https://example.org/rss")])
    for n in range(200):
        store.add_article(FeedEntry("s", f"g{n}", f"https://example.org/{n}", f"Sanctions {n}",
                                    f"Council sanctions number {n} adopted today."))  # fmt: skip
    with pytest.raises(UserInputError, match="too broad") as raised:
        store.search_articles("sanctions", budget_s=-1.0)
    assert not isinstance(raised.value, StoreError)
    with pytest.raises(UserInputError, match="longer than"):
        store.search_articles("sanctions " * 200)


def test_the_body_of_a_transaction_keeps_its_own_exceptions(store: Store) -> None:
    # Raw SQL in the body is the caller's business; the store's methods convert their own.
    with pytest.raises(sqlite3.OperationalError), store.transaction():
        store.db.execute("SELECT * FROM no_such_table")
    with pytest.raises(ValueError), store.transaction():
        raise ValueError("not the store's")


def test_the_pruner_raises_store_errors_too(store: Store, clock: FakeClock) -> None:
    store.db.execute("PRAGMA foreign_keys = OFF")
    store.db.execute("DROP TABLE alerts")
    with pytest.raises(StoreError, match=r"^database error \(plan\): no such table: alerts"):
        Pruner(store.db, RetentionPolicy(), clock).plan()


def test_the_cli_says_it_in_one_line(
    tmp_path: Path,
    store: Store,
    locked: sqlite3.Connection,
    capsys: pytest.CaptureFixture[str],
) -> None:
    catalog = tmp_path / "sources.yaml"
    catalog.write_text(
        "sources:\n  - id: one\n    name: One\n    url: http://127.0.0.1:9/feed.xml\n",
        encoding="utf-8",
    )
    # `poll` stores the catalog first; the other writer keeps the lock past the 5 s wait.
    code = main(["poll", "--once", "--db", str(tmp_path / "bot.db"), "--sources", str(catalog)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines() == [
        "sanctions-bot: database error (sync sources): database is locked; "
        "another process is writing to the database; try again in a moment"
    ]
