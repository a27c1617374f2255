"""Payload encryption at rest: authenticated, bound to its record, rotatable."""

from __future__ import annotations

import os

import pytest

from letitgo import payload
from letitgo.crypto import Cipher
from letitgo.errors import CryptoError


def test_sealed_payload_opens_with_its_context_only() -> None:
    cipher = Cipher("k1", os.urandom(32))
    sealed = cipher.seal(b'{"secret": "value"}', "schedule:a")
    assert b"secret" not in sealed.encode() and "value" not in sealed
    assert cipher.open(sealed, "schedule:a") == b'{"secret": "value"}'
    with pytest.raises(CryptoError):
        cipher.open(sealed, "schedule:b")


def test_tampering_is_detected() -> None:
    cipher = Cipher("k1", os.urandom(32))
    sealed = cipher.seal(b"hello", "c")
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(CryptoError):
        cipher.open(flipped, "c")
    with pytest.raises(CryptoError):
        cipher.open("garbage", "c")


def test_rotation_old_values_open_and_new_ones_use_the_new_key() -> None:
    old_key, new_key = os.urandom(32), os.urandom(32)
    old_sealed = Cipher("k1", old_key).seal(b"before", "c")
    rotated = Cipher("k2", new_key, (("k1", old_key),))
    assert rotated.open(old_sealed, "c") == b"before"
    assert rotated.needs_rotation(old_sealed)
    assert not rotated.needs_rotation(rotated.seal(b"after", "c"))
    with pytest.raises(CryptoError, match="no key"):
        Cipher("k2", new_key).open(old_sealed, "c")


def test_stored_request_round_trips_exact_bytes_and_headers() -> None:
    cipher = Cipher("k1", os.urandom(32))
    body = payload.encode_body({"b": 1, "a": [1.5, "żółw"], "z": None})
    sealed = payload.seal(cipher, "sid", payload.StoredRequest(body, {"X-Trace": "t-1"}))
    opened = payload.open_sealed(cipher, "sid", sealed)
    assert opened.body == body == '{"b":1,"a":[1.5,"żółw"],"z":null}'.encode()
    assert opened.headers == {"X-Trace": "t-1"}
