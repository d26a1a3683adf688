"""Extractive summary, highlights, explanation and country ranking."""

from __future__ import annotations

from bot.matching.engine import Engine
from bot.matching.query import parse_query
from bot.matching.summary import SUMMARY_LIMIT, explain, rank_sentences
from bot.models import Document, Match, Rule, Witness
from tests.test_engine import FakeResolver


def match_of(query: str, text: str, title: str = "") -> Match:
    engine = Engine.compile([Rule(key="r", name="r", query=query)], FakeResolver())
    (match,) = engine.match(Document(id="d", title=title, text=text))
    return match


def test_summary_leads_with_the_sentence_where_most_terms_meet() -> None:
    text = (
        "Sanctions were mentioned first. The weather was fine. "
        "Later the parliament voted on sanctions against Belarus. Nothing else."
    )
    match = match_of("sanctions parliament @country:BY", text)
    assert match.summary.startswith("Later the parliament voted on sanctions against Belarus.")
    # The far-away lone mention is not pulled in; the lead's neighbours may be.
    assert "weather" not in match.summary


def test_summary_adds_neighbouring_and_co_occurring_sentences_up_to_three() -> None:
    text = "One a. Two b. Three a b. Four. Five a b. Six a b. Seven a b."
    match = match_of("a b", text)
    assert match.summary.count(".") == 3  # three sentences at most


def test_highlights_are_offsets_into_the_summary() -> None:
    text = "Intro.\n\nThe Européan Parliament adopted résolutions on Беларусь today."
    match = match_of('"European Parliament" /s resolution* @country:BY', text)
    assert [match.summary[a:b] for a, b in match.highlights] == [
        "Européan Parliament",
        "résolutions",
        "Беларусь",
    ]


def test_long_sentence_is_trimmed_on_a_word_boundary_around_the_terms() -> None:
    filler = " ".join(f"word{i}" for i in range(150))
    text = f"{filler} and then sanctions on Belarus were adopted {filler}."
    match = match_of("sanctions /s @country:BY", text)
    assert len(match.summary) <= SUMMARY_LIMIT
    assert match.summary.startswith("…") and match.summary.endswith("…")
    assert "sanctions on Belarus" in match.summary
    inner = match.summary.strip("…")
    assert all(
        piece.startswith("word")
        or piece in {"and", "then", "sanctions", "on", "Belarus", "were", "adopted"}
        for piece in inner.split()
    )
    assert [match.summary[a:b] for a, b in match.highlights] == ["sanctions", "Belarus"]


def test_short_text_is_kept_whole() -> None:
    match = match_of("sanctions", "New sanctions.")
    assert match.summary == "New sanctions."
    assert match.highlights == ((4, 13),)


def test_title_only_match_summarises_the_title() -> None:
    match = match_of("title:sanctions", "Nothing here.", title="Sanctions on Minsk")
    assert match.summary == "Sanctions on Minsk"


def test_explanation_uses_surfaces_and_the_operators_that_held() -> None:
    text = "The European Parliament adopted a resolution on Belarus. Sanctions followed."
    match = match_of(
        '("European Parliament" OR MEPs) AND (resolution /s @country:BY) AND sanction* -football',
        text,
    )
    assert match.explanation == (
        "European Parliament + (resolution + Belarus in one sentence) + Sanctions"
    )


def test_explanation_groups_compound_operands() -> None:
    match = match_of("(a b) NEAR/3 c", "x a b c")
    assert match.explanation == "(a + b) within 3 words of c"


def test_explain_skips_what_did_not_hold() -> None:
    node = parse_query("(x OR y) z -w")
    witnesses = [Witness("y", "text", 0, 0, 1, "Y"), Witness("z", "text", 0, 2, 3, "Z")]
    assert explain(node, witnesses) == "Y + Z"
    assert explain(node, []) is None


def test_rank_sentences_prefers_distinct_terms_then_hits() -> None:
    def wit(term: str, sentence: int) -> Witness:
        return Witness(term, "text", sentence, 0, 1, term)

    witnesses = [wit("a", 0), wit("a", 0), wit("a", 0), wit("a", 5), wit("b", 5), wit("c", 9)]
    assert rank_sentences(witnesses) == [("text", 5)]


def test_countries_are_the_act_s_roles_not_every_place_mentioned() -> None:
    text = (
        "Moscow and Russia and Russian officials. Paris said nothing. "
        "Sanctions hit Belarus and Ukraine."
    )
    match = match_of("sanctions /s @country:UA", text)
    # Sanctions (the subject) hit Belarus and Ukraine: both are targets, no one acts.
    assert (match.actors, match.targets) == ((), ("BY", "UA"))
    assert match.countries == ("BY", "UA")  # Russia and France are only mentioned elsewhere


def test_countries_without_roles_are_the_query_s_then_the_summary_s() -> None:
    text = "Moscow and Russia. Paris said nothing. Talks on sanctions were held in Kyiv."
    match = match_of("sanctions /s @country:UA", text)
    assert (match.actors, match.targets) == ((), ())  # Kyiv is only where it happened
    assert match.countries == ("UA",)


def test_no_countries_when_none_mentioned() -> None:
    assert match_of("sanctions", "New sanctions.").countries == ()


def test_explanation_is_never_one_bare_word() -> None:
    assert match_of("sanctions", "New sanctions.").explanation == "mentions sanctions"
    assert match_of("title:sanctions", "x", title="Sanctions").explanation == (
        "Sanctions in the title"
    )


def test_explanation_does_not_repeat_a_part_another_part_shows() -> None:
    from bot.matching.summary import _without_repeats

    assert _without_repeats(["EU", "EU NEAR/12 sanctions /s adopted"]) == [
        "EU NEAR/12 sanctions /s adopted"
    ]
    assert _without_repeats(["Council", "Council"]) == ["Council"]
    # a part that only shares a word prefix is kept: "UN" is not shown by "UNESCO"
    assert _without_repeats(["UN", "UNESCO /s sanctions"]) == ["UN", "UNESCO /s sanctions"]
    assert _without_repeats(["European Parliament", "MEPs /s resolution"]) == [
        "European Parliament",
        "MEPs /s resolution",
    ]
