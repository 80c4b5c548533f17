"""The MCSB v1 mapping file, its agreement with the rules, and per-control verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from auditor.engine.frameworks import (
    ControlResult,
    Verdict,
    compliance,
    load_framework,
    mapping_disagreements,
    unknown_controls,
)
from auditor.engine.loader import default_rules_dir, load_rules
from auditor.model import Resource, Result, SourceRef, Status
from tests.conftest import FIXTURES
from tests.test_report import validate

RULES = load_rules()
FRAMEWORK = load_framework()


def test_framework_file_and_rules_agree() -> None:
    """Every rule's controls.mcsb id is in the file, and the file lists exactly those rules."""
    assert unknown_controls(FRAMEWORK, RULES) == []
    assert mapping_disagreements(FRAMEWORK, RULES) == []
    assert FRAMEWORK.name == "mcsb-v1"
    assert {"IM-1", "IM-3", "IM-8", "PA-1", "PA-7", "NS-1", "NS-2", "DP-3", "DP-5", "DP-6"} <= (
        FRAMEWORK.control_ids()
    )


def test_disagreements_are_found() -> None:
    """A rule naming a control the file lacks, or a file listing a rule that omits it, is reported."""
    rule = next(r for r in RULES if r.id == "AIS001")
    bogus = type(rule)(**{**rule.__dict__, "controls": {"mcsb": ("IM-1", "XX-9")}})
    assert unknown_controls(FRAMEWORK, [bogus]) == [
        "AIS001 maps to mcsb control 'XX-9', which mcsb-v1 does not list"
    ]
    stripped = type(rule)(**{**rule.__dict__, "controls": {}})
    others = [r for r in RULES if r.id != "AIS001"]
    assert "IM-1 lists AIS001, whose controls omit it" in mapping_disagreements(
        FRAMEWORK, [*others, stripped]
    )


def _result(rule_id: str, status: Status) -> Result:
    rule = next(r for r in RULES if r.id == rule_id)
    resource = Resource(
        "/x", "/x", rule.resource_types[0], "x", None, None, None, {}, SourceRef("snapshot")
    )
    return Result(rule, resource, status, rule.severity, "m", {})


def test_verdicts() -> None:
    """fail beats unknown beats pass; only not-applicable is not_assessed; no rule is no_rules."""
    results = [
        _result("AIS001", Status.PASS),
        _result("AML001", Status.FAIL),
        _result("AIS002", Status.UNKNOWN),
        _result("AML002", Status.PASS),
        _result("AML014", Status.NOT_APPLICABLE),
        _result("AML007", Status.SUPPRESSED),
    ]
    by_id = {c.control_id: c for c in compliance(FRAMEWORK, RULES, results)}
    assert by_id["IM-1"].verdict is Verdict.FAIL
    assert by_id["IM-8"].verdict is Verdict.UNKNOWN
    assert by_id["IM-8"].counts == {
        Status.PASS: 1,
        Status.FAIL: 0,
        Status.UNKNOWN: 1,
        Status.NOT_APPLICABLE: 0,
        Status.SUPPRESSED: 1,
    }
    assert by_id["PV-2"].verdict is Verdict.NOT_ASSESSED
    assert by_id["DP-6"].verdict is Verdict.NOT_ASSESSED  # only a suppressed failure
    assert by_id["LT-3"] == ControlResult(
        framework="mcsb-v1",
        control_id="LT-3",
        title="Enable logging for security investigation",
        rules=(),
        counts=dict.fromkeys(Status, 0),
        verdict=Verdict.NO_RULES,
    )
    only_pass = compliance(FRAMEWORK, RULES, [_result("AML014", Status.PASS)])
    assert next(c for c in only_pass if c.control_id == "PV-2").verdict is Verdict.PASS


def test_verdict_words_are_defined_once() -> None:
    """Each verdict has its report word, a label and a count label, all distinct."""
    assert [v.value for v in Verdict] == ["fail", "unknown", "not_assessed", "pass", "no_rules"]
    assert len({v.label for v in Verdict}) == len({v.count_label for v in Verdict}) == 5
    assert Verdict.NOT_ASSESSED.count_label == "not assessed"


def test_demo_report_carries_every_control(run_cli: Any) -> None:
    """The demo report lists every framework control, gaps included, and validates."""
    report = run_cli(["scan", "--demo"]).report()
    validate(report)
    entries = report["compliance"]
    assert [c["control_id"] for c in entries] == [c.id for c in FRAMEWORK.controls]
    by_id = {c["control_id"]: c for c in entries}
    assert by_id["NS-2"]["verdict"] == "fail"
    assert "AIS003" in by_id["NS-2"]["rules"]
    assert by_id["DP-4"]["verdict"] == "no_rules"
    assert "AIS006" not in by_id["DP-5"]["rules"]  # opt-in, not selected


def test_deselected_rules_drop_out(run_cli: Any) -> None:
    """With --select, only the scan's rules count; a control left with none is a gap."""
    folder = str(FIXTURES / "rules" / "AIS001")
    report = run_cli(["scan", "--snapshot", folder, "--select", "AIS001,AML023"]).report()
    by_id = {c["control_id"]: c for c in report["compliance"]}
    assert by_id["IM-1"]["rules"] == ["AIS001"] and by_id["IM-1"]["verdict"] == "fail"
    assert by_id["DP-3"] == {**by_id["DP-3"], "rules": ["AML023"], "verdict": "not_assessed"}
    assert by_id["NS-2"]["verdict"] == "no_rules"


def test_rule_with_an_unknown_control_stops_the_scan(run_cli: Any, tmp_path: Path) -> None:
    """A custom rule naming an MCSB id the framework lacks is a rule error (exit 2)."""
    doc = yaml.safe_load((default_rules_dir() / "AML001.yaml").read_text())
    doc["controls"] = {"mcsb": ["IM-99"]}
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "AML001.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = run_cli(["scan", "--demo", "--rules-dir", str(folder)])
    assert result.code == 2
    assert "IM-99" in result.err
