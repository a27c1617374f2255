"""A "delivered" state lost to a concurrent read-modify-write (FerretDB) is restored, not sent again forever."""

from __future__ import annotations

from flask.testing import FlaskClient

from letitgo import lifecycle, storage
from letitgo.delivery.runner import deliver_run
from letitgo.models import Run
from letitgo.runtime import Runtime, get_runtime
from tests.e2e.receiver import Receiver


def _delivered_then_overwritten(client: FlaskClient, receiver: Receiver, path: str) -> tuple[str, Runtime]:
    """Deliver a run, then put back the document as a poll had read it before the delivery."""
    url = receiver.url(path)
    storage.save_endpoint(url, "test", None)
    r = client.post("/schedules", json={"webhook_url": url, "payload": {"n": 1}, "delay": 3600})
    assert r.status_code == 201, r.get_json()
    rid = lifecycle.trigger(r.get_json()["id"])["_id"]
    read_by_poll = Run._get_collection().find_one({"_id": rid})
    rt = get_runtime()
    assert deliver_run(rid, rt, lambda _s: None).state == "delivered"
    Run._get_collection().replace_one({"_id": rid}, read_by_poll)  # the poll's write lands after the runner's
    assert storage.get_run(rid).state == "pending"  # type: ignore[union-attr]
    return rid, rt


def test_a_republished_run_found_in_the_cache_gets_its_delivered_state_back(
    client: FlaskClient, receiver: Receiver
) -> None:
    rid, rt = _delivered_then_overwritten(client, receiver, "/lost")
    assert deliver_run(rid, rt, lambda _s: None).state == "delivered"
    run = storage.get_run(rid)
    assert run is not None and run.state == "delivered" and run.next_attempt_at is None
    assert run.attempt_count == 1 and run.last_status == 200 and run.delivered_at is not None
    assert len(receiver.got("/lost")) == 1, "the receiver got it again"


def test_a_run_set_open_on_purpose_after_its_delivery_is_left_open(client: FlaskClient, receiver: Receiver) -> None:
    rid, rt = _delivered_then_overwritten(client, receiver, "/reopened")
    storage.update_run(rid, {"state": "pending"})  # a deliberate change, newer than the delivered attempt
    deliver_run(rid, rt, lambda _s: None)
    assert storage.get_run(rid).state == "pending"  # type: ignore[union-attr]
