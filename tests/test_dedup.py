"""Canonical URLs, content hashes and story fingerprints."""

from __future__ import annotations

import pytest

from bot.sources.dedup import canonical_url, content_hash, same_story, story_fingerprint


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "HTTPS://WWW.Example.EU:443/Press/A?b=2&a=1#top",
            "https://www.example.eu/Press/A?a=1&b=2",
        ),
        ("http://example.eu:80", "http://example.eu/"),
        ("http://example.eu:8080/x", "http://example.eu:8080/x"),
        (
            "https://example.eu/x?utm_source=tw&utm_medium=s&fbclid=1&gclid=2&mc_cid=3&id=7",
            "https://example.eu/x?id=7",
        ),
        ("https://example.eu/x?ref=&q=a+b", "https://example.eu/x?q=a+b&ref="),
        ("https://[::1]:8443/a", "https://[::1]:8443/a"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_content_hash_ignores_case_spacing_and_accents_but_not_words() -> None:
    base = content_hash("Council adopts sanctions", "The Council  adopted\n\nnew measures.")
    assert base == content_hash("COUNCIL ADOPTS SANCTIONS ", "the council adopted new measures")
    assert base != content_hash("Council adopts sanctions", "The Council adopted old measures.")
    assert content_hash("Résolution", "") == content_hash("resolution", "")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (
            "Council adopts new sanctions against Belarus",
            "Belarus: EU Council adopts new sanctions against the Belarus regime",
            True,
        ),
        (
            "European Parliament calls Belarus a satellite state of Russia",
            "Parliament calls Belarus a 'satellite state' of Russia, urges sanctions",
            True,
        ),
        (
            "Council adopts new sanctions against Belarus",
            "Council extends sanctions against Iran",
            False,
        ),
        ("Daily press briefing", "Weekly press briefing on Sudan", False),
    ],
)
def test_story_grouping(a: str, b: str, same: bool) -> None:
    assert same_story(story_fingerprint(a, ""), story_fingerprint(b, "")) is same


def test_short_titles_borrow_the_lead() -> None:
    fp = story_fingerprint("Statement", "Belarus sanctions regime extended by the Council today")
    assert "belaru" in fp.split() or "belarus" in fp.split()
    assert "statement" in fp.split()
