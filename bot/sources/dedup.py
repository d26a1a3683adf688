"""Duplicate detection: canonical URLs, content hashes and story fingerprints.

Story grouping (the same event reported by several outlets) uses a token-set
fingerprint of the title: casefolded, accent-folded word tokens with stop words
and 1-2 letter words dropped and a plural 's' trimmed, sorted and joined by
spaces. Two fingerprints belong to the same story when their Jaccard similarity
is at least 0.5, or when one title's tokens are (almost) contained in the
other's (overlap >= 0.8 with at least 4 shared tokens: "Council sanctions
Belarus" vs a longer headline that says the same plus detail). The store only
compares stories created within a time window (72 h), which keeps false merges
of recurring headlines ("Daily press briefing") rare and the comparison cheap.
We chose this over MinHash/SimHash because headlines are short: exact set
similarity over a few hundred recent stories costs microseconds and is
explainable, while locality-sensitive hashing only pays off at scale.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "hsa_")
_TRACKING = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_ga",
        "_gl",
        "oly_enc_id",
        "oly_anon_id",
        "vero_id",
        "wt.mc_id",
        "at_medium",
        "at_campaign",
        "cmpid",
        "ocid",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_WORD = re.compile(r"\w+", re.UNICODE)
_DIGIT = re.compile(r"\d")
_YEAR = re.compile(r"(19|20)\d\d")
_SPACE = re.compile(r"\s+")
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "into",
        "over",
        "under",
        "about",
        "after",
        "before",
        "against",
        "between",
        "its",
        "their",
        "his",
        "her",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "not",
        "but",
        "also",
        "than",
        "new",
        "says",
        "said",
        "say",
        "via",
        "amid",
        "upon",
        "onto",
        "off",
        "out",
        "per",
        "how",
        "why",
        "what",
        "who",
        "when",
        "where",
        "which",
        "des",
        "les",
        "une",
        "aux",
        "sur",
        "pour",
        "par",
        "dans",
        "avec",
        "der",
        "die",
        "das",
        "und",
        "den",
        "dem",
        "mit",
        "von",
    ]
)
JACCARD_THRESHOLD = 0.5
OVERLAP_THRESHOLD = 0.8
MIN_SHARED = 4


def canonical_url(url: str) -> str:
    """The URL with case, default port, fragment and tracking parameters normalised away."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(key)
    ]
    query.sort()
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def _is_tracking(key: str) -> bool:
    lowered = key.lower()
    return lowered in _TRACKING or lowered.startswith(_TRACKING_PREFIXES)


def normalise_text(text: str) -> str:
    """NFKC, casefolded, accents removed, whitespace collapsed."""
    if text.isascii():  # the common case: NFKC and accent folding change nothing
        return _SPACE.sub(" ", text.lower()).strip()
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    stripped = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _SPACE.sub(" ", stripped).strip()


def content_hash(title: str, text: str) -> str:
    """SHA-256 over normalised title and text (words only, so markup spacing does not count)."""
    words = " ".join(_WORD.findall(normalise_text(title))) + "\n"
    words += " ".join(_WORD.findall(normalise_text(text)))
    return hashlib.sha256(words.encode("utf-8")).hexdigest()


def title_tokens(text: str) -> list[str]:
    """Significant word tokens of a headline, in order."""
    tokens: list[str] = []
    for word in _WORD.findall(normalise_text(text)):
        if word in _STOP or (len(word) < 3 and not word.isdigit()):
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]  # 'sanctions' ~ 'sanction'
        tokens.append(word)
    return tokens


def story_fingerprint(title: str, text: str) -> str:
    """Sorted significant title tokens; the lead pads titles of fewer than 4 tokens."""
    tokens = set(title_tokens(title))
    if len(tokens) < MIN_SHARED:
        for word in title_tokens(text[:400]):
            if len(tokens) >= 8:
                break
            tokens.add(word)
    return " ".join(sorted(tokens))


def min_shared(size: int) -> int:
    """The fewest tokens a fingerprint of `size` tokens must share with another to be the same story.

    Derived from `same_story`: the Jaccard branch needs shared >= size / 2 (the union is
    at least `size`), the overlap branch needs MIN_SHARED; both need at least two.
    """
    return max(2, min(-(-size // 2), MIN_SHARED))


def same_story(a: str, b: str) -> bool:
    """Whether two story fingerprints describe the same event (see module docstring)."""
    left, right = set(a.split()), set(b.split())
    if not left or not right or _conflict(left, right):
        return False
    shared = len(left & right)
    if shared / len(left | right) >= JACCARD_THRESHOLD and shared >= 2:
        return True
    return shared >= MIN_SHARED and shared / min(len(left), len(right)) >= OVERLAP_THRESHOLD


def _conflict(left: set[str], right: set[str]) -> bool:
    """Whether two headlines name different acts: each has an identifying number the other
    lacks ("19th package" / "20th package", resolution 2795 / 2796; years do not count), or
    each names a country the other does not (the same measures on Iran and on Belarus)."""
    ids_left = {t for t in left if _DIGIT.search(t) and not _YEAR.fullmatch(t)}
    ids_right = {t for t in right if _DIGIT.search(t) and not _YEAR.fullmatch(t)}
    if ids_left - ids_right and ids_right - ids_left:
        return True
    table = country_tokens()
    places_left = {table[t] for t in left if t in table}
    places_right = {table[t] for t in right if t in table}
    return bool(places_left - places_right and places_right - places_left)


@functools.cache
def country_tokens() -> Mapping[str, str]:
    """Headline token -> ISO2 for one-word country names, demonyms and capitals (the
    gazetteer's; built once: it is bundled data, not state)."""
    from bot.matching.gazetteer import load_gazetteer

    table: dict[str, str] = {}
    for code, names in load_gazetteer().country_names().items():
        for name in names:
            tokens = title_tokens(name)
            if len(tokens) == 1:
                table.setdefault(tokens[0], code)
    return MappingProxyType(table)
