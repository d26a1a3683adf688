"""Generated RSS feeds, and the feed server run as its own process so it does not share our GIL.

python -m bench.feeds --feeds 1000 --items 20 --lifetime 300
# prints "READY <port>"; serves /feed/<i>.xml with an ETag (304 on If-None-Match);
# stops when stdin closes or after --lifetime seconds.
"""

from __future__ import annotations

import argparse
import socketserver
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

from bench.common import REPO_ROOT
from bench.corpus import make_articles, make_world
from bot.models import Document

HOST_FEEDS = 4  # feeds per invented host name: the per-host limit then applies as in the field
TEXT_BYTES = 900


def item_xml(feed: int, index: int, doc: Document, when: datetime) -> str:
    """One RSS <item> with a unique guid, link and title."""
    link = f"https://news{feed}.example.org/{feed}/{index}"
    return (
        f"<item><title>{escape(doc.title)} [{feed}-{index}]</title><link>{link}</link>"
        f'<guid isPermaLink="false">feed{feed}-item{index}</guid>'
        f"<pubDate>{format_datetime(when)}</pubDate>"
        f"<description>{escape(doc.text)} Ref {feed}-{index}.</description></item>"
    )


def feed_xml(feed: int, items: Sequence[str]) -> bytes:
    """An RSS 2.0 document around the given items."""
    head = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Bench feed {feed}</title><link>https://news{feed}.example.org/</link>"
        "<description>Generated for the benchmark</description>"
    )
    return (head + "".join(items) + "</channel></rss>").encode("utf-8")


def make_feeds(feeds: int, items: int, seed: int = 19) -> list[bytes]:
    """`feeds` RSS bodies of `items` items each; every item is a distinct article."""
    pool = make_articles(500, seed=seed, world=make_world(), size=TEXT_BYTES)
    start = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    out = []
    for f in range(feeds):
        xs = [
            item_xml(f, i, pool[(f * items + i) % len(pool)], start + timedelta(minutes=f + i))
            for i in range(items)
        ]
        out.append(feed_xml(f, xs))
    return out


def host(feed: int) -> str:
    """The invented host name of a feed (resolved to 127.0.0.1 by a static resolver)."""
    return f"news{feed // HOST_FEEDS}.bench.test"


def serve(feeds: int, items: int, lifetime: float) -> int:
    """Serve the feeds until stdin closes or `lifetime` passes."""
    sys.path.insert(0, str(REPO_ROOT))
    from tests.support import feedserver

    # socketserver's default listen backlog is 5: a poller opening hundreds of
    # connections at once would see SYNs dropped and retried a second later.
    feedserver._QuietServer.request_queue_size = 1024
    # Headers and body go out in separate writes: without TCP_NODELAY a keep-alive
    # client waits for a delayed ACK (~40 ms) on some responses.
    socketserver.StreamRequestHandler.disable_nagle_algorithm = True
    server = feedserver.FeedServer().start()
    for index, body in enumerate(make_feeds(feeds, items)):
        server.route(f"/feed/{index}.xml", body, etag=f'"v1-{index}"')
    print(f"READY {server.port}", flush=True)
    done = threading.Event()

    def commands() -> None:
        for line in sys.stdin:  # "delay <seconds>": every answer waits that long first
            words = line.split()
            if len(words) == 2 and words[0] == "delay":
                for path in list(server.routes):
                    server.update(path, delay=float(words[1]))
                print("OK", flush=True)
        done.set()

    threading.Thread(target=commands, daemon=True).start()
    done.wait(lifetime)
    server.stop()
    return 0


@dataclass
class FeedProcess:
    """The feed server subprocess."""

    proc: subprocess.Popen[str]
    port: int

    @classmethod
    def start(cls, feeds: int, items: int, lifetime: float = 900) -> FeedProcess:
        """Start it and wait for READY."""
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.feeds",
                "--feeds",
                str(feeds),
                "--items",
                str(items),
                "--lifetime",
                str(lifetime),
            ],
            cwd=REPO_ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "READY":
            proc.kill()
            raise RuntimeError(f"feed server did not start: {line}")
        return cls(proc, int(line[1]))

    def url(self, feed: int) -> str:
        """The URL of one feed."""
        return f"http://{host(feed)}:{self.port}/feed/{feed}.xml"

    def set_delay(self, seconds: float) -> None:
        """Make every answer wait `seconds` before its status line (a remote server's latency)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"delay {seconds}\n")
        self.proc.stdin.flush()
        if self.proc.stdout.readline().strip() != "OK":
            raise RuntimeError("feed server did not take the delay")

    def stop(self) -> None:
        """Close stdin (the server exits) and reap it."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main(argv: list[str] | None = None) -> int:
    """Command line of the feed server process."""
    parser = argparse.ArgumentParser(description="benchmark feed server")
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--lifetime", type=float, default=300)
    args = parser.parse_args(argv)
    return serve(args.feeds, args.items, args.lifetime)


if __name__ == "__main__":
    raise SystemExit(main())
