"""The grouped list alert as Telegram HTML: valid, escaped, phone-sized, big publications split."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.delivery.format import (
    format_alert,
    format_alert_detail,
    split_html,
    validate_telegram_html,
)
from bot.delivery.listformat import counts, headline
from bot.models import AlertView, ListChangeView, ListPublicationView

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def change(kind: str, n: int, name: str = "") -> ListChangeView:
    return ListChangeView(
        kind=kind,  # type: ignore[arg-type]
        entity_id=str(n),
        name=name or f"TEST HOLDING {n} LLC",
        entity_type="organization",
        facts=("entity", "RU", "RUSSIA-EO14024"),
        fields=("addresses: Moscow, Russia → Dubai, United Arab Emirates",)
        if kind == "amended"
        else (),
        url=f"https://sanctionssearch.ofac.treas.gov/Details.aspx?id={n}",
    )


def view(changes: list[ListChangeView], totals: tuple[int, int, int] | None = None) -> AlertView:
    added, removed, amended = totals or tuple(
        sum(1 for c in changes if c.kind == k) for k in ("added", "removed", "amended")
    )
    return AlertView(
        id=7,
        chat_id=1,
        thread_id=0,
        rule_key="pack:list-russia",
        rule_name="Russia on the sanctions lists",
        priority="normal",
        state="pending",
        attempts=0,
        title="OFAC SDN: designated X",
        url="https://sanctionssearch.ofac.treas.gov/",
        source_id="ofac-sdn",
        source_name="OFAC",
        tier="official",
        published=NOW,
        countries=(),
        summary="",
        highlights=(),
        explanation="",
        story_id=3,
        article_id=9,
        created=NOW,
        listing=ListPublicationView(
            list_label="OFAC SDN",
            source_url="https://sanctionssearch.ofac.treas.gov/",
            published="2026-11-27",
            added=added,
            removed=removed,
            amended=amended,
            changes=tuple(changes),
            topic="Russia-related",
        ),
    )


def test_counts_read_naturally() -> None:
    assert counts(14, 2, 0) == "14 additions, 2 removals"
    assert counts(1, 0, 1) == "1 addition, 1 amendment"
    assert counts(0, 0, 0) == "no changes"


def test_headline_leads_with_the_list_counts_and_topic() -> None:
    pub = view([change("added", i) for i in range(14)] + [change("removed", 99)]).listing
    assert pub is not None
    assert headline(pub) == "OFAC SDN: 14 additions, 1 removal — Russia-related"


def test_markup_from_the_list_is_escaped_and_the_html_is_valid() -> None:
    html = format_alert(view([change("added", 1, "<b>EVIL & CO</b>"), change("amended", 2)]))
    validate_telegram_html(html)
    assert "&lt;b&gt;EVIL &amp; CO&lt;/b&gt;" in html
    assert "→" in html and "addresses:" in html


def test_a_big_publication_shows_the_first_entries_and_points_to_the_rest() -> None:
    changes = [change("added", i) for i in range(300)] + [
        change("removed", 1000 + i) for i in range(40)
    ]
    html = format_alert(view(changes, totals=(320, 45, 3)))
    validate_telegram_html(html)
    assert "… and 288 more: /alert 7" in html and "… and 28 more: /alert 7" in html
    assert "Whole publication: 320 additions, 45 removals, 3 amendments." in html
    assert len(split_html(html)) == 1  # the alert itself fits one message
    detail = format_alert_detail(view(changes))
    parts = split_html(detail)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    for part in parts:
        validate_telegram_html(part)
    assert "TEST HOLDING 199 LLC" in detail


def test_plain_text_leads_with_the_finding() -> None:
    html = format_alert(view([change("added", 1), change("removed", 2), change("amended", 3)]))
    from bot.delivery.format import html_to_text

    text = html_to_text(html)
    first = text.splitlines()[0]
    assert first.startswith("📋 OFAC SDN: 1 addition, 1 removal, 1 amendment")
    assert "Official list" in text
