"""Each result's lifecycle from the history: first and last seen, reopened, overdue.

A result's state is failing, unknown or suppressed, and each state has its own history: a
finding suppressed for a month that fails again when its suppression ends is not a month old
as a failure. Only scans that covered the result's subscription count (a store shared by
pipelines that scan different subscriptions does not see a fix where a scan never looked):
a result is *reopened* when more covering scans were judged since it was first seen in this
state than had it in this state. Age is measured to this scan's ``as_of``, never to today.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from collections.abc import Mapping, Sequence

from auditor.history.store import HistoryStore, Past, ScanRow
from auditor.model import Result, Severity, Status
from auditor.scan import Lifecycle, result_fingerprint
from auditor.timeutil import iso, parse_timestamp

TRACKED = frozenset({Status.FAIL, Status.UNKNOWN, Status.SUPPRESSED})
"""The states a lifecycle is kept for (passing results are recorded, but have no age)."""


class _Coverage:
    """The ``as_of`` of the scans covering each subscription, sorted, to count them by bisection."""

    def __init__(self, scans: Sequence[ScanRow]) -> None:
        self.every = sorted(s.as_of for s in scans)
        self.unscoped = sorted(s.as_of for s in scans if not s.subscriptions)
        by_sub: dict[str, list[str]] = {}
        for scan in scans:
            for sub in {x.lower() for x in scan.subscriptions}:
                by_sub.setdefault(sub, []).append(scan.as_of)
        self.by_sub = {sub: sorted(times) for sub, times in by_sub.items()}
        self._merged: dict[str, list[str]] = {}

    def since(self, subscription: str | None, first: str) -> int:
        """How many scans covering ``subscription`` were judged at or after ``first``."""
        if subscription is None:
            times = self.every
        else:
            key = subscription.lower()
            if key not in self._merged:  # a scan that names no subscription covers every one
                self._merged[key] = sorted(self.by_sub.get(key, []) + self.unscoped)
            times = self._merged[key]
        return len(times) - bisect.bisect_left(times, first)


def lifecycles(
    store: HistoryStore,
    results: Sequence[Result],
    as_of: dt.datetime,
    scan_id: str,
    sla_days: Mapping[Severity, int],
) -> dict[str, Lifecycle]:
    """Fingerprint -> lifecycle of every tracked result of this scan, from the scans recorded
    before it (judged no later than ``as_of``)."""
    tracked = {result_fingerprint(r): r for r in results if r.status in TRACKED}
    if not tracked:
        return {}
    until = iso(as_of)
    coverage = _Coverage([s for s in store.scans() if s.as_of <= until])
    pasts = store.pasts(sorted(tracked), until)
    return {
        key: _lifecycle(
            result, pasts.get((key, result.status.value)), coverage, as_of, scan_id, sla_days
        )
        for key, result in tracked.items()
    }


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> dt.datetime | None:
    """A stored ``as_of`` (a few distinct ones: one per scan, shared by its thousands of rows)."""
    return parse_timestamp(text)


def _lifecycle(
    result: Result,
    past: Past | None,
    coverage: _Coverage,
    as_of: dt.datetime,
    scan_id: str,
    sla_days: Mapping[Severity, int],
) -> Lifecycle:
    first_seen = _parsed(past.first_as_of) if past else None
    if past is None or first_seen is None:
        first_seen, first_scan, reopened = as_of, scan_id, False
    else:
        first_scan = past.first_scan
        reopened = coverage.since(result.resource.subscription_id, past.first_as_of) > past.scans
    sla = sla_days.get(result.severity)
    overdue = result.status is Status.FAIL and sla is not None and (as_of - first_seen).days > sla
    return Lifecycle(
        first_seen=first_seen,
        last_seen=as_of,
        first_scan=first_scan,
        reopened=reopened,
        overdue=overdue,
    )
