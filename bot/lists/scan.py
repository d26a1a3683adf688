"""Reading one list file against the stored version: which entries are new or changed.

Runs in a worker thread (pure: a file and a digest map in, a ScanResult out), so a
100 MB parse never blocks the event loop. Only entries whose digest differs from the
stored one are kept in memory; the others leave nothing but their id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.errors import SourceError
from bot.lists.formats import Header, parsers
from bot.lists.model import ListedEntity


@dataclass(frozen=True)
class ScanResult:
    """What a file holds compared with the stored version."""

    published: str
    count: int  # entries in the file
    changed: tuple[ListedEntity, ...]  # new entries and entries whose compared fields changed
    removed: tuple[str, ...]  # ids stored as listed that the file no longer has


def scan(kind: str, path: Path, known: Mapping[str, str]) -> ScanResult:
    """Parse `path` as list `kind`, keeping what differs from `known` (id -> digest)."""
    parse = parsers().get(kind)
    if parse is None:
        raise SourceError(f"no parser for list kind {kind!r}", transient=False)
    header = Header()
    seen: set[str] = set()
    changed: list[ListedEntity] = []
    with path.open("rb") as handle:
        for entity in parse(handle, header):
            if entity.id in seen or not entity.names:
                continue  # a repeated id keeps its first entry; a nameless one is not usable
            seen.add(entity.id)
            if known.get(entity.id) != entity.digest():
                changed.append(entity.canonical())
    removed = tuple(sorted(set(known) - seen))
    return ScanResult(header.published, len(seen), tuple(changed), removed)
