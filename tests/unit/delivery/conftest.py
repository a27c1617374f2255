"""Fixtures for the delivery tests: real servers on 127.0.0.1, a free port, a test CA."""

from __future__ import annotations

import socket
import socketserver
import ssl
import threading
from collections.abc import Callable, Iterator
from http.server import ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .servers import Behaviour, LocalServer, Pki, cert_builder, start_server


@pytest.fixture()
def serve() -> Iterator[Callable[..., LocalServer]]:
    """serve(behaviour, tls=None) starts a server on 127.0.0.1; stopped after the test."""
    started: list[tuple[ThreadingHTTPServer, LocalServer]] = []

    def start(behaviour: Behaviour, tls: ssl.SSLContext | None = None) -> LocalServer:
        started.append(start_server(behaviour, tls))
        return started[-1][1]

    yield start
    for server, local in started:
        local.state.stop.set()
        server.shutdown()
        server.server_close()


@pytest.fixture()
def serve_raw() -> Iterator[Callable[[Callable[[socket.socket, threading.Event], None]], int]]:
    """serve_raw(fn) runs fn(connection, stop) for each TCP connection; returns the port."""
    started: list[tuple[socketserver.ThreadingTCPServer, threading.Event]] = []

    def start(fn: Callable[[socket.socket, threading.Event], None]) -> int:
        stop = threading.Event()

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                try:
                    fn(self.request, stop)
                except OSError:
                    pass

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append((server, stop))
        return int(server.server_address[1])

    yield start
    for server, stop in started:
        stop.set()
        server.shutdown()
        server.server_close()


@pytest.fixture()
def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A throwaway CA (file usable as Limits.ca_bundle) that signs per-name server certificates."""
    directory = tmp_path_factory.mktemp("pki")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "LetItGo test CA")])
    cert = (
        cert_builder(name, name, key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Pki(ca_file, cert, key, directory)
