"""Producer poll throughput on the real services, against a per-schedule claim loop as the baseline.

Both claim the same number of due schedules from FerretDB/MongoDB and publish one Kafka message each;
the baseline claims with one find_one_and_update per schedule (what the batch claim replaces).
"""

from __future__ import annotations

import base64
import os
import secrets
import time
from datetime import timedelta

N = int(os.environ.get("BENCH_SCHEDULES", "2000"))

os.environ.update({
    "PAYLOAD_ENCRYPTION_KEY": base64.b64encode(os.urandom(32)).decode(),
    "WEBHOOK_SECRET_KEY": secrets.token_urlsafe(24),
    "MONGODB_URI": f"mongodb://127.0.0.1:27017/letitgo_bench_{secrets.token_hex(3)}",
    "REDIS_DB": "4",
    "LETITGO_KAFKA_TOPIC": f"letitgo.bench.{secrets.token_hex(3)}",
    "LETITGO_CLAIM_BATCH": "500",
})

from letitgo import ids, producer, storage, stream  # noqa: E402
from letitgo.cache import IdempotencyCache  # noqa: E402
from letitgo.models import EPOCH, Schedule, utcnow  # noqa: E402
from letitgo.settings import get_settings  # noqa: E402


def _seed(n: int) -> None:
    now = utcnow()
    docs = [{"_id": Schedule.id.to_mongo(ids.new_schedule_id()), "webhook_url": "http://127.0.0.1:9/x",
             "method": "POST", "sealed": "v1.k.x", "kind": "once", "timezone": "UTC", "state": "active",
             "next_run_at": now - timedelta(seconds=1), "lease_until": EPOCH, "run_count": 0,
             "misfire_policy": "fire_once", "misfire_grace": 60} for _ in range(n)]
    Schedule._get_collection().insert_many(docs)


def batch_poll(publisher: stream.Publisher, cache: IdempotencyCache) -> float:
    settings = get_settings()
    started = time.perf_counter()
    published = 0
    while published < N:
        report = producer.poll_once(publisher, settings, cache)
        published += report.published
        if report.claimed == 0 and not report.skipped:
            break
    elapsed = time.perf_counter() - started
    assert published == N, published
    return elapsed


def naive_poll(publisher: stream.Publisher) -> float:
    coll = Schedule._get_collection()
    started = time.perf_counter()
    done = 0
    while True:
        now = utcnow()
        doc = coll.find_one_and_update(
            {"state": "active", "next_run_at": {"$lte": now}, "lease_until": {"$lte": now}},
            {"$set": {"lease_until": now + timedelta(seconds=30)}})
        if doc is None:
            break
        occ = stream.Occurrence(ids.run_id(str(doc["_id"]), doc["next_run_at"]), str(doc["_id"]), doc["next_run_at"])
        publisher.publish([occ])
        coll.update_one({"_id": doc["_id"]}, {"$set": {"state": "completed", "next_run_at": None}})
        done += 1
    elapsed = time.perf_counter() - started
    assert done == N, done
    return elapsed


def main() -> None:
    settings = get_settings()
    storage.connect(settings.mongodb_uri)
    stream.ensure_topic(settings.kafka_broker, settings.kafka_topic, settings.kafka_partitions)
    publisher = stream.Publisher(settings.kafka_broker, settings.kafka_topic)
    cache = IdempotencyCache(settings.redis_url)
    try:
        _seed(N)
        naive = naive_poll(publisher)
        Schedule._get_collection().delete_many({})
        _seed(N)
        batch = batch_poll(publisher, cache)
    finally:
        Schedule._get_db().client.drop_database(Schedule._get_db().name)
    print(f"poll: {N} due schedules claimed, published and advanced")
    print(f"  baseline (one claim per schedule): {naive:7.2f} s  {N / naive:8.0f} schedules/s")
    print(f"  batch poll (LetItGo):              {batch:7.2f} s  {N / batch:8.0f} schedules/s")
    print(f"  ratio batch/baseline throughput:   {naive / batch:7.1f}x")


if __name__ == "__main__":
    main()
