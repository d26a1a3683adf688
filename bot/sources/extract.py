"""The article text of a news page, without the page around it.

trafilatura finds the main text well, but on real news layouts it also keeps what
sits inside the article container: the Guardian's inline newsletter box ("skip
past newsletter promotion"), the Kyiv Independent's "Read also:" links, Euronews'
"READ MORE" boxes, membership appeals, captions. So the page is pruned first:
navigation, header, footer, forms, figures, and every element whose id, class or
role names a cookie banner, newsletter, related-links, sharing, promotion or
comments block goes, unless it holds most of the page's paragraphs (a site may
give <body> a "cookie-banner-open" class). Lines that only point elsewhere
("Read also: ...", "Читайте также: ...") are dropped after extraction too.
When trafilatura finds nothing, the densest block of paragraphs is the text.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html  # type: ignore[import-untyped]
from lxml import etree

from bot.errors import SourceError
from bot.sources.challenge import challenge_reason
from bot.sources.dates import find_date

_DROP_TAGS = (
    "nav",
    "footer",
    "aside",
    "form",
    "figure",
    "figcaption",
    "iframe",
    "button",
    "svg",
    "dialog",
    "template",
)
_KEEP_TAGS = frozenset({"html", "body", "main", "article"})
_ATTRS = ("id", "class", "role", "aria-label", "data-component", "data-gu-name", "data-testid")
_BOILERPLATE = re.compile(
    r"\b(cookies?|consent|gdpr|didomi|onetrust|sp message|cmp|privacy banner"
    r"|newsletters?|subscribe|subscription|sign ?up|email ?signup|mailing list"
    r"|related|read ?more|read ?also|see ?also|recommend\w*|more on this( story)?"
    r"|most (viewed|popular|read)|trending|popular|share|sharing|social"
    r"|promo\w*|adverts?|advertisement|ad ?slot|ads|sponsor\w*|banner|paywall"
    r"|membership|member ?cta|donat\w*|support ?us|outbrain|taboola"
    r"|breadcrumbs?|comments?|sidebar|tags|topics|masthead|site ?header|navigation|menu)\b"
)
_POINTER_LINE = re.compile(
    r"^\s*(read (also|more|next)|also read|see also|related( stories| articles)?|more on this"
    r"|sign up|skip past newsletter promotion|after newsletter promotion|explore more on these topics"
    r"|читайте (также|також)|подробнее|по теме|czytaj (także|też|więcej)|zobacz (też|także))\b",
    re.IGNORECASE,
)
MIN_TEXT = 200  # characters: less is a teaser, a caption or a challenge


def extract_article(html: str, url: str | None = None) -> str:
    """The article's paragraphs separated by blank lines; SourceError when there are none."""
    reason = challenge_reason(html)
    if reason:
        raise SourceError(reason)
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise SourceError(f"unreadable article page: {exc}") from None
    prune(root)
    text = _trafilatura(root, url)
    if len(text) < MIN_TEXT:
        text = max(text, densest_block(root), key=len)
    if not text.strip():
        raise SourceError("no article text found on the page")
    return text


def prune(root: Any) -> None:
    """Remove the page furniture around the article, in place."""
    # The headline is the item's title already; inside the text it only repeats.
    for bad in root.xpath("//script|//style|//noscript|//link|//meta|//h1"):
        bad.drop_tree()
    total = _paragraph_chars(root) or 1
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        if not any(a is root for a in element.iterancestors()):
            continue  # inside a block already removed
        if element.tag in _KEEP_TAGS:
            continue
        furniture = element.tag in _DROP_TAGS or _site_header(element)
        # Never remove the article itself, whatever it is called.
        if (furniture or _named_boilerplate(element)) and _paragraph_chars(element) < total / 2:
            element.drop_tree()
    for paragraph in root.xpath("//p|//li"):
        if _POINTER_LINE.match(paragraph.text_content() or ""):
            paragraph.drop_tree()


def _site_header(element: Any) -> bool:
    # A page's <header> (logo, menus) goes; an article's own header (title, byline) stays.
    return element.tag == "header" and not element.xpath("ancestor::article|ancestor::main")


def _named_boilerplate(element: Any) -> bool:
    names = " ".join(str(element.get(attr) or "") for attr in _ATTRS)
    if not names.strip():
        return False
    words = re.sub(r"[^a-z]+", " ", re.sub(r"([a-z])([A-Z])", r"\1 \2", names).lower())
    return bool(_BOILERPLATE.search(words))


def _paragraph_chars(element: Any) -> int:
    return sum(len(p.text_content()) for p in element.iter("p"))


def _trafilatura(root: Any, url: str | None) -> str:
    import trafilatura  # heavy import, only needed for full-text sources

    text = trafilatura.extract(
        root,
        url=url,
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
        deduplicate=True,
    )
    return _paragraphs(text or "")


def densest_block(root: Any) -> str:
    """The paragraphs of the element holding the most paragraph text (a fallback)."""
    best, best_chars = None, 0
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        children = [c for c in element if isinstance(c.tag, str) and c.tag == "p"]
        chars = sum(len(c.text_content()) for c in children)
        if chars > best_chars:
            best, best_chars = children, chars
    return _paragraphs("\n".join(p.text_content() for p in best or []))


def _paragraphs(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n\n".join(line for line in lines if line and not _furniture_line(line))


def _furniture_line(line: str) -> bool:
    # "Read also: ...", or a dateline such as "30 November 2026 | 14:10" (not a sentence).
    if _POINTER_LINE.match(line) or not any(ch.isalnum() for ch in line):
        return True  # also "###", the end mark of US government releases
    sentence = line.rstrip().endswith((".", "!", "?", '"', "”", "»", ":"))
    return not sentence and len(line.split()) <= 12 and find_date(line) is not None
