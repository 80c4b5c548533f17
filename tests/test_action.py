"""The repository's composite GitHub Action (action.yml) runs its steps as written on the demo."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO
from tests.test_pipelines import Runner, pytestmark, validate_sarif  # noqa: F401  (bash only)

ACTION = yaml.safe_load((REPO / "action.yml").read_text("utf-8"))
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def run_action(tmp_path: Path, inputs: dict[str, str]) -> tuple[Runner, list[int], dict[str, str]]:
    """Run every shell step (the install and marketplace steps left out) as the runner would."""
    values = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
    values.update(inputs)
    runner = Runner(tmp_path)
    output_file = tmp_path / "github-output"
    output_file.touch()
    runner.env["GITHUB_OUTPUT"] = str(output_file)
    outputs: dict[str, str] = {}

    def resolve(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression.startswith("inputs."):
                return values[expression.removeprefix("inputs.")]
            if expression == "steps.scan.outputs.exit-code":
                return outputs["exit-code"]
            raise AssertionError(f"unexpected expression {expression}")

        return EXPRESSION.sub(one, text)

    codes = []
    for step in ACTION["runs"]["steps"]:
        if "run" not in step or "pip install" in step["run"]:
            continue
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], "inputs must reach scripts through env, not the text"
        env = {key: resolve(str(value)) for key, value in step.get("env", {}).items()}
        saved = dict(runner.env)
        runner.env.update(env)
        codes.append(runner.run(step["run"]))
        runner.env = saved
        for line in output_file.read_text().splitlines():
            key, _, value = line.partition("=")
            outputs[key] = value
    return runner, codes, outputs


def test_action_scans_summarises_and_gates_with_the_exit_code(tmp_path: Path) -> None:
    """Scan, summary and gate steps: reports written, SARIF valid, the gate exits like auditor."""
    runner, codes, outputs = run_action(tmp_path, {"args": "--demo"})
    assert outputs["exit-code"] == "1"  # the demo estate has failures at or above low
    assert codes == [0, 0, 1]  # the scan step records the code, the gate step fails with it
    reports = runner.work / "reports"
    validate_sarif(reports / "auditor.sarif")
    assert (reports / "auditor.json").is_file() and (reports / "auditor.html").is_file()
    summary = Path(runner.env["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.startswith("## auditor")
    assert runner.calls()[0][:2] == ["scan", "--demo"]


def test_action_inputs_change_the_gate_and_the_folder(tmp_path: Path) -> None:
    """fail-on none and another output folder: exit 3 (the demo is incomplete), files moved."""
    runner, codes, outputs = run_action(
        tmp_path, {"args": "--demo", "fail-on": "none", "output-dir": "out", "formats": "json"}
    )
    assert outputs["exit-code"] == "3" and codes[-1] == 3
    assert sorted(p.name for p in (runner.work / "out").iterdir()) == ["auditor.json"]
    assert not Path(runner.env["GITHUB_STEP_SUMMARY"]).exists()  # no markdown: nothing appended


def test_action_uploads_sarif_only_when_asked_and_written() -> None:
    """The upload step is conditional on the input and on the SARIF file existing."""
    [upload] = [s for s in ACTION["runs"]["steps"] if "upload-sarif" in s.get("uses", "")]
    condition: Any = upload["if"]
    assert "inputs.upload-sarif == 'true'" in condition and "hashFiles" in condition
    assert upload["with"]["sarif_file"] == "${{ inputs.output-dir }}/auditor.sarif"
