"""The list source kinds: their names as people read them and their official pages."""

from __future__ import annotations

from typing import Literal

ListKind = Literal[
    "ofac-sdn",
    "ofac-sdn-advanced",
    "eu-fsf",
    "un-sc",
    "uk-sanctions-list",
    "ch-sesam",
    "ca-sema",
]
LIST_KINDS: tuple[ListKind, ...] = (
    "ofac-sdn",
    "ofac-sdn-advanced",
    "eu-fsf",
    "un-sc",
    "uk-sanctions-list",
    "ch-sesam",
    "ca-sema",
)
# Short names for alerts ("OFAC SDN: 14 additions") and the page a person can open.
LABELS: dict[str, str] = {
    "ofac-sdn": "OFAC SDN",
    "ofac-sdn-advanced": "OFAC SDN",
    "eu-fsf": "EU consolidated list",
    "un-sc": "UN Security Council list",
    "uk-sanctions-list": "UK Sanctions List",
    "ch-sesam": "Swiss SESAM list",
    "ca-sema": "Canada SEMA list",
}
PAGES: dict[str, str] = {
    "ofac-sdn": "https://sanctionssearch.ofac.treas.gov/",
    "ofac-sdn-advanced": "https://sanctionssearch.ofac.treas.gov/",
    "eu-fsf": "https://data.europa.eu/data/datasets/consolidated-list-of-persons-groups-and-entities-subject-to-eu-financial-sanctions",
    "un-sc": "https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list",
    "uk-sanctions-list": "https://www.gov.uk/government/publications/the-uk-sanctions-list",
    "ch-sesam": "https://www.sesam.search.admin.ch/sesam-search-web/pages/search.xhtml",
    "ca-sema": "https://www.international.gc.ca/world-monde/international_relations-relations_internationales/sanctions/consolidated-consolide.aspx?lang=eng",
}


def is_list_kind(kind: str) -> bool:
    """Whether a source kind is an official list (its own fetch, parse and diff path)."""
    return kind in LIST_KINDS
