"""Name spellings across romanisations and scripts, from the libraries (no rules of ours)."""

from __future__ import annotations

import pytest

from bot.lists.model import ListedEntity
from bot.lists.names import NameIndex, name_match, own_forms
from bot.lists.normalize import make_name


def person(entity_id: str, *names: str) -> ListedEntity:
    made = [make_name(n, "primary" if i == 0 else "alias") for i, n in enumerate(names)]
    return ListedEntity(entity_id, "person", tuple(n for n in made if n is not None))


@pytest.mark.parametrize(
    "spelling", ["Lukashenka", "Лукашенко", "ЛУКАШЭНКА", "Łukaszenka", "Lukašenka", "LUKASHENKO"]
)
def test_lukashenko_matches_every_spelling(spelling: str) -> None:
    assert name_match("Lukashenko", spelling) == [0]


@pytest.mark.parametrize("other", ["Lukashuk", "Lukas", "Lukoil", "Kovalchuk", "Ivanov"])
def test_other_names_do_not_match(other: str) -> None:
    assert name_match("Lukashenko", other) is None


def test_multi_word_queries_need_every_part_in_any_order() -> None:
    # Positions of the name's tokens, in the query's order.
    assert name_match("Alexander Lukashenko", "LUKASHENKA, Alyaksandr Ryhoravich") == [1, 0]
    assert name_match("Viktor Lukashenko", "LUKASHENKA, Alyaksandr Ryhoravich") is None
    assert name_match("Lukashenko Alexander Grigoryevich", "LUKASHENKA, Alyaksandr") is None


def test_variants_come_from_the_lists_own_spellings() -> None:
    index = NameIndex(
        [
            ("OFAC SDN", person("1", "LUKASHENKA, Alyaksandr Ryhoravich", "ЛУКАШЭНКА, Аляксандр")),
            ("OFAC SDN", person("2", "PETROV, Ivan")),
        ]
    )
    variants = index.variants("Lukashenko")
    assert {"Lukashenko", "Лукашенко", "LUKASHENKA", "ЛУКАШЭНКА"} <= set(variants)
    assert not any("PETROV" in v for v in variants)
    two = index.variants("Alexander Lukashenko")
    assert "Alyaksandr LUKASHENKA" in two and "LUKASHENKA Alyaksandr" in two


def test_own_forms_without_an_index() -> None:
    assert own_forms("Lukashenko") == ["Lukashenko", "Лукашенко"]
    assert own_forms("Łukaszenka")[1] == "Lukaszenka"
    assert own_forms("Лукашенко") == ["Лукашенко", "Lukashenko"]


def test_mentions_find_listed_names_as_prose_writes_them() -> None:
    index = NameIndex(
        [
            ("OFAC SDN", person("1", "KAVALENKA, Mikalai Ivanavich")),
            ("UK Sanctions List", person("1", "KAVALENKA, Mikalai")),
            (
                "EU consolidated list",
                ListedEntity("9", "organization", (make_name("NORTHWIND TRADING LLC"),)),
            ),  # type: ignore[arg-type]
        ]
    )
    found = index.mentions("Treasury designated Mikalai Kavalenka and Northwind Trading LLC today.")
    labels = {m.name: m.lists for m in found}
    assert labels["KAVALENKA, Mikalai Ivanavich"] == ("OFAC SDN",)
    assert labels["KAVALENKA, Mikalai"] == ("UK Sanctions List",)
    assert labels["NORTHWIND TRADING LLC"] == ("EU consolidated list",)
    assert index.mentions("Northwind Trading LLCs and Mikalai Kavalenkas") == []
