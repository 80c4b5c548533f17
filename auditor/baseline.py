"""Baselines and diffs: compare findings by their stable fingerprint.

A baseline is an earlier ``auditor.json``. A current finding is ``existing`` when the
baseline holds the same fingerprint in the same kind of state (a failure, suppressed or not;
or an unknown), otherwise ``new``; baseline failures no longer failing are ``fixed``.
``auditor diff OLD NEW`` applies the same comparison to two reports.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import InputError
from auditor.jsonio import read_json
from auditor.model import Result, Severity, Status
from auditor.report.document import SCHEMA_VERSION, fingerprint

COMPATIBLE_MAJOR = SCHEMA_VERSION.split(".")[0]
_GROUP = {"fail": "problem", "suppressed": "problem", "unknown": "unknown"}
"""Statuses compared; a suppressed failure is the same problem as an open one."""
FIXED_FIELDS = ("rule_id", "title", "severity", "resource_id", "resource_name", "fingerprint")


def load_report(path: Path) -> dict[str, Any]:
    """Read an ``auditor.json`` report; anything else is an InputError (exit 2)."""
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("tool"), dict):
        raise InputError(f"{path}: not an auditor JSON report (auditor.json)")
    if data["tool"].get("name") != "auditor":
        raise InputError(f"{path}: not an auditor JSON report (auditor.json)")
    version = data.get("schema_version")
    if not isinstance(version, str) or version.split(".")[0] != COMPATIBLE_MAJOR:
        raise InputError(
            f"{path}: report schema_version {version!r} is not compatible "
            f"(this auditor reads {COMPATIBLE_MAJOR}.x)"
        )
    findings = data.get("findings")
    if not isinstance(findings, list) or not all(
        isinstance(f, dict)
        and isinstance(f.get("fingerprint"), str)
        and f.get("status") in ("pass", "fail", "unknown", "not_applicable", "suppressed")
        for f in findings
    ):
        raise InputError(f"{path}: the report's findings are malformed (fingerprint, status)")
    return data


def _keys(findings: Iterable[Mapping[str, Any]]) -> set[tuple[str, str]]:
    return {(f["fingerprint"], _GROUP[f["status"]]) for f in findings if f["status"] in _GROUP}


def mark_results(
    results: Sequence[Result], baseline: Mapping[str, Any], path: str
) -> tuple[list[Result], dict[str, Any]]:
    """Mark each failing/suppressed/unknown result new or existing; returns the section."""
    known = _keys(baseline["findings"])
    marked: list[Result] = []
    current: set[tuple[str, str]] = set()
    for result in results:
        group = _GROUP.get(result.status.value)
        if group is None:
            marked.append(result)
            continue
        key = (fingerprint(result.rule.id, result.resource.key), group)
        current.add(key)
        state = "existing" if key in known else "new"
        marked.append(dataclasses.replace(result, baseline=state))
    fixed = [
        {name: f.get(name) for name in FIXED_FIELDS}
        for f in baseline["findings"]
        if f["status"] in ("fail", "suppressed") and (f["fingerprint"], "problem") not in current
    ]
    section = {
        "path": path,
        "as_of": baseline.get("scan", {}).get("as_of"),
        "new": sum(r.baseline == "new" for r in marked),
        "existing": sum(r.baseline == "existing" for r in marked),
        "fixed": len(fixed),
        "fixed_findings": fixed,
    }
    return marked, section


@dataclass(frozen=True)
class Diff:
    """Two reports compared."""

    new: list[dict[str, Any]]
    fixed: list[dict[str, Any]]
    unchanged: list[dict[str, Any]]
    fail_on: Severity | None
    new_incomplete: bool

    def failing(self) -> list[dict[str, Any]]:
        """New failures at or above ``fail_on``."""
        if self.fail_on is None:
            return []
        rank = self.fail_on.rank
        return [
            f
            for f in self.new
            if f["status"] == Status.FAIL.value and Severity(f["severity"]).rank >= rank
        ]

    def exit_code(self) -> int:
        """1 new failures at or above ``fail_on``, 3 the new report is incomplete, else 0."""
        if self.failing():
            return 1
        return 3 if self.new_incomplete else 0


def diff_reports(old: Mapping[str, Any], new: Mapping[str, Any], fail_on: Severity | None) -> Diff:
    """Compare two reports' findings by fingerprint (fail/suppressed alike; unknown apart)."""
    old_keys = _keys(old["findings"])
    new_keys = _keys(new["findings"])
    added: list[dict[str, Any]] = []
    unchanged: list[dict[str, Any]] = []
    for finding in new["findings"]:
        group = _GROUP.get(finding["status"])
        if group is None:
            continue
        (unchanged if (finding["fingerprint"], group) in old_keys else added).append(dict(finding))
    fixed = [
        dict(f)
        for f in old["findings"]
        if f["status"] in ("fail", "suppressed") and (f["fingerprint"], "problem") not in new_keys
    ]
    incomplete = bool(new.get("summary", {}).get("gate", {}).get("incomplete", False))
    return Diff(added, fixed, unchanged, fail_on, incomplete)


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
        "gate": {
            "fail_on": diff.fail_on.value if diff.fail_on else "none",
            "failing": len(diff.failing()),
            "incomplete": diff.new_incomplete,
            "exit_code": diff.exit_code(),
        },
        "new": diff.new,
        "fixed": diff.fixed,
        "unchanged": diff.unchanged,
    }


def diff_text(diff: Diff) -> str:
    """The diff for the terminal: counts, then each new and fixed finding."""
    lines = [f"new: {len(diff.new)}  fixed: {len(diff.fixed)}  unchanged: {len(diff.unchanged)}"]
    for label, findings in (("new", diff.new), ("fixed", diff.fixed)):
        for f in findings:
            lines.append(
                f"  {label:<6} {f['rule_id']:<7} {f['severity']:<8} {f['status']:<10} "
                f"{f['resource_id']}"
            )
    verdict = {
        0: "PASS",
        1: f"FAIL: {len(diff.failing())} new failing finding(s)",
        3: "INCOMPLETE: the new report could not assess everything",
    }[diff.exit_code()]
    fail_on = diff.fail_on.value if diff.fail_on else "none"
    lines.append(f"Gate (--fail-on {fail_on}, new findings only): {verdict}")
    return "\n".join(lines)
