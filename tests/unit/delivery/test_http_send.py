"""send(): one attempt against real servers on 127.0.0.1, classified into an Outcome."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import pytest
import urllib3

from letitgo.delivery import Limits, OutboundRequest, OutcomeKind, make_session, send
from letitgo.delivery.http import classify_status, prepare
from letitgo.ssrf import check_url

from .servers import LOOPBACK, LocalServer, Pki, ScriptedHandler

Serve = Callable[..., LocalServer]


def limits(**overrides: object) -> Limits:
    values: dict[str, object] = {
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "deadline": 5.0,
        "max_response_bytes": 65536,
        "allow": LOOPBACK,
    }
    values.update(overrides)
    return Limits(**values)  # type: ignore[arg-type]


def post(url: str, body: bytes = b'{"ok": true}', headers: dict[str, str] | None = None) -> OutboundRequest:
    return OutboundRequest(url, "POST", headers or {"Content-Type": "application/json"}, body)


def status(code: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Callable[[ScriptedHandler], None]:
    return lambda h: h.reply(code, body, headers)


# --- what the receiver gets ---------------------------------------------------------------------


def test_delivered_with_exact_method_body_and_headers(serve: Serve) -> None:
    server = serve(status(200, b'{"received": true}', {"Content-Type": "application/json", "X-Request-Id": "r-42"}))
    body = b'{"caf\xc3\xa9": 1}\x00\xff'
    headers = {"Content-Type": "application/octet-stream", "X-Custom": "a b;c", "webhook-id": "run_1"}
    outcome = send(OutboundRequest(server.url("/hook?x=1&y=%20z"), "put", headers, body), limits())

    assert outcome.kind is OutcomeKind.DELIVERED
    assert (outcome.status_code, outcome.error_kind, outcome.error) == (200, None, None)
    assert outcome.response_snippet == '{"received": true}'
    assert outcome.response_headers == {
        "content-type": "application/json",
        "x-request-id": "r-42",
        "content-length": "18",
    }
    assert outcome.remote_address == "127.0.0.1"
    assert 0 < outcome.latency_ms < 2000
    [got] = server.requests
    assert (got.method, got.path, got.body) == ("PUT", "/hook?x=1&y=%20z", body)
    assert dict(got.headers) == {
        "Host": f"127.0.0.1:{server.port}",
        "User-Agent": "LetItGo-Webhooks/1",
        "Accept-Encoding": "identity",
        "Content-Type": "application/octet-stream",
        "X-Custom": "a b;c",
        "webhook-id": "run_1",
        "Content-Length": str(len(body)),
    }


def test_transport_owned_headers_cannot_be_overridden(serve: Serve) -> None:
    server = serve(status(204))
    headers = {
        "Host": "metadata.internal",
        "Content-Length": "999",
        "Transfer-Encoding": "chunked",
        "user-agent": "me/1",
    }
    outcome = send(post(server.url(), b"abc", headers), limits())
    assert outcome.kind is OutcomeKind.DELIVERED and outcome.status_code == 204
    [got] = server.requests
    assert got.header("Host") == f"127.0.0.1:{server.port}"
    assert got.header("Content-Length") == "3" and got.header("Transfer-Encoding") is None
    assert got.header("User-Agent") == "me/1" and got.body == b"abc"


def test_get_without_body(serve: Serve) -> None:
    server = serve(status(200, b"pong"))
    outcome = send(OutboundRequest(server.url("/ping"), "GET", {}, b""), limits())
    assert outcome.kind is OutcomeKind.DELIVERED and outcome.response_snippet == "pong"
    assert server.requests[0].method == "GET" and server.requests[0].body == b""


def test_connects_to_the_checked_address_and_resolves_once(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    server = serve(status(200))
    real = socket.getaddrinfo
    names: list[str] = []
    answers = iter(["127.0.0.1", "10.9.9.9", "10.9.9.9"])  # a rebinding resolver

    def rebinding(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        if host == "hooks.test":
            names.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
        return real(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    outcome = send(post(server.url(host="hooks.test")), limits())
    assert outcome.kind is OutcomeKind.DELIVERED and outcome.remote_address == "127.0.0.1"
    assert names == ["hooks.test"]
    assert server.requests[0].header("Host") == f"hooks.test:{server.port}"


# --- classification of answers --------------------------------------------------------------------


def test_503_is_retryable(serve: Serve) -> None:
    outcome = send(post(serve(status(503, b"busy")).url()), limits())
    assert (outcome.kind, outcome.status_code, outcome.error_kind) == (OutcomeKind.RETRYABLE, 503, "http_status")
    assert outcome.error == "HTTP 503 Service Unavailable" and outcome.response_snippet == "busy"
    assert outcome.retry_after is None


def test_429_with_retry_after_seconds(serve: Serve) -> None:
    outcome = send(post(serve(status(429, b"slow down", {"Retry-After": "7"})).url()), limits())
    assert (outcome.kind, outcome.status_code) == (OutcomeKind.RETRYABLE, 429)
    assert outcome.retry_after == 7.0 and outcome.response_headers["retry-after"] == "7"


def test_503_with_retry_after_http_date(serve: Serve) -> None:
    when = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 120))
    outcome = send(post(serve(status(503, b"", {"Retry-After": when})).url()), limits())
    assert outcome.retry_after is not None and 115 <= outcome.retry_after <= 120


def test_404_is_permanent(serve: Serve) -> None:
    outcome = send(post(serve(status(404, b"no such hook")).url()), limits())
    assert (outcome.kind, outcome.status_code, outcome.error_kind) == (OutcomeKind.PERMANENT, 404, "http_status")
    assert outcome.error == "HTTP 404 Not Found"


def test_410_is_gone(serve: Serve) -> None:
    outcome = send(post(serve(status(410)).url()), limits())
    assert (outcome.kind, outcome.status_code) == (OutcomeKind.GONE, 410)


def test_302_is_not_followed(serve: Serve) -> None:
    target = serve(status(200))
    server = serve(status(302, b"moved", {"Location": target.url("/elsewhere")}))
    outcome = send(post(server.url()), limits())
    assert (outcome.kind, outcome.status_code, outcome.error_kind) == (OutcomeKind.PERMANENT, 302, "redirect")
    assert outcome.response_headers["location"] == target.url("/elsewhere")
    assert len(server.requests) == 1 and target.requests == []


@pytest.mark.parametrize(
    ("code", "kind", "error_kind"),
    [
        (200, OutcomeKind.DELIVERED, None),
        (201, OutcomeKind.DELIVERED, None),
        (204, OutcomeKind.DELIVERED, None),
        (299, OutcomeKind.DELIVERED, None),
        (301, OutcomeKind.PERMANENT, "redirect"),
        (304, OutcomeKind.PERMANENT, "redirect"),
        (307, OutcomeKind.PERMANENT, "redirect"),
        (400, OutcomeKind.PERMANENT, "http_status"),
        (401, OutcomeKind.PERMANENT, "http_status"),
        (403, OutcomeKind.PERMANENT, "http_status"),
        (408, OutcomeKind.RETRYABLE, "http_status"),
        (410, OutcomeKind.GONE, "http_status"),
        (422, OutcomeKind.PERMANENT, "http_status"),
        (425, OutcomeKind.RETRYABLE, "http_status"),
        (429, OutcomeKind.RETRYABLE, "http_status"),
        (500, OutcomeKind.RETRYABLE, "http_status"),
        (502, OutcomeKind.RETRYABLE, "http_status"),
        (599, OutcomeKind.RETRYABLE, "http_status"),
        (600, OutcomeKind.PERMANENT, "protocol"),
        (199, OutcomeKind.PERMANENT, "protocol"),
    ],
)
def test_classify_status(code: int, kind: OutcomeKind, error_kind: str | None) -> None:
    assert classify_status(code)[:2] == (kind, error_kind)


# --- network failures never raise ---------------------------------------------------------------


def test_connection_refused_is_retryable(closed_port: int) -> None:
    outcome = send(post(f"http://127.0.0.1:{closed_port}/hook?token=s3cr3t"), limits())
    assert (outcome.kind, outcome.status_code, outcome.error_kind) == (OutcomeKind.RETRYABLE, None, "connect")
    assert outcome.error == "connection refused"
    assert outcome.latency_ms < 1000


def test_errors_never_echo_the_url_or_headers(closed_port: int) -> None:
    outcome = send(
        post(f"http://127.0.0.1:{closed_port}/p?token=s3cr3t", headers={"Authorization": "Bearer t0k"}), limits()
    )
    assert "s3cr3t" not in repr(outcome) and "t0k" not in repr(outcome)


def test_read_timeout(serve: Serve) -> None:
    server = serve(lambda h: h.server.state.stop.wait(3))
    outcome = send(post(server.url()), limits(read_timeout=0.5, deadline=5.0))
    assert (outcome.kind, outcome.status_code, outcome.error_kind) == (OutcomeKind.RETRYABLE, None, "timeout")
    assert outcome.error == "read timed out"
    assert 450 <= outcome.latency_ms < 1500


def trickle(h: ScriptedHandler, data: bytes, every: float) -> None:
    for byte in data:
        if h.server.state.stop.wait(every):
            return
        h.raw(bytes([byte]))


def test_body_trickled_past_the_deadline_is_cut(serve: Serve) -> None:
    def slow_body(h: ScriptedHandler) -> None:
        h.raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n")
        trickle(h, b"x" * 100, every=0.2)

    started = time.monotonic()
    outcome = send(post(serve(slow_body).url()), limits(read_timeout=1.0, deadline=1.5))
    assert time.monotonic() - started < 1.5 + 1
    assert 1400 <= outcome.latency_ms < 2500
    # The status line arrived: the webhook was delivered, only the body was cut.
    assert (outcome.kind, outcome.status_code, outcome.error_kind) == (OutcomeKind.DELIVERED, 200, "deadline")
    assert 3 <= len(outcome.response_snippet) <= 9 and set(outcome.response_snippet) == {"x"}


def test_headers_trickled_past_the_deadline_are_cut(serve: Serve) -> None:
    def slow_headers(h: ScriptedHandler) -> None:
        h.raw(b"HTTP/1.1 200 OK\r\n")
        trickle(h, b"X-Slow: " + b"y" * 200, every=0.2)

    started = time.monotonic()
    outcome = send(post(serve(slow_headers).url()), limits(read_timeout=1.0, deadline=1.5))
    assert time.monotonic() - started < 1.5 + 1
    assert (outcome.kind, outcome.status_code, outcome.error_kind) == (OutcomeKind.RETRYABLE, None, "deadline")
    assert outcome.error == "no complete response within the 1.5 s deadline"


def test_tls_handshake_trickled_past_the_deadline_is_cut(
    serve_raw: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    def slow_handshake(conn: socket.socket, stop: threading.Event) -> None:
        conn.recv(4096)  # the ClientHello
        conn.sendall(b"\x16\x03\x03\x40\x00")  # a handshake record announcing 16 KiB...
        while not stop.wait(0.2):
            conn.sendall(b"\x00")  # ...that arrives one byte at a time

    port = serve_raw(slow_handshake)
    resolve_to_loopback(monkeypatch, "hooks.test")
    started = time.monotonic()
    outcome = send(post(f"https://hooks.test:{port}/hook"), limits(connect_timeout=5.0, deadline=1.5))
    assert time.monotonic() - started < 1.5 + 1
    assert (outcome.kind, outcome.status_code, outcome.error_kind) == (OutcomeKind.RETRYABLE, None, "deadline")


def test_endless_response_capped_at_max_response_bytes(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    def endless(h: ScriptedHandler) -> None:
        h.raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n")
        while not h.server.state.stop.is_set():
            h.raw(b"z" * 65536)

    read_sizes: list[int] = []
    original = urllib3.response.HTTPResponse.read1

    def counting_read1(self: urllib3.response.HTTPResponse, *args: object, **kwargs: object) -> bytes:
        data = original(self, *args, **kwargs)  # type: ignore[arg-type]
        read_sizes.append(len(data))
        return data

    monkeypatch.setattr(urllib3.response.HTTPResponse, "read1", counting_read1)
    started = time.monotonic()
    outcome = send(post(serve(endless).url()), limits(max_response_bytes=100_000))
    assert time.monotonic() - started < 2
    assert (outcome.kind, outcome.status_code, outcome.error_kind) == (OutcomeKind.DELIVERED, 200, None)
    assert sum(read_sizes) == 100_000
    assert outcome.response_snippet == "z" * 1024


def test_snippet_decoded_with_replacement(serve: Serve) -> None:
    outcome = send(post(serve(status(500, b"\xff\xfe bad \xc3\xa9" + b"a" * 2000)).url()), limits())
    assert outcome.response_snippet.startswith("\ufffd\ufffd bad é")
    assert len(outcome.response_snippet) == 1024


# --- SSRF at send time --------------------------------------------------------------------------


def test_loopback_blocked_at_send_time_without_connecting(serve: Serve) -> None:
    server = serve(status(200))
    outcome = send(post(server.url()), limits(allow=()))
    assert (outcome.kind, outcome.status_code, outcome.error_kind) == (OutcomeKind.PERMANENT, None, "blocked")
    assert outcome.error == "127.0.0.1 is loopback"
    time.sleep(0.1)
    assert server.state.connections == 0 and server.requests == []


def test_credentials_blocked(serve: Serve) -> None:
    server = serve(status(200))
    outcome = send(post(server.url(host="user:pw@127.0.0.1")), limits())
    assert (outcome.kind, outcome.error_kind) == (OutcomeKind.PERMANENT, "blocked")
    assert "pw" not in (outcome.error or "") and server.state.connections == 0


def test_unresolvable_host_is_retryable_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    def nxdomain(*args: object, **kwargs: object) -> list[tuple]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", nxdomain)
    outcome = send(post("https://nowhere.test/hook"), limits())
    assert (outcome.kind, outcome.error_kind) == (OutcomeKind.RETRYABLE, "dns")
    assert outcome.error == "host nowhere.test does not resolve"


def test_invalid_header_is_permanent_and_sends_nothing(serve: Serve) -> None:
    server = serve(status(200))
    outcome = send(post(server.url(), headers={"X-Bad": "line\r\nInjected: yes"}), limits())
    assert (outcome.kind, outcome.error_kind) == (OutcomeKind.PERMANENT, "protocol")
    assert "Injected" not in (outcome.error or "") and server.state.connections == 0


def test_invalid_method_is_permanent_and_sends_nothing(serve: Serve) -> None:
    server = serve(status(200))
    outcome = send(OutboundRequest(server.url(), "PO ST", {}, b""), limits())
    assert (outcome.kind, outcome.error_kind) == (OutcomeKind.PERMANENT, "protocol")
    assert server.state.connections == 0


def test_non_ascii_header_values_sent_as_utf8(serve: Serve) -> None:
    server = serve(status(200))
    outcome = send(post(server.url(), headers={"X-Name": "café 日本"}), limits())
    assert outcome.kind is OutcomeKind.DELIVERED
    # http.server decodes header bytes as latin-1; undo that to see the bytes on the wire.
    assert server.requests[0].header("X-Name").encode("latin-1") == "café 日本".encode()


def test_garbage_instead_of_http_is_retryable_protocol(serve: Serve) -> None:
    server = serve(lambda h: h.raw(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"))
    outcome = send(post(server.url()), limits())
    assert (outcome.kind, outcome.status_code, outcome.error_kind) == (OutcomeKind.RETRYABLE, None, "protocol")


def test_body_shorter_than_content_length(serve: Serve) -> None:
    def short(h: ScriptedHandler) -> None:
        h.raw(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 100\r\n\r\nonly this")
        h.close_connection = True

    outcome = send(post(serve(short).url()), limits())
    assert (outcome.kind, outcome.status_code, outcome.error_kind) == (OutcomeKind.RETRYABLE, 503, "http_status")
    assert outcome.response_snippet == "only this"


def test_2xx_with_broken_body_is_delivered_and_says_so(serve: Serve) -> None:
    def short(h: ScriptedHandler) -> None:
        h.raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        h.close_connection = True

    outcome = send(post(serve(short).url()), limits())
    assert (outcome.kind, outcome.status_code, outcome.error_kind) == (OutcomeKind.DELIVERED, 200, "protocol")
    assert outcome.response_snippet == "partial"


def test_next_address_tried_after_a_failed_connect(
    serve: Serve, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve(status(200))
    real = socket.getaddrinfo

    def two_answers(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        if host == "multi.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in ("127.0.0.2", "127.0.0.1")]
        return real(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", two_answers)
    # Nothing listens on 127.0.0.2:<port> (the server is bound to 127.0.0.1 only).
    outcome = send(post(server.url(host="multi.test")), limits())
    assert outcome.kind is OutcomeKind.DELIVERED and outcome.remote_address == "127.0.0.1"
    assert len(server.requests) == 1


# --- sessions ------------------------------------------------------------------------------------


def test_shared_session_reuses_the_connection(serve: Serve) -> None:
    server = serve(status(200, b"ok"))
    with make_session() as session:
        first = send(post(server.url()), limits(), session)
        second = send(post(server.url()), limits(), session)
    assert first.kind is second.kind is OutcomeKind.DELIVERED
    assert len(server.requests) == 2 and server.state.connections == 1


def test_plain_session_refused() -> None:
    import requests

    with pytest.raises(TypeError):
        send(post("http://127.0.0.1:9/"), limits(), requests.Session())


# --- https: SNI and certificate checked against the name, connection pinned to the IP -------------


def resolve_to_loopback(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    real = socket.getaddrinfo

    def fake(host: str, port: int, *args: object, **kwargs: object) -> list[tuple]:
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_pinned_pool_keeps_the_tls_name() -> None:
    target = check_url("https://hooks.example.com:8443/in?a=1", resolve=False)
    prepared = prepare(post("https://hooks.example.com:8443/in?a=1"), target, "93.184.216.34")
    assert prepared.url == "https://93.184.216.34:8443/in?a=1"
    assert prepared.headers["Host"] == "hooks.example.com:8443"
    with make_session() as session:
        adapter = session.get_adapter(prepared.url)
        pool = adapter.get_connection_with_tls_context(prepared, verify=True)
        assert (pool.host, pool.port, pool.scheme) == ("93.184.216.34", 8443, "https")
        assert pool.conn_kw["server_hostname"] == "hooks.example.com"
        assert pool.assert_hostname == "hooks.example.com"
        other = prepare(
            post("https://other.example.com:8443/"),
            check_url("https://other.example.com:8443/", resolve=False),
            "93.184.216.34",
        )
        assert adapter.get_connection_with_tls_context(other, verify=True) is not pool


def test_https_verifies_the_name_over_the_pinned_ip(serve: Serve, pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    resolve_to_loopback(monkeypatch, "hooks.test")
    server = serve(status(200, b"secure"), tls=pki.server_context("hooks.test"))
    outcome = send(post(server.url(host="hooks.test")), limits(ca_bundle=str(pki.ca_file)))
    assert (outcome.kind, outcome.status_code, outcome.response_snippet) == (OutcomeKind.DELIVERED, 200, "secure")
    assert server.state.sni == ["hooks.test"]
    assert server.requests[0].header("Host") == f"hooks.test:{server.port}"


def test_https_wrong_name_is_a_tls_error(serve: Serve, pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    resolve_to_loopback(monkeypatch, "other.test")
    server = serve(status(200), tls=pki.server_context("hooks.test"))
    outcome = send(post(server.url(host="other.test")), limits(ca_bundle=str(pki.ca_file)))
    assert (outcome.kind, outcome.status_code, outcome.error_kind) == (OutcomeKind.RETRYABLE, None, "tls")
    assert "other.test" in (outcome.error or "") and server.requests == []


def test_https_unknown_ca_is_a_tls_error(serve: Serve, pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    resolve_to_loopback(monkeypatch, "hooks.test")
    server = serve(status(200), tls=pki.server_context("hooks.test"))
    outcome = send(post(server.url(host="hooks.test")), limits())
    assert (outcome.kind, outcome.error_kind) == (OutcomeKind.RETRYABLE, "tls")
    assert outcome.error is not None and "certificate" in outcome.error.lower()
    assert server.requests == []
