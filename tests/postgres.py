"""A real PostgreSQL server for the history tests: Debian's ``postgresql`` binaries, started in
a temporary folder on a free port as an unprivileged user (``initdb`` refuses root: as root the
server runs as ``postgres``, else ``nobody``), stopped after the session.

Where it cannot start, the PostgreSQL tests skip on a developer's machine and FAIL in CI
(``CI=true``): a CI run that silently tested SQLite alone would prove nothing about PostgreSQL.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_USER = "auditor"
PG_PASSWORD = "pg-canary-Zq8v-DO-NOT-PRINT"
"""The server's password: tests assert it never shows in a message, a report or the store."""


@dataclass(frozen=True)
class PostgresServer:
    """A running server: ``url(db)`` is the URL of one of its databases."""

    host: str
    port: int

    def url(self, database: str = "postgres", password: str = PG_PASSWORD) -> str:
        """``postgresql://auditor:PASSWORD@127.0.0.1:PORT/DATABASE``."""
        return f"postgresql://{PG_USER}:{password}@{self.host}:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database's URL (each test gets its own store)."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(
            host=self.host,
            port=self.port,
            user=PG_USER,
            password=PG_PASSWORD,
            dbname="postgres",
            autocommit=True,
        ) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.url(name)


def _bindir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are: ``pg_config --bindir``, Debian's versioned
    folders (newest first), else PATH."""
    candidates: list[Path] = []
    if shutil.which("pg_config"):
        found = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if found:
            candidates.append(Path(found))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb") or "").resolve().parent)
    return next(
        (c for c in candidates if (c / "initdb").exists() and (c / "pg_ctl").exists()), None
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_user() -> tuple[list[str], str | None]:
    """The command prefix that runs as an unprivileged user, and that user (None: already)."""
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"], name
    raise RuntimeError("running as root and no postgres or nobody user to run the server as")


def _start(folder: Path) -> PostgresServer:
    bindir = _bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL binaries (apt-get install postgresql)")
    prefix, user = _as_user()
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    data, password_file = folder / "data", folder / "password"
    password_file.write_text(PG_PASSWORD, encoding="utf-8")
    if user is not None:
        os.chown(password_file, pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid)

    def run(*args: str) -> None:
        done = subprocess.run(
            [*prefix, *args], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stdout}{done.stderr}")

    run(
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        PG_USER,
        f"--pwfile={password_file}",
        "--auth-host=scram-sha-256",
        "--auth-local=trust",
        "-E",
        "UTF8",
        "--no-sync",
    )
    port = _free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(folder / "log"),
        "-w",
        "-t",
        "60",
        "start",
    )
    return PostgresServer("127.0.0.1", port)


def _stop(folder: Path) -> None:
    bindir = _bindir()
    prefix, _ = _as_user()
    if bindir is not None and (folder / "data" / "postmaster.pid").exists():
        subprocess.run(
            [
                *prefix,
                str(bindir / "pg_ctl"),
                "-D",
                str(folder / "data"),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
            capture_output=True,
            timeout=120,
            check=False,
        )


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole session (skipped locally, failed in CI, if absent)."""
    folder = Path(tempfile.mkdtemp(prefix="auditor-pg-"))
    try:
        server = _start(folder)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL could not be started in CI: {exc}")
        pytest.skip(f"PostgreSQL could not be started: {exc}")
    try:
        yield server
    finally:
        _stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def history_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty history store's URL: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history' / 'history.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()
