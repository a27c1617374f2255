"""Natural-language time specifications, read offline; an optional language model reads the rest.

One-time phrases are read by ``text_once`` ('in 10 minutes', 'tomorrow at noon', 'December 24 at
10am'), recurring ones by ``text_every`` ('every weekday at 9am', 'every 15 minutes'). Both work on
the wall clock of the schedule's time zone, with the DST policy of ``walker``. A phrase neither can
read is refused with 'could not understand "<text>"', unless a language model client is given.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from letitgo.errors import TimeSpecError
from letitgo.timespec.clock import RFC3339, parse_rfc3339, whole_second_ceil
from letitgo.timespec.cron import parse_cron
from letitgo.timespec.lexicon import FIELD, normalise, shown, take_times
from letitgo.timespec.llm import draft_from_answer
from letitgo.timespec.model import Draft
from letitgo.timespec.text_every import read_every
from letitgo.timespec.text_once import read_once, read_relative

if TYPE_CHECKING:
    from letitgo.timespec.llm import LLMClient


def draft_from_text(text: str, zone: ZoneInfo, now: datetime, date_order: str | None, llm: LLMClient | None) -> Draft:
    """Read ``text`` offline, else ask ``llm``; raise TimeSpecError('time_as_text', ...) when neither can."""
    original = text.strip()
    draft = read_text(original, zone, now, date_order)
    if draft is not None:
        return draft
    if llm is None:
        raise TimeSpecError(FIELD, f'could not understand "{shown(original)}"')
    return draft_from_answer(llm.interpret(original, zone.key, now), original, zone)


def read_text(text: str, zone: ZoneInfo, now: datetime, date_order: str | None) -> Draft | None:
    """The offline reading of a phrase, or None when it is not one we know."""
    if RFC3339.fullmatch(text):
        return Draft("once", FIELD, at=whole_second_ceil(parse_rfc3339(text, zone, FIELD)))
    normal = normalise(text)
    at = read_relative(normal, now)
    if at is not None:
        return Draft("once", FIELD, at=at)
    times, rest = take_times(normal)
    reading = read_every(rest, times)
    if reading is not None and reading.cron is not None:
        return Draft("cron", FIELD, cron=parse_cron(reading.cron, FIELD))
    if reading is not None:
        return Draft("interval", FIELD, seconds=reading.seconds)
    at = read_once(rest, times, zone, now, date_order)
    return Draft("once", FIELD, at=at) if at is not None else None
