"""Deadline: the watchdog that ends an attempt's sockets when its time budget is spent."""

from __future__ import annotations

import socket
import time

from letitgo.delivery.deadline import Deadline, watch_handshake, watch_socket


def test_blocked_read_returns_at_the_deadline() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs, Deadline(0.3) as deadline:
        watch_socket(ours)
        ours.settimeout(5)
        started = time.monotonic()
        assert ours.recv(10) == b""  # shut down under the reader: EOF
        assert 0.25 <= time.monotonic() - started < 1.0
        assert deadline.expired


def test_socket_watched_after_expiry_is_shut_down_at_once() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs, Deadline(0.05) as deadline:
        time.sleep(0.2)
        assert deadline.expired
        watch_socket(ours)
        ours.settimeout(5)
        assert ours.recv(10) == b""


def test_nothing_happens_after_a_finished_attempt() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        with Deadline(0.1):
            watch_socket(ours)
        time.sleep(0.2)
        theirs.sendall(b"still open")
        assert ours.recv(10) == b"still open"


def test_handshake_duplicate_is_closed_when_the_attempt_ends() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        with Deadline(5) as deadline:
            watch_handshake(ours)
            [dup] = deadline._owned
            assert dup.fileno() != ours.fileno()
        assert dup.fileno() == -1
        theirs.sendall(b"x")
        assert ours.recv(1) == b"x"


def test_timeout_never_exceeds_limit_or_remaining() -> None:
    with Deadline(2.0) as deadline:
        assert deadline.timeout(5.0) <= 2.0
        assert deadline.timeout(0.5) == 0.5
        assert 1.9 < deadline.remaining() <= 2.0
    with Deadline(0.0) as spent:
        assert spent.timeout(5.0) == 0.001 and spent.expired


def test_no_active_deadline_means_no_watch() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        watch_socket(ours)  # outside any attempt: ignored
        watch_handshake(ours)
        theirs.sendall(b"y")
        assert ours.recv(1) == b"y"
