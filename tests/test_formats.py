"""SARIF, JUnit, CSV and Markdown: each derived from the JSON report, valid for its consumers."""

from __future__ import annotations

import copy
import csv
import functools
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import cmarkgfm
import jsonschema
import pytest
from cmarkgfm.cmark import Options
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from auditor.report.formats import parse_formats, render, writers
from auditor.report.model import Report
from auditor.report.reader import read_document
from auditor.report.writers import csv_report, sarif
from auditor.report.writers.csv_report import spreadsheet_safe
from auditor.report.writers.junit import xml_safe
from auditor.report.writers.markdown import escape, render_markdown
from tests.conftest import REPO, write_json

SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
SUB = "aaaaaaaa-0000-4000-8000-000000000001"
EVIL = '=HYPERLINK("http://x")<script>alert(1)</script>|*[a](b)'


def github_html(markdown: str) -> str:
    """Markdown rendered by GitHub's own parser (cmark-gfm with its table and autolink
    extensions), raw HTML passed through so that any that got in would show."""
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


@functools.cache
def sarif_validator() -> jsonschema.Draft4Validator:
    """A validator for the official SARIF 2.1.0 schema (itself checked once)."""
    schema = json.loads(SARIF_SCHEMA.read_text("utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def validate_sarif(log: dict[str, Any]) -> None:
    sarif_validator().validate(log)


@pytest.fixture(scope="module")
def demo_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON report of the demo estate, with passing and not-applicable results listed."""
    from auditor.cli import main

    out = tmp_path_factory.mktemp("demo")
    assert main(["scan", "--demo", "--include-passed", "--quiet", "-o", str(out)]) == 1
    data: dict[str, Any] = json.loads((out / "auditor.json").read_text("utf-8"))
    return data


def _report(document: dict[str, Any]) -> Report:
    """A JSON document read back into the typed report the writers take."""
    return read_document(document, "test")


def _render(name: str, document: dict[str, Any]) -> str:
    text = render(name, _report(document))
    assert isinstance(text, str)
    return text


def test_every_registered_format_renders_with_its_own_file_and_names(
    demo_document: dict[str, Any],
) -> None:
    """Every writer the registry finds renders the demo, and no two share a file or a name."""
    found = writers()
    assert set(found) == {"json", "html", "sarif", "junit", "csv", "markdown", "xlsx"}
    names = [alias for w in found.values() for alias in (w.name, *w.aliases)]
    assert len(set(names)) == len(names)
    files = [w.filename for w in found.values()]
    assert len(set(files)) == len(files)
    for name, writer in found.items():
        assert writer.name == name
        assert render(name, _report(demo_document)).strip()
        for alias in (name, *writer.aliases):
            assert parse_formats(alias.upper()) == [name]
    assert found["sarif"].filename == "auditor.sarif"
    assert found["junit"].filename == "auditor.junit.xml"
    assert found["markdown"].filename == "auditor.md"
    assert parse_formats("md,xml, md") == ["markdown", "junit"]


def test_demo_sarif_validates_against_the_official_schema(demo_document: dict[str, Any]) -> None:
    """The demo estate's SARIF log is valid SARIF 2.1.0 and has one result per failure."""
    log = sarif.sarif_log(_report(demo_document), REPO)
    validate_sarif(log)
    [run] = log["runs"]
    failures = [f for f in demo_document["findings"] if f["status"] == "fail"]
    assert len(run["results"]) == len(failures) == demo_document["summary"]["by_status"]["fail"]
    assert {r["ruleId"] for r in run["results"]} <= {
        d["id"] for d in run["tool"]["driver"]["rules"]
    }


def test_sarif_rules_carry_severity_help_and_tags(demo_document: dict[str, Any]) -> None:
    """Every rule descriptor has a security-severity matching its severity, help and tags."""
    run = sarif.sarif_log(_report(demo_document))["runs"][0]
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
    run = sarif.sarif_log(_report(demo_document), REPO)["runs"][0]
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
    outside = sarif.sarif_log(_report(elsewhere), Path("/nonexistent"))["runs"][0]["results"][0]
    uri = outside["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("file:///srv/evidence/")


def test_sarif_template_and_live_findings(demo_document: dict[str, Any]) -> None:
    """A template finding points at its file and line; a finding with no file at its ARM id."""
    document = copy.deepcopy(demo_document)
    fails = [f for f in document["findings"] if f["status"] == "fail"]
    fails[0]["source"] = {"kind": "template", "path": "infra/main.bicep", "line": 42}
    fails[1]["source"] = {"kind": "live", "path": None, "line": None}
    log = sarif.sarif_log(_report(document), REPO)
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
    root = ET.fromstring(_render("junit", demo_document))
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
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("ok", "ok"),
        ("a;=cmd|' /C calc'!A0", "a;'=cmd|' /C calc'!A0"),
        ("a, +1", "a, '+1"),
        ("one\n@two\r\n-three", "one\n'@two\r\n'-three"),
        ("\t=x", "'\t'=x"),
        ("\uff1dHYPERLINK()", "'\uff1dHYPERLINK()"),
        ("a;b, c", "a;b, c"),
    ],
)
def test_spreadsheet_safe(cell: str, expected: str) -> None:
    """A formula prefix at the start of a cell or after a separator a spreadsheet may split
    on gets an apostrophe; other text stays as it is."""
    assert spreadsheet_safe(cell) == expected


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("@octocat", "<code>@octocat</code>"),
        ("fix-#123", "<code>fix-#123</code>"),
        ("https://evil.example/x", "<code>https://evil.example/x</code>"),
        ("www.evil.example", "<code>www.evil.example</code>"),
        ("<https://evil.example>", "<code>&lt;https://evil.example&gt;</code>"),
        ("admin\u202egpj.exe", "admin[U+202E]gpj.exe"),
        ("pay\u200broll\u2066x\u2069", "pay[U+200B]roll[U+2066]x[U+2069]"),
        ("- 1. not a list", "- 1. not a list"),
    ],
)
def test_markdown_neutralises_what_github_would_link_or_hide(name: str, shown: str) -> None:
    """Mentions, issue references and autolinks render in a code span (GitHub links nothing
    there); bidi and zero-width characters are shown by code point, as GitHub renders it."""
    rendered = github_html(f"| x |\n| --- |\n| {escape(name)} |\n")
    assert f"<td>{shown}</td>" in rendered
    assert "<a " not in rendered


def test_sarif_uris_are_percent_encoded(demo_document: dict[str, Any]) -> None:
    """Spaces, '#', '%' and non-ASCII letters in an evidence path are percent-encoded
    (RFC 3986), relative and absolute alike, so the location points at the same file."""
    document = copy.deepcopy(demo_document)
    fails = [f for f in document["findings"] if f["status"] == "fail"]
    fails[0]["source"]["path"] = "evidence dir/#1 50%/é:x.json"
    fails[1]["source"]["path"] = "/srv/evidence dir/#1 50%/é:x.json"
    results = {
        r["partialFingerprints"][sarif.FINGERPRINT_KEY]: r
        for r in sarif.sarif_log(_report(document), Path("/nonexistent"))["runs"][0]["results"]
    }
    uris = [
        results[f["fingerprint"]]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for f in fails[:2]
    ]
    assert uris == [
        "evidence%20dir/%231%2050%25/%C3%A9%3Ax.json",
        "file:///srv/evidence%20dir/%231%2050%25/%C3%A9%3Ax.json",
    ]


def test_csv_has_one_row_per_listed_result(demo_document: dict[str, Any]) -> None:
    """The CSV has a header and one row per finding, with suppression columns."""
    rows = list(csv.DictReader(io.StringIO(_render("csv", demo_document))))
    assert len(rows) == len(demo_document["findings"])
    assert {"suppression_owner", "suppression_expires", "fingerprint"} <= set(rows[0])


def test_markdown_summary_is_short_and_escaped(demo_document: dict[str, Any]) -> None:
    """The Markdown summary states the gate, counts by severity and lists at most 25 findings."""
    md = render_markdown(_report(demo_document))
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


# --- any character, every format ---------------------------------------------------------

TRICKY = [
    *("\ud800", "\udfff", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff", "\ufdd0"),
    *("\x00", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\x9f", "\t", "\r", "\n", "\u2028"),
    *("\u202a", "\u202e", "\u2066", "\u2069", "\u200b", "\u200d", "\u2060", "\ufeff"),
    *("|", "`", "``", "\\", "*", "_", "[", "]", "(", ")", "<", ">", "&", "$", "~", "!"),
    *("@", "@octocat", "#1", "GH-12", "deadbeef1", "www.", "https://", "mailto:", "a@b.co"),
    *("=", "+", "-", ";", ",", " ", "%", "%2F", "?", ":", "/", "..", "]]>", "&#x0;", "é", "𝕏"),
    *(";=", ", +", "\n@", "\t-", "\r=", ",\uff1d"),
]
hostile_text = st.lists(st.one_of(st.characters(), st.sampled_from(TRICKY)), max_size=12).map(
    "".join
)
FORMULA = tuple(csv_report.FORMULA_PREFIXES)
# No shrinking: a failing example is reported as found, and CI time stays bounded.
FUZZ_PHASES = (Phase.explicit, Phase.reuse, Phase.generate)
SEPARATORS = re.compile("[,;\t\r\n]")
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
URI_REFERENCE = re.compile(r"^([A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-F]{2})*$")
GITHUB_LINKED = re.compile(r"(^|[^\w`])(@[A-Za-z0-9]|#\d)|://|www\.", re.IGNORECASE)
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\x00-\x08\x0b-\x1f\x7f]")


class _Html(HTMLParser):
    """Tags and the text outside code spans of rendered Markdown."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.outside_code: list[str] = []
        self.in_code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.in_code += tag == "code"

    def handle_endtag(self, tag: str) -> None:
        self.in_code -= tag == "code"

    def handle_data(self, data: str) -> None:
        if not self.in_code:
            self.outside_code.append(data)


@pytest.fixture(scope="module")
def small_document(demo_document: dict[str, Any]) -> dict[str, Any]:
    """The demo report cut to two findings per status and the rules they belong to."""
    document = copy.deepcopy(demo_document)
    picked: list[dict[str, Any]] = []
    for status in ("fail", "unknown", "suppressed", "pass", "not_applicable"):
        picked += [f for f in document["findings"] if f["status"] == status][:2]
    document["findings"] = picked
    kept = {f["rule_id"] for f in picked}
    document["rules"] = [r for r in document["rules"] if r["id"] in kept]
    return document


def hostile_document(base: dict[str, Any], values: list[str], path: str | None) -> dict[str, Any]:
    """The report with its Azure- and file-sourced values replaced by the hostile texts."""
    document = copy.deepcopy(base)
    picked: list[dict[str, Any]] = document["findings"]
    for index, finding in enumerate(picked):
        text = values[index % len(values)]
        finding["resource_name"] = text
        finding["resource_id"] = f"/subscriptions/{SUB}/x/{values[(index + 1) % len(values)]}"
        finding["message"] = f"{text} is {values[(index + 2) % len(values)]}"
        finding["reason"] = values[(index + 3) % len(values)] or None
        finding["evidence"] = {"field": text, values[(index + 4) % len(values)]: [text]}
        finding["source"] = {"kind": "snapshot", "path": path, "line": None}
    document["rules"][0]["title"] = values[0]
    document["warnings"] = [{"kind": "suppression_stale", "message": values[-1], "file": path}]
    return document


@settings(derandomize=True, max_examples=150, deadline=None, phases=FUZZ_PHASES)
@given(
    values=st.lists(hostile_text, min_size=1, max_size=6),
    path=st.one_of(st.none(), hostile_text.filter(bool), hostile_text.map(lambda t: "/srv/" + t)),
)
def test_any_text_keeps_every_format_well_formed(
    small_document: dict[str, Any], values: list[str], path: str | None
) -> None:
    """Arbitrary names, ids, messages, evidence and file paths: every format writes as UTF-8,
    JUnit parses with a strict XML parser, SARIF validates with RFC 3986 URIs, no CSV cell
    piece starts a formula, and Markdown renders (cmark-gfm) with no link, mention or tag."""
    document = hostile_document(small_document, values, path)
    # HTML (the slowest to render) has its own test below, with the worst characters; the
    # binary workbook is read back cell by cell by its own fuzz test (tests/test_workbook.py).
    texts = {name: _render(name, document) for name in writers() if name not in ("html", "xlsx")}
    for text in texts.values():
        text.encode("utf-8")  # a lone surrogate would make the file unwritable
    assert json.loads(texts["json"])["findings"][0]["resource_id"].startswith("/subscr")

    junit = ET.fromstring(texts["junit"].encode("utf-8"))  # expat: strict XML 1.0
    assert not XML_FORBIDDEN.search(texts["junit"])
    names = {case.get("name") for case in junit.iter("testcase")}
    for finding in json.loads(texts["json"])["findings"]:
        if finding["status"] in ("fail", "unknown", "suppressed"):
            label = f"{finding['rule_id']} {finding['resource_name']} ({finding['resource_id']})"
            assert xml_safe(label) in names

    log = json.loads(texts["sarif"])
    validate_sarif(log)
    for result in log["runs"][0]["results"]:
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert URI_REFERENCE.match(artifact["uri"]), artifact
        if "uriBaseId" in artifact:
            assert ":" not in artifact["uri"].split("/")[0]  # never read as a scheme

    rows = list(csv.reader(io.StringIO(texts["csv"], newline=""), strict=True))
    assert len(rows) == len(document["findings"]) + 1
    for cell in (cell for row in rows[1:] for cell in row):
        for piece in SEPARATORS.split(cell):
            assert not piece.lstrip(" ").startswith(FORMULA), (cell, piece)

    markdown = texts["markdown"]
    assert not INVISIBLE.search(markdown)
    parser = _Html()
    parser.feed(github_html(markdown))
    assert set(parser.tags) <= {"h2", "h3", "p", "strong", "code", "table", "thead", "tbody"} | {
        "tr",
        "th",
        "td",
        "ul",
        "li",
    }
    assert not GITHUB_LINKED.search("".join(parser.outside_code))
    failing = sum(f["status"] == "fail" for f in document["findings"])
    counted = len(document["summary"]["by_status"]) + len(
        document["summary"]["failures_by_severity"]
    )
    views = len(document["compliance"])  # one row per framework, 2 + 6 verdict cells
    headers = 3 + (1 if views else 0)
    assert parser.tags.count("tr") == headers + counted + failing + views
    assert parser.tags.count("td") == 2 * counted + 4 * failing + 8 * views  # none split or lost


def test_the_worst_characters_still_write_every_format(small_document: dict[str, Any]) -> None:
    """Every tricky character at once in every value: all six formats render to valid UTF-8,
    a lone surrogate becoming U+FFFD (no UTF-8 file can hold one)."""
    worst = "".join(TRICKY)
    document = hostile_document(small_document, [worst, worst[::-1]], "/srv/" + worst)
    for fmt in (name for name in writers() if name != "xlsx"):  # binary: tests/test_workbook.py
        text = _render(fmt, document)
        assert "\ufffd" in text and "\ud800" not in text, fmt
        text.encode("utf-8")
