"""The rule registry keeps rules compiled as watches come and go, without full recompiles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.config import data_dir
from bot.models import Document, EntityResolver
from bot.registry import DELTA_LIMIT, RuleRegistry
from bot.runtime import load_rules
from bot.store import Store

CHAT = 10
DOC = Document(id="1", title="Council lists tanker owners", text="New sanctions on Vinro Shipping.")


@pytest.fixture(scope="module")
def rules() -> tuple[EntityResolver, list]:  # type: ignore[type-arg]
    return load_rules(data_dir("rules"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "r.db")
    store.upsert_chat(CHAT)
    yield store
    store.close()


def _fired(registry: RuleRegistry) -> set[str]:
    return {m.rule_key for m in registry.engine().match(DOC) if m.rule_key.startswith("watch:")}


def test_a_new_watch_is_compiled_alone_and_fires(store: Store, rules: tuple) -> None:  # type: ignore[type-arg]
    registry = RuleRegistry(store, rules[1], rules[0])
    assert _fired(registry) == set()
    watch = store.add_watch(CHAT, '"Vinro Shipping"')
    registry.invalidate()
    assert _fired(registry) == {watch.rule_key}
    assert registry.watch(watch.rule_key) == watch
    assert watch.rule_key in registry.engine().rules
    assert registry.full_compiles == 1  # only the first compile was a full one
    # The packs still fire next to it.
    assert any(k.startswith("pack:") for k in registry.engine().rules)


def test_a_removed_watch_is_hidden_at_once(store: Store, rules: tuple) -> None:  # type: ignore[type-arg]
    watch = store.add_watch(CHAT, "tanker*")
    registry = RuleRegistry(store, rules[1], rules[0])
    assert _fired(registry) == {watch.rule_key}
    store.remove_watch(CHAT, watch.id)
    registry.invalidate()
    assert _fired(registry) == set()
    assert watch.rule_key not in registry.engine().rules
    assert registry.watch(watch.rule_key) is None


def test_a_chat_going_away_takes_its_watches_along(store: Store, rules: tuple) -> None:  # type: ignore[type-arg]
    watch = store.add_watch(CHAT, "tanker*")
    registry = RuleRegistry(store, rules[1], rules[0])
    store.set_chat_active(CHAT, False)
    registry.invalidate()
    assert watch.rule_key not in registry.engine().rules and _fired(registry) == set()


def test_a_reused_key_serves_the_new_query(store: Store, rules: tuple) -> None:  # type: ignore[type-arg]
    old = store.add_watch(CHAT, "tanker*")
    registry = RuleRegistry(store, rules[1], rules[0])
    assert _fired(registry) == {old.rule_key}
    store.remove_watch(CHAT, old.id)
    new = store.add_watch(CHAT, "embargo")  # SQLite may hand out the same row id again
    registry.invalidate()
    assert _fired(registry) == set()
    assert registry.engine().rules[new.rule_key].query == "embargo"


def test_many_changes_without_background_compile_everything_once(
    store: Store, rules: tuple  # type: ignore[type-arg]
) -> None:
    registry = RuleRegistry(store, rules[1], rules[0])
    registry.engine()
    keys = {store.add_watch(CHAT, f'"Vinro Shipping" OR w{i}').rule_key for i in range(DELTA_LIMIT + 1)}
    registry.invalidate()
    assert _fired(registry) == keys
    assert registry.full_compiles == 2
    assert _fired(registry) == keys  # and the fresh compile serves the same


def test_a_background_compile_serves_the_old_rules_until_it_swaps(
    store: Store, rules: tuple, tmp_path: Path  # type: ignore[type-arg]
) -> None:
    jobs: list[Callable[[Store], None]] = []
    registry = RuleRegistry(store, rules[1], rules[0], background=jobs.append)
    registry.engine()
    keys = {store.add_watch(CHAT, f'"Vinro Shipping" OR w{i}').rule_key for i in range(DELTA_LIMIT + 1)}
    registry.invalidate()
    assert _fired(registry) == keys  # the new watches already work, compiled apart
    assert len(jobs) == 1 and registry.full_compiles == 1
    registry.invalidate()
    registry.engine()
    assert len(jobs) == 1  # one full compile at a time
    other = Store.open(tmp_path / "r.db")  # the worker's own connection
    jobs[0](other)
    other.close()
    assert registry.full_compiles == 2
    assert _fired(registry) == keys
    view = registry.engine()
    assert len(view.parts) == 1 and not view.hidden  # everything in one engine again
