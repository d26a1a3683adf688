"""The source catalog loader: the shipped file and every kind of mistake in one."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.lists.kinds import LIST_KINDS
from bot.sources.catalog import load_catalog, parse_interval

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "sources.yaml"


def test_shipped_catalog_loads_and_covers_the_publishers() -> None:
    sources = load_catalog(SEEDS)
    ids = {s.id for s in sources}
    assert {"ep-press", "ep-adopted-texts", "council-press", "ofac-recent", "fedreg-ofac"} <= ids
    # The official lists are sources of their own kinds (issue 15).
    assert {s.kind for s in sources} == {"rss", "atom", "json", "html", *LIST_KINDS}
    assert {s.tier for s in sources} == {"official", "media"}
    ofac = next(s for s in sources if s.id == "ofac-recent")
    assert ofac.blocks_bots and ofac.selectors["item"] and "RSS" in ofac.notes
    assert all(s.url.startswith("https://") for s in sources)
    assert next(s for s in sources if s.id == "ep-press").interval == 900


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("{id: a, url: 'https://x.example/f', kind: csv}", "unknown kind 'csv'"),
        ("{id: a, url: 'ftp://x.example/f'}", "only http and https"),
        ("{id: a, url: 'https://u:p@x.example/f'}", "user name or password"),
        ("{id: a, url: 'https://x.example/f', interval: soon}", "bad interval"),
        ("{id: a, url: 'https://x.example/f', interval: 5}", "between 1m and 7d"),
        ("{id: a, url: 'https://x.example/f', tier: blog}", "unknown tier"),
        ("{id: a, url: 'https://x.example/f', kind: html}", "needs selectors"),
        (
            "{id: a, url: 'https://x.example/f', kind: html, selectors: {item: 'li', title: 'a'}}",
            "needs selector 'link'",
        ),
        (
            "{id: a, url: 'https://x.example/f', kind: html, selectors: {item: 'li[', title: a, link: a}}",
            "not valid CSS",
        ),
        ("{id: a, url: 'https://x.example/f', colour: red}", "unknown field 'colour'"),
        ("{id: 'A B', url: 'https://x.example/f'}", "must be lowercase"),
        ("{id: a}", "missing 'url'"),
        ("{id: a, url: 'https://x.example/f', enabled: maybe}", "true or false"),
    ],
)
def test_bad_entries_name_file_entry_and_problem(tmp_path: Path, entry: str, problem: str) -> None:
    path = _write(tmp_path, f"sources:\n  - {{id: ok, url: 'https://ok.example/'}}\n  - {entry}\n")
    with pytest.raises(ConfigError) as info:
        load_catalog(path)
    message = str(info.value)
    assert str(path) in message and "source #2" in message and problem in message


def test_duplicate_id(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "sources:\n  - {id: a, url: 'https://x.example/1'}\n  - {id: a, url: 'https://x.example/2'}\n",
    )
    with pytest.raises(ConfigError, match=r"source #2 \(a\): duplicate id 'a'"):
        load_catalog(path)


@pytest.mark.parametrize(
    ("body", "problem"),
    [("sources: [", "not valid YAML"), ("- a\n- b\n", "'sources:' list"), ("", "'sources:' list")],
)
def test_bad_files(tmp_path: Path, body: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        load_catalog(_write(tmp_path, body))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read source catalog"):
        load_catalog(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("value", "seconds"), [(900, 900), ("15m", 900), ("1h", 3600), ("90", 90), ("2d", 172800)]
)
def test_intervals(value: object, seconds: int) -> None:
    assert parse_interval(value) == seconds
