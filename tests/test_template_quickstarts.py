"""Template constructs from Azure's own quickstarts: multi-line strings, ``range()``, defaults
known only at deployment, Bicep beside its compiled JSON, Terraform plans without changes."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from auditor.collect.templates.source import parse_json
from auditor.errors import InputError
from tests.conftest import FIXTURES
from tests.test_report import validate
from tests.test_template_arm import _account as keyless_account

QUICKSTARTS = FIXTURES / "templates" / "quickstarts"
ACI = QUICKSTARTS / "machine-learning-service-create-aci"
AKS = QUICKSTARTS / "machine-learning-service-create-aks"
END_TO_END = "machine-learning-end-to-end-secure"
END_TO_END_V1 = "machine-learning-end-to-end-secure-v1-legacy-mode"
BICEP_COMPILED = FIXTURES / "templates" / "bicep-compiled"
PLAN = FIXTURES / "templates" / "mixed" / "terraform" / "plan.json"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def _scan(run_cli: Any, *paths: Path | str) -> Any:
    args = ["scan", "--format", "json"]
    for path in paths:
        args += [path] if isinstance(path, str) else ["--template", str(path)]
    result = run_cli(args)
    assert result.code in (0, 1, 3), result.err
    return result


def _statuses(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(rule, resource type) -> status, for the results that are not not_applicable."""
    return {
        (f["rule_id"], f["resource_type"]): f["status"]
        for f in report["findings"]
        if f["status"] != "not_applicable"
    }


def _unknown_reasons(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(rule, resource name) -> reason, for each unknown result."""
    return {
        (f["rule_id"], f["resource_name"]): f["reason"]
        for f in report["findings"]
        if f["status"] == "unknown"
    }


def _principal_reason(assignment: str) -> str:
    """IAM001's reason for a quickstart's assignment to an identity the template creates."""
    return (
        f"value not resolved: role assignment {assignment}: properties.principalId = "
        "<unresolved: [reference(variables('identityName')).principalId] (reference() is only "
        "known at deployment time)>"
    )


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------- the quickstart templates


def test_aci_quickstart_with_its_prereqs_scans(run_cli: Any) -> None:
    """The ACI web service quickstart and its prereq template (multi-line strings) are judged."""
    report = _scan(run_cli, ACI).report()
    assert report["scan"]["sources"][0]["kinds"] == {"arm": 2}
    statuses = _statuses(report)
    services = "Microsoft.MachineLearningServices/workspaces/services"
    assert statuses[("AML023", services)] == "fail"  # no sslEnabled: plain HTTP
    # Without a parameters file, authEnabled is unknown, never a pass.
    assert statuses[("AML005", services)] == "unknown"
    assert statuses[("IAM001", "Microsoft.Authorization/roleAssignments")] == "unknown"
    no_value = "(template: no parameters file value, no defaultValue)"
    auth = (
        "value not resolved: properties.authEnabled = <unresolved: [parameters('authEnabled')] "
        "(depends on [parameters('authEnabled')] (parameter authEnabled has no value "
        f"{no_value}))>; properties.aadAuthEnabled = <unresolved: "
        "[parameters('tokenAuthEnabled')] (depends on [parameters('tokenAuthEnabled')] "
        f"(parameter tokenAuthEnabled has no value {no_value}))>"
    )
    service = "{concat(parameters('workspaceName'), '_', parameters('webserviceName'))}"
    assignment = "9207fb67-3709-5f8a-ba62-4c19d76280e7"
    assert _unknown_reasons(report) == {
        ("AML004", service): auth,
        ("AML005", service): auth,
        ("IAM001", assignment): _principal_reason(assignment),
    }
    messages = [e["message"] for e in report["errors"]]
    assert not any("invalid JSON" in m for m in messages)
    assert any("machine-learning-workspace/0.9/azuredeploy.json' not read" in m for m in messages)


def test_aks_quickstart_with_its_prereqs_scans(run_cli: Any) -> None:
    """The AKS web service quickstart, its parameters file and both prereq templates are judged."""
    report = _scan(run_cli, AKS).report()
    assert report["scan"]["sources"][0]["kinds"] == {"arm": 3, "arm-parameters": 1}
    by_rule = {(f["rule_id"], f["resource_name"]): f for f in report["findings"]}
    assert by_rule[("AML022", "GEN-UNIQUE-8")]["status"] == "fail"  # authEnabled: true
    statuses = _statuses(report)
    assert statuses[("AML003", "Microsoft.MachineLearningServices/workspaces/computes")] == (
        "unknown"  # its location comes from the caller, which passes it only at deployment
    )
    compute = "{concat(parameters('workspaceName'), '_', parameters('computeName'))}"
    assignment = "fbe621ec-ad83-5fab-b1d4-b2ff2c151794"
    assert _unknown_reasons(report) == {
        ("AML003", compute): (
            "value not resolved: location = <unresolved: [parameters('location')] (depends on "
            "[parameters('location')] (parameter location has no value (template: no "
            "parameters file value, no defaultValue)))>"
        ),
        ("IAM001", assignment): _principal_reason(assignment),
    }
    messages = [e["message"] for e in report["errors"]]
    assert any(
        "at a uri known only at deployment ([variables('computeCreationTemplateUri')])" in m
        for m in messages
    )


def _dependency_reason(prefix: str, reference_arguments: str) -> str:
    """AML031-AML033's reason for a workspace whose dependency id is a nested deployment's
    output (``st``, ``cr``, ``kv``: the module's name prefix)."""
    field, parameter, output = {
        "st": ("storageAccount", "storageAccountId", "storageId"),
        "cr": ("containerRegistry", "containerRegistryId", "containerRegistryId"),
        "kv": ("keyVault", "keyVaultId", "keyvaultId"),
    }[prefix]
    name = "kv-{0}-{1}" if prefix == "kv" else f"{prefix}{{0}}{{1}}"
    deployment = (
        f"resourceId('Microsoft.Resources/deployments', format('{name}-deployment', "
        "variables('name'), variables('uniqueSuffix')))"
    )
    return (
        f"value not resolved: properties.{field} = <unresolved: [parameters('{parameter}')] "
        f"(depends on [reference({deployment}{reference_arguments}).outputs.{output}.value] "
        "(reference() is only known at deployment time))>"
    )


def _subnet_reason(reference_arguments: str) -> str:
    """AML013's reason for a compute whose subnet is a nested deployment's output."""
    deployment = (
        "resourceId('Microsoft.Resources/deployments', format('vnet-{0}-{1}-deployment', "
        "variables('name'), variables('uniqueSuffix')))"
    )
    expression = (
        f"[format('{{0}}/subnets/snet-training', reference({deployment}{reference_arguments})"
        ".outputs.id.value)]"
    )
    # Two module levels each pass the subnet on as their parameter computeSubnetId.
    return (
        "value not resolved: properties.properties.subnet.id = <unresolved: "
        "[parameters('computeSubnetId')] (depends on [parameters('computeSubnetId')] "
        f"(depends on {expression} (reference() is only known at deployment time)))>"
    )


@pytest.mark.parametrize(
    ("folder", "reference_arguments"), [(END_TO_END, ", '2022-09-01'"), (END_TO_END_V1, "")]
)
def test_end_to_end_secure_quickstarts_give_the_exact_findings(
    run_cli: Any, folder: str, reference_arguments: str
) -> None:
    """Both end-to-end secure quickstarts: AML013 is unknown for the computes whose subnet
    comes from reference(), naming the field and its expression, and every other result is
    exactly what the template says."""
    result = _scan(run_cli, QUICKSTARTS / folder, "--include-passed")
    report = result.report()
    assert report["scan"]["sources"][0]["kinds"] == {"arm": 1, "arm-parameters": 1}
    assert report["errors"] == []
    workspace, cluster, instance = "mlw-gen-unique-6-lpyp", "cluster001", "gen-unique-6-ci001"
    findings = {
        (f["rule_id"], f["resource_name"], f["status"], f.get("reason"))
        for f in report["findings"]
        if f["status"] != "not_applicable"
    }
    subnet = _subnet_reason(reference_arguments)
    assert findings == {
        ("AML003", "aks-gen-unique-6-lpyp", "pass", None),
        ("AML008", workspace, "pass", None),
        ("AML010", workspace, "fail", None),  # no managedNetwork: Disabled
        ("AML011", workspace, "fail", None),
        ("AML012", cluster, "pass", None),
        ("AML012", instance, "pass", None),
        ("AML013", cluster, "unknown", subnet),
        ("AML013", instance, "unknown", subnet),
        ("AML015", instance, "fail", None),
        ("AML024", instance, "pass", None),
        ("AML025", cluster, "fail", None),  # amlComputePublicIp defaults to true
        ("AML025", instance, "fail", None),
        ("AML028", workspace, "fail", None),  # the quickstart deploys no diagnostic setting
        # The dependencies are nested deployments' outputs; the auth mode is not set.
        *(
            (rule, workspace, "unknown", _dependency_reason(prefix, reference_arguments))
            for rule, prefix in (("AML031", "st"), ("AML032", "cr"), ("AML033", "kv"))
        ),
        ("AML035", workspace, "unknown", "field(s) missing: properties.systemDatastoresAuthMode"),
    }
    unknown = [
        f for f in report["findings"] if f["status"] == "unknown" and f["rule_id"] == "AML013"
    ]
    assert len(unknown) == 2
    assert all(f["evidence"]["properties.properties.subnet.id"] in subnet for f in unknown)
    validate(report)


def test_multi_line_strings_keep_their_line_breaks() -> None:
    """A prereq's multi-line scriptContent reads with its line breaks, lines after it stay right."""
    path = AKS / "prereqs" / "prereq.azuredeploy.json"
    text = path.read_text(encoding="utf-8")
    document = parse_json(path, text)
    script = document.value["resources"][4]
    opened, closed = (
        document.line_of(("resources", 4, "properties", k)) for k in ("scriptContent", "timeout")
    )
    assert opened is not None and closed is not None
    assert script["properties"]["scriptContent"].count("\n") == closed - opened - 1 == 17
    assert script["properties"]["arguments"].startswith("[format(' -destStorageAccountName")
    lines = text.splitlines()
    for key_path in [("resources", 4, "properties", "timeout"), ("outputs", "computeName")]:
        line = document.line_of(key_path)
        assert line is not None
        assert f'"{key_path[-1]}"' in lines[line - 1]


# ------------------------------------------------------------------- multi-line strings


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_line_breaks_in_strings_are_kept_as_written(tmp_path: Path, newline: str) -> None:
    """A raw line break in a string is part of the value (CR LF too), as ARM reads it."""
    text = newline.join(['{"a": "one', "two", '", "b": "[concat(', "'x', 'y')]\"}"]) + newline
    document = parse_json(tmp_path / "t.json", text)
    assert document.value == {
        "a": f"one{newline}two{newline}",
        "b": "[concat(\n'x', 'y')]".replace("\n", newline),
    }
    assert document.line_of(("b",)) == 3


def test_error_after_a_multi_line_string_names_its_own_line(tmp_path: Path) -> None:
    """A syntax error after a multi-line string points at the line and column as written."""
    text = '{\n  "a": "one\n  two\n  three",\n  "b": 1\n  "c": 2\n}\n'
    with pytest.raises(InputError, match=r"t\.json:6:3: invalid JSON: Expecting ','"):
        parse_json(tmp_path / "t.json", text)


def test_an_unclosed_string_is_still_refused(tmp_path: Path) -> None:
    """A string never closed is invalid JSON (exit 2), not a value swallowing the file."""
    with pytest.raises(InputError, match=r"t\.json:\d+:\d+: invalid JSON"):
        parse_json(tmp_path / "t.json", '{\n  "a": "open\n  }\n')


def test_a_backslash_before_a_line_break_is_refused(tmp_path: Path) -> None:
    """A backslash then a raw line break is no JSON escape: refused at its line, not rewritten."""
    with pytest.raises(InputError, match=r"t\.json:2:\d+: invalid JSON"):
        parse_json(tmp_path / "t.json", '{\n  "a": "x\\\ny"\n}\n')


def test_snapshots_stay_strict_about_line_breaks(tmp_path: Path, run_cli: Any) -> None:
    """A snapshot file with a raw line break in a string is exit 2: only templates allow it."""
    folder = tmp_path / "snap"
    _write(folder / "accounts.json", '[{"id": "/subscriptions/x", "name": "a\nb"}]\n')
    result = run_cli(["scan", "--snapshot", str(folder), "--format", "json"])
    assert result.code == 2
    assert "accounts.json:1:" in result.err and "invalid JSON" in result.err


# ------------------------------------------------------------ range() and utcNow()


def _template(resources: list[Any], **sections: Any) -> str:
    body = {"$schema": SCHEMA, "contentVersion": "1.0.0.0", **sections, "resources": resources}
    return json.dumps(body, indent=2)


def _account(name: str, **extra: Any) -> dict[str, Any]:
    return keyless_account(name, True, **extra)


def test_range_in_copy_counts_is_evaluated(tmp_path: Path, run_cli: Any) -> None:
    """``length(range(0, 3))`` and a count built from a range-built array both evaluate."""
    resources = [
        _account(
            "[concat('a', copyIndex())]", copy={"name": "a", "count": "[length(range(0, 3))]"}
        ),
        _account(
            "[concat('b', variables('ids')[copyIndex()])]",
            copy={"name": "b", "count": "[length(variables('ids'))]"},
        ),
    ]
    path = _write(tmp_path / "t.json", _template(resources, variables={"ids": "[range(5, 2)]"}))
    report = _scan(run_cli, path).report()
    assert report["errors"] == []
    names = {f["resource_name"] for f in report["findings"] if f["rule_id"] == "AIS005"}
    assert names == {"a0", "a1", "a2", "b5", "b6"}


@pytest.mark.parametrize(
    ("count", "words"),
    [("[range(0, 10001)]", "count 10001"), ("[range(2147483647, 1)]", "passes 2,147,483,647")],
)
def test_range_past_arm_bounds_is_bad_input(
    tmp_path: Path, run_cli: Any, count: str, words: str
) -> None:
    """A range() ARM refuses (count over 10,000, end past 2^31-1) is exit 2 naming the file."""
    path = _write(tmp_path / "t.json", _template([_account("a")], variables={"r": count}))
    path.write_text(
        path.read_text().replace('"a"', "\"[concat('a', length(variables('r')))]\""),
        encoding="utf-8",
    )
    result = run_cli(["scan", "--template", str(path), "--format", "json"])
    assert result.code == 2
    assert str(path) in result.err and words in result.err


def test_utcnow_default_is_known_only_at_deployment(tmp_path: Path, run_cli: Any) -> None:
    """A parameter defaulting to utcNow(), and one built on it, are unresolved, not undeclared."""
    parameters = {
        "stamp": {"type": "string", "defaultValue": "[utcNow()]"},
        "suffix": {"type": "string", "defaultValue": "[uniqueString(parameters('stamp'))]"},
    }
    account = _account("a")
    account["properties"]["disableLocalAuth"] = "[empty(parameters('suffix'))]"
    path = _write(tmp_path / "t.json", _template([account], parameters=parameters))
    report = _scan(run_cli, path).report()
    finding = next(f for f in report["findings"] if f["rule_id"] == "AIS001")
    assert finding["status"] == "unknown"
    assert "utcNow() is only known at deployment time" in json.dumps(finding)
    assert "not declared" not in json.dumps(finding)


# ------------------------------------------------------------ Bicep beside compiled JSON


def _no_bicep(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("bicep") is None


def test_bicep_beside_its_compiled_json_reads_the_json(
    tmp_path: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the bicep CLI, main.bicep beside its compiled azuredeploy.json is skipped, said so."""
    _no_bicep(monkeypatch, tmp_path)
    result = _scan(run_cli, BICEP_COMPILED)
    report = result.report()
    source = report["scan"]["sources"][0]
    assert source["kinds"] == {"arm": 1}
    assert len(source["skipped"]) == 1 and "main.bicep: not compiled" in source["skipped"][0]
    assert (
        "note: " in result.err and "azuredeploy.json beside it is its compiled form" in result.err
    )
    statuses = {f["rule_id"]: f["status"] for f in report["findings"]}
    assert statuses["AIS001"] == "fail"  # disableLocalAuth: false, read from the JSON
    assert report["errors"] == []
    validate(report)


def test_bicep_beside_json_bicep_did_not_write_still_needs_the_cli(
    tmp_path: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hand-written JSON beside main.bicep is no compiled form: the .bicep is not passed over."""
    _no_bicep(monkeypatch, tmp_path)
    folder = tmp_path / "mixed"
    shutil.copytree(BICEP_COMPILED, folder)
    template = json.loads((folder / "azuredeploy.json").read_text(encoding="utf-8"))
    del template["metadata"]
    (folder / "azuredeploy.json").write_text(json.dumps(template), encoding="utf-8")
    result = run_cli(["scan", "--template", str(folder), "--format", "json"])
    assert result.code == 2
    assert "main.bicep: is a Bicep file and the bicep CLI is not on the PATH" in result.err


# ------------------------------------------------------------------- Terraform plans


def _terraform_statuses(run_cli: Any, plan: dict[str, Any], tmp_path: Path) -> Any:
    path = _write(
        tmp_path / f"plan-{len(list(tmp_path.iterdir()))}" / "plan.json", json.dumps(plan)
    )
    report = _scan(run_cli, path).report()
    return sorted(
        (f["rule_id"], f["resource_name"], f["status"], f.get("message"))
        for f in report["findings"]
    )


def _as_planned_values(plan: dict[str, Any]) -> dict[str, Any]:
    """The same plan with ``resource_changes`` empty and its resources in ``planned_values``."""
    moved = copy.deepcopy(plan)
    resources = [
        {
            "address": c["address"],
            "mode": c.get("mode", "managed"),
            "type": c["type"],
            "name": c.get("name", c["address"].rsplit(".", 1)[-1]),
            "values": c["change"]["after"],
        }
        for c in plan["resource_changes"]
        if c["change"]["actions"] != ["delete"]
    ]
    moved["resource_changes"] = []
    moved["planned_values"] = {"root_module": {"resources": resources}}
    return moved


def _known_plan() -> dict[str, Any]:
    """The fixture plan without values known only after apply (planned_values cannot say them)."""
    plan: dict[str, Any] = json.loads(PLAN.read_text(encoding="utf-8"))
    for change in plan["resource_changes"]:
        change["change"].pop("after_unknown", None)
    assert len(plan["resource_changes"]) >= 5
    return plan


def test_plan_with_resources_only_in_planned_values_gives_the_same_findings(
    tmp_path: Path, run_cli: Any
) -> None:
    """Empty resource_changes with the resources in planned_values: the same findings."""
    plan = _known_plan()
    expected = _terraform_statuses(run_cli, plan, tmp_path)
    assert any(status == "fail" for _, _, status, _ in expected)
    assert _terraform_statuses(run_cli, _as_planned_values(plan), tmp_path) == expected


def test_plan_with_resources_only_in_prior_state_gives_the_same_findings(
    tmp_path: Path, run_cli: Any
) -> None:
    """Resources the plan leaves unchanged, listed only in prior_state, are read too."""
    plan = _known_plan()
    expected = _terraform_statuses(run_cli, plan, tmp_path)
    moved = _as_planned_values(plan)
    moved["prior_state"] = {"format_version": "1.0", "values": moved.pop("planned_values")}
    assert _terraform_statuses(run_cli, moved, tmp_path) == expected


def test_planned_deletion_is_not_read_back_from_prior_state(tmp_path: Path, run_cli: Any) -> None:
    """A resource the plan deletes stays out even though prior_state still lists it."""
    plan = _known_plan()
    kept = _as_planned_values(plan)
    gone = kept["planned_values"]["root_module"]["resources"][0]
    plan["prior_state"] = {"values": {"root_module": {"resources": [gone]}}}
    plan["resource_changes"] = [
        {**c, "change": {"actions": ["delete"], "before": {}, "after": None}}
        if c["address"] == gone["address"]
        else c
        for c in plan["resource_changes"]
    ]
    names = {name for _, name, _, _ in _terraform_statuses(run_cli, plan, tmp_path)}
    assert gone["values"].get("name") not in names
