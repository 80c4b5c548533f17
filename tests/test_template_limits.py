"""Bounded work on any template: each attack ends in exit 2 naming the file and the limit, fast.

The attacks are small files (a few KB at most) that, before the limits, ran for minutes or
exhausted memory: doubling chains, nested copy loops, a YAML alias bomb. Each test also
guards the time the scan took with a generous bound (a hang, not a speed goal).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRun

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
ACCOUNT = "Microsoft.CognitiveServices/accounts"
GUARD_SECONDS = 60


def _template(resources: Any = (), **sections: Any) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "contentVersion": "1.0.0.0",
        "resources": list(resources),
        **sections,
    }


def _account(name: str = "acct", **properties: Any) -> dict[str, Any]:
    return {
        "type": ACCOUNT,
        "apiVersion": "2023-05-01",
        "name": name,
        "location": "eastus",
        "kind": "AIServices",
        "properties": {"disableLocalAuth": True, **properties},
    }


def _scan(run_cli: Any, path: Path) -> tuple[CliRun, float]:
    started = time.monotonic()
    result = run_cli(["scan", "--template", str(path), "--format", "json"])
    return result, time.monotonic() - started


def _refused(run_cli: Any, path: Path, *words: str) -> str:
    """Scan ``path``; assert exit 2, within the guard, naming the file and ``words``."""
    result, seconds = _scan(run_cli, path)
    assert result.code == 2, result.err
    assert seconds < GUARD_SECONDS
    assert str(path) in result.err
    for word in words:
        assert word in result.err, result.err
    assert "Traceback" not in result.err
    return str(result.err)


def _write(tmp_path: Path, content: Any, name: str = "main.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path


def _chain(function: str, levels: int) -> dict[str, str]:
    variables = {"v0": "abcdefgh"}
    for level in range(1, levels + 1):
        variables[f"v{level}"] = (
            f"[{function}(variables('v{level - 1}'), variables('v{level - 1}'))]"
        )
    return variables


@pytest.mark.parametrize("function", ["concat", "createArray", "union"])
def test_doubling_chain_is_refused(run_cli: Any, tmp_path: Path, function: str) -> None:
    """A 60-step doubling chain of concat/createArray stops at the value-size bound."""
    variables = _chain(function, 60)
    if function == "union":  # union() doubles objects: {a: v, b: v}
        variables = {"v0": "[createObject('k', 'abcdefgh')]"}
        for level in range(1, 61):
            previous = f"variables('v{level - 1}')"
            variables[f"v{level}"] = (
                f"[createObject('a{level}', {previous}, 'b{level}', {previous})]"
            )
    template = _template([_account(tags="[variables('v60')]")], variables=variables)
    _refused(run_cli, _write(tmp_path, template), "larger than")


def test_replace_and_format_blowups_are_refused(run_cli: Any, tmp_path: Path) -> None:
    """replace() with an empty old text and format() repeating a big argument are refused."""
    variables = _chain("concat", 16)  # 512 KB: inside the bound
    variables["wide"] = "[replace(variables('v16'), '', variables('v16'))]"
    template = _template([_account(description="[variables('wide')]")], variables=variables)
    _refused(run_cli, _write(tmp_path, template), "replace()", "larger than")
    variables["wide"] = "[format('" + "{0}" * 500 + "', variables('v16'))]"
    template = _template([_account(description="[variables('wide')]")], variables=variables)
    _refused(run_cli, _write(tmp_path, template), "format()", "larger than")


def test_nested_copy_loops_stop_at_arms_resource_limit(run_cli: Any, tmp_path: Path) -> None:
    """800 parents x 800 children (640,000 resources) stops at ARM's 800 per template."""
    child = {
        "type": "deployments",
        "apiVersion": "2023-05-01",
        "name": "[concat('d', copyIndex('inner'))]",
        "copy": {"name": "inner", "count": 800},
        "properties": {"model": {"format": "OpenAI", "name": "gpt-4o"}},
    }
    parent = {
        **_account("[concat('acct', copyIndex('outer'))]"),
        "copy": {"name": "outer", "count": 800},
        "resources": [child],
    }
    _refused(run_cli, _write(tmp_path, _template([parent])), "800 resources", "ARM's limit")


def test_copy_loops_in_nested_deployments_are_bounded(run_cli: Any, tmp_path: Path) -> None:
    """800 nested deployments each copying 800 resources stop at a bound, not after 640,000."""
    inner = _template(
        [{**_account("[concat('a', copyIndex())]"), "copy": {"name": "i", "count": 800}}]
    )
    deployment = {
        "type": "Microsoft.Resources/deployments",
        "apiVersion": "2022-09-01",
        "name": "[concat('nested', copyIndex())]",
        "copy": {"name": "outer", "count": 800},
        "properties": {"mode": "Incremental", "template": inner},
    }
    err = _refused(run_cli, _write(tmp_path, _template([deployment])))
    assert "steps" in err or "once expanded" in err or "800 resources" in err


@pytest.mark.parametrize(
    ("count", "words"),
    [(801, ("copy count 801", "limit is 800")), (-1, ("copy count -1", "negative"))],
)
def test_copy_count_outside_arms_limits(
    run_cli: Any, tmp_path: Path, count: int, words: tuple[str, ...]
) -> None:
    """A copy count above 800 or below 0 is refused, naming the element path."""
    resource = {**_account("[concat('a', copyIndex())]"), "copy": {"name": "c", "count": count}}
    err = _refused(run_cli, _write(tmp_path, _template([resource])), *words)
    assert "resources[0].copy.count" in err


@pytest.mark.parametrize(
    ("section", "size", "limit"),
    [("parameters", 257, "256"), ("variables", 513, "512"), ("outputs", 65, "64")],
)
def test_section_counts_past_arms_limits(
    run_cli: Any, tmp_path: Path, section: str, size: int, limit: str
) -> None:
    """More parameters, variables or outputs than ARM allows is exit 2 naming the section."""
    entry = {
        "parameters": {"type": "string", "defaultValue": "x"},
        "outputs": {"type": "string", "value": "x"},
    }
    content = {f"n{i}": entry.get(section, "x") for i in range(size)}
    err = _refused(run_cli, _write(tmp_path, _template([_account()], **{section: content})))
    assert f"{size} {section}" in err and f"limit is {limit}" in err


def test_expression_longer_than_arms_limit(run_cli: Any, tmp_path: Path) -> None:
    """An expression over 24,576 characters is refused with ARM's figure."""
    long = "[concat('" + "x" * 25_000 + "')]"
    _refused(run_cli, _write(tmp_path, _template([_account(description=long)])), "24,576")


def test_template_file_larger_than_4_mb(run_cli: Any, tmp_path: Path) -> None:
    """A template file over 4 MB is refused with ARM's limit."""
    template = _template([_account(description="x" * (4 * 1024 * 1024 + 10))])
    _refused(run_cli, _write(tmp_path, template), "4 MB")


def test_expanded_template_larger_than_4_mb(run_cli: Any, tmp_path: Path) -> None:
    """A small template whose copy loop expands past 4 MB is refused (ARM counts it expanded)."""
    variables = _chain("concat", 16)  # one 512 KB string, used by 800 copies
    resource = {
        **_account("[concat('a', copyIndex())]", description="[variables('v16')]"),
        "copy": {"name": "c", "count": 800},
    }
    template = _template([resource], variables=variables)
    _refused(run_cli, _write(tmp_path, template), "once expanded")


def test_nested_deployments_deeper_than_the_bound(run_cli: Any, tmp_path: Path) -> None:
    """Deployments nested 12 deep are refused naming the bound."""
    template = _template([_account()])
    for _ in range(12):
        template = _template(
            [
                {
                    "type": "Microsoft.Resources/deployments",
                    "apiVersion": "2022-09-01",
                    "name": "nested",
                    "properties": {"mode": "Incremental", "template": template},
                }
            ]
        )
    _refused(run_cli, _write(tmp_path, template), "deeper than 10")


def test_linked_template_linking_itself(run_cli: Any, tmp_path: Path) -> None:
    """A linked template that links to itself stops at the nesting bound, not in a loop."""
    template = _template(
        [
            {
                "type": "Microsoft.Resources/deployments",
                "apiVersion": "2022-09-01",
                "name": "self",
                "properties": {
                    "mode": "Incremental",
                    "templateLink": {"relativePath": "main.json"},
                },
            }
        ]
    )
    _refused(run_cli, _write(tmp_path, template), "deeper than 10")


def test_expression_nested_past_the_bound(run_cli: Any, tmp_path: Path) -> None:
    """An expression nesting 2,000 calls is refused, not a RecursionError."""
    text = "[" + "concat(" * 2000 + "'x'" + ")" * 2000 + "]"
    _refused(run_cli, _write(tmp_path, _template([_account(description=text)])), "deeper than")


@pytest.mark.parametrize("depth", [150, 450, 990, 100_000])
def test_deep_json_is_refused(run_cli: Any, tmp_path: Path, depth: int) -> None:
    """JSON nested 150 to 100,000 deep is refused as nested too deeply, not a RecursionError."""
    deep = "[" * depth + "]" * depth
    text = json.dumps(_template([_account()])).replace('"kind"', f'"deep": {deep}, "kind"')
    _refused(run_cli, _write(tmp_path, text), "nested")


def test_a_200_variable_chain_evaluates(run_cli: Any, tmp_path: Path) -> None:
    """A legal chain of 500 variables, each naming the one before, evaluates to its value."""
    variables = {"v0": "[parameters('base')]"}
    for level in range(1, 501):
        variables[f"v{level}"] = f"[concat(variables('v{level - 1}'), '')]"
    template = _template(
        [_account("[variables('v500')]")],
        parameters={"base": {"type": "string", "defaultValue": "chained"}},
        variables=variables,
    )
    result, seconds = _scan(run_cli, _write(tmp_path, template))
    assert result.code in (0, 1), result.err
    assert seconds < GUARD_SECONDS
    names = {f["resource_name"] for f in result.report()["findings"]}
    assert names == {"chained"}


ALIAS_BOMB = """\
$schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json
name: bomb
auth_mode: key
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
description: *i
"""


def test_yaml_alias_bomb_is_refused(run_cli: Any, tmp_path: Path) -> None:
    """A 700-byte YAML alias bomb (10^9 nodes expanded) is refused at the node bound."""
    assert len(ALIAS_BOMB) < 1024
    _refused(run_cli, _write(tmp_path, ALIAS_BOMB, "endpoint.yml"), "aliases are expanded")


def test_recursive_yaml_anchor_is_refused(run_cli: Any, tmp_path: Path) -> None:
    """An anchor used inside the node it names (a cycle) is refused, not walked forever."""
    text = "name: loop\nauth_mode: key\ndescription: &x [1, *x]\n"
    _refused(run_cli, _write(tmp_path, text, "endpoint.yml"), "inside the node it names")


def test_deeply_nested_yaml_is_refused(run_cli: Any, tmp_path: Path) -> None:
    """YAML nested 5,000 deep is refused at the depth bound, not a RecursionError."""
    text = "name: deep\nauth_mode: key\ndescription: " + "[" * 5000 + "]" * 5000 + "\n"
    _refused(run_cli, _write(tmp_path, text, "endpoint.yml"), "nested deeper than 100")


def test_a_template_at_every_limit_is_read(run_cli: Any, tmp_path: Path) -> None:
    """256 parameters, 512 variables, 64 outputs, 800 resources, an 800-copy variable loop and
    a 24,576-character expression: at ARM's limits, not past them, so it is read and judged."""
    parameters = {f"p{i}": {"type": "string", "defaultValue": "x"} for i in range(256)}
    variables: dict[str, Any] = {f"v{i}": f"[parameters('p{i % 256}')]" for i in range(511)}
    variables["copy"] = [{"name": "loop", "count": 800, "input": "[copyIndex('loop')]"}]
    outputs = {f"o{i}": {"type": "string", "value": "x"} for i in range(64)}
    text = "x" * (24_576 - len("[concat('', '')]"))
    looped = {**_account("[concat('a', copyIndex())]"), "copy": {"name": "c", "count": 799}}
    long = _account("long", description=f"[concat('{text}', '')]")
    template = _template(
        [looped, long], parameters=parameters, variables=variables, outputs=outputs
    )
    result, seconds = _scan(run_cli, _write(tmp_path, template))
    assert result.code in (0, 1), result.err
    assert seconds < GUARD_SECONDS
    assert result.report()["scan"]["sources"][0]["records"] == 800


def test_yaml_file_larger_than_the_bound(run_cli: Any, tmp_path: Path) -> None:
    """A 5 MB YAML spec is refused before the pure-Python YAML reader spends minutes on it."""
    text = "name: big\nauth_mode: key\ndescription: |\n" + "  filler line of text\n" * 250_000
    _refused(run_cli, _write(tmp_path, text, "endpoint.yml"), "4,194,304 characters")
