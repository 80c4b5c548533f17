"""A forwarding HTTP proxy for the live tests: ``CONNECT host:port``, then bytes both ways.

What corporate proxies do for HTTPS, and all a scan behind one needs: the TLS session runs
end to end through the tunnel, so the emulator's certificate is still the one checked. Each
``CONNECT`` is logged with its headers, so a test can prove the scan went through the proxy and
sent the credentials the proxy URL carries.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass, field


@dataclass
class Tunnel:
    """One ``CONNECT`` the proxy received."""

    target: str
    headers: dict[str, str] = field(default_factory=dict)
    """Lower-cased names."""


class ConnectProxy:
    """A proxy on 127.0.0.1 (port chosen by the OS) that tunnels to any ``host:port``."""

    def __init__(self, require_auth: str | None = None) -> None:
        self.require_auth = require_auth
        """A ``Proxy-Authorization`` value to insist on (407 without it), or None."""
        self.tunnels: list[Tunnel] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._stopping = threading.Event()

    def start(self) -> ConnectProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                piece = client.recv(4096)
                if not piece:
                    return
                head += piece
            lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            # Header names are case-insensitive (RFC 9110): kept lower-cased.
            headers = {
                name.lower(): value
                for name, _, value in (line.partition(": ") for line in lines[1:])
            }
            with self._lock:
                self.tunnels.append(Tunnel(target, headers))
            if method != "CONNECT":
                client.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            if self.require_auth and headers.get("proxy-authorization") != self.require_auth:
                client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
                return
            host, _, port = target.rpartition(":")
            with socket.create_connection((host, int(port))) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                other = threading.Thread(target=_pump, args=(upstream, client), daemon=True)
                other.start()
                _pump(client, upstream)
                other.join(timeout=5)


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy bytes until either side closes."""
    try:
        while piece := source.recv(65536):
            sink.sendall(piece)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
