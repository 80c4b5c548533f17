"""ARM templates through the real CLI: parameters, modules, loops, unresolved values, lines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from auditor.collect.templates import read_templates
from auditor.inventory import InventoryBuilder
from tests.conftest import FIXTURES

KEYLESS = FIXTURES / "templates" / "keyless"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
ACCOUNT = "Microsoft.CognitiveServices/accounts"


def _findings(report: dict[str, Any], rule_id: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["rule_id"] == rule_id]


def _by_name(report: dict[str, Any], rule_id: str) -> dict[str, dict[str, Any]]:
    return {f["resource_name"]: f for f in _findings(report, rule_id)}


def _write(path: Path, content: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=2), encoding="utf-8")
    return path


def _template(resources: list[Any], parameters: dict[str, Any] | None = None, **extra: Any) -> Any:
    return {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": parameters or {},
        "resources": resources,
        **extra,
    }


def _account(name: Any, disable_local_auth: Any, **extra: Any) -> dict[str, Any]:
    return {
        "type": ACCOUNT,
        "apiVersion": "2023-05-01",
        "name": name,
        "location": "[resourceGroup().location]",
        "kind": "AIServices",
        "properties": {"disableLocalAuth": disable_local_auth},
        **extra,
    }


def _keyless_copy(tmp_path: Path, allow_keys: Any) -> Path:
    """The tutorial's compiled template, with the caller passing ``allow_keys`` to the module."""
    folder = tmp_path / "keyless"
    shutil.copytree(KEYLESS, folder)
    template = json.loads((folder / "deploy-entra-id.json").read_text())
    module = template["resources"][0]["properties"]
    module["parameters"]["allowKeys"]["value"] = allow_keys
    _write(folder / "deploy-entra-id.json", template)
    return folder


def test_tutorial_module_called_with_allow_keys_false_keeps_keys_on(run_cli: Any) -> None:
    """The keyless tutorial's module maps allowKeys to disableLocalAuth, so allowKeys=false fails AIS001."""
    result = run_cli(["scan", "--template", str(KEYLESS), "--format", "json"])
    assert result.code == 1
    finding = _by_name(result.report(), "AIS001")["azurei-models-dev"]
    assert finding["status"] == "fail"
    assert finding["evidence"]["properties.disableLocalAuth"] is False
    location = finding["evidence"]["template_location"]
    text = (KEYLESS / "deploy-entra-id.json").read_text().splitlines()
    assert location["path"].endswith("deploy-entra-id.json")
    assert '"disableLocalAuth"' in text[location["property_line"] - 1]
    assert location["expression"] == {"properties.disableLocalAuth": "[parameters('allowKeys')]"}
    assert '"type": "Microsoft.CognitiveServices/accounts"' in text[finding["source"]["line"] - 1]
    assert finding["resource_id"] == (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/template-rg/"
        "providers/Microsoft.CognitiveServices/accounts/azurei-models-dev"
    )


def test_caller_passing_true_flips_the_outcome(run_cli: Any, tmp_path: Path) -> None:
    """The same module called with allowKeys=true deploys a keyless account: AIS001 passes."""
    folder = _keyless_copy(tmp_path, True)
    result = run_cli(["scan", "--template", str(folder), "--format", "json", "--include-passed"])
    finding = _by_name(result.report(), "AIS001")["azurei-models-dev"]
    assert finding["status"] == "pass"
    assert result.report()["summary"]["by_rule"]["AIS001"]["fail"] == 0


def test_caller_value_from_a_parameter_without_value_is_unknown(
    run_cli: Any, tmp_path: Path
) -> None:
    """A module parameter fed by an unset caller parameter is unknown, showing both expressions."""
    folder = _keyless_copy(tmp_path, "[parameters('keysWanted')]")
    template = json.loads((folder / "deploy-entra-id.json").read_text())
    template["parameters"]["keysWanted"] = {"type": "bool"}
    _write(folder / "deploy-entra-id.json", template)
    result = run_cli(["scan", "--template", str(folder), "--format", "json", "--fail-on", "none"])
    finding = _by_name(result.report(), "AIS001")["azurei-models-dev"]
    assert finding["status"] == "unknown"
    evidence = finding["evidence"]["properties.disableLocalAuth"]
    assert "[parameters('allowKeys')]" in evidence and "keysWanted" in evidence
    assert finding["reason"].startswith("value not resolved: ")
    assert result.code == 3


def test_activity_log_rules_are_not_applicable_to_templates(run_cli: Any) -> None:
    """AIS002 needs the Activity Log, which a template cannot have: not applicable, not a failure."""
    report = run_cli(["scan", "--template", str(KEYLESS), "--format", "json"]).report()
    assert report["summary"]["by_rule"]["AIS002"]["not_applicable"] == 1
    assert report["summary"]["by_rule"]["AIS002"]["fail"] == 0


def test_unknown_function_is_unknown_naming_it(run_cli: Any, tmp_path: Path) -> None:
    """An expression using a function the evaluator does not know is unknown with the function named."""
    path = _write(tmp_path / "t.json", _template([_account("acct", "[someNewFunction('x')]")]))
    result = run_cli(["scan", "--template", str(path), "--format", "json"])
    finding = _by_name(result.report(), "AIS001")["acct"]
    assert finding["status"] == "unknown"
    assert "unknown function someNewFunction()" in finding["reason"]


def test_parameter_sources_in_order(run_cli: Any, tmp_path: Path) -> None:
    """defaultValue, then name.parameters.json beside the template, then --parameters decide a value."""
    template = _template(
        [_account("acct", "[parameters('disable')]")],
        {"disable": {"type": "bool", "defaultValue": True}},
    )
    path = _write(tmp_path / "t" / "main.json", template)
    args = ["scan", "--template", str(path), "--format", "json", "--include-passed"]
    assert _by_name(run_cli(args).report(), "AIS001")["acct"]["status"] == "pass"
    params = {"$schema": "x/deploymentParameters.json#", "contentVersion": "1.0.0.0"}
    _write(
        tmp_path / "t" / "main.parameters.json",
        {**params, "parameters": {"disable": {"value": False}}},
    )
    assert _by_name(run_cli(args).report(), "AIS001")["acct"]["status"] == "fail"
    explicit = _write(
        tmp_path / "prod.json", {**params, "parameters": {"disable": {"value": True}}}
    )
    report = run_cli([*args, "--parameters", str(explicit)]).report()
    assert _by_name(report, "AIS001")["acct"]["status"] == "pass"


def test_copy_loops_conditions_and_variable_loops(run_cli: Any, tmp_path: Path) -> None:
    """copy makes one resource per iteration, condition false drops one, variable copy builds arrays."""
    template = _template(
        [
            _account(
                "[concat('acct-', copyIndex())]",
                "[variables('flags')[copyIndex()]]",
                copy={"name": "accounts", "count": 3},
            ),
            _account("never", False, condition="[equals(parameters('env'), 'prod')]"),
            _account("only-prod", False, condition="[equals(parameters('env'), 'dev')]"),
        ],
        {"env": {"type": "string", "defaultValue": "dev"}},
        variables={
            "copy": [{"name": "flags", "count": 3, "input": "[equals(copyIndex('flags'), 1)]"}]
        },
    )
    path = _write(tmp_path / "loops.json", template)
    report = run_cli(
        ["scan", "--template", str(path), "--format", "json", "--include-passed"]
    ).report()
    statuses = {name: f["status"] for name, f in _by_name(report, "AIS001").items()}
    assert statuses == {"acct-0": "fail", "acct-1": "pass", "acct-2": "fail", "only-prod": "fail"}


def test_linked_template_by_relative_path(run_cli: Any, tmp_path: Path) -> None:
    """A templateLink.relativePath module is read with the caller's parameters, at its own file and line."""
    module = _template(
        [_account("[parameters('name')]", "[not(parameters('keys'))]")],
        {"name": {"type": "string"}, "keys": {"type": "bool", "defaultValue": True}},
    )
    _write(tmp_path / "infra" / "modules" / "account.json", module)
    deployment = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "account",
        "properties": {
            "mode": "Incremental",
            "templateLink": {"relativePath": "modules/account.json"},
            "parameters": {"name": {"value": "linked-acct"}, "keys": {"value": False}},
        },
    }
    _write(tmp_path / "infra" / "main.json", _template([deployment]))
    result = run_cli(
        ["scan", "--template", str(tmp_path / "infra"), "--format", "json", "--include-passed"]
    )
    finding = _by_name(result.report(), "AIS001")["linked-acct"]
    assert finding["status"] == "pass"
    assert finding["source"]["path"].endswith("account.json")
    sources = result.report()["scan"]["sources"][0]
    assert sources["kinds"] == {"arm": 1, "module": 1}


def test_fingerprint_does_not_depend_on_lines(run_cli: Any, tmp_path: Path) -> None:
    """Moving a resource down the file changes its line but not its finding's fingerprint."""
    first = run_cli(["scan", "--template", str(KEYLESS), "--format", "json"]).report()
    folder = tmp_path / "moved"
    shutil.copytree(KEYLESS, folder)
    main = folder / "deploy-entra-id.json"
    main.write_text("\n\n\n\n" + main.read_text())
    second = run_cli(["scan", "--template", str(folder), "--format", "json"]).report()
    before, after = (
        _by_name(first, "AIS001")["azurei-models-dev"],
        _by_name(second, "AIS001")["azurei-models-dev"],
    )
    assert after["source"]["line"] == before["source"]["line"] + 4
    assert after["fingerprint"] == before["fingerprint"]


def test_template_context_sets_the_mock_target(run_cli: Any) -> None:
    """--template-context moves synthetic ids and resourceGroup() to the given subscription and group."""
    sub = "bbbbbbbb-0000-4000-8000-000000000002"
    result = run_cli(
        [
            "scan",
            "--template",
            str(KEYLESS),
            "--format",
            "json",
            "--template-context",
            f"subscription_id={sub}",
            "--template-context",
            "resource_group=rg-prod",
        ]
    )
    finding = _by_name(result.report(), "AIS001")["azurei-models-dev"]
    assert finding["resource_id"].startswith(f"/subscriptions/{sub}/resourceGroups/rg-prod/")
    bad = run_cli(["scan", "--template", str(KEYLESS), "--template-context", "region=x"])
    assert bad.code == 2 and "unknown --template-context key" in bad.err


def test_invalid_json_names_file_line_and_column(run_cli: Any, tmp_path: Path) -> None:
    """A template that is not valid JSON stops the scan with exit 2 and file:line:column."""
    path = tmp_path / "broken.json"
    path.write_text('{\n  "$schema": "x",\n  "resources": [,]\n}\n')
    result = run_cli(["scan", "--template", str(path)])
    assert result.code == 2
    assert f"{path}:3:17: invalid JSON" in result.err
    assert not (result.output_dir / "auditor.json").exists()


def test_templates_and_snapshots_scan_together(run_cli: Any) -> None:
    """--template and --snapshot in one scan: both sources are listed and both are judged."""
    snapshot = FIXTURES / "rules" / "AIS001"
    result = run_cli(
        ["scan", "--template", str(KEYLESS), "--snapshot", str(snapshot), "--format", "json"]
    )
    report = result.report()
    assert {s["kind"] for s in report["scan"]["sources"]} == {"snapshot", "template"}
    kinds = {f["resource_name"]: f["source"]["kind"] for f in _findings(report, "AIS001")}
    assert kinds["azurei-models-dev"] == "template" and kinds["explicit-false"] == "snapshot"


def test_parameters_without_template_is_an_input_error(run_cli: Any, tmp_path: Path) -> None:
    """--parameters alone is a usage error, not silently ignored."""
    result = run_cli(["scan", "--demo", "--parameters", str(tmp_path / "p.json")])
    assert result.code == 2 and "--parameters needs --template" in result.err


def test_sarif_points_at_the_template_property(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In SARIF a template finding's region is the deciding property's line in the template file."""
    shutil.copytree(KEYLESS, tmp_path / "keyless")
    monkeypatch.chdir(tmp_path)
    run = run_cli(["scan", "--template", "keyless", "--format", "sarif,json"])
    sarif = json.loads((run.output_dir / "auditor.sarif").read_text())
    finding = _by_name(run.report(), "AIS001")["azurei-models-dev"]
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "AIS001"]
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "keyless/deploy-entra-id.json"
    assert (
        physical["region"]["startLine"]
        == (finding["evidence"]["template_location"]["property_line"])
    )


def test_nested_deployment_in_outer_scope_reads_the_callers_parameters(
    run_cli: Any, tmp_path: Path
) -> None:
    """A nested template without scope inner evaluates its expressions with the caller's values."""
    nested = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "nested",
        "properties": {
            "mode": "Incremental",
            "template": _template([_account("outer-acct", "[not(parameters('keys'))]")]),
        },
    }
    template = _template([nested], {"keys": {"type": "bool", "defaultValue": True}})
    path = _write(tmp_path / "outer.json", template)
    report = run_cli(["scan", "--template", str(path), "--format", "json"]).report()
    assert _by_name(report, "AIS001")["outer-acct"]["status"] == "fail"


def test_symbolic_names_existing_and_subscription_scope(run_cli: Any, tmp_path: Path) -> None:
    """languageVersion 2.0 resources (an object) are read, `existing` ones skipped; a
    subscription-scope Owner assignment reaches the template's accounts (IAM001 high)."""
    account_template = {
        "$schema": SCHEMA,
        "languageVersion": "2.0",
        "contentVersion": "1.0.0.0",
        "resources": {
            "account": _account("sym-acct", True),
            "legacy": {**_account("already-there", False), "existing": True},
        },
    }
    _write(tmp_path / "t" / "accounts.json", account_template)
    owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    rbac = {
        "$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": "Microsoft.Authorization/roleAssignments",
                "apiVersion": "2022-04-01",
                "name": "[guid(subscription().id, 'ops')]",
                "properties": {
                    "roleDefinitionId": f"[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '{owner}')]",
                    "principalId": "44444444-5555-4666-8777-888888888888",
                    "principalType": "Group",
                },
            }
        ],
    }
    _write(tmp_path / "t" / "rbac.json", rbac)
    report = run_cli(
        ["scan", "--template", str(tmp_path / "t"), "--format", "json", "--include-passed"]
    ).report()
    assert set(_by_name(report, "AIS001")) == {"sym-acct"}
    (assignment,) = _findings(report, "IAM001")
    assert assignment["status"] == "fail" and assignment["severity"] == "high"
    assert assignment["evidence"]["scope"] == "/subscriptions/00000000-0000-0000-0000-000000000000"


def test_property_copy_loops_build_arrays(run_cli: Any, tmp_path: Path) -> None:
    """A copy loop inside properties builds the array it names, each item evaluated."""
    account = _account("acl-acct", True)
    account["properties"]["networkAcls"] = {"defaultAction": "Deny"}
    account["properties"]["copy"] = [
        {
            "name": "allowedFqdnList",
            "count": "[length(parameters('hosts'))]",
            "input": "[concat(parameters('hosts')[copyIndex('allowedFqdnList')], '.example.com')]",
        }
    ]
    template = _template([account], {"hosts": {"type": "array", "defaultValue": ["api", "files"]}})
    path = _write(tmp_path / "acl.json", template)
    builder = InventoryBuilder()
    read_templates([path], builder)
    (resource,) = builder.build().resources.values()
    assert resource.data["properties"]["allowedFqdnList"] == [
        "api.example.com",
        "files.example.com",
    ]
    assert "copy" not in resource.data["properties"]


def test_same_id_from_two_templates_is_reported_not_dropped(run_cli: Any, tmp_path: Path) -> None:
    """Two files defining one resource id: the first is judged and the clash is an error (exit 3)."""
    _write(tmp_path / "t" / "a.json", _template([_account("same", True)]))
    _write(tmp_path / "t" / "b.json", _template([_account("same", False)]))
    result = run_cli(
        [
            "scan",
            "--template",
            str(tmp_path / "t"),
            "--template",
            str(tmp_path / "t" / "a.json"),
            "--format",
            "json",
            "--fail-on",
            "none",
            "--include-passed",
        ]
    )
    report = result.report()
    judged = _by_name(report, "AIS001")["same"]
    assert judged["status"] == "pass" and judged["source"]["path"].endswith("a.json")
    (error,) = report["errors"]
    assert "b.json" in error["message"] and "a.json" in error["message"]
    assert result.code == 3


def test_comments_in_templates_are_accepted(run_cli: Any, tmp_path: Path) -> None:
    """// and /* */ comments, which Azure's tooling allows in templates, keep lines intact."""
    text = json.dumps(_template([_account("commented", False)]), indent=2)
    text = text.replace('"resources": [', '// the account\n  "resources": [ /* one */', 1)
    path = tmp_path / "commented.json"
    path.write_text(text)
    finding = _by_name(
        run_cli(["scan", "--template", str(path), "--format", "json"]).report(), "AIS001"
    )["commented"]
    lines = text.splitlines()
    assert (
        '"disableLocalAuth"' in lines[finding["evidence"]["template_location"]["property_line"] - 1]
    )
