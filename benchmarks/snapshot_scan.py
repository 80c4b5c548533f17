"""Benchmark: scan a generated snapshot estate from disk and print time and peak memory.

    PYTHONPATH=. python benchmarks/snapshot_scan.py [--workspaces 200] [--endpoints 2000] ...
    PYTHONPATH=. python benchmarks/snapshot_scan.py --scale 60 --write /tmp/estate-1m

Prints: records read, results, wall time per stage, and the process's peak RSS. ``--write DIR``
only writes the estate's files there, to time the CLI on them as a whole process
(``/usr/bin/time -v auditor scan --snapshot DIR``: the README's offline figures). A benchmark,
not a test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from auditor.collect.snapshot import read_snapshots
from auditor.engine.evaluate import evaluate
from auditor.engine.loader import load_rules
from auditor.inventory import InventoryBuilder
from auditor.model import Result, Rule, Subscription
from auditor.report.build import build_report
from auditor.report.formats import render
from auditor.scan import ScanOutcome
from auditor.timeutil import utc_now

MLS = "Microsoft.MachineLearningServices"


def generate(
    folder: Path, subs: int, workspaces: int, endpoints: int, accounts: int, assignments: int
) -> int:
    """Write an estate as one list-response file per kind and subscription; returns records."""
    count = 0
    for s in range(subs):
        sub = f"{s:08d}-0000-4000-8000-000000000000"
        rg = f"/subscriptions/{sub}/resourceGroups/rg-{s}"
        items: list[dict[str, Any]] = []
        for w in range(workspaces // subs):
            ws = f"{rg}/providers/{MLS}/workspaces/ws-{w}"
            items.append(
                {
                    "id": ws,
                    "type": f"{MLS}/workspaces",
                    "location": "eastus",
                    "properties": {"publicNetworkAccess": "Enabled"},
                }
            )
            items.append(
                {
                    "id": f"{ws}/computes/aks",
                    "type": f"{MLS}/workspaces/computes",
                    "location": "eastus",
                    "properties": {"computeType": "AKS", "computeLocation": "westus"},
                }
            )
            for e in range(endpoints // workspaces):
                ep = f"{ws}/onlineEndpoints/ep-{e}"
                items.append(
                    {
                        "id": ep,
                        "type": f"{MLS}/workspaces/onlineEndpoints",
                        "properties": {"authMode": "Key" if e % 2 else "AADToken"},
                    }
                )
                for d in ("blue", "green"):
                    items.append(
                        {
                            "id": f"{ep}/deployments/{d}",
                            "type": f"{MLS}/workspaces/onlineEndpoints/deployments",
                            "properties": {
                                "environmentVariables": {
                                    "LOG_LEVEL": "info",
                                    "DB_PASSWORD": "literal-value",
                                }
                            },
                        }
                    )
        for a in range(accounts // subs):
            items.append(
                {
                    "id": f"{rg}/providers/Microsoft.CognitiveServices/accounts/ai-{a}",
                    "type": "Microsoft.CognitiveServices/accounts",
                    "kind": "OpenAI",
                    "properties": {"disableLocalAuth": a % 3 == 0},
                }
            )
        for r in range(assignments // subs):
            items.append(
                {
                    "id": f"{rg}/providers/Microsoft.Authorization/roleAssignments/{s:04d}{r:08d}",
                    "type": "Microsoft.Authorization/roleAssignments",
                    "properties": {
                        "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/"
                        + (
                            "b24988ac-6180-42a0-ab88-20f7382dd24c"
                            if r % 5 == 0
                            else "acdd72a7-3385-48ef-bd42-f606fba81ae7"
                        ),
                        "principalId": f"p-{r}",
                        "principalType": "User",
                        "scope": rg,
                    },
                }
            )
        (folder / f"sub-{s}.json").write_text(json.dumps({"value": items}), encoding="utf-8")
        count += len(items)
    return count


def add_estate_arguments(parser: argparse.ArgumentParser) -> None:
    """The estate-size options every snapshot benchmark takes (the medium estate by default)."""
    parser.add_argument("--subscriptions", type=int, default=50)
    parser.add_argument("--workspaces", type=int, default=200)
    parser.add_argument("--endpoints", type=int, default=2000)
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--assignments", type=int, default=10000)
    parser.add_argument(
        "--scale",
        type=int,
        default=1,
        metavar="K",
        help="multiply every size by K (60: 1,014,000 records, the issue's million resources)",
    )


def generate_estate(folder: Path, args: argparse.Namespace) -> int:
    """Write the estate the parsed size options describe; returns the records written."""
    k = args.scale
    return generate(
        folder,
        args.subscriptions * k,
        args.workspaces * k,
        args.endpoints * k,
        args.accounts * k,
        args.assignments * k,
    )


def outcome_of(
    rules: list[Rule],
    results: list[Result],
    as_of: dt.datetime,
    subscriptions: list[Subscription] | None = None,
) -> ScanOutcome:
    """A scan outcome of bare results, enough to build a report document."""
    return ScanOutcome(
        started_at=utc_now(),
        finished_at=utc_now(),
        as_of=as_of,
        sources=[],
        subscriptions=subscriptions or [],
        rules=rules,
        results=results,
        errors=[],
        resource_counts={},
        skipped_types={},
        fail_on=None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_estate_arguments(parser)
    parser.add_argument("--write", type=Path, metavar="DIR", help="only write the estate here")
    args = parser.parse_args()
    if args.write is not None:
        args.write.mkdir(parents=True, exist_ok=True)
        print(f"{generate_estate(args.write, args)} records written to {args.write}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        records = generate_estate(folder, args)
        t0 = time.perf_counter()
        rules = load_rules()
        builder = InventoryBuilder()
        read_snapshots([folder], builder)
        inventory = builder.build()
        t1 = time.perf_counter()
        results = evaluate(rules, inventory, utc_now())
        t2 = time.perf_counter()
        outcome = outcome_of(rules, results, utc_now(), list(inventory.subscriptions.values()))
        report = build_report(outcome)
        text = render("json", report)
        t3 = time.perf_counter()
        peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"records read:        {records}")
    print(f"results:             {len(results)} ({len(report.findings)} findings)")
    print(f"read + inventory:    {t1 - t0:.2f} s")
    print(f"evaluate:            {t2 - t1:.2f} s")
    print(f"JSON report:         {t3 - t2:.2f} s ({len(text) / 1e6:.1f} MB)")
    print(f"total:               {t3 - t0:.2f} s")
    print(f"peak RSS:            {peak_kib / 1024:.0f} MiB (whole process, generation included)")


if __name__ == "__main__":
    main()
