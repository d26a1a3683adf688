"""The pieces behind field-ready ingestion, one by one: dates in text, item hygiene,
JSON paths and language maps, selector lists, URL placeholders, challenge pages, the
article extractor on every outlet layout, and the age setting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import load_settings, parse_max_age
from bot.errors import ConfigError, SourceError, UserInputError
from bot.models import FeedEntry
from bot.sources.catalog import load_catalog
from bot.sources.challenge import challenge_reason
from bot.sources.clean import MAX_TEXT, MAX_TITLE, BadItem, clean_entry, clean_title, repair_xml
from bot.sources.dates import find_date
from bot.sources.jsonmap import pick_text, resolve
from bot.sources.links import absolute_link
from bot.sources.listing import split_selector
from bot.sources.placeholders import check_placeholders, expand_url
from bot.sources.state import SourceHealth
from bot.sources.textutil import extract_text, parse_date
from bot.telegram.settings_views import sources_list
from tests.support.pages import article_page, paragraphs

FEEDS = Path(__file__).resolve().parent / "feeds"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("September 04, 2026 - ", utc(2026, 9, 4)),
        ("September 04, 2026 - Sanctions List Updates, Russia-related", utc(2026, 9, 4)),
        ("Sept. 4, 2026", utc(2026, 9, 4)),
        ("4 Sep 2026", utc(2026, 9, 4)),
        ("4th of September 2026", utc(2026, 9, 4)),
        ("Published: 04.09.2026 | 14:10", utc(2026, 9, 4, 14, 10)),
        ("Tue 1 Dec 2026 12.00 GMT", utc(2026, 12, 1)),
        ("30 November 2026 | 14:10", utc(2026, 11, 30, 14, 10)),
        ("1 декабря 2026, 10:30", utc(2026, 12, 1, 10, 30)),
        ("1 грудня 2026", utc(2026, 12, 1)),
        ("1 grudnia 2026", utc(2026, 12, 1)),
        ("updated 2026-09-04T10:00:00+02:00 by staff", utc(2026, 9, 4, 8)),
        ("13/08/2026", utc(2026, 8, 13)),
        ("08/13/2026", utc(2026, 8, 13)),  # a US month-first date shows itself
        ("of 27 November 2026 implementing Regulation (EC) No 765/2006", utc(2026, 11, 27)),
        ("Regulation 2026/2611 and 31.02.2026", None),  # no valid date at all
        ("no date here", None),
        ("", None),
    ],
)
def test_dates_inside_free_text(text: str, expected: datetime | None) -> None:
    assert find_date(text) == expected


def test_us_sources_read_ambiguous_numeric_dates_month_first() -> None:
    assert find_date("09/02/2026", month_first=True) == utc(2026, 9, 2)
    assert find_date("09/02/2026") == utc(2026, 2, 9)
    assert find_date("13/08/2026", month_first=True) == utc(2026, 8, 13)  # cannot be a month
    assert find_date("04.09.2026", month_first=True) == utc(2026, 9, 4)  # dots are day-first
    assert parse_date("Released 04/08/2026", month_first=True) == utc(2026, 4, 8)


def test_a_local_midnight_timestamp_keeps_its_calendar_date() -> None:
    assert parse_date("Fri, 27 Nov 2026 00:00:00 +0100") == utc(2026, 11, 27, 12)
    assert parse_date("2026-11-27T00:00:00-05:00") == utc(2026, 11, 27, 12)
    assert parse_date("Fri, 27 Nov 2026 00:30:00 +0100") == utc(2026, 11, 26, 23, 30)
    assert parse_date("2026-11-27T00:00:00Z") == utc(2026, 11, 27)


def test_xml_repair_drops_only_forbidden_references() -> None:
    text = "<t>A &#xD800; B &#55296; C &#x1F600; D &#233; E &#x0; F &#9; \x0b</t>"
    assert repair_xml(text) == "<t>A  B  C &#x1F600; D &#233; E  F &#9; </t>"
    assert repair_xml("<t>plain</t>") == "<t>plain</t>"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (
            "CELEX:32026R2611: Council Implementing Regulation (EU) 2026/2611",
            "Council Implementing Regulation (EU) 2026/2611",
        ),
        ("Press release - Belarus: MEPs call for release", "Belarus: MEPs call for release"),
        ("  Two\nlines\tand \ud800 a surrogate ", "Two lines and a surrogate"),
        ("Press releases are up", "Press releases are up"),
    ],
)
def test_titles_lose_publisher_labels(raw: str, clean: str) -> None:
    assert clean_title(raw) == clean


def test_oversized_fields_are_cut_and_an_oversized_link_skips_the_item() -> None:
    entry = FeedEntry("s", "g" * 2000, "https://x.example/a", "word " * 200, "para\n\n" * 60_000)
    cleaned = clean_entry(entry)
    assert len(cleaned.title) <= MAX_TITLE and cleaned.title.endswith("…")
    assert len(cleaned.text) <= MAX_TEXT and cleaned.text.endswith("para")
    assert cleaned.guid.startswith("sha256:") and clean_entry(entry).guid == cleaned.guid
    with pytest.raises(BadItem, match="link longer"):
        clean_entry(FeedEntry("s", "g", "https://x.example/" + "a" * 3000, "t", ""))
    with pytest.raises(BadItem, match="no title and no text"):
        clean_entry(FeedEntry("s", "g", "https://x.example/a", " \ud800 ", "\x01"))


def test_links_are_absolute_http_without_dot_segments() -> None:
    assert absolute_link(
        "https://e.example/feed", "https://eur-lex.europa.eu/./legal-content/EN/TXT/?uri=CELEX:1"
    ) == ("https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:1")
    assert absolute_link("https://e.example/a/b", "../c/./d/") == "https://e.example/c/d/"
    assert absolute_link("https://e.example/", "javascript:alert(1)") == ""
    assert absolute_link("https://e.example/", "mailto:a@b.c") == ""


EXPRESSIONS = {
    "is_realized_by": [
        {
            "language": "http://publications.europa.eu/resource/authority/language/FRA",
            "title": {"fr": "Titre"},
        },
        {
            "language": "http://publications.europa.eu/resource/authority/language/ENG",
            "title": {"en": "Title"},
        },
    ],
    "title_dcterms": [
        {"@language": "de", "@value": "Titel"},
        {"@language": "en", "@value": "Title EN"},
    ],
    "only_french": {"fr": "Seulement"},
    "dates": ["2026-11-25"],
}


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        ("is_realized_by.title", "Title"),
        ("is_realized_by.*.title", "Title"),
        ("is_realized_by.0.title", "Titre"),  # an explicit index means that element
        ("is_realized_by", "Title"),
        ("title_dcterms", "Title EN"),
        ("missing|title_dcterms", "Title EN"),
        ("only_french", "Seulement"),
        ("dates", "2026-11-25"),
        ("missing", ""),
    ],
)
def test_json_paths_walk_lists_and_prefer_english(spec: str, text: str) -> None:
    assert pick_text(resolve(EXPRESSIONS, spec)) == text


def test_selector_lists_split_at_top_level_commas_only() -> None:
    assert split_selector(".font-sans-lg a, h3 a,a") == [".font-sans-lg a", "h3 a", "a"]
    assert split_selector('a[title="x, y"], :is(h2, h3) a') == ['a[title="x, y"]', ":is(h2, h3) a"]


def test_url_placeholders() -> None:
    now = utc(2027, 1, 1, 0, 5)
    assert expand_url("https://x.example/?year={year}&m={month}&d={today}", now) == (
        "https://x.example/?year=2027&m=01&d=2027-01-01"
    )
    assert expand_url("https://x.example/plain?a=1", now) == "https://x.example/plain?a=1"
    with pytest.raises(UserInputError, match=r"unknown placeholder \{yr\}"):
        check_placeholders("https://x.example/?y={yr}")


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("{id: a, url: 'https://x.example/?y={yr}'}", "unknown placeholder {yr}"),
        (
            "{id: a, url: 'https://x.example/f', full_text_from: magic}",
            "unknown full_text_from 'magic'",
        ),
        ("{id: a, url: 'https://x.example/f', needs_browser: maybe}", "true or false"),
        (
            "{id: a, url: 'https://x.example/f', kind: json, selectors: {items: x, date_order: ymd}}",
            "must be dmy or mdy",
        ),
        (
            "{id: a, url: 'https://x.example/f', kind: html, selectors: {item: li, title: a, link: a, base: 'ftp://x'}}",
            "only http and https",
        ),
    ],
)
def test_new_catalog_fields_are_checked(tmp_path: Path, entry: str, problem: str) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(f"sources:\n  - {entry}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=problem):
        load_catalog(path)


def test_needs_browser_sources_are_off_unless_enabled_and_full_text_from_implies_full_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - {id: a, url: 'https://a.example/', needs_browser: true}\n"
        "  - {id: b, url: 'https://b.example/', needs_browser: true, enabled: true}\n"
        "  - {id: c, url: 'https://c.example/', full_text_from: presscorner}\n",
        encoding="utf-8",
    )
    a, b, c = load_catalog(path)
    assert (a.enabled, b.enabled, c.full_text) == (False, True, True)


def test_sources_view_says_which_need_a_browser() -> None:
    health = SourceHealth(
        "ep-press",
        "EP press",
        "official",
        None,
        None,
        None,
        0,
        0,
        None,
        enabled=False,
        needs_browser=True,
    )
    line = sources_list([health], "UTC", utc(2026, 12, 1)).splitlines()[1]
    assert "ep-press" in line and "needs a browser, not polled" in line
    assert len(line) <= 40  # /sources lines fit a phone (issue 13)


def test_shipped_catalog_has_no_google_news_and_enough_outlets() -> None:
    sources = load_catalog(Path(__file__).resolve().parent.parent / "seeds" / "sources.yaml")
    assert not [s for s in sources if "news.google." in s.url]
    media = [s for s in sources if s.tier == "media"]
    hosts = {
        s.url.split("/")[2].removeprefix("www.").removeprefix("eng.").removeprefix("ru.")
        for s in media
    }
    assert len(hosts) >= 5 and all(s.full_text for s in media)


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>",
        "<html><body><noscript>Please enable JavaScript to continue</noscript></body></html>",
        (FEEDS / "real" / "ep-press-challenge.html").read_text("utf-8"),
    ],
)
def test_interstitials_are_recognised(page: str) -> None:
    assert challenge_reason(page) and "needs a browser" in (challenge_reason(page) or "")


def test_a_long_article_mentioning_javascript_is_not_a_challenge() -> None:
    body = "<p>" + "Officials said the site asks users to enable JavaScript. " * 60 + "</p>"
    assert challenge_reason(f"<html><body>{body}</body></html>") is None


LAYOUTS = [
    "guardian",
    "kyivindependent",
    "euronews",
    "meduza",
    "tass",
    "rferl",
    "dw",
    "belta",
    "pravda",
    "consilium",
    "treasury",
]
TEXTS = ["eu-listings", "drills-ru", "border-uk", "belarus-satellite-state", "council-decision"]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("text", TEXTS)
def test_extractor_returns_exactly_the_article_paragraphs(layout: str, text: str) -> None:
    # Menus, cookie banners, newsletter and related-links boxes, captions, datelines,
    # "Read also" lines, most-viewed lists and footers are not article text.
    got = extract_text(article_page(layout, text), f"https://news.example/{layout}/{text}")
    assert got.split("\n\n") == paragraphs(text)


def test_extractor_refuses_challenge_and_empty_pages() -> None:
    with pytest.raises(SourceError, match="browser check"):
        extract_text((FEEDS / "real" / "ep-press-challenge.html").read_bytes())
    with pytest.raises(SourceError):
        extract_text((FEEDS / "real" / "pages" / "presscorner_shell.html").read_bytes())


@pytest.mark.parametrize(
    ("raw", "age"),
    [
        ("3", timedelta(days=3)),
        ("36h", timedelta(hours=36)),
        ("90m", timedelta(minutes=90)),
        ("2d", timedelta(days=2)),
        ("off", None),
        ("0", None),
    ],
)
def test_max_item_age_setting(raw: str, age: timedelta | None, tmp_path: Path) -> None:
    assert parse_max_age(raw) == age
    env = {"SANCTIONS_BOT_MAX_ITEM_AGE": raw, "SANCTIONS_BOT_DB": str(tmp_path / "x.db")}
    assert load_settings(env).max_item_age == age


def test_max_item_age_default_and_bad_values(tmp_path: Path) -> None:
    assert load_settings({"SANCTIONS_BOT_DB": str(tmp_path / "x.db")}).max_item_age == timedelta(
        days=3
    )
    with pytest.raises(ConfigError, match="SANCTIONS_BOT_MAX_ITEM_AGE"):
        parse_max_age("three days")
