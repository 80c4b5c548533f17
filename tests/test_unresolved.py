"""Unresolved template values in the engine: unknown with the expression, never pass or fail."""

from __future__ import annotations

from typing import Any

import pytest

from auditor import arm
from auditor.engine import conditions
from auditor.engine.evaluate import evaluate
from auditor.engine.loader import load_rules
from auditor.fields import Problem, Unresolved
from auditor.inventory import InventoryBuilder
from auditor.model import SourceRef, Status
from auditor.timeutil import parse_timestamp
from auditor.unresolved import unresolved

RULES = {r.id: r for r in load_rules()}
AS_OF = parse_timestamp("2026-11-01T00:00:00Z")
OPEN = unresolved("[parameters('allowKeys')]", "parameter allowKeys has no value")
WS = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"


def _judge(rule_id: str, record: dict[str, Any], *others: dict[str, Any]) -> Any:
    builder = InventoryBuilder()
    for item in (record, *others):
        builder.add(item, SourceRef("template", "main.json", 3, {"properties.disableLocalAuth": 9}))
    assert AS_OF is not None
    results = evaluate([RULES[rule_id]], builder.build(), AS_OF)
    return next(r for r in results if r.resource.id == record["id"])


def test_marker_in_a_field_is_missing_with_the_expression() -> None:
    """A condition reading a marker is undecided and records the expression, default or not."""
    evidence: dict[str, Any] = {}
    problems: list[Problem] = []
    condition = {"field": "properties.disableLocalAuth", "equals": True, "default": False}
    data = {"properties": {"disableLocalAuth": OPEN}}
    assert conditions.evaluate(condition, data, evidence, problems=problems) is None
    assert "[parameters('allowKeys')]" in evidence["properties.disableLocalAuth"]
    assert problems == [Unresolved("properties.disableLocalAuth", OPEN)]


def test_marker_above_a_field_leaves_it_unresolved() -> None:
    """An unresolved object (the whole properties block) makes every field below it unresolved."""
    evidence: dict[str, Any] = {}
    problems: list[Problem] = []
    condition = {"field": "properties.disableLocalAuth", "equals": True}
    assert conditions.evaluate(condition, {"properties": OPEN}, evidence, problems=problems) is None
    assert problems == [Unresolved("properties.disableLocalAuth", OPEN)]


def test_rule_with_missing_fail_is_unknown_not_fail() -> None:
    """AIS001 fails a missing disableLocalAuth, but an unresolved one is unknown with the expression."""
    account = {
        "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a",
        "type": arm.AI_ACCOUNT,
        "location": "eastus",
        "properties": {"disableLocalAuth": OPEN},
    }
    result = _judge("AIS001", account)
    assert result.status is Status.UNKNOWN
    assert "[parameters('allowKeys')]" in (result.reason or "")
    assert result.evidence["template_location"] == {
        "path": "main.json",
        "line": 3,
        "property": "properties.disableLocalAuth",
        "property_line": 9,
    }


@pytest.mark.parametrize(
    ("rule_id", "record"),
    [
        (
            "AML005",
            {
                "id": f"{WS}/services/s",
                "type": arm.WEB_SERVICE,
                "properties": {"computeType": "ACI", "authEnabled": OPEN},
            },
        ),
        (
            "AML004",
            {
                "id": f"{WS}/services/s",
                "type": arm.WEB_SERVICE,
                "properties": {"computeType": "ACI", "aadAuthEnabled": OPEN},
            },
        ),
        (
            "AML007",
            {
                "id": f"{WS}/onlineEndpoints/e/deployments/d",
                "type": arm.ONLINE_DEPLOYMENT,
                "properties": {"environmentVariables": OPEN},
            },
        ),
        (
            "AML003",
            {
                "id": f"{WS}/computes/aks",
                "type": arm.COMPUTE,
                "location": "eastus",
                "properties": {"computeType": "AKS", "computeLocation": OPEN},
            },
        ),
    ],
)
def test_predicates_are_unknown_on_markers(rule_id: str, record: dict[str, Any]) -> None:
    """Python predicates report unknown, naming the expression, when a value they read is open."""
    workspace = {"id": WS, "type": arm.WORKSPACE, "location": "eastus"}
    result = _judge(rule_id, record, workspace)
    assert result.status is Status.UNKNOWN, result.message
    assert "[parameters('allowKeys')]" in (result.reason or "")
