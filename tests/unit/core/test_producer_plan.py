"""The producer's plan for one claimed schedule: due occurrences, misfire policy, max_runs, completion."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from letitgo.producer import MAX_OCCURRENCES_PER_POLL, plan

NOW = datetime(2026, 12, 3, 12, 0, 0, tzinfo=timezone.utc)
HORIZON = NOW + timedelta(seconds=2)


def _cron(next_run_at: datetime, **extra: object) -> dict:
    return {
        "_id": "s",
        "kind": "cron",
        "cron": "* * * * *",
        "timezone": "UTC",
        "next_run_at": next_run_at,
        "misfire_grace": 60,
        **extra,
    }


def test_a_due_one_time_schedule_fires_once_and_completes() -> None:
    p = plan({"_id": "s", "kind": "once", "timezone": "UTC", "next_run_at": NOW + timedelta(seconds=1)}, NOW, HORIZON)
    assert p.fire == [NOW + timedelta(seconds=1)] and p.missed == [] and p.completed and p.next_run_at is None


def test_an_on_time_cron_fires_and_moves_to_its_next_occurrence() -> None:
    p = plan(_cron(NOW), NOW, HORIZON)
    assert p.fire == [NOW] and p.next_run_at == NOW + timedelta(minutes=1) and not p.completed


def test_fire_once_after_downtime_fires_the_latest_and_records_the_rest_missed() -> None:
    p = plan(_cron(NOW - timedelta(minutes=10)), NOW, HORIZON)
    late = [NOW - timedelta(minutes=m) for m in range(10, 1, -1)]  # -10 .. -2 are past the 60 s grace
    assert p.fire == [NOW - timedelta(minutes=2), NOW - timedelta(minutes=1), NOW]
    assert p.missed == late[:-1]
    assert p.next_run_at == NOW + timedelta(minutes=1)


def test_skip_fires_only_what_is_within_grace() -> None:
    p = plan(_cron(NOW - timedelta(minutes=10), misfire_policy="skip"), NOW, HORIZON)
    assert p.fire == [NOW - timedelta(minutes=1), NOW]
    assert len(p.missed) == 9 and p.missed[0] == NOW - timedelta(minutes=10)


def test_fire_all_fires_every_occurrence() -> None:
    p = plan(_cron(NOW - timedelta(minutes=10), misfire_policy="fire_all"), NOW, HORIZON)
    assert len(p.fire) == 11 and p.missed == []


def test_a_late_one_time_schedule_still_fires_under_fire_once_but_not_under_skip() -> None:
    doc = {"_id": "s", "kind": "once", "timezone": "UTC", "next_run_at": NOW - timedelta(hours=2), "misfire_grace": 60}
    assert plan(doc, NOW, HORIZON).fire == [NOW - timedelta(hours=2)]
    skipped = plan({**doc, "misfire_policy": "skip"}, NOW, HORIZON)
    assert skipped.fire == [] and skipped.missed == [NOW - timedelta(hours=2)] and skipped.completed


def test_max_runs_stops_the_recurrence() -> None:
    p = plan(_cron(NOW - timedelta(minutes=2), misfire_policy="fire_all", max_runs=5, run_count=3), NOW, HORIZON)
    assert p.fire == [NOW - timedelta(minutes=2), NOW - timedelta(minutes=1)]
    assert p.completed and p.next_run_at is None


def test_a_long_catch_up_is_bounded_per_poll_and_fires_nothing_until_the_last_chunk() -> None:
    doc = {
        "_id": "s",
        "kind": "cron",
        "cron": "* * * * * *",
        "timezone": "UTC",
        "next_run_at": NOW - timedelta(hours=1),
        "misfire_grace": 5,
    }
    first = plan(doc, NOW, HORIZON)
    assert first.fire == [] and len(first.missed) == MAX_OCCURRENCES_PER_POLL
    assert first.next_run_at == NOW - timedelta(hours=1) + timedelta(seconds=MAX_OCCURRENCES_PER_POLL)
    last = plan({**doc, "next_run_at": NOW - timedelta(seconds=30)}, NOW, HORIZON)
    assert last.fire[0] == NOW - timedelta(seconds=6)  # the latest late one, then those within grace
    assert last.fire[-1] == HORIZON
