"""CONTRIBUTING's recipes, tried as a maintainer would: on a copy of the package, a new resource
type is one declaration (plus its rule and its fixture) and a new output format is one module.

Each test copies ``auditor/`` and ``rules/`` to a temporary folder, adds only the files the
recipe names, and runs the copy in a subprocess (``python -m auditor``), so nothing else of
the checkout can be what makes it work.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO

PLAN = "Microsoft.CognitiveServices/accounts/commitmentPlans"
ACCOUNT = (
    "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001/resourceGroups/rg"
    "/providers/Microsoft.CognitiveServices/accounts/acct"
)

# The one declaration of the new type, as a maintainer writes it (field names, types and enum
# from the REST spec: cognitiveservices.json 2025-06-01, `CommitmentPlan`,
# `CommitmentPlanProperties`, `HostingModel`).
DECLARATION = '''
"""Kept fields of Azure AI Services commitment plans."""

from auditor.fields.common import ENVELOPE
from auditor.fields.spec import BOOLEAN, STRING, AuditedType, enum_of, merge, obj

AI_COMMITMENT_PLAN = AuditedType(
    "Microsoft.CognitiveServices/accounts/commitmentPlans",
    merge(
        ENVELOPE,
        obj(
            {
                "properties.planType": STRING,
                "properties.autoRenew": BOOLEAN,
                "properties.hostingModel": enum_of(
                    "Web", "ConnectedContainer", "DisconnectedContainer", "ProvisionedWeb"
                ),
            }
        ),
    ),
    ai_ml=True,
    snapshot_file="ai-commitment-plans.json",
)
'''

RULE = """
id: AIS900
slug: ai-services-commitment-plan-off-azure
title: AI Services commitment plan runs its model outside Azure
severity: low
since: "0.1.0"
resource_types: [Microsoft.CognitiveServices/accounts/commitmentPlans]
description: The plan's `properties.hostingModel` is not `Web`.
rationale: A container outside Azure sits outside the account's network and identity controls.
condition:
  field: properties.hostingModel
  equals: Web
  default: ConnectedContainer
remediation:
  summary: Host the model in Azure (hostingModel Web).
references: [https://learn.microsoft.com/azure/ai-services/commitment-tier]
controls: {}
tags: [ai-services]
"""

WRITER = '''
"""One line per listed finding: rule, status, resource."""

from typing import TextIO

from auditor.report.formats import Writer, text_writer
from auditor.report.model import Report


def _write(report: Report, out: TextIO) -> None:
    for f in report.findings:
        out.write(f"{f.rule_id} {f.status.value} {f.resource_name}\\n")


WRITER = Writer(name="digest", filename="auditor-digest.txt", write=text_writer(_write))
'''


def _plan(name: str, properties: dict[str, object]) -> dict[str, object]:
    return {
        "id": f"{ACCOUNT}/commitmentPlans/{name}",
        "name": name,
        "type": PLAN,
        "properties": properties,
    }


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the package and its bundled rules, with nothing added yet."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "auditor", tmp_path / "auditor", ignore=ignore)
    shutil.copytree(REPO / "rules", tmp_path / "rules", ignore=ignore)
    return tmp_path


def _add(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the copy (its folder is the working directory, so ``-m`` imports it first)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_copy_runs_its_own_package(copy: Path) -> None:
    """The subprocess imports the copied package, not the checkout's (else the rest proves
    nothing)."""
    proc = _run(copy, "-c", "import auditor, sys; sys.stdout.write(auditor.__file__)")
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout).resolve().is_relative_to(copy.resolve())


def test_a_new_resource_type_is_one_declaration_plus_its_rule_and_fixture(copy: Path) -> None:
    """One new module in auditor/fields/, one rule file and one snapshot fixture: the rule
    loads, judges the new type (pass, fail, and unknown naming the field), and every list of
    types (audited, AI/ML, parent link, casing, snapshot file) knows it."""
    _add(copy, "auditor/fields/plans.py", DECLARATION)
    _add(copy, "rules/AIS900.yaml", RULE)
    records = [
        _plan("pinned", {"hostingModel": "web"}),
        _plan("auto", {"hostingModel": "DisconnectedContainer"}),
        _plan("absent", {"planType": "TextAnalytics.TA"}),
        _plan("wrong", {"hostingModel": 3}),
    ]
    _add(copy, "snap/ai-commitment-plans.json", json.dumps({"value": records}))

    proc = _run(
        copy,
        "-m",
        "auditor",
        "scan",
        "--snapshot",
        "snap",
        "--select",
        "AIS900",
        "--include-passed",
        "--stdout",
        "json",
        "--as-of",
        "2026-11-01T00:00:00Z",
    )
    assert proc.returncode == 1, proc.stderr  # failing findings
    report = json.loads(proc.stdout)
    statuses = {f["resource_name"]: f["status"] for f in report["findings"]}
    assert statuses == {"pinned": "pass", "auto": "fail", "absent": "fail", "wrong": "unknown"}
    [wrong] = [f for f in report["findings"] if f["resource_name"] == "wrong"]
    assert "properties.hostingModel is invalid" in wrong["message"]
    assert report["scan"]["resources"][PLAN] == 4

    probe = f"""
from auditor.collect.writer import FILE_NAMES
from auditor.fields import AI_ML_TYPES, canonical_type, parent_type
from auditor.inventory import InventoryBuilder
from auditor.model import SourceRef
t = canonical_type({PLAN.upper()!r})
builder = InventoryBuilder()
builder.add({records[0]!r}, SourceRef("snapshot"))
[resource] = builder.build()
print(t, t in AI_ML_TYPES, parent_type(t), FILE_NAMES[t], resource.parent_key, sep="|")
"""
    proc = _run(copy, "-c", probe)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().split("|") == [
        PLAN,
        "True",
        "Microsoft.CognitiveServices/accounts",
        "ai-commitment-plans.json",
        ACCOUNT.lower(),
    ]


def test_a_declaration_that_would_clash_is_refused_when_the_package_loads(copy: Path) -> None:
    """A second declaration writing to a snapshot file another type owns stops the tool at
    once, naming the type, instead of mixing two types in one file."""
    _add(
        copy,
        "auditor/fields/plans.py",
        DECLARATION.replace("ai-commitment-plans.json", "workspaces.json"),
    )
    proc = _run(copy, "-m", "auditor", "rules")
    assert proc.returncode != 0
    assert f"{PLAN}: snapshot_file must be a unique .json file name" in proc.stderr


def test_a_new_output_format_is_one_module(copy: Path) -> None:
    """One new module in auditor/report/writers/: --format's help lists it, and a scan writes
    it to its file and to --stdout."""
    _add(copy, "auditor/report/writers/digest.py", WRITER)
    help_text = _run(copy, "-m", "auditor", "scan", "--help")
    assert help_text.returncode == 0, help_text.stderr
    assert "digest" in help_text.stdout

    out = copy / "out"
    proc = _run(
        copy,
        "-m",
        "auditor",
        "scan",
        "--demo",
        "--format",
        "digest,json",
        "--output-dir",
        str(out),
        "--quiet",
    )
    assert proc.returncode == 1, proc.stderr  # the demo has failing findings
    lines = (out / "auditor-digest.txt").read_text(encoding="utf-8").splitlines()
    report = json.loads((out / "auditor.json").read_text(encoding="utf-8"))
    assert lines == [
        f"{f['rule_id']} {f['status']} {f['resource_name']}" for f in report["findings"]
    ]
    stdout = _run(copy, "-m", "auditor", "scan", "--demo", "--stdout", "digest")
    assert stdout.stdout.splitlines() == lines
