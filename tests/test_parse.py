"""Parsing feed files we wrote, each with real-world quirks, into FeedEntry lists."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.errors import SourceError
from bot.models import FeedEntry, Source
from bot.sources.parse import parse_feed
from bot.sources.textutil import extract_text, html_to_text, parse_date

FEEDS = Path(__file__).resolve().parent / "feeds"
FEDREG = {
    "items": "results",
    "title": "title",
    "link": "html_url",
    "date": "publication_date",
    "summary": "abstract",
    "guid": "document_number",
}
LISTING = {
    "item": "div.view-content .views-row",
    "title": "a",
    "link": "a",
    "date": ".date-display-single, time",
    "summary": "p.teaser",
}


def parse(
    name: str, url: str, ctype: str | None = None, kind: str = "rss", **sel: str
) -> list[FeedEntry]:
    source = Source("t", "Test", url, kind=kind, selectors=sel)  # type: ignore[arg-type]
    return parse_feed((FEEDS / name).read_bytes(), source, url, ctype)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_rss2_cdata_html_relative_links_and_dates() -> None:
    first, teaser, odd, undated = parse(
        "rss2_quirks.xml", "https://parliament.example/press/rss.xml"
    )
    assert first.title == 'Parliament adopts resolution on Belarus & its "satellite" regime'
    assert first.url == "https://parliament.example/press/2026/belarus-resolution"
    assert first.guid == "press-2026-0451"
    assert first.text == (
        "Members voted on a text about Belarus.\n\n"
        "The text asks for the same restrictive measures as for Russia.\nVote: 480 in favour."
    )
    assert "alert" not in first.text  # scripts dropped
    assert first.published == utc(2026, 11, 26, 13, 30)  # +0100 converted to UTC
    # content:encoded wins over the teaser description; list items become paragraphs
    assert teaser.text.startswith("First lines only, and then the full body")
    assert teaser.text.endswith("Point one\n\nPoint two")
    assert teaser.published == utc(2026, 11, 25, 9, 15)  # dc:date
    assert odd.published == utc(2026, 11, 27)  # "27 November 2026"
    assert odd.text == "Escaped markup in a plain description & an ampersand."
    assert odd.guid == odd.url  # no guid: the link identifies it
    assert undated.published is None


def test_rss1_rdf() -> None:
    (entry,) = parse("rss1_rdf.xml", "https://journal.example/rss")
    assert entry.title.startswith("Council Implementing Regulation")
    # "2026-11-24T00:00:00+01:00" is how journals write a date: it stays 24 November
    # (noon UTC) instead of turning into 23 November 23:00 UTC.
    assert entry.published == utc(2026, 11, 24, 12)


def test_rss091_with_doctype_and_character_reference() -> None:
    (entry,) = parse("rss091.xml", "http://news.example/rss")
    assert entry.text == "The ministry welcomed the talks in Genève."
    assert entry.published is None


def test_atom_xml_base_html_and_xhtml_content() -> None:
    notice, guidance = parse(
        "atom_xmlbase.xml", "https://gov.example/feed.atom", "application/atom+xml"
    )
    assert notice.url == "https://gov.example/government/news/financial-sanctions-notice-belarus"
    assert notice.title == "Financial sanctions notice: Belarus <update>"
    assert notice.text == "Three entries were added.\n\nSee the notice."
    assert notice.published == utc(2026, 11, 26, 8, 45)
    assert guidance.url == "https://gov.example/other/guidance/russia"  # entry-level xml:base
    assert guidance.text == "General licence guidance was updated.\n\nSecond paragraph."
    assert guidance.published == utc(2026, 11, 25, 21)  # updated, -05:00


@pytest.mark.parametrize(
    ("name", "ctype"),
    [
        ("cp1251_declared.xml", "text/xml"),  # declared in the XML prolog
        ("cp1251_declared.xml", "text/xml; charset=utf-8"),  # header lies, prolog wins
        ("cp1251_undeclared.xml", "text/xml; charset=windows-1251"),  # only the header says
        ("cp1251_undeclared.xml", "text/xml"),  # nobody says: detected
    ],
)
def test_windows_1251(name: str, ctype: str) -> None:
    (entry,) = parse(name, "https://mfa.example/rss", ctype)
    assert entry.title == "Заявление о санкциях против Беларуси"
    assert "Европейского союза" in entry.text


@pytest.mark.parametrize("ctype", ["text/xml; charset=iso-8859-1", "text/xml; charset=utf-8", None])
def test_latin1_undeclared_or_wrongly_declared(ctype: str | None) -> None:
    (entry,) = parse("latin1_undeclared.xml", "https://admin.example/rss", ctype)
    assert entry.title == "Le Conseil fédéral adopte des mesures à Genève et Zürich"


def test_json_feed() -> None:
    first, second = parse(
        "jsonfeed.json", "https://newsroom.example/feed.json", "application/feed+json", "json"
    )
    assert (
        first.text
        == "The Federal Council decided today.\n\nThe measures enter into force tomorrow."
    )
    assert first.published == utc(2026, 11, 26, 10)
    assert second.url == "https://newsroom.example/2026/11/relative-item"
    assert (second.text, second.published) == ("Plain text body.", None)


def test_json_api_with_mapping() -> None:
    notice, regs = parse(
        "fedreg.json", "https://register.example/api", "application/json", "json", **FEDREG
    )
    assert notice.guid == "2026-23456" and notice.published == utc(2026, 11, 25)
    assert notice.text.startswith("The Treasury Department's Office")
    assert regs.text == "" and regs.title == "Belarus Sanctions Regulations"


def test_json_ld_labels_and_link_base() -> None:
    (entry,) = parse(
        "ep_adopted.json",
        "https://data.ep.example/api/v2/adopted-texts?limit=50",
        None,
        "json",
        items="data",
        title="label",
        link="id",
        date="work_date_document",
        guid="identifier",
        base="https://data.ep.example/",
    )
    assert entry.title == "Resolution on the situation in Belarus"
    assert entry.url == "https://data.ep.example/eli/dl/doc/TA-10-2026-0451"


def test_html_listing_with_selectors() -> None:
    first, second = parse(
        "listing.html", "https://treasury.example/recent-actions", "text/html", "html", **LISTING
    )
    assert first.url == "https://treasury.example/recent-actions/20261126"  # <base href>
    assert first.title == "Russia-related Designations; Belarus-related Designations Updates"
    assert first.text == "Office of Foreign Assets Control Russia-related designations."
    assert first.published == utc(2026, 11, 26)
    assert second.published == utc(2026, 11, 24, 20)  # <time datetime>
    assert second.url == "https://treasury.example/recent-actions/20261124"


def test_html_listing_without_matches_is_an_error() -> None:
    with pytest.raises(SourceError, match="no items matched selector"):
        parse(
            "listing.html",
            "https://x.example/",
            "text/html",
            "html",
            item="div.search-result",
            title="a",
            link="a",
        )


def test_html_listing_that_is_a_browser_check_says_so() -> None:
    # html_page.html is a "Please enable JavaScript / Checking your browser" page:
    # naming the challenge tells the admin more than "no items matched".
    with pytest.raises(SourceError, match="browser check"):
        parse(
            "html_page.html",
            "https://x.example/",
            "text/html",
            "html",
            item="div.views-row",
            title="a",
            link="a",
        )


@pytest.mark.parametrize(
    ("name", "kind", "ctype", "reason"),
    [
        ("html_page.html", "rss", "text/html", "browser check"),
        ("html_page.html", "atom", "application/atom+xml", "browser check"),
        ("html_page.html", "json", "application/json", "browser check"),
        ("invalid.xml", "rss", "text/xml", "invalid XML"),
        ("bomb.xml", "rss", "text/xml", "declares XML entities"),
        ("listing.html", "json", "application/json", "not a feed: got HTML"),
    ],
)
def test_unusable_bodies(name: str, kind: str, ctype: str, reason: str) -> None:
    with pytest.raises(SourceError, match=reason):
        parse(name, "https://x.example/feed", ctype, kind)


def test_items_without_usable_links_keep_an_empty_url() -> None:
    feed = (
        b'<rss version="2.0"><channel><title>t</title>'
        b'<item><title>No link</title><guid isPermaLink="false">n1</guid></item>'
        b'<item><title>Script link</title><link>javascript:alert(1)</link><guid isPermaLink="false">n2</guid></item>'
        b"</channel></rss>"
    )
    entries = parse_feed(
        feed, Source("t", "T", "https://x.example/"), "https://x.example/rss", None
    )
    assert [(e.guid, e.url) for e in entries] == [("n1", ""), ("n2", "")]


@pytest.mark.parametrize("body", [b"", b"  \n\t "])
def test_empty_body(body: bytes) -> None:
    with pytest.raises(SourceError, match="empty response body"):
        parse_feed(body, Source("t", "T", "https://x.example/"), "https://x.example/", "text/xml")


def test_invalid_json() -> None:
    with pytest.raises(SourceError, match="invalid JSON"):
        parse_feed(
            b"{not json",
            Source("t", "T", "https://x.example/", kind="json"),
            "https://x.example/",
            None,
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thu, 26 Nov 2026 14:30:00 +0100", utc(2026, 11, 26, 13, 30)),
        ("2026-11-26T14:30:00Z", utc(2026, 11, 26, 14, 30)),
        ("2026-11-26", utc(2026, 11, 26)),
        ("27 November 2026", utc(2026, 11, 27)),
        ("November 27, 2026", utc(2026, 11, 27)),
        ("27th November 2026", utc(2026, 11, 27)),
        ("27.11.2026", utc(2026, 11, 27)),
        ("Friday, 27 November 2026", utc(2026, 11, 27)),
        ("", None),
        ("soon", None),
        (None, None),
    ],
)
def test_parse_date(text: str | None, expected: datetime | None) -> None:
    assert parse_date(text) == expected


def test_html_to_text_paragraphs() -> None:
    html = "<div><h2>Head</h2>Intro<br>line two<p>Para &amp; more</p><style>p{}</style></div>"
    assert html_to_text(html) == "Head\n\nIntro\nline two\n\nPara & more"
    assert html_to_text("plain\n\n\n  text  ") == "plain\n\ntext"


def test_extract_text_of_an_article_page() -> None:
    text = extract_text((FEEDS / "article.html").read_bytes(), "https://parliament.example/a")
    assert "restrictive measures already applied to Russia" in text
    assert "\n\n" in text  # paragraphs kept apart
    assert "Cookie settings" not in text and "Home" not in text
