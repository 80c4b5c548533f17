"""The short summary table printed to the terminal after a scan."""

from __future__ import annotations

from auditor.model import Status
from auditor.report.model import Report, gate_verdict


def summary_text(report: Report) -> str:
    """A few lines: counts by status and severity, per-rule failures, the gate verdict."""
    summary, scan = report.summary, report.scan
    lines = []
    resources = sum(scan.resources.values())
    lines.append(
        f"Scanned {resources} resources in {len(scan.subscriptions)} subscription(s); "
        f"{summary.results} results as of {scan.as_of}"
    )
    lines.append("  " + "  ".join(f"{s.value}: {summary.by_status.get(s, 0)}" for s in Status))
    sev = summary.failures_by_severity
    lines.append("  failures by severity: " + "  ".join(f"{k.value}: {v}" for k, v in sev.items()))
    failing_rules = [
        (rule_id, counts)
        for rule_id, counts in summary.by_rule.items()
        if counts.get(Status.FAIL) or counts.get(Status.UNKNOWN)
    ]
    if failing_rules:
        titles = {r.id: (r.severity.value, r.title) for r in report.rules}
        lines.append("")
        lines.append(f"  {'rule':<8} {'severity':<9} {'fail':>5} {'unknown':>8}  title")
        for rule_id, counts in failing_rules:
            severity, title = titles[rule_id]
            fail, unknown = counts.get(Status.FAIL, 0), counts.get(Status.UNKNOWN, 0)
            lines.append(f"  {rule_id:<8} {severity:<9} {fail:>5} {unknown:>8}  {title}")
    if report.errors:
        lines.append("")
        lines.append(f"  {len(report.errors)} collection error(s): see the report's errors")
        for error in report.errors[:5]:
            lines.append(f"   - {error.scope}: {error.operation}: {error.message}")
    baseline = report.baseline
    if baseline:
        lines.append("")
        lines.append(
            f"  baseline {baseline.path}: {baseline.new} new, {baseline.existing} "
            f"existing, {baseline.fixed} fixed"
        )
    gate = summary.gate
    verdict = gate_verdict(gate)
    lines.append("")
    lines.append(f"Gate (--fail-on {gate.fail_on_word}): {verdict.word}: {verdict.detail}")
    return "\n".join(lines)
