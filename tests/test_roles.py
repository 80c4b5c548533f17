"""The built-in role table: its data, what the rules derive from it, and its regeneration."""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from auditor import roles as role_table
from auditor.engine import roles
from auditor.engine.evaluate import evaluate
from auditor.engine.loader import load_rules
from auditor.inventory import Inventory, InventoryBuilder
from auditor.model import SourceRef, Status
from tests.conftest import FIXTURES
from tests.test_access import assignment

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "auditor" / "data" / "builtin-roles.json"
SCRIPT = REPO / "scripts" / "make_builtin_roles.py"
SOURCE_SAMPLE = FIXTURES / "roles-source"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

SEARCH_SERVICE_CONTRIBUTOR = "7ca78c08-252a-4471-8644-bb5ff32d4ba0"
SEARCH_INDEX_DATA_CONTRIBUTOR = "8ebe5a00-799e-43f5-93ac-243d3dce84a7"
SEARCH_INDEX_DATA_READER = "1407120a-92aa-4202-b7e9-c0e197c71c8f"

# The hand-made table this data replaced: every name must still resolve to the same GUID.
NAMED_BEFORE = {
    roles.OWNER: "Owner",
    roles.CONTRIBUTOR: "Contributor",
    roles.READER: "Reader",
    roles.USER_ACCESS_ADMINISTRATOR: "User Access Administrator",
    roles.RBAC_ADMINISTRATOR: "Role Based Access Control Administrator",
    roles.COGNITIVE_SERVICES_USER: "Cognitive Services User",
    roles.COGNITIVE_SERVICES_CONTRIBUTOR: "Cognitive Services Contributor",
    roles.COGNITIVE_SERVICES_OPENAI_USER: "Cognitive Services OpenAI User",
    roles.COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR: "Cognitive Services OpenAI Contributor",
    roles.AZUREML_DATA_SCIENTIST: "AzureML Data Scientist",
    roles.AZURE_AI_DEVELOPER: "Azure AI Developer",
    roles.ACR_PULL: "AcrPull",
    roles.ACR_PUSH: "AcrPush",
    roles.STORAGE_BLOB_DATA_READER: "Storage Blob Data Reader",
    roles.STORAGE_BLOB_DATA_CONTRIBUTOR: "Storage Blob Data Contributor",
    roles.STORAGE_BLOB_DATA_OWNER: "Storage Blob Data Owner",
    roles.COGNITIVE_SERVICES_DATA_READER: "Cognitive Services Data Reader",
    roles.AZURE_AI_ADMINISTRATOR: "Azure AI Administrator",
    roles.AZURE_AI_INFERENCE_DEPLOYMENT_OPERATOR: "Azure AI Inference Deployment Operator",
    roles.AZUREML_COMPUTE_OPERATOR: "AzureML Compute Operator",
    roles.AZUREML_REGISTRY_USER: "AzureML Registry User",
}
KEY_LISTERS_BEFORE = {
    roles.OWNER,
    roles.CONTRIBUTOR,
    roles.COGNITIVE_SERVICES_CONTRIBUTOR,
    roles.COGNITIVE_SERVICES_USER,
}
# Roles whose published actions grant listKeys (Microsoft.CognitiveServices/* or the action by
# name) that the hand-made set missed: IAM005 used to call them unresolved.
KEY_LISTERS_ADDED = {
    "Azure AI Administrator",
    "Cognitive Services Content Understanding Owner",
    "Cognitive Services Language Owner",
    "Cognitive Services LUIS Owner",
    "Cognitive Services Security Integration Admin",
    "Defender Cloud Secrets Posture",
    "Foundry Account Owner",
    "Foundry Owner",
    "Foundry User",
}
NO_KEY_LISTING_BEFORE = {
    roles.READER,
    roles.USER_ACCESS_ADMINISTRATOR,
    roles.RBAC_ADMINISTRATOR,
    roles.ACR_PULL,
    roles.ACR_PUSH,
    roles.STORAGE_BLOB_DATA_READER,
    roles.STORAGE_BLOB_DATA_CONTRIBUTOR,
    roles.STORAGE_BLOB_DATA_OWNER,
}

SUB = "aaaaaaaa-0000-4000-8000-000000000001"
RG = f"/subscriptions/{SUB}/resourceGroups/rg"
ACCOUNT = f"{RG}/providers/Microsoft.CognitiveServices/accounts/acct"
ENDPOINT = f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/ep"
ENDPOINT_PRINCIPAL = "p-ep"
"""The principal `assignment("ep", ...)` grants to."""
AS_OF = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _definition(guid: str) -> dict[str, Any]:
    """The role as a live scan collects it (ARM shape), built from the shipped table."""
    role = role_table.table().roles[guid]
    return {
        "id": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
        "type": "Microsoft.Authorization/roleDefinitions",
        "name": guid,
        "properties": {
            "roleName": role.name,
            "type": "BuiltInRole",
            "permissions": [
                {"actions": list(p.actions), "notActions": list(p.not_actions)}
                for p in role.permissions
            ],
        },
    }


def _inventory(*records: dict[str, Any]) -> Inventory:
    builder = InventoryBuilder()
    for record in records:
        builder.add(record, SourceRef("snapshot"))
    builder.declare_collected(SUB, ["role_assignments"])
    return builder.build()


def _judge(rule_id: str, inventory: Inventory, resource_id: str) -> Any:
    rule = next(r for r in load_rules() if r.id == rule_id)
    (result,) = [r for r in evaluate([rule], inventory, AS_OF, {}) if r.resource.id == resource_id]
    return result


def test_data_file_holds_every_built_in_role_once() -> None:
    """The shipped table parses, has over 400 roles, well-formed unique GUIDs and unique names."""
    data = json.loads(DATA.read_text("utf-8"))
    records = data["roles"]
    assert data["count"] == len(records) > 400
    guids = [r["id"] for r in records]
    assert all(GUID.match(g) for g in guids)
    assert len(set(guids)) == len(guids)
    names = [r["name"].lower() for r in records]
    assert len(set(names)) == len(names)
    assert all(set(r) == {"id", "name", "permissions"} and r["permissions"] for r in records)
    assert data["source"]["url"] and data["source"]["commit"] and data["source"]["date"]
    assert len(role_table.BUILT_IN_NAMES) == len(records)


def test_named_roles_keep_their_guids_and_names() -> None:
    """Every role the code names still resolves to the name the hand-made table gave it."""
    assert {g: role_table.BUILT_IN_NAMES[g] for g in NAMED_BEFORE} == NAMED_BEFORE
    assert set(NAMED_BEFORE) == roles.NAMED_BUILT_INS


def test_roles_named_in_the_issue_resolve() -> None:
    """Search Service Contributor and the Search index data roles are known by GUID."""
    assert role_table.BUILT_IN_NAMES[SEARCH_SERVICE_CONTRIBUTOR] == "Search Service Contributor"
    assert (
        role_table.BUILT_IN_NAMES[SEARCH_INDEX_DATA_CONTRIBUTOR] == "Search Index Data Contributor"
    )
    assert role_table.BUILT_IN_NAMES[SEARCH_INDEX_DATA_READER] == "Search Index Data Reader"
    role = role_table.table().roles[SEARCH_SERVICE_CONTRIBUTOR]
    assert role.allows("Microsoft.Search/searchServices/write")


def test_key_listers_follow_the_published_actions() -> None:
    """KEY_LISTERS derived from the actions keeps today's four and adds exactly the roles
    whose actions grant listKeys; every other built-in role is known not to list keys."""
    assert KEY_LISTERS_BEFORE <= roles.KEY_LISTERS
    added = {role_table.BUILT_IN_NAMES[g] for g in roles.KEY_LISTERS - KEY_LISTERS_BEFORE}
    assert added == KEY_LISTERS_ADDED
    assert NO_KEY_LISTING_BEFORE <= roles.NO_KEY_LISTING
    assert roles.NO_KEY_LISTING.isdisjoint(roles.KEY_LISTERS)
    assert set(role_table.BUILT_IN_NAMES) == roles.NO_KEY_LISTING | roles.KEY_LISTERS


def test_broad_roles_are_the_four_named() -> None:
    """Only Owner and Contributor grant `*`, so the broad set is still the four named roles."""
    assert {
        roles.OWNER,
        roles.CONTRIBUTOR,
        roles.USER_ACCESS_ADMINISTRATOR,
        roles.RBAC_ADMINISTRATOR,
    } == roles.BROAD_BUILT_INS


def test_not_actions_take_back_what_a_wildcard_grants() -> None:
    """A wildcard covers deeper paths case-insensitively, and a notAction removes one of them."""
    scientist = role_table.table().roles[roles.AZUREML_DATA_SCIENTIST]
    assert scientist.allows("microsoft.machinelearningservices/workspaces/jobs/write")
    assert not scientist.allows("Microsoft.MachineLearningServices/workspaces/listKeys/action")
    assert not scientist.allows(roles.COGNITIVE_LIST_KEYS)


def test_wildcards_match_as_fnmatch_does_on_every_published_action() -> None:
    """Over every action string in the table, each pattern of the same role set matches an
    action exactly when shell-style `*` matching would (Azure actions hold no `?` or `[`),
    ignoring case; and `prefix/*` covers every action under its prefix."""
    every = sorted(
        {
            a
            for role in role_table.table().roles.values()
            for p in role.permissions
            for a in (*p.actions, *p.not_actions, *p.data_actions, *p.not_data_actions)
        }
    )
    assert len(every) > 1000
    assert not any(c in a for a in every for c in "?[]")
    patterns = [a for a in every if "*" in a][::7]
    concrete = [a for a in every if "*" not in a][::5]
    for pattern in patterns:
        for action in concrete:
            expected = fnmatch.fnmatchcase(action.lower(), pattern.lower())
            assert role_table.action_matches(pattern, action) is expected, (pattern, action)
    for action in concrete:
        head, _, _ = action.rpartition("/")
        assert role_table.action_matches(f"{head.upper()}/*", action)
        assert not role_table.action_matches(f"{action}x/*", action)


def test_template_assigning_search_service_contributor_is_judged(
    run_cli: Any, tmp_path: Path
) -> None:
    """A template granting Search Service Contributor passes IAM001 and is no longer incomplete."""
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": "Microsoft.CognitiveServices/accounts",
                "apiVersion": "2023-05-01",
                "name": "search-acct",
                "location": "[resourceGroup().location]",
                "kind": "AIServices",
                "properties": {"disableLocalAuth": True},
            },
            {
                "type": "Microsoft.Authorization/roleAssignments",
                "apiVersion": "2022-04-01",
                "name": "[guid(resourceGroup().id, 'search')]",
                "properties": {
                    "roleDefinitionId": "[subscriptionResourceId("
                    f"'Microsoft.Authorization/roleDefinitions', '{SEARCH_SERVICE_CONTRIBUTOR}')]",
                    "principalId": "44444444-5555-4666-8777-888888888888",
                    "principalType": "ServicePrincipal",
                },
            },
        ],
    }
    path = tmp_path / "t" / "main.json"
    path.parent.mkdir()
    path.write_text(json.dumps(template), encoding="utf-8")
    result = run_cli(["scan", "--template", str(path), "--format", "json", "--include-passed"])
    report = result.report()
    (iam001,) = [f for f in report["findings"] if f["rule_id"] == "IAM001"]
    assert iam001["status"] == "pass", iam001["message"]
    assert iam001["evidence"]["role"] == "Search Service Contributor"
    assert report["summary"]["gate"]["incomplete"] is False
    assert result.code != 3


def test_terraform_role_by_name_resolves_to_its_guid(run_cli: Any, tmp_path: Path) -> None:
    """A Terraform plan naming Search Index Data Contributor by role_definition_name is
    judged by IAM001 under that role's GUID, not left unresolved."""
    plan = json.loads((FIXTURES / "templates" / "mixed" / "terraform" / "plan.json").read_text())
    plan["resource_changes"] = [
        change
        for change in plan["resource_changes"]
        if change["type"] in ("azurerm_cognitive_account", "azurerm_resource_group")
    ]
    plan["resource_changes"].append(
        {
            "address": "azurerm_role_assignment.index",
            "mode": "managed",
            "type": "azurerm_role_assignment",
            "name": "index",
            "change": {
                "actions": ["create"],
                "before": None,
                "after": {
                    "scope": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-tf",
                    "role_definition_name": "Search Index Data Contributor",
                    "principal_id": "p-index",
                },
                "after_unknown": {"name": True},
            },
        }
    )
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    report = run_cli(
        ["scan", "--template", str(path), "--format", "json", "--include-passed"]
    ).report()
    (iam001,) = [f for f in report["findings"] if f["rule_id"] == "IAM001"]
    assert iam001["status"] == "pass", iam001["message"]
    assert iam001["evidence"]["role_definition_id"] == SEARCH_INDEX_DATA_CONTRIBUTOR


def test_key_readers_know_roles_outside_the_old_table() -> None:
    """IAM005 names Azure AI Administrator as a key reader and clears Search Index Data
    Contributor, with no role definition in the input."""
    account = {"id": ACCOUNT, "type": "Microsoft.CognitiveServices/accounts", "properties": {}}
    admin = assignment("admin", RG, roles.AZURE_AI_ADMINISTRATOR)
    index = assignment("index", RG, SEARCH_INDEX_DATA_CONTRIBUTOR)
    failing = _judge("IAM005", _inventory(account, admin, index), ACCOUNT)
    assert failing.status is Status.FAIL
    assert [g["role"] for g in failing.evidence["key_readers"]] == ["Azure AI Administrator"]
    assert "roles_not_resolved" not in failing.evidence
    passing = _judge("IAM005", _inventory(account, index), ACCOUNT)
    assert passing.status is Status.PASS


def test_endpoint_identity_is_judged_as_a_live_scan_would() -> None:
    """AML020 fails an endpoint identity holding Search Service Contributor with no definition
    in the input, with the same verdict and message as when the definition was collected."""
    endpoint = {
        "id": ENDPOINT,
        "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
        "identity": {"type": "SystemAssigned", "principalId": ENDPOINT_PRINCIPAL},
        "properties": {},
    }
    grant = assignment("ep", RG, SEARCH_SERVICE_CONTRIBUTOR)
    bare = _judge("AML020", _inventory(endpoint, grant), ENDPOINT)
    assert bare.status is Status.FAIL
    assert "Microsoft.Search/searchServices/*" in bare.message
    collected = _inventory(endpoint, grant, _definition(SEARCH_SERVICE_CONTRIBUTOR))
    live = _judge("AML020", collected, ENDPOINT)
    assert (live.status, live.message) == (bare.status, bare.message)
    reader = assignment("ep", RG, "4633458b-17de-408a-b874-0445c86b69e6")
    fine = _judge("AML020", _inventory(endpoint, reader), ENDPOINT)
    assert fine.status is Status.PASS and "Key Vault Secrets User" in fine.message


def _regenerate(source: Path, output: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            *(sys.executable, str(SCRIPT), str(source), "--output", str(output)),
            *(
                "--source-url",
                "fixture",
                "--source-commit",
                "0" * 40,
                "--source-date",
                "2026-01-01",
            ),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_script_reproduces_the_shipped_entries_from_each_source_format(tmp_path: Path) -> None:
    """The script reads docs pages, `az` list output and ARM records, skips custom roles, and
    writes the same entries as the shipped table, byte for byte on a second run."""
    output = tmp_path / "roles.json"
    done = _regenerate(SOURCE_SAMPLE, output)
    assert done.returncode == 0, done.stderr
    made = json.loads(output.read_text("utf-8"))
    shipped = {r["id"]: r for r in json.loads(DATA.read_text("utf-8"))["roles"]}
    expected_ids = {
        roles.ACR_PULL,
        roles.COGNITIVE_SERVICES_USER,
        SEARCH_INDEX_DATA_CONTRIBUTOR,
        roles.READER,
    }
    assert {r["id"] for r in made["roles"]} == expected_ids
    assert all(r == shipped[r["id"]] for r in made["roles"])
    assert made["source"] == {"url": "fixture", "commit": "0" * 40, "date": "2026-01-01"}
    first = output.read_bytes()
    assert _regenerate(SOURCE_SAMPLE, output).returncode == 0
    assert output.read_bytes() == first


def test_shipped_file_is_the_scripts_own_rendering(tmp_path: Path) -> None:
    """The shipped file, fed back through the script as `az` records, comes out byte for byte
    as shipped: sorted, counted and laid out by the script, not edited by hand."""
    data = json.loads(DATA.read_text("utf-8"))
    source = tmp_path / "az.json"
    records = [
        {**r, "name": r["id"], "roleName": r["name"], "roleType": "BuiltInRole"}
        for r in reversed(data["roles"])
    ]
    source.write_text(json.dumps(records), encoding="utf-8")
    output = tmp_path / "roles.json"
    done = subprocess.run(
        [
            *(sys.executable, str(SCRIPT), str(source), "--output", str(output)),
            *("--source-url", data["source"]["url"], "--source-commit", data["source"]["commit"]),
            *("--source-date", data["source"]["date"]),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert output.read_bytes() == DATA.read_bytes()


def test_script_refuses_a_role_listed_twice_differently(tmp_path: Path) -> None:
    """Two records of one GUID that disagree stop the script with exit 2 naming the file."""
    source = tmp_path / "src"
    source.mkdir()
    record = json.loads((SOURCE_SAMPLE / "arm" / "reader.json").read_text("utf-8"))
    (source / "a.json").write_text(json.dumps(record), encoding="utf-8")
    record["properties"]["permissions"][0]["actions"].append("Microsoft.Storage/*")
    (source / "b.json").write_text(json.dumps(record), encoding="utf-8")
    output = tmp_path / "roles.json"
    done = _regenerate(source, output)
    assert done.returncode == 2
    assert "b.json" in done.stderr and roles.READER in done.stderr
    assert not output.exists()


def test_support_requests_are_not_a_write_for_aml020() -> None:
    """Opening support tickets (Microsoft.Support/*) is not the write AML020 reports."""
    billing_reader = role_table.table().roles["fa23ad8b-c56e-40d8-ac0c-ce449e1d2c64"]
    assert billing_reader.name == "Billing Reader"
    assert any(a == "Microsoft.Support/*" for p in billing_reader.permissions for a in p.actions)
    assert roles.write_actions(billing_reader) == []
    assert not roles.grants_write("Microsoft.Support/supportTickets/write")
    assert roles.grants_write("Microsoft.MachineLearningServices/workspaces/write")
    assert roles.grants_write("*")
