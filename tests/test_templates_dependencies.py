"""The dependency rules on templates: a Terraform plan (azurerm defaults applied, dependency
ids found through the configuration's references) and an ARM template (generic)."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import FIXTURES

TEMPLATES = FIXTURES / "templates"
RULES = ("AML031", "AML032", "AML033", "AML034", "AML035")


def _verdicts(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {
        (f["rule_id"], f["resource_name"]): f["status"]
        for f in report["findings"]
        if f["rule_id"] in RULES
    }


def test_terraform_plan_judges_each_workspace_through_its_planned_dependencies(
    run_cli: Any,
) -> None:
    """Ids known only after apply are found by reference; the documented azurerm defaults
    (shared keys on, no purge protection, AccessKey system datastores) fail, their twins
    pass, and a datastore's account key never reaches the report."""
    result = run_cli(
        [
            "scan",
            "--template",
            str(TEMPLATES / "dependencies-tf"),
            "--format",
            "json",
            "--include-passed",
        ]
    )
    assert result.code == 1
    report = result.report()
    assert report["errors"] == []
    assert _verdicts(report) == {
        ("AML031", "ws-exposed"): "fail",
        ("AML031", "ws-locked"): "pass",
        ("AML032", "ws-exposed"): "fail",
        ("AML032", "ws-locked"): "pass",
        ("AML033", "ws-exposed"): "fail",
        ("AML033", "ws-locked"): "pass",
        ("AML034", "keyed"): "fail",
        ("AML034", "lake-sp"): "fail",
        ("AML034", "identity-blob"): "pass",
        ("AML035", "ws-exposed"): "fail",
        ("AML035", "ws-locked"): "pass",
    }
    assert "TF-PLAN-ACCOUNT-KEY-CANARY" not in json.dumps(report)


def test_arm_template_dependencies_resolve_by_resource_id(run_cli: Any) -> None:
    """``resourceId()`` links the workspace to the template's storage account and vault; a
    registry the template does not hold is unknown naming it, and an auth mode left to a
    parameter is unknown, never a pass."""
    result = run_cli(
        [
            "scan",
            "--template",
            str(TEMPLATES / "dependencies-arm"),
            "--format",
            "json",
            "--include-passed",
        ]
    )
    report = result.report()
    assert _verdicts(report) == {
        ("AML031", "ws-arm"): "fail",
        ("AML032", "ws-arm"): "unknown",
        ("AML033", "ws-arm"): "pass",
        ("AML034", "sas-store"): "fail",
        ("AML035", "ws-arm"): "unknown",
    }
    reasons = {f["rule_id"]: f["reason"] for f in report["findings"] if f["status"] == "unknown"}
    assert reasons["AML032"].endswith("/registries/crelsewhere is not in the inventory")
    assert reasons["AML035"].startswith("value not resolved: properties.systemDatastoresAuthMode")
