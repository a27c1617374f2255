"""Per-process resources built once from the settings: cipher, cache, publisher, storage connection."""

from __future__ import annotations

import os
import threading
from functools import cached_property

import requests

from letitgo import storage
from letitgo.breaker import EndpointHealth
from letitgo.cache import IdempotencyCache
from letitgo.crypto import Cipher, cipher_from_settings
from letitgo.delivery.http import Limits
from letitgo.delivery.transport import make_session
from letitgo.settings import Settings, get_settings
from letitgo.stream import Publisher, ensure_topic


class Runtime:
    """Lazily opened connections; one per process (rebuilt after a fork)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pid = os.getpid()
        self._local = threading.local()
        storage.connect(settings.mongodb_uri)

    def http_session(self) -> requests.Session:
        """This thread's HTTP session (pinned transport), so deliveries reuse connections."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = make_session()
        return session

    @cached_property
    def cipher(self) -> Cipher:
        return cipher_from_settings(self.settings)

    @cached_property
    def cache(self) -> IdempotencyCache:
        return IdempotencyCache(self.settings.redis_url)

    @cached_property
    def breaker(self) -> EndpointHealth:
        return EndpointHealth(self.settings.redis_url, self.settings)

    @cached_property
    def limits(self) -> Limits:
        return Limits.from_settings(self.settings)

    @cached_property
    def publisher(self) -> Publisher:
        s = self.settings
        ensure_topic(s.kafka_broker, s.kafka_topic, s.kafka_partitions)
        return Publisher(self.settings.kafka_broker, self.settings.kafka_topic)


_current: Runtime | None = None


def get_runtime() -> Runtime:
    """The process's runtime, created on first use and again in a forked child."""
    global _current
    if _current is None or _current.pid != os.getpid():
        _current = Runtime(get_settings())
    return _current
