"""A slow real HTTP receiver on 127.0.0.1: every delivery stays in flight for ``delay`` seconds."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Got:
    at: float  # wall clock when the request arrived (before the receiver answers)
    webhook_id: str
    body: bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


@dataclass
class SlowReceiver:
    """Answers the Go verification scheme; records every other request on arrival, answers 200 after ``delay``."""

    secret_key: str
    delay: float = 0.5
    got: list[Got] = field(default_factory=list)
    in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: _Server | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def snapshot(self) -> list[Got]:
        with self.lock:
            return list(self.got)

    def start(self) -> SlowReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                return

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if body.startswith(b'{"type": "webhook.verification"'):
                    url = receiver.base + self.path
                    sig = hmac.new(receiver.secret_key.encode(), url.encode(), hashlib.sha256).hexdigest()
                    return self._reply({"X-Webhook-Signature": sig})
                with receiver.lock:
                    receiver.got.append(Got(time.time(), self.headers.get("webhook-id", ""), body))
                    receiver.in_flight += 1
                try:
                    time.sleep(receiver.delay)
                    self._reply({})
                except OSError:
                    pass  # the sender died while we slept
                finally:
                    with receiver.lock:
                        receiver.in_flight -= 1

            def _reply(self, headers: dict[str, str]) -> None:
                self.send_response(200)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
