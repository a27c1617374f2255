"""Verify LetItGo webhooks in your own web app.

LetItGo signs every delivery the Standard Webhooks way: three headers, ``webhook-id`` (the same
on every retry, so you can drop duplicates), ``webhook-timestamp`` (unix seconds) and
``webhook-signature`` (one or more ``v1,<base64>`` entries; during a secret rotation both the old
and the new secret sign). Pass the raw body bytes, exactly as received, before any JSON parsing.

Example with Flask::

    from flask import Flask, abort, request
    from letitgo.receiver import WebhookVerificationError, verify

    app = Flask(__name__)
    SECRET = "whsec_..."  # from the LetItGo endpoint; a list of secrets while rotating

    @app.post("/webhooks/letitgo")
    def letitgo_webhook():
        try:
            verify(SECRET, request.headers, request.get_data())
        except WebhookVerificationError as exc:
            abort(400, exc.reason)
        handle(request.get_json())  # your code; deduplicate on request.headers["webhook-id"]
        return "", 204

Endpoint verification: LetItGo sends a challenge string; answer it with
``answer_challenge(secret, challenge)``. ``examples/receiver_flask.py`` shows a full receiver.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping

from letitgo.errors import LetItGoError
from letitgo.signing import SIGNATURE_VERSION, challenge_response, sign

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"


class WebhookVerificationError(LetItGoError):
    """A received webhook failed verification; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def verify(
    secrets: str | list[str],
    headers: Mapping[str, str],
    body: bytes,
    tolerance: int = 300,
    now: int | None = None,
) -> None:
    """Return if the webhook is authentic and fresh; raise WebhookVerificationError otherwise.

    secrets: one ``whsec_`` secret, or several while rotating (any one may match).
    tolerance: seconds the timestamp may differ from ``now`` in either direction.
    """
    if isinstance(body, str):
        raise TypeError("pass the raw request body as bytes, not str")
    msg_id, timestamp, signatures = _read_headers(headers)
    _check_timestamp(timestamp, tolerance, int(time.time()) if now is None else now)
    candidates = [secrets] if isinstance(secrets, str) else list(secrets)
    if not candidates:
        raise WebhookVerificationError("no secret configured")
    if not _any_signature_matches(candidates, msg_id, timestamp, body, signatures):
        raise WebhookVerificationError("no matching signature")


def answer_challenge(secret: str, challenge: str) -> str:
    """The response LetItGo expects for ``challenge`` (proves you hold ``secret``)."""
    return challenge_response(secret, challenge)


def _read_headers(headers: Mapping[str, str]) -> tuple[str, int, list[str]]:
    lowered = {str(k).lower(): v for k, v in headers.items()}
    values = []
    for name in (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER):
        value = lowered.get(name)
        if not value or not value.strip():
            raise WebhookVerificationError(f"missing header {name}")
        values.append(value.strip())
    msg_id, raw_timestamp, raw_signatures = values
    try:
        timestamp = int(raw_timestamp)
    except ValueError:
        raise WebhookVerificationError(f"invalid header {TIMESTAMP_HEADER}") from None
    return msg_id, timestamp, raw_signatures.split()


def _check_timestamp(timestamp: int, tolerance: int, now: int) -> None:
    if timestamp < now - tolerance:
        raise WebhookVerificationError("timestamp too old")
    if timestamp > now + tolerance:
        raise WebhookVerificationError("timestamp too new")


def _any_signature_matches(secrets: list[str], msg_id: str, timestamp: int, body: bytes, signatures: list[str]) -> bool:
    received = [s.encode() for s in signatures if s.startswith(SIGNATURE_VERSION + ",")]
    for secret in secrets:
        expected = sign(secret, msg_id, timestamp, body).encode()
        # No early exit inside one secret's loop: timing must not reveal which entry matched.
        matched = False
        for candidate in received:
            matched |= hmac.compare_digest(expected, candidate)
        if matched:
            return True
    return False
