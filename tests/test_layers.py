"""The import layers of ``pyproject.toml``'s import-linter contracts hold, and they bite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter over the package under ``root`` with that root's contracts."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_package_keeps_its_import_layers() -> None:
    """No module imports a module of a higher layer (data flows one way); CI fails otherwise."""
    run = _lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "BROKEN" not in run.stdout
    assert "Contracts: 2 kept, 0 broken." in run.stdout


def test_a_backward_import_breaks_the_contract(tmp_path: Path) -> None:
    """The contracts are not vacuous: an engine module importing the report layer fails them."""
    shutil.copytree(ROOT / "auditor", tmp_path / "auditor", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    evaluate = tmp_path / "auditor" / "engine" / "evaluate.py"
    evaluate.write_text(
        evaluate.read_text(encoding="utf-8") + "\nfrom auditor.report import summary  # noqa\n",
        encoding="utf-8",
    )
    run = _lint_imports(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "auditor.engine is not allowed to import auditor.report" in run.stdout
    assert "auditor.engine.evaluate -> auditor.report.summary" in run.stdout
