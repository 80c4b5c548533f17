"""Each non-ARM input kind: Bicep, Azure ML YAML, v1 deploy configs, Terraform plans."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from auditor.collect.templates import mlyaml
from auditor.collect.templates.expressions import DeploymentContext
from auditor.collect.templates.source import parse
from tests.conftest import FIXTURES

TEMPLATES = FIXTURES / "templates"
MIXED = TEMPLATES / "mixed"
BICEP = TEMPLATES / "keyless-bicep"
PLAN = MIXED / "terraform" / "plan.json"


def _by_name(report: dict[str, Any], rule_id: str) -> dict[str, dict[str, Any]]:
    return {f["resource_name"]: f for f in report["findings"] if f["rule_id"] == rule_id}


def _scan(run_cli: Any, *paths: Path, extra: tuple[str, ...] = ()) -> Any:
    args = ["scan", "--format", "json", "--include-passed", *extra]
    for path in paths:
        args += ["--template", str(path)]
    return run_cli(args)


# ---------------------------------------------------------------------------- Bicep


def _fake_bicep(folder: Path, compiled: Path) -> Path:
    """A stand-in for the external bicep CLI: answers `bicep build --stdout FILE` with JSON."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "bicep"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = build ] && [ "$2" = --stdout ] && [ -f "$3" ]; then\n'
        f"  cat '{compiled}'\n"
        "else\n"
        '  echo "unexpected arguments: $*" >&2; exit 1\n'
        "fi\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return folder


def test_bicep_without_the_cli_says_to_compile_first(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without bicep on the PATH a .bicep file is exit 2 telling the user to run az bicep build."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = _scan(run_cli, BICEP / "deploy-entra-id.bicep")
    assert result.code == 2
    assert "bicep CLI is not on the PATH" in result.err and "az bicep build" in result.err


def test_bicep_compiled_by_the_cli_points_at_bicep_lines(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With bicep on the PATH the module's account fails AIS001 at its line in the module file."""
    bin_dir = _fake_bicep(tmp_path / "bin", TEMPLATES / "keyless" / "deploy-entra-id.json")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    result = _scan(run_cli, BICEP)
    finding = _by_name(result.report(), "AIS001")["azurei-models-dev"]
    assert finding["status"] == "fail"
    module = BICEP / "modules" / "ai-services-template.bicep"
    assert Path(finding["source"]["path"]) == module
    lines = module.read_text().splitlines()
    assert lines[finding["source"]["line"] - 1].startswith("resource account ")
    location = finding["evidence"]["template_location"]
    assert lines[location["property_line"] - 1].strip() == "disableLocalAuth: allowKeys"
    (source,) = result.report()["scan"]["sources"]
    assert source["kinds"] == {"bicep": 1, "module": 2}


def test_bicep_caller_passing_true_passes(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compiled with the caller passing allowKeys: true, the Bicep module's account passes AIS001."""
    folder = tmp_path / "bicep"
    shutil.copytree(BICEP, folder)
    main = folder / "deploy-entra-id.bicep"
    main.write_text(main.read_text().replace("allowKeys: false", "allowKeys: true"))
    compiled = json.loads((TEMPLATES / "keyless" / "deploy-entra-id.json").read_text())
    compiled["resources"][0]["properties"]["parameters"]["allowKeys"]["value"] = True
    (tmp_path / "compiled.json").write_text(json.dumps(compiled))
    bin_dir = _fake_bicep(tmp_path / "bin", tmp_path / "compiled.json")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    report = _scan(run_cli, folder).report()
    assert _by_name(report, "AIS001")["azurei-models-dev"]["status"] == "pass"


def test_bicep_build_failure_is_an_input_error(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bicep build that fails stops the scan with its message, exit 2."""
    bin_dir = _fake_bicep(tmp_path / "bin", tmp_path / "missing.json")
    (bin_dir / "bicep").write_text("#!/bin/sh\necho 'main.bicep(3,1) : Error BCP007' >&2\nexit 1\n")
    monkeypatch.setenv("PATH", str(bin_dir))
    result = _scan(run_cli, BICEP / "deploy-entra-id.bicep")
    assert result.code == 2 and "Error BCP007" in result.err


# ---------------------------------------------------------------------------- Azure ML YAML


@pytest.mark.parametrize(
    ("auth_mode", "expected"),
    [("key", "Key"), ("aml_token", "AMLToken"), ("aad_token", "AADToken")],
)
def test_endpoint_auth_modes_map_to_arm_values(
    tmp_path: Path, auth_mode: str, expected: str
) -> None:
    """auth_mode key/aml_token/aad_token becomes authMode Key/AMLToken/AADToken."""
    path = tmp_path / "ep.yml"
    path.write_text(
        f"name: ep\nauth_mode: {auth_mode}\npublic_network_access: disabled\n"
        "identity:\n  type: user_assigned\n  user_assigned_identities:\n"
        "    - resource_id: /subscriptions/s/resourceGroups/r/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/id1\n"
    )
    record, lines = mlyaml.endpoint_record(parse(path), DeploymentContext(), use_sdk=False)
    assert record["properties"]["authMode"] == expected
    assert record["properties"]["publicNetworkAccess"] == "Disabled"
    assert record["identity"]["type"] == "UserAssigned"
    assert lines["properties.authMode"] == 2


def test_endpoint_without_auth_mode_uses_the_cli_default_key(run_cli: Any, tmp_path: Path) -> None:
    """An endpoint spec without auth_mode deploys with key auth (az ml's default): AML001 fails."""
    path = tmp_path / "ep.yml"
    path.write_text(
        "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: bare\n"
    )
    finding = _by_name(_scan(run_cli, path).report(), "AML001")["bare"]
    assert finding["status"] == "fail"


def test_deployment_secret_is_named_with_its_line(run_cli: Any) -> None:
    """A literal secret in environment_variables fails AML007 at the variable's line; a reference passes."""
    report = _scan(run_cli, MIXED / "online").report()
    findings = _by_name(report, "AML007")
    assert findings["blue"]["status"] == "fail" and findings["green"]["status"] == "pass"
    assert findings["blue"]["evidence"]["template_location"]["property_line"] == 10
    assert "literal-password-value" not in json.dumps(report)
    assert findings["blue"]["resource_id"].endswith(
        "/workspaces/template-workspace/onlineEndpoints/yaml-endpoint/deployments/blue"
    )


def test_sdk_and_direct_reading_agree() -> None:
    """With azure-ai-ml installed, its loaders and the direct YAML reading give the same ARM JSON."""
    pytest.importorskip("azure.ai.ml")
    context = DeploymentContext()
    for name, build in (
        ("endpoint.yml", mlyaml.endpoint_record),
        ("endpoint-entra.yml", mlyaml.endpoint_record),
        ("blue-deployment.yml", mlyaml.deployment_record),
        ("green-deployment.yml", mlyaml.deployment_record),
    ):
        document = parse(MIXED / "online" / name)
        assert build(document, context, True) == build(document, context, False), name


def test_sdk_rejects_what_az_ml_rejects(run_cli: Any, tmp_path: Path) -> None:
    """With azure-ai-ml installed, a spec az ml would reject is exit 2 with the SDK's message."""
    pytest.importorskip("azure.ai.ml")
    path = tmp_path / "ep.yml"
    path.write_text(
        "$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json\nname: x\nauth_mode: foo\n"
    )
    result = _scan(run_cli, path)
    assert result.code == 2 and "azure-ai-ml rejects the spec" in result.err


def test_invalid_yaml_names_file_line_and_column(run_cli: Any, tmp_path: Path) -> None:
    """A YAML spec that does not parse is exit 2 with file:line:column."""
    path = tmp_path / "broken.yml"
    path.write_text("name: x\nauth_mode: [key\n")
    result = _scan(run_cli, path)
    assert result.code == 2
    assert f"{path}:3:1: invalid YAML" in result.err


# ---------------------------------------------------------------------------- v1 deploy configs


@pytest.mark.parametrize(
    ("config", "aml005", "aml006"),
    [
        ({"computeType": "aks"}, "pass", "pass"),  # AKS: key auth on by default
        ({"computeType": "aks", "tokenAuthEnabled": True}, "pass", "fail"),
        ({"computeType": "ACI", "authEnabled": True}, "pass", "not_applicable"),
        ({"computeType": "aci"}, "fail", "not_applicable"),  # ACI: key auth off by default
    ],
)
def test_deploy_config_defaults(
    run_cli: Any, tmp_path: Path, config: dict[str, Any], aml005: str, aml006: str
) -> None:
    """v1 deploy configs get the documented defaults: AKS key auth on, ACI key auth off."""
    path = tmp_path / "deployconfig.json"
    path.write_text(json.dumps(config))
    report = _scan(run_cli, path).report()
    assert report["summary"]["by_rule"]["AML005"][aml005] == 1
    assert report["summary"]["by_rule"]["AML006"][aml006] == 1


# ---------------------------------------------------------------------------- Terraform


def _plan_with(tmp_path: Path, change: dict[str, Any]) -> Path:
    plan = json.loads(PLAN.read_text())
    plan["resource_changes"].append(change)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, indent=1))
    return path


def test_terraform_compute_links_to_its_planned_workspace(run_cli: Any) -> None:
    """A compute whose workspace id is known only after apply still finds the planned workspace."""
    report = _scan(run_cli, PLAN).report()
    aks = _by_name(report, "AML003")["tf-aks"]
    assert aks["status"] == "fail"
    assert aks["resource_id"].endswith(
        "/resourceGroups/rg-tf/providers/Microsoft.MachineLearningServices/workspaces/tf-ws/computes/tf-aks"
    )
    assert aks["evidence"]["workspace.location"] == "eastus"


def test_terraform_unknown_scope_and_deletions(run_cli: Any, tmp_path: Path) -> None:
    """A role assignment scope known only after apply is unknown; a planned deletion is not judged."""
    path = _plan_with(
        tmp_path,
        {
            "address": "azurerm_role_assignment.later",
            "mode": "managed",
            "type": "azurerm_role_assignment",
            "name": "later",
            "change": {
                "actions": ["create"],
                "before": None,
                "after": {"role_definition_name": "Owner", "principal_id": "p"},
                "after_unknown": {"scope": True, "name": True},
            },
        },
    )
    plan = json.loads(path.read_text())
    plan["resource_changes"][0]["change"]["actions"] = ["delete"]
    path.write_text(json.dumps(plan))
    report = _scan(run_cli, path).report()
    statuses = [f["status"] for f in report["findings"] if f["rule_id"] == "IAM001"]
    assert sorted(statuses) == ["fail", "unknown"]
    assert "tf-ai-keys" not in _by_name(report, "AIS001")


def test_terraform_existing_resource_keeps_its_real_id(run_cli: Any, tmp_path: Path) -> None:
    """An update to an existing resource is judged under its real ARM id, as a live scan would."""
    real_id = "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001/resourceGroups/prod/providers/Microsoft.CognitiveServices/accounts/prod-ai"
    path = _plan_with(
        tmp_path,
        {
            "address": "azurerm_cognitive_account.prod",
            "mode": "managed",
            "type": "azurerm_cognitive_account",
            "name": "prod",
            "change": {
                "actions": ["update"],
                "before": {},
                "after": {
                    "id": real_id,
                    "name": "prod-ai",
                    "location": "eastus",
                    "kind": "OpenAI",
                    "local_auth_enabled": False,
                },
                "after_unknown": {},
            },
        },
    )
    finding = _by_name(_scan(run_cli, path).report(), "AIS001")["prod-ai"]
    assert finding["resource_id"] == real_id and finding["status"] == "pass"


def test_unrecognised_file_named_alone_is_an_input_error(run_cli: Any, tmp_path: Path) -> None:
    """A --template file that is no known kind is exit 2, not silently skipped."""
    path = tmp_path / "package.json"
    path.write_text('{"name": "web", "version": "1.0.0"}')
    result = _scan(run_cli, path)
    assert result.code == 2 and "not a recognised template" in result.err


def test_terraform_planned_values_and_child_modules(run_cli: Any, tmp_path: Path) -> None:
    """Without resource_changes, planned_values (child modules included) are read, with lines."""
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "child_modules": [
                    {
                        "address": "module.ai",
                        "resources": [
                            {
                                "address": "module.ai.azurerm_cognitive_account.this",
                                "mode": "managed",
                                "type": "azurerm_cognitive_account",
                                "name": "this",
                                "values": {
                                    "name": "mod-ai",
                                    "location": "eastus",
                                    "resource_group_name": "rg-mod",
                                    "kind": "AIServices",
                                    "local_auth_enabled": True,
                                },
                            }
                        ],
                    }
                ]
            }
        },
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, indent=2))
    finding = _by_name(_scan(run_cli, path).report(), "AIS001")["mod-ai"]
    assert finding["status"] == "fail"
    assert "/resourceGroups/rg-mod/" in finding["resource_id"]
    lines = path.read_text().splitlines()
    assert (
        '"address": "module.ai.azurerm_cognitive_account.this"'
        in lines[finding["source"]["line"] - 1]
    )
    assert (
        '"local_auth_enabled"'
        in lines[finding["evidence"]["template_location"]["property_line"] - 1]
    )


def test_other_azure_ml_specs_are_not_online_endpoints(run_cli: Any, tmp_path: Path) -> None:
    """A batch endpoint spec (which also has auth_mode) is not read as an online endpoint."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "batch.yml").write_text(
        "$schema: https://azuremlschemas.azureedge.net/latest/batchEndpoint.schema.json\n"
        "name: batch\nauth_mode: aad_token\n"
    )
    (tmp_path / "specs" / "online.yml").write_text("name: bare-online\nauth_mode: key\n")
    report = _scan(run_cli, tmp_path / "specs").report()
    assert set(_by_name(report, "AML001")) == {"bare-online"}
    assert report["scan"]["sources"][0]["kinds"] == {"ml-endpoint": 1}
