"""A total time budget for one delivery attempt.

Socket timeouts bound each ``recv``, not the whole exchange: a server that sends one byte a
second (in the headers or the body) never trips them. ``Deadline`` therefore also runs a timer
that shuts down every socket the attempt uses once the budget is spent, which makes the blocked
read return at once, wherever it is (status line, headers, body, TLS record).

Connections register themselves through ``watch_socket`` (and ``watch_handshake`` before TLS);
the active deadline is found through a context variable, so several threads can each run
their own attempt.
"""

from __future__ import annotations

import contextvars
import socket
import threading
import time
from types import TracebackType

_active: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("letitgo_delivery_deadline", default=None)


class Deadline:
    """Seconds left for one attempt; when they run out, watched sockets are shut down."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._expires_at = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._owned: list[socket.socket] = []
        self._fired = False
        self._finished = False
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._token: contextvars.Token[Deadline | None] | None = None

    def __enter__(self) -> Deadline:
        self._token = _active.set(self)
        self._timer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._lock:
            self._finished = True
            self._sockets.clear()
            owned, self._owned = self._owned, []
        self._timer.cancel()
        for sock in owned:
            sock.close()
        if self._token is not None:
            _active.reset(self._token)

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self._expires_at - time.monotonic())

    @property
    def expired(self) -> bool:
        """True once the budget is spent (whether or not the timer has fired yet)."""
        return self._fired or self.remaining() <= 0

    def timeout(self, limit: float) -> float:
        """A socket timeout no longer than ``limit`` nor than what is left (never zero)."""
        return max(min(limit, self.remaining()), 0.001)

    def watch(self, sock: socket.socket, owned: bool = False) -> None:
        """Shut ``sock`` down when the deadline passes (at once if it already has).

        owned: the deadline closes ``sock`` when the attempt ends (for ``dup()`` handles).
        """
        with self._lock:
            if self._finished:
                if owned:
                    sock.close()
                return
            if owned:
                self._owned.append(sock)
            if self._fired:
                _shutdown(sock)
            elif not any(s is sock for s in self._sockets):
                self._sockets.append(sock)

    def tighten(self, limit: float) -> None:
        """Lower the timeout of the watched sockets to ``timeout(limit)`` before the next read."""
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            try:
                sock.settimeout(self.timeout(limit))
            except OSError:
                pass

    def _fire(self) -> None:
        with self._lock:
            if self._finished:
                return
            self._fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)


def watch_socket(sock: socket.socket | None) -> None:
    """Register ``sock`` with the deadline of the attempt running in this context, if any."""
    deadline = _active.get()
    if deadline is not None and sock is not None:
        deadline.watch(sock)


def watch_handshake(sock: socket.socket) -> None:
    """Cover a TCP socket about to be wrapped in TLS, so the handshake ends at the deadline too.

    (CPython already bounds a handshake by the socket timeout, but counted from the handshake's
    start, after the TCP connect.) Wrapping detaches ``sock``, so the deadline watches a
    duplicate descriptor: shutting that down ends the same TCP connection. The duplicate is
    closed when the attempt ends.
    """
    deadline = _active.get()
    if deadline is not None:
        deadline.watch(sock.dup(), owned=True)


def _shutdown(sock: socket.socket) -> None:
    # socket.socket.shutdown, not SSLSocket.shutdown: cut the TCP stream under a TLS layer that
    # another thread is reading, without touching the TLS state it holds.
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass
