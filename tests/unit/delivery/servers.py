"""Scripted HTTP(S) servers on 127.0.0.1 and a throwaway CA, for the delivery tests."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

Behaviour = Callable[["ScriptedHandler"], None]


@dataclass
class Received:
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return values[0] if values else None


@dataclass
class ServerState:
    behaviour: Behaviour
    requests: list[Received] = field(default_factory=list)
    connections: int = 0
    sni: list[str | None] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


class ScriptedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except OSError:  # the client hung up on purpose (deadline, size cap)
            self.close_connection = True

    def _any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        state = self.server.state
        state.requests.append(Received(self.command, self.path, list(self.headers.items()), body))
        state.behaviour(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _any

    def log_message(self, format: str, *args: object) -> None:
        pass

    # Helpers the behaviours use.
    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def raw(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: ServerState

    def verify_request(self, request: object, client_address: object) -> bool:
        self.state.connections += 1
        return True

    def handle_error(self, request: object, client_address: object) -> None:
        pass


@dataclass
class LocalServer:
    state: ServerState
    port: int
    scheme: str = "http"

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"

    @property
    def requests(self) -> list[Received]:
        return self.state.requests


def start_server(behaviour: Behaviour, tls: ssl.SSLContext | None = None) -> tuple[_Server, LocalServer]:
    state = ServerState(behaviour)
    server = _Server(("127.0.0.1", 0), ScriptedHandler)
    server.state = state
    scheme = "http"
    if tls is not None:
        tls.sni_callback = lambda sock, name, ctx: state.sni.append(name)  # type: ignore[assignment,misc]
        server.socket = tls.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        scheme = "https"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server, LocalServer(state, server.server_address[1], scheme)


@dataclass(frozen=True)
class Pki:
    ca_file: Path
    ca_cert: x509.Certificate
    ca_key: ec.EllipticCurvePrivateKey
    directory: Path

    def server_context(self, dns_name: str) -> ssl.SSLContext:
        """A server-side context with a certificate for ``dns_name``, signed by this CA."""
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            cert_builder(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns_name)]), self.ca_cert.subject, key)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False)
            .sign(self.ca_key, hashes.SHA256())
        )
        cert_file, key_file = self.directory / f"{dns_name}.pem", self.directory / f"{dns_name}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
        return context


def cert_builder(subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
    )


LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
