"""Rule files are validated when loaded: a broken rule is a clear error, never a skipped rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from auditor.engine.loader import default_rules_dir, load_rules
from auditor.errors import RuleError

GOOD = yaml.safe_load((default_rules_dir() / "AML001.yaml").read_text())


def write_rule(folder: Path, doc: object, name: str = "AML001.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return folder


def test_bundled_rules_load() -> None:
    """The bundled rule files all load, with unique ids, and include the core set."""
    ids = [r.id for r in load_rules()]
    assert len(ids) == len(set(ids))
    assert {
        "AIS001",
        "AIS002",
        "AML001",
        "AML002",
        "AML003",
        "AML004",
        "AML005",
        "AML006",
        "AML007",
        "IAM001",
        "IAM002",
    } <= set(ids)


def test_a_good_copy_loads(tmp_path: Path) -> None:
    """The validator accepts a copy of a real rule (so the failures below are about the edit)."""
    [rule] = load_rules([write_rule(tmp_path, GOOD)])
    assert rule.id == "AML001" and rule.severity.value == "medium"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("severity"), "missing required key(s): severity"),
        (lambda d: d.update(severty="high"), "unknown key(s): severty"),
        (lambda d: d.update(severity="severe"), "unknown severity 'severe'"),
        (lambda d: d.update(id="XYZ001"), "must look like AIS001"),
        (lambda d: d.update(slug="Not A Slug"), "slug"),
        (
            lambda d: d.update(resource_types=["Microsoft.Storage/storageAccounts"]),
            "not one the inventory holds",
        ),
        (
            lambda d: d.update(
                resource_types=["microsoft.machinelearningservices/workspaces/onlineendpoints"]
            ),
            "write resource type",
        ),
        (
            lambda d: d.update(condition={"field": "properties.authMode", "equal": "Key"}),
            "unknown operator 'equal'",
        ),
        (lambda d: d.update(condition={"allOf": []}), "must be a non-empty list"),
        (lambda d: d.update(condition={"field": "properties.x", "in": "Key"}), "'in' takes a list"),
        (
            lambda d: d.update(predicate="no_such_check"),
            "exactly one of 'condition' or 'predicate'",
        ),
        (lambda d: (d.pop("condition"), d.update(predicate="no_such_check")), "unknown predicate"),
        (
            lambda d: d.update(condition={"field": "sku.capacity", "greater": "2"}),
            "'greater' takes a number",
        ),
        (lambda d: d.update(missing="maybe"), "'missing' must be one of"),
        (lambda d: d.update(remediation="fix it"), "'remediation' must be a mapping"),
        (lambda d: d.update(references="https://x"), "references: must be a list"),
        (lambda d: d.update(default_enabled="no"), "'default_enabled' must be true or false"),
    ],
)
def test_broken_rule_files_are_errors(tmp_path: Path, edit: object, message: str) -> None:
    """Each kind of mistake in a rule file stops loading with a message naming it."""
    doc = dict(GOOD)
    edit(doc)  # type: ignore[operator]
    with pytest.raises(RuleError) as exc:
        load_rules([write_rule(tmp_path, doc)])
    assert message in str(exc.value)
    assert "AML001.yaml" in str(exc.value)


def test_invalid_yaml_and_wrong_file_name(tmp_path: Path) -> None:
    """Invalid YAML, and a file not named after its rule id, are errors."""
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "AML001.yaml").write_text("id: [unclosed", encoding="utf-8")
    with pytest.raises(RuleError, match="invalid YAML"):
        load_rules([bad])
    with pytest.raises(RuleError, match=r"must be named AML001\.yaml"):
        load_rules([write_rule(tmp_path / "named", GOOD, name="other.yaml")])


def test_duplicate_ids_are_errors(tmp_path: Path) -> None:
    """The same id (or slug) in two rule folders is an error, not a silent override."""
    first = write_rule(tmp_path / "a", GOOD)
    second = write_rule(tmp_path / "b", GOOD)
    with pytest.raises(RuleError, match="already used"):
        load_rules([first, second])


def test_requires_names_known_data_kinds(tmp_path: Path) -> None:
    """`requires` lists data kinds a template cannot have; an unknown kind is an error."""
    [rule] = load_rules([write_rule(tmp_path / "ok", GOOD | {"requires": ["activity_log"]})])
    assert rule.requires == ("activity_log",)
    [live] = load_rules([write_rule(tmp_path / "live", GOOD | {"requires": ["live_state"]})])
    assert live.requires == ("live_state",)
    with pytest.raises(RuleError, match="unknown data kind"):
        load_rules([write_rule(tmp_path / "bad", GOOD | {"requires": ["weather"]})])
