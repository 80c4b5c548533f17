"""Progress of a live scan on stderr: one rewritten line on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """Shows subscriptions and workspaces done / total, requests and retries.

    On a terminal the line is redrawn at most ten times a second; otherwise (CI logs) only
    the :meth:`log` lines and a final summary are printed. ``enabled=False`` prints nothing.
    """

    def __init__(self, stream: TextIO | None = None, enabled: bool = True) -> None:
        self._stream = stream or sys.stderr
        self._enabled = enabled
        isatty = getattr(self._stream, "isatty", None)
        self._tty = enabled and callable(isatty) and bool(isatty())
        self._lock = threading.Lock()
        self._last_draw = 0.0
        self._line = ""
        self._drawn = False

    def update(
        self,
        subscriptions: tuple[int, int],
        workspaces: tuple[int, int],
        requests: int,
        retries: int,
    ) -> None:
        """Record the current counts; redraw on a terminal."""
        self._line = (
            f"subscriptions {subscriptions[0]}/{subscriptions[1]}  "
            f"workspaces {workspaces[0]}/{workspaces[1]}  "
            f"requests {requests}  retries {retries}"
        )
        if not self._tty:
            return
        now = time.monotonic()
        with self._lock:
            if now - self._last_draw < 0.1:
                return
            self._last_draw = now
            self._stream.write(f"\r\x1b[2K{self._line}")
            self._stream.flush()
            self._drawn = True

    def log(self, message: str) -> None:
        """A plain line when not on a terminal (on a terminal the progress line says it)."""
        if self._enabled and not self._tty:
            with self._lock:
                print(f"auditor: {message}", file=self._stream)

    def note(self, message: str) -> None:
        """A line worth reading on a terminal too (the progress line is redrawn after it)."""
        if not self._enabled:
            return
        with self._lock:
            if self._tty and self._drawn:
                self._stream.write("\r\x1b[2K")
            print(f"auditor: {message}", file=self._stream)
            self._last_draw = 0.0

    def finish(self) -> None:
        """End the progress line and print the final counts."""
        if not self._enabled:
            return
        with self._lock:
            if self._tty and self._drawn:
                self._stream.write("\r\x1b[2K")
            if self._line:
                print(f"auditor: collected: {self._line}", file=self._stream)
            self._stream.flush()
