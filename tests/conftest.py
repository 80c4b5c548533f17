"""Shared test helpers: run the real CLI in-process and read what it wrote."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from tests.emulator.fixtures import emulator  # noqa: F401  (the ARM emulator fixture)
from tests.postgres import history_url, postgres_server  # noqa: F401  (history stores)

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCHEMA_PATH = REPO / "auditor" / "report" / "schema" / "report.schema.json"

TEST_NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
"""The moment every CLI run of the tests happens at: results never depend on the real date."""


@dataclass
class CliRun:
    """What one CLI invocation returned and printed."""

    code: int
    out: str
    err: str
    output_dir: Path

    def report(self) -> dict[str, Any]:
        """The JSON report it wrote."""
        data: dict[str, Any] = json.loads((self.output_dir / "auditor.json").read_text("utf-8"))
        return data


@pytest.fixture
def run_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run ``auditor`` with arguments; scans write to a fresh output folder."""

    def _run(
        args: Sequence[str], output_dir: Path | None = None, now: dt.datetime = TEST_NOW
    ) -> CliRun:
        out_dir = output_dir or tmp_path / "reports"
        argv = list(args)
        if argv and argv[0] == "scan" and not {"--output-dir", "-o", "--stdout"} & set(argv):
            argv += ["--output-dir", str(out_dir)]
        code = main(argv, clock=lambda: now)
        captured = capsys.readouterr()
        return CliRun(code=code, out=captured.out, err=captured.err, output_dir=out_dir)

    return _run


def write_json(path: Path, content: Any) -> Path:
    """Write JSON to a file, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content), encoding="utf-8")
    return path
