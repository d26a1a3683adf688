"""Articles, stories and full-text search."""

from __future__ import annotations

import contextlib
import difflib
import re
import sqlite3
import time
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.errors import UserInputError
from bot.models import Article, FeedEntry
from bot.sources.dedup import (
    canonical_url,
    content_hash,
    min_shared,
    same_story,
    story_fingerprint,
)
from bot.store.base import StoreBase, iso, parse_iso
from bot.textsafe import strip_bidi

STORY_WINDOW = timedelta(hours=72)
MAX_STORY_CANDIDATES = 5000
# Below this much text, a title-only item would collide with every recurring
# headline ("Daily press briefing"), so the content hash does not count.
MIN_HASHED_TEXT = 80
MAX_QUERY_LENGTH = 500
SEARCH_WINDOW = 200  # newest hits ranked by relevance for /search
# A search is bounded before it runs (terms, wildcards, words a wildcard stands for) and
# while it runs (a time budget through SQLite's progress handler): FTS5 merges the
# posting list of every word a prefix expands to, so `c* c* c* …` was 21 s at 20,000
# articles.
MAX_SEARCH_TERMS = 12
MAX_PREFIX_TERMS = 4
MAX_PREFIX_WORDS = 300  # distinct indexed words one `stem*` may stand for
SEARCH_BUDGET_S = 2.0
PROGRESS_STEPS = 2_000  # SQLite VM steps between two looks at the clock
_QUERY_TOKEN = re.compile(r'\s*(-?)(?:"([^"]*)("?)|(\S+))')
_WORD = re.compile(r"\w", re.UNICODE)
_VOCAB = "temp.articles_vocab"


class ArticlesMixin(StoreBase):
    """Articles, stories and full-text search."""

    def add_article(self, entry: FeedEntry) -> Article | None:
        """Store a new article and assign its story; None when it is a duplicate.

        Bidi controls in the title and text are dropped first (bot.textsafe): nothing the
        bot later shows from the article can reorder what a reader sees."""
        entry = replace(entry, title=strip_bidi(entry.title), text=strip_bidi(entry.text))
        canonical = canonical_url(entry.url) if entry.url else f"urn:{entry.source_id}:{entry.guid}"
        digest = content_hash(entry.title, entry.text)
        fetched = self.now()
        try:
            with self.transaction():
                if self._is_duplicate(entry, canonical, digest):
                    return None
                story_id = self._hash_twin_story(entry, digest) or self._story_for(entry)
                cur = self.db.execute(
                    "INSERT INTO articles (source_id, guid, url, canonical_url, title, text, "
                    "published, fetched, content_hash, story_id) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        entry.source_id,
                        entry.guid,
                        entry.url,
                        canonical,
                        entry.title,
                        entry.text,
                        iso(entry.published),
                        fetched,
                        digest,
                        story_id,
                    ],
                )
        except sqlite3.IntegrityError:
            return None  # lost a race with another writer for the same item
        return self.get_article(int(cur.lastrowid or 0))

    def _is_duplicate(self, entry: FeedEntry, canonical: str, digest: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM articles WHERE (source_id = ? AND guid = ?) OR canonical_url = ? "
            "LIMIT 1",
            [entry.source_id, entry.guid, canonical],
        ).fetchone()
        if row is not None:
            return True
        if len(entry.text.strip()) < MIN_HASHED_TEXT:
            return False
        # The same text from another source is that source's copy of the story: kept, so
        # the alert can list it (and lead with it when it is the official one).
        row = self.db.execute(
            "SELECT 1 FROM articles WHERE content_hash = ? AND source_id = ? LIMIT 1",
            [digest, entry.source_id],
        ).fetchone()
        return row is not None

    def _hash_twin_story(self, entry: FeedEntry, digest: str) -> int | None:
        """The story of the same text from another source (when this source is not in it)."""
        if len(entry.text.strip()) < MIN_HASHED_TEXT:
            return None
        row = self.db.execute(
            "SELECT a.story_id FROM articles a WHERE a.content_hash = ? AND NOT EXISTS "
            "(SELECT 1 FROM articles b WHERE b.story_id = a.story_id AND b.source_id = ?) "
            "ORDER BY a.id LIMIT 1",
            [digest, entry.source_id],
        ).fetchone()
        return int(row[0]) if row else None

    def _story_for(self, entry: FeedEntry) -> int:
        """An existing story with a near-duplicate from another source, else a new one.

        A story holds at most one article per source: a source's own follow-up or
        correction is a separate item, while other outlets' reports join it.
        """
        fingerprint = story_fingerprint(entry.title, entry.text)
        for story_id, other in self._story_candidates(fingerprint.split(), entry.source_id):
            if same_story(fingerprint, other):
                return int(story_id)
        cur = self.db.execute(
            "INSERT INTO stories (fingerprint, created) VALUES (?, ?)", [fingerprint, self.now()]
        )
        story_id = int(cur.lastrowid or 0)
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO story_tokens (token, story_id) VALUES (?, ?)",
            [(token, story_id) for token in set(fingerprint.split())],
        )
        return story_id

    def _story_candidates(self, tokens: list[str], source_id: str) -> list[tuple[int, str]]:
        """Recent stories without this source that share at least two fingerprint tokens."""
        if len(tokens) < 2:
            return []  # same_story needs two shared tokens
        row = self.db.execute(
            "SELECT min(id) FROM stories WHERE created >= ?",
            [iso(self.clock() - STORY_WINDOW)],
        ).fetchone()
        if row is None or row[0] is None:
            return []
        marks = ",".join("?" for _ in tokens)
        # Count shared tokens over the postings first (cheap, in the index), and only
        # then look at the few stories that share enough for the source check.
        rows = self.db.execute(
            "SELECT s.id, s.fingerprint FROM (SELECT story_id FROM story_tokens "
            f"WHERE token IN ({marks}) AND story_id >= ? "
            "GROUP BY story_id HAVING count(*) >= ?) c JOIN stories s ON s.id = c.story_id "
            "WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.story_id = s.id AND a.source_id = ?) "
            "ORDER BY s.id DESC LIMIT ?",
            [*tokens, int(row[0]), min_shared(len(tokens)), source_id, MAX_STORY_CANDIDATES],
        ).fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    def known_guids(self, source_id: str, guids: list[str]) -> set[str]:
        """Which of these guids the source already has stored (to skip full-text fetches)."""
        known: set[str] = set()
        for start in range(0, len(guids), 500):
            chunk = guids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            rows = self.db.execute(
                f"SELECT guid FROM articles WHERE source_id = ? AND guid IN ({marks})",
                [source_id, *chunk],
            )
            known.update(row[0] for row in rows)
        return known

    def get_article(self, article_id: int) -> Article | None:
        """One article by id."""
        rows = list(self.db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
        return _article(rows[0]) if rows else None

    def articles_since(self, moment: datetime) -> list[Article]:
        """Articles fetched at or after `moment`, oldest first."""
        rows = self.db.query("SELECT * FROM articles WHERE fetched >= ? ORDER BY id", [iso(moment)])
        return [_article(r) for r in rows]

    def story_articles(self, story_id: int) -> list[Article]:
        """Every article of one story, oldest first."""
        rows = self.db.query("SELECT * FROM articles WHERE story_id = ? ORDER BY id", [story_id])
        return [_article(r) for r in rows]

    def count_articles(self) -> int:
        """How many articles are stored."""
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def search_articles(
        self, query: str, limit: int = 10, offset: int = 0, *, budget_s: float = SEARCH_BUDGET_S
    ) -> list[Article]:
        """Full-text search: the best matches among the newest hits; UserInputError if unusable.

        Ranking every hit of a common word ("sanctions") costs ~100 ms at 100,000
        articles; FTS5 walks rowids newest-first for free, so only the newest
        SEARCH_WINDOW hits are ranked. For a news bot that is also what users want.
        A search whose wildcards stand for too many words, or that does not finish
        within `budget_s`, is refused as too broad (UserInputError).
        """
        fts = fts_query(query)
        self.check_prefixes(query)
        limit, offset = max(1, min(limit, 100)), max(0, offset)
        rows = self.bounded_query(
            "SELECT a.* FROM (SELECT rowid AS id, rank FROM articles_fts "
            "WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT ?) f "
            "JOIN articles a ON a.id = f.id ORDER BY f.rank, a.id DESC LIMIT ? OFFSET ?",
            [fts, max(SEARCH_WINDOW, offset + limit), limit, offset],
            budget_s=budget_s,
            what=query,
        )
        return [_article(r) for r in rows]

    def bounded_query(
        self, sql: str, params: list[Any], *, budget_s: float, what: str
    ) -> list[dict[str, Any]]:
        """Rows of a full-text query, interrupted after `budget_s` seconds (UserInputError)."""
        deadline = time.monotonic() + budget_s
        conn = self.db.conn
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), PROGRESS_STEPS)
        try:
            return list(self.db.query(sql, params))
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise UserInputError(
                    "this search is too broad to finish in time: use rarer or more words"
                ) from None
            # The sanitiser should make this unreachable; never leak SQLite's wording.
            raise UserInputError(f"cannot search for {what!r}") from exc
        finally:
            conn.set_progress_handler(None, 0)

    def first_id_since(self, moment: datetime) -> int | None:
        """The id of the first article fetched at or after `moment` (ids grow with time)."""
        row = self.db.execute(
            "SELECT min(id) FROM articles WHERE fetched >= ?", [iso(moment)]
        ).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def candidate_ids(
        self, fts: str | None, first_id: int, *, budget_s: float, limit: int
    ) -> list[int]:
        """Ids from `first_id` on, newest first, of the articles the index finds for an FTS5
        expression (None: every article); UserInputError when that takes over `budget_s`."""
        if fts is None:
            sql = "SELECT id FROM articles WHERE id >= ? ORDER BY id DESC LIMIT ?"
            params: list[Any] = [first_id, limit]
        else:
            sql = (
                "SELECT rowid AS id FROM articles_fts WHERE articles_fts MATCH ? AND rowid >= ? "
                "ORDER BY rowid DESC LIMIT ?"
            )
            params = [fts, first_id, limit]
        rows = self.bounded_query(sql, params, budget_s=budget_s, what=fts or "")
        return [int(r["id"]) for r in rows]

    def articles_by_ids(self, ids: list[int]) -> list[Article]:
        """The articles with these ids, in the order given (missing ones left out)."""
        found: dict[int, Article] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            for row in self.db.query(f"SELECT * FROM articles WHERE id IN ({marks})", chunk):
                found[int(row["id"])] = _article(row)
        return [found[i] for i in ids if i in found]

    def prepare_search(self) -> None:
        """Make the index's word list readable (a temp table of this connection)."""
        self.db.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {_VOCAB} USING fts5vocab(main, articles_fts, row)"
        )

    def check_prefixes(self, query: str) -> None:
        """Refuse a `stem*` that stands for more than MAX_PREFIX_WORDS indexed words."""
        stems = prefix_stems(query)
        if not stems:
            return
        # Read-only without the table: the time budget still bounds the search.
        with contextlib.suppress(sqlite3.OperationalError):
            self.prepare_search()
        for raw, stem in stems:
            try:
                row = self.db.execute(
                    f"SELECT count(*) FROM (SELECT term FROM {_VOCAB} "
                    "WHERE term >= ? AND term < ? LIMIT ?)",
                    [stem, stem + "\U0010ffff", MAX_PREFIX_WORDS + 1],
                ).fetchone()
            except sqlite3.OperationalError:
                return
            if int(row[0]) > MAX_PREFIX_WORDS:
                raise UserInputError(
                    f"{raw} stands for more than {MAX_PREFIX_WORDS} different words: "
                    "give it more letters"
                )


@dataclass(frozen=True)
class SearchHit:
    """One article found by /search, with the passage that matched (marked with SNIPPET_MARKS)."""

    article: Article
    snippet: str


SNIPPET_MARKS = ("\x02", "\x03")  # around matched words in SearchHit.snippet
SNIPPET_WORDS = 14
COUNT_CAP = 10_000  # counting stops here: "more than 10,000"
SAVED_SEARCHES = 50  # per chat, for the paging buttons
# Names whose spellings differ too much for the fuzzy lookup (transliteration, renaming).
SPELLINGS = {
    "kiev": "kyiv",
    "kyiv": "kiev",
    "kharkov": "kharkiv",
    "kharkiv": "kharkov",
    "lugansk": "luhansk",
    "luhansk": "lugansk",
    "tikhanovskaya": "tsikhanouskaya",
    "tsikhanouskaya": "tikhanovskaya",
    "byelorussia": "belarus",
    "belorussia": "belarus",
}


class SearchMixin(ArticlesMixin):
    """/search: counts, passages and spelling hints over the FTS5 index (see fts_query)."""

    def count_search(
        self, query: str, cap: int = COUNT_CAP, *, budget_s: float = SEARCH_BUDGET_S
    ) -> int:
        """How many articles match (at most `cap` + 1: more than `cap` when it says so)."""
        rows = self.bounded_query(
            "SELECT count(*) AS n FROM (SELECT rowid FROM articles_fts "
            "WHERE articles_fts MATCH ? LIMIT ?)",
            [fts_query(query), cap + 1],
            budget_s=budget_s,
            what=query,
        )
        return int(rows[0]["n"])

    def search_hits(
        self, query: str, limit: int = 10, offset: int = 0, *, budget_s: float = SEARCH_BUDGET_S
    ) -> list[SearchHit]:
        """A page of `search_articles`, each article with the passage that matched."""
        articles = self.search_articles(query, limit, offset, budget_s=budget_s)
        if not articles:
            return []
        marks = ",".join("?" for _ in articles)
        rows = self.bounded_query(
            "SELECT rowid AS id, snippet(articles_fts, -1, ?, ?, '…', ?) AS passage "
            f"FROM articles_fts WHERE articles_fts MATCH ? AND rowid IN ({marks})",
            [*SNIPPET_MARKS, SNIPPET_WORDS, fts_query(query), *(a.id for a in articles)],
            budget_s=budget_s,
            what=query,
        )
        snippets = {int(r["id"]): str(r["passage"]) for r in rows}
        return [SearchHit(a, snippets.get(a.id, "")) for a in articles]

    def spelling_hints(
        self, query: str, limit: int = 3, *, budget_s: float = SEARCH_BUDGET_S
    ) -> list[tuple[str, int]]:
        """Other spellings of the query's words that the index has: (new query, hits)."""
        out: list[tuple[str, int]] = []
        for word in dict.fromkeys(re.findall(r"\w{4,}", query)):
            for variant in self._variants(word):
                variant = variant.capitalize() if word[:1].isupper() else variant
                candidate = re.sub(rf"\b{re.escape(word)}\b", variant, query)
                if candidate != query and all(candidate != c for c, _ in out):
                    hits = self.count_search(candidate, cap=999, budget_s=budget_s)
                    if hits:
                        out.append((candidate, hits))
                if len(out) >= limit:
                    return out
        return out

    def _variants(self, word: str) -> list[str]:
        folded = _fold(word)
        known = [SPELLINGS[folded]] if folded in SPELLINGS else []
        rows = self.db.execute(
            "SELECT term, doc FROM articles_vocab WHERE term >= ? AND term < ? "
            "ORDER BY doc DESC LIMIT 500",
            [folded[:3], folded[:3] + "\uffff"],
        ).fetchall()
        scored = [
            (difflib.SequenceMatcher(None, folded, str(term)).ratio(), int(doc), str(term))
            for term, doc in rows
            if str(term) != folded
        ]
        close = [t for ratio, _, t in sorted(scored, reverse=True) if ratio >= 0.8]
        return list(dict.fromkeys(known + close))[:3]

    def occurs_since(self, query: str, since: datetime) -> bool:
        """Whether any article fetched since `since` matches the search `query`."""
        row = self.db.execute(
            "SELECT 1 FROM articles_fts f JOIN articles a ON a.id = f.rowid "
            "WHERE articles_fts MATCH ? AND a.fetched >= ? LIMIT 1",
            [fts_query(query), iso(since)],
        ).fetchone()
        return row is not None

    def save_search(self, chat_id: int, query: str) -> int:
        """Remember a chat's search for its paging buttons; returns its id."""
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO searches (chat_id, query, created) VALUES (?, ?, ?)",
                [chat_id, query, self.now()],
            )
            self.db.execute(
                "DELETE FROM searches WHERE chat_id = ? AND id <= ?",
                [chat_id, int(cur.lastrowid or 0) - SAVED_SEARCHES],
            )
        return int(cur.lastrowid or 0)

    def saved_search(self, chat_id: int, search_id: int) -> str | None:
        """The query of one of the chat's saved searches, or None."""
        row = self.db.execute(
            "SELECT query FROM searches WHERE id = ? AND chat_id = ?", [search_id, chat_id]
        ).fetchone()
        return str(row[0]) if row else None


def _fold(word: str) -> str:
    """Lower case without accents, as the FTS5 tokenizer stores words."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fts_query(query: str) -> str:
    """A user's search (words, "phrases", OR, -exclusions, trailing *) as safe FTS5 syntax."""
    if len(query) > MAX_QUERY_LENGTH:
        raise UserInputError(f"the search is longer than {MAX_QUERY_LENGTH} characters")
    expression, terms = _fts_expression(query)
    if terms > MAX_SEARCH_TERMS:
        raise UserInputError(
            f"a search can have at most {MAX_SEARCH_TERMS} words or phrases, this one has {terms}"
        )
    prefixes = len(prefix_stems(query))
    if prefixes > MAX_PREFIX_TERMS:
        raise UserInputError(
            f"a search can have at most {MAX_PREFIX_TERMS} words with *, this one has {prefixes}"
        )
    return expression


def prefix_stems(query: str) -> list[tuple[str, str]]:
    """The search's `stem*` terms: (as written, stem folded as the index folds words)."""
    from bot.matching.text import fold

    out: list[tuple[str, str]] = []
    for match in _QUERY_TOKEN.finditer(query.strip()):
        word = match.group(4)
        if word and word.endswith("*") and _WORD.search(word):
            core = word.lstrip("-").rstrip("*")
            out.append((word.lstrip("-"), fold(core)))
    return out


def _fts_expression(query: str) -> tuple[str, int]:
    """The FTS5 expression and how many words and phrases it has."""
    groups: list[list[str]] = [[]]
    excluded: list[str] = []
    position = 0
    text = query.strip()
    while position < len(text):
        match = _QUERY_TOKEN.match(text, position)
        assert match is not None  # the pattern matches any non-space run
        position = match.end()
        negate, phrase, closed, word = match.groups()
        if phrase is not None and not closed:
            raise UserInputError('unclosed quote in the search: add the closing "')
        if word == "OR" and not negate:
            if not groups[-1]:
                raise UserInputError("OR needs a word on each side")
            groups.append([])
            continue
        term = _quote(phrase if phrase is not None else word)
        if term is None:
            continue  # punctuation only: nothing FTS5 could match
        (excluded if negate else groups[-1]).append(term)
    if not groups[-1] and len(groups) > 1:
        raise UserInputError("OR needs a word on each side")
    positive = [g for g in groups if g]
    if not positive:
        raise UserInputError("the search needs at least one word to look for")
    expression = " OR ".join("(" + " AND ".join(g) + ")" for g in positive)
    if excluded:
        expression = f"({expression})" + "".join(f" NOT {t}" for t in excluded)
    return expression, sum(map(len, positive)) + len(excluded)


def _quote(raw: str) -> str | None:
    prefix = raw.endswith("*") and not raw.startswith('"')
    core = raw.rstrip("*") if prefix else raw
    if not _WORD.search(core):
        return None
    quoted = '"' + core.replace('"', '""') + '"'
    return quoted + "*" if prefix else quoted


def _article(row: dict[str, Any]) -> Article:
    fetched = parse_iso(row["fetched"])
    assert fetched is not None
    return Article(
        id=row["id"],
        source_id=row["source_id"],
        guid=row["guid"],
        url=row["url"],
        canonical_url=row["canonical_url"],
        title=row["title"],
        text=row["text"],
        published=parse_iso(row["published"]),
        fetched=fetched,
        content_hash=row["content_hash"],
        story_id=row["story_id"],
    )
