"""The golden reports the report tests compare with; ``python -m tests.golden`` rewrites them.

Rewrite them only for a change meant to alter the reports (a new rule, a new field), and
read the diff: it is the change every user of ``auditor.json`` sees.
"""

from __future__ import annotations

from pathlib import Path

from auditor.cli import main
from tests.conftest import REPO, TEST_NOW

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"
CASES = {
    "demo": ["--demo"],
    "template-mixed": ["--template", "tests/fixtures/templates/mixed"],
}
"""Name -> scan arguments (paths relative to the repository, which the scan runs in)."""
FORMATS = "json,html,sarif,junit,csv,markdown"


def scan_case(name: str, out: Path) -> int:
    """Scan one case into ``out`` (run from the repository root, at the tests' fixed clock)."""
    argv = ["scan", *CASES[name], "--format", FORMATS, "--quiet", "--output-dir", str(out)]
    return main(argv, clock=lambda: TEST_NOW)


def main_update() -> None:
    """Rewrite every golden JSON report."""
    import os
    import tempfile

    os.chdir(REPO)
    for name in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            scan_case(name, Path(tmp))
            text = (Path(tmp) / "auditor.json").read_text("utf-8")
        (GOLDEN / f"{name}.json").write_text(text, "utf-8")


if __name__ == "__main__":
    main_update()
