"""The report's findings as a table of typed cells: the workbook's Findings sheet and
``Report.to_frame()`` share these columns, so a spreadsheet and a notebook read the same thing.

Rule text (title, remediation, references, controls) is looked up in ``report.rules`` by the
finding's rule id: the rule is where that text lives.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from auditor.report.model import Finding, Report, RuleInfo

Cell = str | int | bool | None
"""One cell's value: text, a count or line number, a flag, or nothing."""

FINDING_COLUMNS = (
    "rule_id",
    "title",
    "severity",
    "status",
    "gating",
    "baseline",
    "resource_name",
    "resource_type",
    "resource_id",
    "subscription_id",
    "resource_group",
    "location",
    "message",
    "reason",
    "controls",
    "remediation",
    "remediation_url",
    "suppression_reason",
    "suppression_owner",
    "suppression_expires",
    "source_kind",
    "source_path",
    "source_line",
    "fingerprint",
)
"""Every column of a finding row, in order (snake case, as the CSV and JSON name them)."""


def controls_text(controls: Mapping[str, tuple[str, ...]]) -> str:
    """A rule's control mappings in one cell: ``mcsb: NS-2, IM-1; nist-ai-rmf: MANAGE-2.4``."""
    return "; ".join(f"{key}: {', '.join(ids)}" for key, ids in controls.items() if ids)


def finding_row(finding: Finding, rule: RuleInfo | None) -> tuple[Cell, ...]:
    """One finding's cells in :data:`FINDING_COLUMNS` order (``rule`` None: no rule text)."""
    suppression = finding.suppression or {}
    return (
        finding.rule_id,
        rule.title if rule else finding.rule_id,
        finding.severity.value,
        finding.status.value,
        finding.gating,
        finding.baseline,
        finding.resource_name,
        finding.resource_type,
        finding.resource_id,
        finding.subscription_id,
        finding.resource_group,
        finding.location,
        finding.message,
        finding.reason,
        controls_text(rule.controls) if rule else "",
        rule.remediation.summary.strip() if rule else "",
        rule.references[0] if rule and rule.references else None,
        _text(suppression.get("reason")),
        _text(suppression.get("owner")),
        _text(suppression.get("expires")),
        finding.source.kind,
        finding.source.path,
        finding.source.line,
        finding.fingerprint,
    )


def finding_rows(report: Report) -> Iterator[tuple[Cell, ...]]:
    """Every listed finding of the report as a row, in report order."""
    rules = {rule.id: rule for rule in report.rules}
    for finding in report.findings:
        yield finding_row(finding, rules.get(finding.rule_id))


def _text(value: object) -> str | None:
    return None if value is None else str(value)
