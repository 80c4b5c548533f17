"""Live scans end to end: the real Azure SDK clients against the local HTTPS ARM emulator."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from auditor.audit import scan
from auditor.collect.live.settings import LiveSettings
from auditor.config import ScanConfig
from auditor.model import DATA_KINDS
from tests.conftest import write_json
from tests.emulator import ArmEmulator, Fault, foundry_estate, logging_estate
from tests.emulator.__main__ import denied
from tests.emulator.fixtures import (
    ESTATE_DIR,
    SUB_A,
    SUB_B,
    SUB_C,
    SUB_D,
    TOKEN,
)
from tests.test_report import validate

AS_OF = "2026-11-01T00:00:00Z"
SCANNED = (SUB_A, SUB_B, SUB_C)
ROLE_ASSIGNMENTS_C = f"/subscriptions/{SUB_C}/providers/Microsoft.Authorization/roleAssignments"
DENIED = (
    "The client 'ci@contoso.example' with object id '00000000-0000-0000-0000-000000000001' does "
    "not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read' "
    f"over scope '/subscriptions/{SUB_C}' or the scope is invalid."
)


def live_args(server: ArmEmulator, *extra: str, collector: str = "arm") -> list[str]:
    """A live scan of the emulator; ARM lists by default, which these tests fault and count
    (tests/test_live_graph.py covers Resource Graph, the CLI's default)."""
    scan = ["scan", "--arm-endpoint", server.url, "--auth", "token", "--as-of", AS_OF]
    return [*scan, "--collector", collector, *extra]


def finding_set(report: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    return {
        (f["rule_id"], f["resource_id"].lower(), f["status"], f["severity"])
        for f in report["findings"]
    }


def full_manifest(tmp_path: Path) -> Path:
    """What a complete collection of the fixture estate declares (for the snapshot side)."""
    kinds = list(DATA_KINDS)
    return write_json(
        tmp_path / "manifest" / "manifest.json",
        {
            "kind": "auditor-snapshot-manifest",
            "version": 1,
            "coverage": [{"subscription_id": s, "collected": kinds} for s in SCANNED],
            "management_groups": {"contoso-root": list(SCANNED)},
            "errors": [],
        },
    )


def foundry_snapshot(tmp_path: Path) -> Path:
    """The reference Foundry estate and the logging part's records, which the emulator serves
    besides ESTATE_DIR, as a snapshot file."""
    records = [*foundry_estate.records(), *logging_estate.records()]
    return write_json(tmp_path / "foundry" / "foundry.json", {"value": records})


def test_live_scan_finds_what_a_snapshot_scan_of_the_same_resources_finds(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Path
) -> None:
    """Every finding of the live scan equals the snapshot scan's, and none is missing."""
    live = run_cli([*live_args(emulator), "--include-passed"], output_dir=tmp_path / "live")
    snapshot = run_cli(
        [
            "scan",
            "--snapshot",
            str(ESTATE_DIR),
            "--snapshot",
            str(foundry_snapshot(tmp_path)),
            "--snapshot",
            str(full_manifest(tmp_path)),
            "--as-of",
            AS_OF,
            "--include-passed",
        ],
        output_dir=tmp_path / "snap",
    )
    assert live.code == snapshot.code == 1
    live_report, snap_report = live.report(), snapshot.report()
    assert live_report["errors"] == []
    # The snapshot also lists the disabled subscription, which a live scan skips.
    snap_findings = {f for f in finding_set(snap_report) if SUB_D not in f[1]}
    assert finding_set(live_report) == snap_findings
    failing = {
        (f["rule_id"], f["resource_name"]) for f in live_report["findings"] if f["status"] == "fail"
    }
    assert {
        ("AML001", "fraud-score"),
        ("AML002", "fraud-score"),
        ("AML003", "aks-west"),
        ("AML005", "legacy-aci"),
        ("AML006", "legacy-aks"),
        ("AML007", "blue"),
        ("AIS002", "dev-openai"),
        ("IAM002", "f0000000-0000-4000-8000-0000000000c1"),
    } <= failing
    # Rotation matched case-insensitively: the event's operation name is upper-case.
    assert ("AIS002", "ml-openai") not in failing


def test_discovers_every_enabled_subscription(emulator: ArmEmulator, run_cli: Any) -> None:
    """Without --subscription every visible subscription is read; a disabled one is skipped."""
    result = run_cli(live_args(emulator))
    scanned = {s["id"] for s in result.report()["scan"]["subscriptions"]}
    assert scanned == set(SCANNED)
    assert not [r for r in emulator.log if SUB_D in r.path]
    assert f"skipping subscription {SUB_D}: it is disabled" in result.err


def test_subscription_option_limits_the_scan(emulator: ArmEmulator, run_cli: Any) -> None:
    """--subscription reads only that subscription (tenant-wide role assignments still apply)."""
    result = run_cli(live_args(emulator, "--subscription", SUB_B))
    touched = {
        m.group(1) for r in emulator.log if (m := re.match(r"/subscriptions/([^/]+)/", r.path))
    }
    assert touched == {SUB_B}
    assert {s["id"] for s in result.report()["scan"]["subscriptions"]} == {SUB_B}


def test_unknown_subscription_is_an_error_not_a_silent_skip(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """A subscription the credential cannot see is reported as not read, exit 3 at most."""
    missing = "eeeeeeee-0000-4000-8000-00000000000e"
    result = run_cli(
        live_args(emulator, "--subscription", SUB_B, "--subscription", missing, "--fail-on", "none")
    )
    assert result.code == 3
    [error] = result.report()["errors"]
    assert error["scope"] == f"/subscriptions/{missing}"
    assert "cannot see" in error["message"]


def test_paging_follows_next_link(emulator: ArmEmulator, run_cli: Any) -> None:
    """Lists longer than a page are read to the end, both through the SDKs and raw ARM GETs."""
    result = run_cli(live_args(emulator))
    counts = result.report()["scan"]["resources"]
    assert counts["Microsoft.MachineLearningServices/workspaces/computes"] == 5
    assert counts["Microsoft.CognitiveServices/accounts"] == 6  # 5 + foundry-ref
    paged = {r.path.rsplit("/", 1)[-1] for r in emulator.log if "$skiptoken" in r.query}
    assert {"subscriptions", "computes", "accounts", "roleAssignments"} <= paged


def test_throttling_and_transient_errors_are_retried(emulator: ArmEmulator, run_cli: Any) -> None:
    """A 429 with Retry-After and a 503 are retried; the scan is complete and counts retries."""
    accounts = f"/subscriptions/{SUB_B}/providers/Microsoft.CognitiveServices/accounts"
    workspaces = f"/subscriptions/{SUB_A}/providers/Microsoft.MachineLearningServices/workspaces"
    emulator.fail_next(accounts, Fault(429, {"Retry-After": "1"}, "Too many requests"))
    emulator.fail_next(workspaces, Fault(503, message="try again"))
    result = run_cli(live_args(emulator))
    report = result.report()
    assert report["errors"] == []
    assert [r.status for r in emulator.requests_for(accounts)][:2] == [429, 200]
    assert [r.status for r in emulator.requests_for(workspaces)] == [503, 200, 200]  # + page 2
    [source] = report["scan"]["sources"]
    assert source["retries"] == 2
    # 4, and subscription C's two managed-network workspaces (tests/emulator: guard).
    assert report["scan"]["resources"]["Microsoft.MachineLearningServices/workspaces"] == 6


def test_403_on_one_subscription_is_reported_and_exits_3(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """A denied role-assignment list becomes an error with the missing permission; the rest is read."""
    emulator.fail_always(ROLE_ASSIGNMENTS_C, Fault(403, message=DENIED, code="AuthorizationFailed"))
    result = run_cli(live_args(emulator, "--fail-on", "none"))
    assert result.code == 3
    report = result.report()
    validate(report)  # the JSON report schema holds for live sources and 403 errors
    assert report["errors"] == [
        {
            "scope": f"/subscriptions/{SUB_C}",
            "operation": "list role assignments",
            "message": DENIED,
            "status_code": 403,
            "missing_permission": "Microsoft.Authorization/roleAssignments/read",
            "data_kinds": ["role_assignments"],
        }
    ]
    assert len(emulator.requests_for(ROLE_ASSIGNMENTS_C)) == 1  # a 403 is not retried
    # The rule that needs C's role assignments cannot judge it: unknown, with the reason.
    [owners] = [
        f
        for f in report["findings"]
        if f["rule_id"] == "IAM003" and f["resource_id"].lower() == f"/subscriptions/{SUB_C}"
    ]
    assert owners["status"] == "unknown"
    assert "roleAssignments/read" in owners["reason"]
    # Subscription C's workspace (and everything else) was still read.
    # 4, and subscription C's two managed-network workspaces (tests/emulator: guard).
    assert report["scan"]["resources"]["Microsoft.MachineLearningServices/workspaces"] == 6


def test_exhausted_retries_become_an_error_for_that_scope_only(emulator: ArmEmulator) -> None:
    """A list that keeps failing 503 is given up after the configured retries, nothing else."""
    from auditor.collect.live.settings import RetrySettings

    workspaces = f"/subscriptions/{SUB_A}/providers/Microsoft.MachineLearningServices/workspaces"
    emulator.fail_always(workspaces, Fault(503, message="service unavailable"))
    settings = LiveSettings(
        auth="token",
        arm_endpoint=emulator.url,
        retry=RetrySettings(total=2, backoff_factor=0.01, backoff_max=0.05),
        collector="arm",
    )
    outcome = scan(ScanConfig(live=settings, quiet=True))
    [error] = outcome.errors
    assert error.status_code == 503
    assert error.scope == f"/subscriptions/{SUB_A}"
    assert set(error.data_kinds) >= {"workspaces", "computes", "online_endpoints"}
    assert len(emulator.requests_for(workspaces)) == 3
    assert outcome.exit_code() in (1, 3)
    assert outcome.resource_counts["Microsoft.CognitiveServices/accounts"] == 6


def test_a_slow_answer_past_the_read_timeout_is_retried(emulator: ArmEmulator) -> None:
    """A response slower than the read timeout is retried, and the retry's answer is used."""
    accounts = f"/subscriptions/{SUB_B}/providers/Microsoft.CognitiveServices/accounts"
    emulator.fail_next(accounts, Fault(delay=1.5))
    settings = LiveSettings(
        auth="token", arm_endpoint=emulator.url, read_timeout=0.5, collector="arm"
    )
    outcome = scan(ScanConfig(live=settings, quiet=True))
    assert list(outcome.errors) == []
    assert len(emulator.requests_for(accounts)) >= 2
    assert outcome.resource_counts["Microsoft.CognitiveServices/accounts"] == 6


def test_only_reads_are_sent(emulator: ArmEmulator, run_cli: Any) -> None:
    """The emulator saw only GETs, never a key, secret, token or regenerate path."""
    run_cli(live_args(emulator))
    assert emulator.log
    assert {r.method for r in emulator.log} == {"GET"}
    forbidden = re.compile(r"listkeys|listsecrets|regenerate|token", re.IGNORECASE)
    assert not [r.path for r in emulator.log if forbidden.search(r.path)]


def test_no_request_is_made_twice(emulator: ArmEmulator, run_cli: Any) -> None:
    """Every URL is requested once when nothing fails."""
    run_cli(live_args(emulator))
    seen = [(r.path, json.dumps(r.query, sort_keys=True)) for r in emulator.log]
    assert len(seen) == len(set(seen))


def test_token_is_never_written_or_printed(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Path
) -> None:
    """The access token appears in no output, report or saved snapshot."""
    snap = tmp_path / "saved"
    result = run_cli(live_args(emulator, "--save-snapshot", str(snap)))
    assert TOKEN not in result.out + result.err
    for path in [*result.output_dir.rglob("*"), *snap.rglob("*")]:
        if path.is_file():
            assert TOKEN not in path.read_text("utf-8")


def test_untrusted_certificate_stops_the_scan(
    emulator: ArmEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the test CA the TLS handshake is refused and the scan stops (exit code 2)."""
    from auditor.collect.live.settings import RetrySettings
    from auditor.errors import CollectionFailure

    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    settings = LiveSettings(auth="token", arm_endpoint=emulator.url, retry=RetrySettings(total=0))
    with pytest.raises(CollectionFailure, match="cannot list subscriptions") as caught:
        scan(ScanConfig(live=settings, quiet=True))
    assert caught.value.exit_code == 2
    assert emulator.log == []  # the handshake failed before any request was made


def test_ssl_cert_file_is_honoured(
    emulator: ArmEmulator, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SSL_CERT_FILE alone is enough to trust the endpoint."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.setenv("SSL_CERT_FILE", str(emulator.ca_file))
    result = run_cli(live_args(emulator))
    assert result.code == 1
    assert result.report()["errors"] == []


def test_proxy_variables_are_still_honoured(
    emulator: ArmEmulator, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment is read once for speed, but a proxy variable still routes every
    request through the proxy (a dead one: the scan stops before any request reaches the
    endpoint), and ``NO_PROXY`` still exempts the endpoint's host (the scan completes)."""
    from auditor.collect.live.settings import RetrySettings
    from auditor.errors import CollectionFailure

    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # the discard port: nothing listens
    settings = LiveSettings(auth="token", arm_endpoint=emulator.url, retry=RetrySettings(total=0))
    with pytest.raises(CollectionFailure, match="cannot list subscriptions"):
        scan(ScanConfig(live=settings, quiet=True))
    assert emulator.log == []  # no request reached the endpoint: they went to the proxy
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    direct = run_cli(live_args(emulator))
    assert direct.code == 1
    assert direct.report()["errors"] == []


def test_endpoint_from_environment(
    emulator: ArmEmulator, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AUDITOR_ARM_ENDPOINT stands in for --arm-endpoint."""
    monkeypatch.setenv("AUDITOR_ARM_ENDPOINT", emulator.url)
    result = run_cli(["scan", "--auth", "token", "--as-of", AS_OF])
    assert result.code == 1
    assert result.report()["scan"]["sources"][0]["path"] == emulator.url


def test_hand_run_emulator_denies_like_arm(emulator: Any, run_cli: Any) -> None:
    """`python -m tests.emulator --deny PATH` words its 403 so the scan names the missing action."""
    emulator.fail_always(ROLE_ASSIGNMENTS_C, denied(ROLE_ASSIGNMENTS_C))
    result = run_cli(live_args(emulator, "--fail-on", "none"))
    assert result.code == 3
    [error] = result.report()["errors"]
    assert error["status_code"] == 403
    assert error["missing_permission"] == "Microsoft.Authorization/roleAssignments/read"
