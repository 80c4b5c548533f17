"""History URLs: which ones are accepted, the driver each maps to, and the form shown to users
(the password masked: a URL is printed in messages, report settings and logs)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from auditor.errors import InputError

POSTGRESQL_EXTRA = "pip install 'auditor[postgresql]'"

_PASSWORD_RE = re.compile(r"(?P<head>://[^/?#@:]*:)(?P<password>[^@/?#]*)@")


def masked(url: str) -> str:
    """The URL with its password (if any) replaced by ``***``; works on text that does not
    parse too, so even a malformed URL is never echoed with its password."""
    return _PASSWORD_RE.sub(r"\g<head>***@", url)


def engine_url(url: str) -> URL:
    """The SQLAlchemy URL of a history URL: ``sqlite:///PATH`` (or ``sqlite://`` in memory
    is refused: history must outlive the run), ``postgresql://`` mapped to psycopg 3.

    Anything else is an :class:`InputError` naming the (masked) URL."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise InputError(
            f"--history {masked(url)}: not a database URL (sqlite:///PATH or "
            "postgresql://USER@HOST/DB)"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.drivername != "sqlite" or not parsed.database or parsed.database == ":memory:":
            raise InputError(
                f"--history {masked(url)}: a SQLite history needs a file: sqlite:///PATH"
            )
        return parsed
    if backend == "postgresql":
        if parsed.drivername not in ("postgresql", "postgresql+psycopg"):
            raise InputError(
                f"--history {masked(url)}: PostgreSQL is read with psycopg 3: write "
                "postgresql://... or postgresql+psycopg://..."
            )
        return parsed.set(drivername="postgresql+psycopg")
    raise InputError(
        f"--history {masked(url)}: unsupported database {backend!r} (sqlite or postgresql)"
    )


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL)."""
    if url.get_backend_name() != "sqlite" or url.database is None:
        return None
    return Path(url.database)
