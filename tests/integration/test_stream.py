"""The Kafka stream against the real broker: keys keep order, uncommitted batches come back."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from letitgo import stream
from letitgo.bridge import bridge_once
from letitgo.stream import Occurrence, Publisher, Subscriber


def _topic(broker: str) -> str:
    name = f"letitgo.it.{secrets.token_hex(4)}"
    stream.ensure_topic(broker, name, 3)
    return name


def _occurrences(n: int, schedule: str = "s") -> list[Occurrence]:
    base = datetime(2030, 1, 1, tzinfo=UTC).timestamp()
    return [Occurrence(f"run_{schedule}_{i}", schedule, datetime.fromtimestamp(base + i, UTC)) for i in range(n)]


def _drain(sub: Subscriber, want: int, rounds: int = 40) -> list:
    got: list = []
    for _ in range(rounds):
        got += sub.fetch(100, 0.5)
        if len(got) >= want:
            break
    return got


def test_ensure_topic_is_idempotent_and_makes_partitions(kafka_service: str) -> None:
    name = _topic(kafka_service)
    stream.ensure_topic(kafka_service, name, 3)
    from confluent_kafka.admin import AdminClient

    meta = AdminClient({"bootstrap.servers": kafka_service}).list_topics(timeout=10).topics[name]
    assert len(meta.partitions) == 3


def test_published_occurrences_arrive_in_order_per_schedule(kafka_service: str) -> None:
    topic = _topic(kafka_service)
    sent = _occurrences(20, "a") + _occurrences(20, "b")
    assert Publisher(kafka_service, topic).publish(sent) == []
    sub = Subscriber(kafka_service, topic, f"g-{secrets.token_hex(3)}")
    got = [occ for _msg, occ in _drain(sub, 40)]
    sub.close()
    assert sorted(o.run_id for o in got) == sorted(o.run_id for o in sent)
    for schedule in ("a", "b"):
        mine = [o.run_id for o in got if o.schedule_id == schedule]
        assert mine == [o.run_id for o in sent if o.schedule_id == schedule]


def test_a_failed_enqueue_commits_nothing_and_the_batch_comes_back(kafka_service: str) -> None:
    topic = _topic(kafka_service)
    group = f"g-{secrets.token_hex(3)}"
    sent = _occurrences(5)
    Publisher(kafka_service, topic).publish(sent)

    def broken(_occ: Occurrence) -> None:
        raise ConnectionError("celery broker down")

    sub = Subscriber(kafka_service, topic, group)
    raised = False
    for _ in range(40):
        try:
            if bridge_once(sub, broken, 100, 0.5):
                break
        except ConnectionError:
            raised = True
            break
    sub.close()
    assert raised

    enqueued: list[Occurrence] = []
    sub = Subscriber(kafka_service, topic, group)
    for _ in range(40):
        bridge_once(sub, enqueued.append, 100, 0.5)
        if len(enqueued) >= 5:
            break
    sub.close()
    assert [o.run_id for o in enqueued] == [o.run_id for o in sent]

    # Committed now: a new member of the group gets nothing more.
    sub = Subscriber(kafka_service, topic, group)
    assert _drain(sub, 1, rounds=6) == []
    sub.close()


def test_an_unreadable_message_is_skipped_and_committed(kafka_service: str) -> None:
    topic = _topic(kafka_service)
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": kafka_service})
    producer.produce(topic, key=b"s", value=b"not json")
    producer.flush(10)
    Publisher(kafka_service, topic).publish(_occurrences(1, "s"))
    sub = Subscriber(kafka_service, topic, f"g-{secrets.token_hex(3)}")
    enqueued: list[Occurrence] = []
    moved = 0
    for _ in range(40):
        moved += bridge_once(sub, enqueued.append, 100, 0.5)
        if moved >= 2:
            break
    sub.close()
    assert moved == 2
    assert [o.run_id for o in enqueued] == ["run_s_0"]
