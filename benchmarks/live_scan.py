"""Benchmark a live scan against the local ARM emulator with a fixed per-request latency.

Generates an estate of the given size, serves it from the HTTPS emulator in a separate process
(so its CPU and memory do not count against the scanner), runs a full ``auditor scan`` through
the real Azure SDK clients, and prints:

- requests made, and how many URLs were requested more than once;
- the minimum requests needed (one per page of every list the scan must read);
- wall time, the bound ``requests_needed x latency / concurrency`` and their ratio;
- CPU seconds by stage (collection, rule evaluation, writing ``auditor.json`` and
  ``auditor.html``), read where the scan's own progress says a stage starts; evaluation's
  forked workers included;
- the emulator's CPU while it served, and how busy scanner and emulator kept the cores (on
  a machine they share, a scan that keeps every core busy is bound by the machine);
- peak memory (max RSS of the scanning process).

The scan is the CLI's: ``audit.scan_report`` then the JSON and HTML reports written.

    python benchmarks/live_scan.py                 # the medium estate, 50 ms, concurrency 8
    python benchmarks/live_scan.py --size small
    python benchmarks/live_scan.py --tenant 1000 --collector arm   # a whole tenant, by kind

``--tenant N`` generates N subscriptions sized as tenants are (:func:`tenant_size`): most
hold no AI resource at all, a few hold a little, a very few a lot; it prints the requests by
kind, the CPU seconds per request and the bound including Resource Graph's quota pacing.
"""

from __future__ import annotations

import argparse
import json
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
            group = f"/subscriptions/{subs[s]}/resourceGroups/rg-{w % 3}"
            ws_id = f"{group}/{ML}/ws-{s}-{w}"
            workspaces.append(ws_id)
            links = _dependencies(estate, group, f"{s}w{w}", registry=w % 2 == 0)
            estate.add(
                {
                    "id": ws_id,
                    "name": f"ws-{s}-{w}",
                    "type": "Microsoft.MachineLearningServices/workspaces",
                    "location": "eastus",
                    "properties": {"publicNetworkAccess": "Enabled", **links},
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


def _dependencies(estate: Any, group: str, suffix: str, registry: bool) -> dict[str, str]:
    """A workspace's own storage account and key vault (Azure ML requires both) and, for
    ``registry``, a container registry: added to ``estate``; the workspace's link properties."""
    kinds = [
        ("storageAccount", "Microsoft.Storage/storageAccounts", f"st{suffix}",
         {"allowBlobPublicAccess": False, "allowSharedKeyAccess": True}),
        ("keyVault", "Microsoft.KeyVault/vaults", f"kv-{suffix}",
         {"enablePurgeProtection": True, "enableSoftDelete": True}),
    ]  # fmt: skip
    if registry:
        kinds.append(
            ("containerRegistry", "Microsoft.ContainerRegistry/registries", f"cr{suffix}",
             {"adminUserEnabled": False})
        )  # fmt: skip
    links: dict[str, str] = {}
    for link, arm_type, name, properties in kinds:
        links[link] = f"{group}/providers/{arm_type}/{name}"
        estate.add(
            {"id": links[link], "name": name, "type": arm_type, "location": "eastus",
             "properties": properties}
        )  # fmt: skip
    return links


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


TENANT_MIX = ((0.90, Size(1, 0, 0, 0, 0, 3)), (0.08, Size(1, 1, 2, 2, 1, 8)))
"""Per subscription: 90 % hold only role assignments, 8 % one workspace (two endpoints, one
deployment each) and one account; the remaining 2 % are AI platforms (:data:`PLATFORM`)."""
PLATFORM = Size(1, 3, 30, 60, 3, 20)


ISSUE_SHAPE = Size(1, 2, 20, 20, 0, 5)
"""Issue 14's sizing example: every subscription with 2 workspaces and 20 endpoints."""


def tenant_size(subscriptions: int, shape: str = "realistic") -> list[Size]:
    """Each subscription's size, deterministically in the :data:`TENANT_MIX` proportions
    (``shape="issue"``: all :data:`ISSUE_SHAPE`)."""
    if shape == "issue":
        return [ISSUE_SHAPE] * subscriptions
    sizes = []
    for i in range(subscriptions):
        slot = (i * 37) % 100  # spreads each kind over the whole id range
        sizes.append(TENANT_MIX[0][1] if slot < 90 else TENANT_MIX[1][1] if slot < 98 else PLATFORM)
    return sizes


def generate_tenant(subscriptions: int, shape: str = "realistic") -> Any:
    """An estate of ``subscriptions`` subscriptions sized by :func:`tenant_size`."""
    from tests.emulator import Estate

    estate = Estate()
    for i, size in enumerate(tenant_size(subscriptions, shape)):
        part = generate(size)
        sub = tenant_subscription(i)
        old = "00000001-0000-4000-8000-000000000001"
        for record in [*part.subscriptions, *_records(part)]:
            text = json.dumps(record).replace(old, sub)
            estate.add(json.loads(text), subscription=sub if "roleDefinitions/" in text else None)
    return estate


def tenant_subscription(i: int) -> str:
    """The id of the tenant's subscription ``i`` (from 0), as :func:`generate_tenant` names it."""
    return f"{i + 1:08x}-0000-4000-8000-{i + 1:012x}"


SCOPE_ROOT = "contoso-root"
EXCLUDED_GROUP = "sandbox"


def tenant_hierarchy(subscriptions: int) -> tuple[Any, set[str], str]:
    """A management-group tree for ``--scoped``: the root, ``prod`` (with a nested ``ml``
    group), ``dev`` and ``sandbox``, one subscription in ten under each of ``sandbox`` and
    ``ml``. Returns the tree, the subscriptions a scan of the root without ``sandbox`` and
    without the one excluded subscription must read, and that subscription."""
    from tests.emulator.management_groups import Hierarchy

    tree = Hierarchy(root=SCOPE_ROOT)
    for name, parent in (("prod", None), ("ml", "prod"), ("dev", None), (EXCLUDED_GROUP, None)):
        tree.group(name, parent)
    wanted = set()
    for i in range(subscriptions):
        sub = tenant_subscription(i)
        parent = EXCLUDED_GROUP if i % 10 == 3 else "ml" if i % 10 == 7 else ("prod", "dev")[i % 2]
        tree.subscription(sub, parent, f"tenant-{i + 1}")
        if parent != EXCLUDED_GROUP:
            wanted.add(sub)
    excluded = tenant_subscription(1)  # under dev: excluded by id
    wanted.discard(excluded)
    return tree, wanted, excluded


def _records(estate: Any) -> list[dict[str, Any]]:
    items = [r for records in estate.collections.values() for r in records]
    for by_sub in (estate.role_assignments, estate.role_definitions):
        for records in by_sub.values():
            items.extend(records)
    for events in estate.events.values():
        items.extend(events)
    return items


def request_kind(method: str, path: str) -> str:
    """What a logged request read, for the by-kind table."""
    if method == "POST":
        return "Resource Graph query"
    tail = path.rstrip("/").rsplit("/", 1)[-1].lower()
    return "activity log" if tail == "values" else tail


def _serve(
    size: Size | tuple[int, str],
    latency: float,
    page_size: int,
    cert_dir: str,
    conn: Any,
    diagnostics: bool,
    scoped: bool = False,
) -> None:
    from tests.emulator import ArmEmulator

    estate = generate(size) if isinstance(size, Size) else generate_tenant(*size)
    server = ArmEmulator(
        estate, Path(cert_dir), token="bench", page_size=page_size, latency=latency
    ).start()
    if scoped and not isinstance(size, Size):
        server.management_groups = tenant_hierarchy(size[0])[0]
    conn.send((server.url, str(server.ca_file), minimum_requests(estate, page_size, diagnostics)))
    started = _own_cpu()  # the estate's generation is not the emulator's serving
    conn.recv()  # until the parent is done
    kinds: dict[str, int] = {}
    for entry in server.log:
        kind = request_kind(entry.method, entry.path)
        kinds[kind] = kinds.get(kind, 0) + 1
    graph = server.graph
    read = {
        e.path.lower().split("/")[2] for e in server.log if e.path.startswith("/subscriptions/")
    }
    cpu = _own_cpu() - started
    conn.send((len(server.log), kinds, graph.quota, graph.window, graph.throttled, read, cpu))
    server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="medium")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--tenant", type=int, metavar="N", help="a generated tenant of N subscriptions instead"
    )
    parser.add_argument("--collector", choices=("graph", "arm"), default="graph")
    parser.add_argument(
        "--shape",
        choices=("realistic", "issue"),
        default="realistic",
        help="--tenant sizes: most subscriptions empty (default), or issue 14's 2 workspaces "
        "and 20 endpoints in every subscription",
    )
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument(
        "--no-diagnostic-settings",
        action="store_true",
        help="skip the per-resource diagnostic-settings reads, as the scan option does",
    )
    parser.add_argument(
        "--scoped",
        action="store_true",
        help="--tenant only: scan --management-group contoso-root with two exclusions (the "
        "sandbox group, one subscription by id) and check what was read",
    )
    args = parser.parse_args(argv)
    if args.scoped and not args.tenant:
        parser.error("--scoped needs --tenant")
    diagnostics = not args.no_diagnostic_settings
    size: Size | tuple[int, str] = (args.tenant, args.shape) if args.tenant else SIZES[args.size]

    with tempfile.TemporaryDirectory() as tmp:
        parent, child = multiprocessing.Pipe()
        server = multiprocessing.get_context("fork").Process(
            target=_serve,
            args=(size, args.latency, args.page_size, tmp, child, diagnostics, args.scoped),
            daemon=True,
        )
        server.start()
        url, ca_file, needed = parent.recv()
        os.environ["REQUESTS_CA_BUNDLE"] = ca_file
        os.environ["AUDITOR_ACCESS_TOKEN"] = "bench"

        from auditor import progress
        from auditor.audit import scan_report
        from auditor.collect.live.settings import LiveSettings
        from auditor.config import ScanConfig
        from auditor.report.formats import write_reports

        settings = LiveSettings(
            auth="token",
            arm_endpoint=url,
            concurrency=args.concurrency,
            diagnostic_settings=diagnostics,
            collector=args.collector,
            **(
                {
                    "management_groups": (SCOPE_ROOT,),
                    "exclude_management_groups": (EXCLUDED_GROUP,),
                    "exclude_subscriptions": (tenant_hierarchy(args.tenant)[2],),
                }
                if args.scoped
                else {}
            ),
        )
        stages = _Stages()
        cpu_before = _cpu()
        started = time.perf_counter()
        with progress.shown(stages):  # type: ignore[arg-type]
            outcome, report = scan_report(ScanConfig(live=settings, quiet=True, fail_on=None))
            write_reports(report, ("json", "html"), Path(tmp) / "reports")
        wall = time.perf_counter() - started
        cpu = _cpu() - cpu_before
        stages.cpu = {name: at - cpu_before for name, at in stages.cpu.items()}
        stages.wall = {name: at - started for name, at in stages.wall.items()}
        parent.send("done")
        served, kinds, quota, window, throttled, read, emulator_cpu = parent.recv()
        server.join(timeout=10)

    [source] = [s for s in outcome.sources if s["kind"] == "live"]
    requests = int(source["requests"])
    if args.scoped:
        _scope_check(args.tenant, outcome, read)
    if args.tenant:
        quotas = (quota, window, throttled)
        cpus = (cpu, stages.cpu, emulator_cpu)
        return _tenant_table(
            args, outcome, source, kinds, (wall, stages.wall), cpus, quotas, needed
        )
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
    _print_cpu(cpu, stages.cpu, requests)
    _print_machine(cpu, emulator_cpu, wall)
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    return 0


class _Stages:
    """A terminal to the scan's progress line: notes the CPU used when each stage starts."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = {}
        self.wall: dict[str, float] = {}

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        for stage in ("evaluating rules", "writing reports"):
            if stage in text and stage not in self.cpu:
                self.cpu[stage] = _cpu()
                self.wall[stage] = time.perf_counter()
        return len(text)

    def flush(self) -> None:
        pass


def _print_cpu(cpu: float, stages: dict[str, float], requests: int) -> None:
    """CPU seconds in all and by stage; collection's per request is the issue's figure."""
    collected = stages.get("evaluating rules", cpu)
    evaluated = stages.get("writing reports", cpu)
    print(
        f"CPU: {cpu:.1f} s in all, {cpu / max(1, requests) * 1000:.2f} ms per request; "
        f"collection {collected:.1f} s ({collected / max(1, requests) * 1000:.2f} ms per "
        f"request), rule evaluation {evaluated - collected:.1f} s, JSON + HTML reports "
        f"{cpu - evaluated:.1f} s"
    )


def _print_wall(wall: float, stages: dict[str, float]) -> None:
    """Wall seconds by stage: what runs after the last read adds to the scan's time whole."""
    collected = stages.get("evaluating rules", wall)
    evaluated = stages.get("writing reports", wall)
    print(
        f"wall by stage: collection {collected:.1f} s, rule evaluation "
        f"{evaluated - collected:.1f} s, JSON + HTML reports {wall - evaluated:.1f} s"
    )


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _print_machine(cpu: float, emulator_cpu: float, wall: float) -> None:
    """How busy the machine's cores were: the emulator shares them, so a scan whose scanner
    and emulator together keep every core busy is bound by the machine, not by latency."""
    cores = os.cpu_count() or 1
    busy = (cpu + emulator_cpu) / (wall * cores) if wall else float("nan")
    print(
        f"emulator CPU (same cores): {emulator_cpu:.1f} s; scanner + emulator kept the "
        f"{cores} cores {busy:.0%} busy"
    )


def _scope_check(subscriptions: int, outcome: Any, read: set[str]) -> None:
    """Print whether the scoped scan read exactly the subscriptions it should."""
    _, wanted, excluded = tenant_hierarchy(subscriptions)
    scanned = {s.id.lower() for s in outcome.subscriptions}
    print(
        f"scope: {len(scanned)} of {subscriptions} subscriptions scanned, {len(wanted)} expected; "
        f"exactly those: {scanned == wanted}; ARM requests under another subscription: "
        f"{len(read - wanted)} (the excluded {excluded}: {excluded in read})"
    )


def _cpu() -> float:
    """This process's CPU and its finished children's: rule evaluation's forked workers (the
    emulator's process is still running, so it is not counted)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _tenant_table(
    args: Any,
    outcome: Any,
    source: dict[str, Any],
    kinds: dict[str, int],
    walls: tuple[float, dict[str, float]],
    cpus: tuple[float, dict[str, float], float],
    quota: tuple[int, float, int],
    arm_needed: int,
) -> int:
    """The ``--tenant`` report: requests by kind, time against the bound, CPU, memory."""
    wall, stage_walls = walls
    requests = int(source["requests"])
    limit, window, throttled = quota
    graph_queries = kinds.get("Resource Graph query", 0)
    pacing = max(0, graph_queries - limit) / limit * window
    bound = max(requests * args.latency / args.concurrency, pacing)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"tenant: {args.tenant} subscriptions ({args.shape}), collector {args.collector}")
    print(f"latency {args.latency * 1000:.0f} ms, concurrency {args.concurrency}")
    print(f"resources read: {sum(outcome.resource_counts.values())}, errors: {len(outcome.errors)}")
    print("requests by kind:")
    for kind, count in sorted(kinds.items(), key=lambda item: -item[1]):
        print(f"  {kind:40} {count:>8}")
    print(f"requests: {requests} (retries {source['retries']}, throttled {throttled})")
    print(f"ARM lists a --collector arm scan needs for this estate: {arm_needed}")
    print(
        f"bound: max(requests x latency / concurrency, quota pacing {pacing:.1f} s) = {bound:.1f} s"
    )
    print(f"wall: {wall:.1f} s, {wall / bound if bound else float('nan'):.2f}x the bound")
    _print_wall(wall, stage_walls)
    _print_cpu(cpus[0], cpus[1], requests)
    _print_machine(cpus[0], cpus[2], wall)
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
