"""Resource Graph collection (the default) against the emulator's Resource Graph: the same
resources read both ways give the same findings, with far fewer requests; a failed,
truncated or throttled query is an error or a wait, never fewer resources."""

from __future__ import annotations

import heapq
import itertools
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest

from auditor.audit import scan
from auditor.collect.live.bounds import Deadline
from auditor.collect.live.graph import QUERIES, to_record
from auditor.collect.live.pacing import QuotaPacer, parse_resets_after
from auditor.collect.live.settings import LiveSettings, RetrySettings
from auditor.config import ScanConfig
from tests.emulator import ArmEmulator, Fault
from tests.emulator.fixtures import SUB_A, SUB_B, SUB_C
from tests.emulator.graph import GraphEmulator
from tests.test_live_scan import live_args

GRAPH = "/providers/Microsoft.ResourceGraph/resources"
GRAPH_URL = f"https://management.azure.com{GRAPH}?api-version=2024-04-01"
QUERIES_PER_BATCH = len(QUERIES) + 2  # and the role assignments with their subscriptions' groups
GRAPH_TYPES = frozenset(t for q in QUERIES for t in q.types) | {
    "Microsoft.Authorization/roleAssignments"
}
FAST_RETRY = RetrySettings(total=2, backoff_factor=0.01, backoff_max=0.05, retry_after_max=0.2)


def scan_args(server: ArmEmulator, out: Path, *extra: str) -> list[str]:
    """A Resource Graph scan keeping a snapshot (a later ``--collector arm`` in ``extra``
    wins, as argparse takes the last one)."""
    keep = ("--include-passed", "--save-snapshot", str(out / "snapshot"))
    return live_args(server, *keep, *extra, collector="graph")


def findings(report: dict[str, Any]) -> set[tuple[str, ...]]:
    return {
        (f["fingerprint"], f["rule_id"], f["resource_id"].lower(), f["status"], f["severity"])
        for f in report["findings"]
    }


def snapshot_records(folder: Path) -> dict[str, dict[str, Any]]:
    """Every record the saved snapshot holds, by lower-case id."""
    records: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.rglob("*.json")):
        document = json.loads(path.read_text("utf-8"))
        for record in document.get("value", []) if isinstance(document, dict) else []:
            if isinstance(record, dict) and isinstance(record.get("id"), str):
                records[record["id"].lower()] = record
    return records


def of_types(records: dict[str, dict[str, Any]], types: frozenset[str]) -> dict[str, Any]:
    wanted = {t.lower() for t in types}
    return {k: r for k, r in records.items() if str(r.get("type", "")).lower() in wanted}


def both_ways(
    server: ArmEmulator, run_cli: Any, tmp_path: Path, *extra: str
) -> tuple[Any, Any, int, int]:
    """Scan with --collector arm, then with the default; the results and request counts."""
    arm = run_cli(
        scan_args(server, tmp_path / "arm", "--collector", "arm", *extra),
        output_dir=tmp_path / "arm",
    )
    arm_requests = len(server.log)
    graph = run_cli(scan_args(server, tmp_path / "graph", *extra), output_dir=tmp_path / "graph")
    return arm, graph, arm_requests, len(server.log) - arm_requests


def test_the_same_estate_read_both_ways_gives_the_same_findings_and_records(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Path
) -> None:
    """The fixture estate through Resource Graph and through ARM lists: identical findings
    (fingerprints, statuses), identical records of every Graph-read type, the collector in
    the report's settings, and fewer requests."""
    arm, graph, arm_requests, graph_requests = both_ways(emulator, run_cli, tmp_path)
    assert (arm.code, graph.code) == (1, 1)
    assert findings(graph.report()) == findings(arm.report())
    assert graph.report()["errors"] == arm.report()["errors"] == []
    assert graph.report()["scan"]["settings"]["collector"] == "graph"
    assert arm.report()["scan"]["settings"]["collector"] == "arm"
    arm_records = snapshot_records(tmp_path / "arm" / "snapshot")
    graph_records = snapshot_records(tmp_path / "graph" / "snapshot")
    assert of_types(graph_records, GRAPH_TYPES) == of_types(arm_records, GRAPH_TYPES)
    assert len(of_types(arm_records, GRAPH_TYPES)) > 20
    assert graph_records == arm_records
    posts = [r for r in emulator.log[arm_requests:] if r.method == "POST"]
    assert len(posts) == QUERIES_PER_BATCH  # three subscriptions: one batch, one page each
    assert graph_requests < arm_requests


def activity_lists(entries: list[Any]) -> set[tuple[str, str]]:
    """(subscription, provider) of every Activity Log list among ``entries``."""
    found = set()
    for entry in entries:
        if entry.path.lower().endswith("/eventtypes/management/values"):
            query = " ".join(entry.query.get("$filter", []))
            provider = query.split("resourceProvider eq '")[1].split("'")[0]
            found.add((entry.path.split("/")[2].lower(), provider.lower()))
    return found


def held_providers(report: dict[str, Any]) -> set[tuple[str, str]]:
    """(subscription, provider) of every AI/ML resource the report judged."""
    return {
        (f["subscription_id"].lower(), f["resource_type"].split("/")[0].lower())
        for f in report["findings"]
        if f["subscription_id"]
        and f["resource_type"].split("/")[0].lower()
        in ("microsoft.cognitiveservices", "microsoft.machinelearningservices")
    }


def test_the_activity_log_is_read_only_where_its_provider_has_resources(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Path
) -> None:
    """The ARM path lists both providers' Activity Log in every subscription; through Resource
    Graph only a subscription holding that provider's resources is listed (their key
    regenerations are all AIS002 and AML002 judge), and the findings are the same."""
    arm, graph, arm_requests, _ = both_ways(emulator, run_cli, tmp_path)
    assert findings(graph.report()) == findings(arm.report())
    by_arm = activity_lists(emulator.log[:arm_requests])
    by_graph = activity_lists(emulator.log[arm_requests:])
    subscriptions = {s["id"].lower() for s in arm.report()["scan"]["subscriptions"]}
    assert {s for s, _ in by_arm} == subscriptions and len(by_arm) == 2 * len(subscriptions)
    assert by_graph == held_providers(graph.report())
    assert by_graph < by_arm  # some subscription holds no resources of one of the providers


def test_failed_queries_still_read_the_activity_log_of_their_batch(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Path
) -> None:
    """When the queries fail, what their batch holds is not known: every subscription's
    Activity Log of both providers is listed, as the ARM path does (nothing skipped on a
    guess)."""
    emulator.fail_always(GRAPH, Fault(403, message="denied", code="AuthorizationFailed"))
    run = run_cli(scan_args(emulator, tmp_path, "--fail-on", "none"), output_dir=tmp_path)
    assert run.code == 3
    subscriptions = {s.lower() for s in (SUB_A, SUB_B, SUB_C)}
    providers = {"microsoft.cognitiveservices", "microsoft.machinelearningservices"}
    assert activity_lists(emulator.log) == {(s, p) for s in subscriptions for p in providers}


def test_graph_scan_sends_no_arm_list_of_an_indexed_type(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Path
) -> None:
    """With Resource Graph, no subscription's workspace, account, role-assignment, pricing or
    registry list and no endpoint or deployment list goes to ARM; the rest still does."""
    result = run_cli(scan_args(emulator, tmp_path), output_dir=tmp_path)
    assert result.code == 1
    paths = [r.path.lower() for r in emulator.log if r.method == "GET"]
    indexed = (
        "/workspaces",
        "/accounts",
        "/roleassignments",
        "/pricings",
        "/registries",
        "/onlineendpoints",
        "/deployments",
        "/serverlessendpoints",
    )
    assert [p for p in paths if p.endswith(indexed) and "/accounts/" not in p] == []
    assert any(p.endswith("/computes") for p in paths)
    assert any(p.endswith("/eventtypes/management/values") for p in paths)
    assert {r.method for r in emulator.log} == {"GET", "POST"}
    assert {r.path for r in emulator.log if r.method == "POST"} == {GRAPH}


def test_small_pages_give_the_same_findings(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Path
) -> None:
    """Two rows a page: every page is followed by its $skipToken, and nothing changes."""
    whole = run_cli(scan_args(emulator, tmp_path / "whole"), output_dir=tmp_path / "whole")
    before = len(emulator.log)
    emulator.graph.page_size = 2
    paged = run_cli(scan_args(emulator, tmp_path / "paged"), output_dir=tmp_path / "paged")
    posts = [r for r in emulator.log[before:] if r.method == "POST"]
    assert len(posts) > QUERIES_PER_BATCH + 5
    assert findings(paged.report()) == findings(whole.report())
    assert paged.report()["errors"] == []


def live(emulator: ArmEmulator, **settings: Any) -> ScanConfig:
    settings.setdefault("retry", FAST_RETRY)
    return ScanConfig(
        live=LiveSettings(auth="token", arm_endpoint=emulator.url, **settings),
        quiet=True,
        fail_on=None,
    )


def test_a_failed_query_is_an_error_for_every_subscription_of_its_batch(
    emulator: ArmEmulator,
) -> None:
    """Resource Graph refusing every query: each subscription gets an error naming each query
    and the kinds are not declared collected; nothing is judged as if it were empty."""
    message = "The client does not have authorization to perform action 'Microsoft.ResourceGraph/resources/read'"
    emulator.fail_always(GRAPH, Fault(403, message=message, code="AuthorizationFailed"))
    outcome = scan(live(emulator))
    graph_errors = [e for e in outcome.errors if e.operation.startswith("query Resource Graph")]
    scopes = {e.scope for e in graph_errors}
    assert scopes == {f"/subscriptions/{s}" for s in (SUB_A, SUB_B, SUB_C)}
    assert len(graph_errors) == 3 * QUERIES_PER_BATCH - 3  # the assignments query is not sent
    assert {e.status_code for e in graph_errors} == {403}
    assert {e.missing_permission for e in graph_errors} == {
        "Microsoft.ResourceGraph/resources/read"
    }
    assert outcome.resource_counts.get("Microsoft.MachineLearningServices/workspaces", 0) == 0
    assert outcome.exit_code() == 3


@pytest.mark.parametrize(
    "answer",
    [
        {"totalRecords": 5, "count": 1, "resultTruncated": "true", "data": [{"id": "/x"}]},
        {"totalRecords": 1, "count": 1, "resultTruncated": "false", "data": {"id": "/x"}},
        {"totalRecords": 2, "count": 2, "resultTruncated": "false", "data": [{"id": "/x"}]},
        {"totalRecords": 1, "count": 1, "resultTruncated": "false", "data": ["/x"]},
    ],
    ids=["truncated", "data-not-array", "count-mismatch", "row-not-object"],
)
def test_a_truncated_or_malformed_answer_is_an_error_not_fewer_rows(
    emulator: ArmEmulator, answer: dict[str, Any]
) -> None:
    """resultTruncated, a 'data' that is not rows, or a count that does not match: the query
    is an error entry for its batch (exit 3), and what it would have read is not judged."""
    emulator.fail_always(GRAPH, Fault(body=answer))
    outcome = scan(live(emulator, subscriptions=(SUB_A,)))
    errors = [e for e in outcome.errors if e.operation.startswith("query Resource Graph")]
    assert {e.scope for e in errors} == {f"/subscriptions/{SUB_A}"}
    assert len(errors) == QUERIES_PER_BATCH - 1
    assert outcome.exit_code() == 3


def test_a_paging_loop_is_an_error(emulator: ArmEmulator) -> None:
    """A $skipToken that comes back again is a loop: an error, not an endless scan."""
    page = {
        "totalRecords": 9,
        "count": 0,
        "resultTruncated": "false",
        "data": [],
        "$skipToken": "again",
    }
    emulator.fail_always(GRAPH, Fault(body=page))
    outcome = scan(live(emulator, subscriptions=(SUB_A,)))
    errors = [e for e in outcome.errors if e.operation.startswith("query Resource Graph")]
    assert errors and all("paging loop" in e.message for e in errors)


def test_a_throttled_query_is_retried_after_its_retry_after(emulator: ArmEmulator) -> None:
    """One 429 with Retry-After: the query is sent again (a POST azure-core would not retry)
    and the scan is complete."""
    headers = {"Retry-After": "0", "x-ms-user-quota-remaining": "0"}
    emulator.fail_next(GRAPH, Fault(429, headers, "throttled", code="RateLimiting"))
    outcome = scan(live(emulator))
    assert list(outcome.errors) == []
    statuses = [r.status for r in emulator.log if r.method == "POST"]
    assert statuses.count(429) == 1 and len(statuses) == QUERIES_PER_BATCH + 1


def test_a_slow_query_past_the_read_timeout_is_sent_again(emulator: ArmEmulator) -> None:
    """A query answered slower than the read timeout is retried like a GET (azure-core retries
    no POST after a timeout), and the retry's answer is used."""
    emulator.fail_next(GRAPH, Fault(delay=1.5))
    outcome = scan(live(emulator, read_timeout=0.5))
    assert list(outcome.errors) == []
    [source] = [s for s in outcome.sources if s["kind"] == "live"]
    assert source["retries"] >= 1  # the slow one, sent again (the emulator logs it late)
    assert outcome.resource_counts["Microsoft.CognitiveServices/accounts"] == 6


def test_the_quota_is_paced_not_hit(emulator: ArmEmulator) -> None:
    """Four queries a second allowed: the scan waits for each reset the quota headers
    announce instead of being throttled, and reads everything."""
    emulator.graph = GraphEmulator(emulator.estate, quota=4, window=1.0)
    outcome = scan(live(emulator, concurrency=4))
    assert list(outcome.errors) == []
    assert emulator.graph.throttled == 0
    assert sum(r.method == "POST" for r in emulator.log) == QUERIES_PER_BATCH


class _Window:
    """Resource Graph's quota as its throttling guidance describes it, on a given clock:
    ``quota`` queries in the ``length`` seconds from a window's first query."""

    def __init__(self, clock: list[float], quota: int = 15, length: float = 5.0) -> None:
        self._clock, self._quota, self._length = clock, quota, length
        self._start, self._used = -math.inf, 0
        self.throttled = 0
        self.windows: list[int] = []
        """Queries counted in each window."""

    def take(self) -> dict[str, str]:
        now = self._clock[0]
        if now - self._start >= self._length:
            self._start, self._used = now, 0
            self.windows.append(0)
        if self._used < self._quota:
            self._used += 1
            self.windows[-1] += 1
        else:
            self.throttled += 1
        left = math.ceil(self._length - (now - self._start))
        return {
            "x-ms-user-quota-remaining": str(self._quota - self._used),
            "x-ms-user-quota-resets-after": f"00:00:{left:02d}",
        }


def _paced(
    server: _Window, now: list[float], queries: int, latency: float, workers: int = 1_000
) -> None:
    """``queries`` sent through a pacer by ``workers`` workers, each sending its next query
    once its last is answered, on the simulated clock. Each way takes half to one and a half
    times half of ``latency`` (fixed seed), so queries overtake each other on the way in and
    their answers on the way back: the service counts a query when it arrives, and the pacer
    hears of an answer when the scan next waits past it. ``now`` ends when the last query
    was let go."""
    spread = random.Random(14)
    events: list[tuple[float, int, str, dict[str, str]]] = []
    order = itertools.count()
    free = [workers]

    def way() -> float:
        return latency / 2 * spread.uniform(0.5, 1.5)

    def run_until(end: float) -> None:
        while events and events[0][0] <= end:
            at, _, kind, headers = heapq.heappop(events)
            now[0] = max(now[0], at)
            if kind == "arrive":
                heapq.heappush(events, (now[0] + way(), next(order), "answer", server.take()))
            else:
                pacer.after(GRAPH_URL, headers)
                free[0] += 1
        if end < math.inf:
            now[0] = max(now[0], end)

    def sleep(seconds: float) -> None:
        assert now[0] < 600, "the pacer waits for an answer that never comes"
        run_until(now[0] + seconds)

    pacer = QuotaPacer(Deadline(None), sleep=sleep, clock=lambda: now[0])
    for _ in range(queries):
        while not free[0]:  # every worker waits for its answer
            run_until(events[0][0])
        pacer.before(GRAPH_URL)
        free[0] -= 1
        heapq.heappush(events, (now[0] + way(), next(order), "arrive", {}))
    sent = now[0]
    run_until(math.inf)  # the last queries arrive and are counted
    now[0] = sent


def test_before_any_answer_only_the_documented_quota_is_sent() -> None:
    """Forty workers' first queries at once: the pacer sends the guidance's 15 and waits for
    an answer to date the window, instead of sending them all into a 429 each. (Before,
    everything went until the first answer: 16 of a 10,000-subscription scan's first 31
    queries were throttled.)"""
    now = [0.0]
    server = _Window(now)
    _paced(server, now, 40, latency=0.05)
    assert server.throttled == 0
    assert 10.0 <= now[0] < 10.5  # three windows: 15, 15 and 10 queries


@pytest.mark.parametrize(
    ("workers", "latency"), [(1_000, 0.02), (1_000, 1.5), (8, 0.02), (8, 1.5), (4, 0.3), (1, 0.02)]
)
def test_each_window_is_used_whole_and_never_overrun(workers: int, latency: float) -> None:
    """Ninety queries, six windows' worth, from 1 to 1,000 workers at average round trips of
    20 ms to 1.5 s: none is throttled and every window counts its 15. (Keeping the lowest of each
    answer's count less the queries then in flight counted twice every query that had
    overtaken another, and a query that found none left slept to the reset: at 10,000
    subscriptions 2-4 of each window's 15 went unsent.)"""
    now = [0.0]
    server = _Window(now)
    _paced(server, now, 90, latency, workers)
    assert server.throttled == 0
    assert server.windows == [15] * 6


class _Unmetered(_Window):
    """A service (or a proxy before it) that sends no quota headers."""

    def take(self) -> dict[str, str]:
        super().take()
        return {}


def test_answers_without_quota_headers_slow_the_pacer_but_never_stop_it() -> None:
    """With no quota said, each answer lets one more query go: forty queries end within a
    second of answers instead of waiting for a window end no answer will ever give."""
    now = [0.0]
    _paced(_Unmetered(now), now, 40, latency=0.02)
    assert now[0] < 2.0, now[0]


def test_resets_after_is_read_as_hours_minutes_seconds() -> None:
    """The reset header is hh:mm:ss; anything else is ignored rather than guessed at."""
    assert parse_resets_after("00:00:03") == 3.0
    assert parse_resets_after("01:02:03.5") == 3723.5
    assert [parse_resets_after(v) for v in ("3", "", None, "00:61:00", "-0:00:01")] == [None] * 5


def test_a_graph_row_becomes_the_arm_record() -> None:
    """Resource Graph's lower-case type and its own empty columns are undone; ARM's keys and
    values are kept as they are."""
    row = {
        "id": "/subscriptions/s/resourceGroups/RG/providers/Microsoft.MachineLearningServices/workspaces/w",
        "name": "w",
        "type": "microsoft.machinelearningservices/workspaces",
        "kind": "",
        "location": "eastus",
        "resourceGroup": "rg",
        "subscriptionId": "s",
        "tenantId": "t",
        "managedBy": "",
        "sku": None,
        "plan": None,
        "identity": {"type": "SystemAssigned"},
        "tags": None,
        "zones": None,
        "extendedLocation": None,
        "properties": {"publicNetworkAccess": "Disabled"},
    }
    assert to_record(row) == {
        "id": row["id"],
        "name": "w",
        "type": "Microsoft.MachineLearningServices/workspaces",
        "location": "eastus",
        "identity": {"type": "SystemAssigned"},
        "properties": {"publicNetworkAccess": "Disabled"},
    }
