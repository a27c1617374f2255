"""Endpoints through the API on the real services: registration, challenge verification, rotation, enable."""

from __future__ import annotations

import json
import time

import pytest
from flask.testing import FlaskClient

from letitgo import endpoint_secrets, endpoints, storage
from letitgo.delivery.http import Outcome, OutcomeKind
from letitgo.models import Endpoint
from letitgo.receiver import answer_challenge, verify
from letitgo.runtime import get_runtime
from letitgo.signing import make_challenge
from tests.e2e.receiver import Receiver


def _register(client: FlaskClient, url: str) -> dict:
    r = client.post("/endpoints", json={"webhook_url": url})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _future_schedule(client: FlaskClient, url: str) -> tuple[int, dict]:
    r = client.post("/schedules", json={"webhook_url": url, "payload": {}, "delay": 3600})
    return r.status_code, r.get_json()


def test_register_issues_a_secret_once_and_stores_it_only_sealed(client: FlaskClient, receiver: Receiver) -> None:
    url = receiver.url("/hooks/a")
    body = _register(client, url)
    secret = body["signing_secret"]
    assert secret.startswith("whsec_") and body["secret_id"].startswith("key_")
    assert body["verified"] is False and body["state"] == "active"
    assert [s["id"] for s in body["secrets"]] == [body["secret_id"]]
    doc = Endpoint.objects.get(url=url)
    assert secret not in doc.sealed_secrets and secret.removeprefix("whsec_") not in doc.sealed_secrets

    again = client.post("/endpoints", json={"webhook_url": url})
    assert again.status_code == 409 and "rotate-secret" in again.get_json()["error"]
    for path in (f"/endpoints?webhook_url={url}", f"/endpoints/{body['id']}"):
        shown = client.get(path)
        assert shown.status_code == 200
        assert secret.removeprefix("whsec_") not in shown.get_data(as_text=True)
    listed = client.get(f"/endpoints?webhook_url={url}").get_json()["endpoints"]
    assert [e["id"] for e in listed] == [body["id"]]
    assert listed[0]["secrets"][0]["expires_at"] is None and listed[0]["circuit"]["state"] == "closed"
    assert _future_schedule(client, url)[0] == 400, "registered is not verified"


def test_challenge_verification_accepts_the_secret_holder(client: FlaskClient, receiver: Receiver) -> None:
    url = receiver.url("/hooks/b")
    secret = _register(client, url)["signing_secret"]
    receiver.secrets["/hooks/b"] = secret
    r = client.post("/endpoints/verify", json={"webhook_url": url})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["verified"] is True and r.get_json()["verified_by"] == "challenge"
    sent = receiver.challenges[-1]
    verify(secret, sent.headers, sent.body)  # the challenge itself is signed like a delivery
    challenge = json.loads(sent.body)["challenge"]
    assert abs(int(challenge.split(".")[0]) - time.time()) < 5, "the challenge carries its issue time"
    assert _future_schedule(client, url)[0] == 201


def test_challenge_refuses_a_wrong_secret_and_a_replayed_answer(client: FlaskClient, receiver: Receiver) -> None:
    url = receiver.url("/hooks/c")
    secret = _register(client, url)["signing_secret"]
    receiver.secrets["/hooks/c"] = "whsec_" + "A" * 32
    wrong = client.post("/endpoints/verify", json={"webhook_url": url})
    assert wrong.status_code == 400 and wrong.get_json()["field"] == "webhook_url"
    assert "does not match" in wrong.get_json()["error"]

    # An answer captured from an earlier challenge is worthless: every challenge is new.
    receiver.answers["/hooks/c"] = answer_challenge(secret, make_challenge())
    replayed = client.post("/endpoints/verify", json={"webhook_url": url})
    assert replayed.status_code == 400 and "does not match" in replayed.get_json()["error"]
    assert len({json.loads(c.body)["challenge"] for c in receiver.challenges}) == 2

    del receiver.answers["/hooks/c"]
    receiver.secrets.pop("/hooks/c")
    missing = client.post("/endpoints/verify", json={"webhook_url": url})
    assert missing.status_code == 400 and "HTTP 404" in missing.get_json()["error"]
    assert Endpoint.objects.get(url=url).verified_at is None
    assert secret not in json.dumps([wrong.get_json(), replayed.get_json(), missing.get_json()])


def test_rotation_signs_with_both_secrets_during_the_overlap(client: FlaskClient, receiver: Receiver) -> None:
    url = receiver.url("/hooks/d")
    first = _register(client, url)["signing_secret"]
    r = client.post("/endpoints/rotate-secret", json={"webhook_url": url, "overlap_seconds": 3600})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    second = body["signing_secret"]
    assert second != first and body["secrets"][0]["id"] == body["secret_id"]
    assert body["secrets"][0]["expires_at"] is None and body["secrets"][1]["expires_at"] is not None
    rt = get_runtime()
    assert endpoints.signing_secrets(url, rt) == [second, first]
    assert endpoints.signing_secrets(url, rt, now=time.time() + 3601) == [second]

    third = client.post("/endpoints/rotate-secret", json={"webhook_url": url, "overlap_seconds": 0})
    assert endpoints.signing_secrets(url, rt) == [third.get_json()["signing_secret"]]
    assert len(third.get_json()["secrets"]) == 1


def test_secrets_in_the_first_stored_form_are_read_and_rotated(client: FlaskClient, receiver: Receiver) -> None:
    url = receiver.url("/hooks/legacy")
    rt = get_runtime()
    legacy = "whsec_" + "Qk" * 16
    storage.save_endpoint(url, "go-hmac", rt.cipher.seal(json.dumps([legacy]).encode(), f"endpoint:{url}"))
    assert endpoints.signing_secrets(url, rt) == [legacy]
    r = client.post("/endpoints/rotate-secret", json={"webhook_url": url})
    assert r.status_code == 200
    new = r.get_json()["signing_secret"]
    assert endpoints.signing_secrets(url, rt) == [new, legacy]
    ring = endpoint_secrets.open_sealed(rt.cipher, url, Endpoint.objects.get(url=url).sealed_secrets)
    assert ring[1].expires_at is not None and abs(ring[1].expires_at - (time.time() + 86400)) < 5


def test_a_disabled_endpoint_is_re_enabled(client: FlaskClient, receiver: Receiver) -> None:
    url = receiver.url("/hooks/gone")
    storage.save_endpoint(url, "test", None)
    storage.disable_endpoint(url, "receiver answered 410 Gone")
    shown = client.get(f"/endpoints?webhook_url={url}").get_json()["endpoints"][0]
    assert shown["state"] == "disabled" and shown["state_reason"] == "receiver answered 410 Gone"
    assert _future_schedule(client, url)[0] == 400
    r = client.post("/endpoints/enable", json={"webhook_url": url})
    assert r.status_code == 200 and r.get_json()["state"] == "active" and r.get_json()["state_reason"] is None
    assert _future_schedule(client, url)[0] == 201


def test_an_open_circuit_is_visible_with_its_reason(client: FlaskClient, receiver: Receiver) -> None:
    url = receiver.url("/hooks/open")
    storage.save_endpoint(url, "test", None)
    rt = get_runtime()
    for _ in range(rt.settings.breaker_threshold):
        rt.breaker.record(url, Outcome(OutcomeKind.RETRYABLE, 502, 1.0, "http_status", "HTTP 502"))
    shown = client.get(f"/endpoints?webhook_url={url}").get_json()["endpoints"][0]
    assert shown["state"] == "circuit_open" and shown["open_until"] is not None
    assert shown["state_reason"].endswith("consecutive failed attempts, last: HTTP 502")
    enabled = client.post("/endpoints/enable", json={"webhook_url": url}).get_json()
    assert enabled["state"] == "active" and enabled["circuit"]["state"] == "closed"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    [
        ("post", "/endpoints", {}, 400, "webhook_url"),
        ("post", "/endpoints", {"webhook_url": 5}, 400, "webhook_url"),
        ("post", "/endpoints", {"webhook_url": "http://10.1.2.3/hook"}, 400, "webhook_url"),
        ("post", "/endpoints", {"webhook_url": "ftp://example.com/"}, 400, "webhook_url"),
        ("post", "/endpoints", {"webhook_url": "http://127.0.0.1:9/x", "extra": 1}, 400, "extra"),
        ("post", "/endpoints/verify", {"webhook_url": "http://127.0.0.1:9/unknown"}, 404, "webhook_url"),
        ("post", "/endpoints/enable", {"webhook_url": "http://127.0.0.1:9/unknown"}, 404, "webhook_url"),
        ("post", "/endpoints/rotate-secret", {"webhook_url": "http://127.0.0.1:9/unknown"}, 404, "webhook_url"),
        (
            "post",
            "/endpoints/rotate-secret",
            {"webhook_url": "http://127.0.0.1:9/x", "overlap_seconds": -1},
            400,
            "overlap_seconds",
        ),
        (
            "post",
            "/endpoints/rotate-secret",
            {"webhook_url": "http://127.0.0.1:9/x", "overlap_seconds": "1d"},
            400,
            "overlap_seconds",
        ),
        ("get", "/endpoints?limit=0", None, 400, "limit"),
        ("get", "/endpoints?cursor=nope", None, 400, "cursor"),
        ("get", "/endpoints/nope", None, 404, None),
        ("get", "/endpoints/64b7f0c2a1b2c3d4e5f60718", None, 404, None),
    ],
)
def test_bad_input_is_a_clear_4xx(
    client: FlaskClient, method: str, path: str, body: object, status: int, field: str | None
) -> None:
    r = getattr(client, method)(path, json=body) if body is not None else getattr(client, method)(path)
    assert r.status_code == status, r.get_json()
    assert r.get_json().get("field") == field, r.get_json()


def test_failure_callback_url_is_checked_like_webhook_url(client: FlaskClient, receiver: Receiver) -> None:
    url = receiver.url("/hooks/cb")
    storage.save_endpoint(url, "test", None)
    for bad in ("http://169.254.169.254/latest", "ftp://example.com/x", "http://0x7f000001.invalid:99999/"):
        r = client.post("/schedules", json={"webhook_url": url, "delay": 60, "failure_callback_url": bad})
        assert r.status_code == 400 and r.get_json()["field"] == "failure_callback_url", r.get_json()
    sid = client.post("/schedules", json={"webhook_url": url, "delay": 60, "failure_callback_url": url}).get_json()
    assert client.patch(f"/schedules/{sid['id']}", json={"failure_callback_url": "http://10.0.0.1/"}).status_code == 400
