"""SSRF guard: which hosts the fetcher may connect to, decided on resolved addresses.

How it is enforced (see fetch.py): for every request, including every redirect
hop, the fetcher resolves the host itself through `resolve_checked`, refuses the
hop if ANY address is not public, and then connects to the checked IP literal
(keeping the Host header and TLS SNI/certificate check on the real name). Letting
httpx resolve the name again would open a DNS-rebinding window between check and
connect; pinning the IP closes it without a custom transport.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Collection, Mapping, Sequence
from typing import Protocol
from urllib.parse import urlsplit

from bot.errors import BlockedAddressError, SourceError, UserInputError

MAX_URL_LENGTH = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Resolver(Protocol):
    """Turns a host name into IP address strings."""

    async def resolve(self, host: str, port: int) -> list[str]:
        """Every address the host resolves to; raises OSError when it does not."""
        ...


class SystemResolver:
    """The operating system's resolver, through the running event loop."""

    async def resolve(self, host: str, port: int) -> list[str]:
        """Every address getaddrinfo gives for host:port (TCP)."""
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))


class StaticResolver:
    """A fixed host -> addresses table (tests, and pinning hosts in config)."""

    def __init__(self, table: Mapping[str, Sequence[str]]) -> None:
        self.table = {host.lower(): list(ips) for host, ips in table.items()}
        self.calls: list[str] = []

    async def resolve(self, host: str, port: int) -> list[str]:
        """The addresses listed for host; OSError for unknown hosts."""
        self.calls.append(host)
        try:
            return list(self.table[host.lower()])
        except KeyError:
            raise OSError(f"unknown host {host}") from None


def blocked_reason(address: str) -> str | None:
    """Why connecting to this IP is refused, or None when it is a public address."""
    ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        # ::ffff:127.0.0.1 reaches the IPv4 loopback: judge the embedded address.
        ip = ip.ipv4_mapped
    for attribute, label in (
        ("is_unspecified", "an unspecified"),
        ("is_loopback", "a loopback"),
        ("is_link_local", "a link-local"),
        ("is_multicast", "a multicast"),
        ("is_reserved", "a reserved"),
        ("is_private", "a private"),
    ):
        if getattr(ip, attribute):
            return f"refused: {address} is {label} address"
    if not ip.is_global:
        # Shared address space (100.64/10) and other special ranges.
        return f"refused: {address} is not a public address"
    return None


async def resolve_checked(
    host: str,
    port: int,
    resolver: Resolver,
    *,
    allow_private: bool,
    allow_hosts: Collection[str] = (),
) -> str:
    """The IP to connect to for host, after checking every address it resolves to.

    `allow_hosts` names hosts an operator trusts even on private addresses (an
    internal mirror, a test server); every other host must be public.
    """
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
        addresses = [str(literal)]
    except ValueError:
        try:
            addresses = await resolver.resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise SourceError(f"cannot resolve {host}: {exc}") from None
    if not addresses:
        raise SourceError(f"cannot resolve {host}: no addresses")
    if not allow_private and host.lower() not in allow_hosts:
        # All, not just the first: a name with one public and one private record
        # could otherwise be steered to the private one on a later connection.
        for address in addresses:
            reason = blocked_reason(address)
            if reason:
                raise BlockedAddressError(reason)
    return addresses[0]


def validate_source_url(url: str) -> str:
    """A user-supplied feed URL, checked for shape (http/https, no credentials, length)."""
    url = url.strip()
    if not url:
        raise UserInputError("the URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise UserInputError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise UserInputError("the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UserInputError(f"the URL is malformed: {exc}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise UserInputError(
            f"only http and https URLs are allowed, not {parts.scheme or 'none'!r}"
        )
    if parts.username is not None or parts.password is not None:
        raise UserInputError("the URL must not contain a user name or password")
    if not parts.hostname:
        raise UserInputError("the URL has no host name")
    if port == 0:
        raise UserInputError("the URL has port 0")
    return url
