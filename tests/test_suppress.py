"""Suppressions: accountable, expiring, reported everywhere, and strict about their file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from auditor.engine.loader import load_rules
from auditor.errors import InputError
from auditor.suppress import Suppression, parse_suppressions
from tests.conftest import FIXTURES, TEST_NOW

LANG_DEV = (
    "/subscriptions/22222222-2222-4222-8222-222222222222/resourceGroups/rg-ai-dev"
    "/providers/Microsoft.CognitiveServices/accounts/lang-dev"
)
TODAY = TEST_NOW.date()


def write_suppressions(path: Path, entries: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# team exceptions\nsuppressions:\n" + entries, encoding="utf-8")
    return path


def entry(rule: str, resource: str, expires: str, owner: str = "ai-platform@contoso.com") -> str:
    return (
        f"  - rule: {rule}\n"
        f"    resource: '{resource}'\n"
        f"    reason: dev account keeps keys until the SDK upgrade (JIRA-123)\n"
        f"    owner: {owner}\n"
        f"    expires: {expires}\n"
    )


def finding(report: dict[str, Any], rule_id: str, name: str) -> dict[str, Any]:
    [match] = [
        f for f in report["findings"] if f["rule_id"] == rule_id and f["resource_name"] == name
    ]
    return match


def test_suppression_hides_a_finding_until_its_date_then_warns(
    run_cli: Any, tmp_path: Path
) -> None:
    """On the demo estate one AIS001 failure is suppressed until 2027-01-31, then returns with a warning."""
    path = write_suppressions(tmp_path / "s.yaml", entry("AIS001", LANG_DEV, "2027-01-31"))
    plain = run_cli(["scan", "--demo"]).report()
    before = run_cli(["scan", "--demo", "--suppressions", str(path)]).report()
    hidden = finding(before, "AIS001", "lang-dev")
    assert hidden["status"] == "suppressed"
    assert hidden["suppression"]["owner"] == "ai-platform@contoso.com"
    assert hidden["suppression"]["expires"] == "2027-01-31"
    assert before["summary"]["by_status"]["suppressed"] == 1
    assert before["summary"]["gate"]["failing"] == plain["summary"]["gate"]["failing"] - 1
    assert before["warnings"] == []

    after = run_cli(["scan", "--demo", "--suppressions", str(path), "--as-of", "2027-02-01"])
    report = after.report()
    assert finding(report, "AIS001", "lang-dev")["status"] == "fail"
    assert report["summary"]["by_status"]["suppressed"] == 0
    [warning] = report["warnings"]
    assert warning["kind"] == "suppression_expired"
    assert warning["line"] == 3
    assert "expired on 2027-01-31" in warning["message"]
    assert "auditor: warning: suppression of AIS001" in after.err
    assert "expired on 2027-01-31" in (after.output_dir / "auditor.html").read_text()


def test_suppressed_results_do_not_fail_the_gate(run_cli: Any, tmp_path: Path) -> None:
    """Suppressing every AIS001 failure of the fixture by glob and regex turns exit 1 into 3."""
    path = write_suppressions(
        tmp_path / "s.yaml",
        entry(
            "ais00?",
            "regex:.*/ACCOUNTS/(explicit-false|absent)",
            (TODAY + dt.timedelta(days=30)).isoformat(),
        )
        + entry(
            "ai-services-local-auth-enabled",
            "*/accounts/null-*",
            (TODAY + dt.timedelta(days=30)).isoformat(),
        ),
    )
    folder = FIXTURES / "rules" / "AIS001"
    only = ["--select", "AIS001,AIS002"]
    plain = run_cli(["scan", "--snapshot", str(folder), *only])
    suppressed = run_cli(["scan", "--snapshot", str(folder), "--suppressions", str(path), *only])
    assert plain.code == 1
    report = suppressed.report()
    assert report["summary"]["by_status"]["fail"] == 0, report["findings"]
    assert suppressed.code == 3  # AIS002 is still unknown: no Activity Log in the fixture


def test_stale_entry_is_reported(run_cli: Any, tmp_path: Path) -> None:
    """An entry that matches no failing result is a stale warning; it suppresses nothing."""
    path = write_suppressions(
        tmp_path / "s.yaml",
        entry("AML005", "/subscriptions/x/nothing", (TODAY + dt.timedelta(days=10)).isoformat()),
    )
    report = run_cli(["scan", "--demo", "--suppressions", str(path)]).report()
    [warning] = report["warnings"]
    assert warning["kind"] == "suppression_stale"
    assert report["summary"]["by_status"]["suppressed"] == 0


def test_suppressed_finding_appears_in_every_format(run_cli: Any, tmp_path: Path) -> None:
    """CSV and JUnit carry the suppression; SARIF has no alert for it."""
    path = write_suppressions(tmp_path / "s.yaml", entry("AIS001", LANG_DEV, "2027-01-31"))
    result = run_cli(
        [
            "scan",
            "--demo",
            "--suppressions",
            str(path),
            "--format",
            "json,csv,junit,sarif,markdown,html",
        ]
    )
    rows = list(csv.DictReader(io.StringIO((result.output_dir / "auditor.csv").read_text())))
    [row] = [r for r in rows if r["status"] == "suppressed"]
    assert row["suppression_owner"] == "ai-platform@contoso.com"
    assert row["suppression_expires"] == "2027-01-31"
    junit = ET.parse(result.output_dir / "auditor.junit.xml").getroot()
    skipped = [s.get("message", "") for s in junit.iter("skipped")]
    assert any(m.startswith("suppressed: dev account") for m in skipped)
    sarif = json.loads((result.output_dir / "auditor.sarif").read_text())
    assert all(
        "lang-dev" not in r["properties"]["resourceId"]
        for r in sarif["runs"][0]["results"]
        if r["ruleId"] == "AIS001"
    )
    assert "1 finding(s) suppressed" in (result.output_dir / "auditor.md").read_text()
    assert "JIRA-123" in (result.output_dir / "auditor.html").read_text()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "suppressions:\n  - rule: AIS001\n    resource: x\n    reason: r\n    expires: 2026-12-01\n",
            "s.yaml:2: suppression is missing owner",
        ),
        (
            "suppressions:\n  - rule: AIS001\n    resource: x\n    reason: r\n    owner: o\n    expires: soon\n",
            "s.yaml:2: expires 'soon' is not a date",
        ),
        (
            "suppressions:\n  - rule: AIS001\n    resource: x\n    reason: r\n    owner: o\n    expires: 2026-12-01\n    note: n\n",
            "s.yaml:2: unknown suppression field 'note'",
        ),
        (
            "suppressions:\n  - rule: AIS001\n    resource: 'regex:(['\n    reason: r\n    owner: o\n    expires: 2026-12-01\n",
            "s.yaml:2: invalid regex",
        ),
        (
            "suppressions:\n  - rule: AIS001\n    resource: x\n    reason: r\n    owner: o\n    expires: 2031-01-01\n",
            "s.yaml:2: expires 2031-01-01 is more than 180 days ahead",
        ),
        ("suppressions:\n  - rule: AIS001\n  resource: [x\n", "s.yaml:3: invalid YAML"),
        ("suppressions:\n  - rule: AIS001\n    rule: AIS002\n", "s.yaml:3: 'rule' is given twice"),
        ("suppression:\n  - rule: AIS001\n", "s.yaml:1: unknown top-level key 'suppression'"),
        ("suppressions:\n  - rule: [AIS001]\n", "s.yaml:2: 'rule' must be a single value"),
    ],
)
def test_malformed_file_is_exit_2_with_the_line(
    run_cli: Any, tmp_path: Path, text: str, message: str
) -> None:
    """A malformed suppressions file stops the scan with exit 2, naming file and line; no report."""
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    result = run_cli(["scan", "--demo", "--suppressions", str(path), "--as-of", "2026-11-01"])
    assert result.code == 2
    assert message in result.err
    assert not result.output_dir.exists()


def test_horizon_is_configurable() -> None:
    """--max-suppression-days widens or narrows how far ahead an entry may expire."""
    text = "suppressions:\n" + entry("AIS001", "x", "2027-06-01")
    start = dt.date(2026, 11, 1)
    with pytest.raises(InputError, match="more than 180 days"):
        parse_suppressions(text, "s.yaml", horizon_from=start, max_days=180)
    [parsed] = parse_suppressions(text, "s.yaml", horizon_from=start, max_days=365)
    assert parsed.expires == dt.date(2027, 6, 1)


def test_matching_is_case_insensitive() -> None:
    """Rule globs, resource ids, globs and regexes match regardless of case."""
    base = {"reason": "r", "owner": "o", "expires": dt.date(2027, 1, 1)}
    key = LANG_DEV.lower()
    assert Suppression(rule="ais001", resource=LANG_DEV.upper(), **base).matches_resource(key)  # type: ignore[arg-type]
    assert Suppression(rule="AIS*", resource="*/ACCOUNTS/LANG-*", **base).matches_resource(key)  # type: ignore[arg-type]
    regex = Suppression(rule="x", resource="regex:.*/Accounts/lang-dev", **base)  # type: ignore[arg-type]
    assert regex.matches_resource(key)
    assert not regex.matches_resource(key + "2")  # the whole id must match
    [ais001] = [rule for rule in load_rules() if rule.id == "AIS001"]
    assert Suppression(rule="ais00?", resource="x", **base).matches_rule(ais001)  # type: ignore[arg-type]
    assert Suppression(rule="AI-SERVICES-*", resource="x", **base).matches_rule(ais001)  # type: ignore[arg-type]


def test_default_file_is_read_from_the_working_directory(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --suppressions, .auditor/suppressions.yaml in the working directory applies."""
    write_suppressions(
        tmp_path / "repo" / ".auditor" / "suppressions.yaml",
        entry("AIS001", LANG_DEV, "2027-01-31"),
    )
    monkeypatch.chdir(tmp_path / "repo")
    report = run_cli(["scan", "--demo"]).report()
    assert finding(report, "AIS001", "lang-dev")["status"] == "suppressed"
    assert run_cli(["scan", "--demo", "--suppressions", "missing.yaml"]).code == 2


def test_suppress_command_appends_a_valid_entry(run_cli: Any, tmp_path: Path) -> None:
    """`auditor suppress` appends an entry, keeps comments, and the file then suppresses."""
    path = write_suppressions(
        tmp_path / "s.yaml", entry("AML005", "*/services/legacy-aks-open", "2027-01-15")
    )
    expires = (TODAY + dt.timedelta(days=60)).isoformat()
    added = run_cli(
        [
            "suppress",
            "AIS001",
            LANG_DEV,
            "--reason",
            "until the SDK upgrade",
            "--owner",
            "ai-platform",
            "--expires",
            expires,
            "--suppressions",
            str(path),
        ]
    )
    assert added.code == 0, added.err
    text = path.read_text()
    assert text.startswith("# team exceptions\n")
    [first, second] = parse_suppressions(text, "s.yaml", horizon_from=TODAY, max_days=180)
    assert (first.rule, second.rule, second.owner) == ("AML005", "AIS001", "ai-platform")
    report = run_cli(["scan", "--demo", "--suppressions", str(path)]).report()
    assert finding(report, "AIS001", "lang-dev")["status"] == "suppressed"
    assert finding(report, "AML005", "legacy-aks-open")["status"] == "suppressed"


def test_suppress_command_validates_before_writing(run_cli: Any, tmp_path: Path) -> None:
    """A bad entry (no such rule, too far, bad regex) is exit 2 and leaves the file as it was."""
    path = write_suppressions(tmp_path / "s.yaml", entry("AML005", "x", "2027-01-15"))
    before = path.read_text()
    soon = (TODAY + dt.timedelta(days=30)).isoformat()
    far = (TODAY + dt.timedelta(days=400)).isoformat()
    common = ["--reason", "r", "--owner", "o", "--suppressions", str(path)]
    assert run_cli(["suppress", "XYZ999", "x", "--expires", soon, *common]).code == 2
    assert run_cli(["suppress", "AIS001", "x", "--expires", far, *common]).code == 2
    assert run_cli(["suppress", "AIS001", "regex:([", "--expires", soon, *common]).code == 2
    assert (
        run_cli(
            [
                "suppress",
                "AIS001",
                "x",
                "--expires",
                soon,
                "--reason",
                " ",
                "--owner",
                "o",
                "--suppressions",
                str(path),
            ]
        ).code
        == 2
    )
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]  # no temporary files left


def test_suppress_command_creates_the_default_file(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no file yet, `auditor suppress` creates .auditor/suppressions.yaml."""
    monkeypatch.chdir(tmp_path)
    expires = (TODAY + dt.timedelta(days=10)).isoformat()
    result = run_cli(
        ["suppress", "AIS*", "regex:.*", "--reason", "r", "--owner", "o", "--expires", expires]
    )
    assert result.code == 0, result.err
    created = tmp_path / ".auditor" / "suppressions.yaml"
    [parsed] = parse_suppressions(created.read_text(), "x", horizon_from=TODAY, max_days=180)
    assert parsed.resource == "regex:.*"
