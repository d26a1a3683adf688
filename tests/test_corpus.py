"""Precision and recall of the shipped packs on our labelled corpus, through the real engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.errors import UserInputError
from bot.matching.evaluate import (
    NOT_ENGLISH,
    CorpusItem,
    Counts,
    Report,
    evaluate,
    format_report,
    load_corpus,
)
from bot.matching.gazetteer import Gazetteer, load_gazetteer
from bot.matching.packs import Pack, load_packs

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "labelled.jsonl"
# Real-text paraphrases (issue 12): the part the packs were tuned on, and the part never
# tuned on (written and scored before any pack change; see tests/corpus/README.md).
TUNED = ROOT / "tests" / "corpus" / "real-tuned.jsonl"
UNTOUCHED = ROOT / "tests" / "corpus" / "real-untouched.jsonl"
RULES = ROOT / "rules"
# Packs that had no labelled items before issue 12: their figures come from the real corpora.
MIN_POSITIVES = 8


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def packs() -> list[Pack]:
    return load_packs(RULES)


@pytest.fixture(scope="module")
def items() -> list[CorpusItem]:
    return load_corpus(CORPUS)


@pytest.fixture(scope="module")
def report(items: list[CorpusItem], packs: list[Pack], gaz: Gazetteer) -> Report:
    return evaluate(items, packs, gaz)


@pytest.fixture(scope="module")
def real(packs: list[Pack], gaz: Gazetteer) -> dict[str, tuple[list[CorpusItem], Report]]:
    out = {}
    for path in (TUNED, UNTOUCHED):
        loaded = load_corpus(path)
        out[path.stem] = (loaded, evaluate(loaded, packs, gaz))
    return out


def test_corpus_is_big_and_balanced(items: list[CorpusItem], packs: list[Pack]) -> None:
    assert len(items) >= 120
    positives = [i for i in items if i.packs]
    assert 0.4 <= len(positives) / len(items) <= 0.65
    # List packs (tag 'lists') match list-change items, which these news corpora do not
    # hold; tests/lists and their embedded examples cover them.
    everything = items + load_corpus(TUNED) + load_corpus(UNTOUCHED)
    for pack in (p for p in packs if "lists" not in p.tags):
        count = sum(pack.id in i.packs for i in everything)
        assert count >= MIN_POSITIVES, f"too few positives for {pack.id}"
    assert any(not i.text.isascii() for i in positives), "multilingual positives"


def test_real_corpora_cover_the_languages_of_the_region() -> None:
    for path in (TUNED, UNTOUCHED):
        loaded = load_corpus(path)
        langs = {i.lang for i in loaded if i.packs}
        assert {"en", "ru", "uk", "be", "pl", "de", "fr", "it", "es", "pt"} <= langs, path
        assert all(i.published is not None for i in loaded), "real items carry their date"


def test_item_level_precision_and_recall(report: Report) -> None:
    assert report.items.precision is not None and report.items.recall is not None
    assert report.items.precision >= 0.95, format_report(report)
    assert report.items.recall >= 0.95, format_report(report)


def test_per_pack_precision_and_recall(report: Report, packs: list[Pack]) -> None:
    assert set(report.packs) == {p.id for p in packs}
    lists = {p.id for p in packs if "lists" in p.tags}
    for pack_id, counts in report.packs.items():
        if pack_id in lists:  # list packs: no news item may ever fire them
            assert counts.fp == 0 and counts.tp == 0, (pack_id, format_report(report))
            continue
        if counts.tp + counts.fn < MIN_POSITIVES:
            continue  # a pack newer than this corpus: measured on the real corpora below
        assert counts.precision is not None and counts.precision >= 0.9, (
            pack_id,
            format_report(report),
        )
        assert counts.recall is not None and counts.recall >= 0.9, (pack_id, format_report(report))


@pytest.mark.parametrize("name", [TUNED.stem, UNTOUCHED.stem])
def test_real_text_item_level_and_other_languages(
    real: dict[str, tuple[list[CorpusItem], Report]], name: str
) -> None:
    """Issue 12's bar: precision and recall >= 0.90, recall >= 0.80 outside English."""
    _, report = real[name]
    text = format_report(report)
    assert report.items.precision is not None and report.items.precision >= 0.9, text
    assert report.items.recall is not None and report.items.recall >= 0.9, text
    other = report.languages[NOT_ENGLISH]
    assert other.recall is not None and other.recall >= 0.8, text
    # and which pack gets the credit: a counter-sanction credited to the EU pack counts
    pairs = report.pairs
    assert pairs.precision is not None and pairs.precision >= 0.9, text
    assert pairs.recall is not None and pairs.recall >= 0.9, text


def test_real_text_per_pack_on_the_tuned_part(
    real: dict[str, tuple[list[CorpusItem], Report]], packs: list[Pack]
) -> None:
    _, report = real[TUNED.stem]
    lists = {p.id for p in packs if "lists" in p.tags}
    for pack_id, counts in report.packs.items():
        if pack_id in lists:  # list packs: no news item may ever fire them
            assert counts.fp == 0 and counts.tp == 0, (pack_id, format_report(report))
            continue
        assert counts.precision is not None and counts.precision >= 0.8, (
            pack_id,
            format_report(report),
        )
        assert counts.recall is not None and counts.recall >= 0.7, (pack_id, format_report(report))


def test_counts_add_up(report: Report, items: list[CorpusItem]) -> None:
    c = report.items
    assert c.tp + c.fp + c.fn + c.tn == len(items)
    for counts in report.packs.values():
        assert counts.tp + counts.fp + counts.fn + counts.tn == len(items)
    pairs = report.pairs
    assert pairs.tp + pairs.fp + pairs.fn + pairs.tn == len(items) * len(report.packs)
    assert pairs.tp == sum(len(set(o.expected) & set(o.fired)) for o in report.outcomes)


def test_evaluate_sees_wrong_labels(
    items: list[CorpusItem], packs: list[Pack], gaz: Gazetteer
) -> None:
    """The figures come from the engine: flipping labels must show up as errors."""
    flipped = [
        CorpusItem(i.id, i.title, i.text, () if i.packs else ("eu-sanctions",)) for i in items[:20]
    ]
    report = evaluate(flipped, packs, gaz)
    assert len(report.misclassified) == 20
    assert report.items.tp == 0


def test_counts_ratios() -> None:
    assert Counts(tp=9, fp=1, fn=3).precision == 0.9
    assert Counts(tp=9, fp=1, fn=3).recall == 0.75
    assert Counts(tn=5).precision is None
    assert Counts(tn=5).recall is None


def test_format_report_lists_packs_totals_and_errors(packs: list[Pack], gaz: Gazetteer) -> None:
    items = [
        CorpusItem(
            "hit",
            "EU adopts sanctions",
            "The Council today adopted restrictive measures against Belarus.",
            ("eu-sanctions",),
        ),
        CorpusItem("miss", "Weather", "Sunny in Brussels.", ("eu-sanctions",)),
        CorpusItem("false", "", "The Council today prolonged the EU sanctions against Syria.", ()),
    ]
    text = format_report(evaluate(items, packs, gaz))
    assert "eu-sanctions" in text and "precision" in text and "recall" in text
    assert "items (any pack)" in text and "(item, pack) pairs" in text
    assert "miss: missed eu-sanctions" in text
    assert "false: wrongly fired eu-sanctions" in text
    assert "hit:" not in text


def test_unknown_pack_label_is_a_clear_error(packs: list[Pack], gaz: Gazetteer) -> None:
    with pytest.raises(UserInputError, match="unknown pack"):
        evaluate([CorpusItem("x", "t", "", ("no-such-pack",))], packs, gaz)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "invalid JSON"),
        ("[1, 2]", "JSON object"),
        (json.dumps({"title": "t", "packs": []}), "'id'"),
        (json.dumps({"id": "a", "packs": []}), "neither title nor text"),
        (json.dumps({"id": "a", "title": "t", "packs": "eu-sanctions"}), "'packs'"),
        (json.dumps({"id": "a", "title": 5, "packs": []}), "strings"),
    ],
)
def test_load_corpus_rejects_bad_lines(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"id": "ok", "title": "t", "packs": []}) + "\n" + line + "\n")
    with pytest.raises(UserInputError, match=message) as err:
        load_corpus(path)
    assert ":2:" in str(err.value)


def test_load_corpus_duplicates_blank_lines_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    row = json.dumps({"id": "a", "title": "t", "text": "x", "packs": ["eu-sanctions"]})
    path.write_text(row + "\n\n")
    assert load_corpus(path) == [CorpusItem("a", "t", "x", ("eu-sanctions",))]
    path.write_text(row + "\n" + row + "\n")
    with pytest.raises(UserInputError, match="duplicate id"):
        load_corpus(path)
    with pytest.raises(UserInputError, match="cannot read"):
        load_corpus(tmp_path / "missing.jsonl")


def test_items_carry_publication_dates_and_languages(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    rows = [
        {"id": "a", "title": "t", "packs": [], "published": "2025-02-24", "lang": "de"},
        {"id": "b", "title": "t", "packs": [], "date": "2025-02-24T10:00:00Z"},
        {"id": "c", "title": "t", "packs": []},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    a, b, c = load_corpus(path)
    assert a.published is not None and a.published.tzinfo is not None and a.lang == "de"
    assert b.published is not None and b.published.hour == 10
    assert c.published is None and c.document().published is None
    assert a.document().published == a.published
    path.write_text(json.dumps({"id": "x", "title": "t", "packs": [], "published": "soon"}))
    with pytest.raises(UserInputError, match="ISO date"):
        load_corpus(path)


def test_report_has_figures_per_language(packs: list[Pack], gaz: Gazetteer) -> None:
    items = [
        CorpusItem(
            "de",
            "",
            "Die EU hat am Montag neue Sanktionen gegen Russland beschlossen.",
            ("eu-sanctions",),
            lang="de",
        ),
        CorpusItem("en", "", "The weather was fine in Brussels.", (), lang="en"),
    ]
    report = evaluate(items, packs, gaz)
    assert set(report.languages) == {"de", "en", NOT_ENGLISH}
    assert report.languages["de"].tp == 1 and report.languages[NOT_ENGLISH].tp == 1
    assert "items by language:" in format_report(report)
