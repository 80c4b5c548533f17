"""The typed report: its JSON is byte for byte what main wrote, it reads back losslessly,
and the gate's verdict is worded by one function."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest

from auditor.errors import InputError
from auditor.model import Severity
from auditor.report.formats import render, writers
from auditor.report.model import Gate, gate_verdict
from auditor.report.reader import read_document
from auditor.report.summary import summary_text
from tests.conftest import REPO
from tests.golden import CASES, FORMATS, GOLDEN, scan_case
from tests.test_report import validate


@pytest.fixture(scope="module", params=sorted(CASES))
def scanned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One golden case scanned in every format into a fresh folder (from the repository)."""
    out = tmp_path_factory.mktemp(request.param)
    here = Path.cwd()
    os.chdir(REPO)
    try:
        scan_case(request.param, out)
    finally:
        os.chdir(here)
    return out


def test_json_is_byte_for_byte_the_golden_report(scanned: Path) -> None:
    """The JSON serialisation of the typed report is exactly the document main wrote for the
    same scan (regenerate with ``python -m tests.golden`` only for a meant change), and it
    validates against the published schema."""
    text = (scanned / "auditor.json").read_text("utf-8")
    assert text == (GOLDEN / f"{scanned.name.rstrip('0123456789')}.json").read_text("utf-8")
    validate(json.loads(text))


def test_a_report_read_back_renders_every_format_as_written(scanned: Path) -> None:
    """Reading ``auditor.json`` back into the model loses nothing: every text writer renders the
    read-back report to the very bytes the scan wrote (what baselines and diffs rely on; the
    workbook's bytes are checked the same way in tests/test_workbook.py)."""
    document = json.loads((scanned / "auditor.json").read_text("utf-8"))
    report = read_document(document, "auditor.json")
    assert report.to_document() == document
    here = Path.cwd()
    os.chdir(REPO)  # SARIF locations are relative to the working directory
    try:
        for writer in (writers()[name] for name in FORMATS.split(",")):
            written = (scanned / writer.filename).read_bytes().decode("utf-8")
            assert render(writer.name, report) == written, writer.name
    finally:
        os.chdir(here)


def _gate(code: int, **changes: Any) -> Gate:
    gate = Gate(fail_on=Severity.HIGH, failing=3, incomplete=code == 3, exit_code=code)
    return dataclasses.replace(gate, **changes)


def test_the_gate_verdict_has_one_wording() -> None:
    """Pass, fail (new only or not) and incomplete read the same wherever they are said."""
    assert gate_verdict(_gate(1)).word == "FAIL"
    assert gate_verdict(_gate(1)).detail == "3 failing finding(s) at or above high"
    assert gate_verdict(_gate(1, new_only=True)).detail == (
        "3 new failing finding(s) at or above high"
    )
    incomplete = gate_verdict(_gate(3))
    assert (incomplete.word, incomplete.heading) == ("INCOMPLETE", "Incomplete scan")
    passed = gate_verdict(_gate(0, fail_on=None))
    assert (passed.word, passed.heading) == ("PASS", "Gate passed")
    assert passed.detail.startswith("no failing finding at or above none")


def test_summary_markdown_and_html_say_the_same_verdict(scanned: Path) -> None:
    """The terminal summary, the Markdown and the HTML banner carry the one verdict text."""
    report = read_document(json.loads((scanned / "auditor.json").read_text("utf-8")), "r")
    verdict = gate_verdict(report.summary.gate)
    assert f"{verdict.word}: {verdict.detail}" in summary_text(report)
    assert f"**{verdict.word}**: {verdict.detail}" in (scanned / "auditor.md").read_text("utf-8")
    assert verdict.heading in (scanned / "auditor.html").read_text("utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(findings={}), "r.json: findings: expected an array"),
        (lambda d: d["findings"].append(7), "r.json: findings[2]: expected an object"),
        (lambda d: d["findings"][1].pop("fingerprint"), "findings[1].fingerprint: expected a"),
        (lambda d: d["findings"][0].update(status="ok"), "findings[0].status: expected one of"),
        (lambda d: d["findings"][0].update(severity=2), "findings[0].severity: expected one"),
        (lambda d: d.update(scan=[]), "r.json: scan: expected an object"),
        (lambda d: d["summary"].update(gate=1), "r.json: summary.gate: expected an object"),
    ],
)
def test_a_wrong_document_names_the_file_and_element(change: Any, message: str) -> None:
    """What a comparison reads is checked: a wrong value is an input error naming it."""
    document = json.loads((REPO / "tests" / "fixtures" / "minimal-report.json").read_text())
    change(document)
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        read_document(document, "r.json")
