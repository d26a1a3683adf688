"""PhraseTable: phrases of normalised words, found left to right, longest first."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.matching.lexicon import PhraseTable
from bot.matching.text import words


def _table(*phrases: str) -> PhraseTable[str]:
    return PhraseTable((p, p) for p in phrases)


def test_find_longest_first_without_overlap() -> None:
    table = _table("the council", "the council of europe", "europe", "sanction*")
    tokens = tuple(words("The Council of Europe sanctioned Europe and the sanctions"))
    assert [(a, b, v) for a, b, v in table.find(tokens, 0, len(tokens))] == [
        (0, 4, "the council of europe"),
        (4, 5, "sanction*"),
        (5, 6, "europe"),
        (8, 9, "sanction*"),
    ]


def test_prefix_applies_to_the_last_word_only() -> None:
    table = _table("call* for", "imposes sanction*")
    tokens = tuple(words("they imposes sanctionsx and called for"))
    assert table.find(tokens, 0, len(tokens)) == [(1, 3, "imposes sanction*")]
    assert table.find(tuple(words("call for")), 0, 2) == [(0, 2, "call* for")]


def test_a_phrase_must_end_inside_the_range() -> None:
    table = _table("restrictive measures")
    tokens = tuple(words("new restrictive measures"))
    assert table.find(tokens, 0, 2) == []
    assert not table.within(tokens, 0, 2)
    assert table.within(tokens, 0, 3)


def test_ends_at_and_starts() -> None:
    table = _table("since", "as of")
    tokens = tuple(words("in force as of 2022"))
    assert table.ends_at(tokens, 4, 0)
    assert not table.ends_at(tokens, 3, 0)
    assert table.starts("as") and not table.starts("of")


def test_short_prefixes_are_refused() -> None:
    with pytest.raises(ConfigError, match="shorter than"):
        _table("ab*")
