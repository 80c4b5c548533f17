"""SARIF, JUnit, CSV and Markdown: each derived from the JSON report, valid for its consumers."""

from __future__ import annotations

import copy
import csv
import html
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import cmarkgfm
import jsonschema
import pytest
from cmarkgfm.cmark import Options

from auditor.report import sarif
from auditor.report.csv_report import render_csv, spreadsheet_safe
from auditor.report.formats import Format, render
from auditor.report.junit import render_junit
from auditor.report.markdown import escape, render_markdown
from tests.conftest import FIXTURES, REPO, write_json

SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
SUB = "aaaaaaaa-0000-4000-8000-000000000001"
EVIL = '=HYPERLINK("http://x")<script>alert(1)</script>|*[a](b)'


def github_html(markdown: str) -> str:
    """Markdown rendered by GitHub's own parser (cmark-gfm with its table and autolink
    extensions), raw HTML passed through so that any that got in would show."""
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


def validate_sarif(log: dict[str, Any]) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(log)


@pytest.fixture(scope="module")
def demo_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON report of the demo estate, with passing and not-applicable results listed."""
    from auditor.cli import main

    out = tmp_path_factory.mktemp("demo")
    assert main(["scan", "--demo", "--include-passed", "--quiet", "-o", str(out)]) == 1
    data: dict[str, Any] = json.loads((out / "auditor.json").read_text("utf-8"))
    return data


def test_every_format_has_a_distinct_file_and_parses_back() -> None:
    """Each Format member renders, has its own file name, and its name parses to itself."""
    document = json.loads((FIXTURES / "minimal-report.json").read_text())
    names = [fmt.filename for fmt in Format]
    assert len(set(names)) == len(names)
    for fmt in Format:
        assert render(fmt, document).strip()
        assert Format.parse_list(fmt.value) == [fmt]
    assert Format.SARIF.filename == "auditor.sarif"
    assert Format.JUNIT.filename == "auditor.junit.xml"
    assert Format.MARKDOWN.filename == "auditor.md"
    assert Format.parse_list("md,xml") == [Format.MARKDOWN, Format.JUNIT]


def test_demo_sarif_validates_against_the_official_schema(demo_document: dict[str, Any]) -> None:
    """The demo estate's SARIF log is valid SARIF 2.1.0 and has one result per failure."""
    log = sarif.sarif_log(demo_document, REPO)
    validate_sarif(log)
    [run] = log["runs"]
    failures = [f for f in demo_document["findings"] if f["status"] == "fail"]
    assert len(run["results"]) == len(failures) == demo_document["summary"]["by_status"]["fail"]
    assert {r["ruleId"] for r in run["results"]} <= {
        d["id"] for d in run["tool"]["driver"]["rules"]
    }


def test_sarif_rules_carry_severity_help_and_tags(demo_document: dict[str, Any]) -> None:
    """Every rule descriptor has a security-severity matching its severity, help and tags."""
    run = sarif.sarif_log(demo_document)["runs"][0]
    descriptors = {d["id"]: d for d in run["tool"]["driver"]["rules"]}
    assert len(descriptors) == len(demo_document["rules"])
    aml005 = descriptors["AML005"]
    assert aml005["properties"]["security-severity"] == "9.5"
    assert descriptors["AML003"]["properties"]["security-severity"] == "5.5"
    assert aml005["help"]["markdown"].startswith("**v1 web service")
    assert "security" in aml005["properties"]["tags"]
    assert aml005["properties"]["precision"] == "very-high"
    for index, result in enumerate(run["results"]):
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"], index


def test_sarif_locations_and_fingerprints(demo_document: dict[str, Any]) -> None:
    """Snapshot findings point at the evidence file (relative to the base) and the resource id."""
    run = sarif.sarif_log(demo_document, REPO)["runs"][0]
    by_fp = {f["fingerprint"]: f for f in demo_document["findings"]}
    for result in run["results"]:
        finding = by_fp[result["partialFingerprints"][sarif.FINGERPRINT_KEY]]
        [location] = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert artifact["uri"].startswith("auditor/demo/estate/")
        assert location["physicalLocation"]["region"]["startLine"] >= 1
        assert location["logicalLocations"][0]["fullyQualifiedName"] == finding["resource_id"]
    elsewhere = copy.deepcopy(demo_document)
    for finding in elsewhere["findings"]:
        finding["source"]["path"] = "/srv/evidence/" + finding["source"]["path"]
    outside = sarif.sarif_log(elsewhere, Path("/nonexistent"))["runs"][0]["results"][0]
    uri = outside["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///srv/evidence/")


def test_sarif_template_and_live_findings(demo_document: dict[str, Any]) -> None:
    """A template finding points at its file and line; a finding with no file at its ARM id."""
    document = copy.deepcopy(demo_document)
    fails = [f for f in document["findings"] if f["status"] == "fail"]
    fails[0]["source"] = {"kind": "template", "path": "infra/main.bicep", "line": 42}
    fails[1]["source"] = {"kind": "live", "path": None, "line": None}
    log = sarif.sarif_log(document, REPO)
    validate_sarif(log)
    results = {
        r["partialFingerprints"][sarif.FINGERPRINT_KEY]: r for r in log["runs"][0]["results"]
    }
    template = results[fails[0]["fingerprint"]]["locations"][0]["physicalLocation"]
    assert template == {
        "artifactLocation": {"uri": "infra/main.bicep", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 42},
    }
    live = results[fails[1]["fingerprint"]]["locations"][0]["physicalLocation"]
    assert live["artifactLocation"]["uriBaseId"] == "AZURE"
    assert live["artifactLocation"]["uri"] == fails[1]["resource_id"].lstrip("/")


def test_sarif_is_stable_between_runs(run_cli: Any, tmp_path: Path) -> None:
    """Two scans of the same input give the same results and fingerprints."""
    first = run_cli(["scan", "--demo", "--format", "sarif"], output_dir=tmp_path / "a")
    second = run_cli(["scan", "--demo", "--format", "sarif"], output_dir=tmp_path / "b")
    logs = [json.loads((r.output_dir / "auditor.sarif").read_text()) for r in (first, second)]
    assert logs[0]["runs"][0]["results"] == logs[1]["runs"][0]["results"]


def test_junit_parses_with_one_case_per_rule_and_resource(demo_document: dict[str, Any]) -> None:
    """JUnit XML parses; counts match the report; statuses map to failure/error/skipped."""
    root = ET.fromstring(render_junit(demo_document))
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    by_status = demo_document["summary"]["by_status"]
    assert len(cases) == sum(by_status.values()) == int(root.get("tests", "-1"))
    assert len(root.findall(".//failure")) == by_status["fail"] == int(root.get("failures", "-1"))
    assert len(root.findall(".//error")) == by_status["unknown"]
    assert len(root.findall(".//skipped")) == by_status["not_applicable"] + by_status["suppressed"]
    for suite in root.findall("testsuite"):
        assert int(suite.get("tests", "0")) == len(suite.findall("testcase")) > 0


def test_junit_without_passes_still_counts_every_rule(run_cli: Any) -> None:
    """Without --include-passed each rule's unlisted results are one passing test case."""
    result = run_cli(["scan", "--demo", "--format", "junit,json"])
    root = ET.parse(result.output_dir / "auditor.junit.xml").getroot()
    suites = root.findall("testsuite")
    assert len(suites) == len(result.report()["rules"]) > 11
    assert all(suite.findall("testcase") for suite in suites)
    assert root.get("failures") == str(result.report()["summary"]["by_status"]["fail"])


def test_formats_escape_hostile_names(run_cli: Any, tmp_path: Path) -> None:
    """A resource named like a formula, HTML and Markdown stays inert in CSV, JUnit and Markdown."""
    account = {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/evil",
        "type": "Microsoft.CognitiveServices/accounts",
        "name": EVIL,
        "properties": {"disableLocalAuth": False},
    }
    path = write_json(tmp_path / "in" / "evil.json", account)
    result = run_cli(
        ["scan", "--snapshot", str(path), "--format", "json,csv,junit,markdown", "--select", "AIS*"]
    )
    rows = list(csv.DictReader(io.StringIO((result.output_dir / "auditor.csv").read_text())))
    names = {row["resource_name"] for row in rows}
    assert names == {"'" + EVIL}
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    cases = ET.parse(result.output_dir / "auditor.junit.xml").getroot().iter("testcase")
    assert any(EVIL in (case.get("name") or "") for case in cases)
    rendered = github_html((result.output_dir / "auditor.md").read_text())
    assert "<script" not in rendered and "<a " not in rendered
    assert f"<code>{html.escape(EVIL)}</code>" in rendered  # shown as text, in a code span


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2", "'-2"), ("@cmd", "'@cmd"), ("ok", "ok")],
)
def test_spreadsheet_safe(cell: str, expected: str) -> None:
    """Cells that would start a formula get a leading apostrophe; others stay as they are."""
    assert spreadsheet_safe(cell) == expected


def test_csv_has_one_row_per_listed_result(demo_document: dict[str, Any]) -> None:
    """The CSV has a header and one row per finding, with suppression columns."""
    rows = list(csv.DictReader(io.StringIO(render_csv(demo_document))))
    assert len(rows) == len(demo_document["findings"])
    assert {"suppression_owner", "suppression_expires", "fingerprint"} <= set(rows[0])


def test_markdown_summary_is_short_and_escaped(demo_document: dict[str, Any]) -> None:
    """The Markdown summary states the gate, counts by severity and lists at most 25 findings."""
    md = render_markdown(demo_document)
    failing = demo_document["summary"]["gate"]["failing"]
    assert f"Gate (`--fail-on low`): **FAIL**: {failing} failing finding(s)" in md
    assert "| critical | 3 |" in md
    assert f"… and {failing - 25} more in the full report." in md
    assert len(md) < 65536  # a GitHub comment's limit
    assert escape("a|b*c_d") == "a\\|b\\*c\\_d"


def test_stdout_streams_one_format(run_cli: Any) -> None:
    """--stdout sarif prints the SARIF log, writes no file, and keeps the summary on stderr."""
    result = run_cli(["scan", "--demo", "--stdout", "sarif"])
    assert result.code == 1
    validate_sarif(json.loads(result.out))
    assert "Gate (--fail-on low)" in result.err
    assert not result.output_dir.exists()
    dash = run_cli(["scan", "--demo", "--format", "markdown", "-o", "-"])
    assert dash.out.startswith("## auditor")
    assert run_cli(["scan", "--demo", "--format", "json,sarif", "-o", "-"]).code == 2
