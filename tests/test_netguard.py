"""The SSRF guard: address classes, resolution, and user-supplied URL checks."""

from __future__ import annotations

import pytest

from bot.errors import BlockedAddressError, SourceError, UserInputError
from bot.sources.netguard import (
    StaticResolver,
    SystemResolver,
    blocked_reason,
    resolve_checked,
    validate_source_url,
)


@pytest.mark.parametrize(
    ("address", "label"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata endpoint
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped IPv6
        ("::ffff:10.0.0.1", "private"),
        ("100.64.0.1", "not a public"),  # carrier-grade NAT
    ],
)
def test_non_public_addresses_are_refused(address: str, label: str) -> None:
    reason = blocked_reason(address)
    assert reason is not None and reason.startswith(f"refused: {address} is") and label in reason


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(address) is None


async def test_any_private_record_refuses_the_host() -> None:
    resolver = StaticResolver({"mixed.example.test": ["93.184.216.34", "10.0.0.5"]})
    with pytest.raises(BlockedAddressError, match=r"10\.0\.0\.5 is a private"):
        await resolve_checked("mixed.example.test", 80, resolver, allow_private=False)


async def test_allow_private_and_literals() -> None:
    resolver = StaticResolver({"feeds.example.test": ["127.0.0.1"]})
    assert (
        await resolve_checked("feeds.example.test", 80, resolver, allow_private=True) == "127.0.0.1"
    )
    with pytest.raises(BlockedAddressError):
        await resolve_checked("[::1]", 80, resolver, allow_private=False)
    assert resolver.calls == ["feeds.example.test"]  # literals are not resolved


async def test_unresolvable_host_is_a_source_error() -> None:
    with pytest.raises(SourceError, match=r"cannot resolve nowhere\.example\.test"):
        await resolve_checked("nowhere.example.test", 80, StaticResolver({}), allow_private=False)


async def test_system_resolver_resolves_localhost_and_the_guard_refuses_it() -> None:
    addresses = await SystemResolver().resolve("localhost", 80)
    assert addresses and all(blocked_reason(a) for a in addresses)
    with pytest.raises(BlockedAddressError, match="loopback"):
        await resolve_checked("localhost", 80, SystemResolver(), allow_private=False)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("", "empty"),
        ("javascript:alert(1)", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://x.example/", "only http and https"),
        ("https://user:pw@x.example/", "user name or password"),
        ("https://user@x.example/", "user name or password"),
        ("https:///path", "no host"),
        ("https://x.example/a b", "spaces or control"),
        ("https://x.example/\x00", "spaces or control"),
        ("https://x.example:99999/", "malformed"),
        ("https://x.example/" + "a" * 2100, "longer than 2048"),
    ],
)
def test_validate_source_url_rejects(url: str, problem: str) -> None:
    with pytest.raises(UserInputError, match=problem):
        validate_source_url(url)


def test_validate_source_url_accepts_and_strips() -> None:
    assert (
        validate_source_url("  https://www.example.eu/rss?x=1  ")
        == "https://www.example.eu/rss?x=1"
    )
    assert validate_source_url("http://[2001:db8::1]:8080/feed") == "http://[2001:db8::1]:8080/feed"
