"""Property-based fuzzing of the template readers: ARM (with expressions), Terraform plans, YAML.

Every generated file either reads (and its resources are judged by every rule without an
exception) or is refused as bad input naming the file; no exception of another kind escapes
and no example runs past a time bound. Most examples go through ``read_templates`` and the
rule engine with the rules loaded once (the CLI loads 39 rule files per run, 0.4 s); a
smaller set runs the whole CLI and validates its report against the schema.

Seeds are fixed (``derandomize=True``): a failure found once is found on every run.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor import arm
from auditor.cli import main
from auditor.collect.templates import read_templates
from auditor.collect.templates.expressions import RUNTIME_FUNCTIONS, SUPPORTED_FUNCTIONS
from auditor.collect.templates.functions import ARITY
from auditor.collect.templates.source import parse_json
from auditor.collect.templates.terraform import MAPPERS as TF_MAPPERS
from auditor.engine.evaluate import evaluate
from auditor.engine.loader import load_rules
from auditor.errors import InputError
from auditor.fields import AUDITED_TYPES
from auditor.inventory import InventoryBuilder
from tests.conftest import TEST_NOW
from tests.test_report import validate

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
EXAMPLE_SECONDS = 10
"""A guard against a hang: no example may take longer (most take milliseconds)."""
RULES = load_rules()

FUZZ = settings(
    derandomize=True,
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


class Hang(Exception):
    """An example ran past :data:`EXAMPLE_SECONDS`."""


@contextlib.contextmanager
def time_bound(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in the running code if it takes longer than ``seconds``."""

    def expired(signum: int, frame: object) -> None:
        raise Hang(f"an example ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def read_and_judge(path: Path) -> str:
    """``refused`` (InputError naming the file) or ``read`` (every rule judged the result)."""
    builder = InventoryBuilder()
    with time_bound(EXAMPLE_SECONDS):
        try:
            read_templates([path], builder)
        except InputError as exc:
            assert str(path) in str(exc), str(exc)
            assert "Traceback" not in str(exc)
            return "refused"
        inventory = builder.build()
        evaluate(RULES, inventory, TEST_NOW)
        for resource in inventory:
            json.dumps(resource.data)  # what the writers and --save-snapshot serialise
    return "read"


def scan_with_cli(path: Path, output: Path) -> None:
    """The whole CLI: exit 0/1/3 with a report valid against the schema, or 2 naming the file."""
    out, err = io.StringIO(), io.StringIO()
    with (
        time_bound(EXAMPLE_SECONDS),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        code = main(
            ["scan", "--template", str(path), "--format", "json", "--output-dir", str(output)],
            clock=lambda: TEST_NOW,
        )
    if code == 2:
        assert str(path) in err.getvalue(), err.getvalue()
        return
    assert code in (0, 1, 3), err.getvalue()
    validate(json.loads((output / "auditor.json").read_text("utf-8")))


# ------------------------------------------------------------------------ ARM expressions

_NAMES = sorted(SUPPORTED_FUNCTIONS | RUNTIME_FUNCTIONS | {"madeUpFunction", "padLeft"})


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_literal = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8).map(_quoted),
    st.integers(-1000, 1000).map(str),
    st.sampled_from(
        [
            "parameters('p0')",
            "parameters('p1')",
            "variables('v0')",
            "variables('v1')",
            "copyIndex()",
            "resourceGroup().id",
            "'Microsoft.CognitiveServices/accounts'",
        ]
    ),
)


def _call(name: str, args: list[str]) -> str:
    return f"{name}({', '.join(args)})"


def _calls(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Calls with as many arguments as the function takes, mostly; now and then any number."""

    def arguments(name: str) -> st.SearchStrategy[str]:
        low, high = ARITY.get(name.lower(), (0, 4))
        sizes = st.integers(low, min(high if high is not None else low + 2, low + 2))
        count = st.one_of(sizes, sizes, sizes, st.integers(0, 4))
        return count.flatmap(
            lambda n: st.lists(inner, min_size=n, max_size=n).map(lambda a: _call(name, a))
        )

    return st.sampled_from(_NAMES).flatmap(arguments)


expression_text = st.recursive(
    _literal,
    lambda inner: st.one_of(
        _calls(inner),
        st.builds(lambda e, n: f"{e}.{n}", inner, st.sampled_from(["id", "name", "x"])),
        st.builds(lambda e, i: f"{e}[{i}]", inner, inner),
    ),
    max_leaves=12,
)
"""Expression text built from the function grammar (and some that is not valid)."""

expression = st.one_of(
    expression_text.map(lambda text: f"[{text}]"),
    st.text(max_size=12).map(lambda text: f"[{text}]"),  # anything between brackets
)

json_value = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**40), 2**40),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=10),
        expression,
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)

_PROPERTY_KEYS = [
    "disableLocalAuth",
    "publicNetworkAccess",
    "networkAcls",
    "authMode",
    "computeType",
    "properties",
    "encryption",
    "roleDefinitionId",
    "principalId",
    "permissions",
    "category",
    "authType",
    "credentials",
    "environmentVariables",
    "sslEnabled",
    "authEnabled",
    "isSharedToAll",
    "expiryTime",
    "model",
    "raiPolicyName",
    "versionUpgradeOption",
    "contentFilters",
    "networkInjections",
    "customerSubnet",
    "state",
    "contentSafety",
]
_TYPES = [*AUDITED_TYPES, "Microsoft.Storage/storageAccounts", "computes", "deployments"]
_CHILD_TYPES = [
    "computes",
    "connections",
    "deployments",
    "projects",
    "raiPolicies",
    "capabilityHosts",
    "defenderForAISettings",
    "serverlessEndpoints",
]


def _copy() -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries(
        {"name": st.sampled_from(["c", "loop"]), "count": st.one_of(st.integers(0, 6), expression)}
    )


resource = st.fixed_dictionaries(
    {"type": st.sampled_from(_TYPES), "apiVersion": st.just("2023-05-01")},
    optional={
        "name": st.one_of(st.text(max_size=10), expression),
        "location": st.one_of(st.just("eastus"), expression),
        "kind": st.sampled_from(["AIServices", "OpenAI", "Default"]),
        "properties": st.dictionaries(st.sampled_from(_PROPERTY_KEYS), json_value, max_size=5),
        "identity": json_value,
        "tags": json_value,
        "condition": json_value,
        "copy": _copy(),
        "resources": st.lists(
            st.fixed_dictionaries(
                {"type": st.sampled_from(_CHILD_TYPES)},
                optional={
                    "name": st.text(max_size=6),
                    "properties": json_value,
                    # a grandchild: accounts/projects/connections, capabilityHosts
                    "resources": st.lists(
                        st.fixed_dictionaries(
                            {"type": st.sampled_from(["connections", "capabilityHosts"])},
                            optional={"name": st.text(max_size=6), "properties": json_value},
                        ),
                        max_size=1,
                    ),
                },
            ),
            max_size=2,
        ),
    },
)


def _template(resources: st.SearchStrategy[list[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"$schema": st.just(SCHEMA), "contentVersion": st.just("1.0.0.0"), "resources": resources},
        optional={
            "parameters": st.dictionaries(
                st.sampled_from(["p0", "p1", "p2"]),
                st.fixed_dictionaries(
                    {"type": st.sampled_from(["string", "bool", "int", "object"])},
                    optional={"defaultValue": json_value},
                ),
                max_size=3,
            ),
            "variables": st.dictionaries(
                st.sampled_from(["v0", "v1", "v2"]), json_value, max_size=3
            ).flatmap(
                lambda v: st.one_of(
                    st.just(v),
                    st.builds(
                        lambda loop: {**v, "copy": [loop]},
                        st.fixed_dictionaries(
                            {
                                "name": st.just("v3"),
                                "count": st.integers(-1, 4),
                                "input": json_value,
                            }
                        ),
                    ),
                )
            ),
            "outputs": st.dictionaries(st.text(max_size=4), json_value, max_size=2),
        },
    )


def _nested(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda template, scope, params, copy: {
            "type": "Microsoft.Resources/deployments",
            "apiVersion": "2022-09-01",
            "name": "nested",
            "properties": {
                "mode": "Incremental",
                "expressionEvaluationOptions": {"scope": scope},
                "parameters": params,
                "template": template,
            },
            **({"copy": copy} if copy else {}),
        },
        inner,
        st.sampled_from(["inner", "outer"]),
        st.dictionaries(
            st.sampled_from(["p0", "p1"]), st.builds(lambda v: {"value": v}, json_value)
        ),
        st.one_of(st.none(), _copy()),
    )


arm_template = _template(
    st.lists(st.one_of(resource, _nested(_template(st.lists(resource, max_size=2)))), max_size=4)
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)  # type: ignore[index]
    return copy


def hostile(documents: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Documents as generated, or with one element of the wrong type: as often one of the
    sections and entries near the top (``resource_changes: 5``) as one at any depth."""

    def mutate(doc: Any) -> st.SearchStrategy[Any]:
        paths = _paths(doc)
        near_top = [p for p in paths if 0 < len(p) <= 3] or paths
        where = st.one_of(st.sampled_from(near_top), st.sampled_from(paths))
        return st.builds(lambda path, new: _replaced(doc, path, new), where, json_value)

    return st.one_of(documents, documents.flatmap(mutate))


def _file(tmp_path_factory: pytest.TempPathFactory, name: str, text: str) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / name
    path.write_text(text, "utf-8")
    return path


OUTCOMES: dict[str, dict[str, int]] = {}
"""Per fuzz test: how many examples were read and how many refused (for the closing note)."""


def _count(test: str, outcome: str) -> None:
    counts = OUTCOMES.setdefault(test, {})
    counts[outcome] = counts.get(outcome, 0) + 1


@settings(FUZZ, max_examples=150)
@given(template=hostile(arm_template))
def test_fuzz_arm_templates(tmp_path_factory: pytest.TempPathFactory, template: Any) -> None:
    """Any ARM template (expressions from the grammar, wrong types anywhere) reads or is refused."""
    path = _file(tmp_path_factory, "main.json", json.dumps(template))
    _count("arm", read_and_judge(path))


_ESCAPED_BREAK = re.compile(r"(?<!\\)((?:\\\\)*)\\([nr])")
_BREAKING_TEXT = st.text(
    st.sampled_from(["a", " ", "'", "\\", '"', "\n", "\r", "/", "*"]), max_size=12
)


def _with_raw_breaks(value: Any) -> str:
    """``value`` as indented JSON, each ``\\n``/``\\r`` escape inside a string written as the
    raw line break it stands for (as ARM's parser accepts; quickstarts write scripts so)."""
    text = json.dumps(value, indent=1, ensure_ascii=False)
    return _ESCAPED_BREAK.sub(lambda m: m.group(1) + ("\n" if m.group(2) == "n" else "\r"), text)


@settings(FUZZ, max_examples=150)
@given(
    template=arm_template,
    texts=st.lists(_BREAKING_TEXT, min_size=1, max_size=4),
)
def test_fuzz_multi_line_strings(
    tmp_path_factory: pytest.TempPathFactory, template: Any, texts: list[str]
) -> None:
    """Raw line breaks in strings read as the escaped JSON does, every key keeps its line."""
    template = {
        **template,
        "metadata": {f"m{i}": text for i, text in enumerate(texts)},
        "variables": {"v9": "[concat(\n'a',\r\n  'b')]", **(template.get("variables") or {})},
    }
    raw = _with_raw_breaks(template)
    path = _file(tmp_path_factory, "main.json", raw)
    document = parse_json(path, raw)
    assert document.value == template
    lines = raw.split("\n")
    for key_path in _paths(template):
        key = key_path[-1] if key_path else None
        if isinstance(key, str) and not {"\n", "\r"} & set(key):
            line = document.line_of(key_path)
            assert line is not None
            assert lines[line - 1].lstrip().startswith(json.dumps(key, ensure_ascii=False) + ":")
    _count("multi-line", read_and_judge(path))


@FUZZ
@given(text=expression_text)
def test_fuzz_expressions(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    """Any expression from the function grammar, in every place a template evaluates one."""
    template = {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {
            "p0": {"type": "string", "defaultValue": f"[{text}]"},
            "p1": {"type": "int"},
        },
        "variables": {"v0": f"[{text}]", "v1": [f"[{text}]"]},
        "resources": [
            {
                "type": arm.AI_ACCOUNT,
                "apiVersion": "2023-05-01",
                "name": f"[{text}]",
                "condition": f"[{text}]",
                "copy": {"name": "c", "count": f"[{text}]"},
                "properties": {
                    "disableLocalAuth": f"[{text}]",
                    "publicNetworkAccess": "[variables('v0')]",
                },
            }
        ],
    }
    path = _file(tmp_path_factory, "main.json", json.dumps(template))
    _count("expressions", read_and_judge(path))


_TF_TYPES = [*sorted(TF_MAPPERS), "azurerm_storage_account"]
"""Every azurerm type the plan reader maps, and one it passes over."""
_TF_ATTRIBUTES = [
    "name",
    "id",
    "location",
    "resource_group_name",
    "local_auth_enabled",
    "public_network_access_enabled",
    "network_acls",
    "identity",
    "customer_managed_key",
    "encryption",
    "managed_network",
    "machine_learning_workspace_id",
    "scope",
    "role_definition_id",
    "role_definition_name",
    "principal_id",
    "permissions",
    "assignable_scopes",
    "subnet_resource_id",
    "kind",
    "fqdns",
    "cognitive_account_id",
    "model",
    "sku",
    "scale",
    "sku_name",
    "rai_policy_name",
    "version_upgrade_option",
    "content_filter",
    "base_policy_name",
    "mode",
    "category",
    "target",
    "api_key",
    "custom_keys",
    "network_injection",
    "project_management_enabled",
    "local_authentication_enabled",
    "public_network_access",
    "ai_services_hub_id",
    "high_business_impact_enabled",
]

_tf_values = st.fixed_dictionaries(
    {
        "root_module": st.fixed_dictionaries(
            {},
            optional={
                "resources": st.lists(
                    st.fixed_dictionaries(
                        {
                            "address": st.sampled_from(["a.x", "b.y", "d.w"]),
                            "type": st.sampled_from(_TF_TYPES),
                            "values": st.dictionaries(
                                st.sampled_from(_TF_ATTRIBUTES), json_value, max_size=4
                            ),
                        }
                    ),
                    max_size=2,
                )
            },
        )
    }
)
"""A ``planned_values`` or ``prior_state.values`` section: a root module's resources."""

terraform_plan = st.fixed_dictionaries(
    {"format_version": st.just("1.2")},
    optional={
        "resource_changes": st.lists(
            st.fixed_dictionaries(
                {
                    "address": st.sampled_from(["a.x", "b.y", "module.m.c.z[0]"]),
                    "type": st.sampled_from(_TF_TYPES),
                    "change": st.fixed_dictionaries(
                        {
                            "actions": st.sampled_from(
                                [["create"], ["update"], ["delete"], ["no-op"]]
                            ),
                            "after": st.dictionaries(
                                st.sampled_from(_TF_ATTRIBUTES), json_value, max_size=6
                            ),
                        },
                        optional={"after_unknown": json_value},
                    ),
                },
                optional={"mode": st.sampled_from(["managed", "data"])},
            ),
            max_size=4,
        ),
        "planned_values": _tf_values,
        "prior_state": st.fixed_dictionaries({"values": _tf_values}),
        "configuration": st.just(
            {
                "root_module": {
                    "resources": [
                        {
                            "address": "a.x",
                            "expressions": {
                                "machine_learning_workspace_id": {"references": ["b.y.id", "b.y"]},
                                "cognitive_account_id": {"references": ["b.y.id", "b.y"]},
                                "ai_services_hub_id": {"references": ["d.w.id"]},
                            },
                        }
                    ]
                }
            }
        ),
    },
)


@settings(FUZZ, max_examples=250)
@given(plan=hostile(terraform_plan))
def test_fuzz_terraform_plans(tmp_path_factory: pytest.TempPathFactory, plan: Any) -> None:
    """Any Terraform plan JSON (wrong types anywhere) reads or is refused naming the file."""
    path = _file(tmp_path_factory, "plan.json", json.dumps(plan))
    _count("terraform", read_and_judge(path))


_YAML_KEYS = [
    "name",
    "auth_mode",
    "public_network_access",
    "description",
    "traffic",
    "compute",
    "identity",
    "endpoint_name",
    "environment_variables",
    "egress_public_network_access",
    "instance_type",
    "instance_count",
    "app_insights_enabled",
    "computeType",
    "authEnabled",
    "tokenAuthEnabled",
    "sslEnabled",
    "environmentVariables",
    "location",
    "model_id",
]
_YAML_SCHEMAS = [
    "https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json",
    "https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json",
    "https://azuremlschemas.azureedge.net/latest/kubernetesOnlineEndpoint.schema.json",
    "https://azuremlschemas.azureedge.net/latest/serverlessEndpoint.schema.json",
]

yaml_spec = st.fixed_dictionaries(
    {"name": st.one_of(st.text(max_size=8), json_value)},
    optional={
        "$schema": st.sampled_from(_YAML_SCHEMAS),
        "computeType": st.sampled_from(["aci", "aks", "ACI", "custom"]),
        "auth_mode": st.one_of(
            st.sampled_from(["key", "aml_token", "aad_token", "aad"]), json_value
        ),
        "model_id": st.one_of(st.just("azureml://registries/azureml/models/Phi-4"), json_value),
        "endpoint_name": json_value,
    },
).flatmap(
    lambda base: st.builds(
        lambda extra: {**base, **extra},
        st.dictionaries(st.sampled_from(_YAML_KEYS), json_value, max_size=5),
    )
)

_YAML_PIECES = [
    "name: x\n",
    "auth_mode: key\n",
    "computeType: aks\n",
    "&a ",
    "*a",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "- ",
    "!!binary ",
    "!!set ",
    "2024-01-01",
    ".nan",
    "<<: *a\n",
    "? ",
    "|\n  ",
    "'",
    '"\\ud800"',
    "\t",
    "\n",
    "  ",
    "endpoint_name: e\n",
    "model_id: azureml://registries/azureml/models/Phi-4\n",
    "description: ",
    "environment_variables:\n",
]


@settings(FUZZ, max_examples=150)
@given(spec=hostile(yaml_spec), pieces=st.lists(st.sampled_from(_YAML_PIECES), max_size=12))
def test_fuzz_yaml_specs(
    tmp_path_factory: pytest.TempPathFactory, spec: Any, pieces: list[str]
) -> None:
    """Any Azure ML / v1 YAML spec, and that spec with YAML syntax pieces appended, reads or is
    refused naming the file."""
    text = yaml.safe_dump(spec, allow_unicode=True)
    for name, content in (("spec.yml", text), ("mangled.yml", text + "".join(pieces))):
        _count("yaml", read_and_judge(_file(tmp_path_factory, name, content)))


_CLI_KINDS: list[tuple[str, Callable[[Any], str], st.SearchStrategy[Any]]] = [
    ("main.json", json.dumps, hostile(arm_template)),
    ("main.json", _with_raw_breaks, hostile(arm_template)),
    ("plan.json", json.dumps, hostile(terraform_plan)),
    ("spec.yml", lambda v: yaml.safe_dump(v, allow_unicode=True), hostile(yaml_spec)),
]


@settings(FUZZ, max_examples=25)
@given(choice=st.sampled_from(range(len(_CLI_KINDS))), data=st.data())
def test_fuzz_through_the_cli(
    tmp_path_factory: pytest.TempPathFactory, choice: int, data: st.DataObject
) -> None:
    """Through the real CLI: exit 0/1/3 with a schema-valid report, or exit 2 naming the file."""
    name, dump, strategy = _CLI_KINDS[choice]
    path = _file(tmp_path_factory, name, dump(data.draw(strategy)))
    scan_with_cli(path, path.parent / "reports")
