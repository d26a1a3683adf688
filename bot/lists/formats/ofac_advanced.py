"""OFAC's advanced XML (SDN_ADVANCED.XML, root Sanctions): the largest list file (100+ MB).

Evidence: opensanctions/opensanctions datasets/us/ofac/ofac_advanced.py and
us_ofac_sdn.yml (ReferenceValueSets/<Type>Values/<Type ID=..>, Locations/Location with
LocationCountry and LocationPart/LocationPartValue/Value, IDRegDocuments/IDRegDocument
{IDRegDocTypeID, IdentityID, IssuedBy-CountryID}/IDRegistrationNo,
DistinctParties/DistinctParty/Profile {PartySubTypeID}/Identity/NamePartGroups and
Alias {AliasTypeID, Primary, LowQuality}/DocumentedName/DocumentedNamePart/
NamePartValue {NamePartGroupID, ScriptID}, Feature {FeatureTypeID}/FeatureVersion/
VersionDetail|VersionLocation|DatePeriod, SanctionsEntries/SanctionsEntry {ProfileID,
ListID}/EntryEvent/Date and SanctionsMeasure/Comment = the programme tag).

The sections refer to each other by id, and programmes come last in the file: parties
are kept in a compact form until the end, but the file is never held as a tree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from bot.lists.formats import Header, identifier
from bot.lists.model import Address, EntityType, Identifier, ListedEntity, Name, NameKind
from bot.lists.normalize import iso2, make_name
from bot.lists.xmlstream import Element, records, text

URL = "https://sanctionssearch.ofac.treas.gov/Details.aspx?id={}"
SECTIONS = (
    "DateOfIssue",
    "ReferenceValueSets",
    "Location",
    "IDRegDocument",
    "DistinctParty",
    "SanctionsEntry",
)
TYPES: dict[str, EntityType] = {
    "individual": "person",
    "entity": "organization",
    "vessel": "vessel",
    "aircraft": "aircraft",
}
_ALIAS: dict[str, NameKind] = {"name": "primary", "a.k.a.": "alias", "f.k.a.": "former"}
_NATIONALITY = ("Nationality Country", "Citizenship Country", "Vessel Flag")
Refs = dict[str, dict[str, tuple[str, dict[str, str]]]]


@dataclass
class _Party:
    """A DistinctParty read so far (programmes arrive at the end of the file)."""

    id: str
    type: EntityType
    identity: str
    names: list[Name]
    nationalities: list[str] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)
    reason: str = ""


@dataclass
class _State:
    refs: Refs = field(default_factory=dict)
    locations: dict[str, Address] = field(default_factory=dict)
    documents: dict[str, list[Identifier]] = field(default_factory=lambda: defaultdict(list))
    parties: list[_Party] = field(default_factory=list)
    programs: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    listed: dict[str, str] = field(default_factory=dict)

    def ref(self, kind: str, ref_id: str | None) -> str:
        return self.refs.get(kind, {}).get(ref_id or "", ("", {}))[0]

    def ref_attr(self, kind: str, ref_id: str | None, attr: str) -> str:
        return self.refs.get(kind, {}).get(ref_id or "", ("", {}))[1].get(attr, "")

    def country(self, ref_id: str | None) -> str:
        return self.ref_attr("Country", ref_id, "ISO2") or iso2(self.ref("Country", ref_id))


def parse(source: IO[bytes], header: Header) -> Iterator[ListedEntity]:
    """Every DistinctParty, with its documents and programmes, once the file is read."""
    state = _State()
    for el in records(source, SECTIONS):
        tag = el.tag
        if tag == "DateOfIssue":
            header.published = _date(el)
        elif tag == "ReferenceValueSets":
            state.refs = _refs(el)
        elif tag == "Location":
            state.locations[el.get("ID", "")] = _location(state, el)
        elif tag == "IDRegDocument":
            _document(state, el)
        elif tag == "DistinctParty":
            party = _party(state, el)
            if party is not None:
                state.parties.append(party)
        else:
            _entry(state, el)
    for party in state.parties:
        yield _entity(state, party)


def _refs(el: Element) -> Refs:
    refs: Refs = {}
    for values in el:
        for value in values:
            kind = str(value.tag)
            attrs = {k: v for k, v in value.attrib.items() if k != "ID"}
            refs.setdefault(kind, {})[value.get("ID", "")] = (text(value), attrs)
    return refs


def _date(el: Element | None) -> str:
    if el is None:
        return ""
    year, month, day = (text(el, p) for p in ("Year", "Month", "Day"))
    if not year:
        return ""
    if not month:
        return year
    return f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")


def _location(state: _State, el: Element) -> Address:
    country = ""
    for node in el.iterfind("LocationCountry"):
        country = state.country(node.get("CountryID"))
    parts = [text(p, "LocationPartValue/Value") for p in el.iterfind("LocationPart")]
    name = state.ref(
        "Country", next((n.get("CountryID") for n in el.iterfind("LocationCountry")), None)
    )
    line = ", ".join(p for p in [*parts, name] if p)
    return Address(line, country)


def _document(state: _State, el: Element) -> None:
    label = state.ref("IDRegDocType", el.get("IDRegDocTypeID"))
    country = state.country(el.get("IssuedBy-CountryID")) if el.get("IssuedBy-CountryID") else ""
    found = identifier(label, text(el, "IDRegistrationNo"), country)
    if found is not None:
        state.documents[el.get("IdentityID", "")].append(found)


def _party(state: _State, el: Element) -> _Party | None:
    profile = el.find("Profile")
    if profile is None:
        return None
    sub_type = profile.get("PartySubTypeID")
    type_text = state.ref("PartySubType", sub_type)
    if type_text.lower() in ("", "unknown"):
        type_text = state.ref("PartyType", state.ref_attr("PartySubType", sub_type, "PartyTypeID"))
    identity = profile.find("Identity")
    party = _Party(
        id=profile.get("ID") or el.get("FixedRef", ""),
        type=TYPES.get(type_text.lower(), "organization"),
        identity=identity.get("ID", "") if identity is not None else "",
        names=_names(state, identity) if identity is not None else [],
        reason=text(el, "Comment"),
    )
    for feature in profile.iterfind("Feature"):
        _feature(state, party, feature)
    return party


def _names(state: _State, identity: Element) -> list[Name]:
    groups = {
        g.get("ID", ""): state.ref("NamePartType", g.get("NamePartTypeID"))
        for g in identity.iterfind("NamePartGroups/MasterNamePartGroup/NamePartGroup")
    }
    names: list[Name] = []
    for alias in identity.iterfind("Alias"):
        alias_type = state.ref("AliasType", alias.get("AliasTypeID")).lower()
        kind: NameKind = _ALIAS.get(alias_type, "alias")
        if alias.get("LowQuality") == "true":
            kind = "weak"
        for documented in alias.iterfind("DocumentedName"):
            parts: dict[str, str] = {}
            script = ""
            for value in documented.iterfind("DocumentedNamePart/NamePartValue"):
                part = groups.get(value.get("NamePartGroupID", ""), "")
                parts[part] = " ".join(filter(None, (parts.get(part), text(value))))
                script = state.ref_attr("Script", value.get("ScriptID"), "ScriptCode") or script
            name = make_name(
                _join(parts), kind, script if script in ("Latn", "Cyrl", "Arab") else ""
            )
            if name is not None:
                names.append(name)
                if kind == "primary":
                    kind = "alias"  # the alias's other documented names are spellings of it
    names.sort(key=lambda n: n.kind != "primary")  # the primary name first
    return names


def _join(parts: dict[str, str]) -> str:
    """A person as OFAC writes them ('LAST, First Middle'); other names whole."""
    last = parts.pop("Last Name", "")
    given = " ".join(filter(None, (parts.pop(p, "") for p in ("First Name", "Middle Name"))))
    rest = " ".join(v for v in parts.values() if v)
    if last and given:
        return f"{last}, {' '.join(filter(None, (given, rest)))}"
    return " ".join(filter(None, (last, given, rest)))


def _feature(state: _State, party: _Party, feature: Element) -> None:
    label = state.ref("FeatureType", feature.get("FeatureTypeID")).strip()
    version = feature.find("FeatureVersion")
    if version is None:
        return
    location = version.find("VersionLocation")
    address = state.locations.get(location.get("LocationID", "")) if location is not None else None
    detail = version.find("VersionDetail")
    value = ""
    if detail is not None:
        ref = detail.get("DetailReferenceID")
        value = state.ref("DetailReference", ref) if ref else text(detail)
    if label == "Location" and address is not None:
        party.addresses.append(address)
    elif label in _NATIONALITY:
        code = address.country if address is not None else iso2(value)
        if code:
            party.nationalities.append(code)
    elif label == "Birthdate":
        start = version.find("DatePeriod/Start/From")
        if start is not None:
            party.birth_dates.append(_date(start))


def _entry(state: _State, el: Element) -> None:
    profile = el.get("ProfileID", "")
    for measure in el.iterfind("SanctionsMeasure"):
        if state.ref("SanctionsType", measure.get("SanctionsTypeID")) == "Program":
            program = text(measure, "Comment")
            if program:
                state.programs[profile].append(program)
    dates = [_date(e.find("Date")) for e in el.iterfind("EntryEvent")]
    dates = [d for d in dates if d]
    if dates:
        state.listed[profile] = min(dates)


def _entity(state: _State, party: _Party) -> ListedEntity:
    return ListedEntity(
        id=party.id,
        type=party.type,
        names=tuple(party.names),
        programs=tuple(state.programs.get(party.id, ())),
        nationalities=tuple(party.nationalities),
        addresses=tuple(party.addresses),
        identifiers=tuple(state.documents.get(party.identity, ())),
        birth_dates=tuple(party.birth_dates),
        listed_on=state.listed.get(party.id, ""),
        reason=party.reason,
        url=URL.format(party.id),
    )
