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


NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix


def embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address stands for: IPv4-mapped, 6to4 (2002::/16),
    Teredo (2001::/32: server and client) and NAT64 (64:ff9b::/96); () for the others."""
    if ip.ipv4_mapped is not None:
        return (ip.ipv4_mapped,)
    if ip.sixtofour is not None:
        return (ip.sixtofour,)
    if ip.teredo is not None:
        return ip.teredo
    if ip in NAT64:
        return (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF),)
    return ()


def blocked_reason(address: str) -> str | None:
    """Why connecting to this IP is refused, or None when it is a public address.

    An IPv6 address that embeds an IPv4 one (IPv4-mapped, 6to4, Teredo, NAT64) reaches
    that address, so it is judged by it: `2002:7f00:1::` is the loopback in disguise."""
    ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        for v4 in inner:
            reason = _class_reason(v4)
            if reason:
                return f"refused: {address} is {reason} address (it stands for {v4})"
        if inner:
            return None
        if ip.is_site_local:
            return f"refused: {address} is a site-local address"
    reason = _class_reason(ip)
    return f"refused: {address} is {reason} address" if reason else None


def _class_reason(ip: IPAddress) -> str | None:
    for attribute, label in (
        ("is_unspecified", "an unspecified"),
        ("is_loopback", "a loopback"),
        ("is_link_local", "a link-local"),
        ("is_multicast", "a multicast"),
        ("is_reserved", "a reserved"),
        ("is_private", "a private"),
    ):
        if getattr(ip, attribute):
            return label
    if not ip.is_global:
        # Shared address space (100.64/10) and other special ranges.
        return "not a public"
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
