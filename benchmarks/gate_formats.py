"""Benchmark: the release-gate steps on a generated estate: suppressions, baseline, formats.

    PYTHONPATH=. python benchmarks/gate_formats.py [--subscriptions 50] [--workspaces 200] ...

Generates the same estate as ``snapshot_scan.py``, evaluates it once, then times applying 100
suppression entries (ids, globs and regexes), marking results against a baseline (the same
scan minus one subscription's findings), and writing every format to a folder: per format the
CPU seconds and size (bytes per finding for JSON), then all formats at once as a scan writes them,
with the peak of Python memory allocated while writing (``tracemalloc``) and the process's peak
RSS. Only public calls that have not changed (``write_reports``), so the same script measures an
older checkout. A benchmark, not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from snapshot_scan import (  # a sibling script, not a package
    add_estate_arguments,
    generate_estate,
    outcome_of,
)

from auditor.collect.snapshot import read_snapshots
from auditor.engine.evaluate import evaluate
from auditor.engine.loader import load_rules
from auditor.inventory import InventoryBuilder
from auditor.model import Result
from auditor.report.baseline import mark_results
from auditor.report.build import build_report
from auditor.report.formats import write_reports, writers
from auditor.report.model import Report
from auditor.scan import ScanOutcome
from auditor.suppress import Suppression, apply_suppressions

AS_OF = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def suppressions(count: int) -> list[Suppression]:
    """A mix of exact ids, globs and regexes, most matching something."""
    entries = []
    for i in range(count):
        sub = f"{i % 50:08d}-0000-4000-8000-000000000000"
        resource = [
            f"/subscriptions/{sub}/resourceGroups/rg-{i % 50}/providers/"
            f"Microsoft.CognitiveServices/accounts/ai-{i}",
            f"/subscriptions/{sub}/*/accounts/ai-1*",
            f"regex:/subscriptions/{sub}/.*/roleassignments/.*1",
        ][i % 3]
        entries.append(
            Suppression(
                rule=["AIS*", "AIS001", "IAM00?"][i % 3],
                resource=resource,
                reason="benchmark",
                owner="bench",
                expires=dt.date(2027, 1, 1),
                file="bench.yaml",
                line=i + 1,
            )
        )
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_estate_arguments(parser)
    parser.add_argument("--entries", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate_estate(folder, args)
        builder = InventoryBuilder()
        read_snapshots([folder], builder)
        inventory = builder.build()
    rules = load_rules()
    results = evaluate(rules, inventory, AS_OF, {"key_max_age_days": 90})

    t0 = time.perf_counter()
    suppressed, warnings = apply_suppressions(results, suppressions(args.entries), AS_OF)
    t1 = time.perf_counter()

    def outcome(res: list[Result]) -> ScanOutcome:
        return outcome_of(rules, res, AS_OF)

    old = build_report(
        outcome(
            [
                r
                for r in suppressed
                if r.resource.subscription_id != f"{0:08d}-0000-4000-8000-000000000000"
            ]
        )
    )
    t2 = time.perf_counter()
    marked, section = mark_results(suppressed, old, "old.json")
    t3 = time.perf_counter()
    report = dataclasses.replace(build_report(outcome(marked)), baseline=section)
    t4 = time.perf_counter()
    print(f"results:              {len(results)} ({len(report.findings)} findings)")
    print(
        f"suppressions:         {args.entries} entries, "
        f"{sum(r.status.value == 'suppressed' for r in suppressed)} suppressed, "
        f"{len(warnings)} warnings, {t1 - t0:.2f} s"
    )
    print(f"baseline marking:     {section.new} new, {section.existing} existing, {t3 - t2:.2f} s")
    print(f"typed report:         {t4 - t3:.2f} s")
    write_each(report)
    write_all(report)


def write_each(report: Report) -> None:
    """Write each format alone: CPU seconds (this process) and size."""
    findings = max(len(report.findings), 1)
    with tempfile.TemporaryDirectory() as tmp:
        for name in writers():
            start = time.process_time()
            (path,) = write_reports(report, [name], Path(tmp))
            cpu = time.process_time() - start
            size = path.stat().st_size
            per = f", {size / findings:,.0f} bytes per finding" if name == "json" else ""
            print(f"write {name:<9}      {cpu:.2f} CPU-s, {size / 1e6:.1f} MB{per}")


def write_all(report: Report) -> None:
    """Write every format at once, as ``--format`` with all of them does: the extra Python
    memory the write needed at its peak, and the process's peak RSS after it."""
    names = list(writers())
    with tempfile.TemporaryDirectory() as tmp:
        tracemalloc.start()
        start = time.process_time()
        write_reports(report, names, Path(tmp))
        cpu = time.process_time() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"write all {len(names)} formats:  {cpu:.2f} CPU-s (under tracemalloc)")
    print(f"write peak (Python):  {peak / 2**20:.0f} MiB allocated at once while writing")
    print(f"process peak RSS:     {rss:.0f} MiB")


if __name__ == "__main__":
    main()
