"""Benchmark: the release-gate steps on a generated estate: suppressions, baseline, formats.

    PYTHONPATH=. python benchmarks/gate_formats.py [--subscriptions 50] [--workspaces 200] ...

Generates the same estate as ``snapshot_scan.py``, evaluates it once, then times applying 100
suppression entries (ids, globs and regexes), marking results against a baseline (the same
scan minus one subscription's findings), and rendering every format, printing sizes. A
benchmark, not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tempfile
import time
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
from auditor.report.formats import render, writers
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
    for name in writers():
        start = time.perf_counter()
        text = render(name, report)
        size = len(text.encode() if isinstance(text, str) else text)
        print(f"render {name:<9}     {time.perf_counter() - start:.2f} s, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
