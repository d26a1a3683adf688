"""The packs we ship in rules/: they load, carry enough examples, and pass them for real."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.matching.engine import Engine
from bot.matching.gazetteer import Gazetteer, load_gazetteer
from bot.matching.packs import Pack, check_packs, load_packs
from bot.models import Document
from tests.support.seed import shared_seed

RULES = Path(__file__).resolve().parent.parent / "rules"
EXPECTED = {
    "ep-resolutions",
    "eu-sanctions",
    "un-sanctions",
    "us-sanctions",
    "uk-sanctions",
    "other-sanctions",
    "sanction-calls",
    "list-russia",
    "list-belarus",
    "list-delistings",
    "list-vessels",
    "list-not-yet-listed",
    "counter-sanctions",
    "national-parliaments",
}
SEED = shared_seed()  # outside the repository: tests/support/seed.py finds it


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="module")
def packs() -> list[Pack]:
    return load_packs(RULES)


def test_every_expected_pack_ships_once(packs: list[Pack]) -> None:
    ids = [p.id for p in packs]
    assert len(ids) == len(set(ids))
    assert set(ids) == EXPECTED


def test_one_pack_per_file_named_after_its_id(packs: list[Pack]) -> None:
    for pack in packs:
        assert pack.path is not None
        assert pack.path.name == f"{pack.id}.yaml"


@pytest.mark.parametrize("pack_id", sorted(EXPECTED))
def test_pack_has_metadata_and_examples(packs: list[Pack], pack_id: str) -> None:
    pack = next(p for p in packs if p.id == pack_id)
    assert pack.name and pack.description and pack.tags
    assert pack.terms, "packs name their term lists"
    assert len(pack.match_examples) >= 5
    assert len(pack.no_match_examples) >= 5


def test_embedded_examples_pass_with_the_real_gazetteer(packs: list[Pack], gaz: Gazetteer) -> None:
    assert check_packs(packs, gaz) == []


def test_check_packs_would_notice_a_wrong_example(packs: list[Pack], gaz: Gazetteer) -> None:
    """Guard against a checker that cannot fail: swap one pack's examples."""
    pack = next(p for p in packs if p.id == "eu-sanctions")
    swapped = Pack(
        id=pack.id,
        name=pack.name,
        query=pack.query,
        terms=pack.terms,
        match_examples=pack.no_match_examples,
        no_match_examples=pack.match_examples,
        act=pack.act,
    )
    failures = check_packs([swapped], gaz)
    assert len(failures) == len(pack.match_examples) + len(pack.no_match_examples)


def _seed_document(keep_last: bool, cut: int = 2) -> Document:
    assert SEED is not None
    paragraphs = SEED.read_text(encoding="utf-8").splitlines()
    if not keep_last:
        paragraphs = paragraphs[:-cut]
    return Document(id="seed", title="Lukashenko in Sochi", text="\n\n".join(paragraphs))


@pytest.mark.skipif(SEED is None, reason="the seed article lives outside the repo")
def test_seed_article_flags_only_with_its_last_paragraphs(
    packs: list[Pack], gaz: Gazetteer
) -> None:
    engine = Engine.compile([p.rule() for p in packs], gaz)
    found = {m.rule_key: m for m in engine.match(_seed_document(keep_last=True))}
    assert "pack:ep-resolutions" in found
    ep = found["pack:ep-resolutions"]
    assert ep.summary.startswith("In a resolution adopted Wednesday")  # the act leads
    assert "satellite state" in ep.summary
    assert "BY" in ep.targets
    assert engine.match(_seed_document(keep_last=False)) == []
    assert engine.match(_seed_document(keep_last=False, cut=4)) == []
