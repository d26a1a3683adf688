"""Streaming XML: one completed record at a time, freed as soon as it is read.

lxml's iterparse builds the tree incrementally; clearing each record after use and
dropping the siblings already seen keeps memory flat however long the file is (a DOM
of OFAC's 100+ MB advanced XML takes gigabytes). Entities and DTDs are never
resolved and nothing is fetched from the network: list files are untrusted input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO

from lxml import etree  # type: ignore[import-untyped]
from lxml.etree import _Element as Element  # type: ignore[import-untyped]

from bot.errors import SourceError


def local(tag: object) -> str:
    """An element's tag without its namespace ('{ns}sdnEntry' -> 'sdnEntry')."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def strip_namespaces(element: Element) -> Element:
    """Rename every element of a (small, completed) record to its local name, in place."""
    for node in element.iter():
        tag = node.tag
        if isinstance(tag, str) and tag.startswith("{"):
            node.tag = local(tag)
    return element


def records(
    source: IO[bytes], tags: Iterable[str], *, root: dict[str, str] | None = None
) -> Iterator[Element]:
    """Each completed element whose local name is in `tags`, namespace-free, then freed.

    `root`, when given, receives the document element's attributes (publication dates
    live there in several formats). A malformed file raises SourceError."""
    wanted = frozenset(tags)
    parser = etree.iterparse(
        source,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    depth = 0
    try:
        for event, element in parser:
            if event == "start":
                if depth == 0 and root is not None:
                    root.update({local(k): v for k, v in element.attrib.items()})
                depth += 1
                continue
            depth -= 1
            if local(element.tag) in wanted:
                yield strip_namespaces(element)
                _free(element)
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"not well-formed XML: {exc}", transient=False) from None


def _free(element: Element) -> None:
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is None:
        return
    # Siblings already handled stay referenced by the parent unless removed.
    while element.getprevious() is not None:
        del parent[0]


def text(element: Element | None, path: str = "") -> str:
    """The whitespace-squashed text at `path` below `element` ('' when absent)."""
    if element is None:
        return ""
    node = element.find(path) if path else element
    if node is None or node.text is None:
        return ""
    return " ".join(node.text.split())


def texts(element: Element, path: str) -> list[str]:
    """Every non-empty squashed text at `path` below `element`."""
    found = []
    for node in element.iterfind(path):
        value = " ".join((node.text or "").split())
        if value:
            found.append(value)
    return found
