"""Time specifications: turn what a user wrote into UTC instants, and compute the next ones.

Contract used by the API and the producer poll:

- ``resolve(spec, now, llm=None)`` reads exactly one of the time fields of ``TimeInput``
  (``schedule_time``, ``cron_expression``, ``time_as_text``, ``interval``, ``delay``) and returns
  a ``Recurrence``; it raises ``TimeSpecError`` naming the field.
- ``next_after(rec, after)`` returns the first occurrence strictly after ``after`` (UTC), or None.
- ``next_runs(rec, after, count)`` returns up to ``count`` such occurrences.
- ``describe(rec)`` returns a short English description.

Every instant returned is tz-aware UTC with whole seconds. A ``Recurrence`` holds only plain values
so it can be stored on a schedule and rebuilt later; occurrences before its ``first_run`` and after
its ``end_at`` are never returned.

Choices:

- ``schedule_time`` is RFC 3339; without an offset it is a wall time in ``timezone``. Fractions of
  a second round up. A time at or before ``now`` is refused.
- ``delay``: once, ``now`` (whole seconds) + delay.
- ``interval``: with a future ``start_at`` the first run is ``start_at``; with a past one the runs
  stay on its grid (``start_at + k * interval``), the first strictly after ``now``; without one the
  first run is ``now + interval``. Intervals are exact elapsed seconds (DST does not stretch them).
- ``cron_expression`` and recurring text: the first run is the first occurrence strictly after
  ``max(now, start_at)``.
- ``start_at`` / ``end_at`` apply to recurrences only; giving them with a one-time field is refused.

Time zones and DST: cron and natural language are evaluated on the wall clock of ``timezone``
(an IANA name, default UTC). A wall time that does not exist fires at the first valid instant after
the gap, one that occurs twice fires once (its first occurrence), and expressions that fire every
hour fire at every real instant that matches -- see ``walker`` for the details and ``cron`` for the
dialect.
"""

from letitgo.timespec.describe import describe
from letitgo.timespec.model import Recurrence, TimeInput
from letitgo.timespec.spec import next_after, next_runs, resolve

__all__ = ["Recurrence", "TimeInput", "describe", "next_after", "next_runs", "resolve"]
