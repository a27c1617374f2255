"""The Celery broker transport: kombu's Redis transport, able to clean up after losing Redis.

When a worker loses its Redis connection, Celery (5.7) first collects the broken connection, which detaches
the kombu transport from its Connection (``transport.client = None``), and then closes it. Closing a channel
that still holds unacknowledged messages (every worker with ETA or late-acked tasks) restores them, which
builds a new Redis pool from ``transport.client`` and dies with ``AttributeError: 'NoneType' object has no
attribute 'hostname'``. That error is not a connection error, so the worker reports "Unrecoverable error"
and stops consuming for good (measured: the bridge exited, the delivery worker hung, after a Redis restart).
A late ack of a task that was running at the time fails the same way.

This transport keeps the broker address when it is detached, so those clean-ups reach Redis (or fail with
a Redis connection error, which kombu and Celery handle) and the worker reconnects as designed.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis


class Transport(kombu_redis.Transport):
    """kombu's Redis transport whose ``client`` (the kombu Connection with the broker address) survives detaching."""

    _kept_client: Any = None

    @property
    def client(self) -> Any:
        return self._kept_client

    @client.setter
    def client(self, value: Any) -> None:
        if value is not None:
            self._kept_client = value
