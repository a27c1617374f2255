"""The Redis idempotency cache: who is delivering a run now, and which runs are already delivered."""

from __future__ import annotations

import secrets

import redis

from letitgo.errors import UnavailableError

_DELIVERED = "letitgo:delivered:"
_LOCK = "letitgo:lock:"
DELIVERED_TTL = 7 * 24 * 3600

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end
"""


class IdempotencyCache:
    """Locks a run while one worker delivers it; remembers delivered runs for a week."""

    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=3)
        self._release = self._redis.register_script(_RELEASE)

    def ping(self) -> None:
        try:
            self._redis.ping()
        except redis.RedisError as exc:
            raise UnavailableError(f"redis: {type(exc).__name__}") from exc

    def is_delivered(self, run_id: str) -> bool:
        return bool(self._redis.exists(_DELIVERED + run_id))

    def mark_delivered(self, run_id: str) -> None:
        self._redis.set(_DELIVERED + run_id, 1, ex=DELIVERED_TTL)

    def clear_delivered(self, run_id: str) -> None:
        """Forget that a run was delivered (a forced replay sends it again)."""
        self._redis.delete(_DELIVERED + run_id)

    def acquire(self, run_id: str, seconds: float) -> str | None:
        """Take the run's lock for ``seconds``; return the owner token, or None when someone holds it."""
        token = secrets.token_hex(8)
        ok = self._redis.set(_LOCK + run_id, token, nx=True, px=int(seconds * 1000))
        return token if ok else None

    def release(self, run_id: str, token: str) -> None:
        self._release(keys=[_LOCK + run_id], args=[token])
