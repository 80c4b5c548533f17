"""The Python API: run a scan and get the typed report, read a report back, render it.

Notebook users on ML platform teams get the same scan as ``auditor scan``, without files or
stderr: every input error is raised (an :class:`~auditor.errors.AuditorError`, the CLI's exit 2),
and the exit code the CLI would give is ``report.summary.gate.exit_code``.
"""

from __future__ import annotations

from pathlib import Path

from auditor.audit import scan
from auditor.config import ScanConfig
from auditor.report.baseline import load_report
from auditor.report.build import build_report
from auditor.report.formats import render as _render
from auditor.report.model import Report


def run_scan(config: ScanConfig) -> Report:
    """Scan what ``config`` names and return the typed report (no report file is written;
    ``config.save_snapshot`` still is). ``config.include_passed`` lists passing results too."""
    return build_report(scan(config), include_passed=config.include_passed)


def read_report(path: Path | str) -> Report:
    """An ``auditor.json`` read back as the typed report (strict: anything else raises)."""
    return load_report(Path(path))


def render(report: Report, format_name: str) -> str | bytes:
    """The report in one format (``json``, ``html``, ``sarif``, ``junit``, ``csv``,
    ``markdown`` or an alias such as ``md``), as the CLI writes it."""
    return _render(format_name, report)
