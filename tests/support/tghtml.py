"""Telegram's HTML parse mode, checked the way the Bot API server (tdlib) checks it.

Returns the plain text and entities, or raises `HtmlEntityError` with the same
wording the real API puts after "Bad Request: can't parse entities: ".
Offsets in error messages are UTF-8 byte offsets, as in the real API.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

ALLOWED_TAGS = {
    "a": "text_link",
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}

_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_ATTR_NAME = re.compile(r"[A-Za-z0-9_-]+")


class HtmlEntityError(ValueError):
    """The text is not valid Telegram HTML."""


@dataclass
class _Open:
    tag: str
    start: int  # utf-16 offset in the plain text
    attrs: dict[str, str] = field(default_factory=dict)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def parse_html(text: str) -> tuple[str, list[dict[str, object]]]:
    """Plain text and entities of `text` in Telegram's HTML mode."""
    out: list[str] = []
    plain_len = 0  # utf-16 units emitted so far
    stack: list[_Open] = []
    entities: list[dict[str, object]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "&":
            m = _ENTITY.match(text, i)
            piece = html.unescape(m.group(0)) if m else "&"
            i = m.end() if m else i + 1
            out.append(piece)
            plain_len += _utf16_len(piece)
        elif c == "<":
            if i + 1 < n and text[i + 1] == "/":
                i = _end_tag(text, i, stack, entities, plain_len)
            else:
                i, opened = _start_tag(text, i)
                opened.start = plain_len
                stack.append(opened)
        else:
            out.append(c)
            plain_len += _utf16_len(c)
            i += 1
    if stack:
        raise HtmlEntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -int(str(e["length"]))))
    return "".join(out), entities


def _start_tag(text: str, begin: int) -> tuple[int, _Open]:
    n = len(text)
    i = begin + 1
    name_start = i
    while i < n and not text[i].isspace() and text[i] not in ">":
        i += 1
    if i >= n:
        raise HtmlEntityError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    tag = text[name_start:i].lower().rstrip("/")
    if tag not in ALLOWED_TAGS:
        raise HtmlEntityError(
            f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
        )
    attrs: dict[str, str] = {}
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise HtmlEntityError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        if text[i] == ">":
            break
        i = _attribute(text, i, begin, tag, attrs)
    if tag == "span" and attrs.get("class") != "tg-spoiler":
        raise HtmlEntityError(
            f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, begin)}'
        )
    return i + 1, _Open(tag=tag, start=0, attrs=attrs)


def _attribute(text: str, i: int, begin: int, tag: str, attrs: dict[str, str]) -> int:
    n = len(text)
    m = _ATTR_NAME.match(text, i)
    if not m:
        raise HtmlEntityError(
            f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, begin)}'
        )
    name = m.group(0).lower()
    i = m.end()
    while i < n and text[i].isspace():
        i += 1
    if i < n and text[i] != "=":
        attrs[name] = ""  # boolean attribute such as <blockquote expandable>
        return i
    i += 1
    while i < n and text[i].isspace():
        i += 1
    if i >= n:
        raise HtmlEntityError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    if text[i] in "\"'":
        quote = text[i]
        end = text.find(quote, i + 1)
        if end < 0:
            raise HtmlEntityError(
                f'Unclosed end of attribute value in the tag "{tag}" at byte offset '
                f"{_byte_offset(text, begin)}"
            )
        attrs[name] = html.unescape(text[i + 1 : end])
        return end + 1
    end = i
    while end < n and not text[end].isspace() and text[end] != ">":
        end += 1
    attrs[name] = html.unescape(text[i:end])
    return end


def _end_tag(
    text: str, begin: int, stack: list[_Open], entities: list[dict[str, object]], plain_len: int
) -> int:
    if not stack:
        raise HtmlEntityError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
    close = text.find(">", begin)
    if close < 0:
        raise HtmlEntityError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
    name = text[begin + 2 : close].strip().lower()
    top = stack[-1]
    if name != top.tag:
        raise HtmlEntityError(
            f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
            f'expected "</{top.tag}>", found "</{name}>"'
        )
    stack.pop()
    length = plain_len - top.start
    if length > 0:
        entity: dict[str, object] = {
            "type": ALLOWED_TAGS[top.tag],
            "offset": top.start,
            "length": length,
        }
        if top.tag == "a":
            entity["url"] = top.attrs.get("href", "")
        entities.append(entity)
    return close + 1


def text_length(plain: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return _utf16_len(plain)
