"""The ARM expression evaluator, one function at a time."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.collect.templates.armparams import resolve_parameters
from auditor.collect.templates.expressions import (
    SUPPORTED_FUNCTIONS,
    DeploymentContext,
    Scope,
    Unresolvable,
    evaluate_expression,
    evaluate_value,
    resolve_deep,
)
from auditor.unresolved import MARKER_KEY, is_unresolved

CONTEXT = DeploymentContext(
    subscription_id="aaaaaaaa-0000-4000-8000-000000000001",
    resource_group="rg-ai",
    location="westeurope",
)


def _scope(**parameters: Any) -> Scope:
    variables = {
        "prefix": "[concat(parameters('name'), '-')]",
        "settings": {"keys": "[not(parameters('allowKeys'))]"},
        "loop": "[variables('loop')]",
    }
    return Scope(
        {"name": "acct", "allowKeys": True, "obj": {"Inner": [10, 20]}, **parameters},
        variables,
        CONTEXT,
    )


def ev(text: str, scope: Scope | None = None) -> Any:
    """Evaluate ``text`` (without brackets) in the default test scope."""
    return evaluate_expression(text, scope or _scope())


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("parameters('name')", "acct"),
        ("parameters('NAME')", "acct"),
        ("variables('prefix')", "acct-"),
        ("variables('settings').keys", False),
        ("concat('a', 'b', 1)", "ab1"),
        ("concat(createArray(1), createArray(2, 3))", [1, 2, 3]),
        ("format('{0}-{1}', 'ws', 7)", "ws-7"),
        ("format('{{literal}} {0}', 'x')", "{literal} x"),
        ("if(parameters('allowKeys'), 'on', 'off')", "on"),
        ("equals('Key', 'Key')", True),
        ("equals('Key', 'key')", False),
        ("equals(1, 1)", True),
        ("not(true())", False),
        ("and(true(), false())", False),
        ("or(false(), true())", True),
        ("bool('true')", True),
        ("bool(0)", False),
        ("toLower('AbC')", "abc"),
        ("toUpper('AbC')", "ABC"),
        ("resourceGroup().name", "rg-ai"),
        ("resourceGroup().location", "westeurope"),
        (
            "resourceGroup().id",
            "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001/resourceGroups/rg-ai",
        ),
        ("subscription().subscriptionId", "aaaaaaaa-0000-4000-8000-000000000001"),
        (
            "resourceId('Microsoft.MachineLearningServices/workspaces/computes', 'ws', 'aks')",
            "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001/resourceGroups/rg-ai/providers/"
            "Microsoft.MachineLearningServices/workspaces/ws/computes/aks",
        ),
        (
            "resourceId('other-rg', 'Microsoft.CognitiveServices/accounts', 'a')",
            "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001/resourceGroups/other-rg/providers/"
            "Microsoft.CognitiveServices/accounts/a",
        ),
        (
            "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'abc')",
            "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001/providers/"
            "Microsoft.Authorization/roleDefinitions/abc",
        ),
        ("union(createObject('a', 1), createObject('b', 2))", {"a": 1, "b": 2}),
        (
            "union(createObject('p', createObject('x', 1)), createObject('p', createObject('y', 2)))",
            {"p": {"x": 1, "y": 2}},
        ),
        ("union(createArray(1, 2), createArray(2, 3))", [1, 2, 3]),
        ("coalesce(null(), 'fallback')", "fallback"),
        ("contains('keyless', 'less')", True),
        ("contains(createArray('a'), 'b')", False),
        ("contains(parameters('obj'), 'inner')", True),
        ("empty('')", True),
        ("empty(createArray(1))", False),
        ("createObject('k', 'v')", {"k": "v"}),
        ("createArray('a', 'b')", ["a", "b"]),
        ("parameters('obj').inner[1]", 20),
        ("parameters('obj')['Inner'][0]", 10),
        ("length('abc')", 3),
        ("string(true())", "True"),
        ("int('42')", 42),
        ("split('a/b', '/')[1]", "b"),
        ("replace('a-b', '-', '')", "ab"),
        ("greater(2, 1)", True),
        ("'it''s'", "it's"),
    ],
)
def test_function_values(expression: str, expected: Any) -> None:
    """Each supported function gives the value Resource Manager documents for it."""
    assert ev(expression) == expected


def test_guid_and_unique_string_are_deterministic() -> None:
    """guid() and uniqueString() give the same value for the same arguments, and differ otherwise."""
    first = ev("guid(resourceGroup().id, 'x')")
    assert first == ev("guid(resourceGroup().id, 'x')")
    assert first != ev("guid(resourceGroup().id, 'y')")
    assert len(first) == 36 and first.count("-") == 4
    unique = ev("uniqueString(resourceGroup().id)")
    assert unique == ev("uniqueString(resourceGroup().id)") and len(unique) == 13
    assert unique != ev("uniqueString('other')")


def test_if_evaluates_only_the_branch_taken() -> None:
    """A runtime-only function in the branch not taken does not make the value unresolved."""
    assert ev("if(equals(parameters('name'), 'acct'), 'ok', reference('x').y)") == "ok"


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("reference('acct').endpoint", "reference() is only known at deployment time"),
        ("listKeys('acct', '2023-05-01').key1", "listKeys() is only known at deployment time"),
        ("madeUpFunction(1)", "unknown function madeUpFunction()"),
        ("parameters('missing')", "parameter 'missing' is not declared"),
        ("variables('loop')", "variable 'loop' refers to itself"),
        ("parameters('obj').nothing", "property 'nothing' not found"),
        ("concat('a'", "expected ) in expression"),
    ],
)
def test_unresolvable_names_the_reason(expression: str, reason: str) -> None:
    """What cannot be evaluated raises Unresolvable naming the function, parameter or problem."""
    with pytest.raises(Unresolvable) as caught:
        ev(expression)
    assert reason in caught.value.reason


def test_parameter_marker_propagates_into_dependent_expressions() -> None:
    """A parameter without a value makes every expression using it unresolved, with its reason."""
    marker = {MARKER_KEY: "[parameters('allowKeys')]", "reason": "no value"}
    scope = _scope(allowKeys=marker)
    with pytest.raises(Unresolvable) as caught:
        evaluate_expression("not(parameters('allowKeys'))", scope)
    assert "[parameters('allowKeys')]" in caught.value.reason


def test_resolve_deep_marks_only_the_open_values() -> None:
    """Inside an object, an open expression becomes a marker keeping its text; the rest resolve."""
    value = resolve_deep(
        {"a": "[parameters('name')]", "b": "[reference('x').y]", "c": ["[[literal]"]}, _scope()
    )
    assert value["a"] == "acct"
    assert is_unresolved(value["b"]) and value["b"][MARKER_KEY] == "[reference('x').y]"
    assert value["c"] == ["[literal]"]


def test_copy_index_inside_a_loop_only() -> None:
    """copyIndex() gives the iteration (plus offset) inside a loop and is unresolved outside it."""
    scope = _scope().with_copy("nodes", 2)
    assert evaluate_expression("copyIndex()", scope) == 2
    assert evaluate_expression("copyIndex('nodes', 1)", scope) == 3
    with pytest.raises(Unresolvable):
        ev("copyIndex()")


def test_plain_strings_are_not_expressions() -> None:
    """Strings without brackets stay as they are; '[[' escapes a literal bracket."""
    assert evaluate_value("plain", _scope()) == "plain"
    assert evaluate_value("[[not an expression]", _scope()) == "[not an expression]"


def test_issue_function_list_is_supported() -> None:
    """Every function the issue names is implemented (not reported as unknown)."""
    named = {
        "parameters",
        "variables",
        "concat",
        "format",
        "if",
        "equals",
        "not",
        "and",
        "or",
        "bool",
        "tolower",
        "toupper",
        "resourcegroup",
        "subscription",
        "resourceid",
        "subscriptionresourceid",
        "guid",
        "uniquestring",
        "union",
        "coalesce",
        "contains",
        "empty",
        "createobject",
        "createarray",
    }
    assert named <= SUPPORTED_FUNCTIONS


def test_parameter_defaults_may_use_later_parameters() -> None:
    """A defaultValue may refer to a parameter declared after it; a missing one stays open."""
    template = {
        "parameters": {
            "accountName": {
                "type": "string",
                "defaultValue": "[concat(parameters('prefix'), '-ai')]",
            },
            "prefix": {"type": "string", "defaultValue": "[resourceGroup().name]"},
            "broken": {"type": "string", "defaultValue": "[parameters('nothing')]"},
            "required": {"type": "string"},
        }
    }
    values = resolve_parameters(template, {}, CONTEXT, "template")
    assert values["accountName"] == "rg-ai-ai"
    assert is_unresolved(values["broken"]) and is_unresolved(values["required"])
    assert list(values) == ["accountName", "prefix", "broken", "required"]
