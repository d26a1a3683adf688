"""Each list format parsed from its fixture: ids, names with scripts, ISO2 countries, identifiers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.lists.formats import Header, parsers
from bot.lists.model import ListedEntity, entity_from_json
from tests.lists.harness import FIXTURES

KINDS = sorted(parsers())
# What each format says about KAVALENKA (added in v2) that the parser must carry over.
PASSPORT = {"ofac-sdn", "ofac-sdn-advanced", "eu-fsf", "un-sc", "ch-sesam"}
PUBLISHED = {"ca-sema": ""}  # SEMA's file carries no date of its own


def parse(kind: str, version: int) -> tuple[Header, dict[str, ListedEntity]]:
    header = Header()
    with (FIXTURES / f"{kind}-v{version}.xml").open("rb") as handle:
        entities = {e.name: e for e in parsers()[kind](handle, header)}
    return header, entities


@pytest.mark.parametrize("kind", KINDS)
def test_version_two_has_the_added_entry_with_its_facts(kind: str) -> None:
    header, entities = parse(kind, 2)
    assert header.published == PUBLISHED.get(kind, "2026-11-27")
    added = next(e for name, e in entities.items() if "KAVALENKA" in name)
    assert added.type == "person"
    assert "BY" in added.countries()
    cyrillic = [n for n in added.names if n.script == "Cyrl"]
    assert cyrillic and "КАВАЛЕНКА" in cyrillic[0].value.upper()
    assert (
        cyrillic[0].latin.upper().startswith("KAVALENKA")
        or "KAVALENKA" in cyrillic[0].latin.upper()
    )
    if kind in PASSPORT:
        assert any(i.kind == "passport" and i.value == "MP4455667" for i in added.identifiers)
    if kind != "ca-sema":
        assert "1968-09-17" in added.birth_dates or kind == "ofac-sdn-advanced"
    assert not any("SILVERLINE" in name for name in entities)


@pytest.mark.parametrize("kind", KINDS)
def test_unchanged_entry_has_the_same_digest_in_both_versions(kind: str) -> None:
    _, first = parse(kind, 1)
    _, second = parse(kind, 2)
    assert first["NORTHWIND TRADING LLC"].digest() == second["NORTHWIND TRADING LLC"].digest()
    marlowe = next(n for n in first if "MARLOWE" in n)
    assert first[marlowe].digest() != second[marlowe].digest()
    assert len(first) == len(second) == 3


@pytest.mark.parametrize("kind", KINDS)
def test_entities_round_trip_through_json(kind: str) -> None:
    _, entities = parse(kind, 2)
    for entity in entities.values():
        again = entity_from_json(entity.to_json())
        assert again == entity.canonical()
        assert again.digest() == entity.digest()


def test_ofac_ids_and_official_pages() -> None:
    _, entities = parse("ofac-sdn", 2)
    added = entities["KAVALENKA, Mikalai Ivanavich"]
    assert added.id == "90004"
    assert added.url == "https://sanctionssearch.ofac.treas.gov/Details.aspx?id=90004"
    assert added.programs == ("BELARUS-EO14038",)


def test_ofac_advanced_resolves_references_across_sections() -> None:
    _, entities = parse("ofac-sdn-advanced", 2)
    added = entities["KAVALENKA, Mikalai Ivanavich"]
    assert added.programs == ("BELARUS-EO14038",)  # from SanctionsEntries, after the parties
    assert added.listed_on == "2026-11-26"
    assert added.addresses[0].country == "BY" and "Minsk" in added.addresses[0].text
    assert [n.kind for n in added.names] == ["primary", "alias"]
    northwind = entities["NORTHWIND TRADING LLC"]
    assert northwind.identifiers[0].kind == "registration"


def test_sesam_skips_a_delisted_target_it_still_carries() -> None:
    _, entities = parse("ch-sesam", 2)
    assert "SILVERLINE LOGISTICS FZE" not in entities  # in the file, with a de-listed modification
    raw = (FIXTURES / "ch-sesam-v2.xml").read_text(encoding="utf-8")
    assert "SILVERLINE LOGISTICS FZE" in raw and 'modification-type="de-listed"' in raw


def test_eu_and_uk_keep_the_lists_own_references() -> None:
    _, eu = parse("eu-fsf", 2)
    assert next(e for n, e in eu.items() if "KAVALENKA" in n).reference == "EU.9004.44"
    _, uk = parse("uk-sanctions-list", 2)
    assert next(e for n, e in uk.items() if "KAVALENKA" in n).id == "BEL9004"


def test_namespaces_default_or_prefixed_parse_alike(tmp_path: Path) -> None:
    entry = "<{p}sdnEntry><{p}uid>7</{p}uid><{p}lastName>ACME</{p}lastName></{p}sdnEntry>"
    bodies = {
        "default": f'<!-- a <comment> first --><sdnList xmlns="urn:x">{entry.format(p="")}</sdnList>',
        "prefixed": f'<o:sdnList xmlns:o="urn:x">{entry.format(p="o:")}</o:sdnList>',
        "none": f"<sdnList>{entry.format(p='')}</sdnList>",
    }
    for name, body in bodies.items():
        path = tmp_path / f"{name}.xml"
        path.write_text(body, encoding="utf-8")
        with path.open("rb") as handle:
            (entity,) = parsers()["ofac-sdn"](handle, Header())
        assert (entity.id, entity.name) == ("7", "ACME"), name
