"""The guard-rail rules (AIS020, AML038, AIS021) on templates: an ARM template and a Terraform
plan each fail on the bad resource and pass on its twin; azurerm's defaults apply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import write_json
from tests.test_template_foundry import _change

SUB = "a0a0a0a0-0000-4000-8000-00000000000a"
CONTEXT = [
    "--template-context",
    f"subscription_id={SUB}",
    "--template-context",
    "resource_group=rg",
]
RG = f"/subscriptions/{SUB}/resourceGroups/rg/providers"


def _verdicts(run_cli: Any, path: Path) -> dict[tuple[str, str], tuple[str, str]]:
    args = ["scan", "--template", str(path), *CONTEXT, "--include-passed", "--fail-on", "none"]
    for rule in ("AIS020", "AML038", "AIS021"):
        args += ["--select", rule]
    report = run_cli(args).report()
    assert report["errors"] == []
    return {
        (f["rule_id"], f["resource_name"]): (f["status"], f.get("reason") or f["message"])
        for f in report["findings"]
    }


def _workspace(name: str, rules: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Microsoft.MachineLearningServices/workspaces",
        "apiVersion": "2025-12-01",
        "name": name,
        "location": "swedencentral",
        "properties": {
            "managedNetwork": {"isolationMode": "AllowOnlyApprovedOutbound", "outboundRules": rules}
        },
    }


def _arm(tier: str) -> dict[str, Any]:
    tag = {"serviceTag": "Storage.westeurope", "protocol": "TCP", "portRanges": "443"}
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": "Microsoft.Security/pricings",
                "apiVersion": "2024-01-01",
                "name": "AI",
                "properties": {"pricingTier": tier},
            },
            {
                "type": "Microsoft.CognitiveServices/accounts",
                "apiVersion": "2025-06-01",
                "name": "oai",
                "location": "swedencentral",
                "kind": "OpenAI",
                "properties": {},
            },
            _workspace("ws-wide", {"pypi": {"type": "FQDN", "destination": "pypi.org"}}),
            {
                "type": "Microsoft.MachineLearningServices/workspaces/outboundRules",
                "apiVersion": "2025-12-01",
                "name": "ws-wide/everything",
                "properties": {"type": "FQDN", "category": "UserDefined", "destination": "*"},
            },
            _workspace("ws-narrow", {"tag": {"type": "ServiceTag", "destination": tag}}),
        ],
    }


def test_arm_template_fails_the_bad_and_passes_the_twin(run_cli: Any, tmp_path: Path) -> None:
    """A wildcard child rule fails its workspace while a regional tag passes; the plan named
    `AI` (an id under the deployment's group) is judged: Free fails, Standard passes."""
    free = _verdicts(run_cli, write_json(tmp_path / "free" / "main.json", _arm("Free")))
    assert free[("AML038", "ws-wide")][0] == "fail"
    assert "everything (FQDN *)" in free[("AML038", "ws-wide")][1]
    assert free[("AML038", "ws-narrow")][0] == "pass"
    assert free[("AIS020", SUB)][0] == "fail"
    standard = _verdicts(run_cli, write_json(tmp_path / "std" / "main.json", _arm("Standard")))
    assert standard[("AIS020", SUB)][0] == "pass"


def _plan(tmp_path: Path, access_mode: str, tier: str, destination: str) -> Path:
    account = f"{RG}/Microsoft.CognitiveServices/accounts/oai"
    workspace = f"{RG}/Microsoft.MachineLearningServices/workspaces/ws"
    changes = [
        _change(
            "azurerm_cognitive_account.oai",
            {"name": "oai", "kind": "OpenAI", "location": "swedencentral", "id": account},
        ),
        _change(
            "azurerm_machine_learning_workspace.ws",
            {
                "name": "ws",
                "location": "swedencentral",
                "id": workspace,
                "managed_network": [{"isolation_mode": "AllowOnlyApprovedOutbound"}],
            },
        ),
        _change(
            "azurerm_machine_learning_workspace_network_outbound_rule_fqdn.blobs",
            {"name": "blobs", "workspace_id": workspace, "destination_fqdn": destination},
        ),
        _change(
            "azurerm_machine_learning_workspace_network_outbound_rule_service_tag.storage",
            {
                "name": "storage",
                "workspace_id": workspace,
                "service_tag": "Storage.westeurope",
                "protocol": "TCP",
                "port_ranges": "443",
            },
        ),
        _change(
            "azurerm_security_center_subscription_pricing.ai",
            {"tier": tier, "resource_type": "AI", "extension": [{"name": "AIPromptEvidence"}]},
        ),
        # No resource_type: the servers plan (azurerm's default), not the AI one.
        _change("azurerm_security_center_subscription_pricing.vms", {"tier": "Free"}),
        _change(
            "azurerm_network_security_perimeter_association.oai",
            {
                "name": "assoc-oai",
                "access_mode": access_mode,
                "resource_id": account,
                "network_security_perimeter_profile_id": f"{RG}/Microsoft.Network/"
                "networkSecurityPerimeters/nsp/profiles/default",
            },
        ),
        # An association of a storage account is not an AI account's: not audited.
        _change(
            "azurerm_network_security_perimeter_association.storage",
            {
                "name": "assoc-st",
                "access_mode": "Learning",
                "resource_id": f"{RG}/Microsoft.Storage/storageAccounts/st",
            },
        ),
    ]
    folder = tmp_path / f"{access_mode}-{tier}"
    return write_json(
        folder / "plan.json",
        {"format_version": "1.2", "resource_changes": changes, "configuration": {}},
    )


def test_terraform_plan_fails_the_bad_and_passes_the_twin(run_cli: Any, tmp_path: Path) -> None:
    """azurerm's pricing, outbound rule and perimeter association resources map to what the
    rules read: Learning, Free and `*.blob.core.windows.net` fail; Enforced, Standard and an
    exact host pass; the storage association and the servers plan are not judged."""
    bad = _verdicts(run_cli, _plan(tmp_path, "Learning", "Free", "*.blob.core.windows.net"))
    assert bad[("AIS021", "assoc-oai")][0] == "fail"
    assert bad[("AIS020", SUB)][0] == "fail"
    assert bad[("AML038", "ws")][0] == "fail"
    assert not any(name == "assoc-st" for _, name in bad)
    good = _verdicts(run_cli, _plan(tmp_path, "Enforced", "Standard", "st1.blob.core.windows.net"))
    assert good[("AIS021", "assoc-oai")][0] == "pass"
    assert good[("AIS020", SUB)][0] == "pass"
    assert good[("AML038", "ws")] == (
        "pass",
        "2 FQDN or service-tag rule(s), none over a whole service",
    )
