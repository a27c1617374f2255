"""Dead-letter list cursors: opaque, exact across ties, refused when forged."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from letitgo.deadletters import decode_cursor, encode_cursor
from letitgo.errors import ValidationError
from letitgo.models import Run


def test_a_cursor_round_trips_time_and_id() -> None:
    when = datetime(2030, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)
    run = Run(id="run_abc_1893", scheduled_for=when)
    assert decode_cursor(encode_cursor(run)) == (when, "run_abc_1893")


@pytest.mark.parametrize("cursor", ["", "!!!", "bm90aGluZw", "YWJjfHJ1bg"])
def test_forged_cursors_are_a_400_naming_cursor(cursor: str) -> None:
    with pytest.raises(ValidationError) as exc:
        decode_cursor(cursor)
    assert exc.value.field == "cursor"
