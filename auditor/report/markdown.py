"""Markdown (``auditor.md``): a short summary for a pull-request comment or a CI step summary.

Every value that came from Azure or a file is escaped: a resource named like Markdown or HTML
renders as text, not as a link, an image or a table break.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

MAX_FINDINGS = 25
"""Findings listed by name; the full list is in the other reports."""

# Inline specials only: values sit in table cells and list items, never at a line start.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"]


def escape(value: object) -> str:
    """Text that renders literally in GitHub-flavoured Markdown, also inside a table cell."""
    text = " ".join(str(value).split())
    text = html.escape(text, quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _verdict(gate: Mapping[str, Any]) -> str:
    code = gate["exit_code"]
    if code == 1:
        scope = " new" if gate.get("new_only") else ""
        return (
            f"**FAIL**: {gate['failing']}{scope} failing finding(s) at or above `{gate['fail_on']}`"
        )
    if code == 3:
        return "**INCOMPLETE**: some resources could not be assessed"
    return "**PASS**"


def _findings_table(findings: list[Mapping[str, Any]], with_baseline: bool) -> list[str]:
    header = "| severity | rule | resource | message |"
    rule_line = "| --- | --- | --- | --- |"
    if with_baseline:
        header, rule_line = header + " baseline |", rule_line + " --- |"
    lines = [header, rule_line]
    for f in findings[:MAX_FINDINGS]:
        row = (
            f"| {escape(f['severity'])} | {escape(f['rule_id'])} | {escape(f['resource_name'])}"
            f" | {escape(f['message'])} |"
        )
        if with_baseline:
            row += f" {escape(f.get('baseline') or '')} |"
        lines.append(row)
    if len(findings) > MAX_FINDINGS:
        lines.append("")
        lines.append(f"… and {len(findings) - MAX_FINDINGS} more in the full report.")
    return lines


def render_markdown(document: Mapping[str, Any]) -> str:
    """Render a short Markdown summary of the report document."""
    summary, scan = document["summary"], document["scan"]
    gate = summary["gate"]
    baseline = document.get("baseline")
    lines = [
        "## auditor: Azure ML / AI Services security scan",
        "",
        f"Gate (`--fail-on {escape(gate['fail_on'])}`): {_verdict(gate)}",
        "",
        f"{sum(scan['resources'].values())} resources in {len(scan['subscriptions'])} "
        f"subscription(s), judged as of {escape(scan['as_of'])}.",
        "",
        "| status | count |",
        "| --- | ---: |",
        *(f"| {escape(k)} | {v} |" for k, v in summary["by_status"].items()),
        "",
        "| failures by severity | count |",
        "| --- | ---: |",
        *(f"| {escape(k)} | {v} |" for k, v in summary["failures_by_severity"].items()),
    ]
    if baseline:
        lines += [
            "",
            f"Compared with the baseline: **{baseline['new']} new**, {baseline['existing']} "
            f"existing, {baseline['fixed']} fixed.",
        ]
    failing = sorted(
        (f for f in document["findings"] if f["status"] == "fail"),
        key=lambda f: (
            f.get("baseline") != "new",
            _SEVERITY_ORDER.index(f["severity"]),
            f["rule_id"],
            f["resource_name"].lower(),
        ),
    )
    if failing:
        lines += ["", "### Failing findings", ""]
        lines += _findings_table(failing, with_baseline=bool(baseline))
    suppressed = [f for f in document["findings"] if f["status"] == "suppressed"]
    if suppressed:
        lines += [
            "",
            f"{len(suppressed)} finding(s) suppressed (reason, owner, expiry in the report).",
        ]
    warnings = document.get("warnings", [])
    if warnings:
        lines += ["", "### Warnings", ""]
        lines += [f"- {escape(w['message'])}" for w in warnings]
    if document["errors"]:
        lines += [
            "",
            f"{len(document['errors'])} collection error(s): some data could not be read.",
        ]
    return "\n".join(lines) + "\n"
