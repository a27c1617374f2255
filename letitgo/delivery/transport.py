"""A requests transport that connects only to an address the SSRF guard has checked.

The request URL carries the checked IP (``https://93.184.216.34:443/hook``), so nothing below
ever resolves a name again. The original host travels in the Host header, and for https the
adapter copies it into the pool's ``server_hostname`` (SNI) and ``assert_hostname`` (certificate
check), so TLS still verifies the name the user wrote, not the IP. urllib3 keys pools on both,
so a pool is never shared between two names that happen to share an IP.

Connections register their sockets with the attempt's ``Deadline``.
"""

from __future__ import annotations

import socket
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from letitgo.delivery.deadline import watch_handshake, watch_socket
from letitgo.ssrf import parse_host


class _WatchedHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        watch_socket(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        watch_socket(self.sock)  # a reused keep-alive connection does not call connect()
        super().request(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        watch_handshake(sock)
        return sock

    def connect(self) -> None:
        super().connect()
        watch_socket(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        watch_socket(self.sock)
        super().request(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class PinnedAdapter(HTTPAdapter):
    """HTTPAdapter for IP-addressed URLs: TLS name from the Host header, watched sockets."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        # A fresh dict: the default is urllib3's module-level table, shared by every manager.
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPPool,
            "https": _WatchedHTTPSPool,
        }

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> Any:  # the stubs' TypedDicts do not list server_hostname / assert_hostname
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        kwargs: dict[str, Any] = dict(pool_kwargs)
        name = tls_hostname(request.headers.get("Host"))
        if host_params["scheme"] == "https" and name is not None:
            kwargs["server_hostname"] = name
            kwargs["assert_hostname"] = name
        return host_params, kwargs


def tls_hostname(host_header: str | None) -> str | None:
    """The DNS name in a Host header, or None when absent or an IP literal."""
    if not host_header:
        return None
    if host_header.startswith("["):
        return None  # IPv6 literal: urllib3 checks the certificate against the URL's IP
    name = host_header.rsplit(":", 1)[0]
    return None if parse_host(name) is not None else name


def make_session(pool_maxsize: int = 10) -> requests.Session:
    """A Session for ``send``: pinned adapter, no proxies from the environment, no cookies.

    Reuse one per worker thread to keep connections alive between deliveries.
    """
    session = requests.Session()
    session.trust_env = False
    session.max_redirects = 0
    # Cookies from one tenant's receiver must never ride along on another tenant's delivery.
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    adapter = PinnedAdapter(pool_maxsize=pool_maxsize)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def pinned_adapter(session: requests.Session, url: str) -> PinnedAdapter:
    """The session's adapter for ``url``; refuse sessions not built by ``make_session``."""
    adapter = session.get_adapter(url)
    if not isinstance(adapter, PinnedAdapter):
        raise TypeError("send() needs a session from letitgo.delivery.make_session()")
    return adapter
