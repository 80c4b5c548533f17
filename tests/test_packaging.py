"""`pip install .` alone is enough: the wheel carries the rules, the demo estate, the schema
and the py.typed marker."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_wheel_ships_rules_demo_and_schema(tmp_path: Path) -> None:
    """Building the wheel puts every rule file, the demo estate and the JSON schema inside."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    [wheel] = tmp_path.glob("auditor-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    rule_files = {p.name for p in (REPO / "rules").glob("*.yaml")}
    assert rule_files and {f"auditor/_rules/{n}" for n in rule_files} <= names
    assert "auditor/_rules/frameworks/mcsb-v1.yaml" in names
    assert "auditor/_rules/schema.json" in names  # the loader validates every rule with it
    assert "auditor/demo/estate/manifest.json" in names
    assert "auditor/report/schema/report.schema.json" in names
    assert "auditor/data/builtin-roles.json" in names
    assert "auditor/report/templates/report.html.j2" in names
    assert "auditor/py.typed" in names


def test_installed_package_declares_its_type_hints() -> None:
    """The installed package carries the PEP 561 marker, so a type checker reads its hints."""
    assert resources.files("auditor").joinpath("py.typed").is_file()
