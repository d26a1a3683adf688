"""The defining example: a long summit report whose last paragraphs carry the EP resolution."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.matching.engine import Engine
from bot.models import Document, EntityResolver, Rule
from tests.support.seed import shared_seed
from tests.test_engine import FakeResolver

# Our own paraphrase (not the shared seed text): quotes first, the resolution at the end.
OPENING = [
    "Alexander Lukashenko flew to the Black Sea resort of Sochi on Friday for another round of "
    "talks with Vladimir Putin, the Kremlin said in a short statement.",
    "“Our economy is holding up well, and I want to tell you about it in detail,” Putin told "
    "his guest at the start of the meeting. “The budget process is almost complete.”",
    "“I am always glad to come,” Lukashenko replied, thanking his host for the invitation.",
    "The two leaders also discussed Putin's recent talks with the North Korean leader and the "
    "situation around Ukraine, according to the Russian side.",
    "Russia and Belarus have been bound since 1999 by a treaty on a Union State, which aims at "
    "closer economic and military integration.",
    "It is the seventh meeting between the two men this year, Russian state media reported. "
    "They last met in St. Petersburg in July.",
    "Minsk has allowed Russian troops to use its territory and has hosted Russian tactical "
    "nuclear weapons since last summer.",
]
CLOSING = [
    "The European Parliament this week described Lukashenko as an accomplice in the crimes "
    "committed during Russia's war against Ukraine.",
    "In a resolution adopted on Wednesday, the parliament called Belarus a “satellite state of "
    "Russia” and proposed that the same sanctions now applied to Russia be applied to Belarus.",
]
FULL = "\n\n".join(OPENING + CLOSING)
WITHOUT_ENDING = "\n\n".join(OPENING)
TITLE = "Lukashenko and Putin meet again in Sochi"

EP_RULE = Rule(
    key="pack:ep-like",
    name="European Parliament resolutions",
    query=(
        "$assembly AND ($chamber /s $resolution) AND ($resolution NEAR/40 $subject)"
        ' AND -"screen resolution"'
    ),
    terms={
        "assembly": ("@body:EP", "MEPs"),
        "chamber": ("@body:EP", "MEPs", '"the parliament"'),
        "resolution": ("resolution*",),
        "subject": ("sanction*", '"satellite state"', "accomplice*"),
    },
)


def check_seed_behaviour(resolver: EntityResolver, rule: Rule, full: str, cut: str) -> None:
    """Matches the full article, leads with the resolution, tags BY; the cut one is silent."""
    engine = Engine.compile([rule], resolver)
    (match,) = engine.match(Document(id="full", title=TITLE, text=full))
    first_sentence = match.summary.split("”")[0]
    assert "resolution" in first_sentence.lower()
    assert match.summary.lower().startswith("in a resolution")
    assert not match.summary.startswith("“")
    assert "BY" in match.countries
    assert match.countries.index("BY") < 3
    for start, end in match.highlights:
        assert match.summary[start:end].strip() == match.summary[start:end] != ""
    highlighted = {match.summary[a:b].lower() for a, b in match.highlights}
    assert {"resolution", "sanctions"} <= highlighted
    assert "resolution" in match.explanation and "in one sentence" in match.explanation
    for wit in match.witnesses:
        assert full[wit.start : wit.end] == wit.surface
    assert engine.match(Document(id="cut", title=TITLE, text=cut)) == []


def test_paraphrased_seed_article() -> None:
    check_seed_behaviour(FakeResolver(), EP_RULE, FULL, WITHOUT_ENDING)


def test_paraphrase_summary_lead_and_explanation() -> None:
    (match,) = Engine.compile([EP_RULE], FakeResolver()).match(
        Document(id="full", title=TITLE, text=FULL)
    )
    assert match.summary.startswith(CLOSING[1])
    assert CLOSING[0] in match.summary  # the neighbouring sentence follows the lead
    assert OPENING[0] not in match.summary
    assert len(match.summary) <= 400 + 1
    assert match.explanation == (
        "European Parliament + (the parliament + resolution in one sentence)"
        " + (resolution within 40 words of sanctions)"
    )


SEED = shared_seed()  # outside the repository: tests/support/seed.py finds it


@pytest.mark.skipif(SEED is None, reason="no shared/seed-article.txt beside this checkout")
def test_shared_seed_article() -> None:
    assert SEED is not None
    text = SEED.read_text(encoding="utf-8")
    paragraphs = [p for p in text.splitlines() if p.strip()]
    # The last two paragraphs report the European Parliament's resolution.
    cut = "\n".join(paragraphs[:-2])
    assert "resolution" in paragraphs[-1] and "resolution" not in cut
    check_seed_behaviour(FakeResolver(), EP_RULE, text, cut)


def _real_pack_and_gazetteer() -> tuple[Rule, EntityResolver]:
    from bot.matching.gazetteer import load_gazetteer
    from bot.matching.packs import load_packs

    pack_file = Path(__file__).resolve().parents[1] / "rules" / "ep-resolutions.yaml"
    return load_packs(pack_file)[0].rule(), load_gazetteer()


def test_paraphrase_and_shared_seed_with_the_shipped_pack() -> None:
    rule, gazetteer = _real_pack_and_gazetteer()
    check_seed_behaviour(gazetteer, rule, FULL, WITHOUT_ENDING)
    if SEED is not None:
        text = SEED.read_text(encoding="utf-8")
        paragraphs = [p for p in text.splitlines() if p.strip()]
        check_seed_behaviour(gazetteer, rule, text, "\n".join(paragraphs[:-2]))
