"""Words and clock times shared by the natural-language readers (``text_once``, ``text_every``)."""

from __future__ import annotations

import re

from letitgo.errors import TimeSpecError

FIELD = "time_as_text"

WEEKDAYS = {
    "sunday": 0, "sun": 0, "monday": 1, "mon": 1, "tuesday": 2, "tues": 2, "tue": 2, "wednesday": 3, "wed": 3,
    "thursday": 4, "thurs": 4, "thur": 4, "thu": 4, "friday": 5, "fri": 5, "saturday": 6, "sat": 6,
}  # fmt: skip
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
    "forty-five": 45, "fortyfive": 45, "sixty": 60, "ninety": 90, "other": 2,
}  # fmt: skip
ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
UNITS = {"second": 1, "sec": 1, "s": 1, "minute": 60, "min": 60, "hour": 3600, "hr": 3600, "h": 3600,
         "day": 86400, "week": 604800}  # fmt: skip


def alternation(words: dict[str, int] | list[str]) -> str:
    """A regex alternation, longest words first so 'monday' wins over 'mon'."""
    return "|".join(sorted(words, key=len, reverse=True))


WEEKDAY = alternation(WEEKDAYS)
MONTH = alternation(MONTHS)
NUMBER = r"\d+|" + alternation(NUMBERS)
UNIT = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)"

_TIME = r"(?:\d{1,2}(?::\d{2}){0,2} ?[ap]m|\d{1,2}:\d{2}(?::\d{2})?|noon|midday|midnight)"
_TIME_LIST = re.compile(rf"(?<![\w:/.-])(?:at )?{_TIME}(?:(?: ?, ?| and | & |, and )(?:at )?{_TIME})*(?![\w:])")
_ONE_TIME = re.compile(
    r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?::(?P<s>\d{2}))? ?(?P<ap>[ap]m)"
    r"|(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?|(?P<word>noon|midday|midnight)"
)
_AT_HOUR = re.compile(r"(?<![\w:/.-])at (?P<h>\d{1,2})(?![\w:/.-])")

Clock = tuple[int, int, int]


def normalise(text: str) -> str:
    """Lower case, 'p.m.' -> 'pm', no o'clock, single spaces, no trailing full stop."""
    s = text.lower().replace("\u2019", "'")
    s = re.sub(r"\b([ap])\.m\.?", r"\1m", s)
    s = re.sub(r"\s*o'clock\b", "", s)
    s = re.sub(r"\s*([,;])\s*", r"\1 ", s).replace(";", ",")
    return re.sub(r"\s+", " ", s).strip().rstrip(".!,")


def take_times(text: str) -> tuple[list[Clock], str]:
    """Pull out the clock times ('at 9am and 5pm', '15:00', 'noon', 'at 9'); return them and the rest."""
    match = _TIME_LIST.search(text) or _AT_HOUR.search(text)
    if match is None:
        return [], text
    if match.re is _AT_HOUR:
        times = [_checked(int(match.group("h")), 0, 0, match.group(0))]
    else:
        times = [_clock(one) for one in _ONE_TIME.finditer(match.group(0))]
    rest = (text[: match.start()] + " " + text[match.end() :]).strip(" ,")
    return times, re.sub(r"\s+", " ", rest).strip()


def _clock(match: re.Match[str]) -> Clock:
    token = match.group(0)
    word = match.group("word")
    if word:
        return (0, 0, 0) if word == "midnight" else (12, 0, 0)
    if match.group("ap"):
        hour = int(match.group("h"))
        if not 1 <= hour <= 12:
            raise TimeSpecError(FIELD, f'"{token}" is not a valid time of day')
        hour = hour % 12 + (12 if match.group("ap") == "pm" else 0)
        return _checked(hour, int(match.group("m") or 0), int(match.group("s") or 0), token)
    return _checked(int(match.group("H")), int(match.group("M")), int(match.group("S") or 0), token)


def _checked(hour: int, minute: int, second: int, token: str) -> Clock:
    if hour > 23 or minute > 59 or second > 59:
        raise TimeSpecError(FIELD, f'"{token}" is not a valid time of day')
    return hour, minute, second


def number(word: str | None, default: int = 1) -> int:
    if word is None:
        return default
    return int(word) if word.isdigit() else NUMBERS[word]


def ordinal(word: str) -> int:
    """'1st', '15th', '15', 'first' -> the number."""
    if word in ORDINAL_WORDS:
        return ORDINAL_WORDS[word]
    return int(re.sub(r"(st|nd|rd|th)$", "", word))


def unit_seconds(word: str) -> int:
    return UNITS[word.rstrip("s") or "s"]


def shown(text: str) -> str:
    """The user's text for an error message, cut when very long."""
    return text if len(text) <= 200 else text[:197] + "..."
