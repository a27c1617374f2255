"""Endpoints: register one (issuing its signing secret), prove it by challenge–response, rotate its secret,
re-enable it, and describe its state and health.

The challenge flow: we POST ``{"type": "webhook.challenge", "challenge": "<unix ts>.<random>"}``, signed
like a delivery, and the receiver answers ``{"challenge_response": answer_challenge(secret, challenge)}``.
Every challenge is fresh and carries its issue time, so an answer captured once is worthless later.

Changes to an endpoint's secrets read, modify and write a sealed list; a Redis lock per endpoint keeps two
concurrent rotations from losing a secret (conditional updates are not atomic on FerretDB).
"""

from __future__ import annotations

import json
import secrets as _random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from letitgo import endpoint_secrets, signing, ssrf, storage
from letitgo.breaker import endpoint_key
from letitgo.delivery.http import OutboundRequest, Outcome, send
from letitgo.endpoint_secrets import StoredSecret
from letitgo.errors import ConflictError, CryptoError, NotFoundError, UnavailableError, ValidationError
from letitgo.models import Endpoint
from letitgo.runtime import Runtime

DNS_TIMEOUT = 5.0  # seconds an API request may wait on the resolver
CHALLENGE_MAX_AGE = 300  # seconds a challenge answer stays acceptable
ANSWER_BYTES = 4096
USER_AGENT = "LetItGo-Webhooks/1.0"


@dataclass
class Issued:
    """A secret just created: shown to the caller once, never again."""

    endpoint: Endpoint
    secret: str

    @property
    def secret_id(self) -> str:
        return endpoint_secrets.secret_id(self.secret)


def check_url(url: str, rt: Runtime, field: str = "webhook_url") -> None:
    """SSRF guard for a URL given in ``field``."""
    try:
        ssrf.check_url(url, rt.settings.ssrf_allow_networks, resolve_timeout=DNS_TIMEOUT)
    except ValidationError as exc:
        if field == exc.field:
            raise
        raise type(exc)(field, exc.message) from None


def register(url: str, rt: Runtime) -> Issued:
    """Create the endpoint and its first signing secret (409 when it already has one)."""
    check_url(url, rt)
    with _locked(url, rt):
        existing = storage.get_endpoint(url)
        if existing is not None and existing.sealed_secrets:
            raise ConflictError(
                f"webhook_url: endpoint {existing.pk} is already registered; "
                "POST /endpoints/rotate-secret issues a new secret"
            )
        secret = signing.generate_secret()
        ring = [StoredSecret(secret, int(time.time()), None)]
        endpoint = storage.register_endpoint(url, endpoint_secrets.seal(rt.cipher, url, ring))
    return Issued(endpoint, secret)


def verify(url: str, rt: Runtime) -> Endpoint:
    """Send a fresh challenge; mark the endpoint verified when the answer proves it holds a current secret."""
    check_url(url, rt)
    endpoint = _require(url)
    current = _active(endpoint, rt)
    if not current:
        raise ValidationError("webhook_url", "endpoint has no signing secret yet: register it with POST /endpoints")
    challenge = signing.make_challenge()
    outcome = send(_challenge_request(url, challenge, current), replace(rt.limits, max_response_bytes=ANSWER_BYTES))
    answer = _answer(outcome)
    if not any(signing.check_challenge_response(s.secret, challenge, answer, CHALLENGE_MAX_AGE) for s in current):
        raise ValidationError("webhook_url", "challenge failed: challenge_response does not match a current secret")
    endpoint = storage.save_endpoint(url, "challenge", None)
    rt.breaker.reset(url)
    return endpoint


def _challenge_request(url: str, challenge: str, current: list[StoredSecret]) -> OutboundRequest:
    body = json.dumps({"type": "webhook.challenge", "challenge": challenge}).encode()
    msg_id = "chl_" + _random.token_urlsafe(12)
    headers = {"User-Agent": USER_AGENT, "Content-Type": "application/json"}
    headers.update(signing.webhook_headers([s.secret for s in current], msg_id, int(time.time()), body))
    return OutboundRequest(url, "POST", headers, body)


def _answer(outcome: Outcome) -> str:
    """The receiver's ``challenge_response``, or a 400 saying what was wrong with its answer."""
    if outcome.status_code is None:
        raise ValidationError("webhook_url", f"challenge request failed: {outcome.error_kind}: {outcome.error}")
    if not 200 <= outcome.status_code < 300:
        raise ValidationError("webhook_url", f"challenge failed: the receiver answered HTTP {outcome.status_code}")
    try:
        answer = json.loads(outcome.response_snippet).get("challenge_response")
    except (ValueError, AttributeError):
        answer = None
    if not isinstance(answer, str) or not answer:
        raise ValidationError("webhook_url", 'challenge failed: expected a JSON answer {"challenge_response": "..."}')
    return answer


def rotate_secret(url: str, overlap: int, rt: Runtime) -> Issued:
    """Issue a new secret; the ones in use keep signing for ``overlap`` more seconds, then stop."""
    with _locked(url, rt):
        endpoint = _require(url)
        ring = _ring(endpoint, rt)
        secret = signing.generate_secret()
        rotated = endpoint_secrets.rotate(ring, secret, time.time(), overlap)
        storage.set_endpoint_secrets(url, endpoint_secrets.seal(rt.cipher, url, rotated))
    return Issued(_require(url), secret)


def enable(url: str, rt: Runtime) -> Endpoint:
    """Re-enable a disabled endpoint and close its circuit."""
    _require(url)
    storage.enable_endpoint(url)
    rt.breaker.reset(url)
    return _require(url)


def signing_secrets(url: str, rt: Runtime, now: float | None = None) -> list[str]:
    """The secrets that sign a delivery to ``url`` now (two or more during a rotation's overlap)."""
    endpoint = storage.get_endpoint(url)
    if endpoint is None or not endpoint.sealed_secrets:
        return []
    ring = endpoint_secrets.open_sealed(rt.cipher, url, endpoint.sealed_secrets)
    return [s.secret for s in endpoint_secrets.active(ring, time.time() if now is None else now)]


def list_page(url: str | None, limit: int, cursor: str | None) -> tuple[list[Endpoint], str | None]:
    docs = storage.list_endpoints(url, limit + 1, cursor)
    more = len(docs) > limit
    docs = docs[:limit]
    return docs, (str(docs[-1].pk) if more and docs else None)


def describe(endpoint: Endpoint, rt: Runtime) -> dict[str, Any]:
    """State, health and secret ids (never the secrets) of an endpoint."""
    circuit = rt.breaker.circuit(endpoint.url)
    state, reason = endpoint.state or "active", endpoint.state_reason
    if state == "active" and circuit.state != "closed":
        state, reason = f"circuit_{circuit.state}", circuit.reason
    try:
        ring = _ring(endpoint, rt)
        secrets_error = None
    except CryptoError:
        ring, secrets_error = [], "the stored secrets do not open with the configured keys"
    now = time.time()
    return {
        "endpoint": endpoint,
        "state": state,
        "state_reason": reason,
        "circuit": circuit,
        "secrets": [
            {"id": s.id, "created_at": s.created_at, "expires_at": s.expires_at, "active": s.active(now)} for s in ring
        ],
        "secrets_error": secrets_error,
    }


def _ring(endpoint: Endpoint, rt: Runtime) -> list[StoredSecret]:
    if not endpoint.sealed_secrets:
        return []
    return endpoint_secrets.open_sealed(rt.cipher, endpoint.url, endpoint.sealed_secrets)


def _active(endpoint: Endpoint, rt: Runtime) -> list[StoredSecret]:
    return endpoint_secrets.active(_ring(endpoint, rt), time.time())


def _require(url: str) -> Endpoint:
    endpoint = storage.get_endpoint(url)
    if endpoint is None:
        raise NotFoundError("webhook_url: no endpoint is registered for this URL (POST /endpoints)", "webhook_url")
    return endpoint


@contextmanager
def _locked(url: str, rt: Runtime, wait: float = 5.0) -> Iterator[None]:
    name = "endpoint-secrets:" + endpoint_key(url)
    deadline = time.monotonic() + wait
    token = rt.cache.acquire(name, 10)
    while token is None:
        if time.monotonic() > deadline:
            raise UnavailableError("another change to this endpoint is in progress; try again")
        time.sleep(0.05)
        token = rt.cache.acquire(name, 10)
    try:
        yield
    finally:
        rt.cache.release(name, token)
