"""letitgo.receiver.verify: what a user's web app runs on every incoming webhook."""

from __future__ import annotations

from pathlib import Path

import pytest

from letitgo import signing
from letitgo.errors import LetItGoError
from letitgo.receiver import WebhookVerificationError, answer_challenge, verify

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
NOW = 1614265330
BODY = b'{"test": 2432232314}'


def headers_for(secrets: list[str], timestamp: int = NOW, body: bytes = BODY) -> dict[str, str]:
    return signing.webhook_headers(secrets, MSG_ID, timestamp, body)


def reason_of(secrets: str | list[str], headers: dict[str, str], body: bytes = BODY, **kw: int) -> str:
    with pytest.raises(WebhookVerificationError) as err:
        verify(secrets, headers, body, now=NOW, **kw)
    return err.value.reason


def test_error_is_part_of_the_error_tree() -> None:
    assert issubclass(WebhookVerificationError, LetItGoError)


def test_valid_webhook_passes() -> None:
    assert verify(SECRET, headers_for([SECRET]), BODY, now=NOW) is None


def test_header_names_are_case_insensitive() -> None:
    shouted = {k.upper(): v for k, v in headers_for([SECRET]).items()}
    verify(SECRET, shouted, BODY, now=NOW)
    mixed = {k.title(): v for k, v in headers_for([SECRET]).items()}
    verify(SECRET, mixed, BODY, now=NOW)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header(missing: str) -> None:
    headers = headers_for([SECRET])
    del headers[missing]
    assert reason_of(SECRET, headers) == f"missing header {missing}"


def test_invalid_timestamp() -> None:
    headers = headers_for([SECRET]) | {"webhook-timestamp": "yesterday"}
    assert reason_of(SECRET, headers) == "invalid header webhook-timestamp"


def test_tolerance_in_both_directions() -> None:
    verify(SECRET, headers_for([SECRET], timestamp=NOW - 300), BODY, now=NOW)
    verify(SECRET, headers_for([SECRET], timestamp=NOW + 300), BODY, now=NOW)
    assert reason_of(SECRET, headers_for([SECRET], timestamp=NOW - 301)) == "timestamp too old"
    assert reason_of(SECRET, headers_for([SECRET], timestamp=NOW + 301)) == "timestamp too new"
    assert reason_of(SECRET, headers_for([SECRET], timestamp=NOW - 31), tolerance=30) == "timestamp too old"


def test_tampered_body_fails() -> None:
    assert reason_of(SECRET, headers_for([SECRET]), body=BODY.replace(b"2", b"3")) == "no matching signature"


def test_wrong_secret_fails() -> None:
    assert reason_of(signing.generate_secret(), headers_for([SECRET])) == "no matching signature"


def test_replayed_signature_with_a_new_timestamp_fails() -> None:
    headers = headers_for([SECRET], timestamp=NOW - 1000) | {"webhook-timestamp": str(NOW)}
    assert reason_of(SECRET, headers) == "no matching signature"


def test_unknown_signature_versions_are_ignored() -> None:
    valid = headers_for([SECRET])["webhook-signature"]
    headers = headers_for([SECRET]) | {"webhook-signature": f"v2,whatever {valid} garbage"}
    verify(SECRET, headers, BODY, now=NOW)
    only_v2 = headers_for([SECRET]) | {"webhook-signature": "v2," + valid.split(",", 1)[1]}
    assert reason_of(SECRET, only_v2) == "no matching signature"


def test_rotation_receiver_accepts_either_secret() -> None:
    old, new = SECRET, signing.generate_secret()
    both = headers_for([old, new])
    verify(old, both, BODY, now=NOW)  # receiver not yet updated
    verify(new, both, BODY, now=NOW)  # receiver already switched
    verify([new, old], headers_for([old]), BODY, now=NOW)  # receiver holding both, sender still on old
    assert reason_of(signing.generate_secret(), both) == "no matching signature"


def test_no_secret_configured() -> None:
    assert reason_of([], headers_for([SECRET])) == "no secret configured"


def test_body_must_be_bytes() -> None:
    with pytest.raises(TypeError):
        verify(SECRET, headers_for([SECRET]), BODY.decode(), now=NOW)  # type: ignore[arg-type]


def test_answer_challenge_matches_what_letitgo_checks() -> None:
    challenge = signing.make_challenge(now=NOW)
    answer = answer_challenge(SECRET, challenge)
    assert signing.check_challenge_response(SECRET, challenge, answer, now=NOW + 5)


def test_receiver_needs_only_the_standard_library() -> None:
    # Users import this into their own apps: it must not drag in requests, Flask, MongoDB...
    import subprocess
    import sys

    code = (
        "import sys, letitgo.receiver; "
        "print(sorted(m for m in ('requests', 'urllib3', 'flask', 'mongoengine', 'celery', 'cryptography') "
        "if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[3]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert result.stdout.strip() == "[]"
