"""/search is bounded before it runs (terms, wildcards, words per wildcard) and while it runs."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import UserInputError
from bot.models import FeedEntry
from bot.store import Store
from bot.store.articles import MAX_PREFIX_TERMS, MAX_PREFIX_WORDS, MAX_SEARCH_TERMS, fts_query


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "bot.db")
    words = [f"c{i:04d}x" for i in range(MAX_PREFIX_WORDS + 50)]  # many words under c*
    for n in range(0, len(words), 50):
        store.add_article(FeedEntry(
            "wire", f"g{n}", f"https://x.test/{n}", f"Sanctions item {n}",
            "Sanctions on cargo. " + " ".join(words[n : n + 50]), datetime(2026, 11, 27, tzinfo=UTC),
        ))  # fmt: skip
    return store


def test_too_many_terms_are_refused_before_running() -> None:
    fts_query(" ".join(["sanctions"] * MAX_SEARCH_TERMS))
    with pytest.raises(UserInputError, match=f"at most {MAX_SEARCH_TERMS} words"):
        fts_query(" ".join(["c*"] * 166))


def test_too_many_wildcards_are_refused() -> None:
    fts_query(" ".join(["sanc*"] * MAX_PREFIX_TERMS))
    with pytest.raises(UserInputError, match=f"at most {MAX_PREFIX_TERMS} words with"):
        fts_query(" OR ".join(["sanc*"] * (MAX_PREFIX_TERMS + 1)))


def test_a_wildcard_for_too_many_words_says_give_more_letters(store: Store) -> None:
    with pytest.raises(UserInputError, match=r"c\* stands for more than .* give it more letters"):
        store.search_articles("c*")
    assert store.search_articles("c0001*")  # a narrow one still runs
    assert store.search_articles("cargo")


def test_a_search_over_its_time_budget_is_too_broad_not_an_error(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.store.articles.PROGRESS_STEPS", 1)  # look at the clock at once
    with pytest.raises(UserInputError, match="too broad"):
        store.search_articles("sanctions", budget_s=0.0)
    assert store.search_articles("sanctions")  # the handler is removed afterwards


def test_a_read_only_connection_still_checks_wildcards(tmp_path: Path, store: Store) -> None:
    reader = Store.open(tmp_path / "bot.db")
    reader.prepare_search()
    reader.db.execute("PRAGMA query_only = ON")
    with pytest.raises(UserInputError, match="give it more letters"):
        reader.search_articles("c*")
