"""HTTP fetching for sources: conditional GET, size caps, manual redirects, SSRF checks.

SSRF and DNS rebinding (see netguard.py): every hop is resolved by us and each
address checked before any connection. For plain http the request then goes to
the checked IP literal with the original Host header, so a second DNS answer
cannot steer it elsewhere. For https we let httpx connect by name: pinning the
IP there would make httpx's connection pool (keyed by IP) reuse one host's TLS
session for another host on the same CDN address, and a rebinding attack is
already stopped by certificate verification (a private service cannot present
a valid certificate for the attacker's public name).
"""

from __future__ import annotations

import asyncio
import hashlib
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal

import httpx

from bot import __version__
from bot.errors import SourceError
from bot.models import Source
from bot.sources.netguard import Resolver, SystemResolver, resolve_checked
from bot.sources.state import Validators

MiB = 1024 * 1024
USER_AGENT = f"sanctions-bot/{__version__} (+https://github.com/sanctions-bot/sanctions-bot)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)
_REDIRECTS = {301, 302, 303, 307, 308}


def redirect_target(response: httpx.Response, target: httpx.URL, seen: set[str]) -> str | None:
    """Where a redirect points (recorded in `seen`), None when it is no redirect; a
    redirect without Location or back to a URL already seen is a SourceError."""
    if response.status_code not in _REDIRECTS:
        return None
    location = response.headers.get("location")
    if not location:
        raise SourceError(f"HTTP {response.status_code} without Location")
    url = str(target.join(location))
    if url in seen:
        raise SourceError("redirect loop")
    seen.add(url)
    return url


@dataclass(frozen=True)
class FetchResult:
    """One successful fetch (or a 'not modified' answer)."""

    status: Literal["ok", "not_modified"]
    body: bytes
    final_url: str
    content_type: str | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None


class Fetcher:
    """Fetches source URLs through one shared httpx.AsyncClient (owned by the caller)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        resolver: Resolver | None = None,
        *,
        allow_private: bool = False,
        allow_hosts: frozenset[str] = frozenset(),
        max_bytes: int = 5 * MiB,
        max_redirects: int = 5,
        per_host_limit: int = 2,
        timeout: float = 20.0,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.client = client
        self.resolver: Resolver = resolver or SystemResolver()
        self.allow_private = allow_private
        self.allow_hosts = frozenset(h.lower() for h in allow_hosts)
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.per_host_limit = per_host_limit
        self.timeout = timeout
        self.user_agent = user_agent
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def fetch(
        self, source_or_url: Source | str, validators: Validators | None = None
    ) -> FetchResult:
        """GET the source's URL; SourceError with a short human reason on any failure."""
        url = source_or_url.url if isinstance(source_or_url, Source) else source_or_url
        try:
            return await self._follow(url, validators or Validators())
        except TimeoutError:
            raise SourceError(f"timed out after {_seconds(self.timeout)}") from None
        except httpx.TimeoutException:
            raise SourceError(f"timed out after {_seconds(self.timeout)}") from None
        except httpx.HTTPError as exc:
            raise SourceError(_transport_reason(exc)) from None
        except (httpx.InvalidURL, UnicodeError) as exc:
            raise SourceError(f"bad URL: {_short(exc)}", transient=False) from None

    async def fetch_article_text(self, url: str) -> str:
        """The readable text of an article page (for feeds that carry only a teaser)."""
        from bot.sources.parse import extract_text  # parse imports lxml: load lazily

        result = await self.fetch(url)
        ctype = (result.content_type or "").lower()
        if ctype and "html" not in ctype:
            raise SourceError(f"article page is not HTML: got {ctype.split(';')[0]}")
        return extract_text(result.body, result.final_url)

    async def _follow(self, url: str, validators: Validators) -> FetchResult:
        seen = {url}
        for _hop in range(self.max_redirects + 1):
            target = httpx.URL(url)
            if target.scheme not in ("http", "https") or not target.host:
                raise SourceError(f"refused: not an http(s) URL: {url[:100]}", transient=False)
            # The deadline covers one hop from connect to last byte (httpx's read
            # timeout is per read, so a server dripping a byte a second would
            # never trip it), but not the wait for a per-host slot.
            async with self._slot(target.host), asyncio.timeout(self.timeout):
                response = await self._send(target, validators)
                try:
                    hop = redirect_target(response, target, seen)
                    if hop is not None:
                        url = hop
                        continue
                    return await self._result(response, str(target), validators)
                finally:
                    await response.aclose()
        raise SourceError(f"too many redirects (over {self.max_redirects})")

    def _slot(self, host: str) -> asyncio.Semaphore:
        key = host.lower()
        if key not in self._hosts:
            self._hosts[key] = asyncio.Semaphore(self.per_host_limit)
        return self._hosts[key]

    async def _send(self, target: httpx.URL, validators: Validators) -> httpx.Response:
        port = target.port or (443 if target.scheme == "https" else 80)
        address = await resolve_checked(
            target.host,
            port,
            self.resolver,
            allow_private=self.allow_private,
            allow_hosts=self.allow_hosts,
        )
        headers = {
            "User-Agent": self.user_agent,
            "Accept": ACCEPT,
            # Only encodings we can decompress under a size cap ourselves.
            "Accept-Encoding": "gzip, deflate",
        }
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        wire = target
        if target.scheme == "http":
            headers["Host"] = target.netloc.decode("ascii")
            wire = target.copy_with(host=address)
        request = self.client.build_request("GET", wire, headers=headers)
        return await self.client.send(request, stream=True, follow_redirects=False)

    async def _result(
        self, response: httpx.Response, url: str, validators: Validators
    ) -> FetchResult:
        etag = response.headers.get("etag")
        modified = response.headers.get("last-modified")
        ctype = response.headers.get("content-type")
        if response.status_code == 304:
            return FetchResult("not_modified", b"", url, ctype, etag, modified, None)
        if response.status_code >= 400 or response.status_code < 200:
            transient = response.status_code >= 500 or response.status_code in (408, 429)
            raise SourceError(f"HTTP {response.status_code}", transient=transient)
        declared = response.headers.get("content-length", "")
        plain = not response.headers.get("content-encoding")
        if declared.isdigit() and plain and int(declared) > self.max_bytes:
            raise SourceError(f"body over {_size(self.max_bytes)}")
        body = await self._read(response)
        digest = hashlib.sha256(body).hexdigest()
        status: Literal["ok", "not_modified"] = "ok"
        if validators.body_hash == digest:
            status = "not_modified"  # the server ignores validators; the hash does not lie
        return FetchResult(status, body, url, ctype, etag, modified, digest)

    async def _read(self, response: httpx.Response) -> bytes:
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("identity", "gzip", "x-gzip", "deflate", ""):
            raise SourceError(f"unsupported content encoding {encoding!r}")
        chunks = _capped(response.aiter_raw(), encoding, self.max_bytes)
        return b"".join([chunk async for chunk in chunks])


async def _capped(raw: AsyncIterator[bytes], encoding: str, limit: int) -> AsyncIterator[bytes]:
    """Decoded body chunks, failing as soon as the decoded size passes `limit`.

    zlib's max_length bounds each decompress call's output, so a tiny gzip bomb
    can never expand in memory beyond the cap before we notice.
    """
    decoder = None if encoding in ("identity", "") else zlib.decompressobj(47)  # gzip or zlib
    total = 0
    async for chunk in raw:
        pending = chunk
        while pending:
            if decoder is None:
                piece, pending = pending, b""
            else:
                try:
                    piece = decoder.decompress(pending, limit - total + 1)
                except zlib.error:
                    raise SourceError("corrupt compressed body") from None
                pending = decoder.unconsumed_tail
            total += len(piece)
            if total > limit:
                raise SourceError(f"body over {_size(limit)}")
            yield piece


def _seconds(value: float) -> str:
    return f"{value:g}s"


def _size(limit: int) -> str:
    if limit % MiB == 0:
        return f"{limit // MiB} MiB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} bytes"


def _transport_reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection failed" + (f": {_short(exc)}" if _short(exc) else "")
    if isinstance(exc, httpx.RemoteProtocolError):
        return "server closed the connection early"
    return f"network error ({type(exc).__name__})"


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text[:120]
