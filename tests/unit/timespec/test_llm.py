"""The language-model fallback against a stand-in chat-completions server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from letitgo.errors import TimeSpecError, UnavailableError
from letitgo.timespec import TimeInput, resolve
from letitgo.timespec.llm import LLMClient
from tests.unit.timespec.helpers import iso, utc

NOW = utc("2026-01-15T18:30:00")
KEY = "sk-test-0123456789abcdef"
PATH = "/v1/chat/completions"


@dataclass
class Script:
    """What the stand-in server answers, and what it was asked."""

    status: int = 200
    content: str | None = '{"kind":"unknown"}'
    raw_body: bytes | None = None  # sent as is instead of a chat completion
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            script.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
            time.sleep(script.delay)
            payload = script.raw_body
            if payload is None:
                message = {"role": "assistant", "content": script.content}
                completion = {"id": "x", "object": "chat.completion", "choices": [{"message": message}]}
                payload = json.dumps(completion).encode()
            try:
                self.send_response(script.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature from http.server
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[Script, str]]:
    script = Script()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield script, f"http://127.0.0.1:{httpd.server_address[1]}{PATH}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _resolve(url: str, text: str, zone: str = "UTC", timeout: float = 5) -> Any:
    return resolve(TimeInput(time_as_text=text, timezone=zone), NOW, llm=LLMClient(url, KEY, "test-model", timeout))


def test_once_answer_is_used_and_the_request_is_well_formed(server: tuple[Script, str]) -> None:
    script, url = server
    script.content = '{"kind":"once","time":"2026-01-16T09:00:00+01:00"}'
    rec = _resolve(url, "la semaine prochaine, demain matin à 9h", zone="Europe/Paris")
    assert (rec.kind, iso(rec.first_run), rec.understood_as) == ("once", "2026-01-16T08:00:00Z", "time_as_text:llm")
    (request,) = script.requests
    assert request["path"] == PATH
    assert request["headers"]["Authorization"] == f"Bearer {KEY}"
    body = request["body"]
    assert body["model"] == "test-model"
    system, user = body["messages"]
    assert system["role"] == "system" and '"kind":"cron"' in system["content"]
    assert user["content"] == (
        "Text: la semaine prochaine, demain matin à 9h\nTime zone: Europe/Paris\n"
        "Current time: 2026-01-15T19:30:00+01:00 (Thursday)"
    )


def test_cron_answer_is_evaluated_in_the_zone(server: tuple[Script, str]) -> None:
    script, url = server
    script.content = '```json\n{"kind": "cron", "cron": "0 15 * * *"}\n```'
    rec = _resolve(url, "chaque jour à 15h", zone="America/Los_Angeles")
    assert (rec.kind, rec.cron, iso(rec.first_run)) == ("cron", "0 15 * * *", "2026-01-15T23:00:00Z")
    assert rec.description == "every day at 15:00 (America/Los_Angeles)"


def test_interval_answer(server: tuple[Script, str]) -> None:
    script, url = server
    script.content = 'Sure! {"kind":"interval","seconds":5400}'
    rec = _resolve(url, "toutes les heures et demie")
    assert (rec.kind, rec.interval_seconds, iso(rec.first_run)) == ("interval", 5400, "2026-01-15T20:00:00Z")


def test_offline_reading_wins_and_the_model_is_not_called(server: tuple[Script, str]) -> None:
    script, url = server
    assert _resolve(url, "every day at 3pm").understood_as == "time_as_text"
    with pytest.raises(TimeSpecError, match="ambiguous"):
        _resolve(url, "02/03/2026 at 10:00")  # understood, just ambiguous: not the model's call
    assert script.requests == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"kind":"once","time":"2020-01-01T00:00:00Z"}', "2020-01-01T00:00:00Z is in the past"),
        ('{"kind":"cron","cron":"0 0 31 2 *"}', "February never has 31 days: this expression never fires"),
        ('{"kind":"cron","cron":"0 25 * * *"}', "hour field '25' out of range 0-23"),
        ('{"kind":"interval","seconds":0}', "must be at least 1 second"),
        ('{"kind":"once","time":"next tuesday"}', "is not an RFC 3339 date-time"),
    ],
)
def test_answers_are_validated_like_user_input(server: tuple[Script, str], content: str, expected: str) -> None:
    script, url = server
    script.content = content
    with pytest.raises(TimeSpecError) as caught:
        _resolve(url, "quand tu veux")
    assert caught.value.field == "time_as_text"
    assert expected in caught.value.message


@pytest.mark.parametrize("content", ['{"kind":"unknown"}', "I am not sure what you mean.", '{"kind":', "[1, 2]", None])
def test_no_usable_answer_means_not_understood(server: tuple[Script, str], content: str | None) -> None:
    script, url = server
    script.content = content
    with pytest.raises(TimeSpecError) as caught:
        _resolve(url, "quand tu veux")
    assert caught.value.field == "time_as_text"
    assert caught.value.message.startswith('could not understand "quand tu veux"')


@pytest.mark.parametrize("status", [401, 404, 429, 500, 503])
def test_http_errors_are_unavailable_and_never_show_the_key(server: tuple[Script, str], status: int) -> None:
    script, url = server
    script.status = status
    script.raw_body = json.dumps({"error": f"bad key {KEY}"}).encode()
    with pytest.raises(UnavailableError) as caught:
        _resolve(url + f"?api_key={KEY}", "quand tu veux")
    assert f"answered HTTP {status}" in str(caught.value)
    assert KEY not in str(caught.value)


def test_a_response_that_is_not_a_chat_completion_is_unavailable(server: tuple[Script, str]) -> None:
    script, url = server
    script.raw_body = b"<html>gateway</html>"
    with pytest.raises(UnavailableError, match="not a chat completion"):
        _resolve(url, "quand tu veux")


def test_timeout_is_unavailable(server: tuple[Script, str]) -> None:
    script, url = server
    script.delay = 1.0
    started = time.perf_counter()
    with pytest.raises(UnavailableError, match="did not answer within 0.2 s") as caught:
        _resolve(url, "quand tu veux", timeout=0.2)
    assert time.perf_counter() - started < 0.9
    assert KEY not in str(caught.value)


def test_unreachable_server_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(UnavailableError, match="could not be reached") as caught:
            _resolve(f"http://127.0.0.1:{port}{PATH}", "quand tu veux", timeout=2)
    assert str(caught.value) == f"the language model at http://127.0.0.1:{port} could not be reached (ConnectionError)"


def test_the_client_repr_hides_the_key() -> None:
    client = LLMClient("http://127.0.0.1:9/v1/chat/completions", KEY, "m")
    assert KEY not in repr(client)
