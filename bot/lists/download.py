"""Downloading a list file to disk: streamed, capped, conditional, hashed, SSRF-checked.

Feeds are small and the feed fetcher keeps them in memory; official lists are not
(OFAC's advanced XML is over 100 MB), so they go to a temporary file chunk by chunk
while their SHA-256 is computed. The same rules as for feeds apply: every redirect
hop is resolved and checked by the network guard before connecting, plain-http
requests go to the checked address, and a server that ignores If-None-Match still
costs no parse when the body hash matches the last version's.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

import httpx

from bot.errors import SourceError
from bot.sources.fetch import USER_AGENT, redirect_target
from bot.sources.netguard import Resolver, SystemResolver, resolve_checked
from bot.sources.state import Validators

MiB = 1024 * 1024


@dataclass(frozen=True)
class Download:
    """A list file on disk (or a 'not modified' answer, with no file)."""

    status: Literal["ok", "not_modified"]
    path: Path | None
    final_url: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    size: int = 0


class ListDownloader:
    """Streams list files to disk through the bot's shared httpx client."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        resolver: Resolver | None = None,
        *,
        allow_private: bool = False,
        allow_hosts: frozenset[str] = frozenset(),
        max_bytes: int = 512 * MiB,
        timeout: float = 600.0,
        directory: Path | None = None,
    ) -> None:
        self.client = client
        self.resolver: Resolver = resolver or SystemResolver()
        self.allow_private = allow_private
        self.allow_hosts = frozenset(h.lower() for h in allow_hosts)
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.directory = directory

    async def download(self, url: str, validators: Validators | None = None) -> Download:
        """GET `url` into a temporary file; SourceError with a short reason on failure."""
        validators = validators or Validators()
        try:
            async with asyncio.timeout(self.timeout):
                return await self._follow(url, validators)
        except TimeoutError:
            raise SourceError(f"timed out after {self.timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise SourceError(f"network error ({type(exc).__name__})") from None

    async def _follow(self, url: str, validators: Validators) -> Download:
        seen = {url}
        for _hop in range(6):
            target = httpx.URL(url)
            if target.scheme not in ("http", "https") or not target.host:
                raise SourceError(f"refused: not an http(s) URL: {url[:100]}", transient=False)
            request = await self._request(target, validators)
            response = await self.client.send(request, stream=True, follow_redirects=False)
            try:
                hop = redirect_target(response, target, seen)
                if hop is not None:
                    url = hop
                    continue
                return await self._save(response, str(target), validators)
            finally:
                await response.aclose()
        raise SourceError("too many redirects")

    async def _request(self, target: httpx.URL, validators: Validators) -> httpx.Request:
        port = target.port or (443 if target.scheme == "https" else 80)
        address = await resolve_checked(
            target.host,
            port,
            self.resolver,
            allow_private=self.allow_private,
            allow_hosts=self.allow_hosts,
        )
        headers = {
            "User-Agent": USER_AGENT,  # OFAC's list service refuses requests without one
            "Accept": "application/xml, text/xml;q=0.9, */*;q=0.5",
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
        return self.client.build_request("GET", wire, headers=headers)

    async def _save(self, response: httpx.Response, url: str, validators: Validators) -> Download:
        etag = response.headers.get("etag")
        modified = response.headers.get("last-modified")
        if response.status_code == 304:
            return Download("not_modified", None, url, etag, modified, None)
        if not 200 <= response.status_code < 300:
            transient = response.status_code >= 500 or response.status_code in (408, 429)
            raise SourceError(f"HTTP {response.status_code}", transient=transient)
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding not in ("", "identity", "gzip", "x-gzip", "deflate"):
            raise SourceError(f"unsupported content encoding {encoding!r}")
        decoder = zlib.decompressobj(47) if encoding not in ("", "identity") else None
        digest = hashlib.sha256()
        total = 0
        with tempfile.NamedTemporaryFile(
            prefix="list-", suffix=".xml", dir=self.directory, delete=False
        ) as handle:
            path = Path(handle.name)
            try:
                total = await _copy(response, handle, decoder, digest, self.max_bytes)
            except BaseException:
                handle.close()
                path.unlink(missing_ok=True)
                raise
        body_hash = digest.hexdigest()
        if validators.body_hash == body_hash:
            path.unlink(missing_ok=True)  # same bytes as the stored version: nothing to diff
            return Download("not_modified", None, url, etag, modified, body_hash, total)
        return Download("ok", path, url, etag, modified, body_hash, total)


async def _copy(
    response: httpx.Response,
    handle: IO[bytes],
    decoder: zlib._Decompress | None,
    digest: hashlib._Hash,
    limit: int,
) -> int:
    """Decoded body to `handle`, hashed, failing as soon as it passes `limit` bytes."""
    total = 0
    async for chunk in response.aiter_raw():
        pending = chunk
        while pending:
            if decoder is None:
                piece, pending = pending, b""
            else:
                try:
                    # max_length bounds each step's output: a gzip bomb cannot expand.
                    piece = decoder.decompress(pending, 4 * MiB)
                except zlib.error:
                    raise SourceError("corrupt compressed body") from None
                pending = decoder.unconsumed_tail
            total += len(piece)
            if total > limit:
                raise SourceError(f"list file over {limit // MiB} MiB")
            digest.update(piece)
            handle.write(piece)
    return total
