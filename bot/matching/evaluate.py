"""Precision and recall of rule packs over a labelled corpus (the `rules eval` command)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from bot.errors import UserInputError
from bot.matching.engine import Engine
from bot.matching.packs import Pack
from bot.models import Document, EntityResolver


@dataclass(frozen=True)
class CorpusItem:
    """One labelled article: the packs that should fire on it (none = no alert)."""

    id: str
    title: str
    text: str
    packs: tuple[str, ...]
    published: datetime | None = None  # the act layer dates acts against it
    lang: str = ""  # ISO 639-1, for per-language figures

    def document(self) -> Document:
        """The item as the engine reads it."""
        return Document(id=self.id, title=self.title, text=self.text, published=self.published)


@dataclass(frozen=True)
class Counts:
    """Confusion counts for one classifier (all packs together, or one pack)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float | None:
        """TP / (TP + FP); None when nothing was predicted positive."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """TP / (TP + FN); None when nothing was labelled positive."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass(frozen=True)
class Outcome:
    """What the packs did on one item, next to what they should have done."""

    item_id: str
    expected: tuple[str, ...]
    fired: tuple[str, ...]

    @property
    def correct(self) -> bool:
        """Every pack that should fire fired, and no other."""
        return set(self.expected) == set(self.fired)


@dataclass(frozen=True)
class Report:
    """Item-level and per-pack figures, with the items the packs got wrong."""

    items: Counts  # an item is positive when any pack fires / should fire
    packs: Mapping[str, Counts]  # pack id -> counts over (item, pack) pairs
    outcomes: tuple[Outcome, ...]
    languages: Mapping[str, Counts] = field(default_factory=dict)  # item level, by lang

    @property
    def pairs(self) -> Counts:
        """All packs pooled over (item, pack) pairs: a pack credited wrongly counts."""
        packs = self.packs.values()
        return Counts(
            sum(c.tp for c in packs),
            sum(c.fp for c in packs),
            sum(c.fn for c in packs),
            sum(c.tn for c in packs),
        )

    @property
    def misclassified(self) -> tuple[Outcome, ...]:
        """Items where the set of packs that fired differs from the label."""
        return tuple(o for o in self.outcomes if not o.correct)


def load_corpus(path: Path) -> list[CorpusItem]:
    """Read labelled JSON lines {"id", "title", "text", "packs"}; UserInputError names the line."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise UserInputError(f"{path}: cannot read corpus: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise UserInputError(f"{path}: corpus is not UTF-8 text") from None
    items: list[CorpusItem] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item = _parse_item(line, f"{path}:{number}")
        if item.id in seen:
            raise UserInputError(f"{path}:{number}: duplicate id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    return items


def _parse_item(line: str, where: str) -> CorpusItem:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as err:
        raise UserInputError(f"{where}: invalid JSON: {err.msg}") from None
    if not isinstance(raw, dict):
        raise UserInputError(f"{where}: expected a JSON object")
    item_id, title, text, packs = (raw.get(k) for k in ("id", "title", "text", "packs"))
    published, lang = _published(raw, where), raw.get("lang", "")
    if not isinstance(lang, str):
        raise UserInputError(f"{where}: 'lang' must be a language code such as 'en'")
    if not isinstance(item_id, str) or not item_id:
        raise UserInputError(f"{where}: 'id' must be a non-empty string")
    if not isinstance(title, str | None) or not isinstance(text, str | None):
        raise UserInputError(f"{where}: 'title' and 'text' must be strings")
    if not (title or text):
        raise UserInputError(f"{where}: item {item_id!r} has neither title nor text")
    if not isinstance(packs, list) or not all(isinstance(p, str) for p in packs):
        raise UserInputError(f"{where}: 'packs' must be a list of pack ids ([] = no alert)")
    return CorpusItem(item_id, title or "", text or "", tuple(packs), published, lang)


def _published(raw: Mapping[str, object], where: str) -> datetime | None:
    """'published' (or 'date'): an ISO date or date-time; naive ones are UTC."""
    value = raw.get("published", raw.get("date"))
    if value is None or value == "":
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise UserInputError(
            f"{where}: 'published' must be an ISO date such as 2025-02-24"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def evaluate(
    items: Sequence[CorpusItem], packs: Sequence[Pack], resolver: EntityResolver
) -> Report:
    """Run all packs in one engine over the corpus and count hits and misses."""
    known = {p.id for p in packs}
    for item in items:
        if unknown := set(item.packs) - known:
            raise UserInputError(
                f"corpus item {item.id!r} names unknown pack(s): {', '.join(sorted(unknown))}"
            )
    engine = Engine.compile([p.rule() for p in packs], resolver)
    outcomes = tuple(_outcome(engine, item, known) for item in items)
    langs = {o.item_id: i.lang for o, i in zip(outcomes, items, strict=True) if i.lang}
    return Report(
        items=_count((bool(o.expected), bool(o.fired)) for o in outcomes),
        packs={
            pack.id: _count((pack.id in o.expected, pack.id in o.fired) for o in outcomes)
            for pack in packs
        },
        outcomes=outcomes,
        languages=_by_language(outcomes, langs),
    )


def _by_language(outcomes: Sequence[Outcome], langs: Mapping[str, str]) -> Mapping[str, Counts]:
    """Item-level counts per language, with 'other than en' for all but English together."""
    if not langs:
        return MappingProxyType({})
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        lang = langs.get(o.item_id, "?")
        groups.setdefault(lang, []).append(o)
        if lang != "en":
            groups.setdefault(NOT_ENGLISH, []).append(o)
    return MappingProxyType(
        {
            lang: _count((bool(o.expected), bool(o.fired)) for o in group)
            for lang, group in sorted(groups.items())
        }
    )


NOT_ENGLISH = "other than en"


def _outcome(engine: Engine, item: CorpusItem, known: set[str]) -> Outcome:
    keys = {m.rule_key for m in engine.match(item.document())}
    fired = sorted(key.removeprefix("pack:") for key in keys if key.startswith("pack:"))
    return Outcome(item.id, tuple(sorted(item.packs)), tuple(p for p in fired if p in known))


def _count(pairs: Iterable[tuple[bool, bool]]) -> Counts:
    tp = fp = fn = tn = 0
    for expected, predicted in pairs:
        if expected and predicted:
            tp += 1
        elif predicted:
            fp += 1
        elif expected:
            fn += 1
        else:
            tn += 1
    return Counts(tp, fp, fn, tn)


def format_report(report: Report) -> str:
    """A readable table: per-pack TP/FP/FN, precision, recall, overall figures, wrong items."""
    width = max([len("(item, pack) pairs"), *(len(p) for p in report.packs)])
    header = f"{'pack':<{width}}  {'TP':>4} {'FP':>4} {'FN':>4}  {'precision':>9} {'recall':>7}"
    lines = [header, "-" * len(header)]
    for pack_id, counts in report.packs.items():
        lines.append(_row(pack_id, counts, width))
    lines.append("-" * len(header))
    lines.append(_row("(item, pack) pairs", report.pairs, width))
    lines.append(_row("items (any pack)", report.items, width))
    total = len(report.outcomes)
    positives = sum(1 for o in report.outcomes if o.expected)
    lines.append(f"{total} items, {positives} labelled positive, {total - positives} negative")
    if report.languages:
        lines.append("items by language:")
        lines.extend(_row(f"  {lang}", counts, width) for lang, counts in report.languages.items())
    wrong = report.misclassified
    if not wrong:
        lines.append("misclassified: none")
        return "\n".join(lines)
    lines.append(f"misclassified ({len(wrong)}):")
    for o in wrong:
        missed = sorted(set(o.expected) - set(o.fired))
        extra = sorted(set(o.fired) - set(o.expected))
        detail = "; ".join(
            part
            for part in (
                f"missed {', '.join(missed)}" if missed else "",
                f"wrongly fired {', '.join(extra)}" if extra else "",
            )
            if part
        )
        lines.append(f"  {o.item_id}: {detail}")
    return "\n".join(lines)


def _row(label: str, counts: Counts, width: int) -> str:
    return (
        f"{label:<{width}}  {counts.tp:>4} {counts.fp:>4} {counts.fn:>4}"
        f"  {_ratio(counts.precision):>9} {_ratio(counts.recall):>7}"
    )


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
