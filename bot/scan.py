"""Reading articles for `scan`: JSON lines, RSS/Atom, HTML or plain text, into Documents."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.errors import SourceError, UserInputError
from bot.models import Document, Match, Source

_FEED_MARKERS = ("<rss", "<feed", "<rdf:rdf", "<rdf")


def read_documents(data: bytes, name: str) -> list[Document]:
    """Detect the input format and return the articles it holds."""
    text = data.decode("utf-8-sig", errors="replace")
    head = text.lstrip()[:2048].lower()
    if head.startswith("{") or _first_line_is_json(text):
        return _json_lines(text, name)
    if head.startswith("<") and any(m in head for m in _FEED_MARKERS):
        return _feed(data, name)
    if head.startswith("<"):
        return [_html(text, name)]
    if not text.strip():
        raise UserInputError(f"{name}: no text to scan")
    return [Document(id=name, title="", text=text)]


def _first_line_is_json(text: str) -> bool:
    # A JSON array or string on the first line is a malformed JSON-lines file, not prose.
    first = text.lstrip().split("\n", 1)[0].strip()
    if not first.startswith(("[", '"')):
        return False
    try:
        json.loads(first)
    except json.JSONDecodeError:
        return False
    return True


def _json_lines(text: str, name: str) -> list[Document]:
    docs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserInputError(f"{name}:{number}: not valid JSON: {exc.msg}") from None
        docs.append(_json_document(obj, f"{name}:{number}"))
    return docs


def _json_document(obj: Any, where: str) -> Document:
    if not isinstance(obj, dict):
        raise UserInputError(f"{where}: each line must be a JSON object")
    for key in ("id", "title", "text", "url", "source", "published"):
        if key in obj and obj[key] is not None and not isinstance(obj[key], str | int):
            raise UserInputError(f"{where}: {key!r} must be a string")
    title, body = str(obj.get("title") or ""), str(obj.get("text") or "")
    if not title.strip() and not body.strip():
        raise UserInputError(f"{where}: needs a 'title' or a 'text'")
    return Document(
        id=str(obj.get("id") or where),
        title=title,
        text=body,
        url=str(obj.get("url") or ""),
        source=str(obj.get("source") or ""),
        published=_published(obj.get("published"), where),
    )


def _published(value: Any, where: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise UserInputError(f"{where}: 'published' is not an ISO 8601 date: {value!r}") from None


def _feed(data: bytes, name: str) -> list[Document]:
    from bot.sources.parse import parse_feed

    source = Source(id=name, name=name, url="https://scan.invalid/")
    try:
        entries = parse_feed(data, source, "", None)
    except SourceError as exc:
        raise UserInputError(f"{name}: {exc.reason}") from None
    return [
        Document(
            id=e.guid, title=e.title, text=e.text, url=e.url, source=name, published=e.published
        )
        for e in entries
    ]


def _html(text: str, name: str) -> Document:
    import trafilatura

    extracted = trafilatura.bare_extraction(text, include_comments=False, with_metadata=True)
    if extracted is None:
        raise UserInputError(f"{name}: no article text found in the HTML")
    body = getattr(extracted, "text", None) or ""
    title = getattr(extracted, "title", None) or ""
    return Document(id=name, title=title, text=body, url=getattr(extracted, "url", None) or "")


def match_record(doc: Document, match: Match) -> dict[str, Any]:
    """The contract's JSON-lines record for one (article, rule) match."""
    surfaces: list[str] = []
    for w in match.witnesses:
        if w.surface and w.surface not in surfaces:
            surfaces.append(w.surface)
    return {
        "id": doc.id,
        "url": doc.url,
        "title": doc.title,
        "rule": match.rule_key.removeprefix("pack:"),
        "rule_name": match.rule_name,
        "countries": list(match.countries),
        "actors": list(match.actors),  # who takes the act (issue 12)
        "targets": list(match.targets),  # whom it is aimed at
        "summary": match.summary,
        "matched": surfaces,
        "explanation": match.explanation,
    }
