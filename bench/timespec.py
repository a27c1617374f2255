"""Next-occurrence speed: LetItGo's DST-aware walker against croniter (the baseline) in the same run.

The producer calls next_after once per claimed occurrence, so this bounds the poll's CPU per schedule.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from croniter import croniter

from letitgo.timespec import Recurrence, next_after

EXPRESSIONS = ["*/5 * * * *", "0 9 * * 1-5", "30 2 1 * *", "0 0 29 2 *", "15 10 L * *"]
CALLS = 500  # 500 leap days already reach the year 4026


def _ours(expr: str, zone: str) -> float:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rec = Recurrence(kind="cron", timezone=zone, first_run=start - timedelta(days=1), cron=expr)
    t = start
    began = time.perf_counter()
    for _ in range(CALLS):
        t = next_after(rec, t)  # type: ignore[assignment]
    return (time.perf_counter() - began) / CALLS * 1e6


def _croniter(expr: str) -> float:
    it = croniter(expr, datetime(2026, 1, 1, tzinfo=UTC))
    began = time.perf_counter()
    for _ in range(CALLS):
        it.get_next(datetime)
    return (time.perf_counter() - began) / CALLS * 1e6


def main() -> None:
    print(f"next occurrence, microseconds per call ({CALLS} consecutive calls each)")
    print(f"  {'expression':<16} {'croniter UTC':>13} {'LetItGo UTC':>12} {'LetItGo NY':>11} {'ratio UTC':>10}")
    for expr in EXPRESSIONS:
        base, ours, ny = _croniter(expr), _ours(expr, "UTC"), _ours(expr, "America/New_York")
        print(f"  {expr:<16} {base:13.1f} {ours:12.1f} {ny:11.1f} {base / ours:9.2f}x")


if __name__ == "__main__":
    main()
