"""Every rule against its own fixtures: the exact resources for each outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.collect.snapshot import read_snapshots
from auditor.engine.evaluate import evaluate
from auditor.engine.loader import load_rules
from auditor.inventory import InventoryBuilder
from auditor.timeutil import parse_timestamp
from tests.conftest import FIXTURES

RULE_FIXTURES = FIXTURES / "rules"
RULES = load_rules()
STATUSES = ("pass", "fail", "unknown", "not_applicable")


def _expected(rule_id: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((RULE_FIXTURES / rule_id / "expected.yaml").read_text())
    return data


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_pass_and_fail_fixtures(rule: Any) -> None:
    """A rule without fixtures that pass and fail is not proven; this fails when one is missing."""
    folder = RULE_FIXTURES / rule.id
    assert folder.is_dir(), f"no fixtures for {rule.id} in {folder}"
    expected = _expected(rule.id)
    assert expected.get("pass"), f"{rule.id} has no passing fixture"
    assert expected.get("fail"), f"{rule.id} has no failing fixture"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_outcomes_match_fixtures(rule: Any) -> None:
    """Evaluating the rule on its fixture folder gives exactly the expected resources per status,
    and each unknown one exactly the reason ``reasons:`` gives it."""
    folder = RULE_FIXTURES / rule.id
    expected = _expected(rule.id)
    builder = InventoryBuilder()
    read_snapshots([Path(folder)], builder)
    inventory = builder.build()
    as_of = parse_timestamp(expected.get("as_of", "2026-11-01T00:00:00Z"))
    assert as_of is not None
    results = evaluate([rule], inventory, as_of, {rule.id: expected.get("parameters", {})})
    actual: dict[str, set[str]] = {s: set() for s in STATUSES}
    for result in results:
        actual[result.status.value].add(result.resource.name)
    for status in STATUSES:
        assert actual[status] == set(expected.get(status, [])), f"{rule.id} {status}"
    for name, severity in (expected.get("severity") or {}).items():
        matching = [r for r in results if r.resource.name == name]
        assert matching and matching[0].severity.value == severity, f"{rule.id} {name} severity"
    for result in results:
        if result.status.value in ("unknown", "not_applicable"):
            assert result.reason, (
                f"{rule.id} {result.resource.name}: {result.status} needs a reason"
            )
    unknown = {r.resource.name: r.reason for r in results if r.status.value == "unknown"}
    assert unknown == (expected.get("reasons") or {}), f"{rule.id} unknown reasons"


def test_no_fixture_folder_without_a_rule() -> None:
    """A fixture folder for a rule that no longer exists is caught, not silently ignored."""
    ids = {r.id for r in RULES}
    folders = {p.name for p in RULE_FIXTURES.iterdir() if p.is_dir()}
    assert folders <= ids


def _fields_without_default(condition: Any) -> list[str]:
    """Field clauses a missing value leaves undecided (no ARM default, not `exists`)."""
    if not isinstance(condition, dict):
        return []
    for op in ("allOf", "anyOf"):
        if op in condition:
            return [f for c in condition[op] for f in _fields_without_default(c)]
    if "not" in condition:
        return _fields_without_default(condition["not"])
    if "default" in condition or "exists" in condition:
        return []
    return [condition["field"]]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_filters_and_missing_fields_have_fixtures(rule: Any) -> None:
    """An applicability filter needs a not-applicable fixture; a field whose absence is unknown needs an unknown one."""
    expected = _expected(rule.id)
    if rule.applies_when is not None:
        assert expected.get("not_applicable"), f"{rule.id} has no not-applicable fixture"
    undecided = _fields_without_default(rule.condition)
    if undecided and rule.missing.value == "unknown":
        assert expected.get("unknown"), f"{rule.id}: missing {undecided} is unknown; no fixture"
