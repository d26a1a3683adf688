"""Who acts and whom the act is aimed at, read from one sentence with the real gazetteer."""

from __future__ import annotations

import pytest

from bot.matching.acts import Judge
from bot.matching.analysis import analyze
from bot.matching.gazetteer import load_gazetteer
from bot.matching.lexicon import load_lexicon
from bot.models import Document


@pytest.fixture(scope="module")
def judge() -> Judge:
    return Judge(load_lexicon(), load_gazetteer())


def roles(judge: Judge, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    doc = judge.document(analyze(Document(id="d", title="", text=text)))
    found = doc.cast(doc.sentence(("text", 0)))
    return found.actors, found.targets


@pytest.mark.parametrize(
    ("text", "actors", "targets"),
    [
        # the subject before the verb, the target after 'on'
        ("Russia imposed counter-sanctions on EU officials on Tuesday.", ("RU",), ("EU",)),
        # a passive with the agent after 'by'
        ("Five Georgian officials were sanctioned by Britain on Wednesday.", ("GB",), ("GE",)),
        # a passive whose actor only speaks at the end
        (
            "Additional travel bans will be imposed on 28 Russian officials, "
            "Australia's foreign minister said.",
            ("AU",),
            ("RU",),
        ),
        # a nationality before a government noun acts; before 'firms' it is hit
        (
            "The Chinese commerce ministry placed seven US defence firms on its list.",
            ("CN",),
            ("US",),
        ),
        # a second verb joined by 'and' shares the first one's subject: no actor here
        (
            "The package bans imports of Russian gas and adds 69 people to the list.",
            (),
            ("RU",),
        ),
        # a name's bracketed acronym does not cut the subject off from its verb
        (
            "The Treasury's Office of Foreign Assets Control (OFAC) on Wednesday designated "
            "12 companies in China for shipping drone engines to Russian manufacturers.",
            ("US",),
            ("CN", "RU"),
        ),
        # names joined into one subject
        ("The UK, Canada and Norway imposed sanctions on two ministers.", ("GB", "CA", "NO"), ()),
        # the reason is neither actor nor target
        (
            "Moscow banned 21 Australian citizens in retaliation for sanctions imposed by Canberra.",
            ("RU",),
            ("AU",),
        ),
        # Persian marks the object; the verb comes last
        ("دولت بریتانیا روز دوشنبه هشت مقام ایرانی را تحریم کرد.", ("GB",), ("IR",)),
        # ... the whole phrase before 'را' is the object, the subject far before the verb
        (
            "وزارت امور خارجه ایران روز چهارشنبه در اقدامی متقابل ۲۲ فرد و سه نهاد اتحادیه "
            "اروپا و هشت فرد انگلیسی را تحریم کرد.",
            ("IR",),
            ("EU", "GB"),
        ),
        ("وزارت خارجه ایران ۲۲ فرد اروپایی را تحریم کرد.", ("IR",), ()),
        # German: the subject before the auxiliary, the participle last
        ("Großbritannien hat Sanktionen gegen russische Tanker verhängt.", ("GB",), ("RU",)),
        # Arabic: the verb first
        ("فرضت بريطانيا عقوبات على روسيا.", ("GB",), ("RU",)),
    ],
)
def test_actor_and_targets(
    judge: Judge, text: str, actors: tuple[str, ...], targets: tuple[str, ...]
) -> None:
    found_actors, found_targets = roles(judge, text)
    assert set(found_actors) == set(actors)
    assert set(targets) <= set(found_targets)


def test_places_datelines_parentheses_and_voters_are_not_tagged(judge: Judge) -> None:
    _, targets = roles(judge, "PARIS — The EU adopted new sanctions against Russia on Friday.")
    assert "FR" not in targets
    actors, targets = roles(
        judge, "Strasbourg (France) — MEPs adopted a resolution on sanctions against Belarus."
    )
    assert "FR" not in actors + targets
    actors, targets = roles(
        judge, "Returning from Germany, the Foreign Secretary announced sanctions on Iran."
    )
    assert "DE" not in actors + targets and "GB" in actors
    actors, targets = roles(
        judge,
        "China added 14 firms to its export list, a move seen as aimed at Washington.",
    )
    assert "US" not in actors + targets
    actors, targets = roles(
        judge, "The Security Council adopted the resolution; France and Denmark abstained."
    )
    assert targets == () and "FR" not in actors


def test_a_bank_freezing_accounts_is_not_a_state_acting(judge: Judge) -> None:
    doc = judge.document(
        analyze(
            Document(
                id="d",
                title="",
                text="A high street bank froze the accounts of a charity after its trustee "
                "appeared on Britain's sanctions list.",
            )
        )
    )
    cast = doc.cast(doc.sentence(("text", 0)))
    assert cast.private and "GB" not in cast.actors + cast.targets


def test_the_council_is_the_eu_s_in_an_item_about_the_eu(judge: Judge) -> None:
    text = "The Council today prolonged the restrictive measures against Belarus."
    doc = judge.document(analyze(Document(id="d", title="EU extends Belarus sanctions", text=text)))
    assert doc.cast(doc.sentence(("text", 0))).actors == ("EU",)
    other = judge.document(analyze(Document(id="d", title="", text=text)))
    assert other.cast(other.sentence(("text", 0))).actors == ()
