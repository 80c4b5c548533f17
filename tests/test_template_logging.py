"""Diagnostic settings and ML registries in templates: an ARM extension resource (``scope``)
and ``azurerm_monitor_diagnostic_setting`` (5.x ``enabled_log``, 4.x ``log``) link to the
resource they log, and each diagnostic-log rule fails on its bad resource and passes on its
twin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import write_json

SUB = "a0a0a0a0-0000-4000-8000-00000000000a"
CONTEXT = [
    "--template-context",
    f"subscription_id={SUB}",
    "--template-context",
    "resource_group=rg-logs",
]
RG = f"/subscriptions/{SUB}/resourceGroups/rg-logs/providers"
LAW = f"{RG}/Microsoft.OperationalInsights/workspaces/law"
CS = "Microsoft.CognitiveServices/accounts"
MLS = "Microsoft.MachineLearningServices"


def _scan(run_cli: Any, path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    args = ["scan", "--template", str(path), "--include-passed", *CONTEXT]
    args += ["--select", "AIS019,AML028,AML030,AML036,AML037"]
    report = run_cli(args).report()
    return {(f["rule_id"], f["resource_name"]): f for f in report["findings"]}


def _account(name: str) -> dict[str, Any]:
    return {
        "type": CS,
        "apiVersion": "2025-06-01",
        "name": name,
        "location": "swedencentral",
        "kind": "AIServices",
        "sku": {"name": "S0"},
        "properties": {"disableLocalAuth": True},
    }


def test_arm_extension_settings_link_by_scope(run_cli: Any, tmp_path: Path) -> None:
    """A ``Microsoft.Insights/diagnosticSettings`` resource with ``scope`` logs the account it
    names: that account passes AIS019, the account without one fails, and a registry from a
    template is judged on public access but not on its (live-only) private endpoints."""
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            _account("acct-logged"),
            _account("acct-silent"),
            {
                "type": "Microsoft.Insights/diagnosticSettings",
                "apiVersion": "2021-05-01-preview",
                "name": "audit",
                "scope": f"[format('{CS}/{{0}}', 'acct-logged')]",
                "properties": {
                    "workspaceId": LAW,
                    "logs": [{"categoryGroup": "audit", "enabled": True}],
                },
            },
            {
                "type": f"{MLS}/registries",
                "apiVersion": "2025-12-01",
                "name": "reg-open",
                "location": "swedencentral",
                "properties": {"publicNetworkAccess": "Enabled"},
            },
        ],
    }
    found = _scan(run_cli, write_json(tmp_path / "main.json", template))
    assert found[("AIS019", "acct-logged")]["status"] == "pass"
    assert found[("AIS019", "acct-silent")]["status"] == "fail"
    assert found[("AML036", "reg-open")]["status"] == "fail"
    assert found[("AML030", "reg-open")]["status"] == "fail"
    assert found[("AML037", "reg-open")]["status"] == "not_applicable"


def _change(tf_type: str, name: str, after: dict[str, Any], unknown: Any = None) -> dict[str, Any]:
    return {
        "address": f"{tf_type}.{name}",
        "mode": "managed",
        "type": tf_type,
        "name": name,
        "change": {"actions": ["create"], "after": after, "after_unknown": unknown or {}},
    }


def _workspace(name: str) -> dict[str, Any]:
    after = {"name": name, "resource_group_name": "rg-logs", "location": "swedencentral"}
    return _change("azurerm_machine_learning_workspace", name, after, {"id": True})


def _setting(name: str, target: str, **values: Any) -> dict[str, Any]:
    after = {"name": name, "target_resource_id": f"{RG}/{MLS}/workspaces/{target}", **values}
    unknown = {"log_analytics_workspace_id": True} if values.get("law") == "later" else {}
    after.pop("law", None)
    return _change("azurerm_monitor_diagnostic_setting", name, after, unknown)


def test_terraform_settings_both_provider_generations(run_cli: Any, tmp_path: Path) -> None:
    """5.x ``enabled_log`` and 4.x ``log`` blocks both count; a 4.x block with
    ``enabled = false`` does not; a destination known only after apply is unknown."""
    plan = {
        "format_version": "1.2",
        "resource_changes": [
            _workspace("ws-v5"),
            _workspace("ws-v4"),
            _workspace("ws-v4-off"),
            _workspace("ws-later"),
            _workspace("ws-none"),
            _setting(
                "v5",
                "ws-v5",
                log_analytics_workspace_id=LAW,
                enabled_log=[{"category": None, "category_group": "allLogs"}],
            ),
            _setting(
                "v4",
                "ws-v4",
                storage_account_id=f"{RG}/Microsoft.Storage/storageAccounts/logs",
                log=[{"category": "AmlComputeJobEvent", "enabled": True, "retention_policy": []}],
            ),
            _setting(
                "v4-off",
                "ws-v4-off",
                log_analytics_workspace_id=LAW,
                log=[{"category": "AmlComputeJobEvent", "enabled": False}],
            ),
            _setting("later", "ws-later", law="later", enabled_log=[{"category_group": "audit"}]),
        ],
    }
    found = _scan(run_cli, write_json(tmp_path / "plan.json", plan))
    statuses = {name: found[("AML028", name)]["status"] for _, name in found}
    assert statuses == {
        "ws-v5": "pass",
        "ws-v4": "pass",
        "ws-v4-off": "fail",
        "ws-later": "unknown",
        "ws-none": "fail",
    }
    assert "log_analytics_workspace_id" in found[("AML028", "ws-later")]["reason"]
