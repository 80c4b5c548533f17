"""Benchmark a live scan against the local ARM emulator with a fixed per-request latency.

Generates an estate of the given size, serves it from the HTTPS emulator in a separate process
(so its CPU and memory do not count against the scanner), runs a full ``auditor scan`` through
the real Azure SDK clients, and prints:

- requests made, and how many URLs were requested more than once;
- the minimum requests needed (one per page of every list the scan must read);
- wall time, the bound ``requests_needed x latency / concurrency`` and their ratio;
- peak memory (max RSS of the scanning process).

    python benchmarks/live_scan.py                 # the medium estate, 50 ms, concurrency 8
    python benchmarks/live_scan.py --size small
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


@dataclass(frozen=True)
class Size:
    """How big the generated estate is."""

    subscriptions: int
    workspaces: int
    endpoints: int
    deployments: int
    accounts: int
    role_assignments: int
    computes_per_workspace: int = 2
    events_per_subscription: int = 10


SIZES = {
    "small": Size(5, 20, 100, 200, 50, 1_000),
    "medium": Size(50, 200, 2_000, 4_000, 500, 10_000),
}
BUILT_IN_ROLES = (
    "acdd72a7-3385-48ef-bd42-f606fba81ae7",  # Reader
    "b24988ac-6180-42a0-ab88-20f7382dd24c",  # Contributor
    "a97b65f3-24c7-4388-baec-2e87135dc908",  # Cognitive Services User
    "f6c7c914-8db3-469d-8ca1-694a8f32e121",  # AzureML Data Scientist
)
ML = "providers/Microsoft.MachineLearningServices/workspaces"
DEPLOYMENT = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments"


def _spread(total: int, buckets: int) -> list[int]:
    """``total`` items over ``buckets`` as evenly as possible."""
    return [total // buckets + (1 if i < total % buckets else 0) for i in range(buckets)]


def generate(size: Size) -> Any:
    """An :class:`~tests.emulator.Estate` of the given size (deterministic)."""
    from tests.emulator import Estate

    estate = Estate()
    subs = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(1, size.subscriptions + 1)]
    for sub in subs:
        estate.add(
            {
                "id": f"/subscriptions/{sub}",
                "subscriptionId": sub,
                "displayName": sub,
                "state": "Enabled",
                "tenantId": "99999999-0000-4000-8000-000000000099",
            }
        )
    for guid in BUILT_IN_ROLES:
        estate.add(
            {
                "id": f"/providers/Microsoft.Authorization/roleDefinitions/{guid}",
                "name": guid,
                "type": "Microsoft.Authorization/roleDefinitions",
                "properties": {
                    "roleName": guid,
                    "type": "BuiltInRole",
                    "permissions": [{"actions": ["*/read"]}],
                    "assignableScopes": ["/"],
                },
            }
        )
    workspaces: list[str] = []
    for s, count in enumerate(_spread(size.workspaces, size.subscriptions)):
        for w in range(count):
            ws_id = f"/subscriptions/{subs[s]}/resourceGroups/rg-{w % 3}/{ML}/ws-{s}-{w}"
            workspaces.append(ws_id)
            estate.add(
                {
                    "id": ws_id,
                    "name": f"ws-{s}-{w}",
                    "type": "Microsoft.MachineLearningServices/workspaces",
                    "location": "eastus",
                    "properties": {"publicNetworkAccess": "Enabled"},
                }
            )
            for c in range(size.computes_per_workspace):
                estate.add(
                    {
                        "id": f"{ws_id}/computes/c{c}",
                        "name": f"c{c}",
                        "type": "Microsoft.MachineLearningServices/workspaces/computes",
                        "location": "eastus",
                        "properties": {
                            "computeType": "AKS" if c == 0 else "AmlCompute",
                            "computeLocation": "westus" if c == 0 else "eastus",
                        },
                    }
                )
    endpoints: list[str] = []
    for w, count in enumerate(_spread(size.endpoints, len(workspaces))):
        for e in range(count):
            ep_id = f"{workspaces[w]}/onlineEndpoints/ep-{e}"
            endpoints.append(ep_id)
            estate.add(
                {
                    "id": ep_id,
                    "name": f"ep-{e}",
                    "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
                    "location": "eastus",
                    "properties": {"authMode": "Key" if e % 2 else "AADToken"},
                }
            )
    for e, count in enumerate(_spread(size.deployments, len(endpoints))):
        for d in range(count):
            estate.add(
                {
                    "id": f"{endpoints[e]}/deployments/d{d}",
                    "name": f"d{d}",
                    "type": DEPLOYMENT,
                    "location": "eastus",
                    "sku": {"capacity": 1},
                    "properties": {
                        "environmentVariables": {"LOG_LEVEL": "info", "API_KEY": f"k-{e}-{d}"}
                    },
                }
            )
    for s, count in enumerate(_spread(size.accounts, size.subscriptions)):
        for a in range(count):
            estate.add(
                {
                    "id": f"/subscriptions/{subs[s]}/resourceGroups/rg-ai/providers/"
                    f"Microsoft.CognitiveServices/accounts/acc-{s}-{a}",
                    "name": f"acc-{s}-{a}",
                    "type": "Microsoft.CognitiveServices/accounts",
                    "location": "eastus",
                    "kind": "OpenAI",
                    "properties": {
                        "disableLocalAuth": a % 2 == 0,
                        "dateCreated": "2024-01-01T00:00:00Z",
                    },
                }
            )
    n = 0
    for s, count in enumerate(_spread(size.role_assignments, size.subscriptions)):
        for r in range(count):
            n += 1
            scope = f"/subscriptions/{subs[s]}" + (f"/resourceGroups/rg-{r % 3}" if r % 4 else "")
            name = f"a0000000-0000-4000-8000-{n:012x}"
            estate.add(
                {
                    "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
                    "name": name,
                    "type": "Microsoft.Authorization/roleAssignments",
                    "properties": {
                        "scope": scope,
                        "principalType": "User",
                        "principalId": f"5e000000-0000-4000-8000-{r:012x}",
                        "roleDefinitionId": f"/subscriptions/{subs[s]}/providers/"
                        f"Microsoft.Authorization/roleDefinitions/"
                        f"{BUILT_IN_ROLES[r % len(BUILT_IN_ROLES)]}",
                    },
                }
            )
        for i in range(size.events_per_subscription):
            estate.add(
                {
                    "eventDataId": f"{s}-{i}",
                    "subscriptionId": subs[s],
                    "operationName": {
                        "value": "Microsoft.CognitiveServices/accounts/regenerateKey/action"
                    },
                    "resourceProviderName": {"value": "Microsoft.CognitiveServices"},
                    "status": {"value": "Succeeded"},
                    "eventTimestamp": "2026-10-01T00:00:00Z",
                    "resourceId": f"/subscriptions/{subs[s]}/resourceGroups/rg-ai/providers/"
                    f"Microsoft.CognitiveServices/accounts/acc-{s}-{i}",
                }
            )
    return estate


MODEL_LISTS = (
    "deployments",
    "raipolicies",
    "defenderforaisettings",
    "networksecurityperimeterconfigurations",
)
FOUNDRY_LISTS = ("connections", "projects", "capabilityhosts")
"""The lists a live scan reads under an OpenAI account, and also under an AIServices one."""


def minimum_requests(estate: Any, page_size: int, diagnostic_settings: bool = True) -> int:
    """One request per page of every list a complete scan must read (an empty list is 1);
    with ``diagnostic_settings``, one more per account, workspace, endpoint and registry."""

    def pages(n: int) -> int:
        return max(1, math.ceil(n / page_size))

    subs = [str(s["subscriptionId"]).lower() for s in estate.subscriptions]
    total = pages(len(subs)) + 1  # subscriptions; built-in role definitions once (< 1 page)
    for sub in subs:
        ml = f"/subscriptions/{sub}/providers/microsoft.machinelearningservices/workspaces"
        cs = f"/subscriptions/{sub}/providers/microsoft.cognitiveservices/accounts"
        registries = f"/subscriptions/{sub}/providers/microsoft.machinelearningservices/registries"
        total += pages(len(estate.collections.get(ml, [])))
        total += pages(len(estate.collections.get(cs, [])))
        total += pages(len(estate.collections.get(registries, [])))
        if diagnostic_settings:  # one GET of each logged resource's settings (not paged)
            total += len(estate.collections.get(cs, [])) + len(estate.collections.get(ml, []))
            total += len(estate.collections.get(registries, []))
        for account in estate.collections.get(cs, []):
            key = str(account["id"]).lower()
            kind = str(account.get("kind", "")).lower()
            lists = {"openai": MODEL_LISTS, "aiservices": MODEL_LISTS + FOUNDRY_LISTS}
            for child in lists.get(kind, ()):
                total += pages(len(estate.collections.get(f"{key}/{child}", [])))
            if kind == "aiservices":
                for project in estate.collections.get(f"{key}/projects", []):
                    for child in ("connections", "capabilityhosts"):
                        path = f"{str(project['id']).lower()}/{child}"
                        total += pages(len(estate.collections.get(path, [])))
        total += pages(len(estate.role_assignments.get(sub, [])))
        total += 1  # custom role definitions (none generated)
        pricings = f"/subscriptions/{sub}/providers/microsoft.security/pricings"
        total += pages(len(estate.collections.get(pricings, [])))  # Defender plans
        for provider in ("microsoft.cognitiveservices", "microsoft.machinelearningservices"):
            events = [
                e
                for e in estate.events.get(sub, [])
                if e["resourceProviderName"]["value"].lower() == provider
            ]
            total += pages(len(events))
        for ws in estate.collections.get(ml, []):
            ws_key = str(ws["id"]).lower()
            children = ("computes", "services", "connections", "serverlessendpoints", "datastores")
            for child in children:
                total += pages(len(estate.collections.get(f"{ws_key}/{child}", [])))
            network = (ws.get("properties") or {}).get("managedNetwork") or {}
            if str(network.get("isolationMode", "")).lower() == "allowonlyapprovedoutbound":
                total += pages(len(estate.collections.get(f"{ws_key}/outboundrules", [])))
            eps = estate.collections.get(f"{ws_key}/onlineendpoints", [])
            total += pages(len(eps)) + (len(eps) if diagnostic_settings else 0)
            for ep in eps:
                total += pages(
                    len(estate.collections.get(f"{str(ep['id']).lower()}/deployments", []))
                )
    # Each distinct storage account, registry and key vault a workspace names: one GET.
    total += len(
        {
            str(ws["properties"][link]).lower()
            for sub in subs
            for ws in estate.collections.get(
                f"/subscriptions/{sub}/providers/microsoft.machinelearningservices/workspaces", []
            )
            for link in ("storageAccount", "containerRegistry", "keyVault")
            if isinstance(ws.get("properties", {}).get(link), str)
        }
    )
    return total


def _serve(
    size: Size, latency: float, page_size: int, cert_dir: str, conn: Any, diagnostics: bool
) -> None:
    from tests.emulator import ArmEmulator

    estate = generate(size)
    server = ArmEmulator(
        estate, Path(cert_dir), token="bench", page_size=page_size, latency=latency
    ).start()
    conn.send((server.url, str(server.ca_file), minimum_requests(estate, page_size, diagnostics)))
    conn.recv()  # until the parent is done
    conn.send(len(server.log))
    server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="medium")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument(
        "--no-diagnostic-settings",
        action="store_true",
        help="skip the per-resource diagnostic-settings reads, as the scan option does",
    )
    args = parser.parse_args(argv)
    diagnostics = not args.no_diagnostic_settings
    size = SIZES[args.size]

    with tempfile.TemporaryDirectory() as tmp:
        parent, child = multiprocessing.Pipe()
        server = multiprocessing.get_context("fork").Process(
            target=_serve,
            args=(size, args.latency, args.page_size, tmp, child, diagnostics),
            daemon=True,
        )
        server.start()
        url, ca_file, needed = parent.recv()
        os.environ["REQUESTS_CA_BUNDLE"] = ca_file
        os.environ["AUDITOR_ACCESS_TOKEN"] = "bench"

        from auditor.audit import scan
        from auditor.collect.live.settings import LiveSettings
        from auditor.config import ScanConfig

        settings = LiveSettings(
            auth="token",
            arm_endpoint=url,
            concurrency=args.concurrency,
            diagnostic_settings=diagnostics,
        )
        started = time.perf_counter()
        outcome = scan(ScanConfig(live=settings, quiet=True, fail_on=None))
        wall = time.perf_counter() - started
        parent.send("done")
        served = parent.recv()
        server.join(timeout=10)

    [source] = [s for s in outcome.sources if s["kind"] == "live"]
    requests = int(source["requests"])
    bound = needed * args.latency / args.concurrency
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"estate: {size}")
    print(
        f"latency {args.latency * 1000:.0f} ms, concurrency {args.concurrency}, "
        f"page size {args.page_size}"
    )
    print(
        f"resources read: {sum(outcome.resource_counts.values())}, "
        f"results: {len(outcome.results)}, errors: {len(outcome.errors)}"
    )
    print(f"requests made: {requests} (server saw {served}, retries {source['retries']})")
    print(f"requests needed (minimum): {needed}")
    print(f"URLs requested more than once: {source['repeated_requests']}")
    print(f"wall time: {wall:.2f} s in all, {source['seconds']:.2f} s collecting")
    print(f"bound (needed x latency / concurrency): {bound:.2f} s")
    collecting = float(source["seconds"])
    print(f"ratio wall / bound: {wall / bound:.2f} (collection alone: {collecting / bound:.2f})")
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
