"""No traceback on any template input: each malformed shape is exit 2 naming file and element.

The cases are the ones an adversarial review of main found crashing (functions called with
missing arguments, ``resources: 5``, ``variables`` as a string, Terraform plans of the wrong
shape, YAML types JSON has no form for), plus their neighbours. Values of a wrong type
*inside* a resource are not bad input: they are read, and the rules judge them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
ACCOUNT = "Microsoft.CognitiveServices/accounts"


def _account(**extra: Any) -> dict[str, Any]:
    return {
        "type": ACCOUNT,
        "apiVersion": "2023-05-01",
        "name": "acct",
        "location": "eastus",
        "kind": "AIServices",
        "properties": {"disableLocalAuth": True},
        **extra,
    }


def _template(**sections: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": [_account()], **sections}


def _scan(run_cli: Any, tmp_path: Path, content: Any, name: str = "main.json") -> Any:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path, run_cli(["scan", "--template", str(path), "--format", "json"])


def _refused(
    run_cli: Any, tmp_path: Path, content: Any, *words: str, name: str = "main.json"
) -> None:
    path, result = _scan(run_cli, tmp_path, content, name)
    assert result.code == 2, (result.code, result.err)
    assert f"{path}:" in result.err, result.err
    for word in words:
        assert word in result.err, result.err
    assert "Traceback" not in result.err


MISSING_ARGUMENTS = [
    "toLower()",
    "toUpper()",
    "string()",
    "first()",
    "last()",
    "split('a')",
    "replace('a', 'b')",
    "trim()",
    "startsWith('a')",
    "endsWith('a')",
    "substring()",
    "array()",
    "json()",
    "int()",
    "bool()",
    "length()",
    "contains('a')",
    "empty()",
    "equals('a')",
    "not()",
    "coalesce()",
    "format()",
    "guid()",
    "uniqueString()",
    "less(1)",
    "if(true())",
    "parameters()",
    "variables()",
    "resourceId('x')",
]


@pytest.mark.parametrize("call", MISSING_ARGUMENTS)
def test_function_called_with_missing_arguments(run_cli: Any, tmp_path: Path, call: str) -> None:
    """A function called with fewer arguments than its signature takes is exit 2 naming it."""
    template = _template(resources=[_account(tags={"t": f"[{call}]"})])
    name = call.split("(")[0]
    _refused(run_cli, tmp_path, template, "resources[0]", f"{name}() called with")


def test_function_called_with_too_many_arguments(run_cli: Any, tmp_path: Path) -> None:
    """toLower('a', 'b') is refused as ARM refuses it, naming the variable section."""
    _refused(
        run_cli,
        tmp_path,
        _template(
            variables={"v": "[toLower('a', 'b')]"},
            resources=[_account(tags={"t": "[variables('v')]"})],
        ),
        "toLower() called with 2 argument(s)",
    )


@pytest.mark.parametrize(
    ("sections", "words"),
    [
        ({"resources": 5}, ("resources: must be an array",)),
        ({"resources": "x"}, ("resources: must be an array",)),
        ({"variables": "abc"}, ("variables: must be an object",)),
        ({"parameters": []}, ("parameters: must be an object",)),
        ({"outputs": 5}, ("outputs: must be an object",)),
        ({"parameters": {"p": 5}}, ("parameters.p: a parameter must be an object",)),
        ({"variables": {"copy": {}}}, ("variables.copy: must be an array",)),
        ({"variables": {"copy": [5]}}, ("variables.copy[0]: a copy loop needs",)),
        ({"resources": [5]}, ("resources[0]: a resource must be an object",)),
        ({"resources": [None]}, ("resources[0]: a resource must be an object",)),
        ({"resources": [{"name": "x"}]}, ("resources[0]: a resource needs a 'type'",)),
        ({"resources": [_account(copy="x")]}, ("resources[0].copy: a copy loop must be",)),
        ({"resources": [_account(copy={"name": "c"})]}, ("resources[0].copy",)),
        ({"resources": [_account(copy={"name": "c", "count": "3"})]}, ("not an integer",)),
        ({"resources": [_account(resources={})]}, ("resources[0].resources: must be an array",)),
        ({"resources": [_account(resources=[7])]}, ("resources[0].resources[0]",)),
        (
            {
                "resources": [
                    _account(resources=[{"type": "projects", "name": "p", "resources": {}}])
                ]
            },
            ("resources[0].resources[0].resources: must be an array",),
        ),
        (
            {"resources": [_account(resources=[{"type": "projects", "resources": ["c"]}])]},
            ("resources[0].resources[0].resources[0]: a resource must be an object",),
        ),
        (
            {"resources": [_account(resources=[{"type": "deployments", "copy": 3}])]},
            ("resources[0].resources[0].copy: a copy loop must be",),
        ),
        (
            {"resources": [_account(properties={"copy": 5})]},
            ("resources[0].properties.copy: must be an array",),
        ),
        (
            {"resources": [_account(properties={"copy": [{"count": 2}]})]},
            ("resources[0].properties.copy[0]: a copy loop needs a 'name'",),
        ),
        (
            {
                "resources": [
                    {
                        "type": "Microsoft.Resources/deployments",
                        "name": "n",
                        "properties": {
                            "expressionEvaluationOptions": {"scope": "inner"},
                            "parameters": [1],
                            "template": _template(),
                        },
                    }
                ]
            },
            ("resources[0].properties.parameters: must be an object",),
        ),
        (
            {
                "resources": [
                    {
                        "type": "Microsoft.Resources/deployments",
                        "name": "n",
                        "properties": {"template": {"resources": 5}},
                    }
                ]
            },
            ("resources[0].properties.template.resources: must be an array",),
        ),
    ],
)
def test_malformed_arm_sections(
    run_cli: Any, tmp_path: Path, sections: dict[str, Any], words: tuple[str, ...]
) -> None:
    """A section or resource of the wrong shape is exit 2 naming its element path."""
    _refused(run_cli, tmp_path, _template(**sections), *words)


HEAD = '{"$schema": "' + SCHEMA + '", "contentVersion": "1", '


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (HEAD + '"resources": [], "x": NaN}', ("NaN",)),
        (HEAD + '"resources": [Infinity]}', ("Infinity",)),
        (HEAD + '\n "resources": ["\\ud800"]}', ("resources[0]", "surrogate")),
        (HEAD + '"resources": [1', ("invalid JSON",)),
        ("[1, 2]", ("not a recognised template",)),
    ],
)
def test_not_strict_json(run_cli: Any, tmp_path: Path, text: str, words: tuple[str, ...]) -> None:
    """NaN, Infinity, lone surrogates and broken JSON are exit 2, with the line or element."""
    _refused(run_cli, tmp_path, text, *words)


def test_odd_values_inside_a_resource_are_read_not_refused(run_cli: Any, tmp_path: Path) -> None:
    """Unknown functions, runtime functions, a string evaluation scope: read, never a pass."""
    resource = _account(
        properties={"disableLocalAuth": "[someNewFunction(1)]", "publicNetworkAccess": 5},
        tags="[reference('x').tags]",
    )
    nested = {
        "type": "Microsoft.Resources/deployments",
        "name": "n",
        "properties": {"expressionEvaluationOptions": "inner", "template": _template()},
    }
    _, result = _scan(run_cli, tmp_path, _template(resources=[resource, nested]))
    assert result.code in (0, 1, 3), result.err
    findings = {
        f["rule_id"]: f for f in result.report()["findings"] if f["resource_name"] == "acct"
    }
    assert findings["AIS001"]["status"] == "unknown"


def test_parameters_file_entry_of_the_wrong_shape(run_cli: Any, tmp_path: Path) -> None:
    """A parameters file entry that is neither a value nor a reference is exit 2 naming it."""
    template = tmp_path / "main.json"
    template.write_text(json.dumps(_template(parameters={"p": {"type": "string"}})), "utf-8")
    params = tmp_path / "main.parameters.json"
    params.write_text(json.dumps({"contentVersion": "1.0.0.0", "parameters": {"p": 5}}), "utf-8")
    result = run_cli(["scan", "--template", str(template), "--format", "json"])
    assert result.code == 2
    assert f"{params}: parameters.p: needs a 'value'" in result.err


def _plan(**sections: Any) -> dict[str, Any]:
    return {"format_version": "1.2", **sections}


def _change(**change: Any) -> dict[str, Any]:
    body = {"actions": ["create"], "after": {"name": "acct", "local_auth_enabled": False}}
    return {
        "address": "azurerm_cognitive_account.a",
        "type": "azurerm_cognitive_account",
        "mode": "managed",
        "change": {**body, **change},
    }


TERRAFORM_SHAPES = [
    ({"resource_changes": 5}, "resource_changes: must be an array, not a number"),
    ({"resource_changes": [5]}, "resource_changes[0]: must be an object"),
    (
        {"resource_changes": [{**_change(), "change": None}]},
        "resource_changes[0].change: must be an object, not null",
    ),
    (
        {"resource_changes": [{**_change(), "change": 5}]},
        "resource_changes[0].change: must be an object",
    ),
    (
        {"resource_changes": [_change(after=[])]},
        "resource_changes[0].change.after: must be an object, not an array",
    ),
    (
        {"resource_changes": [_change(actions="create")]},
        "resource_changes[0].change.actions: must be an array",
    ),
    (
        {"resource_changes": [{**_change(), "address": 5}]},
        "resource_changes[0].address: must be a string",
    ),
    ({"planned_values": []}, "planned_values: must be an object"),
    (
        {"planned_values": {"root_module": {"resources": 5}}},
        "planned_values.root_module.resources: must be an array",
    ),
    (
        {"values": {"root_module": {"child_modules": {}}}},
        "values.root_module.child_modules: must be an array",
    ),
    (
        {
            "planned_values": {
                "root_module": {"resources": [{"address": "a", "type": "t", "values": []}]}
            }
        },
        "planned_values.root_module.resources[0].values: must be an object",
    ),
    (
        {"resource_changes": [], "configuration": {"root_module": {"module_calls": []}}},
        "configuration.root_module.module_calls: must be an object",
    ),
    (
        {
            "resource_changes": [],
            "configuration": {"root_module": {"resources": [{"expressions": []}]}},
        },
        "configuration.root_module.resources[0].expressions: must be an object",
    ),
    ({"resource_changes": [], "configuration": 5}, "configuration: must be an object"),
]


@pytest.mark.parametrize(("sections", "words"), TERRAFORM_SHAPES)
def test_terraform_plan_shapes(
    run_cli: Any, tmp_path: Path, sections: dict[str, Any], words: str
) -> None:
    """A Terraform plan of the wrong shape is exit 2 naming the element path."""
    _refused(run_cli, tmp_path, _plan(**sections), words, name="plan.json")


def test_terraform_values_of_the_wrong_type_are_read(run_cli: Any, tmp_path: Path) -> None:
    """Attribute values of the wrong type (lists, numbers) are read and judged, not a crash."""
    after = {
        "name": ["acct"],
        "local_auth_enabled": [False],
        "identity": 5,
        "network_acls": "x",
        "customer_managed_key": [5],
        "public_network_access_enabled": {},
    }
    role = {
        "address": "azurerm_role_definition.r",
        "type": "azurerm_role_definition",
        "change": {"actions": ["create"], "after": {"name": "r", "permissions": 5}},
    }
    plan = _plan(resource_changes=[_change(after=after), role])
    _, result = _scan(run_cli, tmp_path, plan, name="plan.json")
    assert result.code in (0, 1, 3), result.err
    statuses = {
        f["rule_id"]: f["status"]
        for f in result.report()["findings"]
        if f["resource_name"] == "unnamed"
    }
    assert statuses.get("AIS001") != "pass"


def test_foundry_terraform_values_of_the_wrong_type_are_read(run_cli: Any, tmp_path: Path) -> None:
    """Foundry attributes of the wrong type (a number for content_filter, a string for model,
    an object for network_injection) are read and judged, never a crash; every record kept."""
    account = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a"
    changes = [
        (
            "azurerm_cognitive_deployment.d",
            {
                "name": "d",
                "cognitive_account_id": 5,
                "model": "gpt",
                "sku": [5],
                "scale": {},
                "version_upgrade_option": ["x"],
            },
        ),
        (
            "azurerm_cognitive_account_rai_policy.p",
            {"name": "p", "cognitive_account_id": account, "content_filter": 5},
        ),
        (
            "azurerm_cognitive_account_rai_policy.q",
            {
                "name": "q",
                "cognitive_account_id": account,
                "content_filter": [5, {"name": ["Hate"], "filter_enabled": "yes"}],
            },
        ),
        (
            "azurerm_cognitive_account.c",
            {
                "name": "c",
                "network_injection": {"scenario": 1},
                "project_management_enabled": "true",
            },
        ),
        ("azurerm_cognitive_account_connection_api_key.k", {"name": ["k"], "category": 5}),
        ("azurerm_ai_foundry_project.f", {"name": "f", "ai_services_hub_id": []}),
    ]
    plan = _plan(
        resource_changes=[
            {"address": a, "type": a.split(".")[0], "change": {"actions": ["create"], "after": v}}
            for a, v in changes
        ]
    )
    _, result = _scan(run_cli, tmp_path, plan, name="plan.json")
    assert result.code in (0, 1, 3), result.err
    assert result.report()["scan"]["sources"][0]["records"] == len(changes)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name: e\nmodel_id: !!binary aGVsbG8=\n", ("model_id", "bytes")),
        ("name: e\nmodel_id: m\nauth_mode: .nan\n", ("auth_mode", "not a JSON number")),
        ("name: e\nauth_mode: key\ndescription: !!binary aGVsbG8=\n", ("description", "bytes")),
        ("name: e\nauth_mode: key\ndescription: .nan\n", ("description", "not a JSON number")),
        ("name: e\nauth_mode: key\ntraffic: !!set {a, b}\n", ("traffic",)),
        ('name: e\nauth_mode: key\ndescription: "\\ud800"\n', ("surrogate",)),
        ("name: e\nauth_mode: key\n--- \nname: f\n", ("invalid YAML",)),
        ("- 1\n- 2\n", ("not a recognised template",)),
        ("name: [\n", ("invalid YAML",)),
    ],
)
def test_yaml_without_a_json_form(
    run_cli: Any, tmp_path: Path, text: str, words: tuple[str, ...]
) -> None:
    """YAML binary, sets, NaN, lone surrogates, two documents or broken syntax are exit 2."""
    _refused(run_cli, tmp_path, text, *words, name="endpoint.yml")


def test_yaml_dates_and_odd_keys_are_read(run_cli: Any, tmp_path: Path) -> None:
    """Timestamps become their ISO text and non-string keys strings, as the JSON would hold."""
    text = "name: e\nauth_mode: key\ndescription: 2024-01-01\ntraffic: {1: 2, null: 3}\n"
    _, result = _scan(run_cli, tmp_path, text, name="endpoint.yml")
    assert result.code in (0, 1, 3), result.err
    assert any(f["resource_name"] == "e" for f in result.report()["findings"])


def test_template_folder_follows_symlinked_folders_once(run_cli: Any, tmp_path: Path) -> None:
    """A symlinked subfolder is read, and a link back up (a loop) does not repeat or hang."""
    real = tmp_path / "real"
    real.mkdir()
    (real / "main.json").write_text(json.dumps(_template()), "utf-8")
    infra = tmp_path / "infra"
    infra.mkdir()
    (infra / "linked").symlink_to(real, target_is_directory=True)
    (real / "up").symlink_to(infra, target_is_directory=True)
    result = run_cli(["scan", "--template", str(infra), "--format", "json"])
    assert result.code in (0, 1), result.err
    assert [f["resource_name"] for f in result.report()["findings"]].count("acct") >= 1
    assert result.report()["scan"]["sources"][0]["files"] == 1


def test_template_folder_with_a_dangling_link(run_cli: Any, tmp_path: Path) -> None:
    """A link to nothing inside a template folder is exit 2 naming it, not passed over."""
    (tmp_path / "main.json").write_text(json.dumps(_template()), "utf-8")
    (tmp_path / "gone.json").symlink_to(tmp_path / "missing.json")
    result = run_cli(["scan", "--template", str(tmp_path), "--format", "json"])
    assert result.code == 2
    assert f"{tmp_path / 'gone.json'}: a symbolic link to nothing" in result.err


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a folder whatever its mode")
def test_template_folder_with_an_unreadable_subfolder(run_cli: Any, tmp_path: Path) -> None:
    """An unreadable subfolder is exit 2 naming it, not a template silently left out."""
    (tmp_path / "main.json").write_text(json.dumps(_template()), "utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        result = run_cli(["scan", "--template", str(tmp_path), "--format", "json"])
    finally:
        locked.chmod(0o755)
    assert result.code == 2
    assert f"{locked}: cannot read the folder" in result.err


def test_messages_name_types_not_values(run_cli: Any, tmp_path: Path) -> None:
    """A failed call's reason and a linked template's URL never carry a value or a SAS token."""
    secret = "Sup3r-Secret-Default-Value"
    linked = {
        "type": "Microsoft.Resources/deployments",
        "name": "remote",
        "properties": {
            "templateLink": {"uri": f"https://x.blob.core.windows.net/t.json?sig={secret}"}
        },
    }
    template = _template(
        parameters={"pw": {"type": "securestring", "defaultValue": secret}},
        resources=[
            _account(properties={"disableLocalAuth": "[int(parameters('pw'))]"}),
            linked,
        ],
    )
    _, result = _scan(run_cli, tmp_path, template)
    assert result.code in (1, 3), result.err
    written = (result.output_dir / "auditor.json").read_text("utf-8")
    assert "https://x.blob.core.windows.net/t.json" in written
    assert "int() of a string of 26 characters" in written
    assert secret not in written and secret not in result.err
