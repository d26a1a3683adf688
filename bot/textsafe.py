"""Text the bot passes on must not be able to reorder what a reader sees.

Unicode's explicit directional embeddings, overrides and isolates (U+202A–U+202E,
U+2066–U+2069) make a phone draw text in another order than it is stored
("Trojan Source", CVE-2021-42574): a feed title or a query could make an alert read as
something it does not say. They carry no letters, so they are removed where text enters
(feed items, command arguments) and where it leaves (every message sent). The implicit
marks (U+200E, U+200F, U+061C) only nudge neutral characters and are left alone.
"""

from __future__ import annotations

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_DROP = str.maketrans("", "", BIDI_CONTROLS)


def strip_bidi(text: str) -> str:
    """`text` without bidi embedding, override and isolate controls."""
    if text.isascii():
        return text
    return text.translate(_DROP)
