"""Frozen dataclasses passed between the pipeline stages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

SourceKind = Literal["rss", "atom", "json", "html"]
Tier = Literal["official", "media"]
Priority = Literal["urgent", "normal", "low"]
Field = Literal["title", "text"]


@dataclass(frozen=True)
class Source:
    """One entry of the source catalog."""

    id: str
    name: str
    url: str
    kind: SourceKind = "rss"
    tier: Tier = "media"
    interval: int = 900  # seconds between polls
    full_text: bool = False  # fetch the article page when the feed only has a teaser
    selectors: Mapping[str, str] = field(
        default_factory=dict
    )  # html listings: item/title/link/date
    notes: str = ""
    blocks_bots: bool = False
    enabled: bool = True


@dataclass(frozen=True)
class FeedEntry:
    """One item as parsed from a feed or listing, before it is stored."""

    source_id: str
    guid: str
    url: str
    title: str
    text: str  # plain text; paragraphs separated by a blank line ("\n\n")
    published: datetime | None = None  # timezone-aware UTC when known


@dataclass(frozen=True)
class Document:
    """What the rule engine reads: one article, stored or not."""

    id: str
    title: str
    text: str
    url: str = ""
    source: str = ""
    published: datetime | None = None


@dataclass(frozen=True)
class Article:
    """A stored article."""

    id: int
    source_id: str
    guid: str
    url: str
    canonical_url: str
    title: str
    text: str
    published: datetime | None
    fetched: datetime
    content_hash: str
    story_id: int

    def document(self, source_name: str = "") -> Document:
        """The view of this article that the rule engine reads."""
        return Document(
            id=str(self.id),
            title=self.title,
            text=self.text,
            url=self.url,
            source=source_name or self.source_id,
            published=self.published,
        )


@dataclass(frozen=True)
class ActPolicy:
    """Which matches of a rule count as a new act (see bot.matching.acts); packs set it."""

    new_only: bool = True  # the sentence that carries the match must report a new act
    actors: tuple[str, ...] = ()  # who may take the act (ISO2, 'EU', 'UN', ...); () = anyone
    not_actors: tuple[str, ...] = ()  # acts by these are someone else's news
    actor_required: bool = False  # the actor must be found and be one of `actors`
    verbs: tuple[str, ...] = ()  # the pack's own act verbs (words, "phrases", prefix*)


@dataclass(frozen=True)
class Rule:
    """A query with identity: a shipped pack or a chat's own /watch."""

    key: str  # "pack:<pack id>" or "watch:<rule row id>"
    name: str
    query: str
    description: str = ""
    tags: tuple[str, ...] = ()
    terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # named term lists ($name)
    priority: Priority = "normal"
    chat_id: int | None = None  # owner of a watch; None for packs
    act: ActPolicy | None = None  # packs only: the act layer's checks; watches match as written


@dataclass(frozen=True)
class Witness:
    """One piece of evidence for a match: a term found at a place."""

    term: str  # the query term as written, e.g. 'sanction*' or '@country:BY'
    field: Field
    sentence: int  # index of the sentence within the field
    start: int  # character offsets into the original field text
    end: int
    surface: str = ""  # the text as it appears in the document


@dataclass(frozen=True)
class Match:
    """A rule that fired on a document, with what carried it."""

    rule_key: str
    rule_name: str
    doc_id: str
    witnesses: tuple[Witness, ...]
    countries: tuple[str, ...]  # ISO 3166-1 alpha-2, most relevant first
    summary: str  # the 1-3 sentences that carried the match, lead first
    highlights: tuple[tuple[int, int], ...]  # offsets into `summary` of matched terms
    explanation: str  # e.g. 'European Parliament + resolution /s Belarus'
    actors: tuple[str, ...] = ()  # ISO2 of who takes the act
    targets: tuple[str, ...] = ()  # ISO2 of whom the act is aimed at


class EntityResolver(Protocol):
    """Resolves '@kind:CODE' entity terms to the names that mean them."""

    def names(self, kind: str, code: str) -> tuple[str, ...]:
        """All surface forms of the entity; raises KeyError when unknown."""
        ...

    def country_names(self) -> Mapping[str, tuple[str, ...]]:
        """ISO2 code -> every name, demonym and capital used to tag countries."""
        ...


@dataclass(frozen=True)
class Chat:
    """A chat the bot talks to, with its delivery settings."""

    id: int
    type: str = "private"  # private | group | supergroup | channel
    title: str = ""
    active: bool = True
    timezone: str = "UTC"
    digest: Literal["off", "hourly", "daily"] = "off"
    quiet_start: int | None = None  # hour 0-23 in `timezone`
    quiet_end: int | None = None
    last_digest_at: datetime | None = None


@dataclass(frozen=True)
class Watch:
    """A chat's own rule, created with /watch."""

    id: int
    chat_id: int
    thread_id: int
    query: str
    created: datetime

    @property
    def rule_key(self) -> str:
        """The key this watch has in the rule engine."""
        return f"watch:{self.id}"


@dataclass(frozen=True)
class Recipient:
    """Where an alert goes: a chat and optionally a forum topic (0 = none)."""

    chat_id: int
    thread_id: int = 0


@dataclass(frozen=True)
class AlertView:
    """Everything needed to show one alert to a person."""

    id: int
    chat_id: int
    thread_id: int
    rule_key: str
    rule_name: str
    priority: Priority
    state: str
    attempts: int
    title: str
    url: str
    source_id: str
    source_name: str
    tier: Tier
    published: datetime | None
    countries: tuple[str, ...]
    summary: str
    highlights: tuple[tuple[int, int], ...]
    explanation: str
    story_id: int
    article_id: int
    created: datetime
    other_sources: tuple[tuple[str, str], ...] = ()  # (source name, url) of the same story
    last_error: str | None = None
