"""``auditor history trend``, computed with pandas: per scan, open failures by severity and
how many failures are new, fixed and reopened; per severity, the mean time to fix.

Scans are compared in order (``as_of``, then start): a failure is *new* in the first scan that
has it, *fixed* in the first scan after it that does not (passed, or the resource is gone),
*reopened* when it fails again after a fix. A failure that becomes suppressed is not fixed: it
is counted under ``suppressed``, and failing again once the suppression ends is neither new nor
reopened. The time to fix runs from the first scan of a run of failures to the scan that no
longer has it. Filter with ``--subscription`` when several estates share one store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from auditor.extras import ANALYSIS, require
from auditor.history.store import ResultRow, ScanRow
from auditor.model import Severity
from auditor.timeutil import parse_timestamp

if TYPE_CHECKING:
    import pandas as pd

SEVERITIES = tuple(s.value for s in reversed(Severity))
"""Most severe first, as every table lists them."""


def _pandas() -> Any:
    require(ANALYSIS, "auditor history trend", "pandas")
    import pandas

    return pandas


@dataclass(frozen=True)
class Trend:
    """The trend's two tables, as rows (column -> value)."""

    scans: list[dict[str, Any]]
    """Per scan: ``scan``, ``as_of``, open failures per severity, ``suppressed``, ``new``,
    ``fixed``, ``reopened``."""
    time_to_fix: list[dict[str, Any]]
    """Per severity: ``severity``, ``fixes``, ``mean_days`` (None when nothing was fixed)."""


def trend(scans: Sequence[ScanRow], results: Sequence[ResultRow]) -> Trend:
    """The trend of these scans (in order) over these results."""
    lib = _pandas()
    if not scans:
        return Trend([], [{"severity": n, "fixes": 0, "mean_days": None} for n in SEVERITIES])
    order = lib.DataFrame(
        {"scan_id": [s.id for s in scans], "as_of": [s.as_of for s in scans]}
    ).reset_index(names="position")
    days = lib.Series([_days(s.as_of) for s in scans], dtype="float64")
    listed = lib.DataFrame(
        [(r.scan_id, r.fingerprint, r.severity, r.status) for r in results],
        columns=["scan_id", "fingerprint", "severity", "status"],
    ).merge(order[["scan_id", "position"]], on="scan_id")
    failing = listed[listed["status"] == "fail"]
    columns = range(len(scans))
    index = lib.Index(sorted(set(listed["fingerprint"])), name="fingerprint")
    matrix = _matrix(lib, failing, index, columns)
    held = _matrix(lib, listed[listed["status"] == "suppressed"], index, columns)
    before = matrix.shift(1, axis=1, fill_value=False)
    held_before = held.shift(1, axis=1, fill_value=False)
    ever_before = matrix.cummax(axis=1).shift(1, axis=1, fill_value=False)
    started = matrix & ~before & ~held_before
    new, reopened = started & ~ever_before, started & ever_before
    fixed = before & ~matrix & ~held
    severity = failing.sort_values("position").groupby("fingerprint")["severity"].last()
    table = order[["scan_id", "as_of"]].rename(columns={"scan_id": "scan"})
    open_counts = _by_severity(lib, failing)
    for name in SEVERITIES:
        table[name] = (
            open_counts.get(name, lib.Series(0, index=columns))
            .reindex(columns, fill_value=0)
            .astype(int)
            .to_numpy()
        )
    table["suppressed"] = held.sum(axis=0).reindex(columns, fill_value=0).astype(int).to_numpy()
    for name, frame in (("new", new), ("fixed", fixed), ("reopened", reopened)):
        table[name] = frame.sum(axis=0).reindex(columns, fill_value=0).astype(int).to_numpy()
    return Trend(
        scans=table.to_dict("records"),
        time_to_fix=_time_to_fix(lib, started, fixed, days, severity),
    )


def _matrix(lib: Any, rows: pd.DataFrame, index: pd.Index, columns: range) -> pd.DataFrame:
    """Fingerprint x scan position: whether the fingerprint is among ``rows`` in that scan."""
    if rows.empty:
        empty: pd.DataFrame = lib.DataFrame(False, index=index, columns=columns)
        return empty
    found: pd.DataFrame = (
        rows.assign(on=True)
        .pivot_table(index="fingerprint", columns="position", values="on", aggfunc="any")
        .reindex(index=index, columns=columns)
        .fillna(False)
        .astype(bool)
    )
    return found


def _days(text: str) -> float:
    moment = parse_timestamp(text)
    return moment.timestamp() / 86400 if moment else float("nan")


def _by_severity(lib: Any, failing: pd.DataFrame) -> dict[str, Any]:
    counts = failing.groupby(["severity", "position"]).size()
    return {name: counts[name] for name in SEVERITIES if name in counts.index.get_level_values(0)}


def _time_to_fix(
    lib: Any, started: pd.DataFrame, fixed: pd.DataFrame, days: pd.Series, severity: pd.Series
) -> list[dict[str, Any]]:
    """Each fix's days since its run of failures began, averaged per severity."""
    positions = lib.DataFrame(
        [list(started.columns)] * len(started), index=started.index, columns=started.columns
    )
    run_start = positions.where(started).ffill(axis=1).shift(1, axis=1)
    rows = []
    for key, was_fixed in fixed.stack().items():
        if not was_fixed:
            continue
        fingerprint, position = cast(tuple[str, int], key)
        start = run_start.at[fingerprint, position]
        rows.append((severity[fingerprint], days[position] - days[int(start)]))
    spans = lib.DataFrame(rows, columns=["severity", "days"])
    out = []
    for name in SEVERITIES:
        mine = spans[spans["severity"] == name]["days"]
        out.append(
            {
                "severity": name,
                "fixes": len(mine),
                "mean_days": round(float(mine.mean()), 1) if len(mine) else None,
            }
        )
    return out
