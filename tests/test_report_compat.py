"""Reports of schema 1.x (one flat compliance list) still serve as baselines, diff inputs and
re-rendered reports after 2.0 made ``compliance`` one block per framework."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor.engine.frameworks import Verdict
from auditor.report.baseline import load_report
from auditor.report.formats import render
from auditor.report.reader import read_document
from tests.test_report import validate


def _as_1_3(report: dict[str, Any]) -> dict[str, Any]:
    """The same report in the 1.3 shape: compliance as one list of controls, each naming its
    framework, with the 1.3 keys only (1.3 had no ``why`` and no framework block)."""
    flat = [
        {
            "framework": block["framework"],
            "control_id": c["control_id"],
            "title": c["title"],
            "rules": c["rules"],
            "counts": c["counts"],
            "verdict": c["verdict"],
        }
        for block in report["compliance"]
        for c in block["controls"]
    ]
    return {**report, "schema_version": "1.3", "compliance": flat}


def _old_report(run_cli: Any, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    new = run_cli(["scan", "--demo", "--framework", "mcsb-v1"]).report()
    validate(new)
    path = tmp_path / "old" / "auditor.json"
    path.parent.mkdir()
    path.write_text(json.dumps(_as_1_3(new)), encoding="utf-8")
    return new, path


def test_1_3_compliance_is_read_into_framework_blocks(run_cli: Any, tmp_path: Path) -> None:
    """A 1.3 report reads back with its controls grouped under their framework, verdicts kept."""
    new, path = _old_report(run_cli, tmp_path)
    report = load_report(path)
    assert report.schema_version == "1.3"
    assert [v.framework for v in report.compliance] == ["mcsb-v1"]
    controls = report.compliance[0].controls
    assert [c.control_id for c in controls] == [
        c["control_id"] for c in new["compliance"][0]["controls"]
    ]
    assert {c.control_id: c.verdict for c in controls}["DP-4"] is Verdict.NO_RULES
    assert all(c.why is None for c in controls)
    assert "Compliance" in render("markdown", report)
    assert 'id="fw-mcsb-v1"' in render("html", report)


def test_1_3_report_is_a_baseline_and_a_diff_input(run_cli: Any, tmp_path: Path) -> None:
    """--baseline and diff accept a 1.3 report: the same demo finds nothing new."""
    _, path = _old_report(run_cli, tmp_path)
    scanned = run_cli(["scan", "--demo", "--baseline", str(path), "--fail-on-new-only"])
    assert scanned.code == 3, scanned.err  # nothing new; the demo's collection error remains
    report = scanned.report()
    assert report["baseline"]["new"] == 0 and report["baseline"]["existing"] > 0
    new_path = str(scanned.output_dir / "auditor.json")
    compared = run_cli(["diff", str(path), new_path, "-o", str(tmp_path / "diff")])
    assert compared.code == 3, compared.err  # no new failure; the new scan is incomplete
    assert compared.out.startswith("new: 0  fixed: 0")
    assert (tmp_path / "diff" / "auditor.diff.json").is_file()


def test_2_0_report_reads_back_as_written(run_cli: Any) -> None:
    """A 2.0 report's compliance blocks (why included) survive reading back unchanged."""
    result = run_cli(["scan", "--demo"])
    path = result.output_dir / "auditor.json"
    report = load_report(path)
    assert report.to_document()["compliance"] == result.report()["compliance"]


def test_malformed_compliance_is_read_as_far_as_it_is_valid() -> None:
    """A compliance section of the wrong shape never breaks reading a baseline: what has the
    documented type is kept, the rest dropped (compliance decides no comparison)."""
    control = {"control_id": "NS-2", "verdict": "fail", "rules": ["AIS003"]}
    cases: list[tuple[Any, list[tuple[str, int]]]] = [
        ("not a list", []),
        ([1, None, "x"], []),
        ([{"framework": 3, "controls": "no"}], []),
        (
            [{"framework": "a", "controls": [control, {"control_id": "X", "verdict": "odd"}, 7]}],
            [("a", 1)],
        ),
        (
            [{"framework": "old", **control}, {"control_id": "Y", "verdict": "pass"}],
            [("old", 1), ("", 1)],
        ),
    ]
    for compliance, expected in cases:
        doc = {"tool": {"name": "auditor"}, "findings": [], "compliance": compliance}
        report = read_document(doc, "r.json")
        assert [(v.framework, len(v.controls)) for v in report.compliance] == expected, compliance
