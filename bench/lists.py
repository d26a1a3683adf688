"""Official list parsing: peak memory and time for a ~100 MB OFAC advanced XML file.

    python -m bench.lists            (~100 MB file, three child processes)
    python -m bench.lists --quick    (~5 MB)

The file is generated in the real advanced layout (the structure of
tests/lists/fixtures/ofac-sdn-advanced-*.xml, with invented parties), then read three
ways, each in a fresh process so every peak is its own:

* stream, first poll: `bot.lists.scan.scan` with nothing stored (every entry is kept
  because every entry is new: the worst case of the production path);
* stream, later poll: the same with every digest already stored (only changes kept);
* DOM baseline: lxml parses the whole file into a tree, then the same record code
  walks it (what a parser that loads the document does; opensanctions deploys 2.5 GiB
  for this file).

Peak memory is the child's VmHWM (high-water resident set, C allocations included).
Target: under 300 MB for the 100 MB file.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO_ROOT, fmt, print_table, target, write_result

MB = 1024 * 1024
TARGET_MB = 300
NS = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML"
SYLLABLES = [
    "ka",
    "va",
    "len",
    "ko",
    "mar",
    "lo",
    "we",
    "vik",
    "tor",
    "ni",
    "ko",
    "lai",
    "iva",
    "na",
    "vich",
    "pet",
    "ro",
    "sha",
    "dro",
    "zd",
    "ov",
    "ski",
]
CYRILLIC = [
    "ка",
    "ва",
    "лен",
    "ко",
    "мар",
    "ло",
    "ве",
    "вік",
    "тор",
    "ні",
    "ко",
    "лай",
    "іва",
    "на",
    "віч",
    "пет",
    "ро",
    "ша",
    "дро",
    "зд",
    "ов",
    "скі",
]
PROGRAMS = ("RUSSIA-EO14024", "BELARUS-EO14038", "IRAN-EO13902", "SDGT", "CYBER2", "GLOMAG")

REFS = """  <ReferenceValueSets>
    <AliasTypeValues><AliasType ID="1400">A.K.A.</AliasType><AliasType ID="1403">Name</AliasType></AliasTypeValues>
    <CountryValues><Country ID="1" ISO2="RU">Russia</Country><Country ID="2" ISO2="BY">Belarus</Country><Country ID="3" ISO2="IR">Iran</Country><Country ID="4" ISO2="AE">United Arab Emirates</Country></CountryValues>
    <DetailReferenceValues><DetailReference ID="91">Male</DetailReference></DetailReferenceValues>
    <FeatureTypeValues><FeatureType ID="8">Birthdate</FeatureType><FeatureType ID="10">Nationality Country</FeatureType><FeatureType ID="25">Location</FeatureType><FeatureType ID="224">Gender</FeatureType><FeatureType ID="504">Website</FeatureType></FeatureTypeValues>
    <IDRegDocTypeValues><IDRegDocType ID="1571">Passport</IDRegDocType><IDRegDocType ID="1584">Registration Number</IDRegDocType></IDRegDocTypeValues>
    <ListValues><List ID="1550">SDN List</List></ListValues>
    <LocPartTypeValues><LocPartType ID="1451">ADDRESS1</LocPartType><LocPartType ID="1454">CITY</LocPartType></LocPartTypeValues>
    <NamePartTypeValues><NamePartType ID="1520">Last Name</NamePartType><NamePartType ID="1521">First Name</NamePartType><NamePartType ID="1525">Entity Name</NamePartType></NamePartTypeValues>
    <PartySubTypeValues><PartySubType ID="3" PartyTypeID="2">Unknown</PartySubType><PartySubType ID="4" PartyTypeID="1">Unknown</PartySubType></PartySubTypeValues>
    <PartyTypeValues><PartyType ID="1">Individual</PartyType><PartyType ID="2">Entity</PartyType></PartyTypeValues>
    <SanctionsTypeValues><SanctionsType ID="1">Program</SanctionsType><SanctionsType ID="2">Block</SanctionsType></SanctionsTypeValues>
    <ScriptValues><Script ID="215" ScriptCode="Latn">Latin</Script><Script ID="220" ScriptCode="Cyrl">Cyrillic</Script></ScriptValues>
  </ReferenceValueSets>
"""


def _word(rng: random.Random, table: list[str], n: int) -> str:
    return "".join(rng.choice(table) for _ in range(n))


def _party(rng: random.Random, pid: int) -> tuple[str, str, str, str]:
    """(location, document, party, entry) XML for one invented party."""
    person = pid % 3 != 0
    idx = [rng.randrange(len(SYLLABLES)) for _ in range(6)]
    latin = [
        "".join(SYLLABLES[i] for i in idx[:3]).upper(),
        "".join(SYLLABLES[i] for i in idx[3:]).title(),
    ]
    cyr = [
        "".join(CYRILLIC[i] for i in idx[:3]).upper(),
        "".join(CYRILLIC[i] for i in idx[3:]).title(),
    ]
    loc = (
        f'    <Location ID="{pid}"><LocationCountry CountryID="{1 + pid % 4}" CountryRelevanceID="1"/>'
        f'<LocationPart LocPartTypeID="1451"><LocationPartValue Primary="true" LocPartValueTypeID="1" '
        f'LocPartValueStatusID="1"><Value>{rng.randrange(1, 300)} {_word(rng, SYLLABLES, 3).title()} Street</Value>'
        f'</LocationPartValue></LocationPart><LocationPart LocPartTypeID="1454"><LocationPartValue Primary="true" '
        f'LocPartValueTypeID="1" LocPartValueStatusID="1"><Value>{_word(rng, SYLLABLES, 3).title()}</Value>'
        f"</LocationPartValue></LocationPart></Location>\n"
    )
    doc = (
        f'    <IDRegDocument ID="{pid}" IDRegDocTypeID="{1571 if person else 1584}" IdentityID="{pid}" '
        f'IssuedBy-CountryID="{1 + pid % 4}" ValidityID="1"><IDRegistrationNo>{rng.randrange(10**8, 10**9)}'
        f"</IDRegistrationNo></IDRegDocument>\n"
    )
    groups = (
        f'<MasterNamePartGroup><NamePartGroup ID="{pid}1" NamePartTypeID="1520"/></MasterNamePartGroup>'
        f'<MasterNamePartGroup><NamePartGroup ID="{pid}2" NamePartTypeID="1521"/></MasterNamePartGroup>'
        if person
        else f'<MasterNamePartGroup><NamePartGroup ID="{pid}1" NamePartTypeID="1525"/></MasterNamePartGroup>'
    )
    aliases = []
    for a in range(rng.randrange(3, 7)):
        names = (
            [latin, cyr]
            if a == 0
            else [[_word(rng, SYLLABLES, 3).upper(), _word(rng, SYLLABLES, 2).title()]]
        )
        docs = []
        for n, parts in enumerate(names):
            script = 215 if n == 0 else 220
            values = parts if person else [" ".join(parts) + " LLC"]
            docs.append(
                f'<DocumentedName ID="{pid}{a}{n}" FixedRef="{pid}" DocNameStatusID="1">'
                + "".join(
                    f'<DocumentedNamePart><NamePartValue NamePartGroupID="{pid}{k + 1}" ScriptID="{script}" '
                    f'ScriptStatusID="1" Acronym="false">{v}</NamePartValue></DocumentedNamePart>'
                    for k, v in enumerate(values)
                )
                + "</DocumentedName>"
            )
        kind = "1403" if a == 0 else "1400"
        aliases.append(
            f'<Alias FixedRef="{pid}" AliasTypeID="{kind}" Primary="{str(a == 0).lower()}" LowQuality="false">'
            + "".join(docs)
            + "</Alias>"
        )
    features = [
        f'<Feature ID="{pid}1" FeatureTypeID="25"><FeatureVersion ID="{pid}1" ReliabilityID="1">'
        f'<VersionLocation LocationID="{pid}"/></FeatureVersion><IdentityReference IdentityID="{pid}" '
        f'IdentityFeatureLinkTypeID="1"/></Feature>',
        f'<Feature ID="{pid}2" FeatureTypeID="504"><FeatureVersion ID="{pid}2" ReliabilityID="1">'
        f'<Comment/><VersionDetail DetailTypeID="1432">www.{_word(rng, SYLLABLES, 3)}.example</VersionDetail>'
        f'</FeatureVersion><IdentityReference IdentityID="{pid}" IdentityFeatureLinkTypeID="1"/></Feature>',
    ]
    if person:
        y, m, d = rng.randrange(1940, 2000), rng.randrange(1, 13), rng.randrange(1, 29)
        features.append(
            f'<Feature ID="{pid}3" FeatureTypeID="8"><FeatureVersion ID="{pid}3" ReliabilityID="1">'
            f'<DatePeriod CalendarTypeID="1" YearFixed="false" MonthFixed="false" DayFixed="false">'
            f'<Start Approximate="false" YearFixed="false" MonthFixed="false" DayFixed="false"><From><Year>{y}</Year>'
            f"<Month>{m}</Month><Day>{d}</Day></From><To><Year>{y}</Year><Month>{m}</Month><Day>{d}</Day></To></Start>"
            f'<End Approximate="false" YearFixed="false" MonthFixed="false" DayFixed="false"><From><Year>{y}</Year>'
            f"<Month>{m}</Month><Day>{d}</Day></From><To><Year>{y}</Year><Month>{m}</Month><Day>{d}</Day></To></End>"
            f'</DatePeriod></FeatureVersion><IdentityReference IdentityID="{pid}" IdentityFeatureLinkTypeID="1"/></Feature>'
        )
        features.append(
            f'<Feature ID="{pid}4" FeatureTypeID="224"><FeatureVersion ID="{pid}4" ReliabilityID="1">'
            f'<VersionDetail DetailTypeID="1431" DetailReferenceID="91"/></FeatureVersion>'
            f'<IdentityReference IdentityID="{pid}" IdentityFeatureLinkTypeID="1"/></Feature>'
        )
    comment = " ".join(_word(rng, SYLLABLES, 2) for _ in range(rng.randrange(5, 40)))
    party = (
        f'    <DistinctParty FixedRef="{pid}"><Comment>{comment}</Comment><Profile ID="{pid}" '
        f'PartySubTypeID="{4 if person else 3}"><Identity ID="{pid}" FixedRef="{pid}" Primary="true" False="false">'
        + "".join(aliases)
        + f"<NamePartGroups>{groups}</NamePartGroups></Identity>"
        + "".join(features)
        + "</Profile></DistinctParty>\n"
    )
    program = PROGRAMS[pid % len(PROGRAMS)]
    entry = (
        f'    <SanctionsEntry ID="{pid}" ProfileID="{pid}" ListID="1550"><EntryEvent ID="{pid}" '
        f'EntryEventTypeID="1" LegalBasisID="1"><Date CalendarTypeID="1"><Year>{2010 + pid % 16}</Year>'
        f"<Month>{1 + pid % 12}</Month><Day>{1 + pid % 28}</Day></Date><Comment/></EntryEvent>"
        f'<SanctionsMeasure ID="{pid}1" SanctionsTypeID="1"><Comment>{program}</Comment></SanctionsMeasure>'
        f'<SanctionsMeasure ID="{pid}2" SanctionsTypeID="2"><Comment/></SanctionsMeasure></SanctionsEntry>\n'
    )
    return loc, doc, party, entry


def generate(path: Path, size_mb: float, seed: int = 15) -> int:
    """Write an advanced-format file of about `size_mb` MB; returns the number of parties."""
    rng = random.Random(seed)
    parties = [_party(rng, 100000 + i) for i in range(200)]
    per_party = sum(len("".join(p).encode()) for p in parties) // len(parties)
    count = int(size_mb * MB / per_party)
    parties += [_party(rng, 100200 + i) for i in range(count - 200)]
    with path.open("w", encoding="utf-8") as out:
        out.write(f'<?xml version="1.0" encoding="utf-8"?>\n<Sanctions xmlns="{NS}">\n')
        out.write("  <DateOfIssue><Year>2026</Year><Month>11</Month><Day>27</Day></DateOfIssue>\n")
        out.write(REFS)
        for section, index in (("Locations", 0), ("IDRegDocuments", 1), ("DistinctParties", 2)):
            out.write(f"  <{section}>\n")
            out.writelines(p[index] for p in parties)
            out.write(f"  </{section}>\n")
        out.write("  <ProfileRelationships/>\n  <SanctionsEntries>\n")
        out.writelines(p[3] for p in parties)
        out.write("  </SanctionsEntries>\n</Sanctions>\n")
    return len(parties)


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def child(mode: str, path: Path) -> dict[str, Any]:
    """One measurement in this (fresh) process."""
    from bot.lists import scan as scan_module
    from bot.lists.formats import Header, ofac_advanced

    before = _peak_mb()
    start = time.perf_counter()
    if mode == "dom":
        from lxml import etree

        tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        root = tree.getroot()

        def dom_records(_source: IO[bytes], tags: Any, root_attrs: Any = None) -> Any:
            from bot.lists.xmlstream import strip_namespaces

            strip_namespaces(root)
            wanted = set(tags)
            return (el for el in root.iter() if el.tag in wanted)

        ofac_advanced.records = dom_records  # type: ignore[assignment]  # same record code, a tree
        entities = list(ofac_advanced.parse(path.open("rb"), Header()))
        digests = {e.id: e.digest() for e in entities}
        count = len(digests)
    else:
        known: dict[str, str] = {}
        if mode == "stream-known":
            known = json.loads(Path(str(path) + ".digests.json").read_text())
        result = scan_module.scan("ofac-sdn-advanced", path, known)
        count = result.count
        if mode == "stream":  # what the next poll will have stored
            digests = {e.id: e.digest() for e in result.changed}
            Path(str(path) + ".digests.json").write_text(json.dumps(digests))
    seconds = time.perf_counter() - start
    return {
        "mode": mode,
        "seconds": seconds,
        "peak_mb": _peak_mb(),
        "start_mb": before,
        "entries": count,
    }


def run(size_mb: float) -> dict[str, Any]:
    """Generate the file and measure the three modes in child processes."""
    with tempfile.TemporaryDirectory(prefix="bench-lists-") as tmp:
        path = Path(tmp) / "sdn_advanced.xml"
        started = time.perf_counter()
        parties = generate(path, size_mb)
        size = path.stat().st_size / MB
        print(
            f"  generated {size:.1f} MB, {parties} parties in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        results = {}
        for mode in ("stream", "stream-known", "dom"):
            out = subprocess.run(
                [sys.executable, "-m", "bench.lists", "--child", mode, str(path)],
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                timeout=1800,
                check=True,
            )
            results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    return {"file_mb": size, "parties": parties, "modes": results}


def main(argv: list[str] | None = None) -> int:
    """Print the figures and write bench/results/lists.json."""
    parser = argparse.ArgumentParser(description="list parsing: memory and time")
    parser.add_argument("--quick", action="store_true", help="a ~5 MB file")
    parser.add_argument("--size-mb", type=float, default=100.0)
    parser.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return 0
    data = run(5.0 if args.quick else args.size_mb)
    modes = data["modes"]
    dom = modes["dom"]
    rows = []
    for mode, label in (
        ("stream", "stream, first poll (all kept)"),
        ("stream-known", "stream, later poll"),
        ("dom", "DOM baseline"),
    ):
        m = modes[mode]
        rows.append(
            [
                label,
                fmt(m["peak_mb"]),
                fmt(m["seconds"], 2),
                f"{dom['peak_mb'] / m['peak_mb']:.1f}x less" if mode != "dom" else "1x",
                target(m["peak_mb"] < TARGET_MB) if mode != "dom" else "",
            ]
        )
    print_table(
        f"lists: {data['file_mb']:.0f} MB OFAC advanced XML, {data['parties']} parties",
        ["mode", "peak RSS MB", "seconds", "memory vs DOM", f"< {TARGET_MB} MB"],
        rows,
    )
    write_result("lists", data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
