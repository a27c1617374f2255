"""Thin Celery tasks: parse, call into letitgo, act on the result."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from letitgo import bridge as bridge_logic
from letitgo import deadletters, producer, storage, stream
from letitgo.delivery.runner import deliver_run
from letitgo.models import utcnow
from letitgo.runtime import get_runtime
from letitgo.stream import Occurrence, Subscriber
from workers.app import app

log = logging.getLogger(__name__)

_poll_lock = threading.Lock()
_bridge_lock = threading.Lock()
_subscriber: Subscriber | None = None


@app.task(name="letitgo.poll", ignore_result=True)
def poll() -> None:
    """Claim due schedules and parked runs, publish them to Kafka, advance the schedules."""
    if not _poll_lock.acquire(blocking=False):
        return
    try:
        rt = get_runtime()
        report = producer.poll_once(rt.publisher, rt.settings, rt.cache)
        if report.claimed or report.republished or report.failed:
            log.info("poll: %s", report)
    finally:
        _poll_lock.release()


def enqueue(occ: Occurrence) -> None:
    """Hand one occurrence to the delivery workers, due at its fire time."""
    deliver.apply_async(
        args=[occ.run_id],
        task_id=occ.run_id,
        eta=occ.fire_at,
        queue="deliveries",
        retry=True,
        retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
    )


@app.task(name="letitgo.bridge", ignore_result=True)
def bridge() -> None:
    """Move Kafka batches to the delivery queue for about one poll interval."""
    global _subscriber
    if not _bridge_lock.acquire(blocking=False):
        return
    try:
        rt = get_runtime()
        s = rt.settings
        if _subscriber is None:
            stream.ensure_topic(s.kafka_broker, s.kafka_topic, s.kafka_partitions)
            _subscriber = Subscriber(s.kafka_broker, s.kafka_topic, s.kafka_group)
        bridge_logic.bridge_for(_subscriber, enqueue, s.bridge_batch, s.poll_interval * 0.9)
    except Exception:
        # The consumer's position moved past uncommitted messages: start over from the committed offsets.
        if _subscriber is not None:
            _subscriber.close()
        _subscriber = None
        raise
    finally:
        _bridge_lock.release()


@app.task(name="letitgo.deliver", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def deliver(run_id: str) -> str:
    """Deliver one run; long retry waits are parked in MongoDB for the producer poll."""
    verdict = deliver_run(run_id, get_runtime())
    log.info("run %s: %s %s", run_id, verdict.state, verdict.reason)
    if verdict.state == "dead":
        _notify_dead_later(run_id)
    return verdict.state


def _notify_dead_later(run_id: str) -> None:
    try:
        notify_dead.apply_async(args=[run_id], queue="deliveries")
    except Exception as exc:  # noqa: BLE001 - a failure notice must never fail the delivery task
        log.warning("run %s: failure callback not queued (%s)", run_id, type(exc).__name__)


@app.task(name="letitgo.notify_dead", ignore_result=True)
def notify_dead(run_id: str) -> str:
    """Best effort: tell the schedule's failure callback that a run is dead (at most once per death)."""
    return deadletters.notify_dead(run_id, get_runtime())


@app.task(name="letitgo.cleanup", ignore_result=True)
def cleanup() -> int:
    """Remove attempt history older than the configured number of days."""
    rt = get_runtime()
    removed = storage.delete_attempts_before(utcnow() - timedelta(days=rt.settings.history_days))
    log.info("cleanup: removed %d old attempts", removed)
    return removed
