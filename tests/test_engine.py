"""The rule engine: semantics of every operator, witnesses, exclusions, candidate pruning."""

from __future__ import annotations

import gc
import pickle
import weakref
from collections.abc import Mapping
from dataclasses import FrozenInstanceError, asdict, fields

import pytest

from bot.errors import QuerySyntaxError
from bot.matching.engine import Engine
from bot.models import Document, Match, Rule


class FakeResolver:
    """A small EntityResolver standing in for the gazetteer."""

    COUNTRIES: Mapping[str, tuple[str, ...]] = {
        "BY": ("Belarus", "Republic of Belarus", "Belarusian", "Minsk", "Беларусь"),
        "RU": ("Russia", "Russian Federation", "Russian", "Moscow", "Россия"),
        "UA": ("Ukraine", "Ukrainian", "Kyiv"),
        "KP": ("North Korea", "North Korean", "Pyongyang"),
        "FR": ("France", "French", "Paris"),
    }
    BODIES: Mapping[str, tuple[str, ...]] = {
        "EP": ("European Parliament", "Europarliament", "Европарламент"),
        "UNSC": ("UN Security Council", "Security Council"),
        "EMPTY": (),
    }

    def names(self, kind: str, code: str) -> tuple[str, ...]:
        table = {"country": self.COUNTRIES, "body": self.BODIES}[kind]
        return table[code]

    def country_names(self) -> Mapping[str, tuple[str, ...]]:
        return self.COUNTRIES


class DenyResolver(FakeResolver):
    """A resolver with the gazetteer's optional exclusions (phrases where a name is not the entity)."""

    COUNTRIES: Mapping[str, tuple[str, ...]] = {
        **FakeResolver.COUNTRIES,
        "GE": ("Georgia", "Tbilisi"),
        "GN": ("Guinea", "Conakry"),
    }

    def exclusions(self, kind: str, code: str) -> tuple[str, ...]:
        self.names(kind, code)
        return {"GE": ("Atlanta, Georgia", "state of Georgia"), "GN": ("guinea pig",)}.get(code, ())


def test_entity_exclusions_drop_names_inside_deny_phrases() -> None:
    engine = Engine.compile(
        [Rule(key="r", name="r", query="sanctions /s (@country:GE OR @country:GN)")], DenyResolver()
    )

    def countries(text: str) -> list[tuple[str, ...]]:
        return [m.countries for m in engine.match(Document(id="d", title="", text=text))]

    assert countries("Sanctions hit a firm in Atlanta, Georgia and a guinea pig farm.") == []
    assert countries("Sanctions on Georgia were lifted.") == [("GE",)]
    # A real mention in the same sentence still counts; the excluded one is not tagged.
    (match,) = engine.match(
        Document(
            id="d", title="", text="Sanctions: Guinea pig exports and Georgia, state of Georgia."
        )
    )
    assert [w.surface for w in match.witnesses if w.term.startswith("@")] == ["Georgia"]
    assert match.countries == ("GE",)


def engine_for(*queries: str) -> Engine:
    rules = [Rule(key=f"watch:{i}", name=f"rule {i}", query=q) for i, q in enumerate(queries)]
    return Engine.compile(rules, FakeResolver())


def fires(query: str, text: str, title: str = "") -> bool:
    return bool(engine_for(query).match(Document(id="d", title=title, text=text)))


@pytest.mark.parametrize(
    ("query", "title", "text", "expected"),
    [
        ("sanctions", "", "New sanctions today.", True),
        ("sanctions", "", "No measures today.", False),
        ("sanction", "", "New sanctions today.", False),  # words match whole words only
        ("sanction*", "", "New sanctions today.", True),
        ("sanction*", "", "Antisanction moves.", False),  # a wildcard is a token prefix
        ("SANCTIONS", "", "new sanctions", True),
        ("Lukaschenko", "", "Lukaschénko spoke", True),  # accent-insensitive both ways
        ("Lukaschénko", "", "LUKASCHENKO spoke", True),
        ('"European Parliament"', "", "the European\nParliament voted", True),
        ('"European Parliament"', "", "European Union Parliament", False),
        ('"Union State"', "", "the Union-State treaty", True),
        ("U.S.", "", "the U.S. Treasury", True),
        ("U.S.", "", "the US Treasury", False),
        ("a OR b", "", "only b here", True),
        ("a b", "", "b then a", True),
        ("a b", "", "only a", False),
        ("a -b", "", "a without the other", True),
        ("a -b", "", "a and b", False),
        ("a NOT b", "b in title", "a in text", False),  # NOT looks at the whole document
        ("title:a", "a title", "text", True),
        ("title:a", "title", "a text", False),
        ("text:a", "a title", "text", False),
        ("a b", "a", "b", True),  # AND spans the fields
        ("a NEAR/2 b", "", "a x b", True),
        ("a NEAR/2 b", "", "b x a", True),  # either order
        ("a NEAR/1 b", "", "a x b", False),
        ("a NEAR/1 b", "", "a b", True),
        ("a NEAR/3 b", "", "a. Then b", True),  # NEAR counts words, not sentences
        ("a NEAR/5 b", "a", "b", False),  # not across fields
        ("a /s b", "", "a and b. C", True),
        ("a /s b", "", "a and c. B", False),
        ("a /s b", "a and b", "", True),  # the title is its own sentence
        ("a /s b", "a", "b", False),
        ("a /p b", "", "A. Then b.\n\nc", True),
        ("a /p b", "", "A. C.\n\nb", False),
        ("(a OR b) /s (c d)", "", "B c d. A", True),
        ("(a OR b) /s (c d)", "", "B c. D a", False),  # one sentence must satisfy both sides
        ("a /s -b", "", "A b. A c", True),
        ("a /s (NOT b)", "", "A b. A c", True),  # a sentence with a and without b
        ("a /s -b", "", "A b. C", False),
        ("(a NEAR/2 b) /s c", "", "a x b c.", True),
        ("(a NEAR/2 b) /s c", "", "A x b. C.", False),
        ("(a b) NEAR/2 c", "", "a b c", True),
        ("(a b) NEAR/2 c", "", "a b x x x x c", False),
        ("(a b) NEAR/2 c", "", "a b x x x x c x b x a", True),  # b, a and c close together
        ("(a b) NEAR/2 c", "", "a x x x c x x x b", False),  # a and b too far apart
        ("@country:BY", "", "Talks in Minsk", True),
        ("@country:BY", "", "Беларусь и Россия", True),
        ("@country:BY", "", "Belarusians", False),  # names are whole words
        ("@body:EP /s resolution*", "", "The European Parliament adopted resolutions.", True),
        ("@body:EMPTY OR a", "", "a", True),  # an entity without names never matches
        ("@body:EMPTY a", "", "a", False),
        ("x sanctions", "", "x 🇧🇾 sanctions ‏مرحبا", True),
    ],
)
def test_semantics(query: str, title: str, text: str, expected: bool) -> None:
    assert fires(query, text, title) is expected


def test_exclusions_win() -> None:
    engine = engine_for('sanctions "Belarus" -football', "(sanctions OR Belarus) -football")
    doc = Document(id="d", title="Football club sanctioned", text="Sanctions on Belarus clubs.")
    assert engine.match(doc) == []


def test_witnesses_point_at_the_original_text() -> None:
    engine = engine_for('"European Parliament" /s resolution* AND @country:BY')
    title = "Européan Parliament?"
    text = "Intro.\n\nThe EUROPEAN  Parliament adopted a résolution on Беларусь and Minsk."
    (match,) = engine.match(Document(id="d", title=title, text=text))
    seen = {(w.term, w.surface) for w in match.witnesses}
    assert seen == {
        ('"European Parliament"', "EUROPEAN  Parliament"),
        ("resolution*", "résolution"),
        ("@country:BY", "Беларусь"),
        ("@country:BY", "Minsk"),
    }
    for wit in match.witnesses:
        source = title if wit.field == "title" else text
        assert source[wit.start : wit.end] == wit.surface
        assert wit.field == "text" and wit.sentence == 1


def test_witness_offsets_survive_expanding_characters() -> None:
    text = "ﬁnal ﬁgures: Straße sanctions on Bélarus"
    (match,) = engine_for("sanctions /s @country:BY").match(Document(id="d", title="", text=text))
    assert [(text[w.start : w.end]) for w in match.witnesses] == ["sanctions", "Bélarus"]


def test_match_reports_rule_and_document() -> None:
    rule = Rule(key="pack:x", name="X rule", query="sanctions")
    (match,) = Engine.compile([rule], FakeResolver()).match(
        Document(id="42", title="", text="sanctions")
    )
    assert (match.rule_key, match.rule_name, match.doc_id) == ("pack:x", "X rule", "42")


def test_rules_by_key_and_order() -> None:
    engine = engine_for("zebra", "apple", "apple zebra")
    assert list(engine.rules) == ["watch:0", "watch:1", "watch:2"]
    found = engine.match(Document(id="d", title="", text="apple and zebra"))
    assert [m.rule_key for m in found] == ["watch:0", "watch:1", "watch:2"]


def test_compile_error_names_the_rule() -> None:
    rules = [
        Rule(key="pack:good", name="g", query="a"),
        Rule(key="watch:7", name="b", query="a OR"),
    ]
    with pytest.raises(QuerySyntaxError) as caught:
        Engine.compile(rules, FakeResolver())
    assert "watch:7" in str(caught.value)
    assert caught.value.position == 4
    with pytest.raises(QuerySyntaxError, match=r"watch:1.*unknown country 'ZZ'"):
        engine_for("a", "@country:ZZ")
    with pytest.raises(QuerySyntaxError, match="duplicate"):
        Engine.compile([rules[0], rules[0]], FakeResolver())


def test_term_lists_from_rule() -> None:
    rule = Rule(
        key="pack:t",
        name="t",
        query="$who /s $what",
        terms={"who": ("@body:EP", "MEPs"), "what": ("resolution*",)},
    )
    engine = Engine.compile([rule], FakeResolver())
    assert engine.match(Document(id="d", title="", text="MEPs backed a resolution."))
    assert not engine.match(Document(id="d", title="", text="MEPs met. A resolution passed."))


def test_no_rules_and_empty_documents() -> None:
    empty = Engine.compile([], FakeResolver())
    assert empty.match(Document(id="d", title="Belarus", text="sanctions")) == []
    assert engine_for("a").match(Document(id="d", title="", text="")) == []


CORPUS = [
    (
        "EU widens sanctions on Belarus",
        "The Council adopted new restrictive measures. Minsk protested.",
    ),
    (
        "",
        "The European Parliament adopted a resolution on Russia. Sanctions were discussed.\n\nKyiv welcomed it.",
    ),
    ("Football", "A football club from Minsk was sanctioned by UEFA after the match."),
    ("Markets", "Russian assets frozen; sanctions hit banks in Moscow and Paris."),
    ("", "North Korean envoy visited Moscow. No sanctions were mentioned at all."),
    (
        "UN vote",
        "The Security Council failed to adopt a resolution on Ukraine after a Russian veto.",
    ),
]
QUERIES = [
    "sanction*",
    "sanctions -football",
    "@country:BY /s sanction*",
    "@body:EP /s resolution* AND @country:RU",
    '"restrictive measures" OR embargo',
    "(sanctions OR measures) /p (@country:BY OR @country:RU)",
    "resolution NEAR/5 @country:UA",
    "title:(sanctions OR vote) text:resolution",
    "assets NEAR/3 frozen -Paris",
    "veto /s (Russian -football)",
    "zebra OR unicorn",
    "Moscow /s -sanctions",
    "Moscow /s (NOT sanctions)",
]


def test_candidate_pruning_is_equivalent_to_evaluating_every_rule() -> None:
    engine = engine_for(*QUERIES)
    total = 0
    for index, (title, text) in enumerate(CORPUS):
        doc = Document(id=str(index), title=title, text=text)
        pruned = engine.match(doc)
        assert pruned == engine.match(doc, exhaustive=True)
        total += len(pruned)
    assert total >= 10  # the corpus exercises the rules, not just empty results


def test_each_rule_alone_matches_like_in_a_shared_engine() -> None:
    shared = engine_for(*QUERIES)
    for index, (title, text) in enumerate(CORPUS):
        doc = Document(id=str(index), title=title, text=text)
        together = {m.rule_key for m in shared.match(doc)}
        alone = {f"watch:{i}" for i, q in enumerate(QUERIES) if fires(q, text, title)}
        assert together == alone


def test_matches_are_plain_match_values_whose_details_are_filled_on_first_read() -> None:
    engine = engine_for("sanctions /s @country:BY")
    doc = Document(id="d", title="", text="The EU renewed sanctions on Belarus.")
    (lazy,) = engine.match(doc)
    assert isinstance(lazy, Match)
    assert "summary" not in vars(lazy)  # nothing built until read
    # The act sentence's roles lead the tags: the EU acts, Belarus is aimed at.
    assert lazy.countries == ("EU", "BY")
    assert (lazy.actors, lazy.targets) == (("EU",), ("BY",))
    assert lazy.summary == "The EU renewed sanctions on Belarus."
    assert lazy.explanation == "sanctions + Belarus in one sentence"
    assert [w.surface for w in lazy.witnesses] == ["sanctions", "Belarus"]
    plain = Match(**{f.name: getattr(lazy, f.name) for f in fields(Match)})
    assert lazy == plain and plain == lazy and hash(lazy) == hash(plain)
    assert asdict(lazy) == asdict(plain)
    copied = pickle.loads(pickle.dumps(engine.match(doc)[0]))
    assert type(copied) is Match and copied == plain
    with pytest.raises(AttributeError):
        lazy.no_such_field  # noqa: B018
    with pytest.raises(FrozenInstanceError):
        lazy.summary = "changed"  # type: ignore[misc]


def test_evidence_is_built_once_when_asked_and_explained_is_a_plain_match() -> None:
    from bot.matching.lazy import Evidence, explained

    engine = engine_for("sanctions /s @country:BY")
    doc = Document(id="d", title="", text="The EU renewed sanctions on Belarus.")
    (lazy,) = engine.match(doc)
    assert "_source" in vars(lazy) and "witnesses" not in vars(lazy)
    evidence = lazy.evidence()
    assert isinstance(evidence, Evidence) and lazy.evidence() is evidence
    assert "_source" not in vars(lazy)  # the document's state is let go
    assert evidence.summary == "The EU renewed sanctions on Belarus."
    assert (evidence.actors, evidence.targets) == (("EU",), ("BY",))
    plain = explained(lazy)
    assert type(plain) is Match and plain == lazy and explained(plain) is plain
    assert (plain.witnesses, plain.countries) == (evidence.witnesses, evidence.countries)


PLAN_QUERIES = [
    '"asset freeze" NEAR/2 (Belarus OR "North Korea")',
    "(sanctions OR embargo) NEAR/1 @country:RU",
    "title:(sanctions NEAR/3 Russia)",
    "text:(sanctions NEAR/3 Russia) -title:Russia",
    "(vote /s sanctions) NEAR/4 Russia",
    "(sanctions /s Russia) /p (vote -veto)",
    "((sanctions /s Russia) /p vote) /s Moscow",
    "(vote /p (sanctions /s Russia)) AND Paris",
    "title:(vote /s -sanctions) AND Russia",
    "(-veto /s -vote) AND sanctions",
]
PLAN_DOCS = [
    ("Sanctions on Russia", "The vote failed. Paris objected."),
    ("Vote today", "An asset freeze on Belarus and North Korea. Russia faces sanctions."),
    ("", "Sanctions against the Russian Federation.\n\nA vote in Moscow on sanctions for Russia."),
    ("Russia", "Embargo Russia. Veto.\n\nAsset freeze, then Belarus."),
    ("Veto on sanctions", "x " * 120 + "Russia sanctions"),
]


def test_rule_plans_agree_with_the_span_evaluator_on_each_operator_shape() -> None:
    engine = engine_for(*PLAN_QUERIES)
    fired = 0
    for index, (title, text) in enumerate(PLAN_DOCS):
        doc = Document(id=str(index), title=title, text=text)
        planned = engine.match(doc)
        assert planned == engine.match(doc, exhaustive=True)
        fired += len(planned)
    assert fired >= 8
    # Each NEAR-of-terms shape is decided from token covers, not the span evaluator.
    assert fires('"asset freeze" NEAR/2 Belarus', "An asset freeze on Belarus.")
    assert not fires('"asset freeze" NEAR/1 Belarus', "An asset freeze on Belarus.")
    assert not fires("sanctions NEAR/5 Russia", "Russia", title="sanctions")


def test_a_documents_state_is_freed_with_its_matches_without_the_cycle_collector() -> None:
    # The cyclic GC would eventually free it too, but at 10,000 rules waiting for it
    # cost ~15% of matching time: nothing in the state may point back at it.
    engine = engine_for("sanctions /s @country:BY", "sanctions NEAR/3 (Belarus OR Russia)")
    doc = Document(id="d", title="", text="The EU renewed sanctions on Belarus.")
    gc.collect()
    gc.disable()
    try:
        for read_details in (False, True):
            matches = engine.match(doc)
            assert len(matches) == 2
            state = weakref.ref(vars(matches[0])["_source"])
            if read_details:
                assert all(m.summary and m.witnesses for m in matches)
            del matches
            assert state() is None
    finally:
        gc.enable()
