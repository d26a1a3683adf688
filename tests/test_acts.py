"""The act layer: only a new act fires a pack; a /watch matches what it says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.matching.engine import Engine
from bot.matching.gazetteer import Gazetteer, load_gazetteer
from bot.models import ActPolicy, Document, Match, Rule

QUERY = (
    "(@body:EU OR Council) /s (sanctions OR measures) /s (adopted OR imposed OR impose OR banned)"
)
PACK = Rule(key="pack:t", name="t", query=QUERY, act=ActPolicy(actors=("EU",)))
WATCH = Rule(key="watch:1", name="w", query=QUERY)
PUBLISHED = datetime(2025, 5, 20, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def engine(gaz: Gazetteer) -> Engine:
    return Engine.compile([PACK, WATCH], gaz)


def fired(
    engine: Engine, text: str, title: str = "", published: datetime | None = PUBLISHED
) -> set[str]:
    doc = Document(id="d", title=title, text=text, published=published)
    return {m.rule_key for m in engine.match(doc)}


def match(engine: Engine, text: str, key: str, title: str = "") -> Match:
    doc = Document(id="d", title=title, text=text, published=PUBLISHED)
    return next(m for m in engine.match(doc) if m.rule_key == key)


def test_a_new_act_fires_both_the_pack_and_the_watch(engine: Engine) -> None:
    text = "The EU today adopted new sanctions against Belarus."
    assert fired(engine, text) == {"pack:t", "watch:1"}


@pytest.mark.parametrize(
    "text",
    [
        "In February 2022 the EU adopted sanctions against Russia.",  # dated well before
        "Last March the EU imposed sanctions on the shipping firm.",
        "The EU had already imposed sanctions on Russian banks.",  # pluperfect, 'already'
        "Oil trade shifted east after sanctions imposed by the EU closed markets.",  # participle
        "The EU could impose sanctions on more tankers.",  # a modal
        "Hungary threatened to block new EU sanctions unless the EU adopted a gas deal.",
        "The General Court annulled the Council's decision that imposed sanctions on him.",
    ],
)
def test_background_modals_threats_and_rulings_do_not_fire_the_pack(
    engine: Engine, text: str
) -> None:
    assert fired(engine, text) == {"watch:1"}  # the user's own rule still matches as written


def test_position_in_the_item_makes_background(engine: Engine) -> None:
    heading = (
        "The EU extended its measures.\n\nBackground\n\nIn 2014 the EU adopted sanctions on Crimea."
    )
    assert fired(engine, heading.replace("extended its measures", "met")) == {"watch:1"}
    recap = "Ukraine got a new loan. Нагадаємо, the EU adopted sanctions against Russia."
    assert "pack:t" not in fired(engine, recap)


def test_reported_speech_is_not_the_past(engine: Engine) -> None:
    text = "The Council said on Monday it had adopted sanctions against six Iranian officials."
    assert "pack:t" in fired(engine, text)


def test_the_actor_must_be_one_the_pack_wants(engine: Engine) -> None:
    text = "Russia imposed measures on EU officials on Tuesday, banning them from entry."
    assert fired(engine, text) == {"watch:1"}


def test_commentary_needs_a_date_of_now_and_opinion_never_fires(engine: Engine) -> None:
    text = "The EU adopted sanctions against Russia in this round. In this post, we describe them."
    dated = "On 18 May the EU adopted sanctions against Russia. In this post, we describe them."
    assert "pack:t" not in fired(engine, text)
    assert "pack:t" in fired(engine, dated)
    opinion = "Yesterday the EU adopted sanctions against Russia. They will not work."
    assert "pack:t" not in fired(engine, opinion, title="Opinion: another package")


def test_the_act_sentence_leads_and_carries_the_roles(engine: Engine) -> None:
    text = (
        "In 2014 the EU first adopted sanctions on Crimea.\n\n"
        "On Monday the EU adopted new sanctions against Belarus, the Council said."
    )
    pack = match(engine, text, "pack:t")
    assert pack.summary.startswith("On Monday the EU adopted new sanctions against Belarus")
    assert (pack.actors, pack.targets) == (("EU",), ("BY",))
    assert pack.countries[:2] == ("EU", "BY")
    assert "in one sentence" in pack.explanation and "a new act (Monday)" in pack.explanation
    watch = match(engine, text, "watch:1")
    assert watch.summary.startswith("On Monday")  # watches lead with the act sentence too
    assert "a new act" not in watch.explanation  # but nothing was judged for them


def test_no_publication_date_falls_back_to_the_items_own_dates(engine: Engine) -> None:
    text = "Brussels, 20 May 2025\n\nOn 31 July 2014 the Council adopted sanctions on Russia."
    assert "pack:t" not in fired(engine, text, published=None)
    assert "pack:t" in fired(
        engine, "On 19 May 2025 the Council adopted sanctions.", published=None
    )


def test_rules_without_a_policy_never_load_the_act_layer(gaz: Gazetteer) -> None:
    engine = Engine.compile([WATCH], gaz)
    engine.match(Document(id="d", title="", text="The EU adopted sanctions in 2014."))
    assert "judge" not in vars(engine)  # built lazily: only pack matches need it


# Any item that names the EU: the watch matches it; the pack only when it reports a new act.
NAMED = Rule(key="pack:n", name="n", query="@body:EU", act=ActPolicy(actors=("EU",)))
NAMED_WATCH = Rule(key="watch:n", name="n", query="@body:EU")


@pytest.fixture(scope="module")
def named(gaz: Gazetteer) -> Engine:
    return Engine.compile([NAMED, NAMED_WATCH], gaz)


@pytest.mark.parametrize(
    "text",
    [
        # the act another one answered: to the end of the sentence ...
        "Iran listed 30 officials. It came two days after the EU imposed sanctions on Iran.",
        "The step came hours after EU ministers agreed sanctions on Tehran, and the EU added "
        "more names.",
        # ... a relative clause on the measure, a far German pluperfect, Persian pluperfect
        "Bern took over the package of sanctions, which the EU adopted on Monday.",
        "Die EU hatte am Montag weitere iranische Funktionäre auf ihre Sanktionsliste gesetzt.",
        "این اقدام پس از آن انجام شد که اتحادیه اروپا ۳۰ مقام ایرانی را تحریم کرده بود.",
        # the invasion as the time of the act
        "When the EU imposed sanctions after the invasion, airlines lost their routes.",
    ],
)
def test_acts_told_as_context_do_not_fire_the_pack(named: Engine, text: str) -> None:
    assert fired(named, text) == {"watch:n"}


@pytest.mark.parametrize(
    "text",
    [
        "After Russia attacked Kyiv again, the EU adopted sanctions against 20 officials.",
        "Die EU hat am Montag weitere iranische Funktionäre auf ihre Sanktionsliste gesetzt.",
        "اتحادیه اروپا روز دوشنبه ۳۰ مقام ایرانی را تحریم کرد.",
    ],
)
def test_the_same_acts_told_as_news_fire_it(named: Engine, text: str) -> None:
    assert fired(named, text) == {"pack:n", "watch:n"}


def test_a_noun_before_of_is_not_a_verb(gaz: Gazetteer) -> None:
    rule = Rule(
        key="pack:c",
        name="c",
        query="(Russia /s sanctions /s signs)",
        act=ActPolicy(actors=("RU",), verbs=("signs",)),
    )
    engine = Engine.compile([rule], gaz)
    said = "The EU said its sanctions were working and Russia's economy showed signs of strain."
    assert fired(engine, said) == set()
    assert fired(engine, "Russia signs a decree on new sanctions against EU officials.") == {
        "pack:c"
    }


@pytest.mark.parametrize(
    ("title", "fires"),
    [
        ("EU sanctions 21 individuals over hybrid threats", True),
        ("EU sanctions envoy visits Central Asia", False),
        ("EU sanctions remain, spokesperson says", False),
    ],
)
def test_a_headline_s_sanctions_is_a_verb_only_before_its_object(
    gaz: Gazetteer, title: str, fires: bool
) -> None:
    rule = Rule(key="pack:h", name="h", query='title:"EU sanctions"', act=ActPolicy(actors=("EU",)))
    engine = Engine.compile([rule], gaz)
    assert bool(fired(engine, "No details were given.", title=title)) is fires
