"""The public Python API (``auditor.__all__``): a scan from Python gives the CLI's typed report."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import auditor
from tests.conftest import TEST_NOW


def test_every_public_name_exists_and_is_documented() -> None:
    """``__all__`` names only what the package has, and the package docstring shows its use."""
    assert len(set(auditor.__all__)) == len(auditor.__all__)
    for name in auditor.__all__:
        assert hasattr(auditor, name), name
    assert auditor.__doc__ is not None and "auditor.run_scan(" in auditor.__doc__
    for name in ("run_scan", "read_report", "render"):
        assert getattr(auditor, name).__doc__


def test_a_scan_from_python_gives_the_report_the_cli_writes(run_cli: Any, tmp_path: Path) -> None:
    """``run_scan`` on the demo gives the same findings and exit code as ``auditor scan --demo``,
    typed (statuses and severities are enums), and renders the same JSON."""
    cli = run_cli(["scan", "--demo", "--format", "json"])
    written = json.loads((cli.output_dir / "auditor.json").read_text("utf-8"))
    report = auditor.run_scan(auditor.ScanConfig(demo=True, clock=lambda: TEST_NOW))
    assert report.summary.gate.exit_code == cli.code == 1
    assert all(isinstance(f.status, auditor.Status) for f in report.findings)
    assert all(isinstance(f.severity, auditor.Severity) for f in report.findings)
    assert [f.fingerprint for f in report.findings] == [
        f["fingerprint"] for f in written["findings"]
    ]
    rendered = json.loads(auditor.render(report, "json"))
    for document in (rendered, written):  # the only difference: when each scan ran
        document["scan"].pop("started_at")
        document["scan"].pop("finished_at")
        document["scan"]["settings"].pop("formats")
    assert rendered == written


def test_a_report_read_back_renders_as_it_was_written(run_cli: Any) -> None:
    """``read_report`` of a written auditor.json re-renders it byte for byte, in any format."""
    cli = run_cli(["scan", "--demo", "--format", "json,sarif,markdown"])
    report = auditor.read_report(cli.output_dir / "auditor.json")
    assert auditor.render(report, "json") == (cli.output_dir / "auditor.json").read_text("utf-8")
    assert auditor.render(report, "md") == (cli.output_dir / "auditor.md").read_text("utf-8")
    assert auditor.render(report, "sarif") == (cli.output_dir / "auditor.sarif").read_text("utf-8")


def test_bad_input_from_python_raises_the_cli_s_exit_2_error(tmp_path: Path) -> None:
    """What the CLI turns into exit 2 is an ``InputError`` naming the file, never a report."""
    with pytest.raises(auditor.InputError, match="nothing to scan"):
        auditor.run_scan(auditor.ScanConfig())
    bogus = tmp_path / "not-a-report.json"
    bogus.write_text("[]", encoding="utf-8")
    with pytest.raises(auditor.InputError, match=str(bogus)):
        auditor.read_report(bogus)
    with pytest.raises(auditor.InputError, match="unknown format"):
        auditor.render(auditor.run_scan(auditor.ScanConfig(demo=True)), "pdf")


def test_the_python_scan_is_judged_at_the_config_s_moment() -> None:
    """Time is an input from Python too: ``as_of`` decides the judged moment, not the clock."""
    as_of = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    report = auditor.run_scan(auditor.ScanConfig(demo=True, as_of=as_of))
    assert report.scan.as_of == "2030-01-01T00:00:00Z"


def test_importing_the_package_loads_no_azure_sdk() -> None:
    """``import auditor`` (the API's face) stays offline: the Azure SDKs load only for a live scan."""
    code = "import sys, auditor; print(sorted(m for m in sys.modules if m.startswith('azure')))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert out.strip() == "[]"
