"""``--export log-analytics``: the report's results sent through the real Logs Ingestion client
(``azure-monitor-ingestion``) over HTTPS to the ingestion emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.loganalytics import COLUMNS, OPERATION
from tests.canaries import leaks
from tests.emulator.canary_estate import CANARIES, SUB, build
from tests.emulator.estate import Estate
from tests.emulator.fixtures import TOKEN
from tests.emulator.ingestion import IngestFault, IngestionEmulator
from tests.emulator.server import ArmEmulator

RULE_ID = "dcr-00000000000000000000000000000001"
STREAM = "Custom-AuditorFindings_CL"
SMALL = ["--snapshot", "tests/fixtures/rules/AIS001", "--select", "AIS001", "--fail-on", "none"]
"""A scan that passes the gate (exit 0) with three listed results."""


@pytest.fixture
def ingestion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[IngestionEmulator]:
    """The ingestion emulator, its CA trusted and the token in the environment."""
    server = IngestionEmulator(tmp_path, TOKEN).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
    monkeypatch.setenv("AUDITOR_ACCESS_TOKEN", TOKEN)
    try:
        yield server
    finally:
        server.stop()


def export_args(server: IngestionEmulator) -> list[str]:
    return [
        "--export",
        "log-analytics",
        "--dce",
        server.url,
        "--dcr-id",
        RULE_ID,
        "--auth",
        "token",
        "--format",
        "json",
        "--quiet",
    ]


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)


def test_the_rows_are_exactly_the_reports_results(
    run_cli: Any, ingestion: IngestionEmulator
) -> None:
    """Every listed result of the demo arrives once, in order (same count and fingerprints),
    gzip-compressed, at the rule's stream, each row with exactly the documented columns."""
    run = run_cli(["scan", "--demo", *export_args(ingestion)])
    assert run.code == 1, run.err
    report = run.report()
    rows = ingestion.rows()
    assert [r["Fingerprint"] for r in rows] == [f["fingerprint"] for f in report["findings"]]
    assert len(rows) == len(report["findings"]) > 100
    assert all(set(r) == set(COLUMNS) for r in rows)
    assert {(u.rule_id, u.stream, u.content_encoding) for u in ingestion.uploads} == {
        (RULE_ID, STREAM, "gzip")
    }
    first, finding = rows[0], report["findings"][0]
    assert (first["RuleId"], first["Status"], first["Severity"], first["ResourceId"]) == (
        finding["rule_id"],
        finding["status"],
        finding["severity"],
        finding["resource_id"],
    )
    assert first["TimeGenerated"] == report["scan"]["finished_at"]
    assert len({r["ScanId"] for r in rows}) == 1
    assert not [e for e in report["errors"] if e["operation"] == OPERATION]
    assert {r["Overdue"] for r in rows} == {None}  # no --history: no SLA to be past


def test_overdue_is_the_historys_verdict(
    run_cli: Any, ingestion: IngestionEmulator, tmp_path: Path
) -> None:
    """With --history, each row's Overdue is its finding's: failures open past their SLA are
    true, the rest false."""
    history = ["--history", f"sqlite:///{tmp_path / 'history.db'}"]
    sla = ["--sla-days", "critical=30,high=30,medium=30,low=30"]
    first = run_cli(["scan", *SMALL, *history, *sla, "--as-of", "2026-01-01T00:00:00Z"])
    assert first.code == 0, first.err
    run = run_cli(
        ["scan", *SMALL, *history, *sla, "--as-of", "2026-03-01T00:00:00Z", *export_args(ingestion)]
    )
    assert run.code == 0, run.err
    findings = {f["fingerprint"]: f for f in run.report()["findings"]}
    rows = ingestion.rows()
    assert [r["Overdue"] for r in rows] == [findings[r["Fingerprint"]]["overdue"] for r in rows]
    assert True in {r["Overdue"] for r in rows}


def test_passed_results_are_sent_with_include_passed(
    run_cli: Any, ingestion: IngestionEmulator
) -> None:
    """With --include-passed the report lists every result, and so does the table."""
    run = run_cli(["scan", *SMALL, "--include-passed", *export_args(ingestion)])
    assert run.code == 0, run.err
    statuses = sorted(r["Status"] for r in ingestion.rows())
    assert statuses == sorted(f["status"] for f in run.report()["findings"])
    assert "pass" in statuses


def test_no_secret_value_is_sent(
    run_cli: Any, emulator: ArmEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live scan of the canary estate exported: no planted secret is in any row sent."""
    records, _ = build()
    estate = Estate()
    estate.add_all(records)
    emulator.estate = estate
    emulator.page_size = 50
    server = IngestionEmulator(tmp_path, TOKEN, also_trust=emulator.ca_file).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
    try:
        run = run_cli(
            [
                "scan",
                "--arm-endpoint",
                emulator.url,
                "--subscription",
                SUB,
                "--include-passed",
                *export_args(server),
            ]
        )
    finally:
        server.stop()
    assert run.code == 1, run.err
    rows = server.rows()
    assert len(rows) == len(run.report()["findings"]) > 0
    assert leaks(CANARIES, {"rows": json.dumps(rows)}) == []


def test_a_failing_endpoint_is_an_error_entry_and_exit_3(
    run_cli: Any, ingestion: IngestionEmulator
) -> None:
    """An endpoint that refuses the request (413): exit 3, and the report on disk carries the
    error entry naming the export and the status; the gate says incomplete."""
    ingestion.fail_always(IngestFault(413))
    run = run_cli(["scan", *SMALL, *export_args(ingestion)])
    assert run.code == 3, run.err
    report = run.report()
    [error] = report["errors"]
    assert error["operation"] == OPERATION
    assert "3 of 3 row(s) not sent: HTTP 413" in error["message"]
    assert report["summary"]["gate"]["exit_code"] == 3
    assert ingestion.rows() == []
    assert "auditor: error: export results to Log Analytics" in run.err


def test_throttling_and_server_errors_are_retried(
    run_cli: Any, ingestion: IngestionEmulator
) -> None:
    """A 429 with Retry-After, then a 500: azure-core retries, every row arrives, exit 0."""
    ingestion.fail_next(IngestFault(429, {"Retry-After": "1"}), IngestFault(500))
    run = run_cli(["scan", *SMALL, *export_args(ingestion)])
    assert run.code == 0, run.err
    assert ingestion.statuses == [429, 500, 204]
    assert len(ingestion.rows()) == 3
    assert run.report()["errors"] == []


def test_a_bad_token_is_an_error_entry(
    run_cli: Any, ingestion: IngestionEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token the endpoint refuses (401): exit 3 with the error entry, never a success."""
    monkeypatch.setenv("AUDITOR_ACCESS_TOKEN", "not-the-token")
    run = run_cli(["scan", *SMALL, *export_args(ingestion)])
    assert run.code == 3
    assert "HTTP 401" in run.report()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--export", "log-analytics", "--dcr-id", RULE_ID], "needs --dce URL and --dcr-id"),
        (
            ["--export", "log-analytics", "--dce", "https://x.example"],
            "needs --dce URL and --dcr-id",
        ),
        (
            ["--export", "log-analytics", "--dce", "http://x.example", "--dcr-id", RULE_ID],
            "--dce must be an https:// URL",
        ),
        (["--dce", "https://x.example"], "--dce and --dcr-id go with --export log-analytics"),
    ],
)
def test_incomplete_export_settings_are_exit_2(run_cli: Any, args: list[str], message: str) -> None:
    """An export without its endpoint or rule, or over plain http: exit 2 before any scan."""
    run = run_cli(["scan", *SMALL, *args])
    assert run.code == 2
    assert message in run.err


def test_the_shipped_table_and_rule_declare_exactly_the_columns_sent() -> None:
    """docs/log-analytics: the table schema and the rule's stream declare the rows' columns,
    with their types, in order (a column added to the rows must be added to both)."""
    docs = Path(__file__).resolve().parent.parent / "docs" / "log-analytics"
    table = json.loads((docs / "table.json").read_text("utf-8"))
    declared = [(c["name"], c["type"]) for c in table["properties"]["schema"]["columns"]]
    assert declared == list(COLUMNS.items())
    template = json.loads((docs / "dcr.json").read_text("utf-8"))
    [rule] = [
        r for r in template["resources"] if r["type"] == "Microsoft.Insights/dataCollectionRules"
    ]
    stream = rule["properties"]["streamDeclarations"][STREAM]["columns"]
    assert [(c["name"], c["type"]) for c in stream] == list(COLUMNS.items())
    assert rule["properties"]["dataFlows"][0]["outputStream"] == STREAM


def test_a_report_whose_export_failed_still_verifies(
    run_cli: Any, ingestion: IngestionEmulator
) -> None:
    """The export's error entry is part of the recorded run, not of the evidence: verify
    re-scans without exporting and still finds the same gate (exit 3 recorded)."""
    ingestion.fail_always(IngestFault(413))
    run = run_cli(["scan", *SMALL, *export_args(ingestion)])
    assert run.code == 3
    check = run_cli(["verify", str(run.output_dir / "auditor.json")])
    assert check.code == 0, check.out + check.err
