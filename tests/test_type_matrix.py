"""The type matrix: for every rule, a wrong-typed or off-enum value in any field it reads is
never a pass (issue 10 item 2); unresolved values and enum letter case are in
:mod:`tests.test_unresolved_matrix`. Cases are generated from the declarations and the rules:
the fields a rule reads are found by running it on its fixtures, so a new rule joins."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from auditor import arm
from auditor.engine.evaluate import evaluate_rule, judge
from auditor.engine.loader import load_rules
from auditor.engine.outcome import EvalContext
from auditor.engine.parameters import defaults
from auditor.fields import DECLARATIONS, Field, Kind, canonical_type, declared_at
from auditor.fields.reader import traced
from auditor.inventory import Inventory, InventoryBuilder
from auditor.model import Result, Rule, SourceRef, Status
from auditor.timeutil import parse_timestamp
from tests.conftest import FIXTURES

RULES = load_rules()
SOURCE = SourceRef(kind="snapshot", path="type-matrix")


def bad_values(declared: Field) -> list[Any]:
    """Values of the wrong JSON type for a field, and off-enum ones for an enum."""
    kind = declared.kind
    if kind is Kind.BOOLEAN:
        return ["true", 1, {}, []]
    if kind in (Kind.NUMBER, Kind.INTEGER):
        return ["5", True, {}, []]
    if kind is Kind.ARRAY:
        assert declared.items is not None
        wrong_item = "x" if declared.items.kind is Kind.OBJECT else 5
        # A lone object stands for a one-element array there (`networkInjections`): {} is
        # then a valid empty element, and "x" in its place is the wrong type.
        lone = [] if declared.lone_object else [{}]
        return ["*", 5, *lone, [wrong_item]]
    if kind in (Kind.OBJECT, Kind.MAP):
        return ["x", 5, []]
    wrong_types: list[Any] = [True, 5, {}, []]
    if kind is Kind.ENUM:
        first = declared.values[0]
        return [*wrong_types, f"{first} ", "", f" {first}", "NotAValue"]
    return wrong_types


def _flatten(document: Any) -> Iterator[dict[str, Any]]:
    if isinstance(document, list):
        for item in document:
            yield from _flatten(item)
    elif isinstance(document, dict) and isinstance(document.get("value"), list):
        yield from _flatten(document["value"])
    elif isinstance(document, dict):
        yield document


def _records(folder: Path) -> list[dict[str, Any]]:
    return [
        r for path in sorted(folder.glob("*.json")) for r in _flatten(json.loads(path.read_text()))
    ]


def _inventory(records: list[dict[str, Any]]) -> Inventory:
    builder = InventoryBuilder()
    for record in records:
        builder.add(copy.deepcopy(record), SOURCE)
    return builder.build()


def _set(record: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path (``arr[].sub`` sets ``sub`` in every element of ``arr``)."""
    head, sep, rest = path.partition("[].")
    if sep:
        parent = _walk(record, head.split(".")[:-1])
        elements = parent.get(head.split(".")[-1])
        if not isinstance(elements, list) or not elements:
            elements = parent[head.split(".")[-1]] = [{}]
        for element in elements:
            if isinstance(element, dict):
                _set(element, rest, value)
        return
    parts = path.split(".")
    _walk(record, parts[:-1])[parts[-1]] = value


def _walk(record: dict[str, Any], parts: list[str]) -> dict[str, Any]:
    current = record
    for part in parts:
        if not isinstance(current.get(part), dict):
            current[part] = {}
        current = current[part]
    return current


def _any_paths(condition: Any, prefix: str = "") -> Iterator[str]:
    """``arr[].sub`` paths a condition reads inside array elements."""
    if not isinstance(condition, dict):
        return
    for op in ("allOf", "anyOf"):
        for item in condition.get(op, []):
            yield from _any_paths(item, prefix)
    if "not" in condition:
        yield from _any_paths(condition["not"], prefix)
    if "any" in condition:
        inner = f"{prefix}{condition['field']}[]."
        for path in _fields(condition["any"]):
            yield inner + path


def _fields(condition: Any) -> Iterator[str]:
    if not isinstance(condition, dict):
        return
    for op in ("allOf", "anyOf"):
        for item in condition.get(op, []):
            yield from _fields(item)
    if "not" in condition:
        yield from _fields(condition["not"])
    if "field" in condition:
        yield condition["field"]


def _declared(arm_type: str, path: str) -> Field:
    head, sep, rest = path.partition("[].")
    if not sep:
        return declared_at(DECLARATIONS[arm_type], path)
    array = declared_at(DECLARATIONS[arm_type], head)
    assert array.items is not None
    return declared_at(array.items, rest)


@dataclass(frozen=True)
class Case:
    """One (rule, judged resource, field of some resource, bad value) to try."""

    rule: Rule
    judged: str
    owner: str
    path: str
    value: Any
    before: Status = Status.PASS
    """The verdict on the fixture as it is."""

    def __str__(self) -> str:
        owner = "" if self.owner == self.judged else f" (of {arm.last_segment(self.owner)})"
        return f"{self.rule.id}:{arm.last_segment(self.judged)}:{self.path}{owner}={self.value!r}"


def _as_of(rule: Rule) -> dt.datetime:
    import yaml

    expected = yaml.safe_load((FIXTURES / "rules" / rule.id / "expected.yaml").read_text())
    moment = parse_timestamp(expected.get("as_of", "2026-11-01T00:00:00Z"))
    assert moment is not None
    return moment


def _fields_read(rule: Rule) -> Iterator[tuple[Result, dict[tuple[str, str], str]]]:
    """Each result of the rule on its fixtures, with the fields its evaluation read:
    (owner key, path) -> owner type."""
    records = _records(FIXTURES / "rules" / rule.id)
    inventory = _inventory(records)
    as_of = _as_of(rule)
    context = EvalContext(inventory=inventory, as_of=as_of, parameters=defaults(rule))
    results = evaluate_rule(rule, inventory, as_of, {})  # also builds the memoised indexes
    by_data = {id(r.data): r for r in inventory}
    for result in results:
        judged = result.resource
        with traced() as readings:
            judge(rule, judged, context)
        read: dict[tuple[str, str], str] = {}
        for reading in readings:
            owner = by_data.get(id(reading.data))
            if (
                reading.judged
                and owner is not None
                and reading.declaration is DECLARATIONS[owner.type]
            ):
                read[(owner.key, reading.path)] = owner.type
        for condition in (rule.condition, rule.applies_when):
            for path in _any_paths(condition):
                read[(judged.key, path)] = judged.type
        yield result, read


def _cases(rule: Rule) -> Iterator[Case]:
    for result, read in _fields_read(rule):
        for (owner_key, path), owner_type in sorted(read.items()):
            for value in bad_values(_declared(owner_type, path)):
                yield Case(rule, result.resource.key, owner_key, path, value, result.status)


def _judged_wrongly(case: Case, status: Status) -> bool:
    """A bad value passed, or made a rule that applied not applicable (which would hide it)."""
    if status is Status.NOT_APPLICABLE:
        return case.before is not Status.NOT_APPLICABLE
    return status not in (Status.UNKNOWN, Status.FAIL)


def judge_changed(
    rule: Rule,
    judged: str,
    owner: str,
    path: str,
    records: list[dict[str, Any]],
    value: Callable[[Any], Any],
) -> Result:
    """The result on ``judged`` once ``owner``'s field ``path`` holds ``value(old value)``."""
    mutated = copy.deepcopy(records)
    for record in mutated:
        if isinstance(record.get("id"), str) and arm.normalise_id(record["id"]) == owner:
            _set(record, path, value(value_at(record, path)))
    inventory = _inventory(mutated)
    results = evaluate_rule(rule, inventory, _as_of(rule), {})
    (result,) = [r for r in results if r.resource.key == judged]
    return result


def value_at(record: dict[str, Any], path: str) -> Any:
    current: Any = record
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def _run(case: Case, records: list[dict[str, Any]]) -> Status:
    bad = case.value
    return judge_changed(
        case.rule, case.judged, case.owner, case.path, records, lambda _: copy.deepcopy(bad)
    ).status


ALL_CASES = [case for rule in RULES for case in _cases(rule)]


def test_the_matrix_covers_every_rule_that_reads_a_field() -> None:
    """Every rule with a declarative condition, and every predicate reading its resource, has
    cases; the count is reported (issue 10's figure)."""
    covered = {case.rule.id for case in ALL_CASES}
    readers = {r.id for r in RULES if r.condition is not None or r.applies_when is not None}
    assert readers <= covered
    print(f"type matrix: {len(ALL_CASES)} (rule, field, bad value) cases over {len(covered)} rules")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_a_bad_value_in_any_field_a_rule_reads_is_never_a_pass(rule: Rule) -> None:
    """Each wrong-typed or off-enum value, put into a field any fixture's evaluation read
    (passing, failing or not), gives unknown or fail, never pass (nor not-applicable where
    the rule applied, which would hide it)."""
    records = _records(FIXTURES / "rules" / rule.id)
    passing = [
        f"{case} ({case.before.value} before)"
        for case in ALL_CASES
        if case.rule is rule and _judged_wrongly(case, _run(case, records))
    ]
    assert passing == []


# Role assignments are read once per inventory (an index), not per judged resource, so the
# trace above does not see them. An assignment is relevant to a judged resource when giving it
# another role changes the verdict; then a bad value in any of its fields must not pass.
OWNER_ID = "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
READER_ID = (
    "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7"
)
ASSIGNMENT_FIELDS = (
    "properties.roleDefinitionId",
    "properties.principalId",
    "properties.principalType",
    "properties.scope",
)


def _assignment_cases(rule: Rule) -> Iterator[Case]:
    records = _records(FIXTURES / "rules" / rule.id)
    assignments = [
        arm.normalise_id(r["id"])
        for r in records
        if isinstance(r.get("type"), str) and canonical_type(r["type"]) == arm.ROLE_ASSIGNMENT
    ]
    if not assignments:
        return
    inventory = _inventory(records)
    passing = [
        r.resource.key
        for r in evaluate_rule(rule, inventory, _as_of(rule), {})
        if r.status is Status.PASS and r.resource.type != arm.ROLE_ASSIGNMENT
    ]
    for judged in passing:
        for assignment in assignments:
            swaps = [
                Case(rule, judged, assignment, "properties.roleDefinitionId", role)
                for role in (OWNER_ID, READER_ID)
            ]
            if all(_run(swap, records) is Status.PASS for swap in swaps):
                continue  # this assignment does not decide the verdict
            for path in ASSIGNMENT_FIELDS:
                for value in bad_values(_declared(arm.ROLE_ASSIGNMENT, path)):
                    yield Case(rule, judged, assignment, path, value)


ASSIGNMENT_CASES = [case for rule in RULES for case in _assignment_cases(rule)]


def test_a_bad_value_in_an_assignment_that_decides_a_pass_is_never_a_pass() -> None:
    """Each wrong-typed or off-enum value in a role assignment that could change a passing
    verdict (IAM003 Owner counts, IAM005 key readers, AML020 endpoint roles) is not a pass."""
    assert {case.rule.id for case in ASSIGNMENT_CASES} >= {"IAM003", "IAM005", "AML020"}
    print(f"type matrix: {len(ASSIGNMENT_CASES)} role-assignment cases")
    passing = []
    for case in ASSIGNMENT_CASES:
        records = _records(FIXTURES / "rules" / case.rule.id)
        if _run(case, records) not in (Status.UNKNOWN, Status.FAIL):
            passing.append(str(case))
    assert passing == []
