"""Entity gazetteer: countries (ISO 3166-1 alpha-2) and sanctioning bodies, with aliases."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType

import pycountry

from bot.errors import ConfigError

COUNTRY = "country"
BODY = "body"

_Table = Mapping[str, tuple[str, ...]]

# pycountry writes some names inverted ("Korea, Republic of"); nobody writes
# them that way in prose, and the data file adds the natural forms.
_INVERTED_TAILS = (" of", " of the", ", British", ", U.S.", ", Province of China")


@dataclass(frozen=True)
class Gazetteer:
    """Names of countries and bodies; implements bot.models.EntityResolver."""

    tables: Mapping[str, _Table]  # kind -> code -> names, display name first
    denied: Mapping[str, _Table] = field(default_factory=dict)  # kind -> code -> phrases

    def names(self, kind: str, code: str) -> tuple[str, ...]:
        """All surface forms of `@kind:code`; raises KeyError when unknown."""
        table = self._table(kind)
        try:
            return table[code.upper()]
        except KeyError:
            raise KeyError(f"unknown {kind} code {code!r}") from None

    def country_names(self) -> Mapping[str, tuple[str, ...]]:
        """ISO2 code -> every name, demonym and capital used to tag countries."""
        return self._table(COUNTRY)

    def exclusions(self, kind: str, code: str) -> tuple[str, ...]:
        """Phrases in which an alias does not mean the entity ('guinea pig' for GN)."""
        self.names(kind, code)  # KeyError for unknown kinds and codes
        return self.denied.get(kind, {}).get(code.upper(), ())

    def kinds(self) -> tuple[str, ...]:
        """The entity kinds this gazetteer knows, e.g. ('body', 'country')."""
        return tuple(sorted(self.tables))

    def codes(self, kind: str) -> tuple[str, ...]:
        """The codes of one kind, sorted; raises KeyError for an unknown kind."""
        return tuple(sorted(self._table(kind)))

    def display_name(self, kind: str, code: str) -> str:
        """The name to show a person for `@kind:code` (the first alias)."""
        return self.names(kind, code)[0]

    def _table(self, kind: str) -> _Table:
        try:
            return self.tables[kind]
        except KeyError:
            raise KeyError(f"unknown entity kind {kind!r}") from None


def load_gazetteer(data_dir: Path | None = None) -> Gazetteer:
    """Build the gazetteer from pycountry and the bundled data files."""
    countries, country_denied = _Aliases(), _Aliases()
    for country in pycountry.countries:
        countries.add(country.alpha_2, _pycountry_names(country))
    text = _data_text("countries.txt", data_dir)
    _read_into(countries, country_denied, text, "countries.txt", known=True)
    bodies, body_denied = _Aliases(), _Aliases()
    _read_into(bodies, body_denied, _data_text("bodies.txt", data_dir), "bodies.txt", known=False)
    return Gazetteer(
        tables=MappingProxyType({COUNTRY: countries.freeze(), BODY: bodies.freeze()}),
        denied=MappingProxyType({COUNTRY: country_denied.freeze(), BODY: body_denied.freeze()}),
    )


class _Aliases:
    """Accumulates code -> names, dropping duplicates that differ only in case/accents."""

    def __init__(self) -> None:
        self._names: dict[str, list[str]] = {}
        self._seen: dict[str, set[str]] = {}

    def __contains__(self, code: str) -> bool:
        return code in self._names

    def remove(self, code: str, names: Iterable[str]) -> None:
        unwanted = {_fold(name) for name in names}
        self._names[code] = [n for n in self._names.get(code, []) if _fold(n) not in unwanted]
        self._seen[code] = self._seen.get(code, set()) - unwanted

    def add(self, code: str, names: Iterable[str]) -> None:
        bucket = self._names.setdefault(code, [])
        seen = self._seen.setdefault(code, set())
        for name in names:
            key = _fold(name)
            if key and key not in seen:
                seen.add(key)
                bucket.append(name)

    def freeze(self) -> _Table:
        return MappingProxyType({code: tuple(names) for code, names in self._names.items()})


def _pycountry_names(country: object) -> list[str]:
    raw = [getattr(country, attr, "") for attr in ("common_name", "name", "official_name")]
    names = []
    for name in raw:
        name = _strip_parenthetical(name.strip())
        if name.lower().startswith("the "):
            name = name[4:]
        if name and not any(name.endswith(tail) for tail in _INVERTED_TAILS):
            names.append(name)
    return names


def _strip_parenthetical(name: str) -> str:
    """'Falkland Islands (Malvinas)' -> 'Falkland Islands' (the data file adds 'Malvinas')."""
    if "(" in name:
        head, _, rest = name.partition("(")
        name = (head + rest.partition(")")[2]).strip()
        return " ".join(name.split())
    return name


def _read_into(table: _Aliases, denied: _Aliases, text: str, label: str, *, known: bool) -> None:
    """Parse 'CODE: name | name' lines: '-CODE:' removes names, '!CODE:' lists deny phrases."""
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        marker = line[0] if line[0] in "-!" else ""
        code, sep, rest = line.removeprefix(marker).partition(":")
        code = code.strip()
        names = [name.strip() for name in rest.split("|")]
        if not sep or not code.replace("_", "").isalnum() or code != code.upper():
            raise ConfigError(f"{label}:{number}: expected 'CODE: name | name ...'")
        if (known or marker) and code not in table:
            raise ConfigError(f"{label}:{number}: unknown code {code!r}")
        if not all(names):
            raise ConfigError(f"{label}:{number}: empty name for {code}")
        if marker == "-":
            table.remove(code, names)
        elif marker == "!":
            denied.add(code, names)
        else:
            table.add(code, names)


def _data_text(name: str, data_dir: Path | None) -> str:
    if data_dir is not None:
        return (data_dir / name).read_text(encoding="utf-8")
    return resources.files("bot.matching").joinpath("data", name).read_text(encoding="utf-8")


def _fold(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())
