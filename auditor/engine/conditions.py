"""The declarative operator set rule files use, evaluated with three values.

A condition is a mapping:

- ``{"allOf": [c, ...]}``, ``{"anyOf": [c, ...]}``, ``{"not": c}``
- ``{"field": "properties.disableLocalAuth", OP: value}`` with OP one of ``equals``,
  ``notEquals``, ``in``, ``notIn``, ``exists``, ``greater``, ``greaterOrEquals``, ``less``,
  ``lessOrEquals``, ``contains``, ``isEmpty``, ``any``; optionally ``default: value``, the
  value ARM means when the field is absent.
- ``{"field": "properties.privateEndpointConnections", "any": c}``: the field is an array and
  at least one element satisfies ``c``, whose field paths are relative to the element.

Field paths are dotted and case-sensitive (a typo must not silently match), and must be
declared for the rule's types (:mod:`auditor.fields`). String values compare
case-insensitively, as ARM enum values do. A field that is absent (with no ``default``) makes
the clause *missing* (None); ``allOf``/``anyOf``/``not`` follow Kleene logic, so a missing
field decides the outcome only when nothing else does. A value a template left unresolved
(see :mod:`auditor.unresolved`) is undecided too, whatever ``default`` says, and its evidence
shows the expression; so is a value of the wrong type or off the spec's enum (*invalid*),
and a rule that read one never passes (see :mod:`auditor.engine.evaluate`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, MutableMapping
from dataclasses import replace
from typing import Any

from auditor.fields import (
    MISSING_TEXT,
    UNTYPED,
    Field,
    Invalid,
    Kind,
    Missing,
    Problem,
    UndeclaredField,
    Unresolved,
    declared_at,
    read,
)
from auditor.fields.reader import found_text

FIELD_OPERATORS = frozenset(
    {
        "equals",
        "notEquals",
        "in",
        "notIn",
        "exists",
        "greater",
        "greaterOrEquals",
        "less",
        "lessOrEquals",
        "contains",
        "isEmpty",
        "any",
    }
)
LOGICAL_OPERATORS = frozenset({"allOf", "anyOf", "not"})


class ConditionError(ValueError):
    """A condition that does not follow the operator grammar."""


def validate(condition: object, where: str = "condition") -> list[str]:
    """Check a condition against the grammar; returns the field paths it reads."""
    if not isinstance(condition, Mapping):
        raise ConditionError(f"{where}: must be a mapping, found {type(condition).__name__}")
    keys = set(condition)
    logical = keys & LOGICAL_OPERATORS
    if logical:
        if len(keys) != 1:
            raise ConditionError(
                f"{where}: {sorted(logical)[0]} must stand alone, found {sorted(keys)}"
            )
        op = next(iter(logical))
        if op == "not":
            return validate(condition["not"], f"{where}.not")
        items = condition[op]
        if not isinstance(items, list) or not items:
            raise ConditionError(f"{where}.{op}: must be a non-empty list")
        fields: list[str] = []
        for index, item in enumerate(items):
            fields += validate(item, f"{where}.{op}[{index}]")
        return fields
    if "field" not in keys:
        raise ConditionError(f"{where}: needs 'field' or one of {sorted(LOGICAL_OPERATORS)}")
    path = condition["field"]
    if not isinstance(path, str) or not path or any(not part for part in path.split(".")):
        raise ConditionError(f"{where}: 'field' must be a dotted path, found {path!r}")
    ops = keys - {"field", "default"}
    unknown = ops - FIELD_OPERATORS
    if unknown:
        raise ConditionError(f"{where}: unknown operator {sorted(unknown)[0]!r}")
    if len(ops) != 1:
        raise ConditionError(f"{where}: needs exactly one operator, found {sorted(ops)}")
    op = next(iter(ops))
    value = condition[op]
    if op in ("in", "notIn") and not isinstance(value, list):
        raise ConditionError(f"{where}: '{op}' takes a list")
    if op in ("exists", "isEmpty") and not isinstance(value, bool):
        raise ConditionError(f"{where}: '{op}' takes true or false")
    if op in ("greater", "greaterOrEquals", "less", "lessOrEquals") and (
        not isinstance(value, (int, float)) or isinstance(value, bool)
    ):
        raise ConditionError(f"{where}: '{op}' takes a number")
    if op == "any":
        validate(value, f"{where}.any")
    return [path]


def undeclared(condition: Mapping[str, Any], declaration: Field, prefix: str = "") -> list[str]:
    """Field paths a (valid) condition reads that ``declaration`` does not keep, or where it
    applies ``any`` to something that is not an array. Such a field could never hold a value."""
    for op in ("allOf", "anyOf"):
        if op in condition:
            return [f for c in condition[op] for f in undeclared(c, declaration, prefix)]
    if "not" in condition:
        return undeclared(condition["not"], declaration, prefix)
    path = condition["field"]
    try:
        declared = declared_at(declaration, path)
    except UndeclaredField:
        return [prefix + path]
    if "any" not in condition:
        return []
    if declared.kind is not Kind.ARRAY or declared.items is None:
        return [f"{prefix}{path} (not an array, but read with 'any')"]
    return undeclared(condition["any"], declared.items, f"{prefix}{path}[].")


def _fold(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(_fold(a) == _fold(b))


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "equals":
        return _same(actual, expected)
    if op == "notEquals":
        return not _same(actual, expected)
    if op == "in":
        return any(_same(actual, e) for e in expected)
    if op == "notIn":
        return not any(_same(actual, e) for e in expected)
    if op == "contains":
        if isinstance(actual, str):
            return isinstance(expected, str) and expected.lower() in actual.lower()
        if isinstance(actual, list):
            return any(_same(item, expected) for item in actual)
        return False
    if op == "isEmpty":
        empty = actual is None or (isinstance(actual, (str, list, dict)) and len(actual) == 0)
        return empty is expected
    if op in ("greater", "greaterOrEquals", "less", "lessOrEquals"):
        if not isinstance(actual, (int, float)) or isinstance(actual, bool):
            return False
        if op == "greater":
            return bool(actual > expected)
        if op == "greaterOrEquals":
            return bool(actual >= expected)
        if op == "less":
            return bool(actual < expected)
        return bool(actual <= expected)
    raise ConditionError(f"unknown operator {op!r}")


def evaluate(
    condition: Mapping[str, Any],
    data: Mapping[str, Any],
    evidence: MutableMapping[str, Any],
    *,
    declaration: Field = UNTYPED,
    problems: list[Problem] | None = None,
) -> bool | None:
    """True, False, or None when a field it needed was missing, unresolved or invalid.

    Fields are read through the typed reader against ``declaration`` (the resource type's);
    records what it read in ``evidence`` and, in ``problems``, why each field it could not
    judge was so (a value may decide nothing, yet be reported).
    """
    found = problems if problems is not None else []
    if "allOf" in condition:
        results = [
            evaluate(c, data, evidence, declaration=declaration, problems=found)
            for c in condition["allOf"]
        ]
        if any(r is False for r in results):
            return False
        return None if any(r is None for r in results) else True
    if "anyOf" in condition:
        results = [
            evaluate(c, data, evidence, declaration=declaration, problems=found)
            for c in condition["anyOf"]
        ]
        if any(r is True for r in results):
            return True
        return None if any(r is None for r in results) else False
    if "not" in condition:
        inner = evaluate(condition["not"], data, evidence, declaration=declaration, problems=found)
        return None if inner is None else not inner
    path = condition["field"]
    op = next(k for k in condition if k in FIELD_OPERATORS)
    value = read(data, declaration, path)
    if isinstance(value, (Unresolved, Invalid)):
        evidence[path] = value.evidence
        found.append(value)
        return None
    if isinstance(value, Missing):
        if op == "exists":
            evidence[path] = MISSING_TEXT
            return condition[op] is False
        if "default" in condition:
            actual = condition["default"]
            evidence[path] = f"{MISSING_TEXT} (ARM default: {json.dumps(actual)})"
            if op == "any":
                note = evidence[path]
                verdict = _any_item(condition["any"], actual, path, declaration, evidence, found)
                evidence[path] = note
                return verdict
            return _compare(op, actual, condition[op])
        evidence[path] = MISSING_TEXT
        found.append(value)
        return None
    actual = value.value
    evidence[path] = actual
    if op == "exists":
        return condition[op] is True
    if op == "any":
        return _any_item(condition["any"], actual, path, declaration, evidence, found)
    return _compare(op, actual, condition[op])


def _any_item(
    condition: Mapping[str, Any],
    items: list[Any],
    path: str,
    declaration: Field,
    evidence: MutableMapping[str, Any],
    problems: list[Problem],
) -> bool | None:
    """True when some element satisfies ``condition``; None when none does but one is unsure.

    An element the condition cannot judge adds its problem (named ``path[i].field``); an
    invalid one is also shown in the evidence, so it can never hide behind a match.
    """
    if not isinstance(items, list):  # only a rule's `default` can get here
        evidence[path] = f"<not a list: {type(items).__name__}>"
        return False
    element = declared_at(declaration, path).items or UNTYPED
    verdicts = []
    open_items: list[str] = []
    for index, item in enumerate(items):
        scratch: dict[str, Any] = {}
        item_problems: list[Problem] = []
        verdict: bool | None
        if isinstance(item, Mapping):
            verdict = evaluate(
                condition, item, scratch, declaration=element, problems=item_problems
            )
            item_problems = [replace(p, path=f"{path}[{index}].{p.path}") for p in item_problems]
        elif element.kind is Kind.ANY:
            verdict = False  # untyped: an element that is no object matches nothing
        else:
            verdict = None
            item_problems = [Invalid(f"{path}[{index}]", element.expected(), found_text(item))]
        verdicts.append(verdict)
        problems += item_problems
        for problem in item_problems:
            if isinstance(problem, Invalid):
                evidence[problem.path] = problem.evidence
        open_items += [p.evidence for p in item_problems if isinstance(p, Unresolved)]
    matching = sum(1 for v in verdicts if v is True)
    evidence[path] = f"{len(items)} item(s), {matching} matching"
    if matching:
        return True
    if open_items:  # an element a template left open: show its expression, decide nothing
        evidence[path] = open_items[0]
    return None if any(v is None for v in verdicts) else False


def invalid_fields(problems: list[Problem]) -> list[Invalid]:
    """The invalid values among ``problems``: a rule that read one never passes."""
    return [p for p in problems if isinstance(p, Invalid)]
