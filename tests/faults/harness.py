"""Fault-test harness: a stack per test, a few hundred webhooks in flight, and an audit of what arrived.

The audit compares three views of every expected occurrence: what the test asked for (one-time schedules
and seconds-cron schedules with ``max_runs``), what the public API says became of each run, and what the
real receiver got. An occurrence is *lost* unless the API says delivered and the receiver got it, or the
API shows it dead-lettered with its attempts.
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pymongo
import redis
import requests
from confluent_kafka import Consumer, TopicPartition

from tests.e2e.stack import Stack
from tests.faults.receiver import Got, SlowReceiver

ROOT = Path(__file__).resolve().parents[2]

# Fast recovery: a pending run nobody started within 8 s is published again; claims and the poll lock
# expire after 5 s; one delivery task holds its run lock for 2 * (3 + 1) + 8 = 16 s at most.
FAULT_ENV = {
    "LETITGO_POLL_INTERVAL": "0.5",
    "LETITGO_WATCHDOG_SECONDS": "8",
    "LETITGO_LEASE_SECONDS": "5",
    "LETITGO_CONNECT_TIMEOUT": "2",
    "LETITGO_READ_TIMEOUT": "3",
    "LETITGO_ATTEMPT_DEADLINE": "3",
    "LETITGO_INLINE_RETRY_MAX_WAIT": "1",
    "LETITGO_RETRY_BASE": "0.3",
    "LETITGO_RETRY_CAP": "4",
}
# Celery's queues and the poll lock live in the Redis database: each fault test claims an empty one of its
# own, so no other stack (tests/e2e uses 3, a developer's `make up` 0, another test session running at the
# same time) takes its tasks, holds its poll lock or flushes its queues.
FAULTS_REDIS_DBS = tuple(range(6, 16))
_CLAIM = "letitgo:faults:claim"


def services(*args: str) -> None:
    """``bash scripts/services.sh <args>``; raises when the script fails."""
    subprocess.run(["bash", "scripts/services.sh", *args], cwd=ROOT, check=True, capture_output=True, timeout=120)


def wait_until(cond: Callable[[], object], timeout: float, interval: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if cond():
                return True
        except Exception:  # noqa: BLE001 - a service may be down while we look
            pass
        time.sleep(interval)
    return False


@dataclass
class FaultStack(Stack):
    """The e2e Stack plus a second beat (its own schedule file) and restarts that wait for readiness."""

    def commands(self) -> dict[str, list[str]]:
        commands = super().commands()
        beat = commands["beat"]
        commands["beat2"] = [*beat[:-1], str(self.workdir / "beat2-schedule")]
        return commands

    def log_size(self, name: str) -> int:
        path = self.workdir / f"{name}.log"
        return path.stat().st_size if path.exists() else 0

    def restart(self, name: str, timeout: float = 60) -> float:
        """Start ``name`` again and wait until it logs that it is running; return how long that took."""
        offset = self.log_size(name)
        t0 = time.monotonic()
        self.start(name)
        marker = b"beat: Starting" if name.startswith("beat") else b"ready."
        path = self.workdir / f"{name}.log"
        if not wait_until(lambda: marker in path.read_bytes()[offset:], timeout, 0.1):
            raise RuntimeError(f"{name} did not come back in {timeout}s\n{self.logs()}")
        return time.monotonic() - t0

    def alive(self) -> dict[str, bool]:
        return {name: proc.poll() is None for name, proc in self.procs.items()}


@dataclass
class Workload:
    """What the test asked for: one-time schedules (payload ``{"i": n}``) and seconds-cron schedules."""

    urls: list[str]
    once: dict[str, datetime] = field(default_factory=dict)  # schedule id -> its instant
    once_index: dict[int, str] = field(default_factory=dict)  # payload i -> schedule id
    crons: dict[str, int] = field(default_factory=dict)  # schedule id -> max_runs
    cron_index: dict[int, str] = field(default_factory=dict)
    first_due: datetime | None = None
    last_due: datetime | None = None

    @property
    def expected(self) -> int:
        return len(self.once) + sum(self.crons.values())

    def schedule_ids(self) -> list[str]:
        return [*self.once, *self.crons]


def _rfc3339(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _post(api: str, path: str, body: dict) -> dict:
    for attempt in range(3):
        try:
            r = requests.post(api + path, json=body, timeout=15)
        except requests.RequestException:
            if attempt == 2:
                raise
            time.sleep(0.5)
            continue
        assert r.status_code in (200, 201), r.text
        return r.json()
    raise AssertionError("unreachable")


def create_workload(
    api: str,
    receiver: SlowReceiver,
    once: int = 200,
    spread: float = 20.0,
    lead: float = 8.0,
    crons: int = 2,
    cron_runs: int = 20,
    endpoints: int = 5,
) -> Workload:
    """``once`` one-time schedules spread over ``spread`` s from ``lead`` s on, then ``crons`` every-second crons.

    They go to ``endpoints`` receiver URLs in turn, so the per-endpoint concurrency limit does not throttle them.
    """
    urls = [receiver.base + f"/hooks/faults/{n}" for n in range(endpoints)]
    for url in urls:
        _post(api, "/webhook/verify", {"webhook_url": url})
    w = Workload(urls)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=math.ceil(lead))
    due = [start + timedelta(seconds=int(i * spread / once)) for i in range(once)]

    def create_once(i: int) -> tuple[int, str]:
        body = {"webhook_url": urls[i % endpoints], "payload": {"i": i}, "schedule_time": _rfc3339(due[i])}
        return i, _post(api, "/schedule", body)["id"]

    def create_cron(k: int) -> tuple[int, str]:
        body = {
            "webhook_url": urls[k % endpoints],
            "payload": {"cron": k},
            "cron_expression": "* * * * * *",
            "max_runs": cron_runs,
        }
        return k, _post(api, "/schedule", body)["id"]

    with ThreadPoolExecutor(8) as pool:
        for i, sid in pool.map(create_once, range(once)):
            w.once[sid] = due[i]
            w.once_index[i] = sid
        for k, sid in pool.map(create_cron, range(crons)):
            w.crons[sid] = cron_runs
            w.cron_index[k] = sid
    w.first_due, w.last_due = min(due), max(due)
    late = datetime.now(UTC) - w.first_due
    assert late < timedelta(0), f"creating the workload took too long: first one due {late} ago"
    return w


def kafka_lag(brokers: str, topic: str, group: str, partitions: int) -> int:
    """Messages on ``topic`` that ``group`` has not committed (without joining the group)."""
    c = Consumer({"bootstrap.servers": brokers, "group.id": group, "enable.auto.commit": False})
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        committed = c.committed(tps, timeout=10)
        lag = 0
        for tp in committed:
            _low, high = c.get_watermark_offsets(TopicPartition(topic, tp.partition), timeout=10)
            lag += high - max(tp.offset, 0)
        return lag
    finally:
        c.close()


@dataclass
class Audit:
    name: str
    expected: int
    delivered: int = 0
    duplicated: int = 0  # runs the receiver got more than once
    extra: int = 0  # receptions beyond the first
    lost: int = 0
    dead: int = 0
    phantom: int = 0  # received, but the API does not say delivered
    foreign: int = 0  # receptions whose webhook-id is not the run their payload belongs to
    max_late: float = 0.0
    recovery: float = 0.0  # fault until the last delivery more than 1.5 s late
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"[{self.name}] expected={self.expected} delivered={self.delivered} duplicated={self.duplicated} "
            f"(extra receptions {self.extra}) lost={self.lost} dead={self.dead} phantom={self.phantom} "
            f"foreign={self.foreign} max_late={self.max_late:.1f}s recovery={self.recovery:.1f}s"
        )

    def check(self) -> None:
        detail = "\n  ".join(self.problems[:20])
        message = f"{self.summary()}\n  {detail}"
        assert self.lost == 0 and self.phantom == 0 and self.foreign == 0 and not self.problems, message


class Auditor:
    """Waits for the flow to settle, then audits every expected occurrence through the public API."""

    def __init__(self, api: str, mongodb_uri: str, workload: Workload, receiver: SlowReceiver) -> None:
        self.api = api
        self.w = workload
        self.receiver = receiver
        self.db = pymongo.MongoClient(mongodb_uri, serverSelectionTimeoutMS=3000, tz_aware=True).get_database()

    def close(self) -> None:
        self.db.client.close()

    def claimed_schedule(self) -> bool:
        """A poll is between claiming schedules and advancing them right now."""
        return self.db.schedules.find_one({"claim_token": {"$nin": [None]}}, {"_id": 1}) is not None

    def settled(self) -> bool:
        """Every expected run exists and is finished, and the receiver got every delivered one."""
        runs = list(self.db.runs.find({"schedule_id": {"$in": self.w.schedule_ids()}}, {"state": 1}))
        if len(runs) < self.w.expected or any(r["state"] not in ("delivered", "dead") for r in runs):
            return False
        received = {g.webhook_id for g in self.receiver.snapshot()}
        return all(r["_id"] in received for r in runs if r["state"] == "delivered")

    def wait_settled(self, timeout: float) -> float:
        t0 = time.monotonic()
        wait_until(self.settled, timeout, 0.5)
        time.sleep(2.0)  # a duplicate still on its way arrives by now
        return time.monotonic() - t0

    def audit(self, name: str, fault_at: float | None) -> Audit:
        a = Audit(name, self.w.expected)
        runs: dict[str, dict] = {}
        owner: dict[str, str] = {}
        for sid in self.w.schedule_ids():
            r = requests.get(f"{self.api}/schedules/{sid}/runs", params={"limit": 500}, timeout=15)
            assert r.status_code == 200, r.text
            for run in r.json()["runs"]:
                runs[run["id"]] = run
                owner[run["id"]] = sid
        got: dict[str, list[Got]] = defaultdict(list)
        for g in self.receiver.snapshot():
            got[g.webhook_id].append(g)
            self._check_identity(a, g, owner)
        expected_ids = self._expected_run_ids(a, runs, owner)
        for rid in expected_ids:
            run = runs.get(rid)
            state = run["state"] if run else "missing"
            if state == "delivered" and got.get(rid):
                a.delivered += 1
            elif state == "dead" and run and run["attempt_count"] >= 1 and run["attempts"]:
                a.dead += 1
            else:
                a.lost += 1
                a.problems.append(f"lost {rid}: API state {state}, received {len(got.get(rid, []))}x")
        for rid, receptions in got.items():
            if len(receptions) > 1:
                a.duplicated += 1
                a.extra += len(receptions) - 1
            if rid in runs and runs[rid]["state"] != "delivered":
                a.phantom += 1
                a.problems.append(f"received {rid} but the API says {runs[rid]['state']}")
        self._lateness(a, runs, got, fault_at)
        return a

    def _expected_run_ids(self, a: Audit, runs: dict[str, dict], owner: dict[str, str]) -> list[str]:
        expected = []
        for sid, at in self.w.once.items():
            expected.append(f"run_{sid}_{int(at.timestamp() * 1000)}")
        for sid, count in self.w.crons.items():
            mine = sorted((rid for rid in runs if owner[rid] == sid), key=lambda rid: runs[rid]["scheduled_for"])
            if len(mine) != count:
                a.problems.append(f"cron {sid} has {len(mine)} runs, expected {count}")
            expected += mine
            for prev, nxt in zip(mine, mine[1:], strict=False):
                gap = _ts(runs[nxt]["scheduled_for"]) - _ts(runs[prev]["scheduled_for"])
                if gap != 1.0:
                    a.problems.append(f"cron {sid}: {gap:.0f}s between {prev} and {nxt}")
        extra = set(runs) - set(expected)
        for rid in sorted(extra):
            a.problems.append(f"unexpected run {rid} in state {runs[rid]['state']}")
        return expected

    def _check_identity(self, a: Audit, g: Got, owner: dict[str, str]) -> None:
        body = json.loads(g.body)
        if "i" in body:
            sid = self.w.once_index[body["i"]]
            ok = g.webhook_id == f"run_{sid}_{int(self.w.once[sid].timestamp() * 1000)}"
        else:
            ok = owner.get(g.webhook_id) == self.w.cron_index[body["cron"]]
        if not ok:
            a.foreign += 1
            a.problems.append(f"payload {body} arrived with webhook-id {g.webhook_id!r}")

    @staticmethod
    def _lateness(a: Audit, runs: dict[str, dict], got: dict[str, list[Got]], fault_at: float | None) -> None:
        last_late = None
        for rid, receptions in got.items():
            if rid not in runs:
                continue
            first = min(g.at for g in receptions)
            late = first - _ts(runs[rid]["scheduled_for"])
            a.max_late = max(a.max_late, late)
            if late > 1.5:
                last_late = first if last_late is None else max(last_late, first)
        if fault_at is not None and last_late is not None:
            a.recovery = max(0.0, last_late - fault_at)


def _ts(rfc3339: str) -> float:
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp()


def redis_client(db: str) -> redis.Redis:
    from tests.conftest import TEST_ENV

    return redis.Redis.from_url(f"redis://{TEST_ENV['REDIS_ADDRESS']}/{db}", socket_timeout=5)


def claim_redis_db(owner: str) -> str:
    """An empty Redis database, marked as ``owner``'s until release_redis_db."""
    for db in random.sample(FAULTS_REDIS_DBS, len(FAULTS_REDIS_DBS)):
        r = redis_client(str(db))
        if r.dbsize() == 0 and r.set(_CLAIM, owner, nx=True, ex=3600):
            return str(db)
    raise RuntimeError(f"no empty Redis database among {FAULTS_REDIS_DBS} for a fault test")


def release_redis_db(db: str, owner: str) -> None:
    """Empty the database again (Celery's leftovers and the claim), unless it was claimed by someone else since."""
    r = redis_client(db)
    if r.get(_CLAIM) in (owner.encode(), None):
        r.flushdb()
