"""Property-based attacks on the allow-list and the typed reader: any JSON, any shape."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from auditor.engine.evaluate import evaluate
from auditor.engine.loader import load_rules
from auditor.fields import AUDITED_TYPES, DECLARATIONS, Field, Kind, keep_declared
from auditor.inventory import InventoryBuilder
from auditor.model import SourceRef, Status
from auditor.unresolved import unresolved

# hypothesis is a test dependency (pyproject `test` extra; the line is added on the outputs
# branch of issue 10, so this branch does not touch pyproject.toml).
hypothesis = pytest.importorskip("hypothesis")
st = pytest.importorskip("hypothesis.strategies")
given, settings = hypothesis.given, hypothesis.settings

CANARY = "CANARYzq7"
RULES = load_rules()
SUB = "aaaaaaaa-0000-4000-8000-000000000001"


def _example_id(arm_type: str) -> str:
    """An id of the type under a resource group, each parent named by its type's initial."""
    namespace, *types = arm_type.split("/")
    return f"/subscriptions/{SUB}/resourceGroups/rg/providers/{namespace}" + "".join(
        f"/{kind}/{kind[0]}" for kind in types
    )


_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
_json = st.recursive(
    _leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
_marker = st.just(unresolved("[parameters('p')]", "parameter without a value"))


def _valid(declared: Field) -> Any:
    kind = declared.kind
    if kind is Kind.ENUM:
        return st.sampled_from([*declared.values, *(v.lower() for v in declared.values)])
    if kind is Kind.BOOLEAN:
        return st.booleans()
    if kind in (Kind.NUMBER, Kind.INTEGER):
        return st.integers(0, 100)
    if kind is Kind.ARRAY:
        assert declared.items is not None
        return st.lists(values_for(declared.items), max_size=2)
    if kind is Kind.MAP:
        assert declared.items is not None
        return st.dictionaries(st.text(max_size=5), values_for(declared.items), max_size=2)
    if kind is Kind.OBJECT:
        members = {name: values_for(member) for name, member in declared.members.items()}
        declared_part = st.fixed_dictionaries({}, optional=members)
        undeclared = st.dictionaries(
            st.sampled_from(["credentials", "key", "value", "secret", "x"]),
            st.just(CANARY) | st.just({"nested": CANARY}) | st.just([CANARY]),
            max_size=2,
        )
        return st.builds(lambda d, u: {**u, **d}, declared_part, undeclared)
    return st.text(max_size=8)


def values_for(declared: Field) -> Any:
    """A strategy for values at a declared field: mostly valid, sometimes any JSON or a marker."""
    return st.one_of(_valid(declared), _valid(declared), _json, _marker)


def _within(value: Any, declared: Field) -> bool:
    """Whether a kept value holds nothing the declaration does not allow."""
    if isinstance(value, dict) and isinstance(value.get("$unresolved"), str):
        return set(value) <= {"$unresolved", "reason"}
    if declared.kind is Kind.OBJECT and isinstance(value, dict):
        return all(
            k in declared.members and _within(v, declared.members[k]) for k, v in value.items()
        )
    if declared.kind in (Kind.MAP, Kind.ARRAY) and isinstance(value, (dict, list)):
        assert declared.items is not None
        members = value.values() if isinstance(value, dict) else value
        return all(_within(v, declared.items) for v in members)
    if declared.kind in (Kind.OBJECT, Kind.MAP, Kind.ARRAY):
        return not isinstance(value, (dict, list)) or not value
    return not isinstance(value, (dict, list)) or not value


@pytest.mark.parametrize("arm_type", AUDITED_TYPES)
def test_whatever_a_record_holds_only_declared_fields_are_kept(arm_type: str) -> None:
    """For any record shape, what is kept lies inside the declaration; undeclared members
    (where the canary is planted) never survive."""
    declaration = DECLARATIONS[arm_type]

    @settings(derandomize=True, max_examples=60, deadline=None, database=None)
    @given(values_for(declaration))
    def check(record: Any) -> None:
        kept = keep_declared(record, arm_type) if isinstance(record, dict) else None
        if kept is None:
            return
        assert _within(kept, declaration)
        assert CANARY not in json.dumps(kept)

    check()


@pytest.mark.parametrize("arm_type", AUDITED_TYPES)
def test_every_rule_judges_any_record_without_crashing_or_passing_bad_data(arm_type: str) -> None:
    """All rules on a record of any shape end in a status; an unknown always has a reason."""
    declaration = DECLARATIONS[arm_type]
    as_of = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    rid = _example_id(arm_type)

    @settings(derandomize=True, max_examples=40, deadline=None, database=None)
    @given(values_for(declaration))
    def check(record: Any) -> None:
        if not isinstance(record, dict):
            return
        builder = InventoryBuilder()
        builder.add_resource(
            {**record, "id": rid, "type": arm_type}, arm_type, SourceRef("snapshot")
        )
        results = evaluate(RULES, builder.build(), as_of)
        for result in results:
            assert isinstance(result.status, Status)
            if result.status is Status.UNKNOWN:
                assert result.reason and result.reason.strip()
            assert CANARY not in json.dumps(result.evidence, default=str)

    check()
