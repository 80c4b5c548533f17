"""``auditor merge``: the shard reports of one run combine into the report of one run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_report import validate

SHARDS = 4
MG_ASSIGNMENT = "contoso-root/providers/microsoft.authorization/roleassignments/"


def load(folder: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((folder / "auditor.json").read_text("utf-8"))
    return document


def shard_runs(run_cli: Any, tmp_path: Path, args: list[str], count: int = SHARDS) -> list[Path]:
    """Run the scan once per shard; returns each shard's auditor.json."""
    paths = []
    for index in range(1, count + 1):
        folder = tmp_path / f"shard-{index}"
        run = run_cli([*args, "--shard", f"{index}/{count}", "--format", "json"], folder)
        assert run.code in (0, 1, 3), run.err
        paths.append(folder / "auditor.json")
    return paths


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """What a merge must reproduce: findings (but the message and evidence of a finding on a
    resource of no subscription, which each shard judges over its own subscriptions),
    summary with the gate, compliance, errors, warnings, rules, and the scan's counts."""
    findings = []
    for finding in report["findings"]:
        if finding["subscription_id"] is None:
            finding = {k: v for k, v in finding.items() if k not in ("message", "evidence")}
        findings.append(finding)
    scan = report["scan"]
    return {
        "findings": findings,
        **{k: report[k] for k in ("summary", "compliance", "errors", "warnings", "rules")},
        "scan": {k: scan[k] for k in ("as_of", "subscriptions", "resources", "skipped_types")},
        "settings": {k: v for k, v in scan["settings"].items() if k != "formats"},
    }


def test_four_demo_shards_merged_are_the_one_run(run_cli: Any, tmp_path: Path) -> None:
    """Four shards of the demo merged give the unsharded scan's findings, summary, gate,
    compliance and counts, in every format, with the same exit code."""
    whole = run_cli(["scan", "--demo", "--format", "json"], tmp_path / "whole")
    shards = shard_runs(run_cli, tmp_path, ["scan", "--demo"])
    out = tmp_path / "merged"
    merged = run_cli(
        [
            "merge",
            *map(str, shards),
            "-o",
            str(out),
            "--format",
            "json,html,sarif,junit,csv,markdown",
        ]
    )
    assert merged.code == whole.code == 1, merged.err
    report = load(out)
    validate(report)
    assert comparable(report) == comparable(load(whole.output_dir))
    assert "shard" not in report["scan"]["settings"]
    assert {p.name for p in out.iterdir()} >= {"auditor.json", "auditor.html", "auditor.sarif"}
    [cross] = [f for f in report["findings"] if MG_ASSIGNMENT in f["resource_id"].lower()]
    assert "shards judged this resource" in cross["message"]
    assert report["scan"]["evidence"] == load(whole.output_dir)["scan"]["evidence"]
    verified = run_cli(["verify", str(out / "auditor.json")])
    assert verified.code == 0, verified.out + verified.err


def test_shards_that_read_different_evidence_are_refused(run_cli: Any, tmp_path: Path) -> None:
    """A shard whose input file's sha256 differs from another's read something else: refused,
    naming the shard's report and the file."""
    first, second = shard_runs(run_cli, tmp_path, ["scan", "--demo"], count=2)
    document = json.loads(second.read_text("utf-8"))
    files = document["scan"]["evidence"]["files"]
    name = sorted(files)[0]
    files[name] = "0" * 64
    second.write_text(json.dumps(document), "utf-8")
    run = run_cli(["merge", str(first), str(second), "-o", str(tmp_path / "merged")])
    assert run.code == 2
    assert str(second) in run.err and name in run.err


def test_a_missing_shard_makes_the_merge_incomplete_naming_it(run_cli: Any, tmp_path: Path) -> None:
    """Three of four shards merge into an incomplete report (exit 3 with --fail-on none) whose
    errors name the missing shard."""
    shards = shard_runs(run_cli, tmp_path, ["scan", "--demo", "--fail-on", "none"])
    out = tmp_path / "merged"
    merged = run_cli(["merge", *map(str, shards[:3]), "-o", str(out), "--format", "json"])
    assert merged.code == 3
    errors = load(out)["errors"]
    assert any(e["scope"] == "(merge)" and "shard 4/4" in e["message"] for e in errors)


def test_an_incomplete_shard_keeps_the_merge_incomplete(run_cli: Any, tmp_path: Path) -> None:
    """The demo's one collection error (an Activity Log read denied) survives the merge, and
    with --fail-on none the merge exits 3 exactly as the unsharded scan does."""
    whole = run_cli(["scan", "--demo", "--fail-on", "none"], tmp_path / "whole")
    shards = shard_runs(run_cli, tmp_path, ["scan", "--demo", "--fail-on", "none"])
    out = tmp_path / "merged"
    merged = run_cli(["merge", *map(str, shards), "-o", str(out), "--format", "json"])
    assert merged.code == whole.code == 3
    assert load(out)["errors"] == load(whole.output_dir)["errors"]


def rewrite(path: Path, change: Any) -> Path:
    """A copy of a report with one change (a report of another run, as a test input)."""
    document = json.loads(path.read_text("utf-8"))
    change(document)
    copy = path.with_name("changed.json")
    copy.write_text(json.dumps(document), encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda d: d.update(schema_version="2.9"), "schema_version differs"),
        (lambda d: d["tool"].update(version="0.0.1"), "tool version differs"),
        (lambda d: d["rules"][0].update(title="another text"), "the rule set differs"),
        (lambda d: d["scan"].update(as_of="2026-01-01T00:00:00Z"), "as_of"),
        (lambda d: d["scan"]["settings"].update(frameworks=["mcsb"]), "setting frameworks"),
        (lambda d: d["scan"]["settings"].update(shard="2/5"), "the shard count differs"),
        (lambda d: d["scan"]["settings"].pop("shard"), "not a shard report"),
    ],
)
def test_reports_of_different_runs_are_refused_naming_the_file(
    run_cli: Any, tmp_path: Path, change: Any, said: str
) -> None:
    """A report that differs from the first in what shards of one run share is exit 2, and
    the message names that report."""
    first, second = shard_runs(run_cli, tmp_path, ["scan", "--demo"], count=2)
    changed = rewrite(second, change)
    run = run_cli(["merge", str(first), str(changed), "-o", str(tmp_path / "merged")])
    assert run.code == 2
    assert str(changed) in run.err and said in run.err, run.err
    assert not (tmp_path / "merged").exists()


def test_different_gate_settings_are_refused(run_cli: Any, tmp_path: Path) -> None:
    """Shards that recorded different --fail-on thresholds cannot be merged: which gate
    would be the run's is not for the merge to guess."""
    [first] = shard_runs(run_cli, tmp_path / "a", ["scan", "--demo"], count=2)[:1]
    second = shard_runs(run_cli, tmp_path / "b", ["scan", "--demo", "--fail-on", "high"], 2)[1]
    run = run_cli(["merge", str(first), str(second), "-o", str(tmp_path / "merged")])
    assert run.code == 2
    assert "setting fail_on differs" in run.err and str(second) in run.err


def test_overlapping_shards_are_refused(run_cli: Any, tmp_path: Path) -> None:
    """The same shard twice, or one subscription in two reports, is exit 2 naming the file."""
    first, second = shard_runs(run_cli, tmp_path, ["scan", "--demo"], count=2)
    twice = run_cli(["merge", str(first), str(first), "-o", str(tmp_path / "m1")])
    assert twice.code == 2 and "given twice" in twice.err
    subs = json.loads(first.read_text("utf-8"))["scan"]["subscriptions"]
    overlapping = rewrite(second, lambda d: d["scan"]["subscriptions"].extend(subs))
    run = run_cli(["merge", str(first), str(overlapping), "-o", str(tmp_path / "m2")])
    assert run.code == 2
    assert "the shards overlap" in run.err and str(overlapping) in run.err


def test_a_file_that_is_not_a_report_is_exit_2_naming_it(run_cli: Any, tmp_path: Path) -> None:
    """merge reads reports through the typed reader: anything else is bad input."""
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"value": []}', encoding="utf-8")
    run = run_cli(["merge", str(bogus), "-o", str(tmp_path / "merged")])
    assert run.code == 2 and str(bogus) in run.err


def earlier_night(document: dict[str, Any]) -> None:
    """Last night's report: one of today's findings was not there yet (it is new today), and
    one finding of last night is gone (it is fixed today)."""
    gone = {**document["findings"][0], "fingerprint": "0" * 32, "resource_id": "/gone"}
    document["findings"].pop(1)
    document["findings"].append(gone)


def test_shards_against_one_baseline_merge_into_the_one_comparison(
    run_cli: Any, tmp_path: Path
) -> None:
    """Shards given the same baseline merge into the one scan's new / existing / fixed
    counts (a fixed finding is one no shard still has) and its new-only gate."""
    earlier = run_cli(["scan", "--demo", "--format", "json"], tmp_path / "earlier")
    baseline = rewrite(earlier.output_dir / "auditor.json", earlier_night)
    args = ["scan", "--demo", "--baseline", str(baseline), "--fail-on-new-only"]
    whole = run_cli([*args, "--format", "json"], tmp_path / "whole")
    shards = shard_runs(run_cli, tmp_path, args)
    out = tmp_path / "merged"
    merged = run_cli(["merge", *map(str, shards), "-o", str(out), "--format", "json"])
    assert merged.code == whole.code == 1, merged.err
    report, one = load(out), load(whole.output_dir)
    assert report["baseline"] == one["baseline"]
    assert report["baseline"]["new"] == 1 and report["baseline"]["fixed"] == 1
    assert report["summary"]["gate"] == one["summary"]["gate"]
