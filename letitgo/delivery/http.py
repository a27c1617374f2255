"""Send one HTTP attempt and classify what happened.

``send`` never raises for network trouble: every attempt ends in an ``Outcome``. It checks the URL
with the SSRF guard at send time, connects only to the checked addresses, never follows
redirects, stops at a total deadline and reads at most ``max_response_bytes`` of the answer.

The outcome's ``kind`` comes from the status line whenever one arrived: a 2xx whose body was cut
by the deadline is still DELIVERED (``error_kind`` then says what happened to the body), so a
slow body never causes a duplicate delivery.
"""

from __future__ import annotations

import dataclasses
import http
import re
import ssl
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import requests
import urllib3
from urllib3.util.ssl_match_hostname import CertificateError as HostnameMismatch

from letitgo.delivery.deadline import Deadline
from letitgo.delivery.transport import make_session, pinned_adapter
from letitgo.errors import ValidationError
from letitgo.retry import parse_retry_after
from letitgo.ssrf import IPNetwork, Target, UnresolvableHostError, check_url

USER_AGENT = "LetItGo-Webhooks/1"
SNIPPET_CHARS = 1024
# x-webhook-signature: the receiver's answer to the Go-compatible endpoint verification.
KEPT_RESPONSE_HEADERS = (
    "content-type",
    "retry-after",
    "location",
    "x-request-id",
    "content-length",
    "x-webhook-signature",
)
_CHUNK = 16384
_HEADER_VALUE_CHARS = 256
# Headers the transport owns: framing, connection management, and the pinned Host.
_OWNED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "upgrade",
        "trailer",
        "proxy-authorization",
        "proxy-connection",
        "accept-encoding",
    }
)
_RETRYABLE_4XX = frozenset({408, 425, 429})
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class OutcomeKind(StrEnum):
    """How an attempt ended, as far as retrying is concerned."""

    DELIVERED = "delivered"
    RETRYABLE = "retryable"
    PERMANENT = "permanent"
    GONE = "gone"


@dataclass
class OutboundRequest:
    """Exactly what to send: the stored request, plus signature headers."""

    url: str
    method: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Limits:
    """Time and size bounds for one attempt, and networks the SSRF guard lets through.

    ca_bundle: a CA file or directory for https receivers with an internal CA (None: certifi).
    """

    connect_timeout: float
    read_timeout: float
    deadline: float
    max_response_bytes: int
    allow: tuple[IPNetwork, ...] = ()
    ca_bundle: str | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        """Limits from LETITGO_CONNECT_TIMEOUT, _READ_TIMEOUT, _ATTEMPT_DEADLINE, ... settings."""
        return cls(
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            deadline=settings.attempt_deadline,
            max_response_bytes=settings.max_response_bytes,
            allow=tuple(settings.ssrf_allow_networks),
        )


@dataclass
class Outcome:
    """The result of one attempt. ``error`` is short and never contains request headers."""

    kind: OutcomeKind
    status_code: int | None
    latency_ms: float
    error_kind: str | None = None
    error: str | None = None
    response_snippet: str = ""
    response_headers: dict[str, str] = field(default_factory=dict)
    retry_after: float | None = None
    remote_address: str | None = None


def send(req: OutboundRequest, limits: Limits, session: requests.Session | None = None) -> Outcome:
    """Make one attempt; ``session`` (from ``make_session``) lets connections be reused."""
    started = time.monotonic()
    own_session = session is None
    active = make_session() if session is None else session
    try:
        with Deadline(limits.deadline) as deadline:
            outcome = _attempt(req, limits, active, deadline)
    finally:
        if own_session:
            active.close()
    return dataclasses.replace(outcome, latency_ms=(time.monotonic() - started) * 1000)


def _attempt(req: OutboundRequest, limits: Limits, session: requests.Session, deadline: Deadline) -> Outcome:
    try:
        target = check_url(req.url, limits.allow, resolve_timeout=deadline.remaining())
    except UnresolvableHostError as exc:
        return _failure(OutcomeKind.RETRYABLE, "dns", exc.message)
    except ValidationError as exc:
        return _failure(OutcomeKind.PERMANENT, "blocked", exc.message)
    outcome = _failure(OutcomeKind.RETRYABLE, "connect", "no address to connect to")
    # Only a failed connect moves on to the next address: the request was certainly not sent.
    for address in target.addresses:
        outcome = _try_address(req, target, address, limits, session, deadline)
        if outcome.error_kind != "connect" or deadline.expired:
            break
    return outcome


def _try_address(
    req: OutboundRequest,
    target: Target,
    address: str,
    limits: Limits,
    session: requests.Session,
    deadline: Deadline,
) -> Outcome:
    try:
        prepared = prepare(req, target, address)
    except (requests.RequestException, ValueError, TypeError, UnicodeError):
        return _failure(OutcomeKind.PERMANENT, "protocol", "the request cannot be built (invalid method or headers)")
    outcome = _exchange(pinned_adapter(session, prepared.url or ""), prepared, limits, deadline)
    return dataclasses.replace(outcome, remote_address=address)


def prepare(req: OutboundRequest, target: Target, address: str) -> requests.PreparedRequest:
    """The request addressed to ``address``, with the original host as Host header (and SNI).

    Raises ValueError (or requests' InvalidHeader) for a method or header that cannot be sent.
    """
    if not _TOKEN.match(req.method):
        raise ValueError("invalid HTTP method")
    headers: dict[str, str | bytes] = {
        k: _header_value(v) for k, v in req.headers.items() if k.lower() not in _OWNED_HEADERS
    }
    if not any(k.lower() == "user-agent" for k in headers):
        headers["User-Agent"] = USER_AGENT
    headers["Host"] = target.host_header
    # Compressed answers would make max_response_bytes count compressed bytes and the snippet
    # unreadable; ask for the plain body.
    headers["Accept-Encoding"] = "identity"
    netloc = f"[{address}]" if ":" in address else address
    url = f"{target.scheme}://{netloc}:{target.port}{target.path_and_query}"
    return requests.Request(req.method.upper(), url, headers=headers, data=req.body or None).prepare()


def _header_value(value: str) -> str | bytes:
    # http.client would encode str values as latin-1 and fail on anything else; send UTF-8
    # bytes instead, as most HTTP clients do.
    return value if value.isascii() else value.encode("utf-8")


def _exchange(
    adapter: requests.adapters.HTTPAdapter,
    prepared: requests.PreparedRequest,
    limits: Limits,
    deadline: Deadline,
) -> Outcome:
    timeout = (deadline.timeout(limits.connect_timeout), deadline.timeout(limits.read_timeout))
    try:
        response = adapter.send(prepared, stream=True, timeout=timeout, verify=limits.ca_bundle or True, proxies={})
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
        error_kind, error = _describe_exception(exc, deadline)
        return _failure(OutcomeKind.RETRYABLE, error_kind, error)
    if deadline.expired:
        # Cut while reading the head: http.client takes EOF for the end of the headers, so this
        # "response" may be a truncated one. Not knowing, retry (webhook-id lets receivers dedupe).
        response.close()
        return _failure(OutcomeKind.RETRYABLE, "deadline", _deadline_message(deadline))
    try:
        return _read_response(response, limits, deadline)
    finally:
        response.close()  # after a full read the connection is already back in the pool


def _read_response(response: requests.Response, limits: Limits, deadline: Deadline) -> Outcome:
    status = response.status_code
    headers = kept_headers(response.headers)
    body, body_problem = _read_body(response.raw, limits, deadline)
    kind, error_kind, error = classify_status(status)
    if error_kind is None and body_problem is not None:
        error_kind, error = body_problem
    return Outcome(
        kind=kind,
        status_code=status,
        latency_ms=0.0,
        error_kind=error_kind,
        error=error,
        response_snippet=body[: SNIPPET_CHARS * 4].decode("utf-8", "replace")[:SNIPPET_CHARS],
        response_headers=headers,
        retry_after=parse_retry_after(headers.get("retry-after"), datetime.now(UTC)),
    )


def _read_body(
    raw: urllib3.BaseHTTPResponse, limits: Limits, deadline: Deadline
) -> tuple[bytes, tuple[str, str] | None]:
    """Read up to max_response_bytes; read1 returns per arrival so the deadline is checked often."""
    body = bytearray()
    try:
        while len(body) < limits.max_response_bytes:
            if deadline.expired:
                break
            deadline.tighten(limits.read_timeout)
            chunk = raw.read1(min(_CHUNK, limits.max_response_bytes - len(body)), decode_content=False)
            if not chunk:
                break
            body += chunk
    except (urllib3.exceptions.HTTPError, requests.RequestException, OSError) as exc:
        return bytes(body), _describe_exception(exc, deadline)
    if deadline.expired:  # a shut-down socket can look like a normal end of body
        return bytes(body), ("deadline", f"response body cut at the {deadline.seconds:g} s deadline")
    return bytes(body), None


def classify_status(status: int) -> tuple[OutcomeKind, str | None, str | None]:
    """(kind, error_kind, error) for an HTTP status code."""
    label = _status_label(status)
    if 200 <= status < 300:
        return OutcomeKind.DELIVERED, None, None
    if status == 410:
        return OutcomeKind.GONE, "http_status", label
    if 300 <= status < 400:
        return OutcomeKind.PERMANENT, "redirect", f"{label}: redirects are not followed"
    if status in _RETRYABLE_4XX or 500 <= status < 600:
        return OutcomeKind.RETRYABLE, "http_status", label
    if 400 <= status < 500:
        return OutcomeKind.PERMANENT, "http_status", label
    return OutcomeKind.PERMANENT, "protocol", f"unexpected status {status}"


def _status_label(status: int) -> str:
    try:
        return f"HTTP {status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The response headers worth recording, lower-cased names, values shortened."""
    kept = {}
    for name in KEPT_RESPONSE_HEADERS:
        value = headers.get(name)
        if value is not None:
            kept[name] = value[:_HEADER_VALUE_CHARS]
    return kept


def _failure(kind: OutcomeKind, error_kind: str, error: str) -> Outcome:
    return Outcome(kind=kind, status_code=None, latency_ms=0.0, error_kind=error_kind, error=error)


def _describe_exception(exc: BaseException, deadline: Deadline) -> tuple[str, str]:
    """(error_kind, error) without the URL: requests' messages carry the path and query."""
    if deadline.expired:
        return "deadline", _deadline_message(deadline)
    tls = _find(exc, ssl.CertificateError) or _find(exc, HostnameMismatch) or _find(exc, ssl.SSLError)
    if tls is not None or isinstance(exc, requests.exceptions.SSLError):
        return "tls", _tls_message(tls)
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connect", "connect timed out"
    if _find(exc, urllib3.exceptions.NewConnectionError) is not None:
        return "connect", _connect_message(exc)
    if isinstance(exc, requests.exceptions.ReadTimeout) or _find(exc, TimeoutError) is not None:
        return "timeout", "read timed out"
    return "protocol", "no valid HTTP response (connection closed, broken or not speaking HTTP)"


def _deadline_message(deadline: Deadline) -> str:
    return f"no complete response within the {deadline.seconds:g} s deadline"


def _connect_message(exc: BaseException) -> str:
    if _find(exc, ConnectionRefusedError) is not None:
        return "connection refused"
    os_error = _find(exc, OSError)
    if os_error is not None and os_error.strerror:
        return f"connect failed: {os_error.strerror.lower()}"
    return "connect failed"


def _tls_message(error: BaseException | None) -> str:
    if isinstance(error, ssl.SSLCertVerificationError) and error.verify_message:
        return f"TLS certificate rejected: {error.verify_message}"
    if isinstance(error, HostnameMismatch) and error.args:
        return f"TLS certificate rejected: {str(error.args[0])[:200]}"
    if isinstance(error, ssl.SSLError) and error.reason:
        return f"TLS failed: {error.reason}"
    return "TLS failed"


def _find(exc: BaseException, kind: type[BaseException]) -> Any:
    """The first exception of ``kind`` in ``exc``'s chain (cause, context, wrapped reason)."""
    for candidate in _chain(exc):
        if isinstance(candidate, kind):
            return candidate
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        linked += [a for a in current.args if isinstance(a, BaseException)]
        pending += [e for e in linked if isinstance(e, BaseException)]
