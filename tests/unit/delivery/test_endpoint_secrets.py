"""Endpoint secrets: both stored forms, rotation with an overlap, ids that never reveal the secret."""

from __future__ import annotations

import json

import pytest

from letitgo import endpoint_secrets as es
from letitgo.crypto import Cipher
from letitgo.errors import CryptoError
from letitgo.signing import generate_secret

NOW = 1_800_000_000


def test_the_first_stored_form_a_list_of_strings_is_read() -> None:
    old, new = generate_secret(), generate_secret()
    ring = es.parse(json.dumps([old, new]).encode())
    assert [s.secret for s in ring] == [old, new]
    assert all(s.expires_at is None and s.active(NOW) for s in ring)


def test_the_current_form_round_trips() -> None:
    ring = [es.StoredSecret("whsec_a", NOW, None), es.StoredSecret("whsec_b", NOW - 10, NOW + 60)]
    assert es.parse(es.dump(ring)) == ring
    assert json.loads(es.dump(ring))[1] == {"secret": "whsec_b", "created_at": NOW - 10, "expires_at": NOW + 60}


@pytest.mark.parametrize("raw", [b"nope", b'{"secret": "x"}', b"[1]", b'[{"secret": 5}]'])
def test_unknown_forms_are_a_crypto_error(raw: bytes) -> None:
    with pytest.raises(CryptoError):
        es.parse(raw)


def test_rotation_keeps_old_secrets_for_the_overlap_only() -> None:
    ring = [es.StoredSecret("whsec_old", NOW - 100)]
    rotated = es.rotate(ring, "whsec_new", NOW, 3600)
    assert [(s.secret, s.expires_at) for s in rotated] == [("whsec_new", None), ("whsec_old", NOW + 3600)]
    assert [s.secret for s in es.active(rotated, NOW + 3599)] == ["whsec_new", "whsec_old"]
    assert [s.secret for s in es.active(rotated, NOW + 3600)] == ["whsec_new"]


def test_a_second_rotation_keeps_earlier_expiries_and_drops_expired_secrets() -> None:
    ring = es.rotate([es.StoredSecret("whsec_1")], "whsec_2", NOW, 100)
    ring = es.rotate(ring, "whsec_3", NOW + 50, 1000)
    assert [(s.secret, s.expires_at) for s in ring] == [
        ("whsec_3", None),
        ("whsec_2", NOW + 1050),
        ("whsec_1", NOW + 100),
    ]
    ring = es.rotate(ring, "whsec_4", NOW + 200, 10)
    assert [s.secret for s in ring] == ["whsec_4", "whsec_3", "whsec_2"]
    assert es.rotate(ring, "whsec_5", NOW + 300, 0) == [es.StoredSecret("whsec_5", NOW + 300, None)]


def test_secret_ids_are_stable_and_do_not_reveal_the_secret() -> None:
    secret = generate_secret()
    assert es.secret_id(secret) == es.StoredSecret(secret).id
    assert es.secret_id(secret) != es.secret_id(generate_secret())
    body = secret.removeprefix("whsec_")
    assert body[:8] not in es.secret_id(secret) and es.secret_id(secret).startswith("key_")


def test_sealed_secrets_are_bound_to_their_url() -> None:
    cipher = Cipher("k1", b"k" * 32)
    ring = [es.StoredSecret("whsec_x", NOW)]
    sealed = es.seal(cipher, "https://a.example/hook", ring)
    assert "whsec_x" not in sealed
    assert es.open_sealed(cipher, "https://a.example/hook", sealed) == ring
    with pytest.raises(CryptoError):
        es.open_sealed(cipher, "https://b.example/hook", sealed)
