"""Item links: absolute, http(s) only, without the `/./` segments some CMSs emit."""

from __future__ import annotations

import posixpath
from urllib.parse import urljoin, urlsplit, urlunsplit


def absolute_link(base: str, link: str) -> str:
    """The link resolved against base; "" unless it is http(s) (no javascript: in alerts)."""
    link = link.strip()
    if not link:
        return ""
    resolved = urljoin(base, link)
    parts = urlsplit(resolved)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    if "/." in parts.path:
        # EUR-Lex items link to "https://eur-lex.europa.eu/./legal-content/...":
        # the same page, but a different string for dedup and a strange link in alerts.
        path = posixpath.normpath(parts.path)
        if parts.path.endswith("/") and not path.endswith("/"):
            path += "/"
        resolved = urlunsplit(parts._replace(path=path.replace("//", "/")))
    return resolved
