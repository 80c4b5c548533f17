"""The framework files, their agreement with the rules, per-control verdicts, and the
compliance views a scan carries (``--framework``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.engine.frameworks import (
    ControlResult,
    Verdict,
    compliance,
    frameworks_dir,
    load_framework,
    mapping_disagreements,
    shipped_frameworks,
    unknown_controls,
)
from auditor.engine.loader import default_rules_dir, load_rules
from auditor.errors import RuleError
from auditor.model import Resource, Result, SourceRef, Status
from tests.conftest import FIXTURES
from tests.test_report import validate

RULES = load_rules()
FRAMEWORK = load_framework()
SHIPPED = {f.name: f for f in shipped_frameworks()}
MCSB_V2 = SHIPPED["mcsb-v2"]


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_framework_file_and_rules_agree(name: str) -> None:
    """Every rule's controls under the framework's key are in its file, and the file lists
    exactly the rules that name each control (both directions)."""
    framework = SHIPPED[name]
    assert unknown_controls(framework, RULES) == []
    assert mapping_disagreements(framework, RULES) == []


def test_shipped_frameworks() -> None:
    """The four frameworks ship, each under its own rule key (mcsb-v1 keeps ``mcsb``)."""
    assert sorted(SHIPPED) == ["eu-ai-act", "mcsb-v1", "mcsb-v2", "nist-ai-rmf"]
    assert {f.name: f.rule_key for f in SHIPPED.values()} == {
        "eu-ai-act": "eu-ai-act",
        "mcsb-v1": "mcsb",
        "mcsb-v2": "mcsb-v2",
        "nist-ai-rmf": "nist-ai-rmf",
    }
    assert SHIPPED["mcsb-v1"] == FRAMEWORK
    assert {"IM-1", "IM-3", "IM-8", "PA-1", "PA-7", "NS-1", "NS-2", "DP-3", "DP-5", "DP-6"} <= (
        FRAMEWORK.control_ids()
    )
    assert {f"AI-{n}" for n in range(1, 8)} <= MCSB_V2.control_ids()
    assert SHIPPED["eu-ai-act"].control_ids() == {"12.1", "12.2", "15.5", "55.1d"}
    assert SHIPPED["nist-ai-rmf"].control_ids() == {"3.2.4", "4.2.3", "4.3.2", "4.4.1"}


def test_not_assessable_controls_of_mcsb_v2() -> None:
    """AI-3, AI-5 and AI-7 are the controls no configuration can show, each with a why."""
    marked = {c.id: c.why for c in MCSB_V2.controls if not c.assessable}
    assert sorted(marked) == ["AI-3", "AI-5", "AI-7"]
    assert all(why and len(why) > 40 for why in marked.values())


def test_owasp_tags_name_real_entries() -> None:
    """OWASP LLM Top 10 tags are ``owasp-llm01`` .. ``owasp-llm10``, nothing else."""
    owasp = {t for r in RULES for t in r.tags if t.startswith("owasp")}
    assert owasp and owasp <= {f"owasp-llm{n:02d}" for n in range(1, 11)}


def test_disagreements_are_found() -> None:
    """A rule naming a control the file lacks, or a file listing a rule that omits it, is reported."""
    rule = next(r for r in RULES if r.id == "AIS001")
    bogus = type(rule)(**{**rule.__dict__, "controls": {"mcsb": ("IM-1", "XX-9")}})
    assert unknown_controls(FRAMEWORK, [bogus]) == [
        "AIS001 maps to mcsb control 'XX-9', which mcsb-v1 does not list"
    ]
    stripped = type(rule)(**{**rule.__dict__, "controls": {}})
    others = [r for r in RULES if r.id != "AIS001"]
    problems = mapping_disagreements(MCSB_V2, [*others, stripped])
    assert "IM-1 lists AIS001, whose controls omit it" in problems
    extra = type(rule)(
        **{**rule.__dict__, "controls": {**rule.controls, "mcsb-v2": ("IM-1", "PA-4")}}
    )
    assert "AIS001 maps to PA-4, which does not list it" in mapping_disagreements(
        MCSB_V2, [*others, extra]
    )


def test_a_rule_cannot_claim_a_not_assessable_control() -> None:
    """A rule naming AI-7 (red teaming) would be a false assurance: it is a problem."""
    rule = next(r for r in RULES if r.id == "AIS001")
    claims = type(rule)(**{**rule.__dict__, "controls": {"mcsb-v2": ("AI-7",)}})
    assert unknown_controls(MCSB_V2, [claims]) == [
        "AIS001 maps to mcsb-v2 control 'AI-7', which mcsb-v2 marks not assessable from "
        "configuration"
    ]


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
    view = compliance(FRAMEWORK, RULES, results)
    assert view.framework == "mcsb-v1" and view.title == FRAMEWORK.title
    by_id = {c.control_id: c for c in view.controls}
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
    assert by_id["DP-4"] == ControlResult(
        framework="mcsb-v1",
        control_id="DP-4",
        title=by_id["DP-4"].title,
        rules=(),
        counts=dict.fromkeys(Status, 0),
        verdict=Verdict.NO_RULES,
    )
    only_pass = compliance(FRAMEWORK, RULES, [_result("AML014", Status.PASS)]).controls
    assert next(c for c in only_pass if c.control_id == "PV-2").verdict is Verdict.PASS
    assert view.verdicts()[Verdict.FAIL] == sum(
        1 for c in view.controls if c.verdict is Verdict.FAIL
    )


def test_not_assessable_is_not_a_gap() -> None:
    """AI-3 is not_assessable with its why, whatever ran; PV-6 (no rule yet) is a gap."""
    view = compliance(MCSB_V2, RULES, [_result("AML001", Status.FAIL)])
    by_id = {c.control_id: c for c in view.controls}
    assert by_id["AI-3"].verdict is Verdict.NOT_ASSESSABLE
    assert by_id["AI-3"].why and "system (meta) prompt" in by_id["AI-3"].why
    assert by_id["PV-6"].verdict is Verdict.NO_RULES and by_id["PV-6"].why is None
    assert view.verdicts()[Verdict.NOT_ASSESSABLE] == 3


def test_verdict_words_are_defined_once() -> None:
    """Each verdict has its report word, a label and a count label, all distinct."""
    assert [v.value for v in Verdict] == [
        "fail",
        "unknown",
        "not_assessed",
        "pass",
        "no_rules",
        "not_assessable",
    ]
    assert len({v.label for v in Verdict}) == len({v.count_label for v in Verdict}) == 6
    assert Verdict.NOT_ASSESSED.count_label == "not assessed"


def test_demo_report_carries_every_framework(run_cli: Any) -> None:
    """By default the report holds one block per shipped framework, each with every control
    of its file, gaps and not-assessable controls included, and validates."""
    report = run_cli(["scan", "--demo"]).report()
    validate(report)
    blocks = {b["framework"]: b for b in report["compliance"]}
    assert list(blocks) == sorted(SHIPPED)
    for name, block in blocks.items():
        assert [c["control_id"] for c in block["controls"]] == [
            c.id for c in SHIPPED[name].controls
        ]
        assert sum(block["verdicts"].values()) == len(block["controls"])
    by_id = {c["control_id"]: c for c in blocks["mcsb-v1"]["controls"]}
    assert by_id["NS-2"]["verdict"] == "fail"
    assert "AIS003" in by_id["NS-2"]["rules"]
    assert by_id["DP-4"]["verdict"] == "no_rules"
    assert "AIS006" not in by_id["DP-5"]["rules"]  # opt-in, not selected
    eu = {c["control_id"]: c for c in blocks["eu-ai-act"]["controls"]}
    assert eu["15.5"]["rules"] == [
        "AIS003",
        "AIS004",
        "AIS010",
        "AIS017",
        "AIS018",
        "AIS019",
        "AIS020",
        "AIS021",
    ]
    assert eu["15.5"]["verdict"] == "fail"
    assert eu["12.1"]["rules"] == ["AIS019"] and eu["12.1"]["verdict"] == "fail"
    assert report["scan"]["settings"]["frameworks"] == []


def test_framework_option_selects_views(run_cli: Any) -> None:
    """``--framework mcsb-v2`` carries only that view: AI-3/AI-5/AI-7 not assessable with a
    why, LT-3 assessed by the diagnostic-log rules, AI-6 by AIS018, AIS019 and AIS020 (which
    fail in the demo); a repeat keeps the order given."""
    result = run_cli(["scan", "--demo", "--framework", "mcsb-v2"])
    report = result.report()
    validate(report)
    assert [b["framework"] for b in report["compliance"]] == ["mcsb-v2"]
    block = report["compliance"][0]
    by_id = {c["control_id"]: c for c in block["controls"]}
    for control in ("AI-3", "AI-5", "AI-7"):
        assert by_id[control]["verdict"] == "not_assessable" and by_id[control]["why"]
    assert by_id["LT-3"]["rules"] == ["AIS019", "AML028", "AML029", "AML030"]
    assert by_id["LT-3"]["verdict"] == "fail"
    assert by_id["AI-6"]["rules"] == ["AIS018", "AIS019", "AIS020"]
    assert by_id["AI-6"]["verdict"] == "fail"
    assert by_id["IM-1"]["verdict"] == "fail" and by_id["IM-1"]["why"] is None
    assert block["verdicts"]["not_assessable"] == 3
    assert report["scan"]["settings"]["frameworks"] == ["mcsb-v2"]
    two = run_cli(["scan", "--demo", "--framework", "nist-ai-rmf", "--framework", "mcsb-v1"])
    assert [b["framework"] for b in two.report()["compliance"]] == ["nist-ai-rmf", "mcsb-v1"]


def test_unknown_framework_is_exit_2_listing_the_known(run_cli: Any) -> None:
    """A framework name no file defines is bad input, and the message lists the known ones."""
    result = run_cli(["scan", "--demo", "--framework", "iso-42001"])
    assert result.code == 2
    assert "iso-42001" in result.err
    assert "eu-ai-act, mcsb-v1, mcsb-v2, nist-ai-rmf" in result.err


def test_framework_config_key(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config file's ``framework`` key selects views; a bad name there is exit 2 naming
    the file and the key."""
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "auditor.toml"
    config.write_text('framework = ["eu-ai-act"]\n', encoding="utf-8")
    report = run_cli(["scan", "--demo"]).report()
    assert [b["framework"] for b in report["compliance"]] == ["eu-ai-act"]
    config.write_text('framework = ["eu-ai-act", "sox"]\n', encoding="utf-8")
    result = run_cli(["scan", "--demo"])
    assert result.code == 2
    assert "auditor.toml" in result.err and "framework" in result.err and "sox" in result.err


def test_deselected_rules_drop_out(run_cli: Any) -> None:
    """With --select, only the scan's rules count; a control left with none is a gap."""
    folder = str(FIXTURES / "rules" / "AIS001")
    report = run_cli(
        ["scan", "--snapshot", folder, "--select", "AIS001,AML023", "--framework", "mcsb-v1"]
    ).report()
    by_id = {c["control_id"]: c for c in report["compliance"][0]["controls"]}
    assert by_id["IM-1"]["rules"] == ["AIS001"] and by_id["IM-1"]["verdict"] == "fail"
    assert by_id["DP-3"] == {**by_id["DP-3"], "rules": ["AML023"], "verdict": "not_assessed"}
    assert by_id["NS-2"]["verdict"] == "no_rules"


@pytest.mark.parametrize(
    ("controls", "needle"),
    [
        ({"mcsb": ["IM-99"]}, "IM-99"),
        ({"mcsb-v2": ["AI-5"]}, "marks not assessable"),
        ({"eu-ai-act": ["15.9"]}, "15.9"),
    ],
)
def test_rule_with_an_unknown_control_stops_the_scan(
    run_cli: Any, tmp_path: Path, controls: dict[str, list[str]], needle: str
) -> None:
    """A custom rule naming a control a shipped framework lacks (or marks not assessable) is
    a rule error (exit 2), even when that framework's view is not selected."""
    doc = yaml.safe_load((default_rules_dir() / "AML001.yaml").read_text())
    doc["controls"] = controls
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "AML001.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    result = run_cli(["scan", "--demo", "--rules-dir", str(folder), "--framework", "nist-ai-rmf"])
    assert result.code == 2
    assert needle in result.err


_GOOD = {
    "framework": "acme",
    "title": "Acme",
    "controls": [{"id": "A-1", "title": "One", "rules": ["AML001"]}],
}


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"title": None}, "title: must be a string"),
        ({"controls": [{"id": "A-1"}]}, "controls[0]: missing required key(s): title"),
        ({"controls": [{"id": "A-1", "title": "t", "rules": ["aml1"]}]}, "controls[0].rules[0]"),
        ({"colour": "red"}, "unknown key(s): colour"),
        ({"framework": "other"}, "must be named other.yaml"),
        (
            {"controls": [{"id": "A-1", "title": "t"}, {"id": "A-1", "title": "u"}]},
            "control A-1 is listed twice",
        ),
        (
            {"controls": [{"id": "A-1", "title": "t", "assessable": False}]},
            "'why' goes with 'assessable: false'",
        ),
        (
            {"controls": [{"id": "A-1", "title": "t", "why": "because"}]},
            "'why' goes with 'assessable: false'",
        ),
        (
            {
                "controls": [
                    {
                        "id": "A-1",
                        "title": "t",
                        "assessable": False,
                        "why": "w",
                        "rules": ["AML001"],
                    }
                ]
            },
            "cannot list rules",
        ),
    ],
)
def test_malformed_framework_file_names_the_file(
    tmp_path: Path, change: dict[str, Any], needle: str
) -> None:
    """A framework file that breaks its schema or the loader's checks is a RuleError (exit 2)
    naming the file and what is wrong."""
    path = tmp_path / "acme.yaml"
    path.write_text(yaml.safe_dump({**_GOOD, **change}), encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_framework(path)
    assert str(path) in str(caught.value) and needle in str(caught.value)
    path.write_text("controls: [", encoding="utf-8")
    with pytest.raises(RuleError, match="cannot read framework"):
        load_framework(path)


def test_framework_files_are_the_shipped_ones() -> None:
    """Every YAML file of rules/frameworks is a framework a scan can select."""
    assert sorted(p.stem for p in frameworks_dir().glob("*.yaml")) == sorted(SHIPPED)
    assert json.loads((frameworks_dir() / "schema.json").read_text())["required"] == [
        "framework",
        "title",
        "controls",
    ]


def test_frameworks_command_lists_coverage(run_cli: Any) -> None:
    """``auditor frameworks`` prints each framework's controls with rules, gaps and
    not-assessable counts."""
    result = run_cli(["frameworks"])
    assert result.code == 0
    rows = {line.split()[0]: line.split()[1:5] for line in result.out.splitlines()[1:5]}
    assert rows["mcsb-v2"] == ["26", "19", "4", "3"]
    assert rows["mcsb-v1"] == ["19", "15", "4", "0"]
    assert rows["eu-ai-act"] == ["4", "4", "0", "0"]
    assert rows["nist-ai-rmf"] == ["4", "4", "0", "0"]
