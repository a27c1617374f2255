"""The Redis idempotency cache against the real server."""

from __future__ import annotations

import secrets
import threading
import time

from letitgo.cache import IdempotencyCache
from letitgo.settings import get_settings


def _cache() -> IdempotencyCache:
    return IdempotencyCache(get_settings().redis_url)


def test_only_one_of_many_concurrent_workers_gets_the_lock(redis_service: str) -> None:
    cache, run = _cache(), f"run_{secrets.token_hex(4)}"
    winners: list[str] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        token = cache.acquire(run, 5)
        if token:
            winners.append(token)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_release_only_frees_ones_own_lock_and_locks_expire(redis_service: str) -> None:
    cache, run = _cache(), f"run_{secrets.token_hex(4)}"
    token = cache.acquire(run, 0.3)
    assert token is not None
    cache.release(run, "someone-else")
    assert cache.acquire(run, 5) is None
    time.sleep(0.45)
    second = cache.acquire(run, 5)
    assert second is not None
    cache.release(run, token)  # the expired owner's release must not free the new owner's lock
    assert cache.acquire(run, 5) is None
    cache.release(run, second)
    assert cache.acquire(run, 5) is not None


def test_delivered_marks_are_remembered(redis_service: str) -> None:
    cache, run = _cache(), f"run_{secrets.token_hex(4)}"
    assert not cache.is_delivered(run)
    cache.mark_delivered(run)
    assert cache.is_delivered(run)
