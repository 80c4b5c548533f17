"""An HTTPS Logs Ingestion API endpoint (a data collection endpoint) on 127.0.0.1.

It answers ``POST /dataCollectionRules/{ruleId}/streams/{stream}?api-version=2023-01-01`` as
the service does (204 No Content), with the body ``azure-monitor-ingestion`` sends: a JSON
array of rows, gzip-compressed (``Content-Encoding: gzip``), at most 1 MB each. Every accepted
request is recorded with its rows; :meth:`IngestionEmulator.fail_next` makes the next answers
faults (500, 429 with ``Retry-After``, 413). Its certificate comes from its own trustme CA;
``also_trust`` adds another CA file (the ARM emulator's) to the bundle it writes, so one
``REQUESTS_CA_BUNDLE`` trusts both.
"""

from __future__ import annotations

import gzip
import json
import re
import ssl
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_VERSION = "2023-01-01"
MAX_BODY = 1024 * 1024
"""The service's limit on one request's uncompressed JSON (1 MB)."""
_PATH = re.compile(r"/dataCollectionRules/(?P<rule>[^/]+)/streams/(?P<stream>[^/]+)")


@dataclass(frozen=True)
class Upload:
    """One accepted request."""

    rule_id: str
    stream: str
    content_encoding: str | None
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class IngestFault:
    """Answer ``status`` (with these headers) instead of accepting the request."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)


class IngestionEmulator:
    """The endpoint, its request log and its faults."""

    def __init__(self, cert_dir: Path, token: str, also_trust: Path | None = None) -> None:
        import trustme

        self.token = token
        self.uploads: list[Upload] = []
        self.statuses: list[int] = []
        """Every answer's status, in order (retries included)."""
        self._faults: deque[IngestFault] = deque()
        self._always: IngestFault | None = None
        self._lock = threading.Lock()
        ca = trustme.CA()
        self.ca_file = cert_dir / "ingestion-ca.pem"
        bundle = ca.cert_pem.bytes() + (also_trust.read_bytes() if also_trust else b"")
        self.ca_file.write_bytes(bundle)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        handler = type("Handler", (_Handler,), {"emulator": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The data collection endpoint, ``https://127.0.0.1:PORT``."""
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> IngestionEmulator:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, *faults: IngestFault) -> None:
        """The next requests get these faults, one each, in order."""
        with self._lock:
            self._faults.extend(faults)

    def fail_always(self, fault: IngestFault) -> None:
        """Every request gets this fault."""
        with self._lock:
            self._always = fault

    def take_fault(self) -> IngestFault | None:
        with self._lock:
            return self._faults.popleft() if self._faults else self._always

    def rows(self) -> list[dict[str, Any]]:
        """Every row accepted, in the order received."""
        return [row for upload in self.uploads for row in upload.rows]

    def answer(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, str]]:
        """The status (and headers) for one request; records it when accepted."""
        parts = urlsplit(handler.path)
        match = _PATH.fullmatch(parts.path)
        if match is None or handler.command != "POST":
            return 404, {}
        if parse_qs(parts.query).get("api-version") != [API_VERSION]:
            return 400, {}
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return 401, {}
        fault = self.take_fault()
        if fault is not None:
            return fault.status, dict(fault.headers)
        encoding = handler.headers.get("Content-Encoding")
        data = gzip.decompress(body) if encoding == "gzip" else body
        if len(data) > MAX_BODY:
            return 413, {}
        rows = json.loads(data)
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            return 400, {}
        with self._lock:
            self.uploads.append(Upload(match["rule"], match["stream"], encoding, rows))
        return 204, {}


class _Handler(BaseHTTPRequestHandler):
    emulator: IngestionEmulator
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the emulator keeps its own log."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, headers = self.emulator.answer(self, body)
        with self.emulator._lock:
            self.emulator.statuses.append(status)
        error = b"" if status == 204 else json.dumps({"error": {"code": str(status)}}).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if error:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(error)))
        self.end_headers()
        self.wfile.write(error)

    do_POST = do_GET = do_PUT = _answer
