"""An endpoint's signing secrets: which ones sign now, and how rotation retires the old ones.

Stored sealed (``cipher.seal(json, "endpoint:<url>")``). Two stored forms are read:

- current: a JSON list of ``{"secret", "created_at", "expires_at"}`` (unix seconds; ``expires_at`` null
  while the secret is current), newest first;
- first version: a JSON list of plain ``whsec_`` strings, which never expire.

A secret's id is a fingerprint (a labelled hash), so both forms have ids without storing anything new
and the API can name a secret without showing it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from letitgo.crypto import Cipher
from letitgo.errors import CryptoError

_ID_LABEL = b"letitgo secret id v1\x00"


@dataclass(frozen=True)
class StoredSecret:
    secret: str
    created_at: int | None = None
    expires_at: int | None = None

    @property
    def id(self) -> str:
        return secret_id(self.secret)

    def active(self, now: float) -> bool:
        return self.expires_at is None or now < self.expires_at


def secret_id(secret: str) -> str:
    """A stable, non-reversible name for a secret: ``key_`` and 16 hex digits."""
    return "key_" + hashlib.sha256(_ID_LABEL + secret.encode()).hexdigest()[:16]


def parse(raw: bytes) -> list[StoredSecret]:
    """Read either stored form; raise CryptoError when the plaintext is neither."""
    try:
        items = json.loads(raw)
    except ValueError:
        raise CryptoError("endpoint secrets are not valid JSON") from None
    if not isinstance(items, list):
        raise CryptoError("endpoint secrets are not a list")
    return [_entry(item) for item in items]


def _entry(item: Any) -> StoredSecret:
    if isinstance(item, str):
        return StoredSecret(item)
    if isinstance(item, dict) and isinstance(item.get("secret"), str):
        return StoredSecret(item["secret"], _int_or_none(item.get("created_at")), _int_or_none(item.get("expires_at")))
    raise CryptoError("an endpoint secret entry has an unknown form")


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def dump(secrets: list[StoredSecret]) -> bytes:
    return json.dumps(
        [{"secret": s.secret, "created_at": s.created_at, "expires_at": s.expires_at} for s in secrets]
    ).encode()


def active(secrets: list[StoredSecret], now: float) -> list[StoredSecret]:
    """The secrets that sign deliveries at ``now``: the current one and any still inside their overlap."""
    return [s for s in secrets if s.active(now)]


def rotate(secrets: list[StoredSecret], new_secret: str, now: float, overlap: int) -> list[StoredSecret]:
    """Put ``new_secret`` first; every other still-active secret expires within ``overlap`` seconds.

    Expired secrets are dropped. A secret already set to expire sooner keeps its earlier expiry.
    """
    cutoff = int(now) + overlap
    kept = [
        StoredSecret(s.secret, s.created_at, cutoff if s.expires_at is None else min(s.expires_at, cutoff))
        for s in active(secrets, now)
        if overlap > 0
    ]
    return [StoredSecret(new_secret, int(now), None), *kept]


def seal(cipher: Cipher, url: str, secrets: list[StoredSecret]) -> str:
    return cipher.seal(dump(secrets), context(url))


def open_sealed(cipher: Cipher, url: str, sealed: str) -> list[StoredSecret]:
    return parse(cipher.open(sealed, context(url)))


def context(url: str) -> str:
    """The associated data binding sealed secrets to their endpoint URL."""
    return f"endpoint:{url}"
