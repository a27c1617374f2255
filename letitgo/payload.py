"""The stored request body and custom headers, sealed together and bound to their schedule."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from letitgo.crypto import Cipher


@dataclass(frozen=True)
class StoredRequest:
    """What is sent on every attempt: the exact body bytes and the user's headers."""

    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def encode_body(payload: Any) -> bytes:
    """The JSON body sent for a payload; computed once at creation so every send is identical."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def seal(cipher: Cipher, schedule_id: str, request: StoredRequest) -> str:
    envelope = {"b": request.body.decode(), "h": request.headers}
    return cipher.seal(json.dumps(envelope).encode(), f"schedule:{schedule_id}")


def open_sealed(cipher: Cipher, schedule_id: str, sealed: str) -> StoredRequest:
    envelope = json.loads(cipher.open(sealed, f"schedule:{schedule_id}"))
    return StoredRequest(envelope["b"].encode(), dict(envelope.get("h") or {}))
