"""The gazetteer: every ISO country, aliases in several languages, bodies, clear errors."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pycountry
import pytest

from bot.errors import ConfigError
from bot.matching.gazetteer import Gazetteer, load_gazetteer

SANCTIONED = [
    "RU",
    "BY",
    "IR",
    "KP",
    "SY",
    "VE",
    "CU",
    "MM",
    "AF",
    "CN",
    "UA",
    "IQ",
    "LY",
    "SD",
    "SS",
    "SO",
    "YE",
    "ZW",
    "NI",
    "ML",
    "CF",
    "CD",
    "LB",
    "ER",
    "HT",
    "GN",
    "BI",
    "TR",
    "IL",
    "PS",
]
LANGUAGE_SAMPLES = {
    "RU": ("Россия", "Росія", "Расія", "Russland", "Russie", "Rosja", "Rosji"),
    "BY": ("Беларусь", "Білорусь", "Беларусі", "Weißrussland", "Biélorussie", "Białoruś"),
    "IR": ("Иран", "Іран", "Teheran", "Téhéran", "Iranu"),
    "KP": ("КНДР", "Nordkorea", "Corée du Nord", "Korea Północna", "Північна Корея"),
    "UA": ("Украина", "Україна", "Украіна", "Kiew", "Kijów"),
    "SY": ("Сирия", "Syrien", "Syrie", "Syrii"),
}


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


def fold(name: str) -> str:
    """Case and accents folded, the way the engine compares names."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def folded(names: tuple[str, ...]) -> set[str]:
    return {fold(name) for name in names}


def test_every_iso_country_is_present_with_its_name(gaz: Gazetteer) -> None:
    codes = set(gaz.codes("country"))
    for country in pycountry.countries:
        assert country.alpha_2 in codes
        assert gaz.names("country", country.alpha_2), country.alpha_2
    assert len(codes) == len(list(pycountry.countries))


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("BY", "Belarus"),
        ("RU", "Russia"),
        ("RU", "Russian Federation"),
        ("IR", "Iran"),
        ("KP", "North Korea"),
        ("SY", "Syria"),
        ("VE", "Venezuela"),
        ("CD", "Democratic Republic of the Congo"),
        ("KR", "South Korea"),
        ("GB", "United Kingdom"),
        ("US", "United States"),
        ("TR", "Türkiye"),
        ("TR", "Turkey"),
        ("FK", "Falkland Islands"),
    ],
)
def test_names_resolve(gaz: Gazetteer, code: str, name: str) -> None:
    assert fold(name) in folded(gaz.names("country", code))


def test_inverted_pycountry_names_are_not_used(gaz: Gazetteer) -> None:
    assert "korea, republic of" not in folded(gaz.names("country", "KR"))
    assert "congo, the democratic republic of the" not in folded(gaz.names("country", "CD"))


@pytest.mark.parametrize(
    ("code", "demonym", "capital"),
    [
        ("BY", "Belarusian", "Minsk"),
        ("RU", "Russian", "Moscow"),
        ("IR", "Iranian", "Tehran"),
        ("KP", "North Korean", "Pyongyang"),
        ("SY", "Syrian", "Damascus"),
        ("CN", "Chinese", "Beijing"),
        ("UA", "Ukrainian", "Kyiv"),
        ("VE", "Venezuelan", "Caracas"),
        ("AF", "Afghan", "Kabul"),
    ],
)
def test_demonyms_and_capitals(gaz: Gazetteer, code: str, demonym: str, capital: str) -> None:
    names = folded(gaz.names("country", code))
    assert fold(demonym) in names
    assert fold(capital) in names


@pytest.mark.parametrize(("code", "samples"), sorted(LANGUAGE_SAMPLES.items()))
def test_multilingual_names(gaz: Gazetteer, code: str, samples: tuple[str, ...]) -> None:
    names = folded(gaz.names("country", code))
    for sample in samples:
        assert fold(sample) in names


def test_sanctioned_countries_have_names_beyond_english(gaz: Gazetteer) -> None:
    for code in SANCTIONED:
        names = gaz.names("country", code)
        # Languages often share a spelling (Куба, Mali): one Cyrillic form is the floor.
        assert any("\u0400" <= ch <= "\u04ff" for name in names for ch in name), code
        assert len(names) >= 5, code


def test_country_names_mapping_matches_names(gaz: Gazetteer) -> None:
    mapping = gaz.country_names()
    assert mapping["BY"] == gaz.names("country", "BY")
    assert "Białoruś" in mapping["BY"]


def test_no_alias_is_listed_twice_for_one_code(gaz: Gazetteer) -> None:
    for kind in gaz.kinds():
        for code in gaz.codes(kind):
            names = gaz.names(kind, code)
            assert len(folded(names)) == len(names), (kind, code)


def test_ambiguous_common_words_are_left_out(gaz: Gazetteer) -> None:
    assert "us" not in folded(gaz.names("country", "US"))
    assert "car" not in folded(gaz.names("country", "CF"))
    assert "brussels" not in folded(gaz.names("country", "BE"))
    assert "ep" not in folded(gaz.names("body", "EP"))


@pytest.mark.parametrize(
    ("code", "alias"),
    [
        ("EP", "European Parliament"),
        ("EP", "Европарламент"),
        ("EP", "Parlament Europejski"),
        ("PACE", "Parliamentary Assembly of the Council of Europe"),
        ("PACE", "ПАСЕ"),
        ("COUNCIL_EU", "Council of the EU"),
        ("EUCO", "European Council"),
        ("EC", "European Commission"),
        ("EEAS", "HR/VP"),
        ("UNSC", "UN Security Council"),
        ("UNSC", "Совет Безопасности ООН"),
        ("UNGA", "UN General Assembly"),
        ("UNHRC", "Human Rights Council"),
        ("OFAC", "Office of Foreign Assets Control"),
        ("TREASURY", "Department of the Treasury"),
        ("STATE_DEPT", "State Department"),
        ("WHITE_HOUSE", "White House"),
        ("BIS", "Bureau of Industry and Security"),
        ("OFSI", "OFSI"),
        ("FCDO", "Foreign, Commonwealth and Development Office"),
        ("HMT", "HM Treasury"),
        ("SECO", "State Secretariat for Economic Affairs"),
        ("G7", "Group of Seven"),
        ("GAC", "Global Affairs Canada"),
        ("MOFA_JP", "Ministry of Foreign Affairs of Japan"),
        ("METI", "METI"),
        ("DFAT", "Department of Foreign Affairs and Trade"),
    ],
)
def test_bodies_resolve(gaz: Gazetteer, code: str, alias: str) -> None:
    assert fold(alias) in folded(gaz.names("body", code))


def test_codes_are_case_insensitive(gaz: Gazetteer) -> None:
    assert gaz.names("country", "by") == gaz.names("country", "BY")
    assert gaz.names("body", "unsc") == gaz.names("body", "UNSC")


@pytest.mark.parametrize(("kind", "code"), [("country", "XX"), ("body", "NOPE"), ("planet", "EP")])
def test_unknown_codes_raise_key_error(gaz: Gazetteer, kind: str, code: str) -> None:
    with pytest.raises(KeyError):
        gaz.names(kind, code)


def test_kinds_and_display_names(gaz: Gazetteer) -> None:
    assert gaz.kinds() == ("body", "country")
    assert gaz.display_name("body", "EP") == "European Parliament"
    assert gaz.display_name("country", "BY") == "Belarus"
    with pytest.raises(KeyError):
        gaz.codes("planet")


def test_no_alias_of_one_country_sits_inside_the_name_of_a_sanctioned_one(gaz: Gazetteer) -> None:
    """Aliases match inside longer names: DPRK must not also tag South Korea, DRC not CG."""
    assert "republic of korea" not in folded(gaz.names("country", "KR"))
    assert "congo" not in folded(gaz.names("country", "CG"))
    assert "brazzaville" in folded(gaz.names("country", "CG"))


def test_removal_lines(tmp_path: Path) -> None:
    (tmp_path / "countries.txt").write_text(
        "-BY: Republic of Belarus\nBY: Minsk\n", encoding="utf-8"
    )
    (tmp_path / "bodies.txt").write_text("XY: A | B\n-XY: a\n", encoding="utf-8")
    gaz = load_gazetteer(tmp_path)
    assert gaz.names("country", "BY") == ("Belarus", "Minsk")
    assert gaz.names("body", "XY") == ("B",)


def test_custom_data_dir_and_bad_lines(tmp_path: Path) -> None:
    (tmp_path / "countries.txt").write_text("BY: Belarus | Бела Русь\n", encoding="utf-8")
    (tmp_path / "bodies.txt").write_text("# only a comment\nXY: Some Body\n", encoding="utf-8")
    gaz = load_gazetteer(tmp_path)
    assert "Бела Русь" in gaz.names("country", "BY")
    assert gaz.names("body", "XY") == ("Some Body",)

    (tmp_path / "countries.txt").write_text("ZZ: Nowhere\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"countries.txt:1: unknown code .ZZ."):
        load_gazetteer(tmp_path)
    (tmp_path / "countries.txt").write_text("no colon here\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"countries\.txt:1"):
        load_gazetteer(tmp_path)
    (tmp_path / "countries.txt").write_text("BY: Belarus || Minsk\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="empty name"):
        load_gazetteer(tmp_path)


def test_deny_phrases(gaz: Gazetteer) -> None:
    assert "guinea pig" in folded(gaz.exclusions("country", "GN"))
    assert "new jersey" in folded(gaz.exclusions("country", "JE"))
    assert gaz.exclusions("country", "BY") == ()
    assert gaz.exclusions("body", "EP") == ()
    with pytest.raises(KeyError):
        gaz.exclusions("country", "XX")


def test_deny_lines_need_a_known_code(tmp_path: Path) -> None:
    (tmp_path / "countries.txt").write_text("!GN: guinea pig\n", encoding="utf-8")
    (tmp_path / "bodies.txt").write_text("!NOPE: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bodies\.txt:1: unknown code 'NOPE'"):
        load_gazetteer(tmp_path)
