"""Shared term lists for rule packs: `include: [vocabulary/sanctions.yaml]` in a pack.

The words of sanctions and of acts in fourteen languages are the same for every pack;
written once in rules/vocabulary/*.yaml, a pack names the files it uses and refers to
their lists as to its own (`$sanction_words`). A vocabulary file holds only `terms:`
(and comments); its path is relative to the pack and may not leave the pack's directory.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.errors import PackError


def included_terms(pack_file: Path, value: object) -> dict[str, tuple[str, ...]]:
    """The term lists of every vocabulary file in a pack's `include:` list."""
    if value is None:
        return {}
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise PackError("include must be a list of vocabulary file paths")
    out: dict[str, tuple[str, ...]] = {}
    for name in value:
        for term, items in _read(pack_file, name).items():
            if term in out:
                raise PackError(f"include: term list {term!r} is defined twice")
            out[term] = items
    return out


def _read(pack_file: Path, name: str) -> dict[str, tuple[str, ...]]:
    base = pack_file.parent.resolve()
    path = (base / name).resolve()
    if not path.is_relative_to(base):
        raise PackError(f"include {name!r}: must be inside the pack's directory")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise PackError(f"include {name!r}: cannot read: {err.strerror or err}") from None
    except (UnicodeDecodeError, yaml.YAMLError):
        raise PackError(f"include {name!r}: not a readable YAML file") from None
    terms = raw.get("terms") if isinstance(raw, dict) else None
    if not isinstance(terms, dict) or set(raw) != {"terms"}:
        raise PackError(f"include {name!r}: a vocabulary file holds only 'terms:'")
    out: dict[str, tuple[str, ...]] = {}
    for term, items in terms.items():
        if not (isinstance(items, list) and items and all(isinstance(i, str) for i in items)):
            raise PackError(f"include {name!r}: terms.{term} must be a list of strings")
        out[str(term)] = tuple(items)
    return out
