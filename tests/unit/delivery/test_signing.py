"""Signatures: the Standard Webhooks test vector, rotation, the Go URL scheme, challenges."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from letitgo import signing
from letitgo.errors import ValidationError

VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TS = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_standard_webhooks_test_vector() -> None:
    assert signing.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY) == VECTOR_SIGNATURE


def test_secret_prefix_is_optional() -> None:
    bare = VECTOR_SECRET.removeprefix("whsec_")
    assert signing.sign(bare, VECTOR_ID, VECTOR_TS, VECTOR_BODY) == VECTOR_SIGNATURE


def test_signature_covers_id_timestamp_and_body() -> None:
    base = signing.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    assert signing.sign(VECTOR_SECRET, "msg_other", VECTOR_TS, VECTOR_BODY) != base
    assert signing.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS + 1, VECTOR_BODY) != base
    assert signing.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY + b" ") != base


def test_generate_secret_shape_and_randomness() -> None:
    first, second = signing.generate_secret(), signing.generate_secret()
    assert first.startswith("whsec_") and first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 24


def test_rotation_header_carries_one_signature_per_secret() -> None:
    new = signing.generate_secret()
    header = signing.signature_header([VECTOR_SECRET, new], VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    assert header.split(" ") == [VECTOR_SIGNATURE, signing.sign(new, VECTOR_ID, VECTOR_TS, VECTOR_BODY)]


def test_webhook_headers() -> None:
    headers = signing.webhook_headers([VECTOR_SECRET], VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    assert headers == {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": "1614265330",
        "webhook-signature": VECTOR_SIGNATURE,
    }


def test_signing_needs_a_secret() -> None:
    with pytest.raises(ValidationError) as err:
        signing.signature_header([], VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    assert err.value.field == "secrets"


@pytest.mark.parametrize("bad", ["whsec_not base64!", "whsec_", "whsec_a"])
def test_malformed_secret_is_a_validation_error(bad: str) -> None:
    with pytest.raises(ValidationError) as err:
        signing.sign(bad, VECTOR_ID, VECTOR_TS, VECTOR_BODY)
    assert err.value.field == "secret"


def test_url_signature_is_the_go_scheme() -> None:
    expected = hmac.new(b"server-wide-key-123", b"https://example.com/hook", hashlib.sha256).hexdigest()
    assert signing.url_signature("server-wide-key-123", "https://example.com/hook") == expected
    assert len(expected) == 64


class TestChallenge:
    secret = VECTOR_SECRET

    def test_make_challenge_carries_the_issue_time(self) -> None:
        challenge = signing.make_challenge(now=1_700_000_000.7)
        stamp, nonce = challenge.split(".", 1)
        assert stamp == "1700000000" and len(nonce) >= 32
        assert signing.make_challenge(now=1_700_000_000) != signing.make_challenge(now=1_700_000_000)

    def test_fresh_correct_answer_is_accepted(self) -> None:
        challenge = signing.make_challenge(now=1_700_000_000)
        answer = signing.challenge_response(self.secret, challenge)
        assert base64.b64decode(answer) and len(base64.b64decode(answer)) == 32
        assert signing.check_challenge_response(self.secret, challenge, answer, now=1_700_000_100)

    def test_wrong_secret_is_refused(self) -> None:
        challenge = signing.make_challenge(now=1_700_000_000)
        answer = signing.challenge_response(signing.generate_secret(), challenge)
        assert not signing.check_challenge_response(self.secret, challenge, answer, now=1_700_000_000)

    def test_stale_challenge_is_refused(self) -> None:
        challenge = signing.make_challenge(now=1_700_000_000)
        answer = signing.challenge_response(self.secret, challenge)
        assert signing.check_challenge_response(self.secret, challenge, answer, max_age=300, now=1_700_000_300)
        assert not signing.check_challenge_response(self.secret, challenge, answer, max_age=300, now=1_700_000_301)
        assert not signing.check_challenge_response(self.secret, challenge, answer, max_age=300, now=1_699_999_699)

    def test_answer_replayed_for_another_challenge_is_refused(self) -> None:
        old = signing.make_challenge(now=1_700_000_000)
        new = signing.make_challenge(now=1_700_000_000)
        old_answer = signing.challenge_response(self.secret, old)
        assert not signing.check_challenge_response(self.secret, new, old_answer, now=1_700_000_000)

    @pytest.mark.parametrize("challenge", ["", "nonce-without-time", "12x.abc", "1700000000.", ".abc"])
    def test_malformed_challenge_is_refused(self, challenge: str) -> None:
        answer = signing.challenge_response(self.secret, challenge)
        assert not signing.check_challenge_response(self.secret, challenge, answer, now=1_700_000_000)

    def test_non_ascii_answer_is_refused_not_raised(self) -> None:
        challenge = signing.make_challenge(now=1_700_000_000)
        assert not signing.check_challenge_response(self.secret, challenge, "é" * 44, now=1_700_000_000)

    def test_challenge_response_cannot_be_used_as_a_message_signature(self) -> None:
        # A receiver answers challenges for anyone: its answer must not double as a signature.
        forged_content = f"{VECTOR_ID}.{VECTOR_TS}.".encode() + VECTOR_BODY
        answer = signing.challenge_response(self.secret, forged_content.decode())
        assert f"v1,{answer}" != VECTOR_SIGNATURE
