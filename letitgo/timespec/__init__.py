"""Time specifications: turn what a user wrote into UTC instants, and compute the next ones.

Contract used by the API and the producer poll (implementation lives in the submodules):

- ``resolve(spec, now)`` reads exactly one of the time fields of ``TimeInput`` and returns a
  ``Recurrence`` (raises ``TimeSpecError`` naming the field).
- ``next_after(rec, after)`` returns the first occurrence strictly after ``after`` (UTC), or None.
- ``next_runs(rec, after, count)`` returns up to ``count`` such occurrences.

A ``Recurrence`` holds only plain values so it can be stored on a schedule and rebuilt later.
"""
