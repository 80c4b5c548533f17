"""The history store: open (and migrate) it, record a scan in one transaction, read the past.

One code path for both databases (SQLAlchemy Core). SQLite runs in WAL mode with a busy
timeout and takes its write lock when a transaction begins (``BEGIN IMMEDIATE``): two scans
writing at once wait for each other instead of failing half-way; PostgreSQL gives the same
with its own transactions. A scan is all its rows or none of them.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from auditor.errors import InputError
from auditor.history import schema
from auditor.history.url import POSTGRESQL_EXTRA, engine_url, masked, sqlite_file
from auditor.report.model import Report

BUSY_TIMEOUT_SECONDS = 60
"""How long a SQLite writer waits for another one (a whole scan's rows) before giving up."""
_CHUNK = 500
"""Fingerprints per ``IN (...)`` query (SQLite limits bound parameters per statement)."""


class HistoryUnavailable(Exception):
    """The store failed after it was opened (the server went away, a table was dropped)."""


@dataclass(frozen=True)
class ScanRow:
    """One recorded scan, as the views and the lifecycle read it."""

    id: str
    as_of: str
    started_at: str
    finished_at: str
    tool_version: str
    rule_set: str | None
    exit_code: int
    results: int
    subscriptions: tuple[str, ...]


@dataclass(frozen=True)
class Past:
    """A fingerprint's record in one state (``fail``, ``unknown``, ``suppressed``), summed up
    by the database over every scan up to a moment."""

    first_as_of: str
    first_scan: str
    scans: int
    """How many scans had it in this state."""


@dataclass(frozen=True)
class ResultRow:
    """One recorded result."""

    scan_id: str
    fingerprint: str
    rule_id: str
    severity: str
    status: str
    resource_id: str
    subscription_id: str | None


def _reason(exc: BaseException, url: URL) -> str:
    """The driver's first line, with the URL's password removed if the driver quoted it."""
    inner = getattr(exc, "orig", None) or exc
    line = (str(inner).strip().splitlines() or [type(inner).__name__])[0]
    if url.password:
        line = line.replace(str(url.password), "***")
    return masked(line)


def _sqlite_engine(url: URL) -> Engine:
    path = sqlite_file(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"--history {url}: cannot create {path.parent}: {exc}") from None
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling would begin deferred; we begin IMMEDIATE below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class HistoryStore:
    """An open history store (see :func:`open_store`)."""

    def __init__(self, engine: Engine, shown: str) -> None:
        self.engine = engine
        self.shown = shown
        """The URL as messages show it (password masked)."""

    def record(self, report: Report, scan_id: str) -> None:
        """Write the scan and every listed result in one transaction."""
        scan = report.scan
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    schema.scans.insert().values(
                        id=scan_id,
                        started_at=scan.started_at,
                        finished_at=scan.finished_at,
                        as_of=scan.as_of or scan.started_at,
                        tool_version=report.tool_version,
                        report_schema=report.schema_version,
                        rule_set=report.summary.gate.rule_set,
                        exit_code=report.summary.gate.exit_code,
                        results=len(report.findings),
                        settings=json.dumps(dict(scan.settings), default=str, sort_keys=True),
                        sources=json.dumps([dict(s) for s in scan.sources], default=str),
                    )
                )
                if scan.subscriptions:
                    connection.execute(
                        schema.scan_subscriptions.insert(),
                        [
                            {"scan_id": scan_id, "subscription_id": s.id, "name": s.name}
                            for s in scan.subscriptions
                        ],
                    )
                if report.findings:
                    connection.execute(
                        schema.results.insert(),
                        [
                            {
                                "scan_id": scan_id,
                                "fingerprint": f.fingerprint,
                                "rule_id": f.rule_id,
                                "severity": f.severity.value,
                                "status": f.status.value,
                                "resource_id": f.resource_id,
                                "subscription_id": f.subscription_id,
                            }
                            for f in report.findings
                        ],
                    )
        except SQLAlchemyError as exc:
            raise HistoryUnavailable(_reason(exc, self.engine.url)) from None

    def scans(self, since: str | None = None, subscription: str | None = None) -> list[ScanRow]:
        """Recorded scans, oldest ``as_of`` first (``since``: as_of at or after it)."""
        query = select(schema.scans).order_by(
            schema.scans.c.as_of, schema.scans.c.started_at, schema.scans.c.id
        )
        if since is not None:
            query = query.where(schema.scans.c.as_of >= since)
        with self._reading() as connection:
            rows = connection.execute(query).mappings().all()
            subs: dict[str, list[str]] = {}
            for scan_id, sub in connection.execute(
                select(
                    schema.scan_subscriptions.c.scan_id, schema.scan_subscriptions.c.subscription_id
                )
            ):
                subs.setdefault(scan_id, []).append(sub)
        found = [
            ScanRow(
                id=r["id"],
                as_of=r["as_of"],
                started_at=r["started_at"],
                finished_at=r["finished_at"],
                tool_version=r["tool_version"],
                rule_set=r["rule_set"],
                exit_code=r["exit_code"],
                results=r["results"],
                subscriptions=tuple(sorted(subs.get(r["id"], ()))),
            )
            for r in rows
        ]
        if subscription is None:
            return found
        wanted = subscription.lower()
        return [s for s in found if wanted in (x.lower() for x in s.subscriptions)]

    def pasts(self, fingerprints: Sequence[str], until: str) -> dict[tuple[str, str], Past]:
        """(fingerprint, status) -> its :class:`Past` over the scans judged at or before
        ``until``: one aggregate query per chunk, so a night costs the same in its first week
        and its third year (the rows are summed by the database, not read)."""
        r, s = schema.results.c, schema.scans.c
        first = func.min(s.as_of + " " + s.id)
        base = (
            select(r.fingerprint, r.status, first, func.count(func.distinct(r.scan_id)))
            .join_from(schema.results, schema.scans, r.scan_id == s.id)
            .where(s.as_of <= until)
            .group_by(r.fingerprint, r.status)
        )
        found: dict[tuple[str, str], Past] = {}
        with self._reading() as connection:
            for i in range(0, len(fingerprints), _CHUNK):
                query = base.where(r.fingerprint.in_(fingerprints[i : i + _CHUNK]))
                for fingerprint, status, earliest, count in connection.execute(query):
                    as_of, _, scan_id = str(earliest).partition(" ")
                    found[(fingerprint, status)] = Past(as_of, scan_id, int(count))
        return found

    def open_failures(self, scan_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """Scan id -> severity -> its failing results, counted by the database."""
        r = schema.results.c
        query = (
            select(r.scan_id, r.severity, func.count())
            .where(r.status == "fail", r.scan_id.in_(list(scan_ids)))
            .group_by(r.scan_id, r.severity)
        )
        found: dict[str, dict[str, int]] = {}
        with self._reading() as connection:
            for scan_id, severity, count in connection.execute(query):
                found.setdefault(scan_id, {})[severity] = int(count)
        return found

    def results(
        self,
        fingerprints: Sequence[str] | None = None,
        rule: str | None = None,
        subscription: str | None = None,
    ) -> list[ResultRow]:
        """Recorded results, all or of these fingerprints, of one rule or subscription."""
        table = schema.results
        base = select(table)
        if rule is not None:
            base = base.where(table.c.rule_id == rule.upper())
        if subscription is not None:
            base = base.where(func.lower(table.c.subscription_id) == subscription.lower())
        queries = (
            [base]
            if fingerprints is None
            else [
                base.where(table.c.fingerprint.in_(fingerprints[i : i + _CHUNK]))
                for i in range(0, len(fingerprints), _CHUNK)
            ]
        )
        found: list[ResultRow] = []
        with self._reading() as connection:
            for query in queries:
                found.extend(ResultRow(**row) for row in connection.execute(query).mappings())
        return found

    @contextlib.contextmanager
    def _reading(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise HistoryUnavailable(_reason(exc, self.engine.url)) from None

    def close(self) -> None:
        """Release the store's connections."""
        self.engine.dispose()


def open_store(url: str) -> HistoryStore:
    """Open the store at ``url`` and bring its schema to the latest version.

    A bad URL, a missing driver, a server that does not answer or a store written by a newer
    auditor is an :class:`InputError` (exit 2) naming the URL, its password masked."""
    parsed = engine_url(url)
    shown = masked(url)
    try:
        engine = (
            _sqlite_engine(parsed)
            if parsed.get_backend_name() == "sqlite"
            else create_engine(parsed, poolclass=NullPool)
        )
    except ImportError:
        raise InputError(
            f"--history {shown}: PostgreSQL needs the postgresql extra: {POSTGRESQL_EXTRA}"
        ) from None
    try:
        with engine.begin() as connection:
            schema.migrate(connection)
    except schema.NewerStore as exc:
        engine.dispose()
        raise InputError(
            f"--history {shown}: written by a newer auditor (schema version {exc.version}, "
            f"this one knows up to {schema.LATEST}): upgrade auditor"
        ) from None
    except SQLAlchemyError as exc:
        engine.dispose()
        raise InputError(
            f"--history {shown}: cannot open the history: {_reason(exc, parsed)}"
        ) from None
    return HistoryStore(engine, shown)
