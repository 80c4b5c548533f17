"""The declarative operators, with three-valued logic for missing fields."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.engine.conditions import evaluate

DATA = {"properties": {"mode": "Key", "count": 3, "list": ["A", "b"], "flag": False, "nil": None}}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "properties.mode", "equals": "key"}, True),
        ({"field": "properties.mode", "notEquals": "Key"}, False),
        ({"field": "properties.mode", "in": ["AADToken", "KEY"]}, True),
        ({"field": "properties.mode", "notIn": ["AADToken"]}, True),
        ({"field": "properties.count", "greater": 2}, True),
        ({"field": "properties.count", "lessOrEquals": 2}, False),
        ({"field": "properties.list", "contains": "a"}, True),
        ({"field": "properties.list", "isEmpty": False}, True),
        ({"field": "properties.flag", "equals": False}, True),
        ({"field": "properties.flag", "equals": 0}, False),
        ({"field": "properties.absent", "exists": False}, True),
        ({"field": "properties.absent", "equals": "x"}, None),
        ({"field": "properties.nil", "equals": "x"}, None),
        ({"field": "properties.absent", "equals": False, "default": False}, True),
        ({"field": "Properties.mode", "equals": "Key"}, None),
        (
            {
                "allOf": [
                    {"field": "properties.absent", "equals": 1},
                    {"field": "properties.mode", "equals": "x"},
                ]
            },
            False,
        ),
        (
            {
                "allOf": [
                    {"field": "properties.absent", "equals": 1},
                    {"field": "properties.mode", "equals": "Key"},
                ]
            },
            None,
        ),
        (
            {
                "anyOf": [
                    {"field": "properties.absent", "equals": 1},
                    {"field": "properties.mode", "equals": "Key"},
                ]
            },
            True,
        ),
        ({"not": {"field": "properties.absent", "equals": 1}}, None),
        ({"not": {"field": "properties.mode", "equals": "Key"}}, False),
    ],
)
def test_operators(condition: dict[str, Any], expected: bool | None) -> None:
    """Each operator, case-insensitive values, case-sensitive paths, and Kleene logic."""
    assert evaluate(condition, DATA, {}) is expected


def test_evidence_records_what_was_read() -> None:
    """Evidence names each field read and its value, or that it was missing."""
    evidence: dict[str, Any] = {}
    evaluate(
        {
            "allOf": [
                {"field": "properties.mode", "equals": "Key"},
                {"field": "properties.absent", "equals": 1, "default": 0},
            ]
        },
        DATA,
        evidence,
    )
    assert evidence == {"properties.mode": "Key", "properties.absent": "<missing> (ARM default: 0)"}


PE = {
    "properties": {
        "privateEndpointConnections": [
            {"properties": {"privateLinkServiceConnectionState": {"status": "Pending"}}},
            {"properties": {"privateLinkServiceConnectionState": {"status": "approved"}}},
        ],
        "unsure": [{"properties": {}}],
        "none": [],
    }
}
APPROVED = {"field": "properties.privateLinkServiceConnectionState.status", "equals": "Approved"}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "properties.privateEndpointConnections", "any": APPROVED}, True),
        ({"field": "properties.none", "any": APPROVED}, False),
        ({"field": "properties.unsure", "any": APPROVED}, None),
        ({"field": "properties.absent", "any": APPROVED}, None),
        ({"field": "properties.absent", "any": APPROVED, "default": []}, False),
    ],
)
def test_any_over_array_elements(condition: dict[str, Any], expected: bool | None) -> None:
    """`any` is true when one element matches, false for none, unknown when one cannot tell."""
    evidence: dict[str, Any] = {}
    assert evaluate(condition, PE, evidence) is expected
    assert condition["field"] in evidence


def test_any_validates_its_inner_condition() -> None:
    """A malformed element condition under `any` is a grammar error."""
    from auditor.engine.conditions import ConditionError, validate

    with pytest.raises(ConditionError, match="unknown operator"):
        validate({"field": "properties.x", "any": {"field": "y", "equal": 1}})
