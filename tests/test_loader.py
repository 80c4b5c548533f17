"""Rule files are validated when loaded: a broken rule is a clear error, never a skipped rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from auditor.engine.conditions import ConditionError
from auditor.engine.conditions import validate as validate_condition
from auditor.engine.loader import default_rules_dir, load_rules, parse_rule, schema_path
from auditor.errors import RuleError
from auditor.model import DATA_KINDS

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
        (lambda d: d.update(severity="severe"), "severity: unknown value 'severe'"),
        (lambda d: d.update(id="XYZ-001"), "id: 'XYZ-001' is not a valid rule id"),
        (lambda d: d.update(slug="Not A Slug"), "slug: 'Not A Slug' is not a valid slug"),
        (
            lambda d: d.update(resource_types=["Microsoft.Web/sites"]),
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
        (
            lambda d: (d.pop("condition"), d.pop("messages"), d.update(predicate="no_such_check")),
            "unknown predicate",
        ),
        (
            lambda d: (d.pop("condition"), d.update(predicate="compute_network_isolated")),
            "messages: not allowed: a predicate writes its own messages",
        ),
        (
            lambda d: d.update(condition={"field": "sku.capacity", "greater": "2"}),
            "'greater' takes a number",
        ),
        (lambda d: d.update(missing="maybe"), "missing: unknown value 'maybe' (choose one of"),
        (lambda d: d.update(remediation="fix it"), "remediation: must be a mapping"),
        (lambda d: d.update(remediation={"portal": "x"}), "remediation: missing required key(s)"),
        (
            lambda d: d.update(remediation={"summary": " ", "tip": "x"}),
            "remediation: unknown key(s): tip; remediation.summary: must not be empty",
        ),
        (lambda d: d.update(references="https://x"), "references: must be a list"),
        (lambda d: d.update(references=["https://x", 3]), "references[1]: must be a string"),
        (lambda d: d.update(controls={"mcsb": "IM-1"}), "controls.mcsb: must be a list"),
        (lambda d: d.update(messages={"failed": "x"}), "messages: unknown value 'failed'"),
        (lambda d: d.update(since="0.1"), "since: '0.1' is not a valid release version"),
        (lambda d: d.update(since="0.2.0", changed="0.1.0"), "changed: '0.1.0' must be a release"),
        (lambda d: (d.pop("since"), d.update(changed="0.2.0")), "changed: '0.2.0' must be a"),
        (lambda d: d.update(default_enabled="no"), "default_enabled: must be true or false"),
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
    with pytest.raises(RuleError, match=r"requires\[0\]: unknown value .weather."):
        load_rules([write_rule(tmp_path / "bad", GOOD | {"requires": ["weather"]})])


SCHEMA = json.loads(schema_path().read_text(encoding="utf-8"))
BUNDLED = sorted(default_rules_dir().glob("*.yaml"))


def test_the_schema_is_a_valid_2020_12_schema() -> None:
    """rules/schema.json is itself a valid JSON Schema of the 2020-12 draft."""
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_rule_validates_against_the_schema(path: Path) -> None:
    """Each bundled rule file is valid under the published schema, as jsonschema alone sees it."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert list(Draft202012Validator(SCHEMA).iter_errors(doc)) == []


def _properties(schema: Any, where: str = "") -> list[tuple[str, Any]]:
    found = []
    for name, sub in schema.get("properties", {}).items():
        found.append((f"{where}{name}", sub))
        found += _properties(sub, f"{where}{name}.")
    for name, sub in schema.get("$defs", {}).items():
        found += _properties(sub, f"$defs.{name}.")
    return found


def test_the_schema_describes_every_property() -> None:
    """A rule author reads the format from the schema: every property has a description."""
    undocumented = [where for where, sub in _properties(SCHEMA) if not sub.get("description")]
    assert undocumented == []
    assert len(_properties(SCHEMA)) > 40


def test_the_schema_knows_the_data_kinds_the_model_does() -> None:
    """`requires` in the schema lists exactly the model's data kinds and live_state."""
    assert SCHEMA["properties"]["requires"]["items"]["enum"] == [*DATA_KINDS, "live_state"]


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "properties.authMode", "equal": "Key"},
        {"allOf": []},
        {"field": "properties.x", "in": "Key"},
        {"field": "sku.capacity", "greater": "2"},
        {"field": "sku.capacity", "greater": True},
        {"field": "properties..x", "exists": True},
        {"field": "properties.x", "exists": "yes"},
        {"field": "properties.x"},
        {"field": "properties.x", "equals": 1, "notEquals": 2},
        {"allOf": [{"field": "a", "exists": True}], "field": "b"},
        {"not": {"anyOf": [{"field": "a", "isEmpty": 1}]}},
        {"field": "a", "any": {"field": "b", "in": 3}},
        ["not", "a", "mapping"],
    ],
)
def test_the_schema_and_the_condition_grammar_agree(condition: object) -> None:
    """A condition the loader's grammar refuses, the published schema refuses too."""
    with pytest.raises(ConditionError):
        validate_condition(condition)
    doc = GOOD | {"condition": condition}
    assert list(Draft202012Validator(SCHEMA).iter_errors(doc)) != []


def test_bundled_rules_use_the_bundled_prefixes_and_are_dated() -> None:
    """Bundled ids are AIS/AML/IAM; every one says it shipped in 0.1.0 or, if new, 0.2.0;
    `changed` only for the rules whose meaning changed after it, each named in the
    CHANGELOG's rules changed."""
    rules = load_rules()
    assert {r.id[:3] for r in rules} == {"AIS", "AML", "IAM"}
    assert {r.since for r in rules} == {"0.1.0", "0.2.0"}
    added = {r.id for r in rules if r.since == "0.2.0"}
    models = {"AIS009", "AIS010", "AIS011", "AIS012", "AIS013"}
    connections = {"AIS014", "AIS015", "AIS016", "AIS017", "AIS018", "AML026", "AML027"}
    guard = {"AIS020", "AIS021", "AML038"}
    logging = {"AIS019", "AML028", "AML029", "AML030", "AML036", "AML037"}
    dependencies = {"AML031", "AML032", "AML033", "AML034", "AML035"}
    assert added == models | connections | guard | logging | dependencies
    changed = {r.id for r in rules if r.changed}
    assert changed == {"AIS008", "AML005", "AML008", "AML020", "IAM001", "IAM005"}
    assert {r.changed for r in rules if r.changed} == {"0.2.0"}
    changelog = (Path(__file__).parent.parent / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = {part.split("]")[0]: part for part in changelog.split("\n## [")[1:]}
    for rule in rules:
        if rule.changed:
            # The release's own section once it is cut; until then the unreleased one.
            section = sections.get(rule.changed, sections["Unreleased"])
            assert f"- {rule.id}" in section.split("### Rules changed")[1], rule.id


def test_a_custom_prefix_loads(tmp_path: Path) -> None:
    """A rule of one's own may use its own prefix (ACME001), with no `since` of ours."""
    doc = {k: v for k, v in GOOD.items() if k != "since"} | {"id": "ACME001", "slug": "acme-x"}
    [rule] = load_rules([write_rule(tmp_path, doc, name="ACME001.yaml")])
    assert (rule.id, rule.since, rule.changed) == ("ACME001", None, None)


def test_errors_are_all_listed_with_their_element_paths(tmp_path: Path) -> None:
    """Several mistakes are reported together, each by its element path, none as a raw dump."""
    doc = GOOD | {"severity": "High", "tags": ["ok", ""], "equivalents": {"psrule": "x"}}
    with pytest.raises(RuleError) as exc:
        load_rules([write_rule(tmp_path, doc)])
    message = str(exc.value)
    assert message.startswith(str(tmp_path / "AML001.yaml") + ": ")
    assert "equivalents.psrule: must be a list, found a string" in message
    assert "severity: unknown value 'High'" in message
    assert "tags[1]: must not be empty" in message
    assert "is not valid under" not in message and "{" not in message


_KEYS = (
    st.text(max_size=6) | st.sampled_from(["field", "equals", "allOf", "summary"]) | st.integers()
)


def _nested(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3)


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | st.dates(),
    _nested,
    max_leaves=8,
)


@settings(derandomize=True, deadline=None, database=None, max_examples=300)
@given(key=st.sampled_from([*SCHEMA["properties"], "extra", 7]), value=_VALUES)
def test_any_damage_to_a_rule_is_a_rule_error_naming_the_file(key: object, value: Any) -> None:
    """Whatever value replaces any key of a good rule, the rule loads or the error names the file;
    nothing else is raised (the loader trusts no value the schema has not checked)."""
    doc = GOOD | {key: value}
    path = Path("rules") / "AML001.yaml"
    try:
        parse_rule(doc, path)
    except RuleError as exc:
        assert str(exc).startswith(f"{path}: ")


def test_aliases_tags_and_requires_may_be_null(tmp_path: Path) -> None:
    """`aliases:`, `tags:` and `requires:` left empty (null) load as none, as they always did."""
    doc = GOOD | {"aliases": None, "tags": None, "requires": None}
    [rule] = load_rules([write_rule(tmp_path, doc)])
    assert (rule.aliases, rule.tags, rule.requires) == ((), (), ())
