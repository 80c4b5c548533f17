"""What a scan does with ``--history``: check the settings, open the store, record the scan.

A store that cannot be opened is exit 2 before anything is read; one that fails while the
scan is recorded (the server went away) is an error entry in the report and exit 3, never
a silent success.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping, Sequence

from auditor.history.lifecycle import lifecycles
from auditor.history.store import HistoryStore, HistoryUnavailable
from auditor.history.store import open_store as open_store
from auditor.model import CollectionError, Result, Severity
from auditor.report.build import build_report
from auditor.report.model import Report, TrendPoint
from auditor.scan import Lifecycle, ScanOutcome


def _error(store: HistoryStore, operation: str, message: str) -> CollectionError:
    return CollectionError(scope=store.shown, operation=operation, message=message)


def read_lifecycles(
    store: HistoryStore,
    results: Sequence[Result],
    as_of: dt.datetime,
    scan_id: str,
    sla_days: Mapping[Severity, int],
) -> tuple[dict[str, Lifecycle], list[CollectionError]]:
    """The results' lifecycles, or none and an error entry when the store fails now."""
    try:
        return lifecycles(store, results, as_of, scan_id, sla_days), []
    except HistoryUnavailable as exc:
        return {}, [_error(store, "read the history", f"no finding has its age: {exc}")]


TREND_SCANS = 14
"""How many recorded scans the HTML report's trend section shows (two weeks of nights)."""


def trend_points(store: HistoryStore, report: Report) -> tuple[TrendPoint, ...]:
    """The latest :data:`TREND_SCANS` recorded scans that share a subscription with this one
    (every scan, for a scan without subscriptions), oldest first, with open failures."""
    mine = {s.id.lower() for s in report.scan.subscriptions}
    scans = [
        s
        for s in store.scans()
        if not mine or mine & {x.lower() for x in s.subscriptions} or not s.subscriptions
    ][-TREND_SCANS:]
    counts = store.open_failures([s.id for s in scans])
    return tuple(
        TrendPoint(
            scan=s.id,
            as_of=s.as_of,
            failures={v: counts.get(s.id, {}).get(v.value, 0) for v in reversed(Severity)},
        )
        for s in scans
    )


def new_scan_id() -> str:
    """A scan's id in the store: random, so two pipelines never pick the same one."""
    return uuid.uuid4().hex


def record(
    store: HistoryStore,
    outcome: ScanOutcome,
    report: Report,
    scan_id: str,
    include_passed: bool,
) -> tuple[ScanOutcome, Report]:
    """Record the scan; if the store fails now, the outcome gains an error (exit 3 unless
    findings fail) and the report is built again to say so."""
    try:
        store.record(report, scan_id)
    except HistoryUnavailable as exc:
        error = _error(store, "record the scan in the history", f"the scan was not recorded: {exc}")
        outcome = dataclasses.replace(outcome, errors=[*outcome.errors, error])
        return outcome, build_report(outcome, include_passed=include_passed)
    try:
        points = trend_points(store, report)
    except HistoryUnavailable:  # the scan is recorded; the trend is only a view of the store
        points = ()
    return outcome, dataclasses.replace(report, history_trend=points)
