"""Evidence exported with the Azure CLI: flattened role exports are read, azure-ai-ml's shape refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import write_json

SUB = "aaaaaaaa-0000-4000-8000-000000000001"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
ACCOUNT = (
    f"/subscriptions/{SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/chat"
)


def az_role_assignment(guid: str, principal: str, role: str = OWNER) -> dict[str, Any]:
    """One item of `az role assignment list --all` (properties flattened to the top level)."""
    return {
        "condition": None,
        "conditionVersion": None,
        "createdBy": "11111111-1111-1111-1111-111111111111",
        "createdOn": "2026-01-05T10:00:00.000000+00:00",
        "delegatedManagedIdentityResourceId": None,
        "description": None,
        "id": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments/{guid}",
        "name": guid,
        "principalId": principal,
        "principalName": f"{principal}@contoso.com",
        "principalType": "User",
        "roleDefinitionId": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role}",
        "roleDefinitionName": "Owner",
        "scope": f"/subscriptions/{SUB}",
        "type": "Microsoft.Authorization/roleAssignments",
        "updatedBy": "11111111-1111-1111-1111-111111111111",
        "updatedOn": "2026-01-05T10:00:00.000000+00:00",
    }


def az_account() -> dict[str, Any]:
    """One item of `az cognitiveservices account list`: ARM's shape plus `resourceGroup`."""
    return {
        "id": ACCOUNT,
        "kind": "OpenAI",
        "location": "eastus",
        "name": "chat",
        "resourceGroup": "rg-ai",
        "sku": {"name": "S0"},
        "type": "Microsoft.CognitiveServices/accounts",
        "properties": {"disableLocalAuth": True, "publicNetworkAccess": "Disabled"},
    }


def finding(report: dict[str, Any], rule: str) -> dict[str, Any]:
    [match] = [f for f in report["findings"] if f["rule_id"] == rule]
    return match


def test_role_assignment_list_output_counts_its_owners(run_cli: Any, tmp_path: Path) -> None:
    """Two Owners in `az role assignment list` output are two Owners for IAM003 (a pass)."""
    folder = tmp_path / "az"
    write_json(folder / "accounts.json", [az_account()])
    write_json(
        folder / "roles.json",
        [
            az_role_assignment("00000000-0000-4000-8000-0000000000a1", "alice"),
            az_role_assignment("00000000-0000-4000-8000-0000000000a2", "bob"),
        ],
    )
    result = run_cli(["scan", "--snapshot", str(folder), "--select", "IAM003", "--include-passed"])
    iam003 = finding(result.report(), "IAM003")
    assert iam003["status"] == "pass", iam003
    assert "2" in iam003["message"]


def test_role_assignment_list_output_fails_a_lone_owner(run_cli: Any, tmp_path: Path) -> None:
    """One flattened Owner assignment fails IAM003 as one Owner, not zero."""
    folder = tmp_path / "az"
    write_json(folder / "accounts.json", [az_account()])
    write_json(
        folder / "roles.json", [az_role_assignment("00000000-0000-4000-8000-0000000000a1", "alice")]
    )
    result = run_cli(["scan", "--snapshot", str(folder), "--select", "IAM003"])
    iam003 = finding(result.report(), "IAM003")
    assert iam003["status"] == "fail"
    assert "1 principal" in iam003["message"]


def test_role_definition_list_output_is_judged(run_cli: Any, tmp_path: Path) -> None:
    """A custom role from `az role definition list` (roleName, permissions flattened) is read."""
    guid = "12345678-0000-4000-8000-00000000c0de"
    definition = {
        "assignableScopes": [f"/subscriptions/{SUB}"],
        "description": "too broad",
        "id": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
        "name": guid,
        "permissions": [
            {"actions": ["*"], "dataActions": [], "notActions": [], "notDataActions": []}
        ],
        "roleName": "Everything",
        "roleType": "CustomRole",
        "type": "Microsoft.Authorization/roleDefinitions",
    }
    folder = tmp_path / "az"
    write_json(folder / "accounts.json", [az_account()])
    write_json(folder / "definitions.json", [definition])
    result = run_cli(["scan", "--snapshot", str(folder), "--select", "IAM002"])
    iam002 = finding(result.report(), "IAM002")
    assert iam002["status"] == "fail"
    assert "Everything" in iam002["message"]


def test_az_ml_workspace_list_output_is_refused_with_the_fix(run_cli: Any, tmp_path: Path) -> None:
    """`az ml workspace list` (azure-ai-ml's shape) is exit 2 naming the file and how to export."""
    workspace = {
        "name": "mlw",
        "location": "eastus",
        "id": f"/subscriptions/{SUB}/resourceGroups/rg-ai/providers/Microsoft.MachineLearningServices/workspaces/mlw",
        "resource_group": "rg-ai",
        "display_name": "mlw",
        "public_network_access": "Enabled",
        "mlflow_tracking_uri": "azureml://eastus.api.azureml.ms/mlflow/v1.0/subscriptions/...",
        "tags": {},
    }
    path = write_json(tmp_path / "az" / "workspaces.json", [workspace])
    result = run_cli(["scan", "--snapshot", str(path.parent)])
    assert result.code == 2
    assert str(path) in result.err and "[0]" in result.err
    assert "az ml workspace list" in result.err and "az resource show --ids" in result.err


def test_resource_list_export_without_properties_is_unknown_not_failing(
    run_cli: Any, tmp_path: Path
) -> None:
    """`az resource list` prints properties as null: rules are unknown with the fix, said once."""
    listed = {
        "id": ACCOUNT,
        "kind": "OpenAI",
        "location": "eastus",
        "name": "chat",
        "properties": None,
        "resourceGroup": "rg-ai",
        "sku": {"name": "S0"},
        "type": "Microsoft.CognitiveServices/accounts",
    }
    folder = tmp_path / "az"
    write_json(folder / "resources.json", [listed])
    result = run_cli(["scan", "--snapshot", str(folder), "--select", "AIS001,AIS003"])
    assert result.code == 3
    for rule in ("AIS001", "AIS003"):
        judged = finding(result.report(), rule)
        assert judged["status"] == "unknown"
        assert "az resource show --ids" in judged["reason"]
    assert result.err.count("read without properties") == 1
    assert "1 resource(s) were read without properties" in result.err
