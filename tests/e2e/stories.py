"""News items for the alert-experience tests: one event told by several sources.

Every text is ours. The shapes follow what the real sources publish (stored public
pages): Council of the EU press releases title a decision "<context>: Council/EU
<verb> …" ("Iran: Council adopts additional restrictive measures", "Russia's military
aggression against Ukraine: EU imposes sanctions …", as reprinted at
cyprus-daily.news/timeline-eu-response-to-russia-s-invasion-of-ukraine and
cde.ual.es/en/tag/russia/page/20/) and open with "The Council today adopted …";
media report the same package in their own words ("The EU Council has approved the
17th package of sanctions against Russia", eu.news-pravda.com/world/2025/05/20/57202.html).
UN press releases of the Security Council (SC/nnnnn, e.g.
press.un.org/2023/sc15303.doc.htm "Security Council Renews Authorization to Inspect
Vessels Suspected of Violating Libya Arms Embargo, Adopting Resolution 2684 (2023)")
are reprinted nearly verbatim by news sites (famagusta-gazette.com/2021/06/04/…), and
Treasury/OFAC releases name the "Specially Designated Nationals and Blocked Persons
(SDN) List".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.models import Source

COUNCIL = Source(
    id="council-press",
    name="Council of the EU",
    url="http://127.0.0.1/council.xml",
    tier="official",
)
UN_PRESS = Source(id="un-press", name="UN press", url="http://127.0.0.1/un.xml", tier="official")
TREASURY = Source(
    id="us-treasury", name="US Treasury", url="http://127.0.0.1/ust.xml", tier="official"
)
DAILY = Source(id="daily-wire", name="Daily Wire", url="http://127.0.0.1/daily.xml")
EURO = Source(id="euro-news", name="Euro News Desk", url="http://127.0.0.1/euro.xml")
STORY_SOURCES = (COUNCIL, UN_PRESS, TREASURY, DAILY, EURO)


@dataclass(frozen=True)
class Item:
    """One published copy: who published it, headline and body."""

    source: Source
    title: str
    text: str
    published: datetime | None = None


PACKAGE_TEXT = (
    "The Council today adopted a 19th package of economic and individual restrictive "
    "measures against Russia in view of its continued war of aggression against Ukraine.\n\n"
    "The package bans imports of Russian liquefied natural gas from January 2027 and adds "
    "69 individuals and 48 entities to the list of those subject to an asset freeze.\n\n"
    "The measures also target banks in third countries that help Russia circumvent the "
    "sanctions, and 117 more vessels of the shadow fleet."
)

EU_PACKAGE = (
    Item(
        COUNCIL,
        "Russia's war of aggression against Ukraine: Council adopts 19th package of "
        "economic and individual sanctions",
        PACKAGE_TEXT,
    ),
    Item(
        DAILY,
        "EU adopts 19th package of sanctions against Russia, targeting LNG",
        "European Union governments adopted a 19th package of sanctions against Russia on "
        "Thursday, banning imports of Russian liquefied natural gas from 2027.\n\n"
        + PACKAGE_TEXT
        + "\n\nDiplomats said Slovakia had lifted its objection late on Wednesday.",
    ),
    Item(
        EURO,
        "Council adopts 19th package of economic and individual sanctions against Russia",
        "Brussels — " + PACKAGE_TEXT + "\n\nThe package enters into force on publication.",
    ),
)

UN_TEXT = (
    "The Security Council today adopted resolution 2795 (2026), renewing for one year the "
    "authorization for Member States to inspect vessels on the high seas off Libya that are "
    "suspected of violating the arms embargo.\n\n"
    "Adopted by a vote of 13 in favour to none against, with 2 abstentions, the resolution "
    "also extends the sanctions measures on illicit petroleum exports."
)
UN_TITLE = "Security Council renews Libya arms embargo inspections for one year"
# Media reprints the release first; the UN's own copy arrives later.
UN_COPIES = (
    Item(DAILY, UN_TITLE, UN_TEXT),
    Item(EURO, UN_TITLE, UN_TEXT),
    Item(UN_PRESS, UN_TITLE, UN_TEXT),
)

OFAC = Item(
    TREASURY,
    "Treasury sanctions procurement network supplying drones to Russia",
    "WASHINGTON — The Department of the Treasury's Office of Foreign Assets Control (OFAC) "
    "today sanctioned 12 entities and 4 individuals in Iran and the United Arab Emirates for "
    "supplying drone components to Russia.\n\n"
    "All property of the designated persons in the United States is blocked, and they are "
    "added to the Specially Designated Nationals and Blocked Persons (SDN) List.",
)

OLD_ITEM = Item(
    DAILY,
    "EU prolongs sanctions on Belarus for another year",
    "The Council of the EU today prolonged its restrictive measures against Belarus by one "
    "year, until 28 February 2025, in view of the situation in the country.\n\n"
    "The measures include an asset freeze and a travel ban on 233 individuals.",
    published=datetime(2024, 2, 26, 10, 0, tzinfo=UTC),
)
