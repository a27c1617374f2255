"""Authenticated encryption of payloads at rest (AES-256-GCM with a key id, so keys can rotate).

A sealed value is the text ``v1.<key id>.<base64url(nonce | ciphertext+tag)>``. The associated data binds
it to the record it belongs to, so a sealed value copied onto another record does not open.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from letitgo.errors import CryptoError
from letitgo.settings import Settings

_VERSION = "v1"
_NONCE_BYTES = 12


class Cipher:
    """Seals with the current key; opens with any key of the ring."""

    def __init__(self, key_id: str, key: bytes, old_keys: tuple[tuple[str, bytes], ...] = ()) -> None:
        if "." in key_id or not key_id:
            raise CryptoError("key id must be non-empty and contain no '.'")
        self._key_id = key_id
        self._ring = {kid: AESGCM(k) for kid, k in (*old_keys, (key_id, key))}

    def seal(self, plaintext: bytes, context: str) -> str:
        """Encrypt ``plaintext`` bound to ``context`` (for example the record id)."""
        nonce = os.urandom(_NONCE_BYTES)
        ct = self._ring[self._key_id].encrypt(nonce, plaintext, context.encode())
        token = base64.urlsafe_b64encode(nonce + ct).decode().rstrip("=")
        return f"{_VERSION}.{self._key_id}.{token}"

    def open(self, sealed: str, context: str) -> bytes:
        """Decrypt a value made by seal() with the same context; raise CryptoError otherwise."""
        version, kid, token = _split(sealed)
        aead = self._ring.get(kid)
        if version != _VERSION or aead is None:
            raise CryptoError(f"no key for sealed value (version {version!r}, key id {kid!r})")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            return aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise CryptoError("sealed value does not open: wrong key, context or tampered data") from exc

    def needs_rotation(self, sealed: str) -> bool:
        """True when the value was sealed with a key other than the current one."""
        return _split(sealed)[1] != self._key_id


def _split(sealed: str) -> tuple[str, str, str]:
    parts = sealed.split(".", 2)
    if len(parts) != 3:
        raise CryptoError("malformed sealed value")
    return parts[0], parts[1], parts[2]


def cipher_from_settings(settings: Settings) -> Cipher:
    """Build the process cipher from the settings object."""
    return Cipher(
        settings.payload_key_id,
        settings.payload_encryption_key,
        settings.old_payload_keys,
    )
