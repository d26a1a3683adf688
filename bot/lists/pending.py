"""'Announced, not yet listed': a press release named entries that a list still lacks.

The EU list can lag the Official Journal by weeks, and a Treasury press release can
precede the SDN file by hours: an analyst wants to know when an announced
designation has not reached the list after N days. We know the names a release
contains when they are already on some list (the name index finds them); a release
naming someone on the OFAC and UK lists whose body (the EU, say) has not added them
to its own list after N days becomes an item that the list-not-yet-listed pack
matches. Names on no list at all would need name recognition in free text, which
this does not attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.matching.text import fold
from bot.models import Article, ListedMention

MARKER = "Announced, not yet listed on"
GRACE_DAYS = 7
# Who announces for which list: words the body's releases use to name itself.
BODIES: dict[str, tuple[str, ...]] = {
    "ofac-sdn": ("ofac", "office of foreign assets control", "treasury"),
    "ofac-sdn-advanced": ("ofac", "office of foreign assets control", "treasury"),
    "eu-fsf": (
        "council of the eu",
        "council of the european union",
        "official journal",
        "eu council",
    ),
    "un-sc": ("security council", "sanctions committee"),
    "uk-sanctions-list": ("fcdo", "ofsi", "foreign secretary", "foreign office", "uk government"),
    "ch-sesam": ("seco", "federal council", "state secretariat for economic affairs"),
    "ca-sema": ("global affairs canada", "government of canada", "special economic measures"),
}
ACTS = ("designat", "sanction", "asset freeze", "restrictive measures", "listing")


@dataclass(frozen=True)
class Pending:
    """Entries a release announced that one list still lacks."""

    article: Article
    list_label: str
    missing: tuple[ListedMention, ...]


def announces(kind: str, article: Article) -> bool:
    """Whether the article reads as the list's body announcing designations."""
    text = fold(f"{article.title}\n{article.text}")
    return any(b in text for b in BODIES.get(kind, ())) and any(a in text for a in ACTS)


def missing_from(label: str, mentions: Sequence[ListedMention]) -> tuple[ListedMention, ...]:
    """The named entries that are listed elsewhere but not on `label`."""
    on_list = {m.name for m in mentions if label in m.lists}
    return tuple(m for m in mentions if label not in m.lists and m.name not in on_list)


def title(item: Pending, days: int) -> str:
    """'EU consolidated list: announced 7+ days ago, not yet listed — X, Y'."""
    names = ", ".join(m.name for m in item.missing[:3])
    more = f" and {len(item.missing) - 3} more" if len(item.missing) > 3 else ""
    return f"{item.list_label}: announced {days}+ days ago, not yet listed — {names}{more}"


def text(item: Pending, days: int) -> str:
    """The item's paragraphs: which release, which names, where they are listed already."""
    published = item.article.published or item.article.fetched
    named = "; ".join(f"{m.name} (on {', '.join(m.lists)})" for m in item.missing[:5])
    more = f" and {len(item.missing) - 5} more" if len(item.missing) > 5 else ""
    lines = [
        f"{MARKER} {item.list_label}: {named}{more}, named in a release of "
        f"{published:%Y-%m-%d}, still missing from the list after {days} days.",
        f"Release: {item.article.title} ({item.article.url}).",
    ]
    lines += [f"{m.name}: listed on {', '.join(m.lists)}." for m in item.missing]
    return "\n\n".join(lines)
