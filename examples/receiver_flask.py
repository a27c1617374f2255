"""A tiny Flask app that receives LetItGo webhooks safely.

Run:  LETITGO_SIGNING_SECRETS=whsec_... flask --app examples/receiver_flask.py run --port 9000

- Every webhook is checked with ``letitgo.receiver.verify`` (signature, timestamp) before use.
- Duplicates are dropped on ``webhook-id``, which LetItGo keeps the same across retries.
- LETITGO_SIGNING_SECRETS may hold several comma-separated secrets while one is rotated;
  the first one is the current secret and answers challenges.
- Endpoint verification, two forms:
  * ``{"type": "webhook.verification", "webhook_url": ...}`` (Go-compatible, sent before any
    secret exists, so unsigned): answered with ``X-Webhook-Signature`` computed with the
    server's WEBHOOK_SECRET_KEY, given here as LETITGO_VERIFY_KEY.
  * ``{"type": "webhook.challenge", "challenge": ...}`` (signed with the endpoint secret):
    answered with ``{"challenge_response": ...}``.
- LETITGO_PUBLIC_URL: this endpoint's public URL when behind a proxy (default: the request URL).
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, abort, jsonify, request

from letitgo.receiver import WebhookVerificationError, answer_challenge, verify
from letitgo.signing import url_signature

app = Flask(__name__)
seen_ids: set[str] = set()  # use your database in real life: this forgets on restart


def signing_secrets() -> list[str]:
    return [s.strip() for s in os.environ.get("LETITGO_SIGNING_SECRETS", "").split(",") if s.strip()]


@app.post("/webhooks/letitgo")
def receive() -> Any:
    event = request.get_json(silent=True) or {}
    if event.get("type") == "webhook.verification":
        return go_verification(str(event.get("webhook_url", "")))
    try:
        verify(signing_secrets(), request.headers, request.get_data())
    except WebhookVerificationError as exc:
        abort(400, exc.reason)
    if event.get("type") == "webhook.challenge":
        return jsonify(challenge_response=answer_challenge(signing_secrets()[0], str(event["challenge"])))
    msg_id = request.headers["webhook-id"]
    if msg_id in seen_ids:
        return "", 200  # a retry of something already handled: acknowledge, do nothing
    seen_ids.add(msg_id)
    app.logger.info("webhook %s: %s", msg_id, event)
    return "", 204


def go_verification(webhook_url: str) -> Any:
    # Sign only our own URL: signing any URL asked for would let anyone verify someone else's.
    own_url = os.environ.get("LETITGO_PUBLIC_URL") or request.url
    key = os.environ.get("LETITGO_VERIFY_KEY")
    if not key or webhook_url != own_url:
        abort(403)
    response = jsonify(verified=True)
    response.headers["X-Webhook-Signature"] = url_signature(key, webhook_url)
    return response
