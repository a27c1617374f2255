"""A real HTTP receiver on 127.0.0.1 that records what it gets and answers as each test scripts it."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from letitgo.receiver import answer_challenge


@dataclass
class Received:
    at: float
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers verification requests with the Go scheme, challenges with ``secrets[path]``, others per ``script``."""

    secret_key: str
    script: dict[str, list[int]] = field(default_factory=dict)  # path -> statuses to answer in turn, then 200
    secrets: dict[str, str] = field(default_factory=dict)  # path -> whsec_ secret that answers challenges
    answers: dict[str, str] = field(default_factory=dict)  # path -> a fixed challenge_response (a replayed one)
    requests: list[Received] = field(default_factory=list)
    challenges: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def got(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, path: str, count: int, timeout: float) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.got(path)) >= count:
                return self.got(path)
            time.sleep(0.05)
        return self.got(path)

    def start(self, port: int = 0) -> Receiver:
        """Serve on ``port`` (0: any free one; the old port to bring a stopped receiver back)."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                return

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if body.startswith(b'{"type": "webhook.verification"'):
                    return self._answer_verification()
                headers = {k.lower(): v for k, v in self.headers.items()}
                got = Received(time.time(), self.command, self.path, headers, body)
                if body.startswith(b'{"type": "webhook.challenge"'):
                    return self._answer_challenge(got)
                with receiver.lock:
                    receiver.requests.append(got)
                    statuses = receiver.script.get(self.path) or []
                    status = statuses.pop(0) if statuses else 200
                self._reply(status, {})

            def _answer_verification(self) -> None:
                url = receiver.base + self.path
                sig = hmac.new(receiver.secret_key.encode(), url.encode(), hashlib.sha256).hexdigest()
                self._reply(200, {"X-Webhook-Signature": sig})

            def _answer_challenge(self, got: Received) -> None:
                with receiver.lock:
                    receiver.challenges.append(got)
                    secret = receiver.secrets.get(self.path)
                    fixed = receiver.answers.get(self.path)
                if secret is None and fixed is None:
                    return self._reply(404, {})
                challenge = json.loads(got.body)["challenge"]
                response = fixed or answer_challenge(secret or "", challenge)
                self._reply(
                    200, {"Content-Type": "application/json"}, json.dumps({"challenge_response": response}).encode()
                )

            def _reply(self, status: int, headers: dict[str, str], body: bytes = b"ok") -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
