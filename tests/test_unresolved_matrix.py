"""The unresolved matrix (issue 11): a value a template leaves open (a subnet from
reference(), a parameter with no value) may make a verdict unknown, never change it to
another, since Kleene logic only loses knowledge; and an enum value reads in any letter case,
as ARM compares them. Cases come from the fields each rule's fixtures make it read (see
:mod:`tests.test_type_matrix`), so a new rule joins."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from auditor import arm
from auditor.fields import Kind, canonical_type
from auditor.model import Result, Rule, Status
from auditor.unresolved import unresolved
from tests.conftest import FIXTURES
from tests.test_type_matrix import (
    RULES,
    _declared,
    _fields_read,
    _records,
    judge_changed,
    value_at,
)

MARKER = unresolved("[reference('vnet').outputs.subnetId.value]", "only known at deployment")


@dataclass(frozen=True)
class OpenCase:
    """One (rule, judged resource, field of some resource) to change, and the verdict it had
    before."""

    rule: Rule
    judged: str
    owner: str
    path: str
    before: Status

    def __str__(self) -> str:
        owner = "" if self.owner == self.judged else f" (of {arm.last_segment(self.owner)})"
        return f"{self.rule.id}:{arm.last_segment(self.judged)}:{self.path}{owner}"

    def changed(self, value: Callable[[object], object]) -> Result:
        """The result once the field holds ``value(old value)``."""
        records = _records(FIXTURES / "rules" / self.rule.id)
        return judge_changed(self.rule, self.judged, self.owner, self.path, records, value)


def _open_cases(rule: Rule) -> Iterator[OpenCase]:
    """Every field any fixture result read (whatever its verdict), and the object holding it
    (``managedNetwork`` for ``managedNetwork.isolationMode``)."""
    for result, read in _fields_read(rule):
        opened = set(read)
        for owner_key, path in read:
            parent = path.partition("[]")[0].rpartition(".")[0]
            if parent.count(".") >= 1:
                opened.add((owner_key, parent))
        for owner_key, path in sorted(opened):
            yield OpenCase(rule, result.resource.key, owner_key, path, result.status)


OPEN_CASES = [case for rule in RULES for case in _open_cases(rule)]


def _names(reason: str, path: str) -> bool:
    """Whether an unknown reason names the field (past any array) and the open expression."""
    return path.rpartition("[].")[2] in reason and MARKER["$unresolved"] in reason


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_an_unresolved_value_in_any_field_a_rule_reads_never_changes_its_verdict(
    rule: Rule,
) -> None:
    """An unresolved marker in a field any fixture's evaluation read (or in its parent object)
    leaves the verdict as it was or makes it unknown, never a pass, fail or not-applicable it
    was not (a false AML013 fail for a reference() subnet); an unknown names the field."""
    wrong: list[str] = []
    for case in (c for c in OPEN_CASES if c.rule is rule):
        result = case.changed(lambda _: copy.deepcopy(MARKER))
        if result.status not in (case.before, Status.UNKNOWN):
            wrong.append(f"{case}: {case.before.value} -> {result.status.value}")
        elif result.status is not case.before and not _names(str(result.reason), case.path):
            wrong.append(f"{case}: unknown without the field and expression: {result.reason}")
    assert wrong == []


def test_the_unresolved_matrix_covers_every_rule_that_reads_a_field() -> None:
    """Every rule that reads a field has unresolved cases, AML013's workspace isolation mode
    and AML019's among them; the count is reported."""
    covered = {case.rule.id for case in OPEN_CASES}
    readers = {r.id for r in RULES if r.condition is not None or r.applies_when is not None}
    assert readers <= covered
    shapes = {(c.rule.id, c.path) for c in OPEN_CASES}
    assert ("AML013", "properties.managedNetwork.isolationMode") in shapes
    assert ("AML013", "properties.properties.subnet.id") in shapes
    assert ("AML019", "properties.managedNetwork.isolationMode") in shapes
    assert any(path == "properties.managedNetwork" for _, path in shapes)
    print(f"unresolved matrix: {len(OPEN_CASES)} (rule, field) cases over {len(covered)} rules")


def _enum_cases() -> Iterator[OpenCase]:
    for case in OPEN_CASES:
        if "[]" in case.path:
            continue
        records = _records(FIXTURES / "rules" / case.rule.id)
        owner = next((r for r in records if arm.normalise_id(str(r.get("id"))) == case.owner), None)
        if owner is None or not isinstance(value_at(owner, case.path), str):
            continue
        declared = _declared(canonical_type(str(owner["type"])), case.path)
        if declared.kind is Kind.ENUM:
            yield case


ENUM_CASES = list(_enum_cases())


def test_enum_values_compare_in_any_letter_case() -> None:
    """An enum value a fixture's evaluation read, written in another letter case
    (all lower, all upper), gives the same verdict, as ARM compares them."""
    assert {c.rule.id for c in ENUM_CASES} >= {"AML010", "AML013", "AML019"}
    print(f"enum letter case: {len(ENUM_CASES)} cases")
    changed = [
        f"{case} ({recase.__name__}): {case.before.value} -> {status.value}"
        for case in ENUM_CASES
        for recase in (str.lower, str.upper)
        if (status := case.changed(lambda v, f=recase: f(str(v))).status) is not case.before
    ]
    assert changed == []
