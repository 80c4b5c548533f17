"""Reports that stay small and are written as they are produced: each rule's text once in
``rules[]``, findings that refer to it by id (1.x and earlier 2.0 reports still read), one
finding per line by the C encoder, streamed writers, and text cleaned without a
per-character loop."""

from __future__ import annotations

import copy
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import IO, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.atomic import write_files
from auditor.report.baseline import diff_document, diff_reports, load_report
from auditor.report.formats import render, unicode_safe, write_reports, writers
from auditor.report.model import Report
from auditor.report.reader import read_document
from auditor.report.writers.csv_report import FORMULA_PREFIXES, spreadsheet_safe
from auditor.report.writers.junit import xml_safe
from tests.test_report import validate

RULE_TEXT = ("slug", "title", "remediation", "controls", "references")
"""What every finding repeated of its rule before the rule text moved to ``rules[]``."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """The demo estate's JSON report, as data and as the file's text."""
    from auditor.cli import main

    out = tmp_path_factory.mktemp("demo")
    assert main(["scan", "--demo", "--quiet", "-o", str(out)]) == 1
    text = (out / "auditor.json").read_text("utf-8")
    return json.loads(text), text


def _repeated(document: dict[str, Any]) -> dict[str, Any]:
    """The same report in the shape before 2.0's lean findings: every finding carrying its
    rule's slug, title, remediation, controls and references."""
    old = copy.deepcopy(document)
    rules = {r["id"]: r for r in old["rules"]}
    for finding in old["findings"]:
        rule = rules[finding["rule_id"]]
        finding.update({key: copy.deepcopy(rule[key]) for key in RULE_TEXT})
    return old


def test_findings_name_their_rule_and_the_rule_text_is_written_once(
    demo: tuple[dict[str, Any], str],
) -> None:
    """No finding repeats its rule's text; every finding's rule_id is a rules[] entry that
    carries it, and the document validates."""
    document, _ = demo
    validate(document)
    rules = {r["id"]: r for r in document["rules"]}
    assert document["findings"]
    for finding in document["findings"]:
        assert not set(RULE_TEXT) & set(finding), finding["rule_id"]
        rule = rules[finding["rule_id"]]
        assert rule["title"] and rule["remediation"]["summary"] and rule["description"]


def test_the_json_file_has_one_finding_per_line(demo: tuple[dict[str, Any], str]) -> None:
    """Each finding is one compact line, in order, and the file is what render() returns."""
    document, text = demo
    lines = text.splitlines()
    start = lines.index('  "findings": [') + 1
    listed = lines[start : start + len(document["findings"])]
    assert [json.loads(line.strip().rstrip(",")) for line in listed] == document["findings"]
    assert lines[start + len(document["findings"])] == "  ],"
    assert render("json", read_document(document, "demo")) == text


def test_a_finding_reads_its_rule_text_from_rules(demo: tuple[dict[str, Any], str]) -> None:
    """Read back, every finding's title, remediation, controls and references are its rule's,
    one shared object per rule."""
    document, _ = demo
    report = read_document(document, "demo")
    rules = {r.id: r for r in report.rules}
    for finding in report.findings:
        assert finding.rule is rules[finding.rule_id]
        assert finding.title == rules[finding.rule_id].title
        assert finding.remediation.summary == rules[finding.rule_id].remediation.summary


def test_a_report_that_repeats_rule_text_in_findings_reads_and_renders_the_same(
    demo: tuple[dict[str, Any], str],
) -> None:
    """A report of the older shape (rule text in every finding: 1.x and earlier 2.0) reads into
    the same findings, writes the same lean JSON and the same SARIF, JUnit, CSV and HTML."""
    document, text = demo
    lean = read_document(document, "new")
    old = read_document(_repeated(document), "old")
    assert render("json", old) == text
    for name in ("sarif", "junit", "csv", "html", "markdown"):
        assert render(name, old) == render(name, lean), name


def test_a_findings_own_rule_text_wins_in_an_older_report(
    demo: tuple[dict[str, Any], str],
) -> None:
    """When an older report's finding carries text of its own (a different title), that is
    what it was reported with, and findings of the same text share one rule object."""
    document, _ = demo
    old = _repeated(document)
    first = old["findings"][0]
    twins = [f for f in old["findings"] if f["rule_id"] == first["rule_id"]]
    for finding in twins:
        finding["title"] = "renamed since"
    report = read_document(old, "old")
    read = [f for f in report.findings if f.rule_id == first["rule_id"]]
    assert {f.title for f in read} == {"renamed since"}
    assert len({id(f.rule) for f in read}) == 1
    rule = next(r for r in report.rules if r.id == first["rule_id"])
    assert rule.title != "renamed since"


def test_a_finding_of_a_rule_missing_from_rules_is_still_read(
    demo: tuple[dict[str, Any], str],
) -> None:
    """A lean finding whose rule_id has no rules[] entry reads (for baselines and diffs), with
    an empty rule text rather than an invented one."""
    document, _ = demo
    cut = copy.deepcopy(document)
    gone = cut["findings"][0]["rule_id"]
    cut["rules"] = [r for r in cut["rules"] if r["id"] != gone]
    finding = read_document(cut, "cut").findings[0]
    assert finding.rule_id == gone and finding.title == "" and finding.remediation.summary == ""


def test_an_older_report_is_a_baseline_and_its_diff_names_the_rules(
    run_cli: Any, tmp_path: Path, demo: tuple[dict[str, Any], str]
) -> None:
    """A report whose findings repeat the rule text is a baseline (nothing new in the same
    demo) and a diff input; the diff document carries each rule its findings name once."""
    document, _ = demo
    path = tmp_path / "old.json"
    path.write_text(json.dumps(_repeated(document)), encoding="utf-8")
    scanned = run_cli(["scan", "--demo", "--baseline", str(path)])
    assert scanned.report()["baseline"]["new"] == 0
    old, new = load_report(path), load_report(scanned.output_dir / "auditor.json")
    diffed = diff_document(diff_reports(old, new, None), "old", "new")
    named = {f["rule_id"] for f in diffed["unchanged"]}
    assert named and [r["id"] for r in diffed["rules"]] == sorted(named)
    assert all(not set(RULE_TEXT) & set(f) for f in diffed["unchanged"])


def test_every_format_writes_to_its_file_what_render_returns(
    demo: tuple[dict[str, Any], str], tmp_path: Path
) -> None:
    """The streamed file of every format is byte for byte the text render() builds in memory."""
    report = read_document(demo[0], "demo")
    paths = write_reports(report, list(writers()), tmp_path)
    for name, path in zip(writers(), paths, strict=True):
        text = render(name, report)
        assert path.read_bytes() == (text.encode() if isinstance(text, str) else text), name


def test_a_writer_failing_half_way_leaves_the_old_set_and_no_temporary_file(
    tmp_path: Path,
) -> None:
    """A file whose writer raises after writing part of it: the previous set stays byte for
    byte, and no temporary file is left beside it."""
    old = {"a.txt": b"old a\n", "b.txt": b"old b\n"}
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)

    def half(stream: IO[bytes]) -> None:
        stream.write(b"new b, first half\n" * 10000)
        raise RuntimeError("the writer broke")

    with pytest.raises(RuntimeError):
        write_files({tmp_path / "a.txt": "new a\n", tmp_path / "b.txt": half})
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == old


def test_unicode_safe_copies_nothing_without_a_surrogate(
    demo: tuple[dict[str, Any], str],
) -> None:
    """A report with no lone surrogate comes back as the same object (a walk, not a rebuild);
    one with a surrogate is cleaned, and its findings still share their rule."""
    document, _ = demo
    report = read_document(document, "demo")
    assert unicode_safe(report) is report
    bad = copy.deepcopy(document)
    rule_id = bad["findings"][0]["rule_id"]
    next(r for r in bad["rules"] if r["id"] == rule_id)["title"] = "bad \ud800 title"
    bad["findings"][0]["message"] = "bad \udfff message"
    cleaned: Report = unicode_safe(read_document(bad, "bad"))
    assert cleaned.findings[0].message == "bad \ufffd message"
    assert cleaned.findings[0].title == "bad \ufffd title"
    same_rule = [f for f in cleaned.findings if f.rule_id == rule_id]
    assert all(f.rule is cleaned.rules[[r.id for r in cleaned.rules].index(rule_id)]
               for f in same_rule)  # fmt: skip


def _xml_char(code: int) -> bool:
    """XML 1.0 (5th ed.) section 2.2: the Char production, less the characters it discourages
    that strict readers reject (C1 controls and DEL, U+FDD0-U+FDEF, each plane's last two)."""
    char = (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )
    discouraged = 0x7F <= code <= 0x9F or 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE
    return char and not discouraged


any_code_point = st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF)
edge = st.sampled_from(
    ["\x00", "\x08", "\t", "\x0b", "\x1f", "\x7f", "\x85", "\x9f", "\ud800", "\udfff", "\ufdd0",
     "\ufffe", "\U0001fffe", "\U0010ffff", "\U00010000", "é", "\ufffd"]
)  # fmt: skip


@settings(derandomize=True, max_examples=400, deadline=None)
@given(st.lists(st.one_of(any_code_point, edge), max_size=40).map("".join))
def test_xml_safe_keeps_exactly_the_xml_characters_and_parses(text: str) -> None:
    """Character for character: what the XML 1.0 Char production allows (less the discouraged)
    is kept, everything else is U+FFFD; the result parses as element text and attribute."""
    assert xml_safe(text) == "".join(c if _xml_char(ord(c)) else "\ufffd" for c in text)
    element = ET.Element("case", {"name": xml_safe(text)})
    element.text = xml_safe(text)
    parsed = ET.fromstring(ET.tostring(element, encoding="unicode").encode("utf-8"))  # expat
    assert parsed.get("name") == xml_safe(text)  # attributes keep CR, LF and tab as references
    line_ends = xml_safe(text).replace("\r\n", "\n").replace("\r", "\n")  # section 2.11
    assert (parsed.text or "") == line_ends


def test_xml_safe_decides_every_code_point_as_the_char_production_does() -> None:
    """All 1,114,112 code points, one by one: kept exactly when the reference allows it."""
    wrong = [c for c in range(0x110000) if (xml_safe(chr(c)) == chr(c)) != _xml_char(c)]
    assert wrong == []


_OLD_FORMULA = re.compile("(^|[,;\t\r\n])([ ]*)(?=[" + re.escape("".join(FORMULA_PREFIXES)) + "])")


@settings(derandomize=True, max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.characters(), st.sampled_from([*FORMULA_PREFIXES, " ", ",", ";",
                                                             "\n"])), max_size=30).map("".join))  # fmt: skip
def test_spreadsheet_safe_is_the_pattern_applied_to_every_cell(text: str) -> None:
    """The shortcut for cells without a separator gives exactly what the pattern gives."""
    assert spreadsheet_safe(text) == _OLD_FORMULA.sub(r"\1\2'", text)


def test_an_empty_report_writes_every_format(demo: tuple[dict[str, Any], str]) -> None:
    """No rules and no findings: every format still writes a well-formed file (JUnit's empty
    root, JSON's empty arrays)."""
    empty = {**demo[0], "rules": [], "findings": [], "errors": [], "warnings": []}
    report = read_document(empty, "empty")
    junit = render("junit", report)
    assert isinstance(junit, str)
    assert ET.fromstring(junit.encode()).get("tests") == "0"
    data = json.loads(str(render("json", report)))
    assert data["findings"] == [] and data["rules"] == []
    buffer = io.StringIO(str(render("csv", report)))
    assert buffer.readline().startswith("rule_id,")
