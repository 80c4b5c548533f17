"""The history store's tables and its versioned migrations.

The schema is a ``schema_version`` table and :data:`MIGRATIONS`, ordered steps each run once,
in one transaction with the version they reach, under a lock (PostgreSQL: an advisory lock;
SQLite: ``BEGIN IMMEDIATE``), so two pipelines opening a new store at once do not both create
it. A store written by a newer auditor (a version past the last step) is refused, not altered.
Timestamps are ISO 8601 text in UTC (``...Z``, as reports write them): they sort as text and
read the same from both databases.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
    text,
)

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
)

scans = Table(
    "scans",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40), nullable=False),
    Column("as_of", String(40), nullable=False),
    Column("tool_version", String(40), nullable=False),
    Column("report_schema", String(16), nullable=False),
    Column("rule_set", String(40)),
    Column("exit_code", Integer, nullable=False),
    Column("results", Integer, nullable=False),
    Column("settings", Text, nullable=False),  # scan.settings as JSON (its history URL masked)
    Column("sources", Text, nullable=False),  # scan.sources as JSON
)

scan_subscriptions = Table(
    "scan_subscriptions",
    metadata,
    Column("scan_id", String(32), ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("subscription_id", String(64), nullable=False),
    Column("name", Text),
    Index("ix_scan_subscriptions_scan", "scan_id"),
)

results = Table(
    "results",
    metadata,
    Column("scan_id", String(32), ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
    Column("fingerprint", String(32), nullable=False),
    Column("rule_id", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("resource_id", Text, nullable=False),
    Column("subscription_id", String(64)),
    Index("ix_results_scan", "scan_id"),
    # Covers the lifecycle's aggregate (per fingerprint and state, which scans): no table read.
    Index("ix_results_fingerprint", "fingerprint", "status", "scan_id"),
)


def _create_version_1(connection: Connection) -> None:
    metadata.create_all(connection, tables=[scans, scan_subscriptions, results])


MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_create_version_1,)
"""Step N (1-based) takes the store from version N-1 to N. Append; never edit a shipped step."""
LATEST = len(MIGRATIONS)

_LOCK_ID = 0x61756469  # "audi": the advisory lock that serialises migrations on PostgreSQL


class NewerStore(Exception):
    """The store's schema is newer than this auditor knows."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


def migrate(connection: Connection) -> int:
    """Bring the store to :data:`LATEST` inside the caller's transaction; returns the version
    found. Raises :class:`NewerStore` for a store past it."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
    metadata.create_all(connection, tables=[schema_version])
    found = connection.execute(select(schema_version.c.version)).scalars().all()
    current = max(found, default=0)
    if current > LATEST:
        raise NewerStore(current)
    for step in range(current, LATEST):
        MIGRATIONS[step](connection)
    if current < LATEST:
        connection.execute(schema_version.delete())
        connection.execute(schema_version.insert().values(version=LATEST))
    return current
