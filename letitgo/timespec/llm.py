"""Fallback reader for time phrases the offline parser cannot read: an OpenAI-compatible chat model.

The model only proposes; its answer goes through the same checks as user input (an RFC 3339 time
must be in the future, a cron expression must parse and fire, an interval must be >= 1 s).
Errors never include the API key.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import requests

from letitgo.errors import TimeSpecError, UnavailableError
from letitgo.timespec.clock import parse_rfc3339, whole_second_ceil
from letitgo.timespec.cron import parse_cron
from letitgo.timespec.durations import parse_duration
from letitgo.timespec.lexicon import shown
from letitgo.timespec.model import Draft

FIELD = "time_as_text"
UNDERSTOOD_AS = "time_as_text:llm"

SYSTEM_PROMPT = """\
You convert a person's description of when to call a webhook into one JSON object, and nothing else.
Answer with exactly one of:
{"kind":"once","time":"<RFC 3339 date-time with its UTC offset, e.g. 2026-12-24T10:00:00+02:00>"}
{"kind":"cron","cron":"<5 fields: minute hour day-of-month month day-of-week; or 6 fields with SECONDS FIRST>"}
{"kind":"interval","seconds":<whole number of seconds, at least 1>}
{"kind":"unknown"}   when the text does not say when.
Rules: relative phrases ("tomorrow", "in 2 hours", "next Monday") are relative to the current time given.
Cron expressions are evaluated in the given time zone, so write local wall-clock hours.
Prefer cron for repetitions tied to the clock or calendar, interval for fixed periods ("every 90 minutes").
No explanation, no code fences."""

_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


class LLMClient:
    """Calls a chat-completions endpoint (``url`` is the full endpoint, e.g. http://host/v1/chat/completions)."""

    def __init__(self, url: str, api_key: str, model: str, timeout: float = 10) -> None:
        self.url = url
        self._api_key = api_key
        self.model = model
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"LLMClient(url={self.url!r}, model={self.model!r})"

    def interpret(self, text: str, timezone: str, now: datetime) -> dict[str, Any]:
        """Ask the model what ``text`` means; return its JSON object (not yet validated)."""
        response = self._post(self._request_body(text, timezone, now))
        content = self._content(response)
        match = _OBJECT.search(content)
        try:
            answer = json.loads(match.group(0)) if match else None
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise TimeSpecError(
                FIELD, f'could not understand "{shown(text)}" (the language model gave no usable answer)'
            )
        return answer

    def _request_body(self, text: str, timezone: str, now: datetime) -> dict[str, Any]:
        local = now.astimezone(ZoneInfo(timezone)).replace(microsecond=0)
        user = f"Text: {text}\nTime zone: {timezone}\nCurrent time: {local.isoformat()} ({local:%A})"
        return {
            "model": self.model,
            "temperature": 0,
            "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}],
        }

    def _post(self, body: dict[str, Any]) -> requests.Response:
        headers = {"Authorization": f"Bearer {self._api_key}", "Content-Type": "application/json"}
        try:
            response = requests.post(self.url, json=body, headers=headers, timeout=self.timeout, allow_redirects=False)
        except requests.Timeout:
            raise UnavailableError(
                f"the language model at {self._where()} did not answer within {self.timeout:g} s"
            ) from None
        except requests.RequestException as exc:
            reason = type(exc).__name__
            raise UnavailableError(f"the language model at {self._where()} could not be reached ({reason})") from None
        if response.status_code != 200:
            raise UnavailableError(
                self._redact(f"the language model at {self._where()} answered HTTP {response.status_code}")
            )
        return response

    def _content(self, response: requests.Response) -> str:
        try:
            content = response.json()["choices"][0]["message"].get("content")
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            content = False
        if content is None:  # a completion without text (a refusal): no usable answer
            return ""
        if not isinstance(content, str):
            raise UnavailableError(
                f"the language model at {self._where()} sent a response that is not a chat completion"
            )
        return content

    def _where(self) -> str:
        parts = urlsplit(self.url)
        host = parts.hostname or "?"
        return self._redact(f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else ""))

    def _redact(self, message: str) -> str:
        return message.replace(self._api_key, "***") if self._api_key else message


def draft_from_answer(answer: dict[str, Any], text: str, zone: ZoneInfo) -> Draft:
    """Validate a model's answer through the same parsers as user input."""
    kind = answer.get("kind")
    try:
        if kind == "once" and isinstance(answer.get("time"), str):
            return Draft("once", UNDERSTOOD_AS, at=whole_second_ceil(parse_rfc3339(answer["time"], zone, FIELD)))
        if kind == "cron" and isinstance(answer.get("cron"), str):
            return Draft("cron", UNDERSTOOD_AS, cron=parse_cron(answer["cron"], FIELD))
        if kind == "interval" and isinstance(answer.get("seconds"), int | str):
            return Draft("interval", UNDERSTOOD_AS, seconds=parse_duration(answer["seconds"], FIELD))
    except TimeSpecError as exc:
        raise TimeSpecError(
            FIELD,
            f'could not understand "{shown(text)}" (the language model proposed {_proposal(answer)}: {exc.message})',
        ) from None
    raise TimeSpecError(FIELD, f'could not understand "{shown(text)}"')


def _proposal(answer: dict[str, Any]) -> str:
    return json.dumps(answer, ensure_ascii=False)[:200]
