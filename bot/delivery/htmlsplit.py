"""Splitting Telegram HTML under the message limit, and checking that HTML is Telegram-valid.

Lengths are counted in UTF-16 code units of the HTML source: Telegram counts
the text after parsing (never longer than the source) and emoji outside the BMP
count twice, so the source's UTF-16 length is a safe upper bound.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

TELEGRAM_LIMIT = 4096

# Tag -> attributes Telegram accepts on it (https://core.telegram.org/bots/api#html-style).
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(),
    "strong": frozenset(),
    "i": frozenset(),
    "em": frozenset(),
    "u": frozenset(),
    "ins": frozenset(),
    "s": frozenset(),
    "strike": frozenset(),
    "del": frozenset(),
    "tg-spoiler": frozenset(),
    "span": frozenset({"class"}),
    "a": frozenset({"href"}),
    "code": frozenset({"class"}),
    "pre": frozenset(),
    "blockquote": frozenset({"expandable"}),
    "tg-emoji": frozenset({"emoji-id"}),
}
NAMED_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})

_TOKEN = re.compile(
    r"(?P<tag><(?P<close>/?)(?P<name>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>[^<>]*)>)"
    r"|(?P<entity>&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});)"
)
_ATTR = re.compile(r"""\s*([a-zA-Z-]+)(?:\s*=\s*"([^"<>]*)")?""")
# Characters we would rather not start a part with: they attach to the one before.
_JOINERS = {"\u200d", "\ufe0f", "\ufe0e", "\u20e3"}


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass(frozen=True)
class _Tok:
    kind: str  # "open" | "close" | "entity" | "char"
    text: str
    name: str = ""
    size: int = 1  # UTF-16 units


def _tok(kind: str, text: str, name: str = "") -> _Tok:
    return _Tok(kind, text, name, utf16_len(text))


def _chars(text: str) -> list[_Tok]:
    return [_Tok("char", c, "", 2 if ord(c) > 0xFFFF else 1) for c in text]


def _tokenize(markup: str) -> list[_Tok]:
    """Atomic units: whole tags, whole entities, single characters; unmatched closes dropped."""
    tokens: list[_Tok] = []
    stack: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(markup):
        tokens.extend(_chars(markup[pos : m.start()]))
        pos = m.end()
        if m.group("entity"):
            tokens.append(_tok("entity", m.group(0)))
            continue
        name = m.group("name").lower()
        if not m.group("close"):
            stack.append(name)
            tokens.append(_tok("open", m.group(0), name))
        elif name in stack:
            while stack:  # close intermediates so the output stays nested
                top = stack.pop()
                tokens.append(_tok("close", f"</{top}>", top))
                if top == name:
                    break
    tokens.extend(_chars(markup[pos:]))
    tokens.extend(_tok("close", f"</{name}>", name) for name in reversed(stack))
    return tokens


def _closing(stack: tuple[_Tok, ...]) -> str:
    return "".join(f"</{t.name}>" for t in reversed(stack))


@dataclass(frozen=True)
class _Break:
    index: int  # cut before tokens[index]
    stack: tuple[_Tok, ...]  # tags open at the cut
    kept: int  # how many kept tokens precede the cut
    length: int  # UTF-16 units of the part up to the cut


def _break_rank(tokens: list[_Tok], j: int) -> int:
    """How good a cut before tokens[j] is: 3 paragraph, 2 line, 1 word, 0 anywhere, -1 avoid."""
    prev = tokens[j - 1]
    nxt = tokens[j] if j < len(tokens) else None
    if (
        nxt is not None
        and nxt.kind == "char"
        and (nxt.text in _JOINERS or unicodedata.combining(nxt.text))
    ):
        return -1
    if prev.kind == "open":
        return -1  # would leave an empty element at the end of the part
    if prev.kind == "char" and prev.text == "\n":
        before = tokens[j - 2] if j >= 2 else None
        return 3 if before is not None and before.text == "\n" else 2
    if prev.kind == "char" and prev.text.isspace():
        return 1
    return 0


def _choose(latest: dict[int, _Break], limit: int) -> _Break:
    """The best cut: the latest of the highest rank that still fills a third of the part.

    The latest break of a rank is also its longest part, so keeping only the
    latest one per rank loses nothing.
    """
    for rank in (3, 2, 1):
        found = latest.get(rank)
        if found is not None and found.length >= limit // 3:
            return found
    usable = [b for rank, b in latest.items() if rank >= 0]
    if usable:
        return max(usable, key=lambda b: b.index)
    return latest[-1]


def _emit(tokens: list[_Tok], prefix: str, stack: tuple[_Tok, ...]) -> str:
    visible = any(t.kind == "entity" or (t.kind == "char" and t.text.strip()) for t in tokens)
    if not visible:
        return ""
    body = "".join(t.text for t in tokens)
    return (prefix + body).rstrip() + _closing(stack)


def split_html(markup: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Parts of at most `limit` UTF-16 units, cut on paragraph/line/word boundaries.

    A cut never falls inside a tag or an entity: tags open at the cut are closed
    at the end of one part and reopened at the start of the next.
    """
    if limit < 32:
        raise ValueError("limit must be at least 32")
    stripped = markup.strip()
    if utf16_len(stripped) <= limit:
        # Nearly every alert fits: skip tokenising (same result as the general path).
        return [stripped] if stripped else []
    tokens = _tokenize(markup)
    parts: list[str] = []
    i = 0
    stack: tuple[_Tok, ...] = ()
    while i < len(tokens):
        while i < len(tokens) and tokens[i].kind == "char" and tokens[i].text.isspace():
            i += 1  # a part never starts with the whitespace we cut at
        if i >= len(tokens):
            break
        prefix = "".join(t.text for t in stack)
        if utf16_len(prefix + _closing(stack)) > limit // 2:
            stack, prefix = (), ""  # formatting too long to repeat: continue unformatted
        cut, stack_after, kept = _fill(tokens, i, stack, prefix, limit)
        part = _emit(kept, prefix, stack_after)
        if part:
            parts.append(part)
        stack, i = stack_after, cut
    return parts


def _fill(
    tokens: list[_Tok], i: int, stack: tuple[_Tok, ...], prefix: str, limit: int
) -> tuple[int, tuple[_Tok, ...], list[_Tok]]:
    """Consume tokens from i while the part fits: the cut index, the stack there, the kept tokens."""
    length = utf16_len(prefix)
    cur = stack
    closing = utf16_len(_closing(cur))
    kept: list[_Tok] = []
    latest: dict[int, _Break] = {}
    j = i
    while j < len(tokens):
        tok = tokens[j]
        j += 1
        if tok.kind == "close" and not (cur and cur[-1].name == tok.name):
            continue  # the close of a tag we had to drop
        if tok.kind == "open":
            nxt, nxt_closing = (*cur, tok), closing + len(tok.name) + 3
        elif tok.kind == "close":
            nxt, nxt_closing = cur[:-1], closing - len(tok.name) - 3
        else:
            nxt, nxt_closing = cur, closing
        too_big = length + tok.size + nxt_closing > limit
        if tok.kind == "open" and (tok.size > limit // 4 or (too_big and not latest)):
            continue  # a tag that cannot fit is dropped; its text is kept
        if too_big:
            j -= 1
            break
        length += tok.size
        cur, closing = nxt, nxt_closing
        kept.append(tok)
        latest[_break_rank(tokens, j)] = _Break(j, cur, len(kept), length)
    else:
        return j, cur, kept
    if not latest:
        raise ValueError("cannot split: a single unit does not fit the limit")
    best = _choose(latest, limit)
    return best.index, best.stack, kept[: best.kept]


def validate_telegram_html(markup: str, limit: int | None = TELEGRAM_LIMIT) -> list[str]:
    """Problems that would make Telegram reject this HTML; [] when it is valid."""
    problems: list[str] = []
    if limit is not None and utf16_len(markup) > limit:
        problems.append(f"too long: {utf16_len(markup)} > {limit}")
    stack: list[str] = []
    text: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(markup):
        text.append(markup[pos : m.start()])
        pos = m.end()
        if m.group("entity"):
            problems += _check_entity(m.group("entity"))
            text.append("x")
            continue
        problems += _check_tag(m, stack)
    text.append(markup[pos:])
    plain = "".join(text)
    for bad in "<>&":
        if bad in plain:
            problems.append(f"bare {bad!r} outside a tag or entity")
    if stack:
        problems.append(f"unclosed tags: {stack}")
    if not plain.strip():
        problems.append("message text is empty")
    return problems


def _check_entity(entity: str) -> list[str]:
    body = entity[1:-1]
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
        ok = 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF
        return [] if ok else [f"invalid numeric entity {entity}"]
    return [] if body in NAMED_ENTITIES else [f"unsupported named entity {entity}"]


def _check_tag(m: re.Match[str], stack: list[str]) -> list[str]:
    name = m.group("name").lower()
    if name not in ALLOWED_TAGS:
        return [f"tag <{name}> is not allowed"]
    if m.group("close"):
        if not stack or stack[-1] != name:
            return [f"unexpected end tag </{name}>"]
        stack.pop()
        return []
    stack.append(name)
    attrs = m.group("attrs") or ""
    problems: list[str] = []
    consumed = 0
    for a in _ATTR.finditer(attrs):
        if a.start() != consumed or not a.group(0).strip():
            break
        consumed = a.end()
        if a.group(1).lower() not in ALLOWED_TAGS[name]:
            problems.append(f"attribute {a.group(1)} not allowed on <{name}>")
    if attrs[consumed:].strip():
        problems.append(f"malformed attributes on <{name}>: {attrs!r}")
    return problems
