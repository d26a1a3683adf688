"""Frozen dataclasses passed between the pipeline stages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

SourceKind = Literal[
    "rss",
    "atom",
    "json",
    "html",
    # official sanctions lists (bot/lists): fetched, parsed into entities and diffed
    "ofac-sdn",
    "ofac-sdn-advanced",
    "eu-fsf",
    "un-sc",
    "uk-sanctions-list",
    "ch-sesam",
    "ca-sema",
]
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
    needs_browser: bool = False  # answers scripts with a JavaScript challenge: not polled
    full_text_from: str = ""  # "" or "page": the item page; "presscorner": the EC documents API


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
    digest_hour: int = 8  # local hour of the daily digest


@dataclass(frozen=True)
class Watch:
    """A chat's own rule, created with /watch."""

    id: int
    chat_id: int
    thread_id: int
    query: str
    created: datetime
    number: int = 0  # the chat's own number for it (a chat's first rule is #1)

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
    listing: ListPublicationView | None = None  # set when the story is a list publication
    listed: tuple[ListedMention, ...] = ()  # listed persons/entities the article names
    number: int = 0  # the alert's number in its chat (what people type: /alert 3)
    timezone: str = "UTC"  # the chat's time zone: every time shown is in it
    rules: tuple[str, ...] = ()  # names of every rule that fired on the story, lead first
    sources: tuple[StorySource, ...] = ()  # every copy of the story, the lead first
    actors: tuple[str, ...] = ()  # ISO2 of who takes the act (from the lead match)
    targets: tuple[str, ...] = ()  # ISO2 of whom it is aimed at
    message_id: int | None = None  # the chat message that shows it, once sent
    article_text: str = ""  # the lead article's text; filled only for the detailed view
    muted: bool = False  # the story or every rule of it is muted in the chat now
    story_muted: bool = False  # the story itself (`alert:<id>`) is muted: its edits stop too
    links: int = 0  # matches (rules x copies) the alert had when this view was read


@dataclass(frozen=True)
class StorySource:
    """One published copy of a story: who published it, where and when."""

    name: str
    url: str
    tier: Tier
    published: datetime | None
    seen: datetime  # when the bot fetched it
    title: str = ""


@dataclass(frozen=True)
class ListChangeView:
    """One change of a list publication, as an alert shows it."""

    kind: Literal["added", "removed", "amended"]
    entity_id: str
    name: str
    entity_type: str
    facts: tuple[str, ...]  # key facts, most telling first: programme, country, IMO...
    fields: tuple[str, ...] = ()  # amended fields, each 'label: old → new'
    url: str = ""  # the entry's official page, when the list has one
    announced_by: tuple[str, str] | None = None  # (title, url) of the press release


@dataclass(frozen=True)
class ListPublicationView:
    """A list publication as one chat sees it: counts and the changes its rules matched."""

    list_label: str  # 'OFAC SDN'
    source_url: str  # the official page of the list
    published: str  # the list's own date, ISO, or ''
    added: int  # totals of the whole publication
    removed: int
    amended: int
    changes: tuple[ListChangeView, ...]  # the changes this chat's rules matched
    topic: str = ""  # 'Russia-related': the programme most of the shown changes share


@dataclass(frozen=True)
class ListedMention:
    """A person or entity an article names that is already on an official list."""

    name: str
    lists: tuple[str, ...]  # list labels, e.g. ('OFAC SDN', 'UK Sanctions List')
