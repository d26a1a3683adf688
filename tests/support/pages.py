"""Article pages for full-text tests: an outlet's page layout (tests/feeds/real/pages/)
filled with paragraphs we wrote (pages/text/*.txt, one paragraph a line)."""

from __future__ import annotations

from html import escape
from pathlib import Path

PAGES = Path(__file__).resolve().parent.parent / "feeds" / "real" / "pages"
SEEDS = Path(__file__).resolve().parents[2] / "seeds" / "articles"
# How each outlet marks up a body paragraph.
PARAGRAPH = {
    "guardian": '<p class="dcr-s23rjr">{}</p>',
    "meduza": '<p class="SimpleBlock-module_p__Q3azD">{}</p>',
    "belta": '<p style="text-align: justify;">{}</p>',
}
FIRST_PARAGRAPHS = 3  # the layout's inline box (newsletter, "Read also") goes after these


def paragraphs(name: str) -> list[str]:
    """Our text `name` (pages/text/<name>.txt, or seeds/articles/<name>.txt) as paragraphs."""
    path = PAGES / "text" / f"{name}.txt"
    if not path.exists():
        path = SEEDS / f"{name}.txt"
    return [line.strip() for line in path.read_text("utf-8").splitlines() if line.strip()]


def article_page(layout: str, text: str) -> bytes:
    """The page of outlet `layout` carrying text `text`, as served bytes (UTF-8)."""
    template = (PAGES / f"{layout}.html").read_text("utf-8")
    marked = [PARAGRAPH.get(layout, "<p>{}</p>").format(escape(p)) for p in paragraphs(text)]
    page = template.replace("{{FIRST}}", "\n".join(marked[:FIRST_PARAGRAPHS]))
    return page.replace("{{REST}}", "\n".join(marked[FIRST_PARAGRAPHS:])).encode("utf-8")
