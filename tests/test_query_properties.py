"""Property-based tests: the parser and the engine never fail unexpectedly, and the engine
agrees with a naive reference evaluator on random small queries and documents."""

from __future__ import annotations

from dataclasses import astuple, dataclass

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.errors import QuerySyntaxError
from bot.matching.engine import Engine
from bot.matching.evaluator import Evaluator
from bot.matching.query import Node, format_query, parse_query
from bot.models import Document, Rule
from tests.test_engine import FakeResolver

PIECES = [
    "a", "beta", "OR", "AND", "NOT", "-", "(", ")", '"', "“", "”", "NEAR/3", "NEAR/0", "NEAR",
    "/s", "/p", "/x", "title:", "text:", "$x", "$", "@country:BY", "@body:", "@country:ZZZ",
    "sanc*", "s*", "*", "|", " ", "  ", "U.S.", "é", "—", "\n",
]  # fmt: skip

query_text = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(PIECES), max_size=25).map(" ".join),
    st.lists(st.sampled_from(PIECES), max_size=25).map("".join),
)


@settings(max_examples=400, deadline=None)
@given(query_text)
def test_parse_query_returns_a_node_or_a_syntax_error(text: str) -> None:
    try:
        node = parse_query(text, terms={"x": ["MEPs", "resolution*"]}, resolver=FakeResolver())
    except QuerySyntaxError as err:
        assert 0 <= err.position <= len(text)
        assert err.message
        return
    # Whatever parses, echoes to a query that parses back to the same tree.
    assert parse_query(format_query(node), resolver=FakeResolver()) == node


ANY_ENGINE = Engine.compile(
    [
        Rule(key=f"r{i}", name=f"r{i}", query=q)
        for i, q in enumerate(
            [
                "sanction*",
                "@country:BY /s (sanctions OR embargo)",
                '"European Parliament" NEAR/5 resolution* -football',
                "title:(a OR b) /p text:c",
                "(x y) NEAR/2 (z OR w) /s -q",
                "é OR ß OR ﬁ OR a",
            ]
        )
    ],
    FakeResolver(),
)

doc_text = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",))),
    st.lists(
        st.sampled_from(
            [
                "<p>",
                "</b>",
                "&amp;",
                "Belarus",
                "sanctions",
                ". ",
                "\n\n",
                "ﬁ",
                "🇧🇾",
                "\u200f",
                "مرحبا",
                "א",
                "\u0301",
                "a",
                "x",
                "y",
                "z",
                "Mr.",
                "“",
                "”",
                "\u00ad",
                "\r\n",
            ]
        ),
        max_size=60,
    ).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(doc_text, doc_text)
def test_engine_never_raises_and_witnesses_point_into_the_text(title: str, text: str) -> None:
    for match in ANY_ENGINE.match(Document(id="d", title=title, text=text)):
        for wit in match.witnesses:
            source = title if wit.field == "title" else text
            assert source[wit.start : wit.end] == wit.surface
        for start, end in match.highlights:
            assert 0 <= start < end <= len(match.summary)


# --- equivalence with a naive evaluator --------------------------------------------------

VOCAB = ["alpha", "beta", "gamma", "gamut", "delta"]


@dataclass(frozen=True)
class Tok:
    word: str
    field: str
    sentence: int
    paragraph: int
    index: int  # position within the field


def build_doc(title: list[str], paragraphs: list[list[list[str]]]) -> tuple[Document, list[Tok]]:
    toks = [Tok(w, "title", 0, 0, i) for i, w in enumerate(title)]
    sentences = []
    index, sentence = 0, 0
    for p_index, paragraph in enumerate(paragraphs):
        rendered = []
        for words in paragraph:
            for word in words:
                toks.append(Tok(word, "text", sentence, p_index, index))
                index += 1
            sentence += 1
            # A capital after '. ' starts a new sentence for the segmenter.
            rendered.append(" ".join(words).capitalize() + ".")
        sentences.append(" ".join(rendered))
    return Document(id="d", title=" ".join(title), text="\n\n".join(sentences)), toks


def leaf_holds(leaf: str, toks: list[Tok], region: list[Tok]) -> list[Tok]:
    if leaf.endswith("*"):
        return [t for t in region if t.word.startswith(leaf[:-1])]
    if leaf.startswith('"'):
        first, second = leaf.strip('"').split()
        keys = {(t.field, t.index) for t in region}
        nxt = {(t.field, t.index - 1) for t in region if t.word == second}
        return [t for t in region if t.word == first and (t.field, t.index) in nxt & keys]
    return [t for t in region if t.word == leaf]


def reference(q: tuple, toks: list[Tok], region: list[Tok]) -> bool:  # type: ignore[type-arg]
    op = q[0]
    if op == "leaf":
        return bool(leaf_holds(q[1], toks, region))
    if op == "and":
        return reference(q[1], toks, region) and reference(q[2], toks, region)
    if op == "or":
        return reference(q[1], toks, region) or reference(q[2], toks, region)
    if op == "not":
        return not reference(q[1], toks, region)
    if op == "scope":
        return reference(q[2], toks, [t for t in region if t.field == q[1]])
    if op == "within":
        attr = "sentence" if q[1] == "s" else "paragraph"
        units = {(t.field, getattr(t, attr)) for t in region}
        return any(
            reference(q[2], toks, unit) and reference(q[3], toks, unit)
            for key in units
            for unit in [[t for t in region if (t.field, getattr(t, attr)) == key]]
        )
    assert op == "near"
    lefts, rights = leaf_holds(q[2], toks, region), leaf_holds(q[3], toks, region)
    return any(a.field == b.field and abs(a.index - b.index) <= q[1] for a in lefts for b in rights)


def render(q: tuple) -> str:  # type: ignore[type-arg]
    op = q[0]
    if op == "leaf":
        return q[1]
    if op in ("and", "or"):
        return f"({render(q[1])} {op.upper()} {render(q[2])})"
    if op == "not":
        return f"(NOT {render(q[1])})"
    if op == "scope":
        return f"{q[1]}:({render(q[2])})"
    if op == "within":
        return f"({render(q[2])} /{q[1]} {render(q[3])})"
    return f"({q[2]} NEAR/{q[1]} {q[3]})"


word_leaf = st.sampled_from([*VOCAB, "gam*"])
leaf = st.one_of(word_leaf, st.sampled_from(['"alpha beta"', '"gamma alpha"'])).map(
    lambda w: ("leaf", w)
)
near = st.tuples(st.just("near"), st.integers(1, 4), word_leaf, word_leaf)


def extend(children: st.SearchStrategy) -> st.SearchStrategy:  # type: ignore[type-arg]
    return st.one_of(
        st.tuples(st.sampled_from(["and", "or"]), children, children),
        st.tuples(st.just("not"), children),
        st.tuples(st.just("within"), st.sampled_from(["s", "p"]), children, children),
    )


unscoped = st.recursive(st.one_of(leaf, near), extend, max_leaves=6)
queries = st.one_of(
    unscoped, st.tuples(st.just("scope"), st.sampled_from(["title", "text"]), unscoped)
)
words = st.lists(st.sampled_from(VOCAB), min_size=1, max_size=4)
documents = st.tuples(
    st.lists(st.sampled_from(VOCAB), max_size=4),
    st.lists(st.lists(words, min_size=1, max_size=3), min_size=1, max_size=3),
)


def parse_or_none(text: str) -> Node | None:
    try:
        return parse_query(text)
    except QuerySyntaxError:
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.lists(queries, min_size=1, max_size=4), st.lists(documents, min_size=1, max_size=3))
def test_engine_agrees_with_naive_reference(qs: list[tuple], docs: list[tuple]) -> None:  # type: ignore[type-arg]
    texts = [render(q) for q in qs]
    assume(all(parse_or_none(t) is not None for t in texts))  # only anchored queries parse
    engine = Engine.compile(
        [Rule(key=f"q{i}", name=t, query=t) for i, t in enumerate(texts)], FakeResolver()
    )
    for title, paragraphs in docs:
        doc, toks = build_doc(title, paragraphs)
        expected = {f"q{i}" for i, q in enumerate(qs) if reference(q, toks, toks)}
        assert {m.rule_key for m in engine.match(doc)} == expected
        assert engine.match(doc) == engine.match(doc, exhaustive=True)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.lists(queries, min_size=1, max_size=4), st.lists(documents, min_size=1, max_size=3))
def test_grouped_within_gives_the_same_matches_and_witnesses_as_unit_by_unit(
    qs: list[tuple],  # type: ignore[type-arg]
    docs: list[tuple],  # type: ignore[type-arg]
) -> None:
    texts = [render(q) for q in qs]
    assume(all(parse_or_none(t) is not None for t in texts))
    engine = Engine.compile(
        [Rule(key=f"q{i}", name=t, query=t) for i, t in enumerate(texts)], FakeResolver()
    )
    for title, paragraphs in docs:
        doc, _ = build_doc(title, paragraphs)
        fast = [astuple(m) for m in engine.match(doc)]  # every field, details included
        Evaluator.FAST_WITHIN = False
        try:
            slow = [astuple(m) for m in engine.match(doc)]  # details built while switched off
        finally:
            Evaluator.FAST_WITHIN = True
        assert fast == slow


def test_grouped_within_is_exercised() -> None:
    engine = Engine.compile(
        [Rule(key="w", name="w", query="(alpha OR gam*) /s beta")], FakeResolver()
    )
    doc, _ = build_doc([], [[["alpha", "beta"], ["gamut", "delta"]], [["beta", "gamma"]]])
    (match,) = engine.match(doc)
    assert sorted(w.surface.lower() for w in match.witnesses) == ["alpha", "beta", "beta", "gamma"]
