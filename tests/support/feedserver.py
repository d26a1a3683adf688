"""A real HTTP server on 127.0.0.1 serving feed files, live routes and scripted faults.

It runs in a background thread (ThreadingHTTPServer), so sync tests, async tests
and subprocesses started by a test all reach it over real TCP. Routes can be
changed while it runs; every request is logged with its headers.
"""

from __future__ import annotations

import gzip
import mimetypes
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

FEEDS_DIR = Path(__file__).resolve().parent.parent / "feeds"
Body = bytes | Callable[[], Iterable[bytes]]


@dataclass(frozen=True)
class Route:
    """What one path answers; every field is a scripted behaviour."""

    body: Body = b""
    status: int = 200
    content_type: str | None = "application/rss+xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds before the status line
    drip: tuple[int, float] | None = None  # (bytes per write, seconds between writes)
    location: str | None = None  # redirect target (status 3xx)
    content_encoding: str | None = None  # body is already encoded this way
    content_length: bool = True


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    status: int


@dataclass
class FeedServer:
    """The server; `url(path)` gives an address, `route(...)` scripts a path."""

    directory: Path = FEEDS_DIR
    routes: dict[str, Route] = field(default_factory=dict)
    log: list[Request] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    active: int = 0  # requests being answered right now
    max_active: int = 0  # the most answered at once (per-host limit tests)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def start(self) -> FeedServer:
        """Bind an ephemeral port on 127.0.0.1 and serve in a daemon thread."""
        handler = type("Handler", (_Handler,), {"feed_server": self})
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake sleeping handlers and shut down."""
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        """The bound port."""
        assert self._server is not None
        return int(self._server.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        """The full URL of a path, optionally under another host name (resolver tests)."""
        return f"http://{host}:{self.port}{path}"

    def route(self, path: str, body: Body = b"", **options: Any) -> Route:
        """Script (or replace) what a path answers."""
        route = Route(body=body, **options)
        with self.lock:
            self.routes[path] = route
        return route

    def update(self, path: str, **changes: Any) -> Route:
        """Change some fields of an existing route (new items, new ETag...)."""
        with self.lock:
            self.routes[path] = replace(self.routes[path], **changes)
            return self.routes[path]

    def feed(self, path: str, filename: str, **options: Any) -> Route:
        """Serve a file from the feeds directory with a content type from its name."""
        data = (self.directory / filename).read_bytes()
        if "content_type" not in options:
            guessed = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            options["content_type"] = guessed
        return self.route(path, data, **options)

    def requests(self, path: str | None = None) -> list[Request]:
        """Requests seen (for one path)."""
        with self.lock:
            return [r for r in self.log if path is None or r.path == path]


def gzip_bomb(decompressed: int) -> bytes:
    """A gzip body that expands to `decompressed` zero bytes (about 1000:1)."""
    return _bomb(decompressed)


@lru_cache(maxsize=4)
def _bomb(decompressed: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1 << 20)
    parts = [compressor.compress(chunk) for _ in range(decompressed >> 20)]
    parts.append(compressor.flush())
    return b"".join(parts)


def gzipped(data: bytes) -> bytes:
    """Plain gzip of data."""
    return gzip.compress(data)


def endless(chunk: bytes, total: int) -> Callable[[], Iterator[bytes]]:
    """A streamed body of `total` bytes made of `chunk`, never held in memory whole."""

    def generate() -> Iterator[bytes]:
        sent = 0
        while sent < total:
            piece = chunk[: total - sent]
            sent += len(piece)
            yield piece

    return generate


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-request is what fault tests do; anything else is a bug.
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    feed_server: FeedServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # separate header/body writes + Nagle = 40 ms stalls

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        return

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        server = self.feed_server
        path = self.path
        with server.lock:
            route = server.routes.get(path)
        if route is None:
            route = self._file_route(path)
        status = self._status(route)
        with server.lock:
            server.log.append(Request(self.command, path, dict(self.headers.items()), status))
        with server.lock:
            server.active += 1
            server.max_active = max(server.max_active, server.active)
        try:
            if route.delay and server.stopping.wait(route.delay):
                return
            self._send(route, status, send_body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeouts, size limits): expected in fault tests
        finally:
            with server.lock:
                server.active -= 1

    def _file_route(self, path: str) -> Route:
        target = (self.feed_server.directory / path.lstrip("/").split("?")[0]).resolve()
        if self.feed_server.directory.resolve() not in target.parents or not target.is_file():
            return Route(b"not found", status=404, content_type="text/plain")
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return Route(target.read_bytes(), content_type=ctype)

    def _status(self, route: Route) -> int:
        if route.status == 200:
            inm = self.headers.get("If-None-Match")
            ims = self.headers.get("If-Modified-Since")
            if route.etag and inm and route.etag in [t.strip() for t in inm.split(",")]:
                return 304
            if route.last_modified and ims == route.last_modified and not inm:
                return 304
        return route.status

    def _send(self, route: Route, status: int, send_body: bool) -> None:
        body = b"" if status == 304 else route.body
        self.send_response(status)
        if route.content_type and status != 304:
            self.send_header("Content-Type", route.content_type)
        if route.etag:
            self.send_header("ETag", route.etag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)
        if route.location:
            self.send_header("Location", route.location)
        if route.content_encoding:
            self.send_header("Content-Encoding", route.content_encoding)
        for name, value in route.headers:
            self.send_header(name, value)
        if isinstance(body, bytes) and route.content_length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if send_body:
            self._write_body(route, body)

    def _write_body(self, route: Route, body: Body) -> None:
        chunks: Iterable[bytes] = [body] if isinstance(body, bytes) else body()
        stopping = self.feed_server.stopping
        for chunk in chunks:
            if route.drip is None:
                self.wfile.write(chunk)
                continue
            size, pause = route.drip
            for start in range(0, len(chunk), size):
                self.wfile.write(chunk[start : start + size])
                self.wfile.flush()
                if stopping.wait(pause):
                    return
        self.wfile.flush()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A running FeedServer for one test."""
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()
