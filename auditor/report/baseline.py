"""Baselines and diffs: compare findings by their stable fingerprint.

A baseline is an earlier ``auditor.json``. A current finding is ``existing`` when the
baseline holds the same fingerprint in the same kind of state (a failure, suppressed or not;
or an unknown), otherwise ``new``; baseline failures no longer failing are ``fixed``.
``auditor diff OLD NEW`` applies the same comparison to two reports.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import InputError
from auditor.jsonio import read_json
from auditor.model import Result, Severity, Status
from auditor.report.model import SCHEMA_VERSION, Finding, Gate, Report, RuleInfo, gate_verdict
from auditor.report.reader import read_document
from auditor.scan import BaselineSummary, fingerprint

COMPATIBLE_MAJORS = ("1", SCHEMA_VERSION.split(".")[0])
"""Report schemas read as baselines and by ``diff``: 2.x and the 1.x before it (2.0 regrouped
``compliance`` and moved each finding's rule text to ``rules[]``; :mod:`auditor.report.reader`
reads both shapes of each)."""
_GROUP = {Status.FAIL: "problem", Status.SUPPRESSED: "problem", Status.UNKNOWN: "unknown"}
"""Statuses compared; a suppressed failure is the same problem as an open one."""
_FAILED = (Status.FAIL, Status.SUPPRESSED)


def load_report(path: Path) -> Report:
    """Read an ``auditor.json`` report; anything else is an InputError (exit 2)."""
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("tool"), dict):
        raise InputError(f"{path}: not an auditor JSON report (auditor.json)")
    if data["tool"].get("name") != "auditor":
        raise InputError(f"{path}: not an auditor JSON report (auditor.json)")
    version = data.get("schema_version")
    if not isinstance(version, str) or version.split(".")[0] not in COMPATIBLE_MAJORS:
        readable = " and ".join(f"{major}.x" for major in COMPATIBLE_MAJORS)
        raise InputError(
            f"{path}: report schema_version {version!r} is not compatible "
            f"(this auditor reads {readable})"
        )
    return read_document(data, str(path))


def _keys(findings: Iterable[Finding]) -> set[tuple[str, str]]:
    return {(f.fingerprint, _GROUP[f.status]) for f in findings if f.status in _GROUP}


def _fixed_fields(finding: Finding) -> dict[str, Any]:
    """What the report keeps of a fixed baseline finding."""
    return {
        "rule_id": finding.rule_id,
        "title": finding.title,
        "severity": finding.severity.value,
        "resource_id": finding.resource_id,
        "resource_name": finding.resource_name,
        "fingerprint": finding.fingerprint,
    }


def mark_results(
    results: Sequence[Result], baseline: Report, path: str
) -> tuple[list[Result], BaselineSummary]:
    """Mark each failing/suppressed/unknown result new or existing; returns the comparison."""
    known = _keys(baseline.findings)
    marked: list[Result] = []
    current: set[tuple[str, str]] = set()
    for result in results:
        group = _GROUP.get(result.status)
        if group is None:
            marked.append(result)
            continue
        key = (fingerprint(result.rule.id, result.resource.key), group)
        current.add(key)
        state = "existing" if key in known else "new"
        marked.append(dataclasses.replace(result, baseline=state))
    fixed = tuple(
        _fixed_fields(f)
        for f in baseline.findings
        if f.status in _FAILED and (f.fingerprint, "problem") not in current
    )
    section = BaselineSummary(
        path=path,
        as_of=baseline.scan.as_of,
        new=sum(r.baseline == "new" for r in marked),
        existing=sum(r.baseline == "existing" for r in marked),
        fixed_findings=fixed,
    )
    return marked, section


@dataclass(frozen=True)
class Diff:
    """Two reports compared."""

    new: list[Finding]
    fixed: list[Finding]
    unchanged: list[Finding]
    fail_on: Severity | None
    new_incomplete: bool

    def failing(self) -> list[Finding]:
        """New failures at or above ``fail_on``."""
        if self.fail_on is None:
            return []
        rank = self.fail_on.rank
        return [f for f in self.new if f.status is Status.FAIL and f.severity.rank >= rank]

    def exit_code(self) -> int:
        """1 new failures at or above ``fail_on``, 3 the new report is incomplete, else 0."""
        if self.failing():
            return 1
        return 3 if self.new_incomplete else 0

    def gate(self) -> Gate:
        """The diff's gate: on new findings only."""
        return Gate(
            fail_on=self.fail_on,
            failing=len(self.failing()),
            incomplete=self.new_incomplete,
            exit_code=self.exit_code(),
            new_only=True,
        )


def diff_reports(old: Report, new: Report, fail_on: Severity | None) -> Diff:
    """Compare two reports' findings by fingerprint (fail/suppressed alike; unknown apart)."""
    old_keys = _keys(old.findings)
    new_keys = _keys(new.findings)
    added: list[Finding] = []
    unchanged: list[Finding] = []
    for finding in new.findings:
        group = _GROUP.get(finding.status)
        if group is None:
            continue
        (unchanged if (finding.fingerprint, group) in old_keys else added).append(finding)
    fixed = [
        f
        for f in old.findings
        if f.status in _FAILED and (f.fingerprint, "problem") not in new_keys
    ]
    return Diff(added, fixed, unchanged, fail_on, new.summary.gate.incomplete)


def diff_document(diff: Diff, old_path: str, new_path: str) -> dict[str, Any]:
    """The diff as a JSON document (``auditor.diff.json``)."""
    return {
        "kind": "auditor-diff",
        "schema_version": SCHEMA_VERSION,
        "old_report": old_path,
        "new_report": new_path,
        "counts": {
            "new": len(diff.new),
            "fixed": len(diff.fixed),
            "unchanged": len(diff.unchanged),
        },
        "gate": {k: v for k, v in diff.gate().to_document().items() if k != "new_only"},
        "rules": [rule.to_document() for rule in _rules_of(diff.new, diff.fixed, diff.unchanged)],
        "new": [f.to_document() for f in diff.new],
        "fixed": [f.to_document() for f in diff.fixed],
        "unchanged": [f.to_document() for f in diff.unchanged],
    }


def _rules_of(*groups: list[Finding]) -> list[RuleInfo]:
    """The rules the findings name, once each (by id, the first text seen), in id order."""
    rules: dict[str, RuleInfo] = {}
    for findings in groups:
        for finding in findings:
            rules.setdefault(finding.rule_id, finding.rule)
    return [rules[rule_id] for rule_id in sorted(rules)]


def diff_text(diff: Diff) -> str:
    """The diff for the terminal: counts, then each new and fixed finding."""
    lines = [f"new: {len(diff.new)}  fixed: {len(diff.fixed)}  unchanged: {len(diff.unchanged)}"]
    for label, findings in (("new", diff.new), ("fixed", diff.fixed)):
        for f in findings:
            lines.append(
                f"  {label:<6} {f.rule_id:<7} {f.severity.value:<8} {f.status.value:<10} "
                f"{f.resource_id}"
            )
    gate = diff.gate()
    verdict = gate_verdict(gate)
    lines.append(
        f"Gate (--fail-on {gate.fail_on_word}, new findings only): {verdict.word}: {verdict.detail}"
    )
    return "\n".join(lines)
