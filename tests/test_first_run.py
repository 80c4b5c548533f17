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
