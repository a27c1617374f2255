"""SSRF guard: refuse webhook URLs that point into private, local or special address space.

``check_url`` parses the URL once, resolves the host once and checks every address it resolves
to. The delivery code then connects to one of those checked addresses and never resolves the
name again, so DNS rebinding between check and connect cannot move the request.

``parse_host`` reads IP literals the way ``inet_aton`` and browsers do (decimal integers,
octal, hex, shortened forms), because that is how the socket layer would read them.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import os
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from letitgo.errors import BlockedDestinationError, ValidationError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

FIELD = "webhook_url"
SCHEMES = {"http": 80, "https": 443}
_HOSTNAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_HEX_PART = re.compile(r"^0x[0-9a-f]*$")
_OCTAL_PART = re.compile(r"^0[0-7]+$")
_DECIMAL_PART = re.compile(r"^(0|[1-9][0-9]*)$")
_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# Checked in order; the first match names the reason. Embedded IPv4 is handled before this.
_BLOCKED: tuple[tuple[IPNetwork, str], ...] = (
    (_V4("255.255.255.255/32"), "broadcast"),
    (_V4("0.0.0.0/32"), "unspecified"),
    (_V4("0.0.0.0/8"), "reserved (this network)"),
    (_V4("127.0.0.0/8"), "loopback"),
    (_V4("10.0.0.0/8"), "private"),
    (_V4("172.16.0.0/12"), "private"),
    (_V4("192.168.0.0/16"), "private"),
    (_V4("100.64.0.0/10"), "carrier-grade NAT"),
    (_V4("169.254.169.254/32"), "link-local (cloud metadata)"),
    (_V4("169.254.0.0/16"), "link-local"),
    (_V4("192.0.0.0/24"), "reserved (IETF protocol assignments)"),
    (_V4("192.0.2.0/24"), "documentation"),
    (_V4("198.51.100.0/24"), "documentation"),
    (_V4("203.0.113.0/24"), "documentation"),
    (_V4("198.18.0.0/15"), "benchmarking"),
    (_V4("192.88.99.0/24"), "reserved (6to4 relay anycast)"),
    (_V4("224.0.0.0/4"), "multicast"),
    (_V4("240.0.0.0/4"), "reserved"),
    (_V6("::/128"), "unspecified"),
    (_V6("::1/128"), "loopback"),
    (_V6("::/96"), "IPv4-compatible (deprecated)"),
    (_V6("64:ff9b:1::/48"), "NAT64 local-use"),
    (_V6("100::/64"), "reserved (discard-only)"),
    (_V6("2001::/32"), "Teredo tunnel"),
    (_V6("2001:2::/48"), "benchmarking"),
    (_V6("2001:db8::/32"), "documentation"),
    (_V6("3fff::/20"), "documentation"),
    (_V6("2001::/23"), "reserved (IETF protocol assignments)"),
    (_V6("fc00::/7"), "private (unique local)"),
    (_V6("fe80::/10"), "link-local"),
    (_V6("fec0::/10"), "site-local (deprecated)"),
    (_V6("ff00::/8"), "multicast"),
)
_MAPPED = _V6("::ffff:0:0/96")
_TRANSLATED = _V6("::ffff:0:0:0/96")
_NAT64 = _V6("64:ff9b::/96")
_COMPATIBLE = _V6("::/96")
_SIX_TO_FOUR = _V6("2002::/16")


class UnresolvableHostError(ValidationError):
    """The webhook host does not resolve (may be temporary: DNS can come back)."""


@dataclass(frozen=True)
class Target:
    """A checked destination: connect only to ``addresses``, send ``host`` as Host and SNI."""

    scheme: str
    host: str
    port: int
    path_and_query: str
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        """The Host header value (port only when not the scheme's default)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if SCHEMES[self.scheme] == self.port else f"{host}:{self.port}"


def parse_host(host: str) -> IPAddress | None:
    """The IP address ``host`` spells, in any spelling the socket layer accepts; None for a name."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        return _parse_ipv6(text)
    return _parse_ipv4(text.removesuffix("."))


def _parse_ipv6(text: str) -> ipaddress.IPv6Address | None:
    without_zone = text.split("%", 1)[0]
    try:
        return ipaddress.IPv6Address(without_zone)
    except ValueError:
        return None


def _parse_ipv4(text: str) -> ipaddress.IPv4Address | None:
    parts = text.split(".")
    if not text or len(parts) > 4:
        return None
    numbers = [_parse_ipv4_part(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    # inet_aton: every part but the last is one byte; the last fills the remaining bytes.
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    packed = 0
    for n in values[:-1]:
        packed = packed << 8 | n
    packed = packed << 8 * (5 - len(values)) | values[-1]
    return ipaddress.IPv4Address(packed)


def _parse_ipv4_part(part: str) -> int | None:
    text = part.lower()
    if _HEX_PART.match(text):
        return int(text[2:] or "0", 16)
    if _OCTAL_PART.match(text):
        return int(text, 8)
    if _DECIMAL_PART.match(text):
        return int(text, 10)
    return None


def embedded_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried by a mapped, translated, NAT64, 6to4 or compatible address."""
    if addr in _MAPPED or addr in _TRANSLATED or addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    if addr in _SIX_TO_FOUR:
        return ipaddress.IPv4Address(int(addr) >> 80 & 0xFFFFFFFF)
    if addr in _COMPATIBLE and int(addr) > 1:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def is_blocked(addr: IPAddress) -> str | None:
    """Why ``addr`` may not be a webhook destination, or None if it may."""
    if isinstance(addr, ipaddress.IPv6Address):
        inner = embedded_ipv4(addr)
        if inner is not None:
            return _embedded_reason(addr, inner)
    for network, reason in _BLOCKED:
        if addr.version == network.version and addr in network:
            return reason
    # Catch-all for special ranges the table does not name (the table gives better reasons).
    if not addr.is_global:
        return "not globally routable"
    return None


def _embedded_reason(addr: ipaddress.IPv6Address, inner: ipaddress.IPv4Address) -> str | None:
    reason = is_blocked(inner)
    if reason is not None:
        return f"{reason} (IPv4 {inner} embedded in IPv6)"
    # Mapped, NAT64 and 6to4 forms of a public address are reachable and legitimate;
    # the compatible form is deprecated and nothing routes it on purpose.
    if addr in _COMPATIBLE:
        return "IPv4-compatible (deprecated)"
    return None


def check_url(
    url: str,
    allow: Iterable[IPNetwork] = (),
    resolve: bool = True,
    resolve_timeout: float | None = None,
) -> Target:
    """Parse and check a webhook URL; raise BlockedDestinationError or ValidationError.

    allow: networks let through even though blocked (development, tests, internal receivers).
    resolve: look the host up and check every address; with False only IP literals are checked.
    resolve_timeout: give up on DNS after this many seconds (None: the resolver's own limits).
    """
    parts = _split(url)
    scheme = (parts.scheme or "").lower()
    if scheme not in SCHEMES:
        raise ValidationError(FIELD, "scheme must be http or https")
    if "@" in parts.netloc:
        raise BlockedDestinationError(FIELD, "credentials in the URL are not allowed")
    host = _ascii_host(parts.hostname)
    port = _port(parts, scheme)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    allowed = tuple(allow)
    literal = parse_host(host)
    if literal is not None:
        addresses: tuple[IPAddress, ...] = (literal,)
        host = str(literal) if ":" in host else host
    elif resolve:
        addresses = _resolve(host, port, resolve_timeout)
    else:
        addresses = ()
    for addr in addresses:
        _refuse_if_blocked(host, addr, allowed)
    return Target(scheme, host, port, path, tuple(str(a) for a in addresses))


def _split(url: str) -> SplitResult:
    if not isinstance(url, str) or not url.strip():
        raise ValidationError(FIELD, "a URL is required")
    if any(ord(c) < 33 or c == "\\" for c in url.strip()):
        raise ValidationError(FIELD, "URL contains spaces, control characters or backslashes")
    try:
        return urlsplit(url.strip())
    except ValueError:
        raise ValidationError(FIELD, "URL cannot be parsed") from None


def _ascii_host(hostname: str | None) -> str:
    if not hostname:
        raise ValidationError(FIELD, "URL must have a host")
    if ":" in hostname:  # IPv6 literal; urlsplit has removed the brackets
        return hostname
    host = unquote(hostname).rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValidationError(FIELD, "host is not a valid domain name") from None
    if not _HOSTNAME.match(host):
        raise ValidationError(FIELD, "host contains characters not allowed in a domain name")
    return host.lower()


def _port(parts: SplitResult, scheme: str) -> int:
    try:
        port = parts.port
    except ValueError:
        raise ValidationError(FIELD, "port is not a number from 1 to 65535") from None
    if port == 0:
        raise ValidationError(FIELD, "port is not a number from 1 to 65535")
    return port or SCHEMES[scheme]


def _refuse_if_blocked(host: str, addr: IPAddress, allow: tuple[IPNetwork, ...]) -> None:
    if any(addr.version == net.version and addr in net for net in allow):
        return
    reason = is_blocked(addr)
    if reason is None:
        return
    if parse_host(host) is not None:
        raise BlockedDestinationError(FIELD, f"{addr} is {reason}")
    raise BlockedDestinationError(FIELD, f"host {host} resolves to {addr}, which is {reason}")


_dns_pool: tuple[int, concurrent.futures.ThreadPoolExecutor] | None = None


def _dns_executor() -> concurrent.futures.ThreadPoolExecutor:
    # One pool per process: Celery's prefork children must not inherit the parent's threads.
    global _dns_pool
    if _dns_pool is None or _dns_pool[0] != os.getpid():
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="letitgo-dns")
        _dns_pool = (os.getpid(), pool)
    return _dns_pool[1]


def _resolve(host: str, port: int, timeout: float | None) -> tuple[IPAddress, ...]:
    try:
        if timeout is None:
            infos = _getaddrinfo(host, port)
        else:
            future = _dns_executor().submit(_getaddrinfo, host, port)
            infos = future.result(timeout=max(timeout, 0.001))
    except concurrent.futures.TimeoutError:
        raise UnresolvableHostError(FIELD, f"host {host} did not resolve in time") from None
    except (OSError, UnicodeError):
        raise UnresolvableHostError(FIELD, f"host {host} does not resolve") from None
    found: dict[IPAddress, None] = {}
    for info in infos:
        addr = parse_host(str(info[4][0]))
        if addr is not None:
            found.setdefault(addr)
    if not found:
        raise UnresolvableHostError(FIELD, f"host {host} does not resolve")
    return tuple(found)


def _getaddrinfo(host: str, port: int) -> list[tuple[Any, ...]]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
