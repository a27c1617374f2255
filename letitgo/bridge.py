"""The bridge: Kafka batch in, delivery tasks out, offsets committed only after every enqueue succeeded."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from letitgo.stream import Occurrence, Subscriber

log = logging.getLogger(__name__)

Enqueue = Callable[[Occurrence], None]


def bridge_once(subscriber: Subscriber, enqueue: Enqueue, max_messages: int, timeout: float) -> int:
    """Move one batch; an enqueue failure raises before the commit, so Kafka hands the batch out again."""
    batch = subscriber.fetch(max_messages, timeout)
    for handle, occ in batch:
        if occ is None:
            log.error("unreadable message at %s[%d]@%d skipped", handle.topic(), handle.partition(), handle.offset())
            continue
        enqueue(occ)
    subscriber.commit([handle for handle, _ in batch])
    return len(batch)


def bridge_for(subscriber: Subscriber, enqueue: Enqueue, max_messages: int, seconds: float) -> int:
    """Keep moving batches for about ``seconds``; return how many messages moved."""
    moved = 0
    stop_at = time.monotonic() + seconds
    while True:
        left = stop_at - time.monotonic()
        if left <= 0:
            return moved
        moved += bridge_once(subscriber, enqueue, max_messages, min(left, 0.25))
