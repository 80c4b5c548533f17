"""The live scan's HTTP transport: azure-core's ``HttpTransport`` interface on one urllib3 pool.

Every request of a scan goes to one host (the :class:`~.clients.ReadOnlyGuard` refuses any
other), so the transport is one connection pool to that host, set up once: trust, proxy and
timeouts are decided here, not per request. azure-core's ``RequestsTransport`` runs each
request through a ``requests`` session (its settings merged, cookies extracted, the request
prepared and the answer rebuilt as ``requests``' own): half the client's CPU per request,
measured on sequential GETs against the emulator (README, "Whole tenants"), for nothing a
scan of one host needs.

Each request has a total time budget, body included (``LiveSettings.request_timeout``, cut to
the scan's deadline): the connect and read timeouts are cut to the time left, and the body is
read piece by piece (each piece one socket read, its timeout the time left), because a socket
read timeout alone is reset by every byte a trickling server sends. Failures become the
azure-core errors ``RequestsTransport`` raises for the same causes, so the retry policy treats
them alike.
"""

from __future__ import annotations

import base64
import os
import time
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

import certifi
import urllib3
from azure.core.exceptions import (
    ServiceRequestError,
    ServiceRequestTimeoutError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest, HttpResponse
from requests.utils import requote_uri
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ProxyError,
    ReadTimeoutError,
    SSLError,
)

from auditor.collect.live.bounds import Deadline
from auditor.collect.live.responses import BufferedResponse, LegacyBufferedResponse
from auditor.errors import InputError

MAX_BODY_BYTES = 256 * 1024 * 1024
"""No ARM list page comes near this; a body past it is a fault, not data to hold in memory."""
CHUNK_BYTES = 64 * 1024
_DEFAULT_HEADERS = {"Accept-Encoding": "gzip, deflate", "Accept": "*/*"}
"""What ``requests`` sent by default, so the services see the same request as before."""


def trust_file() -> str:
    """The CA bundle TLS trusts: ``REQUESTS_CA_BUNDLE``, then ``SSL_CERT_FILE``, then
    ``CURL_CA_BUNDLE``, else certifi's bundle (``requests``' two variables and default, with
    the one OpenSSL reads between them)."""
    return (
        os.environ.get("REQUESTS_CA_BUNDLE")
        or os.environ.get("SSL_CERT_FILE")
        or os.environ.get("CURL_CA_BUNDLE")
        or certifi.where()
    )


def proxy_for(endpoint: str) -> str | None:
    """The proxy the environment routes ``endpoint`` through (``HTTPS_PROXY``, ``ALL_PROXY``...),
    or None when there is none or ``NO_PROXY`` exempts the host: ``requests``' own reading."""
    from requests.utils import get_environ_proxies, select_proxy

    proxy = select_proxy(endpoint, get_environ_proxies(endpoint))
    return proxy or None


class ArmTransport(HttpTransport[HttpRequest, HttpResponse]):
    """One urllib3 connection pool to the ARM endpoint, for every client of a scan."""

    def __init__(
        self,
        endpoint: str,
        deadline: Deadline,
        *,
        budget: float,
        connect_timeout: float,
        read_timeout: float,
        pool_size: int,
        ca_file: str | None = None,
        proxy: str | None = None,
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        self._deadline = deadline
        self._max_body = max_body
        self._budget = budget
        self._connect = connect_timeout
        self._read = read_timeout
        parts = urlsplit(endpoint)
        scheme = parts.scheme.lower()
        if scheme not in ("https", "http") or not parts.hostname:
            raise InputError(f"the ARM endpoint {endpoint!r} is not an http(s) URL")
        pool_kw: dict[str, Any] = {"maxsize": pool_size, "block": False, "retries": False}
        if scheme == "https":
            pool_kw.update(cert_reqs="CERT_REQUIRED", ca_certs=ca_file or trust_file())
        host, port = parts.hostname, parts.port
        self._pool: urllib3.HTTPConnectionPool
        # Only an HTTP proxy forwarding plain http takes the whole URL in the request line;
        # through a tunnel (CONNECT, SOCKS) the server sees its path, as without a proxy.
        self._absolute = (
            proxy is not None and scheme == "http" and not proxy.lower().startswith("socks")
        )
        if proxy is None:
            pool_class = (
                urllib3.HTTPSConnectionPool if scheme == "https" else urllib3.HTTPConnectionPool
            )
            self._pool = pool_class(host, port, **pool_kw)
        else:
            manager = _proxy_manager(proxy, pool_kw)
            self._pool = manager.connection_from_host(host, port, scheme=scheme)

    def open(self) -> None:
        pass

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> ArmTransport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        self.close()

    def send(self, request: Any, **kwargs: Any) -> Any:
        """Send ``request`` and read the whole answer: an ``azure.core.rest`` request gets a
        :class:`BufferedResponse`, an older one a :class:`LegacyBufferedResponse`."""
        if isinstance(request, HttpRequest):
            body = request.content
        elif isinstance(request, LegacyHttpRequest):
            body = request.data
        else:
            raise TypeError(f"ArmTransport sends azure-core requests, not {type(request)}")
        if body is not None and not isinstance(body, str | bytes):
            raise TypeError(f"ArmTransport sends str or bytes bodies, not {type(body)}")
        end = time.monotonic() + min(self._budget, self._deadline.remaining())
        left = end - time.monotonic()
        if left <= 0:
            raise ServiceResponseTimeoutError(self._why())
        connect_limit = float(kwargs.get("connection_timeout", self._connect))
        connect = min(connect_limit, left)
        read = float(kwargs.get("read_timeout", self._read))
        headers = {**_DEFAULT_HEADERS, **request.headers}
        try:
            answer = self._pool.urlopen(
                request.method,
                self._target(request.url),
                body=body,
                headers=headers,
                retries=False,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                timeout=urllib3.Timeout(connect=connect, read=min(read, left)),
            )
        except NewConnectionError as exc:  # a ConnectTimeoutError too: caught first
            raise ServiceRequestError(exc, error=exc) from exc
        except ConnectTimeoutError as exc:
            message = self._timed_out(exc, end, left, connect_limit)
            raise ServiceRequestTimeoutError(message, error=exc) from exc
        except ReadTimeoutError as exc:
            message = self._timed_out(exc, end, left, read)
            raise ServiceResponseTimeoutError(message, error=exc) from exc
        except (SSLError, ProxyError) as exc:
            raise ServiceRequestError(exc, error=exc) from exc
        except ProtocolError as exc:
            raise ServiceResponseError(exc, error=exc) from exc
        except (HTTPError, ValueError) as exc:  # http.client's InvalidURL is a ValueError
            raise ServiceRequestError(exc, error=exc) from exc
        content = self._read_body(answer, end, read)
        kind = BufferedResponse if isinstance(request, HttpRequest) else LegacyBufferedResponse
        return kind(request, answer.status, answer.reason or "", answer.headers, content)

    def _read_body(self, answer: urllib3.BaseHTTPResponse, end: float, read: float) -> bytes:
        """The whole body, read before ``end`` (monotonic), or the connection closed and an
        azure-core error raised."""
        sock = getattr(getattr(answer, "connection", None), "sock", None)
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                left = end - time.monotonic()
                if left <= 0:
                    raise ServiceResponseTimeoutError(self._why())
                if sock is not None:
                    sock.settimeout(min(read, left))
                chunk = answer.read1(CHUNK_BYTES)
                if not chunk:
                    break
                size += len(chunk)
                if size > self._max_body:
                    raise ServiceResponseError(
                        f"the response is larger than {self._max_body:,} bytes"
                    )
                chunks.append(chunk)
        except ReadTimeoutError as exc:
            _discard(answer)
            raise ServiceResponseTimeoutError(self._why(), error=exc) from exc
        except (ProtocolError, HTTPError) as exc:
            _discard(answer)
            raise ServiceResponseError(exc, error=exc) from exc
        except BaseException:
            _discard(answer)
            raise
        answer.release_conn()
        return b"".join(chunks)

    def _target(self, url: str) -> str:
        """What the request line names: the path and query, or (through a proxy, to an http
        endpoint) the whole URL; percent-encoded as ``requests`` would."""
        url = requote_uri(url)
        if self._absolute:
            return url
        parts = urlsplit(url)
        return f"{parts.path or '/'}?{parts.query}" if parts.query else parts.path or "/"

    def _timed_out(self, exc: Exception, end: float, left: float, limit: float) -> str | Exception:
        """The budget's message when the budget (``left`` at the start, less than the socket's
        own ``limit``), not that limit, ran out."""
        if time.monotonic() >= end - 0.05 and left < limit:
            return self._why()
        return exc

    def _why(self) -> str:
        if self._deadline.expired():
            return self._deadline.message()
        return f"the response took longer than {self._budget:g} s (the per-request limit)"


def _discard(answer: urllib3.BaseHTTPResponse) -> None:
    """Close a connection whose answer was not read to its end, so it is never reused."""
    answer.close()
    answer.release_conn()


def _proxy_manager(proxy: str, pool_kw: dict[str, Any]) -> urllib3.PoolManager:
    """A pool manager that tunnels through ``proxy``, its credentials sent as ``requests`` does."""
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    scheme = parts.scheme.lower()
    if scheme.startswith("socks"):
        try:
            from urllib3.contrib.socks import SOCKSProxyManager
        except ImportError:
            raise InputError(
                f"the proxy {parts.hostname} is a SOCKS proxy: install PySocks to use it"
            ) from None
        return SOCKSProxyManager(parts.geturl(), num_pools=1, **pool_kw)
    headers: dict[str, str] = {}
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        headers["Proxy-Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
    return urllib3.ProxyManager(parts.geturl(), num_pools=1, proxy_headers=headers, **pool_kw)
