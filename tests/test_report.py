"""Reports: the JSON contract validates against its published schema; HTML is safe and offline."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.report.formats import render, writers
from auditor.report.reader import read_document
from tests.conftest import FIXTURES, SCHEMA_PATH, write_json

SUB = "aaaaaaaa-0000-4000-8000-000000000001"


def validate(report: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(report, schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize("rule_id", ["AIS002", "AML007", "IAM001"])
def test_reports_validate_against_the_schema(run_cli: Any, rule_id: str) -> None:
    """Reports of fixtures with fail, unknown and not-applicable results validate."""
    result = run_cli(["scan", "--snapshot", str(FIXTURES / "rules" / rule_id), "--include-passed"])
    validate(result.report())


def test_demo_report_validates(run_cli: Any) -> None:
    """The demo report (with collection errors) validates against the schema."""
    report = run_cli(["scan", "--demo"]).report()
    validate(report)
    assert report["errors"] and report["errors"][0]["status_code"] == 403


def test_schema_rejects_a_broken_report(run_cli: Any) -> None:
    """The schema is strict enough to catch a wrong status or a missing field."""
    report = run_cli(["scan", "--snapshot", str(FIXTURES / "rules" / "AIS001")]).report()
    report["findings"][0]["status"] = "passed"
    with pytest.raises(jsonschema.ValidationError):
        validate(report)
    del report["summary"]
    with pytest.raises(jsonschema.ValidationError):
        validate(report)


def test_every_format_renders_an_older_report() -> None:
    """Every registered writer renders a report read back from a schema 1.0 document, which
    lacks the warnings, baseline and compliance sections."""
    document = json.loads((FIXTURES / "minimal-report.json").read_text())
    report = read_document(document, "minimal-report.json")
    assert report.warnings == () and report.baseline is None and report.compliance == ()
    for name in writers():
        assert render(name, report).strip()


def test_html_escapes_values_from_azure(run_cli: Any, tmp_path: Path) -> None:
    """Names and messages from Azure containing markup render as text, not as HTML."""
    evil_name = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
    account = {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/{evil_name}",
        "type": "Microsoft.CognitiveServices/accounts",
        "name": evil_name,
        "properties": {"disableLocalAuth": False},
    }
    path = write_json(tmp_path / "in" / "evil.json", account)
    result = run_cli(["scan", "--snapshot", str(path)])
    html = (result.output_dir / "auditor.html").read_text()
    assert "<script>alert(2)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_html_is_self_contained(run_cli: Any) -> None:
    """The HTML report loads nothing from the network: no external src or stylesheet links."""
    html = (run_cli(["scan", "--demo"]).output_dir / "auditor.html").read_text()
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=\"https?:", html)
    assert "@import" not in html
    assert "default-src 'none'" in html
