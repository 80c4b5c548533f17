"""Rule parameters: declared with a type and a default, set in the config file, recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.engine.loader import load_rules
from auditor.engine.parameters import Given, Setting
from auditor.engine.parameters import settings as parameter_settings
from auditor.errors import InputError, RuleError
from tests.conftest import FIXTURES

AIS002 = FIXTURES / "rules" / "AIS002"
SCAN = ["scan", "--snapshot", str(AIS002), "--as-of", "2026-11-01", "--include-passed"]
RULE_FILE = Path(__file__).resolve().parent.parent / "rules" / "AIS002.yaml"


def _write(folder: Path, text: str, name: str = "auditor.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _status(report: dict[str, Any], name: str) -> str:
    (finding,) = [
        f for f in report["findings"] if f["rule_id"] == "AIS002" and f["resource_name"] == name
    ]
    return str(finding["status"])


def _used(report: dict[str, Any], rule_id: str) -> dict[str, Any]:
    (rule,) = [r for r in report["rules"] if r["id"] == rule_id]
    return dict(rule["parameters"])


def test_a_config_parameter_changes_the_verdict_and_the_report_records_it(
    run_cli: Any, tmp_path: Path
) -> None:
    """`[parameters.AIS002] key_max_age_days = 180` passes a 153-day-old rotation that the
    default 90 fails, and the report's rules[] entry records 180 (AML002 keeps 90)."""
    default = run_cli(SCAN).report()
    config = _write(tmp_path, "[parameters.AIS002]\nkey_max_age_days = 180\n")
    lenient = run_cli([*SCAN, "--config", str(config)]).report()
    assert _status(default, "stale") == "fail"
    assert _status(lenient, "stale") == "pass"
    assert _used(default, "AIS002")["key_max_age_days"] == 90
    assert _used(lenient, "AIS002")["key_max_age_days"] == 180
    assert _used(lenient, "AML002")["key_max_age_days"] == 90


def test_a_slug_in_pyproject_names_the_rule(run_cli: Any, tmp_path: Path) -> None:
    """`[tool.auditor.parameters.<slug>]` in pyproject.toml sets the parameter of that rule."""
    config = _write(
        tmp_path,
        "[tool.auditor.parameters.ai-services-keys-not-rotated]\nkey_max_age_days = 180\n",
        "pyproject.toml",
    )
    report = run_cli([*SCAN, "--config", str(config)]).report()
    assert _used(report, "AIS002")["key_max_age_days"] == 180
    assert _status(report, "stale") == "pass"


def test_an_alias_in_any_case_names_the_rule(run_cli: Any, tmp_path: Path) -> None:
    """A custom rule's alias, written in another case, sets that rule's parameter."""
    folder = tmp_path / "rules"
    folder.mkdir()
    text = RULE_FILE.read_text("utf-8").replace(
        "parameters:\n", "aliases: [Old-Keys]\nparameters:\n"
    )
    (folder / "AIS002.yaml").write_text(text, encoding="utf-8")
    config = _write(tmp_path, "[parameters.OLD-KEYS]\nkey_max_age_days = 180\n")
    report = run_cli([*SCAN, "--rules-dir", str(folder), "--config", str(config)]).report()
    assert _used(report, "AIS002")["key_max_age_days"] == 180
    assert _status(report, "stale") == "pass"


def test_the_option_wins_over_the_file_which_wins_over_the_default(
    run_cli: Any, tmp_path: Path
) -> None:
    """--key-max-age-days beats `[parameters]`; the `key-max-age-days` config key does too;
    `[parameters]` beats the rule's default."""
    config = _write(tmp_path, "[parameters.AIS002]\nkey_max_age_days = 180\n")
    cli = run_cli([*SCAN, "--config", str(config), "--key-max-age-days", "45"]).report()
    assert _used(cli, "AIS002")["key_max_age_days"] == 45
    assert _used(cli, "AML002")["key_max_age_days"] == 45
    assert _status(cli, "stale") == "fail"
    both = _write(tmp_path, "key-max-age-days = 30\n[parameters.AIS002]\nkey_max_age_days = 180\n")
    keyed = run_cli([*SCAN, "--config", str(both)]).report()
    assert _used(keyed, "AIS002")["key_max_age_days"] == 30


def test_a_wrong_type_is_exit_2_naming_file_rule_and_parameter(
    run_cli: Any, tmp_path: Path
) -> None:
    """A string for an integer parameter, the rule named by its slug, names all three."""
    config = _write(tmp_path, '[parameters.subscription-owner-count]\nmax_owners = "three"\n')
    result = run_cli([*SCAN, "--config", str(config)])
    assert result.code == 2
    assert f"{config}: [parameters.subscription-owner-count] max_owners: must be a whole" in (
        result.err
    )
    assert "(rule IAM003)" in result.err


def test_an_unknown_parameter_lists_the_rules_parameters(run_cli: Any, tmp_path: Path) -> None:
    """A parameter the rule does not declare is exit 2 listing the ones it does."""
    config = _write(tmp_path, "[parameters.AML002]\nmax_age = 30\n")
    result = run_cli([*SCAN, "--config", str(config)])
    assert result.code == 2
    assert "rule AML002 has no parameter 'max_age'" in result.err
    assert "key_max_age_days, operation" in result.err


def test_a_rule_named_twice_is_refused(run_cli: Any, tmp_path: Path) -> None:
    """The id and the slug of one rule as two tables would make one silently win: exit 2."""
    config = _write(
        tmp_path,
        "[parameters.AIS002]\nkey_max_age_days = 30\n"
        "[parameters.ai-services-keys-not-rotated]\nkey_max_age_days = 60\n",
    )
    result = run_cli([*SCAN, "--config", str(config)])
    assert result.code == 2 and "rule AIS002 is already set as [parameters.AIS002]" in result.err


def test_rules_show_lists_the_parameters(run_cli: Any) -> None:
    """`rules show IAM003` prints each parameter's name, type, default and description."""
    result = run_cli(["rules", "show", "IAM003"])
    assert result.code == 0
    assert "| `max_owners` | integer, at least 0 | `3` | The most standing Owner" in result.out
    assert "| `min_owners` | integer, at least 0 | `2` |" in result.out
    assert "`[parameters.IAM003]`" in result.out


def test_config_show_lists_each_parameter_and_its_source(run_cli: Any, tmp_path: Path) -> None:
    """`config show` gives every rule parameter with the value a scan would use and whence."""
    config = _write(tmp_path, "[parameters.IAM003]\nmax_owners = 5\n")
    result = run_cli(["config", "show", "--config", str(config)])
    assert result.code == 0
    assert f"parameters.IAM003.max_owners = 5  # {config}" in result.out
    assert "parameters.IAM003.min_owners = 2  # default" in result.out
    assert "parameters.AIS002.key_max_age_days = 90  # default" in result.out


def test_a_bad_default_is_a_rule_load_error_naming_file_and_element(
    run_cli: Any, tmp_path: Path
) -> None:
    """A rule whose default does not fit its declared type fails to load: exit 2 naming both."""
    folder = tmp_path / "rules"
    folder.mkdir()
    text = RULE_FILE.read_text("utf-8").replace("default: 90", 'default: "ninety"')
    path = folder / "AIS002.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli(["scan", "--demo", "--rules-dir", str(folder)])
    assert result.code == 2
    assert f"{path}: parameters.key_max_age_days.default: must be a whole number" in result.err


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    minimum: 1\n", "    minimum: 1\n    enum: [a]\n", "enum: only a string or list"),
        ("    minimum: 1\n", "    minimum: 100\n", ".default: must be at least 100, found 90"),
        ("    default: 90\n", "    default: 90\n    colour: red\n", "unknown key(s): colour"),
        ("    type: integer\n", "    type: int\n", "unknown value 'int'"),
    ],
)
def test_bad_declarations_are_rule_load_errors(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    """Every malformed declaration is a RuleError naming the file and the parameter."""
    folder = tmp_path / "rules"
    folder.mkdir()
    text = RULE_FILE.read_text("utf-8")
    assert old in text
    (folder / "AIS002.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules([folder])
    text = str(caught.value)
    assert str(folder / "AIS002.yaml") in text and "parameters.key_max_age_days" in text
    assert message in text


CATALOG = load_rules()
TOML_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats()
    | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)


@settings(max_examples=200, deadline=None)
@given(
    rule=st.sampled_from(["AIS002", "online-endpoint-keys-not-rotated", "IAM002", "iam003"]),
    name=st.sampled_from(["key_max_age_days", "operation", "wildcards", "max_owners", "x"]),
    value=TOML_VALUES,
)
def test_any_setting_is_taken_as_declared_or_refused_naming_it(
    rule: str, name: str, value: object
) -> None:
    """Whatever value a config file sets, it is either recorded exactly or an InputError
    that names the file, the rule table and the parameter: never another exception."""
    given_ = Given("/p/auditor.toml", {rule: {name: value}})
    try:
        chosen = parameter_settings(CATALOG, given_)
    except InputError as exc:
        assert f"/p/auditor.toml: [parameters.{rule}] {name}" in str(exc)
        return
    [setting] = [s for by in chosen.values() for s in by.values() if s.source != "default"]
    assert setting == Setting(value, "/p/auditor.toml")
