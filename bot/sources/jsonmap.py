"""JSON APIs read through a source's field mapping (catalog `selectors`).

A mapping names dotted paths into each item: `title: title_dcterms|is_realized_by.title`
takes the first alternative present. Real APIs vary between records of the same
response, so paths are forgiving: a list met on the way is searched element by
element (`is_realized_by.title` reads every expression's title, `*` says so
explicitly), and language maps (`{"en": ..., "fr": ...}`, JSON-LD `@language` /
`@value` pairs, or lists of either) give their English text first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.errors import SourceError
from bot.models import FeedEntry, Source
from bot.sources.clean import BadItem, clean_entry, digest_id
from bot.sources.links import absolute_link
from bot.sources.report import ParseReport, Tally
from bot.sources.textutil import html_to_text, parse_date

LANGUAGE = "en"
_ISO3 = {"en": "eng"}
_TEXT_KEYS = ("@value", "value", "title", "label", "name")
JSON_FEED = {
    "items": "items",
    "title": "title",
    "link": "url",
    "guid": "id",
    "date": "date_published|date_modified",
    "summary": "content_html|content_text|summary",
}


def resolve(data: Any, spec: str) -> Any:
    """The value at a dotted path ('a.b.0.c', 'a.*.c'); 'x|y' takes the first present."""
    for alternative in spec.split("|"):
        value = _walk(data, [p for p in alternative.strip().split(".") if p])
        if _present(value):
            return value
    return None


def _walk(value: Any, parts: list[str]) -> Any:
    for index, part in enumerate(parts):
        if isinstance(value, list) and not part.isdigit():
            rest = parts[index + 1 :] if part == "*" else parts[index:]
            found = [_walk(element, rest) for element in value]
            return [item for item in found if _present(item)] or None
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
        if value is None:
            return None
    return value


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


def pick_text(value: Any, lang: str = LANGUAGE) -> str:
    """A display string from a JSON value, preferring the `lang` version of language maps."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        ranked = sorted(value, key=lambda v: not _in_language(v, lang))
        return next((t for t in (pick_text(v, lang) for v in ranked) if t), "")
    if isinstance(value, Mapping):
        return _pick_from_mapping(value, lang)
    return ""


def _pick_from_mapping(value: Mapping[str, Any], lang: str) -> str:
    if lang in value and (text := pick_text(value[lang], lang)):
        return text
    for key in _TEXT_KEYS:
        if key in value and (text := pick_text(value[key], lang)):
            return text
    # A language map without the wanted language: any language beats nothing.
    for key, item in value.items():
        if _is_language_code(key) and (text := pick_text(item, lang)):
            return text
    return ""


def _in_language(value: Any, lang: str) -> bool:
    if not isinstance(value, Mapping):
        return False
    if lang in value:
        return True
    tag = str(value.get("@language") or value.get("language") or "").lower()
    return tag == lang or tag.endswith("/" + _ISO3.get(lang, lang))


def _is_language_code(key: str) -> bool:
    return key == "mul" or (len(key) == 2 and key.isalpha() and key.islower())


def parse_api(data: Any, source: Source, url: str, mapping: Mapping[str, str]) -> ParseReport:
    """Entries from a decoded JSON document; items are found and read with `mapping`."""
    where = mapping.get("items", "items")
    items = resolve(data, where) if where else data
    if isinstance(items, Mapping):
        items = [items]
    if not isinstance(items, list):
        raise SourceError(f"JSON has no item list at {where!r}")
    tally = Tally(raw_items=len(items))
    entries: list[FeedEntry] = []
    for item in items:
        try:
            entry, titled = _entry(item, source, url, mapping)
            entries.append(clean_entry(entry))
            tally.titled += titled
        except BadItem as exc:
            tally.skip(str(exc))
        except (TypeError, ValueError, AttributeError) as exc:  # one odd record, not the feed
            tally.skip(f"unreadable item ({type(exc).__name__})")
    return ParseReport.of(entries, tally)


def _entry(
    item: Any, source: Source, url: str, mapping: Mapping[str, str]
) -> tuple[FeedEntry, bool]:
    if not isinstance(item, Mapping):
        raise BadItem("item is not an object")
    title = html_to_text(pick_text(resolve(item, mapping.get("title", "title"))))
    body = html_to_text(pick_text(resolve(item, mapping.get("summary", "summary"))))
    link = absolute_link(
        mapping.get("base") or url, pick_text(resolve(item, mapping.get("link", "url")))
    )
    guid = pick_text(resolve(item, mapping.get("guid", "id"))) or link or digest_id(title, body)
    month_first = mapping.get("date_order") == "mdy"
    published = parse_date(
        pick_text(resolve(item, mapping.get("date", "date"))), month_first=month_first
    )
    if published is None:
        published = parse_date(title, month_first=month_first) if title else None
    fallback = body.strip().split("\n", 1)[0][:200] if body else ""
    return FeedEntry(source.id, guid, link, title or fallback, body, published), bool(title)
