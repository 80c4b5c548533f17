"""Progress of a scan's long stages on a terminal: evidence files read, rules evaluated,
reports written.

A stage reports through :func:`step` wherever it runs; nothing is shown unless the command
opened :func:`shown` on a terminal. A CI log gets no progress lines (the summary says it all),
and ``--quiet`` none at all. A context variable, as :mod:`auditor.digests` keeps its
recording, so no reader, engine or writer signature carries a progress object.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TextIO

REDRAW_SECONDS = 0.1
"""A line is redrawn at most ten times a second (and at once when a new stage starts), so
drawing costs nothing next to the work."""
_CLEAR = "\r\x1b[2K"


class _Line:
    """One status line, rewritten in place."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._last = float("-inf")
        self._stage = ""
        self.drawn = False

    def draw(self, stage: str, text: str) -> None:
        now = time.monotonic()
        if stage == self._stage and now - self._last < REDRAW_SECONDS:
            return
        self._last, self._stage = now, stage
        self._stream.write(f"{_CLEAR}{text}")
        self._stream.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            self._stream.write(_CLEAR)
            self._stream.flush()


_CURRENT: ContextVar[_Line | None] = ContextVar("auditor_progress", default=None)


def step(stage: str, done: int, total: int, detail: str = "") -> None:
    """``done`` of ``total`` of a stage are through (``detail``: a running count)."""
    line = _CURRENT.get()
    if line is not None:
        line.draw(stage, f"auditor: {stage} {done:,}/{total:,}" + (f"  {detail}" if detail else ""))


@contextmanager
def shown(stream: TextIO, enabled: bool = True) -> Iterator[None]:
    """Show the steps taken inside on ``stream`` when it is a terminal; the line is cleared at
    the end, so what is printed next starts on a clean line."""
    isatty = getattr(stream, "isatty", None)
    line = _Line(stream) if enabled and callable(isatty) and isatty() else None
    token = _CURRENT.set(line)
    try:
        yield
    finally:
        _CURRENT.reset(token)
        if line is not None:
            line.clear()
