"""The issue's acceptance scan: one folder mixing every input kind, scanned in one command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES

MIXED = FIXTURES / "templates" / "mixed"

# (rule, resource name) -> (status, file, text on the resource's line, text on the property's line)
EXPECTED: dict[tuple[str, str], tuple[str, str, str, str | None]] = {
    ("AIS001", "ws-mixed-ai"): ("fail", "modules/ai-account.json", '"type"', '"disableLocalAuth"'),
    ("AIS001", "tf-ai-keys"): ("fail", "terraform/plan.json", '"address"', '"local_auth_enabled"'),
    ("AIS001", "tf-ai-later"): ("unknown", "terraform/plan.json", '"address"', None),
    ("AML001", "scoring"): ("fail", "azuredeploy.json", '"type"', '"authMode"'),
    ("AML001", "yaml-endpoint"): ("fail", "online/endpoint.yml", "$schema", "auth_mode: key"),
    ("AML003", "aks-west"): ("fail", "azuredeploy.json", '"type"', '"computeLocation"'),
    ("AML003", "tf-aks"): ("fail", "terraform/plan.json", '"address"', '"location"'),
    ("AML004", "aci-deployconfig"): ("fail", "v1/aci-deployconfig.json", "{", '"computeType"'),
    ("AML005", "aci-deployconfig"): ("fail", "v1/aci-deployconfig.json", "{", '"computeType"'),
    ("AML007", "green"): ("fail", "azuredeploy.json", '"type"', '"STORAGE_PASSWORD"'),
    ("AML007", "blue"): ("fail", "online/blue-deployment.yml", "$schema", "DB_PASSWORD"),
    ("IAM001", "contributors"): (
        "fail",
        "terraform/plan.json",
        '"address"',
        '"role_definition_name"',
    ),
    ("IAM001", "owner"): ("fail", "azuredeploy.json", '"type"', '"roleDefinitionId"'),
    ("IAM002", "AI Everything"): ("fail", "terraform/plan.json", '"address"', '"permissions"'),
}


def _key(finding: dict[str, Any]) -> tuple[str, str]:
    name = finding["resource_name"]
    if finding["resource_type"] == "Microsoft.Authorization/roleAssignments":
        name = "contributors" if finding["source"]["path"].endswith("plan.json") else "owner"
    if finding["resource_type"] == "Microsoft.Authorization/roleDefinitions":
        name = "AI Everything"
    return finding["rule_id"], name


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON report of ``auditor scan --template <mixed folder>``."""
    import json

    from auditor.cli import main

    out = tmp_path_factory.mktemp("mixed")
    code = main(
        [
            "scan",
            "--template",
            str(MIXED),
            "--output-dir",
            str(out),
            "--format",
            "json",
            "--include-passed",
            "--quiet",
        ]
    )
    assert code == 1
    data: dict[str, Any] = json.loads((out / "auditor.json").read_text())
    return data


def test_every_misconfiguration_is_reported_with_file_and_lines(report: dict[str, Any]) -> None:
    """Each planted misconfiguration fails (or is unknown) under its live rule id, at its file and line."""
    rule_ids = {rule for rule, _ in EXPECTED}  # other rules judge these files too
    findings = {
        _key(f): f
        for f in report["findings"]
        if f["status"] in ("fail", "unknown") and f["rule_id"] in rule_ids
    }
    assert set(findings) == set(EXPECTED)
    for key, (status, file, resource_text, property_text) in EXPECTED.items():
        finding = findings[key]
        assert finding["status"] == status, key
        source = finding["source"]
        assert source["kind"] == "template"
        assert Path(source["path"]) == MIXED / file, key
        lines = (MIXED / file).read_text().splitlines()
        assert resource_text in lines[source["line"] - 1], key
        location = finding["evidence"]["template_location"]
        if property_text is not None:
            assert property_text in lines[location["property_line"] - 1], key


def test_unknowns_give_their_exact_reasons(report: dict[str, Any]) -> None:
    """The Terraform value known only after apply, and the deployment whose workspace is not
    in the folder, are unknown with exactly the field or the data they lack."""
    unknown = {_key(f): f["reason"] for f in report["findings"] if f["status"] == "unknown"}
    workspace = (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/template-rg/"
        "providers/microsoft.machinelearningservices/workspaces/template-workspace"
    )
    assert unknown == {
        ("AIS001", "tf-ai-later"): (
            "value not resolved: properties.disableLocalAuth = <unresolved: "
            "azurerm_cognitive_account.decided_later.local_auth_enabled (known only after "
            "terraform apply)>"
        ),
        ("AML019", "green"): (
            f"public egress is on, and workspace {workspace} is not in the inventory (under a "
            "workspace managed network the flag does not apply)"
        ),
        # Neither workspace names its storage account or key vault; the ARM one leaves the
        # system datastores' auth mode unset (the Terraform one fails: azurerm's AccessKey).
        **{
            (rule, name): f"field(s) missing: properties.{field}"
            for rule, field in (("AML031", "storageAccount"), ("AML033", "keyVault"))
            for name in ("tf-ws", "ws-mixed")
        },
        ("AML035", "ws-mixed"): "field(s) missing: properties.systemDatastoresAuthMode",
    }


def test_compliant_resources_pass(report: dict[str, Any]) -> None:
    """The compliant resources in the folder (Entra-only endpoint, secret reference, AKS token auth) pass."""
    passed = {_key(f) for f in report["findings"] if f["status"] == "pass"}
    assert {
        ("AIS001", "tf-ai-keyless"),
        ("AML001", "yaml-endpoint-entra"),
        ("AML005", "aks-deployconfig"),
        ("AML006", "aks-deployconfig"),
        ("AML007", "green"),
    } <= passed


def test_sources_list_every_kind(report: dict[str, Any]) -> None:
    """scan.sources names the template folder and counts each kind of file it recognised."""
    (source,) = report["scan"]["sources"]
    assert source["kind"] == "template"
    assert source["kinds"] == {
        "arm": 1,
        "arm-parameters": 1,
        "module": 1,
        "ml-endpoint": 2,
        "ml-deployment": 2,
        "v1-deploy-config": 2,
        "terraform-plan": 1,
    }


def test_unknown_after_apply_shows_the_attribute(report: dict[str, Any]) -> None:
    """A Terraform value known only after apply is unknown, with the attribute as evidence."""
    finding = next(f for f in report["findings"] if _key(f) == ("AIS001", "tf-ai-later"))
    assert "azurerm_cognitive_account.decided_later.local_auth_enabled" in finding["reason"]
    assert "known only after terraform apply" in finding["reason"]
