"""What a new user trips over in the first ten minutes: options that would silently drop another."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--format", "json"], "--format"),
        (["--format", "json,html"], "--format"),
        (["-o", "somewhere"], "--output-dir"),
        (["--output-dir", "somewhere"], "--output-dir"),
    ],
)
def test_stdout_with_format_or_output_dir_is_exit_2(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: list[str], named: str
) -> None:
    """--stdout beside --format or -o DIR is exit 2 naming the clash, and writes nothing."""
    monkeypatch.chdir(tmp_path)
    result = run_cli(["scan", "--demo", "--stdout", "sarif", *extra])
    assert result.code == 2
    assert named in result.err and "--stdout" in result.err
    assert result.out == ""
    assert list(tmp_path.iterdir()) == []


def test_stdout_with_dash_output_dir_is_the_same_stream(run_cli: Any) -> None:
    """`--stdout sarif -o -` says the same thing twice: it streams SARIF."""
    result = run_cli(["scan", "--demo", "--stdout", "sarif", "-o", "-"])
    assert result.code == 1
    assert '"version": "2.1.0"' in result.out


def test_evidence_spells_defaults_as_json(run_cli: Any) -> None:
    """ARM defaults in evidence read as JSON (false, "Enabled"), never Python's False or 'x'."""
    report = run_cli(["scan", "--demo", "--include-passed", "--format", "json"]).report()
    texts = [
        value
        for finding in report["findings"]
        for value in finding["evidence"].values()
        if isinstance(value, str) and "default" in value
    ]
    assert any("false" in text for text in texts)
    assert not [t for t in texts if "False" in t or "True" in t or "'" in t]


def test_the_default_suppressions_file_is_named_where_it_is_applied(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With .auditor/suppressions.yaml present, the report and `config show` name it, not "not set"."""
    monkeypatch.chdir(tmp_path)
    default = tmp_path / ".auditor" / "suppressions.yaml"
    default.parent.mkdir()
    default.write_text("suppressions: []\n", encoding="utf-8")
    report = run_cli(["scan", "--demo", "--format", "json"]).report()
    assert report["scan"]["settings"]["suppressions"] == ".auditor/suppressions.yaml"
    shown = run_cli(["config", "show"])
    [line] = [ln for ln in shown.out.splitlines() if ln.startswith("suppressions ")]
    assert '".auditor/suppressions.yaml"' in line and "default (the file exists)" in line
    default.unlink()
    assert (
        run_cli(["scan", "--demo", "--format", "json"]).report()["scan"]["settings"]["suppressions"]
        is None
    )


def test_suppress_refuses_an_expiry_in_the_past(run_cli: Any, tmp_path: Path) -> None:
    """`auditor suppress --expires` before today (the run's clock) is exit 2; today is fine."""
    path = tmp_path / "s.yaml"
    common = [
        "AIS001",
        "*/accounts/x",
        "--reason",
        "r",
        "--owner",
        "o",
        "--suppressions",
        str(path),
    ]
    past = run_cli(["suppress", *common, "--expires", "2026-11-30"])
    assert past.code == 2 and "in the past" in past.err
    assert not path.exists()
    assert run_cli(["suppress", *common, "--expires", "2026-12-01"]).code == 0
