"""The config file: every scan option has a key, the command line wins, unknown keys fail."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import command_line
from auditor.cli.scan_options import Options, scan_parser
from auditor.configfile import NOT_CONFIGURABLE, ConfigFile, config_values, configurable
from auditor.errors import InputError
from auditor.model import Severity
from tests.conftest import FIXTURES


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder as the working directory."""
    folder = tmp_path / "project"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def show(run_cli: Any, *args: str) -> dict[str, tuple[str, str]]:
    """`auditor config show` parsed to key -> (value, source)."""
    result = run_cli(["config", "show", *args])
    assert result.code == 0, result.err
    settings = {}
    for line in result.out.splitlines()[1:]:
        if line.startswith("#"):
            continue
        key, rest = line.split("=", 1)
        value, source = rest.rsplit("#", 1)
        settings[key.strip()] = (value.strip(), source.strip())
    return settings


def test_every_scan_option_has_a_config_key(run_cli: Any, project: Path) -> None:
    """`config show` lists one key per option `auditor scan --help` names, bar the excluded."""
    help_text = scan_parser()[0].format_help()
    options = set(re.findall(r"(?<![\w-])--([a-z][a-z-]+)", help_text))
    options -= {k.replace("_", "-") for k in NOT_CONFIGURABLE}
    assert {k for k in show(run_cli) if not k.startswith("parameters.")} == options
    assert {"fail-on", "format", "snapshot", "baseline", "suppressions"} <= options


def test_options_added_to_the_parser_get_keys_automatically() -> None:
    """A new option (here a repeatable --select) becomes a config key with no extra list."""
    parser = argparse.ArgumentParser()
    options = Options()
    options.add(parser, "--select", action="append", default=[], metavar="ID")
    options.add(parser, "--subscription", metavar="ID")
    assert set(configurable(options.table)) == {"select", "subscription"}
    config = ConfigFile(
        Path("/p/auditor.toml"), {"select": ["AIS*", "AML001"], "subscription": "s1"}
    )
    assert config_values(options.table, config) == {
        "select": ["AIS*", "AML001"],
        "subscription": "s1",
    }
    with pytest.raises(InputError, match="expects a list"):
        config_values(options.table, ConfigFile(Path("/p/auditor.toml"), {"select": "AIS*"}))
    assert vars(parser.parse_args(["--select", "X"])) == {"select": ["X"]}  # no defaults held


def test_pyproject_table_applies_and_the_cli_wins(run_cli: Any, project: Path) -> None:
    """[tool.auditor] in pyproject.toml sets values; command-line options override them."""
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.auditor]\nfail-on = "critical"\nformat = ["json", "sarif"]\n'
        'include_passed = true\nsnapshot = ["evidence", "rbac"]\n',
        encoding="utf-8",
    )
    settings = show(run_cli, "--format", "csv", "--snapshot", "other")
    source = str(project / "pyproject.toml")
    assert settings["fail-on"] == ('"critical"', source)
    assert settings["include-passed"] == ("true", source)
    assert settings["format"] == ('"csv"', "CLI")
    assert settings["snapshot"] == ('["other"]', "CLI")  # repeatable: the CLI list replaces it
    assert settings["output-dir"] == ('"reports"', "default")
    plain = show(run_cli)
    assert plain["snapshot"][0] == f'["{project / "evidence"}", "{project / "rbac"}"]'


def test_scan_uses_the_config_file(run_cli: Any, project: Path) -> None:
    """A scan honours the config: formats, gate and the fixture folder named there."""
    folder = FIXTURES / "rules" / "AIS001"
    (project / "auditor.toml").write_text(
        f'snapshot = ["{folder.as_posix()}"]\nformat = "json,sarif"\nfail-on = "critical"\n',
        encoding="utf-8",
    )
    result = run_cli(["scan"])
    assert result.code == 3  # high failures do not fail a critical gate; AIS002 is unknown
    assert sorted(p.name for p in result.output_dir.iterdir()) == ["auditor.json", "auditor.sarif"]
    assert run_cli(["scan", "--fail-on", "high"]).code == 1


def test_explicit_config_file_and_relative_paths(
    run_cli: Any, project: Path, tmp_path: Path
) -> None:
    """--config names a file anywhere; its relative paths resolve from its own folder."""
    elsewhere = tmp_path / "ci"
    elsewhere.mkdir()
    path = elsewhere / "scan.toml"
    path.write_text(
        'output-dir = "out"\nsuppressions = "rules/s.yaml"\nas-of = 2026-11-01\n', encoding="utf-8"
    )
    settings = show(run_cli, "--config", str(path))
    assert settings["output-dir"] == (f'"{elsewhere / "out"}"', str(path))
    assert settings["suppressions"] == (f'"{elsewhere / "rules" / "s.yaml"}"', str(path))
    assert settings["as-of"][0].startswith("2026-11-01T00:00:00")
    assert run_cli(["config", "show", "--config", str(tmp_path / "nope.toml")]).code == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("fail-onn = 'high'\n", "unknown config key 'fail-onn'"),
        ("fail-on = 'severe'\n", "fail-on: unknown severity 'severe'"),
        ("key-max-age-days = 0\n", "key-max-age-days: must be at least 1"),
        ("demo = 'yes'\n", "demo: expects true or false"),
        ("snapshot = 'evidence'\n", "snapshot: expects a list"),
        ("fail-on = 'high'\nfail_on = 'low'\n", "given twice"),
        ("fail-on = \n", "invalid TOML"),
    ],
)
def test_bad_config_is_exit_2_naming_the_key(
    run_cli: Any, project: Path, content: str, message: str
) -> None:
    """Unknown keys and bad values stop with exit 2 and a message naming the key."""
    (project / "auditor.toml").write_text(content, encoding="utf-8")
    result = run_cli(["scan", "--demo"])
    assert result.code == 2
    assert message in result.err
    assert str(project / "auditor.toml") in result.err


def test_auditor_toml_wins_over_pyproject(run_cli: Any, project: Path) -> None:
    """With both files present, auditor.toml is the config file."""
    (project / "pyproject.toml").write_text('[tool.auditor]\nfail-on = "high"\n', encoding="utf-8")
    (project / "auditor.toml").write_text('fail-on = "medium"\n', encoding="utf-8")
    assert show(run_cli)["fail-on"][0] == '"medium"'
    (project / "auditor.toml").unlink()
    assert show(run_cli)["fail-on"][0] == '"high"'


def test_config_values_convert_like_the_command_line() -> None:
    """Config values pass through each option's own converter."""
    scan = command_line().scan
    config = ConfigFile(
        Path("/p/auditor.toml"), {"fail-on": "HIGH", "key_max_age_days": 30, "quiet": True}
    )
    assert config_values(scan, config) == {
        "fail_on": Severity.HIGH,
        "key_max_age_days": 30,
        "quiet": True,
    }
