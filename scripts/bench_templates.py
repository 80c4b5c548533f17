"""Benchmark: expand and judge a large ARM template; prints figures, asserts nothing.

    python scripts/bench_templates.py [--copies N]

Builds a template with a workspace and N copies each of an AI Services account, a compute,
an online endpoint and a deployment (copy loops over expressions, a nested inner-scope
module), then times parsing + expansion into the inventory and the rule evaluation.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from auditor.collect.templates import read_templates
from auditor.engine.evaluate import evaluate
from auditor.engine.loader import load_rules
from auditor.inventory import InventoryBuilder
from auditor.timeutil import utc_now

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
ML = "Microsoft.MachineLearningServices/workspaces"


def _looped(
    kind: str, name: str, properties: dict[str, object], count: object
) -> dict[str, object]:
    return {
        "type": kind,
        "apiVersion": "2024-10-01",
        "name": name,
        "location": "[resourceGroup().location]",
        "copy": {"name": kind.rsplit("/", 1)[-1], "count": count},
        "properties": properties,
    }


def _outer_module(name: str, looped: dict[str, object]) -> dict[str, object]:
    """A nested deployment in the caller's scope: ARM allows 800 resources per template,
    so each 800-copy loop needs a template of its own."""
    return {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": name,
        "properties": {
            "mode": "Incremental",
            "template": {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [looped]},
        },
    }


def template(copies: int) -> dict[str, object]:
    """A template with ``copies`` of each looped resource."""
    ws = "[parameters('workspace')]"
    module = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "accounts",
        "properties": {
            "expressionEvaluationOptions": {"scope": "inner"},
            "mode": "Incremental",
            "parameters": {"keys": {"value": False}, "count": {"value": copies}},
            "template": {
                "$schema": SCHEMA,
                "contentVersion": "1.0.0.0",
                "parameters": {"keys": {"type": "bool"}, "count": {"type": "int"}},
                "resources": [
                    _looped(
                        "Microsoft.CognitiveServices/accounts",
                        "[format('ai-{0}', copyIndex())]",
                        {
                            "disableLocalAuth": (
                                "[if(equals(copyIndex(), 0), true(), parameters('keys'))]"
                            )
                        },
                        "[parameters('count')]",
                    )
                ],
            },
        },
    }
    return {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {"workspace": {"type": "string", "defaultValue": "ws-bench"}},
        "resources": [
            {
                "type": ML,
                "apiVersion": "2024-10-01",
                "name": ws,
                "location": "eastus",
                "properties": {},
            },
            _outer_module(
                "computes",
                _looped(
                    f"{ML}/computes",
                    f"[concat({ws[1:-1]}, '/aks-', copyIndex())]",
                    {
                        "computeType": "AKS",
                        "computeLocation": "[if(equals(copyIndex(), 0), 'westus', 'eastus')]",
                    },
                    copies,
                ),
            ),
            _outer_module(
                "endpoints",
                _looped(
                    f"{ML}/onlineEndpoints",
                    f"[concat({ws[1:-1]}, '/ep-', copyIndex())]",
                    {"authMode": "[if(less(copyIndex(), 10), 'Key', 'AADToken')]"},
                    copies,
                ),
            ),
            _outer_module(
                "deployments",
                _looped(
                    f"{ML}/onlineEndpoints/deployments",
                    f"[concat({ws[1:-1]}, '/ep-', copyIndex(), '/blue')]",
                    {
                        "environmentVariables": {
                            "DB_PASSWORD": "[concat('p', copyIndex())]",
                            "MODE": "x",
                        }
                    },
                    copies,
                ),
            ),
            module,
        ],
    }


def main() -> None:
    """Time one run and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=800, help="copies per loop (ARM max 800)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "main.json"
        path.write_text(json.dumps(template(args.copies), indent=2))
        size = path.stat().st_size
        rules = load_rules()
        started = time.perf_counter()
        builder = InventoryBuilder()
        read_templates([path], builder)
        inventory = builder.build()
        expanded = time.perf_counter()
        results = evaluate(rules, inventory, utc_now())
        judged = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"template: {size / 1024:.0f} KiB, {len(inventory.resources)} resources expanded")
    print(f"parse + expand + inventory: {expanded - started:.2f} s")
    print(f"evaluate {len(rules)} rules -> {len(results)} results: {judged - expanded:.2f} s")
    print(f"peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
