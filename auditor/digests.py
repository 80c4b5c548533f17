"""The sha256 of every file a scan reads, taken from the very bytes it parsed.

Every reader of an input file (JSON, YAML and TOML through :func:`auditor.jsonio.read_text`,
rule and framework files, Bicep sources) gets its bytes from :func:`read_bytes`. Inside
:func:`recording`, each file's digest is kept under the path as it was opened: no reader can
forget to record what it read, and the digest is that of what was parsed, not of a second
read that a writer could race. A saved snapshot's files are noted as written (:func:`note`).

The recording is a context variable: readers run in the scan's own thread (a thread pool
started inside a recording would record nothing, so none is).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

ALGORITHM = "sha256"


@dataclass
class Recording:
    """The files read (or written) while a recording was active."""

    files: dict[str, str] = field(default_factory=dict)
    """The path as opened (``str(path)``) -> the sha256 (hex) of its bytes."""


_CURRENT: ContextVar[Recording | None] = ContextVar("auditor_digests", default=None)


@contextmanager
def recording(into: Recording | None = None) -> Iterator[Recording]:
    """Record every file read inside the block (into ``into``, to go on with an earlier one)."""
    found = into if into is not None else Recording()
    token = _CURRENT.set(found)
    try:
        yield found
    finally:
        _CURRENT.reset(token)


def sha256(data: bytes) -> str:
    """The sha256 of ``data``, in hex."""
    return hashlib.sha256(data).hexdigest()


def note(name: str, data: bytes) -> None:
    """Record ``data`` under ``name`` when a recording is active (a file as written)."""
    current = _CURRENT.get()
    if current is not None:
        current.files[name] = sha256(data)


def read_bytes(path: Path) -> bytes:
    """The file's bytes (``OSError`` as :meth:`Path.read_bytes` raises it), recorded."""
    data = path.read_bytes()
    note(str(path), data)
    return data


def manifest_digest(files: Mapping[str, str]) -> str:
    """One digest over named files: the sha256 of their ``sha256sum`` listing, one line
    ``<hex>  <name>`` per file sorted by name (code point order, ``LC_ALL=C sort``), each
    ending in a newline. ``sha256sum NAMES | LC_ALL=C sort -k2 | sha256sum`` gives the same."""
    listing = "".join(f"{files[name]}  {name}\n" for name in sorted(files))
    return sha256(listing.encode("utf-8"))
