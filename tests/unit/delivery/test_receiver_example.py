"""examples/receiver_flask.py works as documented (Flask test client, no network)."""

from __future__ import annotations

import importlib.util
import json
import time
from pathlib import Path
from types import ModuleType

import pytest

from letitgo import signing

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "receiver_flask.py"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
URL = "http://localhost/webhooks/letitgo"


@pytest.fixture()
def example(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("LETITGO_SIGNING_SECRETS", f"{SECRET}, {signing.generate_secret()}")
    monkeypatch.setenv("LETITGO_VERIFY_KEY", "server-wide-key-0123456789")
    spec = importlib.util.spec_from_file_location("receiver_flask_example", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def post_signed(client, event: dict, msg_id: str = "run_1"):  # noqa: ANN001, ANN201 - Flask test types
    body = json.dumps(event).encode()
    headers = signing.webhook_headers([SECRET], msg_id, int(time.time()), body)
    return client.post("/webhooks/letitgo", data=body, headers=headers, content_type="application/json")


def test_signed_webhook_accepted_once_then_deduplicated(example: ModuleType) -> None:
    client = example.app.test_client()
    assert post_signed(client, {"hello": 1}).status_code == 204
    assert post_signed(client, {"hello": 1}).status_code == 200
    assert example.seen_ids == {"run_1"}


def test_unsigned_webhook_refused(example: ModuleType) -> None:
    client = example.app.test_client()
    response = client.post("/webhooks/letitgo", json={"hello": 1})
    assert response.status_code == 400
    assert b"missing header webhook-id" in response.data


def test_challenge_answered(example: ModuleType) -> None:
    challenge = signing.make_challenge()
    response = post_signed(example.app.test_client(), {"type": "webhook.challenge", "challenge": challenge})
    assert signing.check_challenge_response(SECRET, challenge, response.get_json()["challenge_response"])


def test_go_verification_signs_only_its_own_url(example: ModuleType) -> None:
    client = example.app.test_client()
    ours = client.post("/webhooks/letitgo", json={"type": "webhook.verification", "webhook_url": URL})
    assert ours.headers["X-Webhook-Signature"] == signing.url_signature("server-wide-key-0123456789", URL)
    other = client.post("/webhooks/letitgo", json={"type": "webhook.verification", "webhook_url": "http://victim/"})
    assert other.status_code == 403
