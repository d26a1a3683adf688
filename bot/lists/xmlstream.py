"""Streaming XML: one completed record at a time, freed as soon as it is read.

lxml's iterparse builds the tree incrementally; clearing each record after use and
dropping the siblings already seen keeps memory flat however long the file is (a DOM
of OFAC's 100+ MB advanced XML takes gigabytes). Entities and DTDs are never
resolved and nothing is fetched from the network: list files are untrusted input.
"""

from __future__ import annotations

import re
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
    if not str(element.tag).startswith("{"):
        return element  # a file without a namespace: nothing to rename
    for node in element.iter():
        tag = node.tag
        if isinstance(tag, str) and tag[0] == "{":
            node.tag = tag[tag.index("}") + 1 :]
    return element


def records(
    source: IO[bytes],
    tags: Iterable[str],
    *,
    root: dict[str, str] | None = None,
    root_tag: str = "",
) -> Iterator[Element]:
    """Each completed element whose local name is in `tags`, namespace-free, then freed.

    `root`, when given, receives the attributes of the document element `root_tag`
    (publication dates live there in several formats). A malformed file raises
    SourceError."""
    wanted = frozenset(tags)
    filtered = sorted(wanted | ({root_tag} if root_tag else set()))
    # The tag filter runs inside libxml2: only records reach Python, not every element
    # event of the file ("{*}" matches any namespace or none).
    parser = etree.iterparse(
        _NoDefaultNamespace(source),
        events=("start", "end") if root_tag else ("end",),
        tag=[f"{{*}}{t}" for t in filtered],
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        for event, element in parser:
            name = local(element.tag)
            if event == "start":
                if name == root_tag and root is not None and not root:
                    root.update({local(k): v for k, v in element.attrib.items()})
                continue
            if name in wanted:
                yield strip_namespaces(element)
                _free(element)
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"not well-formed XML: {exc}", transient=False) from None


class _NoDefaultNamespace:
    """The file with the root's default namespace declaration removed.

    Renaming every element of every record to its local name cost more than the rest
    of the parse; the lists declare one default namespace on the root and nothing
    else, so dropping that declaration makes the whole document namespace-free (a
    file with prefixed elements still gets strip_namespaces)."""

    # Comments, processing instructions and the DOCTYPE (with an internal subset) come
    # before the root's start tag, which is the first other tag.
    _PROLOG = re.compile(
        rb"<!--.*?-->|<\?.*?\?>|<!DOCTYPE(?:[^\[>]|\[.*?\])*>|(<[^>]*>)", re.DOTALL
    )
    _XMLNS = re.compile(rb"""\sxmlns\s*=\s*(?:"[^"]*"|'[^']*')""")

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.pending: bytes | None = None  # the rewritten head not yet handed out

    def read(self, size: int = -1) -> bytes:
        if self.pending is None:
            self.pending = self._head()
        if not self.pending:
            return self.source.read(size)
        if size < 0:
            out, self.pending = self.pending + self.source.read(), b""
            return out
        out, self.pending = self.pending[:size], self.pending[size:]
        return out

    def _head(self) -> bytes:
        head = b""
        while True:  # buffer until the root's start tag is complete
            chunk = self.source.read(65536)
            head += chunk
            found = next((m for m in self._PROLOG.finditer(head) if m.group(1)), None)
            if found or not chunk or len(head) > 1 << 20:
                break
        if found:
            tag = self._XMLNS.sub(b"", found.group(1))
            head = head[: found.start(1)] + tag + head[found.end(1) :]
        return head


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
