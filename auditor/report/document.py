"""The JSON report document: a versioned contract every other format is derived from."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

from auditor import __version__
from auditor.model import Result, Rule, Severity, Status
from auditor.scan import ScanOutcome
from auditor.timeutil import iso

SCHEMA_VERSION = "1.2"
REPORTED_STATUSES = frozenset({Status.FAIL, Status.UNKNOWN, Status.SUPPRESSED})
LISTED_WHEN_PASSED = frozenset({Status.PASS, Status.NOT_APPLICABLE})
"""Statuses ``--include-passed`` adds (JUnit then has one test case per rule x resource)."""


def fingerprint(rule_id: str, resource_key: str) -> str:
    """A stable identity for a result: rule id + normalised resource id."""
    return hashlib.sha256(f"{rule_id}|{resource_key}".encode()).hexdigest()[:32]


def rule_document(rule: Rule) -> dict[str, Any]:
    """A rule's metadata as it appears in reports."""
    return {
        "id": rule.id,
        "slug": rule.slug,
        "title": rule.title,
        "severity": rule.severity.value,
        "resource_types": list(rule.resource_types),
        "description": rule.description,
        "rationale": rule.rationale,
        "remediation": remediation_document(rule),
        "references": list(rule.references),
        "controls": {k: list(v) for k, v in rule.controls.items()},
        "equivalents": {k: list(v) for k, v in rule.equivalents.items()},
        "tags": list(rule.tags),
    }


def remediation_document(rule: Rule) -> dict[str, str | None]:
    """The remediation of a rule, every form present as a key."""
    r = rule.remediation
    return {"summary": r.summary, "portal": r.portal, "cli": r.cli, "bicep": r.bicep}


def finding_document(result: Result) -> dict[str, Any]:
    """One result in the report."""
    resource, rule = result.resource, result.rule
    return {
        "rule_id": rule.id,
        "slug": rule.slug,
        "title": rule.title,
        "severity": result.severity.value,
        "status": result.status.value,
        "resource_id": resource.id,
        "resource_type": resource.type,
        "resource_name": resource.name,
        "subscription_id": resource.subscription_id,
        "resource_group": resource.resource_group,
        "location": resource.location,
        "message": result.message,
        "reason": result.reason,
        "evidence": dict(result.evidence),
        "remediation": remediation_document(rule),
        "controls": {k: list(v) for k, v in rule.controls.items()},
        "references": list(rule.references),
        "source": {
            "kind": resource.source.kind,
            "path": resource.source.path,
            "line": resource.source.line,
        },
        "fingerprint": fingerprint(rule.id, resource.key),
        "suppression": dict(result.suppression) if result.suppression else None,
        "baseline": result.baseline,
    }


def build_document(outcome: ScanOutcome, include_passed: bool = False) -> dict[str, Any]:
    """The whole report as plain JSON data."""
    by_status = Counter(r.status.value for r in outcome.results)
    failures_by_severity = Counter(
        r.severity.value for r in outcome.results if r.status is Status.FAIL
    )
    by_rule: dict[str, dict[str, int]] = {
        rule.id: {s.value: 0 for s in Status} for rule in outcome.rules
    }
    for r in outcome.results:
        by_rule[r.rule.id][r.status.value] += 1
    shown = [
        r
        for r in outcome.results
        if r.status in REPORTED_STATUSES or (include_passed and r.status in LISTED_WHEN_PASSED)
    ]
    failing = outcome.failing()
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "auditor", "version": __version__},
        "scan": {
            "started_at": iso(outcome.started_at),
            "finished_at": iso(outcome.finished_at),
            "as_of": iso(outcome.as_of),
            "sources": [dict(s) for s in outcome.sources],
            "subscriptions": [
                {"id": s.id, "name": s.name}
                for s in sorted(outcome.subscriptions, key=lambda s: s.id)
            ],
            "resources": dict(sorted(outcome.resource_counts.items())),
            "skipped_types": dict(sorted(outcome.skipped_types.items())),
            "settings": dict(outcome.settings),
        },
        "summary": {
            "results": len(outcome.results),
            "by_status": {s.value: by_status.get(s.value, 0) for s in Status},
            "failures_by_severity": {
                s.value: failures_by_severity.get(s.value, 0) for s in reversed(Severity)
            },
            "by_rule": by_rule,
            "gate": {
                "fail_on": outcome.fail_on.value if outcome.fail_on else "none",
                "failing": len(failing),
                "incomplete": outcome.incomplete(),
                "exit_code": outcome.exit_code(),
                "new_only": outcome.fail_on_new_only,
            },
        },
        "rules": [rule_document(rule) for rule in outcome.rules],
        "findings": [finding_document(r) for r in shown],
        "errors": [e.as_record() for e in outcome.errors],
        "warnings": [dict(w) for w in outcome.warnings],
        "baseline": dict(outcome.baseline) if outcome.baseline is not None else None,
        "compliance": [
            {**c, "rules": list(c["rules"]), "counts": dict(c["counts"])}
            for c in outcome.compliance
        ],
    }
