"""Seeded generators: realistic news articles (~3 KB) and realistic rule sets (watches)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from bench.vocab import (
    ACTION_TERMS,
    ACTIONS,
    BODY_WORDS,
    COUNTRY_WORDS,
    DOC_TERMS,
    DOCS,
    FILLER,
    HOT_COUNTRIES,
    MEASURE_TERMS,
    MEASURES,
    OTHER_COUNTRIES,
    PEOPLE_ROLES,
    TOPIC_TERMS,
    TOPICS,
    make_names,
)
from bot.models import Document, Rule

ARTICLE_BYTES = 3000
NAME_POOL = 4000  # invented companies, vessels and people: the designation list


@dataclass(frozen=True)
class World:
    """The shared vocabulary articles and rules are drawn from (one seed, one world)."""

    names: tuple[str, ...]
    bodies: tuple[str, ...]


def make_world(seed: int = 7) -> World:
    """The name pool and the bodies, fixed by the seed."""
    rng = random.Random(seed)
    return World(names=tuple(make_names(rng, NAME_POOL)), bodies=tuple(sorted(BODY_WORDS)))


def _country(rng: random.Random) -> str:
    # Sanctions news is mostly about a few dozen countries.
    return rng.choice(HOT_COUNTRIES) if rng.random() < 0.8 else rng.choice(OTHER_COUNTRIES)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class _Article:
    """One article's focus (countries, bodies, names, topics), reused across its sentences."""

    def __init__(self, rng: random.Random, world: World) -> None:
        self.rng = rng
        self.countries = [_country(rng) for _ in range(rng.randint(1, 3))]
        self.bodies = [rng.choice(world.bodies) for _ in range(rng.randint(1, 2))]
        self.names = [rng.choice(world.names) for _ in range(rng.randint(0, 4))]
        self.topics = [rng.choice(TOPICS) for _ in range(rng.randint(1, 3))]
        self.sanctions = rng.random() < 0.6  # most items in this feed mention measures

    def country(self) -> str:
        return self.rng.choice(COUNTRY_WORDS[self.rng.choice(self.countries)])

    def body(self) -> str:
        return self.rng.choice(BODY_WORDS[self.rng.choice(self.bodies)])

    def measure(self) -> str:
        return self.rng.choice(MEASURES) if self.sanctions else "talks"

    def name(self) -> str:
        return self.rng.choice(self.names) if self.names else self.rng.choice(PEOPLE_ROLES)

    def sentence(self) -> str:
        r, rng = self.rng.random(), self.rng
        if r < 0.14:
            return f"{_cap(self.body())} {rng.choice(ACTIONS)} {rng.choice(DOCS)} on {self.country()} that calls for {self.measure()} against {self.name()}."
        if r < 0.26:
            return f"{_cap(rng.choice(PEOPLE_ROLES))} said {self.measure()} over {rng.choice(self.topics)} would stay in place until {self.country()} changes course."
        if r < 0.36:
            return f"The {rng.choice(('text', 'document', 'declaration'))} describes {self.country()} as responsible for {rng.choice(self.topics)} and urges {self.body()} to act."
        if r < 0.46:
            return f"{self.name()} was added to the list for its role in {rng.choice(self.topics)} linked to {self.country()}."
        if r < 0.54:
            return f"{_cap(self.country())} condemned {self.measure()} and threatened to respond."
        if r < 0.62:
            return f"According to {self.body()}, {self.measure()} {rng.choice(('were', 'have been'))} {rng.choice(ACTIONS)} after a long debate about {rng.choice(self.topics)}."
        if r < 0.68:
            return f"In {self.country()}, officials spoke of {rng.choice(TOPICS)} and {rng.choice(TOPICS)}."
        return rng.choice(FILLER)

    def title(self) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            return f"{_cap(self.body())} {rng.choice(ACTIONS)} {self.measure()} on {self.country()}"
        return f"{_cap(self.country())}: {rng.choice(self.topics)} and {self.measure()}"


def make_articles(
    count: int, seed: int = 11, world: World | None = None, size: int = ARTICLE_BYTES
) -> list[Document]:
    """`count` deterministic articles of about `size` bytes, paragraphs separated by blank lines."""
    world = world or make_world()
    rng = random.Random(seed)
    docs: list[Document] = []
    for index in range(count):
        art = _Article(rng, world)
        paragraphs: list[str] = []
        length = 0
        while length < size:
            para = " ".join(art.sentence() for _ in range(rng.randint(2, 5)))
            paragraphs.append(para)
            length += len(para) + 2
        docs.append(Document(id=str(index), title=art.title(), text="\n\n".join(paragraphs)))
    return docs


def _cw(rng: random.Random) -> str:
    """A country as written in a rule: an entity mostly, a plain word sometimes."""
    code = _country(rng)
    if rng.random() < 0.75:
        return f"@country:{code}"
    word = rng.choice(COUNTRY_WORDS[code]).removeprefix("the ")
    return f'"{word}"' if " " in word or "-" in word else word


def _body(rng: random.Random, world: World) -> str:
    return f"@body:{rng.choice(world.bodies)}"


def _or(rng: random.Random, pool: tuple[str, ...], most: int = 3) -> str:
    picks = rng.sample(pool, rng.randint(1, most))
    return picks[0] if len(picks) == 1 else "(" + " OR ".join(picks) + ")"


def make_query(rng: random.Random, world: World) -> str:
    """One rule query in the shapes people write (phrases, AND/OR/NOT, NEAR, /s, /p, title:)."""
    name = f'"{rng.choice(world.names)}"'
    measure = _or(rng, MEASURE_TERMS)
    shape = rng.random()
    if shape < 0.18:
        return name
    if shape < 0.27:
        return f"{name} NEAR/{rng.randint(3, 15)} {measure}"
    if shape < 0.39:
        return f"{_cw(rng)} AND {measure}"
    if shape < 0.49:
        return f"({_body(rng, world)} /s {_or(rng, DOC_TERMS)}) AND {_cw(rng)}"
    if shape < 0.57:
        return f"title:({_cw(rng)} OR {_cw(rng)}) AND {measure}"
    if shape < 0.65:
        return f"({_or(rng, TOPIC_TERMS, 2)} /s {measure}) -{rng.choice(TOPIC_TERMS)}"
    if shape < 0.73:
        return f"({_cw(rng)} OR {_cw(rng)}) {measure} {_or(rng, ACTION_TERMS)}"
    if shape < 0.81:
        return f"{_body(rng, world)} /p ({measure} OR {_or(rng, DOC_TERMS)}) NOT {_cw(rng)}"
    if shape < 0.90:
        return f"{rng.choice(TOPIC_TERMS)} {_cw(rng)} {measure}"
    return f"{_cw(rng)} NEAR/{rng.randint(2, 10)} {_or(rng, TOPIC_TERMS, 2)}"


def make_rules(count: int, seed: int = 23, world: World | None = None) -> list[Rule]:
    """`count` deterministic watches (keys watch:1..count); the first n of a bigger set are a smaller one."""
    world = world or make_world()
    rng = random.Random(seed)
    return [
        Rule(key=f"watch:{i}", name=f"bench rule {i}", query=make_query(rng, world))
        for i in range(1, count + 1)
    ]
