"""Official lists: versions, entity states, change items, and the list view of an alert."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.lists.diff import Change
from bot.lists.kinds import LABELS, PAGES
from bot.lists.model import ListedEntity, entity_from_json
from bot.models import (
    AlertView,
    Article,
    ListChangeView,
    ListedMention,
    ListPublicationView,
    Source,
)
from bot.sources.dedup import content_hash
from bot.store.base import StoreBase, iso

_TOKEN = re.compile(r"\w+")


class ListsMixin(StoreBase):
    """Versions of official lists and the articles their changes became."""

    # -- versions and entity states ----------------------------------------

    def list_digests(self, source_id: str) -> dict[str, str]:
        """Entity id -> digest of every entry currently on the list."""
        rows = self.db.execute(
            "SELECT entity_id, digest FROM list_entities "
            "WHERE source_id = ? AND last_version IS NULL",
            [source_id],
        ).fetchall()
        return {str(r[0]): str(r[1]) for r in rows}

    def listed_entities(self, source_id: str, ids: Iterable[str]) -> dict[str, ListedEntity]:
        """The current state of some entries (for amended-field diffs and removals)."""
        found: dict[str, ListedEntity] = {}
        wanted = list(ids)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT entity_id, data FROM list_entities WHERE source_id = ? "
                f"AND last_version IS NULL AND entity_id IN ({marks})",
                [source_id, *chunk],
            ).fetchall()
            found.update({str(r[0]): entity_from_json(r[1]) for r in rows})
        return found

    def all_listed(self) -> Iterator[tuple[str, ListedEntity]]:
        """(list label, entity) for every entry currently on any list."""
        rows = self.db.execute(
            "SELECT coalesce(s.kind, ''), e.data FROM list_entities e "
            "LEFT JOIN sources s ON s.id = e.source_id WHERE e.last_version IS NULL"
        )
        for kind, data in rows:
            yield LABELS.get(kind, kind), entity_from_json(data)

    def has_list_version(self, source_id: str) -> bool:
        """Whether a baseline of this list is stored."""
        row = self.db.execute(
            "SELECT 1 FROM list_versions WHERE source_id = ? LIMIT 1", [source_id]
        ).fetchone()
        return row is not None

    def add_list_version(
        self,
        source_id: str,
        *,
        published: str,
        content_hash: str,
        entities: int,
        counts: Counter[str],
        baseline: bool,
    ) -> tuple[int, int | None]:
        """Record a version; returns (version id, story id of its items or None)."""
        with self.transaction():
            story_id = None
            if not baseline and counts.total():
                cur = self.db.execute(
                    "INSERT INTO stories (fingerprint, created) VALUES (?, ?)",
                    [f"list:{source_id}:{content_hash[:16]}", self.now()],
                )
                story_id = int(cur.lastrowid or 0)
            cur = self.db.execute(
                "INSERT INTO list_versions (source_id, fetched, published, content_hash, "
                "entities, added, removed, amended, baseline, story_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    source_id,
                    self.now(),
                    published or None,
                    content_hash,
                    entities,
                    counts["added"],
                    counts["removed"],
                    counts["amended"],
                    int(baseline),
                    story_id,
                ],
            )
        return int(cur.lastrowid or 0), story_id

    def store_list_entities(
        self, source_id: str, version_id: int, entities: Iterable[ListedEntity]
    ) -> None:
        """Open a new state for each entity (close its previous one first if any)."""
        with self.transaction():
            for entity in entities:
                self.db.execute(
                    "UPDATE list_entities SET last_version = ? WHERE source_id = ? "
                    "AND entity_id = ? AND last_version IS NULL",
                    [version_id, source_id, entity.id],
                )
                self.db.execute(
                    "INSERT INTO list_entities (source_id, entity_id, digest, data, "
                    "first_version) VALUES (?, ?, ?, ?, ?)",
                    [source_id, entity.id, entity.digest(), entity.to_json(), version_id],
                )

    def close_list_entities(self, source_id: str, version_id: int, ids: Iterable[str]) -> None:
        """Entries no longer on the list."""
        with self.transaction():
            for entity_id in ids:
                self.db.execute(
                    "UPDATE list_entities SET last_version = ? WHERE source_id = ? "
                    "AND entity_id = ? AND last_version IS NULL",
                    [version_id, source_id, entity_id],
                )

    # -- change items -------------------------------------------------------

    def add_change_item(
        self,
        source: Source,
        version_id: int,
        story_id: int,
        change: Change,
        title: str,
        text: str,
        published: datetime | None,
    ) -> Article:
        """Store one change as an article of the publication's story, and its change row."""
        entity = change.entity
        url = entity.url or PAGES.get(source.kind, source.url)
        canonical = f"urn:list:{source.id}:{version_id}:{change.kind}:{entity.id}"
        with self.transaction():
            article = self._insert_item(source, canonical, url, title, text, published, story_id)
            self.db.execute(
                "INSERT INTO list_changes (version_id, source_id, entity_id, change, fields, "
                "data, article_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    version_id,
                    source.id,
                    entity.id,
                    change.kind,
                    json.dumps([f.describe() for f in change.fields], ensure_ascii=False),
                    entity.to_json(),
                    article.id,
                ],
            )
        return article

    def add_pending_item(
        self, source: Source, announcement: Article, title: str, text: str
    ) -> Article:
        """An 'announced, not yet listed' item: its own story, linking the release."""
        canonical = f"urn:list:{source.id}:pending:{announcement.id}"
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO stories (fingerprint, created) VALUES (?, ?)",
                [canonical, self.now()],
            )
            story_id = int(cur.lastrowid or 0)
            return self._insert_item(
                source, canonical, announcement.url, title, text, None, story_id
            )

    def _insert_item(
        self,
        source: Source,
        canonical: str,
        url: str,
        title: str,
        text: str,
        published: datetime | None,
        story_id: int,
    ) -> Article:
        cur = self.db.execute(
            "INSERT INTO articles (source_id, guid, url, canonical_url, title, text, "
            "published, fetched, content_hash, story_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source.id,
                canonical,
                url,
                canonical,
                title,
                text,
                iso(published),
                self.now(),
                content_hash(title, text),
                story_id,
            ],
        )
        article = self.get_article(int(cur.lastrowid or 0))
        assert article is not None
        return article

    def announcements(self, since: datetime, until: datetime, list_label: str) -> list[Article]:
        """Official releases fetched in [since, until] not yet checked against `list_label`."""
        rows = self.db.execute(
            "SELECT a.id FROM articles a JOIN sources s ON s.id = a.source_id "
            "WHERE s.tier = 'official' AND a.canonical_url NOT LIKE 'urn:list:%' "
            "AND a.fetched >= ? AND a.fetched <= ? AND NOT EXISTS (SELECT 1 FROM "
            "list_pending p WHERE p.article_id = a.id AND p.list_label = ?) ORDER BY a.id",
            [iso(since), iso(until), list_label],
        ).fetchall()
        found = (self.get_article(int(r[0])) for r in rows)
        return [a for a in found if a is not None]

    def mark_announcement_checked(self, article_id: int, list_label: str, missing: int) -> None:
        """An announcement was checked against a list (it is not checked again)."""
        with self.transaction():
            self.db.execute(
                "INSERT OR REPLACE INTO list_pending (article_id, list_label, checked, missing) "
                "VALUES (?, ?, ?, ?)",
                [article_id, list_label, self.now(), missing],
            )

    def get_article(self, article_id: int) -> Article | None:
        """Provided by ArticlesMixin, which comes later in the Store's MRO."""
        return super().get_article(article_id)  # type: ignore[misc]

    def announcing_article(self, entity: ListedEntity, since: datetime) -> int | None:
        """The newest non-list article since `since` that names the entry (FTS), if any."""
        for name in entity.names[:6]:
            tokens = _name_tokens(name.latin or name.value, person=entity.type == "person")
            if len(tokens) < 2 and entity.type == "person":
                continue  # a lone surname names too many people
            query = " AND ".join(f'"{t}"' for t in tokens[:4])
            if not query:
                continue
            row = self.db.execute(
                "SELECT a.id FROM articles_fts f JOIN articles a ON a.id = f.rowid "
                "WHERE articles_fts MATCH ? AND a.fetched >= ? "
                "AND a.canonical_url NOT LIKE 'urn:list:%' ORDER BY a.id DESC LIMIT 1",
                [query, iso(since)],
            ).fetchone()
            if row is not None:
                return int(row[0])
        return None

    def set_announced(self, article_id: int, announced_by: int) -> None:
        """Link a change item to the press release that named the entry first."""
        with self.transaction():
            self.db.execute(
                "UPDATE list_changes SET announced_by = ? WHERE article_id = ?",
                [announced_by, article_id],
            )

    def record_mentions(self, article_id: int, mentions: Sequence[ListedMention]) -> None:
        """Listed persons/entities an article names (shown with its alerts)."""
        with self.transaction():
            for m in mentions:
                self.db.execute(
                    "INSERT OR REPLACE INTO article_listings (article_id, name, lists) "
                    "VALUES (?, ?, ?)",
                    [article_id, m.name, json.dumps(list(m.lists))],
                )

    # -- the list view of an alert -----------------------------------------

    def alert_view(
        self, alert_id: int, chat_id: int | None = None, *, full: bool = False
    ) -> AlertView | None:
        """The alert (AlertViewsMixin) with its list publication or listed mentions added."""
        view: AlertView | None = super().alert_view(  # type: ignore[misc]
            alert_id, chat_id, full=full
        )
        if view is None:
            return None
        publication = self.list_publication(view)
        if publication is not None:
            return replace(view, listing=publication)
        mentions = self.db.execute(
            "SELECT name, lists FROM article_listings WHERE article_id = ? ORDER BY name",
            [view.article_id],
        ).fetchall()
        if mentions:
            listed = tuple(ListedMention(str(n), tuple(json.loads(ls))) for n, ls in mentions)
            return replace(view, listed=listed)
        return view

    def list_publication(self, view: AlertView) -> ListPublicationView | None:
        """The publication behind an alert's story, with the changes this chat's rules matched."""
        row = self.db.execute(
            "SELECT v.*, coalesce(s.kind, '') AS kind, coalesce(s.url, '') AS url "
            "FROM list_versions v LEFT JOIN sources s ON s.id = v.source_id "
            "WHERE v.story_id = ?",
            [view.story_id],
        ).fetchone()
        if row is None:
            return None
        cols = [d[0] for d in self.db.execute("SELECT * FROM list_versions LIMIT 0").description]
        version = dict(zip([*cols, "kind", "url"], row, strict=True))
        rows = self._chat_changes(view)
        changes = [self._change_view(r) for r in rows]
        programs = [entity_from_json(r["data"]).programs for r in rows]
        return ListPublicationView(
            list_label=LABELS.get(version["kind"]) or str(version["source_id"]),
            source_url=PAGES.get(version["kind"]) or str(version["url"]),
            published=version["published"] or "",
            added=version["added"],
            removed=version["removed"],
            amended=version["amended"],
            changes=tuple(changes),
            topic=_topic(programs),
        )

    def _chat_changes(self, view: AlertView) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "SELECT DISTINCT c.id, c.change, c.entity_id, c.fields, c.data, "
                "p.title AS announced_title, p.url AS announced_url FROM list_changes c "
                "LEFT JOIN articles p ON p.id = c.announced_by "
                # Every match the chat's alert for this story carries (issue 13 links
                # them all, whichever rule leads), and only change items of this story.
                "WHERE c.article_id IN (SELECT m.article_id FROM alerts a "
                "JOIN alert_matches am ON am.alert_id = a.id "
                "JOIN matches m ON m.id = am.match_id "
                "WHERE a.chat_id = ? AND a.thread_id = ? AND a.story_id = ?) "
                "AND c.article_id IN (SELECT id FROM articles WHERE story_id = ?) "
                "ORDER BY c.id",
                [view.chat_id, view.thread_id, view.story_id, view.story_id],
            )
        )

    def _change_view(self, row: dict[str, Any]) -> ListChangeView:
        from bot.lists.present import key_facts

        entity = entity_from_json(row["data"])
        announced = None
        if row["announced_title"]:
            announced = (str(row["announced_title"]), str(row["announced_url"] or ""))
        return ListChangeView(
            kind=row["change"],
            entity_id=entity.id,
            name=entity.name,
            entity_type=entity.type,
            facts=key_facts(entity),
            fields=tuple(json.loads(row["fields"])),
            url=entity.url,
            announced_by=announced,
        )


def _name_tokens(name: str, *, person: bool) -> list[str]:
    """Words a press release would use: 'LAST, First Middle' -> last + first (no patronymic)."""
    last, comma, given = name.partition(",")
    if person and comma:
        return _TOKEN.findall(last.casefold()) + _TOKEN.findall(given.casefold())[:1]
    return _TOKEN.findall(name.casefold())


def _topic(programs: Sequence[tuple[str, ...]]) -> str:
    """What the shown changes concern: 'Russia-related', or 'Belarus · Iran · Russia' when mixed."""
    from bot.lists.present import program_topic

    topics: Counter[str] = Counter()
    for entry in programs:
        topics.update({program_topic(p) for p in entry})
    if not topics:
        return ""
    ranked = topics.most_common()
    top, count = ranked[0]
    if count * 2 > len(programs) and (len(ranked) == 1 or count > ranked[1][1]):
        return top
    return " · ".join(sorted(t.removesuffix("-related") for t, _ in ranked[:3]))
