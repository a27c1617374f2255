"""Issue 3 end to end: pause silences a recurrence, resume brings it back, trigger sends an extra run,
intervals and delays fire on time, and a time zone shifts a cron schedule."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import Api
from tests.e2e.receiver import Receiver

pytestmark = pytest.mark.e2e


def test_pause_resume_and_trigger_now(api: Api, receiver: Receiver) -> None:
    url = receiver.url("/hooks/life")
    api.verify(url)
    sid = api.schedule({"webhook_url": url, "payload": {"p": 1}, "cron_expression": "*/2 * * * * *"})["id"]
    assert len(receiver.wait_for("/hooks/life", 1, timeout=10)) >= 1

    assert api.post(f"/schedules/{sid}/pause", {}).json()["state"] == "paused"
    time.sleep(1.5)  # anything already handed to a worker lands now
    settled = len(receiver.got("/hooks/life"))
    time.sleep(4)
    assert len(receiver.got("/hooks/life")) == settled, "a paused schedule fired"

    r = api.post(f"/schedules/{sid}/trigger", {})
    assert r.status_code == 202
    manual = r.json()["run_id"]
    got = receiver.wait_for("/hooks/life", settled + 1, timeout=10)
    assert got[-1].headers["webhook-id"] == manual

    api.post(f"/schedules/{sid}/resume", {})
    assert len(receiver.wait_for("/hooks/life", settled + 3, timeout=10)) >= settled + 3
    api.delete(f"/schedules/{sid}")


def test_interval_and_delay_fire_on_time(api: Api, receiver: Receiver) -> None:
    url = receiver.url("/hooks/interval")
    api.verify(url)
    started = time.time()
    interval = api.schedule({"webhook_url": url, "payload": {"k": "i"}, "interval": "3s"})
    api.schedule({"webhook_url": url, "payload": {"k": "d"}, "delay": 4})
    got = receiver.wait_for("/hooks/interval", 4, timeout=15)
    api.delete(f"/schedules/{interval['id']}")
    ticks = [r.at - started for r in got if r.json() == {"k": "i"}]
    delayed = [r.at - started for r in got if r.json() == {"k": "d"}]
    assert len(delayed) == 1 and 3.0 < delayed[0] < 5.2
    assert len(ticks) >= 3
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    assert all(2.0 < g < 4.0 for g in gaps), gaps
