"""Baselines and diffs: findings compared by fingerprint; gates on what is new."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import write_json
from tests.test_report import validate

AI_DEV = "/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-ai-dev"


def new_account(tmp_path: Path, name: str = "brand-new") -> Path:
    """A snapshot folder with one more AI Services account that accepts keys.

    It follows every network, identity and logging rule (its audit logs go to Log Analytics),
    so its only failures are key auth (AIS001), keys never rotated (AIS002) and the Owners who
    can read its keys (IAM005).
    """
    account = f"{AI_DEV}/providers/Microsoft.CognitiveServices/accounts/{name}"
    audit_logs = {
        "id": f"{account}/providers/Microsoft.Insights/diagnosticSettings/audit",
        "type": "Microsoft.Insights/diagnosticSettings",
        "name": "audit",
        "properties": {
            "workspaceId": f"{AI_DEV}/providers/Microsoft.OperationalInsights/workspaces/law",
            "logs": [{"category": "Audit", "enabled": True}],
        },
    }
    return write_json(
        tmp_path / "extra" / f"{name}.json",
        [
            {
                "id": account,
                "type": "Microsoft.CognitiveServices/accounts",
                "name": name,
                "kind": "OpenAI",
                "location": "eastus",
                "identity": {"type": "SystemAssigned", "principalId": "p-brand-new"},
                "properties": {
                    "disableLocalAuth": False,
                    "publicNetworkAccess": "Disabled",
                    "restrictOutboundNetworkAccess": True,
                    "privateEndpointConnections": [
                        {
                            "properties": {
                                "privateLinkServiceConnectionState": {"status": "Approved"}
                            }
                        }
                    ],
                },
            },
            audit_logs,
        ],
    ).parent


DEMO_DATE = ["--as-of", "2026-11-01"]
"""Beside other evidence the demo is judged as of now unless told: pin it as it is alone."""

LANG_DEV_SUPPRESSION = (
    "suppressions:\n"
    f"  - {{rule: AIS001, resource: '{AI_DEV}/providers/Microsoft.CognitiveServices/accounts/"
    "lang-dev', reason: r, owner: o, expires: 2027-01-31}\n"
)
"""One demo failure suppressed until 2027-01-31 (the demo is judged as of 2026-11-01)."""

NEW_FAILURES = [("AIS001", "brand-new"), ("AIS002", "brand-new"), ("IAM005", "brand-new")]


@pytest.fixture
def baseline(run_cli: Any, tmp_path: Path) -> Path:
    """The demo estate's report, kept as the baseline."""
    run_cli(["scan", "--demo", "--format", "json"], output_dir=tmp_path / "base")
    return tmp_path / "base" / "auditor.json"


def test_baseline_run_fails_only_on_a_new_finding(
    run_cli: Any, tmp_path: Path, baseline: Path
) -> None:
    """Against its own baseline the demo is not failing (3: incomplete); one new account fails it."""
    gate = ["--baseline", str(baseline), "--fail-on-new-only"]
    same = run_cli(["scan", "--demo", *gate])
    assert same.code == 3  # the demo has a collection error: incomplete, but no new failure
    report = same.report()
    assert report["baseline"]["new"] == 0 and report["baseline"]["fixed"] == 0
    assert {f["baseline"] for f in report["findings"]} == {"existing"}

    changed = run_cli(
        ["scan", "--demo", *DEMO_DATE, "--snapshot", str(new_account(tmp_path)), *gate]
    )
    assert changed.code == 1
    report = changed.report()
    validate(report)
    new = [(f["rule_id"], f["resource_name"]) for f in report["findings"] if f["baseline"] == "new"]
    assert sorted(new) == NEW_FAILURES
    assert report["summary"]["gate"] == {
        "fail_on": "low",
        "failing": 3,
        "incomplete": True,
        "exit_code": 1,
        "new_only": True,
        "rule_set": None,
        "not_gating": [],
    }
    assert "3 new failing finding(s)" in changed.err
    high_only = run_cli(
        [
            "scan",
            "--demo",
            *DEMO_DATE,
            "--snapshot",
            str(new_account(tmp_path)),
            *gate,
            "--fail-on",
            "critical",
        ]
    )
    assert high_only.code == 3


def test_without_new_only_the_gate_counts_everything(run_cli: Any, baseline: Path) -> None:
    """--baseline alone marks findings but still gates on every failure."""
    result = run_cli(["scan", "--demo", "--baseline", str(baseline)])
    assert result.code == 1
    everything = json.loads(baseline.read_text())["summary"]["gate"]["failing"]
    assert result.report()["summary"]["gate"]["failing"] == everything > 0


def test_fixed_findings_are_listed(run_cli: Any, tmp_path: Path) -> None:
    """Findings in the baseline that no longer fail are listed as fixed."""
    extra = new_account(tmp_path)
    run_cli(["scan", "--demo", *DEMO_DATE, "--snapshot", str(extra)], output_dir=tmp_path / "old")
    report = run_cli(
        ["scan", "--demo", "--baseline", str(tmp_path / "old" / "auditor.json")]
    ).report()
    validate(report)
    fixed = report["baseline"]["fixed_findings"]
    assert report["baseline"]["fixed"] == 3
    assert {f["rule_id"] for f in fixed} == {rule for rule, _ in NEW_FAILURES}
    assert all(f["resource_id"].endswith("/brand-new") for f in fixed)


def test_fail_on_new_only_needs_a_baseline(run_cli: Any) -> None:
    """--fail-on-new-only without --baseline is a usage error."""
    result = run_cli(["scan", "--demo", "--fail-on-new-only"])
    assert result.code == 2
    assert "needs --baseline" in result.err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{broken", "invalid JSON"),
        (json.dumps({"hello": 1}), "not an auditor JSON report"),
        (
            json.dumps({"tool": {"name": "auditor"}, "schema_version": "3.0", "findings": []}),
            "not compatible",
        ),
        (
            json.dumps(
                {
                    "tool": {"name": "auditor"},
                    "schema_version": "1.0",
                    "findings": [{"status": "fail"}],
                }
            ),
            "findings[0].fingerprint: expected a string",
        ),
    ],
)
def test_invalid_baseline_is_exit_2(
    run_cli: Any, tmp_path: Path, content: str, message: str
) -> None:
    """A baseline that is not a compatible auditor report stops the scan with exit 2."""
    path = tmp_path / "old.json"
    path.write_text(content, encoding="utf-8")
    result = run_cli(["scan", "--demo", "--baseline", str(path)])
    assert result.code == 2
    assert message in result.err
    assert run_cli(["diff", str(path), str(path)]).code == 2


def test_diff_prints_writes_and_gates(run_cli: Any, tmp_path: Path, baseline: Path) -> None:
    """`auditor diff` lists new/fixed/unchanged, writes auditor.diff.json, exits like a new-only gate."""
    run_cli(
        ["scan", "--demo", *DEMO_DATE, "--snapshot", str(new_account(tmp_path))],
        output_dir=tmp_path / "new",
    )
    newer = tmp_path / "new" / "auditor.json"
    out = tmp_path / "diff"
    forward = run_cli(["diff", str(baseline), str(newer), "-o", str(out)])
    assert forward.code == 1
    unchanged = len(json.loads(baseline.read_text())["findings"])
    assert forward.out.startswith(f"new: 3  fixed: 0  unchanged: {unchanged}")
    document = json.loads((out / "auditor.diff.json").read_text())
    assert document["counts"] == {"new": 3, "fixed": 0, "unchanged": unchanged}
    assert document["gate"]["exit_code"] == 1
    backward = run_cli(["diff", str(newer), str(baseline), "-o", str(out)])
    assert backward.code == 3  # nothing new; the newer report (the demo) is incomplete
    assert "fixed: 3" in backward.out
    assert (
        run_cli(["diff", str(baseline), str(newer), "-o", str(out), "--fail-on", "critical"]).code
        == 3
    )


def test_expired_suppression_is_an_existing_finding(run_cli: Any, tmp_path: Path) -> None:
    """A finding suppressed in the baseline and failing now (suppression expired) is not new."""
    path = tmp_path / "s.yaml"
    path.write_text(LANG_DEV_SUPPRESSION, encoding="utf-8")
    run_cli(["scan", "--demo", "--suppressions", str(path)], output_dir=tmp_path / "old")
    result = run_cli(
        [
            "scan",
            "--demo",
            "--suppressions",
            str(path),
            "--as-of",
            "2027-02-01",
            "--baseline",
            str(tmp_path / "old" / "auditor.json"),
            "--fail-on-new-only",
            "--fail-on",
            "high",
        ]
    )
    report = result.report()
    [lang] = [
        f
        for f in report["findings"]
        if f["rule_id"] == "AIS001" and f["resource_name"] == "lang-dev"
    ]
    assert (lang["status"], lang["baseline"]) == ("fail", "existing")
    assert report["summary"]["gate"]["failing"] == 0
