"""Markdown (``auditor.md``): a short summary for a pull-request comment or a CI step summary.

Every value that came from Azure or a file is escaped: a resource named like Markdown or HTML
renders as text, not as a link, an image or a table break; a name that GitHub would turn into
a mention, an issue reference or an autolink is set in a code span, where GitHub links nothing;
bidi overrides, zero-width and control characters are shown as ``[U+XXXX]``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from typing import TextIO

from auditor.engine.frameworks import Verdict
from auditor.model import Status
from auditor.report.formats import Writer, text_writer
from auditor.report.model import Finding, Report, gate_verdict

MAX_FINDINGS = 25
"""Findings listed by name; the full list is in the other reports."""

# Inline specials only: values sit in table cells and list items, never at a line start.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")
# Words GitHub turns into a link or a notification after Markdown: @mentions, #123 and
# owner/repo#123 references, GH-123, commit SHAs, URL and www. autolinks, e-mail addresses.
# A backslash does not stop these; a code span does (GitHub skips code when linking).
_GITHUB_LINKS = re.compile(
    r"[@#]|://|www\.|mailto:|xmpp:|GH-\d|(?<![0-9a-z])[0-9a-f]{7,40}(?![0-9a-z])", re.IGNORECASE
)
# At the start of a list item these would open a nested list instead of being text.
_BLOCK_START = re.compile(r"^([-+]|\d+[.)])")


def _visible(ch: str) -> str:
    # Controls, format characters (bidi overrides and isolates U+202A-U+202E, U+2066-U+2069,
    # zero-width U+200B-U+200D, U+2060, U+FEFF) and surrogates can make a name read as
    # another one: they are shown by code point instead.
    return f"[U+{ord(ch):04X}]" if unicodedata.category(ch) in ("Cc", "Cf", "Cs") else ch


def _code_span(word: str, in_table: bool) -> str:
    if in_table:
        word = word.replace("|", "\\|")  # GFM tables split cells even inside code spans
    fence = "`" * (max((len(run) for run in re.findall("`+", word)), default=0) + 1)
    pad = " " if word.startswith("`") or word.endswith("`") else ""
    return f"{fence}{pad}{word}{pad}{fence}"


def escape(value: object, in_table: bool = True) -> str:
    """Text that renders literally in GitHub-flavoured Markdown, also inside a table cell:
    no link, mention, reference, HTML, emphasis, math or cell break; invisible characters
    shown as ``[U+XXXX]``."""
    text = "".join(_visible(ch) for ch in " ".join(str(value).split()))
    words = []
    for word in text.split(" "):
        if _GITHUB_LINKS.search(word):
            words.append(_code_span(word, in_table))
        else:
            words.append(_MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(word, quote=False)))
    return _BLOCK_START.sub(r"\\\1", " ".join(words))


def _findings_table(
    findings: Sequence[Finding], with_baseline: bool, with_age: bool = False
) -> list[str]:
    header = "| severity | rule | resource | message |"
    rule_line = "| --- | --- | --- | --- |"
    if with_baseline:
        header, rule_line = header + " baseline |", rule_line + " --- |"
    if with_age:
        header, rule_line = header + " age (days) |", rule_line + " ---: |"
    lines = [header, rule_line]
    for f in findings[:MAX_FINDINGS]:
        row = (
            f"| {escape(f.severity.value)} | {escape(f.rule_id)} | {escape(f.resource_name)}"
            f" | {escape(f.message)} |"
        )
        if with_baseline:
            row += f" {escape(f.baseline or '')} |"
        if with_age:
            row += f" {_age(f)} |"
        lines.append(row)
    if len(findings) > MAX_FINDINGS:
        lines.append("")
        lines.append(f"… and {len(findings) - MAX_FINDINGS} more in the full report.")
    return lines


def _age(finding: Finding) -> str:
    """``12``, ``12 **overdue**``, ``3 (reopened)``: the age column of a kept history."""
    if finding.age_days is None:
        return ""
    text = str(finding.age_days)
    if finding.reopened:
        text += " (reopened)"
    return text + (" **overdue**" if finding.overdue else "")


def _compliance_table(report: Report) -> list[str]:
    """One row per framework the report carries: how many controls have each verdict."""
    verdicts = list(Verdict)
    lines = [
        "| framework | controls | " + " | ".join(escape(v.count_label) for v in verdicts) + " |",
        "| --- | ---: | " + " | ".join("---:" for _ in verdicts) + " |",
    ]
    for view in report.compliance:
        counts = view.verdicts()
        cells = " | ".join(str(counts[v]) for v in verdicts)
        name = f"{escape(view.title)} ({_code_span(view.framework, True)})"
        lines.append(f"| {name} | {len(view.controls)} | {cells} |")
    return lines


def render_markdown(report: Report) -> str:
    """Render a short Markdown summary of the report."""
    summary, scan, baseline = report.summary, report.scan, report.baseline
    verdict = gate_verdict(summary.gate)
    lines = [
        "## auditor: Azure ML / AI Services security scan",
        "",
        f"Gate (`--fail-on {escape(summary.gate.fail_on_word)}`): **{verdict.word}**: "
        f"{escape(verdict.detail)}",
        "",
        f"{sum(scan.resources.values())} resources in {len(scan.subscriptions)} "
        f"subscription(s), judged as of {escape(scan.as_of)}.",
        "",
        "| status | count |",
        "| --- | ---: |",
        *(f"| {escape(k.value)} | {v} |" for k, v in summary.by_status.items()),
        "",
        "| failures by severity | count |",
        "| --- | ---: |",
        *(f"| {escape(k.value)} | {v} |" for k, v in summary.failures_by_severity.items()),
    ]
    if baseline:
        lines += [
            "",
            f"Compared with the baseline: **{baseline.new} new**, {baseline.existing} "
            f"existing, {baseline.fixed} fixed.",
        ]
    if report.compliance:
        lines += ["", "### Compliance", ""]
        lines += _compliance_table(report)
    failing = sorted(
        (f for f in report.findings if f.status is Status.FAIL),
        key=lambda f: (
            f.baseline != "new",
            -f.severity.rank,
            f.rule_id,
            f.resource_name.lower(),
        ),
    )
    if failing:
        lines += ["", "### Failing findings", ""]
        with_age = any(f.first_seen is not None for f in failing)
        lines += _findings_table(failing, with_baseline=bool(baseline), with_age=with_age)
        overdue = sum(1 for f in failing if f.overdue)
        if overdue:
            lines += ["", f"**{overdue} overdue** finding(s): failing for longer than their SLA."]
    suppressed = [f for f in report.findings if f.status is Status.SUPPRESSED]
    if suppressed:
        lines += [
            "",
            f"{len(suppressed)} finding(s) suppressed (reason, owner, expiry in the report).",
        ]
    if report.warnings:
        lines += ["", "### Warnings", ""]
        lines += [f"- {escape(w.message, in_table=False)}" for w in report.warnings]
    if report.errors:
        lines += [
            "",
            f"{len(report.errors)} collection error(s): some data could not be read.",
        ]
    return "\n".join(lines) + "\n"


def write_markdown(report: Report, out: TextIO) -> None:
    """Write the Markdown summary (a page at most: rendered whole)."""
    out.write(render_markdown(report))


WRITER = Writer(
    name="markdown", filename="auditor.md", write=text_writer(write_markdown), aliases=("md",)
)
