"""The public Python API (``auditor.__all__``): a scan from Python gives the CLI's typed report."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import auditor
from tests.conftest import REPO, TEST_NOW


def test_every_public_name_exists_and_is_documented() -> None:
    """``__all__`` names only what the package has, and the package docstring shows its use."""
    assert len(set(auditor.__all__)) == len(auditor.__all__)
    for name in auditor.__all__:
        assert hasattr(auditor, name), name
    assert auditor.__doc__ is not None and "auditor.run_scan(" in auditor.__doc__
    for name in ("scan", "run_scan", "read_report", "render"):
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
    """``import auditor`` (the API's face) stays offline and light: the Azure SDKs load only
    for a live scan, pandas and the Excel writer only for a frame or a workbook."""
    heavy = "('azure', 'pandas', 'numpy', 'xlsxwriter', 'openpyxl')"
    code = f"import sys, auditor; print(sorted(m for m in sys.modules if m.startswith({heavy})))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert out.strip() == "[]"


def test_scan_takes_the_cli_s_options_as_keywords(run_cli: Any, tmp_path: Path) -> None:
    """``auditor.scan(...)`` with keywords judges exactly as ``auditor scan`` with the same
    options: the same findings, gate and compliance views (dates and lists as the CLI takes them)."""
    options = ["--select", "AIS*,AML001", "--framework", "mcsb-v2", "--fail-on", "high"]
    cli = run_cli(["scan", "--demo", *options, "--as-of", "2027-06-01", "--format", "json"])
    written = cli.report()
    report = auditor.scan(
        demo=True,
        select="AIS*,AML001",
        framework=["mcsb-v2"],
        fail_on="high",
        as_of=dt.date(2027, 6, 1),
    )
    assert report.summary.gate.exit_code == cli.code == 1
    assert report.scan.as_of == written["scan"]["as_of"] == "2027-06-01T00:00:00Z"
    assert [f.fingerprint for f in report.findings] == [
        f["fingerprint"] for f in written["findings"]
    ]
    assert [view.framework for view in report.compliance] == ["mcsb-v2"]
    assert {f.rule_id for f in report.findings} <= {r.id for r in report.rules}
    assert all(r.id.startswith("AIS") or r.id == "AML001" for r in report.rules)
    assert auditor.scan(demo=True, as_of="2027-06-01T00:00:00Z").scan.as_of == report.scan.as_of


def test_scan_refuses_bad_keywords_as_the_cli_refuses_bad_options(tmp_path: Path) -> None:
    """A bad date, severity, framework or a missing snapshot raises ``InputError`` (the CLI's
    exit 2), naming what was wrong; so does a scan of nothing."""
    with pytest.raises(auditor.InputError, match="'yesterday' is not an ISO 8601"):
        auditor.scan(demo=True, as_of="yesterday")
    with pytest.raises(auditor.InputError, match="unknown severity 'severe'"):
        auditor.scan(demo=True, fail_on="severe")
    with pytest.raises(auditor.InputError, match="unknown framework 'iso-27001'"):
        auditor.scan(demo=True, framework="iso-27001")
    missing = tmp_path / "nowhere"
    with pytest.raises(auditor.InputError, match=str(missing)):
        auditor.scan(snapshot=missing)
    with pytest.raises(auditor.InputError, match="nothing to scan"):
        auditor.scan()


def test_scan_from_python_records_history_as_the_cli_does(run_cli: Any, tmp_path: Path) -> None:
    """``scan(history=...)`` records each scan: the second one's failures are 10 days old and
    past a 5-day SLA, ``fail_on_overdue`` gates on them, and ``auditor history list`` (the
    CLI, on the same store) lists both scans."""
    url = f"sqlite:///{tmp_path / 'history.db'}"
    first = auditor.scan(demo=True, history=url, as_of="2026-11-01T00:00:00Z")
    assert all(f.first_seen is not None and f.age_days == 0 for f in first.findings)
    later = auditor.scan(
        demo=True,
        history=url,
        as_of="2026-11-11T00:00:00Z",
        sla_days={"high": 5, auditor.Severity.CRITICAL: 5},
        fail_on_overdue=True,
    )
    failing = [f for f in later.findings if f.status is auditor.Status.FAIL]
    assert failing and {f.age_days for f in failing} == {10}
    urgent = [
        f for f in failing if f.severity in (auditor.Severity.HIGH, auditor.Severity.CRITICAL)
    ]
    assert urgent and all(f.overdue for f in urgent)
    assert not any(f.overdue for f in failing if f not in urgent)  # no SLA for the others
    assert later.summary.gate.overdue_only and later.summary.gate.exit_code == 1
    listed = run_cli(["history", "list", "--history", url, "--format", "json"])
    assert len(json.loads(listed.out)) == 2
    with pytest.raises(auditor.InputError, match="not a severity"):
        auditor.scan(demo=True, history=url, sla_days={"urgent": 5})


def test_to_frame_has_one_typed_row_per_finding_of_the_json_report(run_cli: Any) -> None:
    """``report.to_frame()`` of the demo has the JSON report's findings, in order, one row each:
    severity an ordered categorical (info < ... < critical), status a categorical of every
    status, line numbers nullable integers, and text where the JSON has text."""
    cli = run_cli(["scan", "--demo", "--include-passed", "--format", "json"])
    findings = cli.report()["findings"]
    frame = auditor.scan(demo=True, include_passed=True).to_frame()
    assert frame.shape == (len(findings), 24)
    assert list(frame["fingerprint"]) == [f["fingerprint"] for f in findings]
    for column in ("rule_id", "status", "severity", "resource_id", "message", "baseline"):
        values = [None if v is pd.NA else v for v in frame[column].astype(object)]
        assert values == [f[column] for f in findings], column
    assert list(frame["source_path"].astype(object)) == [f["source"]["path"] for f in findings]
    severity = frame["severity"].dtype
    assert isinstance(severity, pd.CategoricalDtype) and severity.ordered
    assert list(severity.categories) == ["info", "low", "medium", "high", "critical"]
    assert set(frame["status"].cat.categories) == {s.value for s in auditor.Status}
    at_least_high = frame[frame["severity"] >= "high"]
    assert len(at_least_high) == sum(f["severity"] in ("high", "critical") for f in findings)
    assert str(frame["source_line"].dtype) == "Int64"
    assert str(frame["gating"].dtype) == "boolean"
    assert str(frame["message"].dtype) == "string"


def test_the_notebook_example_of_docs_api_md_runs(tmp_path: Path, monkeypatch: Any) -> None:
    """docs/api.md's notebook example runs as written, on the demo instead of evidence/, and
    writes the workbook it ends with."""
    text = (REPO / "docs" / "api.md").read_text("utf-8")
    example = text.split("## A notebook", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert 'snapshot="evidence/"' in example
    monkeypatch.chdir(tmp_path)
    exec(compile(example.replace('snapshot="evidence/"', "demo=True"), "docs/api.md", "exec"), {})
    assert (tmp_path / "auditor.xlsx").read_bytes()[:2] == b"PK"
