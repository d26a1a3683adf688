"""Rule packs: YAML files with a query, named term lists and embedded examples."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml

from bot.errors import PackError, QuerySyntaxError
from bot.matching.engine import Engine
from bot.matching.query import parse_query
from bot.matching.vocabulary import included_terms
from bot.models import ActPolicy, Document, EntityResolver, Match, Priority, Rule

_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_TERM_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
_REQUIRED = {"id", "name", "query"}
_OPTIONAL = {"description", "tags", "priority", "terms", "examples", "act", "include"}
_ACT_KEYS = {"new_only", "actors", "not_actors", "actor_required", "verbs"}
# A term list item the act layer can read as a verb: words, a "phrase", a prefix*.
_PLAIN = re.compile(r"""(?:"[^"()]+"|[^\s"():@$]+\*?)""")
_CODE = re.compile(r"[A-Z][A-Z0-9_]{1,15}")
_PRIORITIES = ("urgent", "normal", "low")


@dataclass(frozen=True)
class Example:
    """An embedded example article."""

    title: str = ""
    text: str = ""

    def document(self, doc_id: str) -> Document:
        """The example as the engine reads it."""
        return Document(id=doc_id, title=self.title, text=self.text)


@dataclass(frozen=True)
class Pack:
    """One shipped rule pack."""

    id: str
    name: str
    query: str
    description: str = ""
    tags: tuple[str, ...] = ()
    priority: Priority = "normal"
    terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    match_examples: tuple[Example, ...] = ()
    no_match_examples: tuple[Example, ...] = ()
    path: Path | None = None
    act: ActPolicy | None = None  # the act layer's checks on this pack's matches

    @property
    def key(self) -> str:
        """The rule key of this pack."""
        return f"pack:{self.id}"

    def rule(self) -> Rule:
        """The pack as a Rule for the engine."""
        return Rule(
            key=self.key,
            name=self.name,
            query=self.query,
            description=self.description,
            tags=self.tags,
            terms=dict(self.terms),
            priority=self.priority,
            act=self.act,
        )


def load_packs(path: Path) -> list[Pack]:
    """Load a directory of *.yaml packs (sorted by file name) or one file; PackError on problems."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            raise PackError(f"{path}: no *.yaml rule packs in this directory")
    elif path.is_file():
        files = [path]
    else:
        raise PackError(f"{path}: no such file or directory")
    packs: list[Pack] = []
    owners: dict[str, Path] = {}
    for file in files:
        pack = load_pack(file)
        if pack.id in owners:
            raise PackError(f"{file}: duplicate pack id {pack.id!r} (also in {owners[pack.id]})")
        owners[pack.id] = file
        packs.append(pack)
    return packs


def load_pack(file: Path) -> Pack:
    """Load and validate one pack file."""
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as err:
        raise PackError(f"{file}: cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise PackError(f"{file}: not UTF-8 text") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise PackError(f"{file}: invalid YAML{where}: {problem}") from None
    try:
        return _build(raw, file)
    except PackError as err:
        raise PackError(f"{file}: {err}") from None


def _build(raw: object, file: Path) -> Pack:
    if not isinstance(raw, dict):
        raise PackError("a pack must be a mapping with id, name and query")
    keys = set(raw)
    if missing := _REQUIRED - keys:
        raise PackError(f"missing key(s): {', '.join(sorted(missing))}")
    if unknown := keys - _REQUIRED - _OPTIONAL:
        raise PackError(f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
    pack_id = raw["id"]
    if not isinstance(pack_id, str) or not _ID.fullmatch(pack_id):
        raise PackError(f"bad id {pack_id!r}: use lower-case letters, digits and '-'")
    terms = _terms(raw.get("terms"))
    for name, items in included_terms(file, raw.get("include")).items():
        if name in terms:
            raise PackError(f"terms.{name} is also in an included vocabulary")
        terms[name] = items
    query = _text(raw, "query", required=True)
    _check_query(query, terms)
    priority = raw.get("priority", "normal")
    if priority not in _PRIORITIES:
        raise PackError(f"bad priority {priority!r}: use one of {', '.join(_PRIORITIES)}")
    examples = raw.get("examples") or {}
    if not isinstance(examples, dict) or set(examples) - {"match", "no_match"}:
        raise PackError("examples must be a mapping with 'match' and/or 'no_match' lists")
    return Pack(
        id=pack_id,
        name=_text(raw, "name", required=True),
        query=query,
        description=_text(raw, "description"),
        tags=_tags(raw.get("tags")),
        priority=cast(Priority, priority),
        terms=terms,
        match_examples=_examples(examples.get("match"), "match"),
        no_match_examples=_examples(examples.get("no_match"), "no_match"),
        path=file,
        act=_act(raw.get("act"), terms),
    )


def _act(value: object, terms: Mapping[str, tuple[str, ...]]) -> ActPolicy | None:
    """The pack's `act:` section: new_only, actor_required (bools), actors, not_actors (codes)."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - _ACT_KEYS:
        raise PackError(f"act must be a mapping with keys among {', '.join(sorted(_ACT_KEYS))}")
    flags = {key: value.get(key, key == "new_only") for key in ("new_only", "actor_required")}
    for key, flag in flags.items():
        if not isinstance(flag, bool):
            raise PackError(f"act.{key} must be true or false")
    actors = _codes(value, "actors")
    if flags["actor_required"] and not actors:
        raise PackError("act.actor_required needs act.actors")
    return ActPolicy(
        flags["new_only"],
        actors,
        _codes(value, "not_actors"),
        flags["actor_required"],
        _verbs(value.get("verbs") or [], terms),
    )


def _verbs(names: object, terms: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The plain items (words, phrases, prefixes) of the term lists named in act.verbs."""
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise PackError("act.verbs must be a list of term list names")
    if unknown := [n for n in names if n not in terms]:
        raise PackError(f"act.verbs names unknown term list(s): {', '.join(unknown)}")
    items = (item.strip() for name in names for item in terms[name])
    return tuple(dict.fromkeys(i.strip('"') for i in items if _PLAIN.fullmatch(i)))


def _codes(value: Mapping[str, Any], key: str) -> tuple[str, ...]:
    codes = value.get(key) or []
    if not isinstance(codes, list) or not all(
        isinstance(c, str) and _CODE.fullmatch(c) for c in codes
    ):
        raise PackError(f"act.{key} must be a list of upper-case codes such as EU, US, RU")
    return tuple(codes)


def _text(raw: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    value = raw.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise PackError(f"{key} must be a non-empty string")
    return value.strip()


def _tags(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(t, str) and t for t in value):
        raise PackError("tags must be a list of strings")
    return tuple(value)


def _terms(value: object) -> dict[str, tuple[str, ...]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PackError("terms must be a mapping of name -> list of query fragments")
    out: dict[str, tuple[str, ...]] = {}
    for name, items in value.items():
        if not isinstance(name, str) or not _TERM_NAME.fullmatch(name):
            raise PackError(f"bad term list name {name!r}")
        listed = [items] if isinstance(items, str) else items
        if not isinstance(listed, list) or not listed:
            raise PackError(f"terms.{name} must be a non-empty list of strings")
        if not all(isinstance(i, str) and i.strip() for i in listed):
            raise PackError(f"terms.{name} must contain only non-empty strings")
        out[name] = tuple(listed)
    return out


def _check_query(query: str, terms: Mapping[str, tuple[str, ...]]) -> None:
    # Term lists first, so that a bad item is reported where it is written.
    for name, items in terms.items():
        for index, item in enumerate(items, 1):
            try:
                parse_query(item)
            except QuerySyntaxError as err:
                raise PackError(f"terms.{name} item {index} {item!r}: {err}") from None
    try:
        parse_query(query, terms=terms)
    except QuerySyntaxError as err:
        raise PackError(f"query: {err}") from None


def _examples(value: object, kind: str) -> tuple[Example, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise PackError(f"examples.{kind} must be a list")
    out: list[Example] = []
    for index, item in enumerate(value, 1):
        if isinstance(item, str) and item.strip():
            out.append(Example(text=item))
        elif (
            isinstance(item, dict)
            and item
            and not set(item) - {"title", "text"}
            and all(isinstance(v, str) for v in item.values())
        ):
            out.append(Example(title=item.get("title", ""), text=item.get("text", "")))
        else:
            raise PackError(
                f"examples.{kind} item {index}: expected a string or {{title: ..., text: ...}}"
            )
    return tuple(out)


def check_packs(packs: Sequence[Pack], resolver: EntityResolver) -> list[str]:
    """Run every embedded example through the real engine; human-readable failures."""
    failures: list[str] = []
    good: list[Pack] = []
    for pack in packs:
        try:
            Engine.compile([pack.rule()], resolver)
        except QuerySyntaxError as err:
            failures.append(f"{_where(pack)}: {err}")
        else:
            good.append(pack)
    # All packs in one engine, as in production: candidates are chosen across rules.
    engine = Engine.compile([p.rule() for p in good], resolver)
    for pack in good:
        if not pack.match_examples:
            failures.append(f"{_where(pack)}: no examples.match")
        if not pack.no_match_examples:
            failures.append(f"{_where(pack)}: no examples.no_match")
        for index, example in enumerate(pack.match_examples, 1):
            if not _fires(engine, pack, example, f"{pack.id}:match:{index}"):
                failures.append(
                    f"{_where(pack)}: examples.match item {index} did not match: {_preview(example)}"
                )
        for index, example in enumerate(pack.no_match_examples, 1):
            if hit := _fires(engine, pack, example, f"{pack.id}:no_match:{index}"):
                failures.append(
                    f"{_where(pack)}: examples.no_match item {index} matched"
                    f" ({hit.explanation}): {_preview(example)}"
                )
    return failures


def _fires(engine: Engine, pack: Pack, example: Example, doc_id: str) -> Match | None:
    found = engine.match(example.document(doc_id))
    return next((m for m in found if m.rule_key == pack.key), None)


def _where(pack: Pack) -> str:
    return f"{pack.id} ({pack.path.name})" if pack.path else pack.id


def _preview(example: Example, limit: int = 80) -> str:
    text = " ".join(f"{example.title} {example.text}".split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
