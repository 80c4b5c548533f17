"""A scan lets go of what its report will not show: its resources' JSON before the report is
built (a tenth of a million-resource scan's peak memory, README "Offline scan cost"), and the
evidence of passing results when the report lists none. Each report is the same as one built
from a scan that kept them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from auditor import audit
from auditor.api import render
from auditor.config import ScanConfig
from auditor.engine.evaluate import evaluate
from auditor.engine.loader import load_rules
from auditor.model import RELEASED, Status
from auditor.report.build import build_report
from auditor.report.model import Report
from auditor.shard import Shard

MOMENT = dt.datetime(2026, 11, 2, 3, 4, 5, tzinfo=dt.UTC)


def _config() -> ScanConfig:
    return ScanConfig(
        demo=True, include_passed=True, as_of=MOMENT, fail_on=None, clock=lambda: MOMENT
    )


def test_the_report_is_the_same_once_the_resources_let_their_json_go() -> None:
    """Every format the report is rendered to reads no resource JSON: the released scan's
    reports in every text format equal those of a scan whose resources kept theirs."""
    kept = audit.scan(_config())
    assert all(r.resource.data for r in kept.results)
    expected = build_report(kept, include_passed=True)
    outcome, report = audit.scan_report(_config())
    assert report.findings and len(report.findings) == len(expected.findings)
    assert {r.resource.data is RELEASED for r in outcome.results} == {True}
    for fmt in ("json", "html", "sarif", "junit", "csv", "markdown"):
        assert render(report, fmt) == render(expected, fmt), fmt


def test_passing_results_carry_no_evidence_only_when_no_report_lists_them() -> None:
    inventory, _ = audit.build_inventory(_config())
    rules = load_rules()
    kept = evaluate(rules, inventory, MOMENT)
    dropped = evaluate(rules, inventory, MOMENT, passed_evidence=False)
    assert any(r.status is Status.PASS and r.evidence for r in kept)  # there was some to drop
    assert len(kept) == len(dropped)
    for before, after in zip(kept, dropped, strict=True):
        assert (after.rule, after.resource, after.status, after.message, after.reason) == (
            before.rule,
            before.resource,
            before.status,
            before.message,
            before.reason,
        )
        expected = {} if before.status is Status.PASS else dict(before.evidence)
        assert dict(after.evidence) == expected, (before.rule.id, before.resource.id)


def _findings(report: Report) -> list[dict[str, object]]:
    found: list[dict[str, object]] = json.loads(render(report, "json"))["findings"]
    return found


def test_a_report_without_passing_results_lists_each_finding_with_its_evidence() -> None:
    """The findings of a scan that dropped passing evidence are exactly the failing, unknown
    and suppressed findings of one that listed every result, evidence included; and with
    ``--include-passed`` (or ``--shard``) passing results keep theirs."""
    outcome, short = audit.scan_report(dataclasses.replace(_config(), include_passed=False))
    assert any(r.status is Status.PASS for r in outcome.results)
    assert all(not r.evidence for r in outcome.results if r.status is Status.PASS)
    _, full = audit.scan_report(_config())
    listed = [f for f in _findings(full) if f["status"] not in ("pass", "not_applicable")]
    assert listed and _findings(short) == listed
    assert any(f["status"] == "pass" and f["evidence"] for f in _findings(full))
    whole = dataclasses.replace(_config(), include_passed=False, shard=Shard(1, 1))
    sharded, _ = audit.scan_report(whole)  # lists the passing results of no subscription
    assert any(r.status is Status.PASS and r.evidence for r in sharded.results)
