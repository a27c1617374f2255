"""Signatures on outgoing webhooks, and the challenge that proves a receiver holds its secret.

Two schemes live here:

- ``url_signature``: the Go project's ``/webhook/verify`` check, kept as it was:
  hex HMAC-SHA256 of the URL under the server-wide ``WEBHOOK_SECRET_KEY``.
- Standard Webhooks (https://www.standardwebhooks.com/): per-endpoint ``whsec_`` secrets,
  ``webhook-id`` / ``webhook-timestamp`` / ``webhook-signature`` headers, and ``v1,<base64>``
  signatures over ``{id}.{timestamp}.{body}``. Several secrets may sign at once so a secret can
  be rotated without a window where the receiver rejects deliveries.

Challenge responses use a key derived from the endpoint secret, never the secret itself: a
receiver answers challenges for anyone who asks, and with the same key an attacker could send
``"{id}.{ts}.{body}"`` as a "challenge" and get back a valid message signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as _random
import time

from letitgo.errors import ValidationError

SECRET_PREFIX = "whsec_"  # noqa: S105 - the Standard Webhooks prefix, not a secret
SECRET_BYTES = 24
SIGNATURE_VERSION = "v1"
_CHALLENGE_KEY_LABEL = b"letitgo endpoint challenge v1"


def url_signature(secret_key: str, url: str) -> str:
    """Hex HMAC-SHA256 of ``url`` under ``secret_key`` (the Go project's verify scheme)."""
    return hmac.new(secret_key.encode(), url.encode(), hashlib.sha256).hexdigest()


def generate_secret() -> str:
    """A new endpoint secret: ``whsec_`` followed by base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(_random.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a ``whsec_`` secret (the prefix is optional)."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("secret", "not a valid whsec_ secret (expected base64)") from None
    if not key:
        raise ValidationError("secret", "secret is empty")
    return key


def signed_content(msg_id: str, timestamp: int, body: bytes) -> bytes:
    """The exact bytes a Standard Webhooks signature covers."""
    return f"{msg_id}.{timestamp}.".encode() + body


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One signature, ``v1,<base64 HMAC-SHA256>``."""
    digest = hmac.new(secret_key(secret), signed_content(msg_id, timestamp, body), hashlib.sha256)
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest.digest()).decode()}"


def signature_header(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one signature per secret, space-separated."""
    if not secrets:
        raise ValidationError("secrets", "at least one secret is required to sign")
    return " ".join(sign(s, msg_id, timestamp, body) for s in secrets)


def webhook_headers(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one delivery."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets, msg_id, timestamp, body),
    }


def make_challenge(now: float | None = None) -> str:
    """A fresh challenge, ``"<unix_ts>.<random>"``; the timestamp lets stale answers be refused."""
    issued = int(time.time() if now is None else now)
    return f"{issued}.{_random.token_urlsafe(SECRET_BYTES)}"


def challenge_response(secret: str, challenge: str) -> str:
    """Base64 HMAC-SHA256 of ``challenge`` under a key derived from ``secret``."""
    key = hmac.new(secret_key(secret), _CHALLENGE_KEY_LABEL, hashlib.sha256).digest()
    digest = hmac.new(key, challenge.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def challenge_issued_at(challenge: str) -> int | None:
    """The unix time a challenge from ``make_challenge`` was issued, or None if malformed."""
    stamp, sep, nonce = challenge.partition(".")
    if not sep or not nonce or not stamp.isdigit():
        return None
    return int(stamp)


def check_challenge_response(
    secret: str, challenge: str, answer: str, max_age: int = 300, now: float | None = None
) -> bool:
    """True when ``answer`` is the right response to ``challenge`` and the challenge is fresh.

    ``max_age`` bounds the challenge's age in both directions (clock skew between workers).
    """
    issued = challenge_issued_at(challenge)
    current = time.time() if now is None else now
    if issued is None or abs(current - issued) > max_age:
        return False
    expected = challenge_response(secret, challenge)
    return hmac.compare_digest(expected.encode(), answer.encode("utf-8", "replace"))
