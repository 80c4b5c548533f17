"""A local HTTPS Azure Resource Manager: serves an :class:`Estate` the way ARM lists things.

Real code, not a mock: the real Azure SDK clients talk to it over TLS (a ``trustme`` CA),
it pages with ``nextLink``, checks the bearer token, answers unknown paths with ARM's error
shape, and can be told to misbehave (429 with ``Retry-After``, 503, 403, slow answers) on
chosen paths. Every request is logged, whatever its method, so a test can prove what the
client did and did not send.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from auditor.arm import type_from_id
from tests.emulator.estate import ACTIVITY_LOG, ROLE_ASSIGNMENTS, ROLE_DEFINITIONS, Estate
from tests.emulator.graph import GraphEmulator
from tests.emulator.management_groups import Hierarchy, descendants_of

_PROVIDER_RE = re.compile(r"resourceProvider eq '([^']+)'", re.IGNORECASE)
_TYPE_FILTER_RE = re.compile(r"type eq '([^']+)'", re.IGNORECASE)


_CS_VERSIONS = frozenset({"2025-06-01", "2025-09-01", "2025-12-01", "2026-03-01"})
LIST_API_VERSIONS: dict[str, frozenset[str]] = {
    **{
        f"microsoft.cognitiveservices/accounts/{child}": _CS_VERSIONS
        for child in (
            "deployments",
            "raipolicies",
            "connections",
            "projects",
            "defenderforaisettings",
            "projects/connections",
        )
    },
    # CS 2025-06-01 and 2025-09-01 have no capability host list; 2026-03-01 lists them.
    "microsoft.cognitiveservices/accounts/capabilityhosts": frozenset({"2026-03-01"}),
    "microsoft.cognitiveservices/accounts/projects/capabilityhosts": frozenset({"2026-03-01"}),
    "microsoft.machinelearningservices/workspaces/serverlessendpoints": frozenset(
        {"2024-10-01", "2025-06-01", "2025-12-01"}
    ),
    # The guard rails: pricings at the versions azurerm (2023-01-01) and we (2024-01-01) use.
    "microsoft.security/pricings": frozenset({"2023-01-01", "2024-01-01"}),
    "microsoft.machinelearningservices/workspaces/outboundrules": frozenset(
        {"2024-10-01", "2025-06-01", "2025-12-01"}
    ),
    "microsoft.cognitiveservices/accounts/networksecurityperimeterconfigurations": _CS_VERSIONS,
    # diagnosticsSettings_API.json: categoryGroup needs 2021-05-01-preview.
    "microsoft.insights/diagnosticsettings": frozenset({"2021-05-01-preview"}),
}
"""The api-versions the emulator lists the Foundry collections at; others get ARM's 400."""


Body = Any | Callable[[str], Any]
"""A JSON value to serve, or a function of the request's full URL that makes one."""


@dataclass(frozen=True)
class Fault:
    """One misbehaviour: answer ``status`` (with headers/body) instead, or first sleep.

    With ``body`` or ``raw`` the answer is that body (status 200 unless ``status`` says
    otherwise) instead of ARM's error shape; ``trickle`` sends whatever body one byte per that
    many seconds; ``hang`` never answers at all (until the emulator stops).
    """

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    message: str = ""
    code: str = "Fault"
    delay: float = 0.0
    body: Body = None
    raw: bytes | None = None
    trickle: float = 0.0
    hang: bool = False

    def content(self, url: str) -> bytes | None:
        """The body this fault serves for a request of ``url`` (None: not a body fault)."""
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return None
        value = self.body(url) if callable(self.body) else self.body
        return json.dumps(value).encode("utf-8")


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the emulator received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    body: str = ""
    """A Resource Graph request's KQL."""


class ArmEmulator:
    """An HTTPS ARM endpoint on 127.0.0.1 (port chosen by the OS)."""

    def __init__(
        self,
        estate: Estate,
        cert_dir: Path,
        token: str = "emulator-token",
        page_size: int = 2,
        latency: float = 0.0,
    ) -> None:
        import trustme

        self._estate = estate
        self.token = token
        self.page_size = page_size
        self.latency = latency
        self.log: list[LoggedRequest] = []
        self.management_groups: Hierarchy | None = None
        """The management-group hierarchy ``.../descendants`` lists (None: no groups)."""
        self.reads_left = 12000
        """What ``x-ms-ratelimit-remaining-subscription-reads`` says, as ARM counts it down
        (per subscription: each has its own bucket, refilled at ``reads_refill`` a second)."""
        self.reads_refill = 25.0
        self._buckets: dict[str, tuple[float, float]] = {}
        self.graph = GraphEmulator(estate)
        """``POST /providers/Microsoft.ResourceGraph/resources`` (tests/emulator/graph.py)."""
        self._faults: dict[str, deque[Fault]] = {}
        self._sticky: dict[str, Fault] = {}
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        """Set by :meth:`stop`: hanging and trickling answers give up."""
        ca = trustme.CA()
        self.ca_file = cert_dir / "emulator-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        handler = type("Handler", (_Handler,), {"emulator": self})
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.request_queue_size = 128
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def estate(self) -> Estate:
        """What is served; setting it serves another estate through ARM and Resource Graph."""
        return self._estate

    @estate.setter
    def estate(self, estate: Estate) -> None:
        self._estate = estate
        self.graph = GraphEmulator(estate, self.graph.quota, self.graph.window)

    @property
    def url(self) -> str:
        """The ARM endpoint, ``https://127.0.0.1:PORT``."""
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> ArmEmulator:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, path: str, *faults: Fault) -> None:
        """The next requests for ``path`` (any query) get these faults, one each, in order."""
        with self._lock:
            self._faults.setdefault(path.lower(), deque()).extend(faults)

    def fail_always(self, path: str, fault: Fault) -> None:
        """Every request for ``path`` gets this fault."""
        with self._lock:
            self._sticky[path.lower()] = fault

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(path.lower())
            if queue:
                return queue.popleft()
            return self._sticky.get(path.lower())

    def record(self, entry: LoggedRequest) -> int:
        """Log a request; returns the reads left after it in its subscription's bucket (ARM's
        rate-limit header)."""
        key = [*entry.path.lower().split("/"), "", "", ""][2]
        with self._lock:
            self.log.append(entry)
            now = time.monotonic()
            left, at = self._buckets.get(key, (float(self.reads_left), now))
            left = min(float(self.reads_left), left + (now - at) * self.reads_refill)
            left = max(0.0, left - 1)
            self._buckets[key] = (left, now)
            return int(left)

    def requests_for(self, path: str) -> list[LoggedRequest]:
        """Logged requests for one path (case-insensitive)."""
        return [r for r in self.log if r.path.lower() == path.lower()]

    # -- answering -----------------------------------------------------------------------------

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        """The status and JSON body ARM would give for a GET."""
        if "api-version" not in query:
            return 400, _error("MissingApiVersionParameter", "The api-version is required.")
        lowered = path.lower().rstrip("/")
        if lowered == "/subscriptions":
            return 200, self._page(self.estate.subscriptions, path, query)
        group = descendants_of(lowered)
        if group is not None and self.management_groups is not None:
            found = self.management_groups.descendants(group)
            return found if isinstance(found, tuple) else (200, self._page(found, path, query))
        refused = _api_version_refusal(path, query["api-version"][0])
        if refused is not None:
            return 400, refused
        resource = self.estate.resources.get(lowered)
        if resource is not None:  # a GET by id (a workspace's storage account, say)
            return 200, resource
        items = self._special(lowered, query)
        if isinstance(items, tuple):
            return items
        if items is None:
            items = self.estate.collection(lowered)
        if items is None:
            return 404, _error("ResourceNotFound", f"The resource '{path}' was not found.")
        return 200, self._page(items, path, query)

    def _special(
        self, lowered: str, query: dict[str, list[str]]
    ) -> list[dict[str, Any]] | tuple[int, dict[str, Any]] | None:
        parts = lowered.split("/")
        if len(parts) < 3 or parts[1] != "subscriptions":
            return None
        sub = parts[2]
        rest = lowered[len(f"/subscriptions/{sub}") :]
        filter_text = (query.get("$filter") or [""])[0]
        if rest == ROLE_ASSIGNMENTS:
            return list(self.estate.role_assignments.get(sub, []))
        if rest == ROLE_DEFINITIONS:
            wanted = _TYPE_FILTER_RE.search(filter_text)
            items = self.estate.role_definitions.get(sub, [])
            if wanted:
                items = [
                    d
                    for d in items
                    if str(d["properties"].get("type", "")).lower() == wanted.group(1).lower()
                ]
            return list(items)
        if rest == ACTIVITY_LOG:
            if "eventtimestamp ge" not in filter_text.lower():
                return 400, _error("BadRequest", "The $filter must give eventTimestamp ge.")
            provider = _PROVIDER_RE.search(filter_text)
            events = self.estate.events.get(sub, [])
            if provider:
                name = provider.group(1).lower()
                events = [
                    e
                    for e in events
                    if str(e.get("resourceProviderName", {}).get("value", "")).lower() == name
                ]
            return list(events)
        return None

    def _page(
        self, items: list[dict[str, Any]], path: str, query: dict[str, list[str]]
    ) -> dict[str, Any]:
        start = int((query.get("$skiptoken") or ["0"])[0])
        page = items[start : start + self.page_size]
        body: dict[str, Any] = {"value": page}
        if start + self.page_size < len(items):
            kept = [(k, v[0]) for k, v in sorted(query.items()) if k != "$skiptoken"]
            kept.append(("$skiptoken", str(start + self.page_size)))
            body["nextLink"] = f"{self.url}{path}?{urlencode(kept, quote_via=quote)}"
        return body


class _QuietServer(ThreadingHTTPServer):
    """Clients that time out and hang up are part of the tests; no tracebacks for them."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore broken connections."""


def _api_version_refusal(path: str, version: str) -> dict[str, Any] | None:
    """ARM's answer to a list at an api-version the type does not serve (None: served)."""
    arm_type = type_from_id(path.rstrip("/") + "/x").lower()
    allowed = LIST_API_VERSIONS.get(arm_type)
    if allowed is None or version in allowed:
        return None
    child = arm_type.partition("/")[2]
    return _error(
        "NoRegisteredProviderFound",
        f"No registered resource provider found for location 'swedencentral' and API version "
        f"'{version}' for type '{child}'. The supported api-versions are "
        f"'{', '.join(sorted(allowed))}'.",
    )


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


class _Handler(BaseHTTPRequestHandler):
    emulator: ArmEmulator
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; with Nagle on, the body waits for the
    # client's delayed ACK (~40 ms) and every request looks 40 ms slower than it is.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the emulator keeps its own request log."""

    def _send(
        self,
        status: int,
        body: dict[str, Any] | bytes,
        headers: dict[str, str] | None = None,
        trickle: float = 0.0,
    ) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not trickle:
            self.wfile.write(data)
            return
        self.wfile.flush()
        for index in range(len(data)):
            if self.emulator.stopping.wait(trickle):
                return
            self.wfile.write(data[index : index + 1])
            self.wfile.flush()

    def do_GET(self) -> None:
        emulator = self.emulator
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        if emulator.latency:
            time.sleep(emulator.latency)
        fault = None
        body: dict[str, Any] | bytes
        if self.headers.get("Authorization") != f"Bearer {emulator.token}":
            status, body, headers = 401, _error("AuthenticationFailed", "bad token"), {}
        else:
            fault = emulator.take_fault(parts.path)
            if fault is not None and fault.delay:
                time.sleep(fault.delay)
            content = fault.content(f"{emulator.url}{self.path}") if fault else None
            if fault is not None and content is not None:
                status, body, headers = fault.status or 200, content, dict(fault.headers)
            elif fault is not None and fault.status is not None:
                status, headers = fault.status, dict(fault.headers)
                body = _error(fault.code, fault.message or f"emulated {fault.status}")
            else:
                status, body = emulator.answer(parts.path, query)
                headers = dict(fault.headers) if fault else {}
        reads_left = emulator.record(LoggedRequest("GET", parts.path, query, status))
        headers.setdefault("x-ms-ratelimit-remaining-subscription-reads", str(reads_left))
        if fault is not None and fault.hang:
            emulator.stopping.wait()
            return
        self._send(status, body, headers, fault.trickle if fault else 0.0)

    def _refuse(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.emulator.record(LoggedRequest(self.command, parts.path, parse_qs(parts.query), 405))
        self._send(405, _error("MethodNotAllowed", "the emulator is read-only"))

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        if parts.path.lower().rstrip("/") != GRAPH_PATH:
            self._refuse()
            return
        emulator = self.emulator
        length = int(self.headers.get("Content-Length") or 0)
        text = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        query = parse_qs(parts.query, keep_blank_values=True)
        if emulator.latency:
            time.sleep(emulator.latency)
        try:
            request = json.loads(text) if text else None
        except ValueError:
            request = None
        kql = str(request.get("query", "")) if isinstance(request, dict) else ""
        headers: dict[str, str] = {}
        body: dict[str, Any] | bytes
        fault = None
        if self.headers.get("Authorization") != f"Bearer {emulator.token}":
            status, body = 401, _error("AuthenticationFailed", "bad token")
        elif (fault := emulator.take_fault(parts.path)) is not None:
            if fault.delay:
                time.sleep(fault.delay)
            content = fault.content(f"{emulator.url}{self.path}")
            status, headers = fault.status or 200, dict(fault.headers)
            body = content if content is not None else _error(fault.code, fault.message)
        else:
            allowed, headers = emulator.graph.take_quota()
            if allowed:
                status, body = emulator.graph.answer(query, request)
            else:
                status = 429
                body = _error("RateLimiting", "Please provide below info when asking for support")
        emulator.record(LoggedRequest("POST", parts.path, query, status, kql))
        self._send(status, body, headers)

    do_PUT = do_PATCH = do_DELETE = do_HEAD = _refuse


GRAPH_PATH = "/providers/microsoft.resourcegraph/resources"
