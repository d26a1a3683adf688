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
        # Two acts with near-identical headlines: a number or a country tells them apart.
        (
            "EU adopts 19th package of sanctions against Russia",
            "EU adopts 20th package of sanctions against Russia",
            False,
        ),
        (
            "Security Council adopts resolution 2795 on Libya sanctions panel",
            "Security Council adopts resolution 2796 on Libya sanctions panel",
            False,
        ),
        (
            "Council prolongs restrictive measures against Iran for another year",
            "Council prolongs restrictive measures against Belarus for another year",
            False,
        ),
        (
            "Council sanctions Belarusian officials over repression",
            "Council sanctions Iranian officials over repression",
            False,
        ),
        # The same act told with more detail, or with a year, stays one story.
        (
            "EU adopts 19th package of sanctions against Russia",
            "EU adopts 19th package of sanctions against Russia, targeting LNG from 2027",
            True,
        ),
        (
            "Council sanctions Russia over hybrid attacks",
            "Council sanctions Russia over hybrid attacks in Ukraine and Moldova",
            True,
        ),
    ],
)
def test_story_grouping(a: str, b: str, same: bool) -> None:
    assert same_story(story_fingerprint(a, ""), story_fingerprint(b, "")) is same


def test_short_titles_borrow_the_lead() -> None:
    fp = story_fingerprint("Statement", "Belarus sanctions regime extended by the Council today")
    assert "belaru" in fp.split() or "belarus" in fp.split()
    assert "statement" in fp.split()


def test_min_shared_never_excludes_a_same_story_pair() -> None:
    """The index look-up's HAVING bound is implied by same_story, never stricter."""
    import itertools

    from bot.sources.dedup import min_shared, same_story

    words = [f"w{i}" for i in range(9)]
    for size_a in range(1, 9):
        a = set(words[:size_a])
        for size_b in range(1, 9):
            for shared in range(0, min(size_a, size_b) + 1):
                b = set(words[:shared]) | {f"x{i}" for i in range(size_b - shared)}
                if same_story(" ".join(sorted(a)), " ".join(sorted(b))):
                    assert shared >= min_shared(len(a)), (size_a, size_b, shared)
    assert list(itertools.islice((min_shared(n) for n in range(1, 12)), 11)) == [
        2,
        2,
        2,
        2,
        3,
        3,
        4,
        4,
        4,
        4,
        4,
    ]


def test_ascii_fast_path_matches_the_unicode_path() -> None:
    import unicodedata

    from bot.sources.dedup import normalise_text

    for text in ["  Hello\tWORLD  ", "EU  adopts 20th package", "a\n\nb", ""]:
        folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
        slow = " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())
        assert normalise_text(text) == slow
