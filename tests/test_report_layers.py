"""Data flows one way into the report: nothing the report is built from imports it."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

BELOW_THE_REPORT = [
    "auditor/config.py",
    "auditor/configfile.py",
    "auditor/scan.py",
    "auditor/model.py",
    "auditor/inventory.py",
    "auditor/engine",
    "auditor/fields",
    "auditor/collect",
]
"""What the report is built from (suppress.py still writes through report.formats: its own
issue)."""


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_nothing_below_the_report_imports_it() -> None:
    """Config, the scan outcome, the engine, the fields and the collectors never import
    ``auditor.report`` (formats are names the CLI checks; compliance is typed engine data)."""
    offenders = []
    for entry in BELOW_THE_REPORT:
        root = REPO / entry
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            bad = {
                m
                for m in _imports(path)
                if m == "auditor.report" or m.startswith("auditor.report.")
            }
            offenders += [f"{path.relative_to(REPO)} -> {m}" for m in sorted(bad)]
    assert offenders == []
    assert not (
        REPO / "auditor" / "baseline.py"
    ).exists()  # it compares reports: report/baseline.py
