"""The pipeline examples in docs/pipelines/ run as written, against the demo estate.

Each example's shell steps run in bash (as GitHub Actions and Azure Pipelines run them) with an
``auditor`` command on PATH that is this source tree. Only the cloud is left out: steps that
install packages or use a marketplace action (login, upload) are skipped, and the ``auditor``
shim drops the live-scan options (``--auth``, ``--subscription``) and scans ``--demo`` instead.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import REPO

PIPELINES = REPO / "docs" / "pipelines"
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
SHELL_OPERATORS = frozenset({"||", "&&", ";", "|", ">", ">>", "&"})
LIVE_ONLY = (
    "--auth",
    "--subscription",
    "--client-id",
    "--arm-endpoint",
    "--management-group",
    "--exclude-subscription",
    "--exclude-management-group",
)

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="runs bash like CI does")

SHIM = """#!{python}
import json, os, sys
sys.path.insert(0, {repo!r})
from auditor.cli import main

argv = sys.argv[1:]
with open(os.environ["AUDITOR_SHIM_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(argv) + "\\n")
if argv and argv[0] == "scan":
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg in {live!r}:
            skip = True
        elif not arg.startswith({live!r}):
            kept.append(arg)
    if "--snapshot" not in kept and "--demo" not in kept:
        kept.append("--demo")
    argv = kept
sys.exit(main(argv))
"""


class Runner:
    """Runs a pipeline's shell steps in one workspace with the ``auditor`` shim on PATH."""

    def __init__(self, tmp_path: Path) -> None:
        self.work = tmp_path / "work"
        self.work.mkdir()
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        shim = bin_dir / "auditor"
        shim.write_text(SHIM.format(python=sys.executable, repo=str(REPO), live=LIVE_ONLY))
        shim.chmod(0o755)
        self.log = tmp_path / "auditor-calls.jsonl"
        self.env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "AUDITOR_SHIM_LOG": str(self.log),
            "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary.md"),
            "PIPELINE_WORKSPACE": str(tmp_path / "pipeline-workspace"),
        }

    def run(self, script: str) -> int:
        """Run one step's script as GitHub and Azure Pipelines do (bash -e -o pipefail)."""
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode in (0, 1, 3), proc.stderr
        return proc.returncode

    def calls(self) -> list[list[str]]:
        """Every auditor command line the steps ran, as written (before the shim's edits)."""
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


def expand(text: str, env: dict[str, str]) -> str:
    """``$NAME``, ``${NAME}``, ``${NAME:-DEFAULT}`` and ``${NAME:+WORDS}`` expanded from ``env``
    (as bash does)."""
    text = re.sub(
        r"\$\{(\w+):\+([^}]*)\}", lambda m: m.group(2) if env.get(m.group(1)) else "", text
    )
    text = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: env.get(m.group(1)) or m.group(2), text)
    for name, value in env.items():
        text = text.replace("${" + name + "}", value).replace("$" + name, value)
    return text


def commands_in(script: str, env: dict[str, str]) -> list[list[str]]:
    """The ``auditor …`` command lines of a script (continuations joined), as argv lists."""
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        text = line.strip()
        if text.startswith("auditor "):
            lexer = shlex.shlex(expand(text, env), posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            words = list(lexer)
            for index, word in enumerate(words):
                if word in SHELL_OPERATORS:  # `auditor … || status=$?` ends at the operator
                    words = words[:index]
                    break
            commands.append(words[1:])
    return commands


def github_steps(name: str) -> tuple[dict[str, Any], list[str]]:
    workflow = yaml.safe_load((PIPELINES / name).read_text())
    steps = next(iter(workflow["jobs"].values()))["steps"]
    scripts = [s["run"] for s in steps if "run" in s and "pip install" not in s["run"]]
    return workflow, scripts


def uses(workflow: dict[str, Any]) -> dict[str, dict[str, Any]]:
    steps = next(iter(workflow["jobs"].values()))["steps"]
    return {s["uses"].split("@")[0]: s for s in steps if "uses" in s}


def validate_sarif(path: Path) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    jsonschema.Draft4Validator(schema).validate(json.loads(path.read_text("utf-8")))


def test_github_actions_workflow_runs(tmp_path: Path) -> None:
    """OIDC login, scan, SARIF upload and step summary: the scan writes what the later steps read."""
    workflow, scripts = github_steps("github-actions.yml")
    assert workflow["permissions"]["id-token"] == "write"
    assert workflow["permissions"]["security-events"] == "write"
    actions = uses(workflow)
    assert set(actions["azure/login"]["with"]) == {"client-id", "tenant-id", "subscription-id"}
    runner = Runner(tmp_path)
    codes = [runner.run(script) for script in scripts]
    assert codes == [1, 0]  # the demo estate has high failures: the gate fails the job
    reports = runner.work / "reports"
    validate_sarif(runner.work / actions["github/codeql-action/upload-sarif"]["with"]["sarif_file"])
    summary = Path(runner.env["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.startswith("## auditor") and "**FAIL**" in summary
    assert (reports / "auditor.json").is_file() and (reports / "auditor.html").is_file()
    expected = [c for s in scripts for c in commands_in(s, runner.env)]
    assert runner.calls() == expected and expected


def test_nightly_workflow_keeps_the_previous_report_as_baseline(tmp_path: Path) -> None:
    """Night one records the estate; night two compares with it and gates on new findings only."""
    workflow, scripts = github_steps("nightly-scan.yml")
    first_step = next(iter(workflow["jobs"].values()))["steps"][0]
    assert first_step["uses"].startswith("actions/checkout@")  # config, suppressions, evidence
    schedule = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as true
    assert schedule["schedule"][0]["cron"]
    assert uses(workflow)["actions/cache/restore"]["with"]["path"] == "baseline"
    runner = Runner(tmp_path)
    first = [runner.run(script) for script in scripts]
    assert first == [3, 0, 0]  # --fail-on none: only the demo's collection error (incomplete)
    assert (runner.work / "baseline" / "auditor.json").is_file()
    second = [runner.run(script) for script in scripts]
    assert second == [3, 0, 0]  # nothing new since last night; still incomplete
    report = json.loads((runner.work / "reports" / "auditor.json").read_text())
    assert report["baseline"]["new"] == 0 and report["summary"]["gate"]["new_only"]
    # The history file is cached with the baseline: night two's findings know night one.
    assert (runner.work / "baseline" / "history.db").is_file()
    assert all(f["first_scan"] for f in report["findings"])
    assert "open failures by severity" in (tmp_path / "step-summary.md").read_text()
    assert (runner.work / "reports" / "auditor.diff.json").is_file()
    written = {tuple(c) for s in scripts for c in commands_in(s, runner.env)}
    assert written == {tuple(c) for c in runner.calls()}  # both branches ran, as written
    assert not any("--export" in c for c in runner.calls())  # no AUDITOR_DCE: nothing sent
    dce = "https://dce-nightly.westeurope-1.ingest.monitor.azure.com"
    exporting = {**runner.env, "AUDITOR_DCE": dce, "AUDITOR_DCR_ID": "dcr-0123"}
    scans = [c for s in scripts for c in commands_in(s, exporting) if c[0] == "scan"]
    assert len(scans) == 2  # both nights' scans send their results
    for command in scans:
        at = command.index("--export")
        assert command[at : at + 6] == [
            "--export",
            "log-analytics",
            "--dce",
            dce,
            "--dcr-id",
            "dcr-0123",
        ]


def test_azure_pipelines_runs_and_publishes_junit(tmp_path: Path) -> None:
    """Service connection scan, JUnit publish: the JUnit file parses and the baseline run gates."""
    pipeline = yaml.safe_load((PIPELINES / "azure-pipelines.yml").read_text())
    tasks = {s["task"]: s for s in pipeline["steps"] if "task" in s}
    cli = tasks["AzureCLI@2"]["inputs"]
    assert cli["azureSubscription"] == "$(serviceConnection)"
    junit_path = tasks["PublishTestResults@2"]["inputs"]["testResultsFiles"]
    assert tasks["PublishTestResults@2"]["inputs"]["testResultsFormat"] == "JUnit"
    runner = Runner(tmp_path)
    assert runner.run(cli["inlineScript"]) == 1  # no baseline yet: gate on every high failure
    root = ET.parse(runner.work / junit_path).getroot()
    assert root.tag == "testsuites" and int(root.get("failures", "0")) > 0
    [sarif] = [
        s["inputs"]["targetPath"]
        for s in pipeline["steps"]
        if s.get("inputs", {}).get("artifact") == "CodeAnalysisLogs"
    ]
    validate_sarif(runner.work / sarif)
    # What DownloadPipelineArtifact would restore next run: the previous reports folder.
    shutil.copytree(runner.work / "reports", Path(runner.env["PIPELINE_WORKSPACE"]) / "baseline")
    assert runner.run(cli["inlineScript"]) == 3  # nothing new; the demo stays incomplete
    written = {tuple(c) for c in commands_in(cli["inlineScript"], runner.env)}
    assert written == {tuple(c) for c in runner.calls()}


def test_azure_pipelines_publishes_only_reports_that_were_written(tmp_path: Path) -> None:
    """Every publishing step waits for the "reports written" variable the guard step sets."""
    pipeline = yaml.safe_load((PIPELINES / "azure-pipelines.yml").read_text())
    publishing = [s for s in pipeline["steps"] if s.get("task", "").startswith("Publish")]
    assert len(publishing) == 3
    for step in publishing:
        assert step["condition"] == "and(succeededOrFailed(), eq(variables.reportsWritten, 'true'))"
    [guard] = [s for s in pipeline["steps"] if s.get("displayName") == "Reports written?"]
    assert guard["condition"] == "succeededOrFailed()"
    work = tmp_path / "work"
    (work / "reports").mkdir(parents=True)

    def guard_says() -> str:
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", guard["script"]],
            cwd=work,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    assert guard_says() == ""  # an exit 2 wrote nothing: nothing to publish
    (work / "reports" / "auditor.json").write_text("{}")
    assert guard_says().strip() == "##vso[task.setvariable variable=reportsWritten]true"


AS_OF = "2026-11-01T00:00:00Z"


def merged_like_one_scan(runner: Runner, reports: Path) -> None:
    """The merged report holds the demo's three subscriptions, none twice, and the summary
    one unsharded scan of the demo has, as of the same moment."""
    whole = runner.work / "whole"
    shim = Path(runner.env["PATH"].split(os.pathsep)[0]) / "auditor"
    args = ["scan", "--demo", "--as-of", AS_OF, "--fail-on", "high", "--format", "json"]
    subprocess.run([str(shim), *args, "--output-dir", str(whole)], env=runner.env, check=False)
    merged = json.loads((reports / "auditor.json").read_text())
    one = json.loads((whole / "auditor.json").read_text())
    assert merged["summary"] == one["summary"]
    assert merged["scan"]["subscriptions"] == one["scan"]["subscriptions"]


def test_github_tenant_shards_run_four_ways_and_merge(tmp_path: Path) -> None:
    """The matrix's four shard jobs each write a shard report (exit 1 and 3 left to the
    merge), and the merge job combines the downloaded artifacts into one report whose gate is
    the one scan's."""
    workflow = yaml.safe_load((PIPELINES / "tenant-shards-github.yml").read_text())
    jobs = workflow["jobs"]
    assert jobs["scan"]["needs"] == "when" and jobs["merge"]["needs"] == "scan"
    assert jobs["scan"]["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
    assert jobs["scan"]["strategy"]["fail-fast"] is False
    runner = Runner(tmp_path)
    output = tmp_path / "github-output"
    runner.env["GITHUB_OUTPUT"] = str(output)
    [when] = jobs["when"]["steps"]
    assert runner.run(when["run"]) == 0
    assert output.read_text().startswith("as_of=20")
    [scan] = [s for s in jobs["scan"]["steps"] if s.get("name") == "Scan one shard"]
    assert scan["env"]["SHARD"] == "${{ matrix.shard }}"
    [upload] = [s for s in jobs["scan"]["steps"] if s.get("uses", "").startswith("actions/up")]
    for shard in jobs["scan"]["strategy"]["matrix"]["shard"]:
        runner.env.update(SHARD=str(shard), AS_OF=AS_OF, MANAGEMENT_GROUP="mg-tenant")
        assert runner.run(scan["run"]) == 0
        # What upload-artifact and download-artifact (pattern, one folder each) leave.
        artifact = runner.work / "shards" / f"auditor-shard-{shard}"
        artifact.mkdir(parents=True)
        shutil.move(runner.work / upload["with"]["path"], artifact / "auditor.json")
    [merge] = [s for s in jobs["merge"]["steps"] if s.get("name") == "Merge"]
    assert runner.run(merge["run"]) == 1  # the demo fails --fail-on high, as one scan does
    merged_like_one_scan(runner, runner.work / "reports")
    assert (runner.work / "reports" / "auditor.html").is_file()
    shards = [c for c in runner.calls() if "--shard" in c]
    assert [c[c.index("--shard") + 1] for c in shards] == ["1/4", "2/4", "3/4", "4/4"]


def test_azure_tenant_shards_run_in_parallel_and_merge(tmp_path: Path) -> None:
    """`parallel: 4` runs the shard job as positions 1 to 4 of 4, each publishing its report as
    an artifact, and the merge job combines them into one report with the one scan's gate."""
    pipeline = yaml.safe_load((PIPELINES / "tenant-shards-azure.yml").read_text())
    jobs = {job["job"]: job for job in pipeline["jobs"]}
    assert jobs["shard"]["strategy"]["parallel"] == 4
    assert jobs["merge"]["dependsOn"] == "shard"
    assert jobs["merge"]["condition"] == "succeededOrFailed()"
    [scan] = [s for s in jobs["shard"]["steps"] if s.get("task") == "AzureCLI@2"]
    [publish] = [s for s in jobs["shard"]["steps"] if s.get("task", "").startswith("Publish")]
    runner = Runner(tmp_path)
    shards = Path(runner.env["PIPELINE_WORKSPACE"]) / "shards"
    for position in range(1, 5):
        runner.env.update(
            SYSTEM_JOBPOSITIONINPHASE=str(position),
            SYSTEM_TOTALJOBSINPHASE="4",
            AS_OF=AS_OF,
            MANAGEMENT_GROUP="contoso-root",
        )
        assert runner.run(scan["inputs"]["inlineScript"]) == 0
        artifact = shards / publish["inputs"]["artifact"].replace(
            "$(System.JobPositionInPhase)", str(position)
        )
        artifact.mkdir(parents=True)
        shutil.move(runner.work / publish["inputs"]["targetPath"], artifact / "auditor.json")
    [merge] = [s for s in jobs["merge"]["steps"] if s.get("displayName") == "Merge"]
    assert runner.run(merge["script"]) == 1
    merged_like_one_scan(runner, runner.work / "reports")
    root = ET.parse(runner.work / "reports" / "auditor.junit.xml").getroot()
    assert root.tag == "testsuites" and int(root.get("failures", "0")) > 0
