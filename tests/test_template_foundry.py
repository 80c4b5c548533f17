"""The AI Foundry estate in templates: ARM JSON, Terraform plans and serverless endpoint YAML
become the same inventory records the live collector writes, credentials never kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from auditor import arm
from auditor.collect.templates import DeploymentContext, read_templates
from auditor.inventory import Inventory, InventoryBuilder
from auditor.model import Resource
from auditor.unresolved import is_unresolved
from tests.conftest import FIXTURES, write_json
from tests.emulator.canary_estate import CANARIES
from tests.test_canaries import assert_no_leak, texts_of

ESTATE = FIXTURES / "templates" / "foundry-estate" / "main.json"
ESTATE_TF = FIXTURES / "templates" / "foundry-estate-tf" / "plan.json"
SERVERLESS = FIXTURES / "templates" / "serverless"
SUB = "a0a0a0a0-0000-4000-8000-00000000000a"
CONTEXT = DeploymentContext(
    subscription_id=SUB, resource_group="rg-foundry", location="swedencentral"
)
CONTEXT_ARGS = [
    "--template-context",
    f"subscription_id={SUB}",
    "--template-context",
    "resource_group=rg-foundry",
    "--template-context",
    "location=swedencentral",
]
ACCOUNT_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-foundry/providers/{arm.AI_ACCOUNT}/foundry-ref"
)
HUB_ID = f"/subscriptions/{SUB}/resourceGroups/rg-foundry/providers/{arm.WORKSPACE}/hub-ref"


def _inventory(*paths: Path, context: DeploymentContext = CONTEXT) -> Inventory:
    builder = InventoryBuilder()
    read_templates(list(paths), builder, context=context)
    return builder.build()


def _by_name(inventory: Inventory) -> dict[tuple[str, str], Resource]:
    return {(r.type, r.name): r for r in inventory}


def _props(resource: Resource) -> dict[str, Any]:
    props: dict[str, Any] = resource.data["properties"]
    return props


ARM_ESTATE = {
    (arm.AI_ACCOUNT, "foundry-ref"),
    (arm.AI_PROJECT, "proj-a"),
    (arm.AI_PROJECT, "proj-b"),
    (arm.AI_ACCOUNT_CONNECTION, "search-shared-key"),
    (arm.AI_ACCOUNT_CONNECTION, "aoai-entra"),
    (arm.AI_PROJECT_CONNECTION, "aoai-key"),
    (arm.AI_PROJECT_CONNECTION, "blob-mi"),
    (arm.AI_PROJECT_CONNECTION, "aoai-aad"),
    (arm.RAI_POLICY, "weak-filter"),
    (arm.RAI_POLICY, "strict-filter"),
    (arm.AI_DEPLOYMENT, "gpt-weak"),
    (arm.AI_DEPLOYMENT, "gpt-strong"),
    (arm.AI_CAPABILITY_HOST, "agents"),
    (arm.DEFENDER_AI_SETTING, "Default"),
    (arm.WORKSPACE, "hub-ref"),
    (arm.SERVERLESS_ENDPOINT, "llama-key"),
    (arm.SERVERLESS_ENDPOINT, "phi-aad"),
    (arm.SERVERLESS_ENDPOINT, "mistral-unsafe"),
}


def test_arm_estate_has_every_resource_under_its_parent() -> None:
    """The ARM estate yields its 18 resources, each with the live id and under its parent,
    whether written nested two levels deep, top level with a formatted name, or mixed."""
    found = _by_name(_inventory(ESTATE))
    assert set(found) == ARM_ESTATE
    aoai_key = found[(arm.AI_PROJECT_CONNECTION, "aoai-key")]
    assert aoai_key.id == f"{ACCOUNT_ID}/projects/proj-a/connections/aoai-key"
    assert aoai_key.parent_key == f"{ACCOUNT_ID}/projects/proj-a".lower()
    aoai_aad = found[(arm.AI_PROJECT_CONNECTION, "aoai-aad")]
    assert aoai_aad.parent_key == f"{ACCOUNT_ID}/projects/proj-b".lower()
    assert found[(arm.AI_DEPLOYMENT, "gpt-weak")].parent_key == ACCOUNT_ID.lower()
    mistral = found[(arm.SERVERLESS_ENDPOINT, "mistral-unsafe")]
    assert mistral.id == f"{HUB_ID}/serverlessEndpoints/mistral-unsafe"
    assert mistral.parent_key == HUB_ID.lower()


def test_arm_estate_keeps_the_fields_the_rules_read() -> None:
    """Account network/auth, connection auth and sharing, deployment model/SKU/policy, the
    filters of each policy, the capability host and serverless endpoint settings are kept."""
    found = _by_name(_inventory(ESTATE))
    account = _props(found[(arm.AI_ACCOUNT, "foundry-ref")])
    assert account["publicNetworkAccess"] == "Disabled" and account["disableLocalAuth"] is True
    assert account["networkAcls"] == {"defaultAction": "Deny"}
    assert account["allowProjectManagement"] is True and "networkInjections" not in account
    shared = _props(found[(arm.AI_ACCOUNT_CONNECTION, "search-shared-key")])
    assert (shared["authType"], shared["isSharedToAll"]) == ("ApiKey", True)
    assert "expiryTime" not in shared and "credentials" not in shared
    key = _props(found[(arm.AI_PROJECT_CONNECTION, "aoai-key")])
    assert (key["authType"], key["isSharedToAll"]) == ("ApiKey", False)
    assert key["expiryTime"] == "2027-06-01T00:00:00Z"
    assert "credentials" not in key and "metadata" not in key
    weak = found[(arm.AI_DEPLOYMENT, "gpt-weak")]
    assert weak.data["sku"] == {"name": "GlobalStandard", "capacity": 10}
    assert _props(weak)["model"] == {
        "format": "OpenAI",
        "name": "gpt-4o",
        "version": "2024-11-20",
        "publisher": "OpenAI",
    }
    assert _props(weak)["raiPolicyName"] == "weak-filter"
    assert _props(weak)["versionUpgradeOption"] == "OnceNewDefaultVersionAvailable"
    assert _props(found[(arm.AI_DEPLOYMENT, "gpt-strong")])["versionUpgradeOption"] == (
        "NoAutoUpgrade"
    )
    policy = _props(found[(arm.RAI_POLICY, "weak-filter")])
    assert policy["type"] == "UserManaged"  # read-only: what the service reports for it
    filters = {(f["name"], f["source"]): f for f in policy["contentFilters"]}
    assert filters[("Hate", "Prompt")]["severityThreshold"] == "High"
    assert filters[("Jailbreak", "Prompt")] == {
        "name": "Jailbreak",
        "enabled": False,
        "blocking": False,
        "source": "Prompt",
    }
    strict = {f["name"] for f in _props(found[(arm.RAI_POLICY, "strict-filter")])["contentFilters"]}
    assert {"Jailbreak", "Indirect Attack", "Protected Material Text"} <= strict
    host = _props(found[(arm.AI_CAPABILITY_HOST, "agents")])
    assert host == {"capabilityHostKind": "Agents"}
    assert _props(found[(arm.DEFENDER_AI_SETTING, "Default")]) == {"state": "Enabled"}
    llama = _props(found[(arm.SERVERLESS_ENDPOINT, "llama-key")])
    assert llama["authMode"] == "Key"
    assert llama["contentSafety"] == {"contentSafetyStatus": "Enabled"}
    assert llama["modelSettings"]["modelId"].endswith("/Llama-3.3-70B-Instruct")
    unsafe = _props(found[(arm.SERVERLESS_ENDPOINT, "mistral-unsafe")])
    assert (unsafe["authMode"], unsafe["contentSafety"]["contentSafetyStatus"]) == (
        "AAD",
        "Disabled",
    )


def test_arm_estate_scans_through_the_cli(run_cli: Any) -> None:
    """The real CLI reads the estate with no collection error and counts its 18 records."""
    result = run_cli(["scan", "--template", str(ESTATE), "--format", "json", *CONTEXT_ARGS])
    assert result.code in (0, 1), result.err
    report = result.report()
    assert report["errors"] == []
    [source] = report["scan"]["sources"]
    assert (source["records"], source["kinds"]) == (18, {"arm": 1})


def test_connection_credentials_in_a_template_reach_no_output(run_cli: Any, tmp_path: Path) -> None:
    """Every canary, as connection credentials (literal keys, secure parameters passed in a
    parameters file, every credential shape), reaches no report, stream or format."""
    folder = tmp_path / "estate"
    shutil.copytree(ESTATE.parent, folder)
    write_json(
        folder / "main.parameters.json",
        {
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
            "contentVersion": "1.0.0.0",
            "parameters": {
                "searchApiKey": {"value": CANARIES[0].value},
                "openAiApiKey": {"value": CANARIES[1].value},
            },
        },
    )
    template = json.loads((folder / "main.json").read_text("utf-8"))
    template["resources"].append(
        {
            "type": arm.AI_PROJECT_CONNECTION,
            "apiVersion": "2025-06-01",
            "name": "foundry-ref/proj-b/every-secret",
            "properties": {
                "category": "CustomKeys",
                "authType": "CustomKeys",
                "target": "https://example.invalid",
                "credentials": {
                    "keys": {f"k{c.index:03d}": c.value for c in CANARIES},
                    "key": CANARIES[2].value,
                    "pat": CANARIES[3].value,
                    "password": CANARIES[4].value,
                    "clientSecret": CANARIES[5].value,
                    "secretAccessKey": CANARIES[6].value,
                    "sas": CANARIES[7].value,
                },
            },
        }
    )
    (folder / "main.json").write_text(json.dumps(template, indent=2), "utf-8")
    result = run_cli(
        [
            "scan",
            "--template",
            str(folder / "main.json"),
            "--format",
            "json,html,sarif,junit,csv,markdown",
            "--include-passed",
            *CONTEXT_ARGS,
        ]
    )
    assert result.code in (0, 1), result.err
    assert result.report()["scan"]["sources"][0]["records"] == 19
    assert_no_leak(texts_of(result.output_dir, streams=result))


# ------------------------------------------------------------------------------ Terraform

TF_ESTATE = {
    (arm.AI_ACCOUNT, "foundry-ref"),
    (arm.AI_PROJECT, "proj-a"),
    (arm.AI_PROJECT, "proj-b"),
    (arm.AI_ACCOUNT_CONNECTION, "search-shared-key"),
    (arm.AI_ACCOUNT_CONNECTION, "aoai-entra"),
    (arm.RAI_POLICY, "weak-filter"),
    (arm.RAI_POLICY, "strict-filter"),
    (arm.AI_DEPLOYMENT, "gpt-weak"),
    (arm.AI_DEPLOYMENT, "gpt-strong"),
    (arm.WORKSPACE, "hub-ref"),
}


def test_terraform_estate_maps_what_azurerm_can_express() -> None:
    """The plan's ten resources get the ARM ids the live estate has (children found through
    the configuration's references, the account id being known only after apply); project
    connections, capability hosts, Defender settings and serverless endpoints are absent."""
    found = _by_name(_inventory(ESTATE_TF))
    assert set(found) == TF_ESTATE
    assert found[(arm.AI_ACCOUNT, "foundry-ref")].id == ACCOUNT_ID
    for key in TF_ESTATE - {(arm.AI_ACCOUNT, "foundry-ref"), (arm.WORKSPACE, "hub-ref")}:
        assert found[key].parent_key == ACCOUNT_ID.lower(), key
    assert found[(arm.AI_DEPLOYMENT, "gpt-weak")].id == f"{ACCOUNT_ID}/deployments/gpt-weak"
    assert found[(arm.WORKSPACE, "hub-ref")].id == HUB_ID


def test_terraform_estate_fields_match_the_arm_estate() -> None:
    """Each field the ARM twin sets that azurerm can express has the same value in the plan's
    records (attribute names mapped: filter_enabled -> enabled, sku blocks -> sku)."""
    tf = _by_name(_inventory(ESTATE_TF))
    template = _by_name(_inventory(ESTATE))
    account = _props(tf[(arm.AI_ACCOUNT, "foundry-ref")])
    for field in ("publicNetworkAccess", "disableLocalAuth", "allowProjectManagement"):
        assert account[field] == _props(template[(arm.AI_ACCOUNT, "foundry-ref")])[field]
    assert account["networkAcls"]["defaultAction"] == "Deny"
    assert "networkInjections" not in account  # no network_injection block
    for name in ("weak-filter", "strict-filter"):
        assert _props(tf[(arm.RAI_POLICY, name)]) == _props(template[(arm.RAI_POLICY, name)])
    for name in ("gpt-weak", "gpt-strong"):
        ours, theirs = tf[(arm.AI_DEPLOYMENT, name)], template[(arm.AI_DEPLOYMENT, name)]
        assert ours.data["sku"] == theirs.data["sku"]
        expected = {**_props(theirs)}
        expected["model"] = {k: v for k, v in expected["model"].items() if k != "publisher"}
        assert _props(ours) == expected
    hub = tf[(arm.WORKSPACE, "hub-ref")]
    assert (hub.data["kind"], _props(hub)["publicNetworkAccess"]) == ("Hub", "Disabled")


def test_terraform_connection_sharing_is_unknown_never_false() -> None:
    """azurerm cannot set isSharedToAll: the record holds an unresolved marker saying so
    (a rule reading it is unknown), the auth type comes from the resource type, and
    expiryTime is absent as the deployed connection has none."""
    found = _by_name(_inventory(ESTATE_TF))
    shared = _props(found[(arm.AI_ACCOUNT_CONNECTION, "search-shared-key")])
    assert shared["authType"] == "ApiKey" and "expiryTime" not in shared
    assert is_unresolved(shared["isSharedToAll"])
    assert "azurerm has no argument" in shared["isSharedToAll"]["reason"]
    assert _props(found[(arm.AI_ACCOUNT_CONNECTION, "aoai-entra")])["authType"] == "AAD"


def _change(address: str, after: dict[str, Any]) -> dict[str, Any]:
    tf_type, name = address.split(".")
    return {
        "address": address,
        "mode": "managed",
        "type": tf_type,
        "name": name,
        "change": {"actions": ["create"], "after": after, "after_unknown": {}},
    }


def _plan(tmp_path: Path, *changes: dict[str, Any], name: str = "plan.json") -> Path:
    return write_json(
        tmp_path / name,
        {"format_version": "1.2", "resource_changes": list(changes), "configuration": {}},
    )


def test_terraform_defaults_and_version_specific_names(tmp_path: Path) -> None:
    """azurerm defaults apply to omitted attributes (version_upgrade_option, local auth,
    public access), azurerm_ai_services' 4.x names are read, a 3.x `scale` block is the SKU,
    network_injection becomes networkInjections and a Foundry project names its hub."""
    account = f"/subscriptions/{SUB}/resourceGroups/rg/providers/{arm.AI_ACCOUNT}/acct"
    plan = _plan(
        tmp_path,
        _change(
            "azurerm_ai_services.ais",
            {
                "name": "ais",
                "resource_group_name": "rg",
                "local_authentication_enabled": False,
                "public_network_access": "Disabled",
            },
        ),
        _change("azurerm_ai_services.open", {"name": "open", "resource_group_name": "rg"}),
        _change(
            "azurerm_cognitive_account.acct",
            {
                "name": "acct",
                "resource_group_name": "rg",
                "kind": "AIServices",
                "network_injection": [
                    {
                        "scenario": "agent",
                        "subnet_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"
                        "virtualNetworks/v/subnets/agents",
                    }
                ],
            },
        ),
        _change(
            "azurerm_cognitive_deployment.auto",
            {
                "name": "auto",
                "cognitive_account_id": account,
                "model": [{"format": "OpenAI", "name": "gpt-4o"}],
                "scale": [{"type": "Standard", "capacity": 1}],
            },
        ),
        _change("azurerm_ai_foundry.hub", {"name": "hub", "resource_group_name": "rg"}),
        _change(
            "azurerm_ai_foundry_project.proj",
            {
                "name": "proj",
                "resource_group_name": "rg",
                "ai_services_hub_id": "/subscriptions/s/resourceGroups/rg/providers/"
                "Microsoft.MachineLearningServices/workspaces/hub",
            },
        ),
    )
    found = _by_name(_inventory(plan))
    ais = found[(arm.AI_ACCOUNT, "ais")]
    assert ais.data["kind"] == "AIServices"
    assert (_props(ais)["disableLocalAuth"], _props(ais)["publicNetworkAccess"]) == (
        True,
        "Disabled",
    )
    opened = _props(found[(arm.AI_ACCOUNT, "open")])
    assert (opened["disableLocalAuth"], opened["publicNetworkAccess"]) == (False, "Enabled")
    acct = _props(found[(arm.AI_ACCOUNT, "acct")])
    assert acct["networkInjections"][0]["scenario"] == "agent"
    assert acct["networkInjections"][0]["subnetArmId"].endswith("/subnets/agents")
    assert acct["allowProjectManagement"] is False  # "Defaults to `false`"
    auto = found[(arm.AI_DEPLOYMENT, "auto")]
    assert auto.id == f"{account}/deployments/auto"
    assert _props(auto)["versionUpgradeOption"] == "OnceNewDefaultVersionAvailable"
    assert auto.data["sku"] == {"name": "Standard", "capacity": 1}
    assert "publisher" not in _props(auto)["model"]
    assert _props(found[(arm.WORKSPACE, "hub")])["publicNetworkAccess"] == "Enabled"
    project = found[(arm.WORKSPACE, "proj")]
    assert project.data["kind"] == "Project"
    assert _props(project)["hubResourceId"].endswith("/workspaces/hub")
    assert "publicNetworkAccess" not in _props(project)  # a project's network is its hub's


def test_terraform_connection_keys_reach_no_output(run_cli: Any, tmp_path: Path) -> None:
    """Canaries as the api_key, account_key and custom_keys of azurerm connections (plan
    `after` values Terraform marks sensitive) reach no report, stream or format."""
    account = f"/subscriptions/{SUB}/resourceGroups/rg/providers/{arm.AI_ACCOUNT}/acct"
    common = {"cognitive_account_id": account, "target": "https://example.invalid"}
    plan = _plan(
        tmp_path,
        _change(
            "azurerm_cognitive_account_connection_api_key.a",
            {"name": "a", "category": "ApiKey", "api_key": CANARIES[0].value, **common},
        ),
        _change(
            "azurerm_cognitive_account_connection_account_key.b",
            {
                "name": "b",
                "category": "AzureStorageAccount",
                "account_key": CANARIES[1].value,
                **common,
            },
        ),
        _change(
            "azurerm_cognitive_account_connection_custom_keys.c",
            {
                "name": "c",
                "category": "CustomKeys",
                "custom_keys": {f"k{c.index:03d}": c.value for c in CANARIES},
                **common,
            },
        ),
    )
    result = run_cli(
        [
            "scan",
            "--template",
            str(plan),
            "--format",
            "json,html,sarif,junit,csv,markdown",
            "--include-passed",
        ]
    )
    assert result.code in (0, 1, 3), result.err
    assert result.report()["scan"]["sources"][0]["records"] == 3
    assert_no_leak(texts_of(result.output_dir, streams=result))


# ----------------------------------------------------------------------- serverless YAML


def test_serverless_endpoint_yaml_with_and_without_schema() -> None:
    """`az ml serverless-endpoint create -f` specs are read (with the schema URL, or Learn's
    bare `name` + `model_id`): key auth by default, the model id, the Consumption SKU."""
    found = _by_name(_inventory(SERVERLESS, context=DeploymentContext(workspace="hub-ref")))
    llama = found[(arm.SERVERLESS_ENDPOINT, "llama-key")]
    assert llama.id.endswith("/workspaces/hub-ref/serverlessEndpoints/llama-key")
    assert _props(llama)["authMode"] == "Key"
    assert _props(llama)["modelSettings"]["modelId"].endswith("/Llama-3.3-70B-Instruct")
    assert llama.data["sku"] == {"name": "Consumption"}
    assert "contentSafety" not in _props(llama)  # the YAML cannot set it


def test_serverless_endpoint_yaml_aad_is_not_taken_at_its_word(run_cli: Any) -> None:
    """`auth_mode: aad` is left unresolved with the reason (az ml does not send it), and the
    report counts both files as serverless endpoint specs."""
    found = _by_name(_inventory(SERVERLESS))
    mode = _props(found[(arm.SERVERLESS_ENDPOINT, "phi-aad")])["authMode"]
    assert is_unresolved(mode) and "does not send auth_mode" in mode["reason"]
    result = run_cli(["scan", "--template", str(SERVERLESS), "--format", "json"])
    assert result.code in (0, 1, 3), result.err
    assert result.report()["scan"]["sources"][0]["kinds"] == {"ml-serverless-endpoint": 2}


# --------------------------------------------------------------------------------- Bicep

BICEP_NESTED = """\
resource account 'Microsoft.CognitiveServices/accounts@2025-06-01' = {
  name: 'acct'
  location: 'swedencentral'
  kind: 'AIServices'
  properties: {
    disableLocalAuth: true
  }

  resource project 'projects' = {
    name: 'proj'
    location: 'swedencentral'

    resource conn 'connections' = {
      name: 'conn'
      properties: {
        authType: 'AAD'
      }
    }
  }
}

resource dep 'Microsoft.CognitiveServices/accounts/deployments@2025-06-01' = {
  parent: account
  name: 'dep'
  properties: {
    raiPolicyName: 'Microsoft.DefaultV2'
  }
}
"""


def test_bicep_nested_and_parent_children_point_at_their_declarations(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Children declared nested (`resource conn 'connections'` two levels down, named only by
    their own segment) and with `parent:` are found at their own Bicep lines."""
    from tests.test_template_formats import _fake_bicep

    main = tmp_path / "src" / "main.bicep"
    main.parent.mkdir()
    main.write_text(BICEP_NESTED, "utf-8")
    account = "[resourceId('Microsoft.CognitiveServices/accounts', 'acct')]"
    compiled = write_json(  # the shape `bicep build` gives nested children: flat, full types
        tmp_path / "compiled.json",
        {
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "metadata": {"_generator": {"name": "bicep"}},
            "resources": [
                {
                    "type": arm.AI_PROJECT_CONNECTION,
                    "apiVersion": "2025-06-01",
                    "name": "[format('{0}/{1}/{2}', 'acct', 'proj', 'conn')]",
                    "properties": {"authType": "AAD"},
                },
                {
                    "type": arm.AI_PROJECT,
                    "apiVersion": "2025-06-01",
                    "name": "[format('{0}/{1}', 'acct', 'proj')]",
                    "location": "swedencentral",
                    "dependsOn": [account],
                },
                {
                    "type": arm.AI_DEPLOYMENT,
                    "apiVersion": "2025-06-01",
                    "name": "[format('{0}/{1}', 'acct', 'dep')]",
                    "properties": {"raiPolicyName": "Microsoft.DefaultV2"},
                    "dependsOn": [account],
                },
                {
                    "type": arm.AI_ACCOUNT,
                    "apiVersion": "2025-06-01",
                    "name": "acct",
                    "location": "swedencentral",
                    "kind": "AIServices",
                    "properties": {"disableLocalAuth": True},
                },
            ],
        },
    )
    bin_dir = _fake_bicep(tmp_path / "bin", compiled)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    found = _by_name(_inventory(main))
    lines = BICEP_NESTED.splitlines()

    def declared(key: tuple[str, str]) -> str:
        source = found[key].source
        assert source.path == str(main) and source.line is not None, key
        return lines[source.line - 1].strip()

    assert declared((arm.AI_ACCOUNT, "acct")).startswith("resource account ")
    assert declared((arm.AI_PROJECT, "proj")) == "resource project 'projects' = {"
    assert declared((arm.AI_PROJECT_CONNECTION, "conn")) == "resource conn 'connections' = {"
    assert declared((arm.AI_DEPLOYMENT, "dep")).startswith("resource dep ")
    auth_line = found[(arm.AI_PROJECT_CONNECTION, "conn")].source.property_lines[
        "properties.authType"
    ]
    assert lines[auth_line - 1].strip() == "authType: 'AAD'"


def test_serverless_endpoint_yaml_key_spellings(tmp_path: Path) -> None:
    """`auth_mode: key` in any case, or null, is key auth; `aad_token` is not taken for it."""
    for index, value in enumerate(("Key", "KEY", "null", "aad_token")):
        spec = f"name: ep{index}\nmodel_id: azureml://registries/azureml/models/Phi-4\n"
        (tmp_path / f"ep{index}.yml").write_text(f"{spec}auth_mode: {value}\n", "utf-8")
    found = _by_name(_inventory(tmp_path))
    modes = [_props(found[(arm.SERVERLESS_ENDPOINT, f"ep{i}")])["authMode"] for i in range(4)]
    assert modes[:3] == ["Key", "Key", "Key"]
    assert is_unresolved(modes[3]) and modes[3]["$unresolved"] == "auth_mode: aad_token"
