"""SSRF guard: every spelling of a blocked address, public addresses, allowlist, resolution."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from letitgo.errors import BlockedDestinationError, ValidationError
from letitgo.ssrf import Target, UnresolvableHostError, check_url, is_blocked, parse_host

LOOPBACK_V4 = ipaddress.ip_network("127.0.0.0/8")

# host as written in a URL -> (address it means, the reason it is blocked)
BLOCKED = [
    ("127.0.0.1", "127.0.0.1", "loopback"),
    ("2130706433", "127.0.0.1", "loopback"),
    ("0177.0.0.1", "127.0.0.1", "loopback"),
    ("0x7f.0.0.1", "127.0.0.1", "loopback"),
    ("0x7f000001", "127.0.0.1", "loopback"),
    ("0X7F.1", "127.0.0.1", "loopback"),
    ("127.1", "127.0.0.1", "loopback"),
    ("127.0.1", "127.0.0.1", "loopback"),
    ("017700000001", "127.0.0.1", "loopback"),
    ("10.1", "10.0.0.1", "private"),
    ("10.0.0.1", "10.0.0.1", "private"),
    ("172.16.5.4", "172.16.5.4", "private"),
    ("172.31.255.255", "172.31.255.255", "private"),
    ("192.168.1.1", "192.168.1.1", "private"),
    ("3232235777", "192.168.1.1", "private"),
    ("169.254.169.254", "169.254.169.254", "link-local (cloud metadata)"),
    ("0xa9fea9fe", "169.254.169.254", "link-local (cloud metadata)"),
    ("169.254.1.1", "169.254.1.1", "link-local"),
    ("100.64.0.1", "100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "100.127.255.254", "carrier-grade NAT"),
    ("0.0.0.0", "0.0.0.0", "unspecified"),
    ("0", "0.0.0.0", "unspecified"),
    ("0.1.2.3", "0.1.2.3", "reserved (this network)"),
    ("255.255.255.255", "255.255.255.255", "broadcast"),
    ("240.0.0.1", "240.0.0.1", "reserved"),
    ("224.0.0.1", "224.0.0.1", "multicast"),
    ("239.255.255.250", "239.255.255.250", "multicast"),
    ("198.18.0.1", "198.18.0.1", "benchmarking"),
    ("198.19.255.1", "198.19.255.1", "benchmarking"),
    ("192.0.2.10", "192.0.2.10", "documentation"),
    ("198.51.100.7", "198.51.100.7", "documentation"),
    ("203.0.113.9", "203.0.113.9", "documentation"),
    ("192.0.0.8", "192.0.0.8", "reserved (IETF protocol assignments)"),
    ("127.0.0.1.", "127.0.0.1", "loopback"),
    ("[::1]", "::1", "loopback"),
    ("::1", "::1", "loopback"),
    ("[::]", "::", "unspecified"),
    ("[::ffff:127.0.0.1]", "::ffff:7f00:1", "loopback (IPv4 127.0.0.1 embedded in IPv6)"),
    ("[::ffff:7f00:1]", "::ffff:7f00:1", "loopback (IPv4 127.0.0.1 embedded in IPv6)"),
    (
        "[::ffff:169.254.169.254]",
        "::ffff:a9fe:a9fe",
        "link-local (cloud metadata) (IPv4 169.254.169.254 embedded in IPv6)",
    ),
    ("[::ffff:0:7f00:1]", "::ffff:0:7f00:1", "loopback (IPv4 127.0.0.1 embedded in IPv6)"),
    ("[64:ff9b::7f00:1]", "64:ff9b::7f00:1", "loopback (IPv4 127.0.0.1 embedded in IPv6)"),
    ("[64:ff9b::10.0.0.1]", "64:ff9b::a00:1", "private (IPv4 10.0.0.1 embedded in IPv6)"),
    ("[2002:7f00:1::]", "2002:7f00:1::", "loopback (IPv4 127.0.0.1 embedded in IPv6)"),
    ("[2002:c0a8:101::1]", "2002:c0a8:101::1", "private (IPv4 192.168.1.1 embedded in IPv6)"),
    ("[::127.0.0.1]", "::7f00:1", "loopback (IPv4 127.0.0.1 embedded in IPv6)"),
    ("[::93.184.216.34]", "::5db8:d822", "IPv4-compatible (deprecated)"),
    ("[fe80::1%eth0]", "fe80::1", "link-local"),
    ("fe80::1%25eth0", "fe80::1", "link-local"),
    ("[fe80::abcd]", "fe80::abcd", "link-local"),
    ("[fc00::1]", "fc00::1", "private (unique local)"),
    ("[fd12:3456:789a::1]", "fd12:3456:789a::1", "private (unique local)"),
    ("[fec0::1]", "fec0::1", "site-local (deprecated)"),
    ("[ff02::1]", "ff02::1", "multicast"),
    ("[2001:db8::1]", "2001:db8::1", "documentation"),
    ("[3fff::1]", "3fff::1", "documentation"),
    ("[2001:2::1]", "2001:2::1", "benchmarking"),
    ("[2001::1]", "2001::1", "Teredo tunnel"),
    ("[100::1]", "100::1", "reserved (discard-only)"),
    ("[64:ff9b:1::a]", "64:ff9b:1::a", "NAT64 local-use"),
]

PUBLIC = [
    ("93.184.216.34", "93.184.216.34"),
    ("1.1.1.1", "1.1.1.1"),
    ("1.0.0.1", "1.0.0.1"),
    ("16843009", "1.1.1.1"),
    ("0x01010101", "1.1.1.1"),
    ("8.8.8.8", "8.8.8.8"),
    ("100.63.255.255", "100.63.255.255"),
    ("100.128.0.0", "100.128.0.0"),
    ("172.32.0.1", "172.32.0.1"),
    ("[2606:4700::1111]", "2606:4700::1111"),
    ("[2a00:1450:4001:80b::200e]", "2a00:1450:4001:80b::200e"),
    ("[::ffff:93.184.216.34]", "::ffff:5db8:d822"),
    ("[64:ff9b::93.184.216.34]", "64:ff9b::5db8:d822"),
    ("[2002:5db8:d822::1]", "2002:5db8:d822::1"),
]


@pytest.mark.parametrize(("host", "address", "reason"), BLOCKED)
def test_blocked_spellings(host: str, address: str, reason: str) -> None:
    parsed = parse_host(host)
    assert parsed == ipaddress.ip_address(address)
    assert is_blocked(parsed) == reason


@pytest.mark.parametrize(("host", "address", "reason"), BLOCKED)
def test_blocked_spellings_refused_in_urls(host: str, address: str, reason: str) -> None:
    netloc = host if host.startswith("[") or ":" not in host else f"[{host}]"
    with pytest.raises(BlockedDestinationError) as err:
        check_url(f"http://{netloc}:8080/hook", resolve=False)
    assert err.value.field == "webhook_url"
    assert err.value.message == f"{ipaddress.ip_address(address)} is {reason}"


@pytest.mark.parametrize(("host", "address"), PUBLIC)
def test_public_addresses_allowed(host: str, address: str) -> None:
    assert is_blocked(parse_host(host)) is None
    target = check_url(f"https://{host}/hook?x=1")
    assert target.addresses == (address,)
    assert target.scheme == "https" and target.port == 443 and target.path_and_query == "/hook?x=1"


@pytest.mark.parametrize(
    "host",
    [
        "example.com",
        "hooks.example.org",
        "1.2.3.4.5",
        "256.1.1.1",
        "1.16777216",
        "08.0.0.1",
        "0x1g.0.0.1",
        "127.0.0.1a",
        "::ffff:zz",
        "",
    ],
)
def test_names_and_invalid_literals_are_not_addresses(host: str) -> None:
    assert parse_host(host) is None


def test_target_fields_and_host_header() -> None:
    target = check_url("http://93.184.216.34:8080/a/b;p?q=1&r=2#frag")
    assert target == Target("http", "93.184.216.34", 8080, "/a/b;p?q=1&r=2", ("93.184.216.34",))
    assert target.host_header == "93.184.216.34:8080"
    assert check_url("https://[2606:4700::1111]/").host_header == "[2606:4700::1111]"
    assert check_url("https://[2606:4700::1111]:8443").path_and_query == "/"
    assert check_url("https://[2606:4700::1111]:8443").host_header == "[2606:4700::1111]:8443"


def test_host_is_lowercased_and_idna_encoded_without_resolving() -> None:
    target = check_url("https://Bücher.Example/x", resolve=False)
    assert target.host == "xn--bcher-kva.example" and target.addresses == ()
    assert target.host_header == "xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://93.184.216.34/", "scheme must be http or https"),
        ("file:///etc/passwd", "scheme must be http or https"),
        ("gopher://127.0.0.1:6379/_INFO", "scheme must be http or https"),
        ("//93.184.216.34/", "scheme must be http or https"),
        ("http:///path", "URL must have a host"),
        ("http://93.184.216.34:0/", "port is not a number from 1 to 65535"),
        ("http://93.184.216.34:99999/", "port is not a number from 1 to 65535"),
        ("http://93.184.216.34:http/", "port is not a number from 1 to 65535"),
        ("http://exa mple.com/", "URL contains spaces, control characters or backslashes"),
        ("http://example.com\\@127.0.0.1/", "URL contains spaces, control characters or backslashes"),
        ("http://exa%2Fmple.com/", "host contains characters not allowed in a domain name"),
        ("", "a URL is required"),
    ],
)
def test_malformed_urls(url: str, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        check_url(url, resolve=False)
    assert not isinstance(err.value, BlockedDestinationError)
    assert (err.value.field, err.value.message) == ("webhook_url", message)


@pytest.mark.parametrize(
    "url",
    [
        "http://user:hunter2@93.184.216.34/",
        "http://user@93.184.216.34/",
        "https://:tok3n@93.184.216.34/",
        "http://93.184.216.34@127.0.0.1/",
    ],
)
def test_credentials_refused_without_echoing_them(url: str) -> None:
    with pytest.raises(BlockedDestinationError) as err:
        check_url(url, resolve=False)
    assert err.value.message == "credentials in the URL are not allowed"
    assert "hunter2" not in str(err.value) and "tok3n" not in str(err.value)


def test_allowlist_lets_loopback_through() -> None:
    target = check_url("http://127.0.0.1:9000/hook", allow=[LOOPBACK_V4])
    assert target.addresses == ("127.0.0.1",)
    assert check_url("http://2130706433:9000/", allow=[LOOPBACK_V4]).host_header == "2130706433:9000"


def test_allowlist_is_narrow() -> None:
    with pytest.raises(BlockedDestinationError):
        check_url("http://10.0.0.1/", allow=[LOOPBACK_V4])
    with pytest.raises(BlockedDestinationError):
        check_url("http://[::1]/", allow=[LOOPBACK_V4])


def test_localhost_resolves_to_loopback_and_is_blocked() -> None:
    with pytest.raises(BlockedDestinationError) as err:
        check_url("http://localhost:8080/hook")
    assert err.value.message.startswith("host localhost resolves to ")
    assert "loopback" in err.value.message


def test_localhost_allowed_with_the_allowlist() -> None:
    allow = [LOOPBACK_V4, ipaddress.ip_network("::1/128")]
    target = check_url("http://localhost:8080/hook", allow=allow)
    assert target.host == "localhost" and target.addresses
    assert all(ipaddress.ip_address(a).is_loopback for a in target.addresses)


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> list[str]:
    asked: list[str] = []

    def getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        asked.append(host)
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in answers[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_every_resolved_address_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"mixed.example": ["93.184.216.34", "10.0.0.7", "93.184.216.35"]})
    with pytest.raises(BlockedDestinationError) as err:
        check_url("https://mixed.example/")
    assert err.value.message == "host mixed.example resolves to 10.0.0.7, which is private"


def test_resolved_mapped_address_is_unwrapped(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"sneaky.example": ["2606:4700::1111", "::ffff:169.254.169.254"]})
    with pytest.raises(BlockedDestinationError) as err:
        check_url("https://sneaky.example/")
    assert "cloud metadata" in err.value.message


def test_all_public_answers_kept_in_order_without_duplicates(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = fake_dns(monkeypatch, {"ok.example": ["93.184.216.34", "2606:4700::1111", "93.184.216.34"]})
    target = check_url("https://OK.example./hook")
    assert target.addresses == ("93.184.216.34", "2606:4700::1111")
    assert target.host == "ok.example" and asked == ["ok.example"]


def test_unresolvable_host(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {})
    with pytest.raises(UnresolvableHostError) as err:
        check_url("https://nowhere.example/")
    assert isinstance(err.value, ValidationError) and not isinstance(err.value, BlockedDestinationError)
    assert (err.value.field, err.value.message) == ("webhook_url", "host nowhere.example does not resolve")


def test_ip_literals_never_touch_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = fake_dns(monkeypatch, {})
    check_url("http://93.184.216.34/")
    check_url("http://[2606:4700::1111]/")
    assert asked == []


def test_resolve_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    def slow(*args: object, **kwargs: object) -> list[tuple]:
        time.sleep(0.5)
        return []

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    started = time.monotonic()
    with pytest.raises(UnresolvableHostError) as err:
        check_url("https://slow.example/", resolve_timeout=0.1)
    assert time.monotonic() - started < 0.4
    assert err.value.message == "host slow.example did not resolve in time"
