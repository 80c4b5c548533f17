"""``auditor history list|show|trend``: read the store, print a table as text, JSON or CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from auditor.errors import InputError
from auditor.history.store import HistoryStore, open_store
from auditor.history.trend import SEVERITIES, trend
from auditor.history.url import engine_url, masked, sqlite_file
from auditor.report.writers.csv_report import spreadsheet_safe
from auditor.timeutil import iso

FORMATS = ("text", "json", "csv")


@dataclass(frozen=True)
class Filters:
    """What ``auditor history`` narrows its view to."""

    since: dt.datetime | None = None
    """Scans judged at or after this moment."""
    subscription: str | None = None
    rule: str | None = None
    """A rule id (``AIS001``)."""


def open_existing(url: str) -> HistoryStore:
    """The store at ``url``; a SQLite file that does not exist is an error, not a new store."""
    path = sqlite_file(engine_url(url))
    if path is not None and not path.is_file():
        raise InputError(
            f"--history {masked(url)}: no history file at {path} (scan with --history first)"
        )
    return open_store(url)


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([{c: row.get(c) for c in columns} for row in rows], indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([spreadsheet_safe(row.get(c)) for c in columns])
        return buffer.getvalue()
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def list_scans(store: HistoryStore, filters: Filters, fmt: str) -> str:
    """``history list``: one row per recorded scan, oldest first."""
    since = iso(filters.since) if filters.since else None
    rows = [
        {
            "scan": s.id,
            "as_of": s.as_of,
            "started_at": s.started_at,
            "tool_version": s.tool_version,
            "rule_set": s.rule_set,
            "exit_code": s.exit_code,
            "results": s.results,
            "subscriptions": list(s.subscriptions),
        }
        for s in store.scans(since, filters.subscription)
    ]
    columns = ("scan", "as_of", "started_at", "tool_version", "rule_set", "exit_code", "results")
    return _table(rows, (*columns, "subscriptions"), fmt)


def show_finding(store: HistoryStore, fingerprint: str, filters: Filters, fmt: str) -> str:
    """``history show FINGERPRINT``: the finding's state in every scan since it first appeared
    (``absent`` where the scan did not list it: passed, or the resource was gone)."""
    rows = store.results([fingerprint.strip().lower()], filters.rule, filters.subscription)
    if not rows:
        raise InputError(f"no recorded result has the fingerprint {fingerprint!r}")
    by_scan = {r.scan_id: r for r in rows}
    first = rows[0]
    scans = store.scans(iso(filters.since) if filters.since else None)
    seen = [i for i, s in enumerate(scans) if s.id in by_scan]
    timeline = []
    for scan in scans[seen[0] :] if seen else []:
        row = by_scan.get(scan.id)
        timeline.append(
            {
                "scan": scan.id,
                "as_of": scan.as_of,
                "status": row.status if row else "absent",
                "severity": row.severity if row else None,
                "rule_id": first.rule_id,
                "resource_id": first.resource_id,
            }
        )
    return _table(timeline, ("scan", "as_of", "status", "severity", "rule_id", "resource_id"), fmt)


def show_trend(store: HistoryStore, filters: Filters, fmt: str) -> str:
    """``history trend``: per scan, then mean time to fix per severity."""
    scans = store.scans(iso(filters.since) if filters.since else None, filters.subscription)
    wanted = {s.id for s in scans}
    results = [
        r for r in store.results(None, filters.rule, filters.subscription) if r.scan_id in wanted
    ]
    computed = trend(scans, results)
    per_scan = ("scan", "as_of", *SEVERITIES, "suppressed", "new", "fixed", "reopened")
    fixes = ("severity", "fixes", "mean_days")
    if fmt == "json":
        document = {"scans": computed.scans, "mean_time_to_fix": computed.time_to_fix}
        return json.dumps(document, indent=2) + "\n"
    heading = "" if fmt == "csv" else "# open failures by severity; new, fixed, reopened\n"
    middle = "\r\n" if fmt == "csv" else "\n# mean time to fix (days)\n"
    return (
        heading
        + _table(computed.scans, per_scan, fmt)
        + middle
        + _table(computed.time_to_fix, fixes, fmt)
    )
