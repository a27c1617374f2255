"""The session-long stack never touches what the integration tests of the same session set up."""

from __future__ import annotations

import time

from letitgo import ids, storage
from letitgo.models import Schedule, utcnow
from letitgo.settings import get_settings
from tests.conftest import TEST_ENV
from tests.e2e.stack import Stack


def test_the_stack_has_its_own_database_redis_db_and_topic(stack: Stack) -> None:
    for key in ("MONGODB_URI", "REDIS_DB", "LETITGO_KAFKA_TOPIC", "LETITGO_KAFKA_GROUP"):
        assert stack.env[key] != TEST_ENV[key], key


def test_a_due_schedule_in_the_test_database_is_not_claimed_by_the_stack(stack: Stack) -> None:
    storage.connect(get_settings().mongodb_uri)  # the integration tests' database
    doc = Schedule(
        id=ids.new_schedule_id(),
        webhook_url="http://127.0.0.1:9/x",
        method="POST",
        sealed="v1.k.x",
        kind="once",
        next_run_at=utcnow(),
        state="active",
    ).save()
    try:
        time.sleep(3)  # several polls of the stack (every 0.5 s)
        doc.reload()
        assert doc.claim_token is None and doc.state == "active"
    finally:
        doc.delete()
