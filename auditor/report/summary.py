"""The short summary table printed to the terminal after a scan."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.model import Status


def summary_text(document: Mapping[str, Any]) -> str:
    """A few lines: counts by status and severity, per-rule failures, the gate verdict."""
    summary = document["summary"]
    scan = document["scan"]
    lines = []
    resources = sum(scan["resources"].values())
    lines.append(
        f"Scanned {resources} resources in {len(scan['subscriptions'])} subscription(s); "
        f"{summary['results']} results as of {scan['as_of']}"
    )
    status = summary["by_status"]
    lines.append("  " + "  ".join(f"{s.value}: {status[s.value]}" for s in Status))
    sev = summary["failures_by_severity"]
    lines.append("  failures by severity: " + "  ".join(f"{k}: {v}" for k, v in sev.items()))
    failing_rules = [
        (rule_id, counts)
        for rule_id, counts in summary["by_rule"].items()
        if counts["fail"] or counts["unknown"]
    ]
    if failing_rules:
        titles = {r["id"]: (r["severity"], r["title"]) for r in document["rules"]}
        lines.append("")
        lines.append(f"  {'rule':<8} {'severity':<9} {'fail':>5} {'unknown':>8}  title")
        for rule_id, counts in failing_rules:
            severity, title = titles[rule_id]
            lines.append(
                f"  {rule_id:<8} {severity:<9} {counts['fail']:>5} {counts['unknown']:>8}  {title}"
            )
    if document["errors"]:
        lines.append("")
        lines.append(f"  {len(document['errors'])} collection error(s): see the report's errors")
        for error in document["errors"][:5]:
            lines.append(f"   - {error['scope']}: {error['operation']}: {error['message']}")
    baseline = document.get("baseline")
    if baseline:
        lines.append("")
        lines.append(
            f"  baseline {baseline['path']}: {baseline['new']} new, {baseline['existing']} "
            f"existing, {baseline['fixed']} fixed"
        )
    gate = summary["gate"]
    new = " new" if gate.get("new_only") else ""
    verdict = {
        0: "PASS",
        1: f"FAIL: {gate['failing']}{new} failing finding(s) at or above {gate['fail_on']}",
        3: "INCOMPLETE: some resources could not be assessed (unknown results or errors)",
    }[gate["exit_code"]]
    lines.append("")
    lines.append(f"Gate (--fail-on {gate['fail_on']}): {verdict}")
    return "\n".join(lines)
