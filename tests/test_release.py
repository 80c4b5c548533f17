"""A scan lets its resources' JSON go before the report is built (a tenth of a million-resource
scan's peak memory, README "Offline scan cost"): the report is the same as one built from
resources that kept it, and the JSON is gone."""

from __future__ import annotations

import datetime as dt

from auditor import audit
from auditor.api import render
from auditor.config import ScanConfig
from auditor.model import RELEASED
from auditor.report.build import build_report

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
