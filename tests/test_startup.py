"""A scan imports only what it uses: SQLAlchemy, the template parsers and the Azure SDK
cost a CLI start about 0.6 s, which every pipeline gate pays when they load unasked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

OPTIONAL = ("sqlalchemy", "auditor.collect.templates", "azure.core", "azure.monitor.ingestion")

_PROBE = f"""
import json, sys
from auditor.cli.main import main
code = main(sys.argv[2:])
print(json.dumps({{"code": code, "loaded": [m for m in {OPTIONAL!r} if m in sys.modules]}}))
"""


def _loaded(argv: list[str]) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "--", *argv], capture_output=True, text=True, check=False
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    return answer["code"], answer["loaded"]


def test_a_demo_scan_without_history_or_templates_loads_none_of_them(tmp_path: Path) -> None:
    code, loaded = _loaded(["scan", "--demo", "-o", str(tmp_path), "--quiet"])
    assert code == 1  # the demo estate fails the default gate
    assert loaded == []
    assert (tmp_path / "auditor.json").is_file()


def test_history_and_templates_still_load_when_asked(tmp_path: Path) -> None:
    # The probe is honest only if it can see them: a scan that keeps history and reads a
    # template must show both loaded.
    template = tmp_path / "main.json"
    template.write_text(
        json.dumps(
            {
                "$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                "deploymentTemplate.json#",
                "contentVersion": "1.0.0.0",
                "resources": [],
            }
        ),
        encoding="utf-8",
    )
    history = f"sqlite:///{tmp_path / 'h.db'}"
    code, loaded = _loaded(
        [
            *("scan", "--demo", "--template", str(template), "--history", history),
            *("-o", str(tmp_path / "out"), "--quiet"),
        ]
    )
    assert code == 1  # the demo estate fails the default gate
    assert set(loaded) == {"sqlalchemy", "auditor.collect.templates"}
