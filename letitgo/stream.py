"""The Kafka stream of occurrences. Only this module knows confluent-kafka.

Messages are JSON ``{"run_id", "schedule_id", "fire_at"}`` keyed by schedule id, so one schedule's
occurrences stay in one partition and in order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from letitgo.errors import UnavailableError


@dataclass(frozen=True)
class Occurrence:
    """One message on the stream: deliver run ``run_id`` at ``fire_at``."""

    run_id: str
    schedule_id: str
    fire_at: datetime

    def encode(self) -> bytes:
        return json.dumps(
            {"run_id": self.run_id, "schedule_id": self.schedule_id, "fire_at": self.fire_at.isoformat()}
        ).encode()

    @classmethod
    def decode(cls, raw: bytes) -> Occurrence:
        data = json.loads(raw)
        return cls(data["run_id"], data["schedule_id"], datetime.fromisoformat(data["fire_at"]))


def ensure_topic(brokers: str, topic: str, partitions: int, timeout: float = 15.0) -> None:
    """Create the topic with ``partitions`` partitions unless it exists already."""
    admin = AdminClient({"bootstrap.servers": brokers})
    existing = admin.list_topics(timeout=timeout).topics
    if topic in existing:
        return
    futures = admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    try:
        futures[topic].result(timeout)
    except KafkaException as exc:
        if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise UnavailableError(f"kafka: cannot create topic {topic}: {exc.args[0].str()}") from exc


def ping(brokers: str, timeout: float = 3.0) -> None:
    """Raise UnavailableError when no broker answers."""
    try:
        AdminClient({"bootstrap.servers": brokers}).list_topics(timeout=timeout)
    except KafkaException as exc:
        raise UnavailableError("kafka: no broker answered") from exc


class Publisher:
    """Publishes occurrences and waits for the broker's acknowledgement of each."""

    def __init__(self, brokers: str, topic: str) -> None:
        self._topic = topic
        self._producer = Producer(
            {
                "bootstrap.servers": brokers,
                "acks": "all",
                "enable.idempotence": True,
                "linger.ms": 2,
                "message.timeout.ms": 10000,
                "socket.timeout.ms": 5000,
            }
        )

    def publish(self, occurrences: list[Occurrence], timeout: float = 12.0) -> list[Occurrence]:
        """Send all; return those the broker did not acknowledge."""
        failed: list[Occurrence] = []
        for occ in occurrences:
            self._produce(occ, failed)
        remaining = self._producer.flush(timeout)
        if remaining:
            self._producer.purge(in_queue=True, in_flight=True)
            self._producer.flush(0)
        return failed

    def _produce(self, occ: Occurrence, failed: list[Occurrence]) -> None:
        def on_delivery(err: Any, _msg: Any) -> None:
            if err is not None:
                failed.append(occ)

        while True:
            try:
                self._producer.produce(
                    self._topic, key=occ.schedule_id.encode(), value=occ.encode(), on_delivery=on_delivery
                )
                return
            except BufferError:
                self._producer.poll(0.05)


def _decode(raw: bytes | None) -> Occurrence | None:
    try:
        return Occurrence.decode(raw or b"")
    except (ValueError, KeyError, TypeError):
        return None


class Subscriber:
    """A consumer-group member that hands out batches and commits only when told."""

    def __init__(self, brokers: str, topic: str, group: str) -> None:
        self._consumer = Consumer(
            {
                "bootstrap.servers": brokers,
                "group.id": group,
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "session.timeout.ms": 10000,
                "heartbeat.interval.ms": 1000,
                "max.poll.interval.ms": 60000,
            }
        )
        self._consumer.subscribe([topic])

    def fetch(self, max_messages: int, timeout: float) -> list[tuple[Any, Occurrence | None]]:
        """A batch of (message handle, occurrence or None for an unreadable message)."""
        batch: list[tuple[Any, Occurrence | None]] = []
        for msg in self._consumer.consume(num_messages=max_messages, timeout=timeout):
            error = msg.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    continue
                raise UnavailableError(f"kafka: {error.str()}")
            batch.append((msg, _decode(msg.value())))
        return batch

    def commit(self, handles: list[Any]) -> None:
        """Commit offset+1 of the highest handled message in each partition, synchronously."""
        highest: dict[tuple[str, int], int] = {}
        for msg in handles:
            key = (msg.topic(), msg.partition())
            highest[key] = max(highest.get(key, -1), msg.offset())
        if highest:
            offsets = [TopicPartition(t, p, off + 1) for (t, p), off in highest.items()]
            self._consumer.commit(offsets=offsets, asynchronous=False)

    def close(self) -> None:
        self._consumer.close()
