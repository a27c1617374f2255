"""Endpoint verification: the receiver proves it wants our requests before we send it any.

Go-compatible scheme: we POST to the URL and the receiver answers with the header ``X-Webhook-Signature``
= hex HMAC-SHA256(key = WEBHOOK_SECRET_KEY, message = the URL).
"""

from __future__ import annotations

import hmac
import json
import time
from dataclasses import replace

from letitgo import endpoint_secrets, signing, ssrf, storage
from letitgo.delivery.http import OutboundRequest, send
from letitgo.endpoint_secrets import StoredSecret
from letitgo.errors import ValidationError
from letitgo.models import Endpoint
from letitgo.runtime import Runtime

DNS_TIMEOUT = 5.0  # seconds an API request may wait on the resolver

SIGNATURE_HEADER = "x-webhook-signature"


def verify_endpoint(url: str, rt: Runtime, method: str = "POST") -> tuple[Endpoint, str | None]:
    """Check the receiver's answer; on success store the endpoint and return its new signing secret, if any."""
    ssrf.check_url(url, rt.settings.ssrf_allow_networks, resolve_timeout=DNS_TIMEOUT)
    body = json.dumps({"type": "webhook.verification", "webhook_url": url}).encode()
    request = OutboundRequest(url, method, {"Content-Type": "application/json"}, b"" if method == "GET" else body)
    outcome = send(request, replace(rt.limits, max_response_bytes=4096))
    if outcome.status_code is None:
        raise ValidationError("webhook_url", f"verification request failed: {outcome.error_kind}: {outcome.error}")
    answer = (outcome.response_headers or {}).get(SIGNATURE_HEADER, "")
    expected = signing.url_signature(rt.settings.webhook_secret_key, url)
    if not answer or not hmac.compare_digest(answer.strip().lower(), expected):
        raise ValidationError(
            "webhook_url",
            f"verification failed: the response (HTTP {outcome.status_code}) has no valid X-Webhook-Signature header",
        )
    return _store(url, "go-hmac", rt)


def _store(url: str, method: str, rt: Runtime) -> tuple[Endpoint, str | None]:
    existing = storage.get_endpoint(url)
    if existing is not None and existing.sealed_secrets:
        return storage.save_endpoint(url, method, None), None
    secret = signing.generate_secret()
    sealed = endpoint_secrets.seal(rt.cipher, url, [StoredSecret(secret, int(time.time()), None)])
    return storage.save_endpoint(url, method, sealed), secret
