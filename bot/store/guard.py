"""The store boundary: an sqlite3 error leaves a public Store method as a StoreError.

Every public method of every Store mixin (and of the retention Pruner) is wrapped
once, when its class is created (`StoreBase.__init_subclass__`, `guard_class`): a
newcomer's new method is covered without writing anything. Only the outermost store
call converts: a store method that calls another one and handles an sqlite3 error
itself (a read-only connection, a lost insert race) still sees the raw error, as it
always did. Errors the store raises on purpose (UserInputError for a bad search,
BadDatabaseError) are not sqlite3 errors and pass unchanged.

The message names the operation and SQLite's short reason, never the SQL, with a
hint for the failures an operator can do something about.
"""

from __future__ import annotations

import functools
import inspect
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from bot.errors import StoreError

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_depth = threading.local()  # store calls in progress on this thread
GUARDED = "__store_guarded__"

_HINTS = (
    ("locked", "another process is writing to the database; try again in a moment"),
    ("busy", "another process is writing to the database; try again in a moment"),
    ("readonly", "the database file or its folder is not writable by this user"),
    ("disk is full", "free some disk space"),
    ("disk i/o", "check the disk the database is on"),
    ("malformed", "the database file is damaged; restore a backup"),
)


def describe(operation: str, exc: sqlite3.Error) -> str:
    """One line for people: the operation, SQLite's reason (never the SQL), a hint."""
    reason = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
    hint = next((h for marker, h in _HINTS if marker in reason.lower()), "")
    line = f"database error ({operation.strip('_').replace('_', ' ')}): {reason}"
    return f"{line}; {hint}" if hint else line


def _outermost() -> bool:
    return not getattr(_depth, "n", 0)


@contextmanager
def converting(operation: str) -> Iterator[None]:
    """Turn an sqlite3 error raised inside into StoreError, unless a store call encloses it."""
    try:
        yield
    except sqlite3.Error as exc:
        if not _outermost():
            raise
        raise StoreError(describe(operation, exc)) from exc


def guarded(method: F) -> F:
    """`method` with sqlite3 errors converted at the outermost store call."""
    name = method.__name__
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generate(*args: Any, **kwargs: Any) -> Any:
            with converting(name):  # raised while the caller iterates
                yield from method(*args, **kwargs)

        setattr(generate, GUARDED, True)
        return generate  # type: ignore[return-value]

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        depth = getattr(_depth, "n", 0)
        _depth.n = depth + 1
        try:
            return method(*args, **kwargs)
        except sqlite3.Error as exc:
            if depth:
                raise
            raise StoreError(describe(name, exc)) from exc
        finally:
            _depth.n = depth

    setattr(call, GUARDED, True)
    return call  # type: ignore[return-value]


def guard_class(cls: type[T]) -> type[T]:
    """Wrap the public methods `cls` itself defines (context managers guard themselves)."""
    for name, value in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(value) or getattr(value, GUARDED, False):
            continue
        if inspect.isgeneratorfunction(getattr(value, "__wrapped__", None)):
            continue  # a @contextmanager: see StoreBase.transaction
        setattr(cls, name, guarded(value))
    return cls
