"""The report built once from a finished scan (:func:`build_report`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from auditor.model import Result, Rule, Severity, Status
from auditor.report.model import (
    Finding,
    Gate,
    Origin,
    Remediation,
    Report,
    ReportWarning,
    RuleInfo,
    ScanInfo,
    SubscriptionInfo,
    Summary,
)
from auditor.scan import Lifecycle, ScanOutcome, fingerprint, result_fingerprint
from auditor.timeutil import iso
from auditor.version import __version__

REPORTED_STATUSES = frozenset({Status.FAIL, Status.UNKNOWN, Status.SUPPRESSED})
LISTED_WHEN_PASSED = frozenset({Status.PASS, Status.NOT_APPLICABLE})
"""Statuses ``--include-passed`` adds (JUnit then has one test case per rule x resource)."""


def remediation_of(rule: Rule) -> Remediation:
    """A rule's remediation."""
    r = rule.remediation
    return Remediation(summary=r.summary, portal=r.portal, cli=r.cli, bicep=r.bicep)


def rule_info(rule: Rule, parameters: Mapping[str, Any] | None = None) -> RuleInfo:
    """A rule's metadata as reports show it, with the parameter values the scan used (the
    rule's defaults where ``parameters`` says nothing)."""
    return RuleInfo(
        id=rule.id,
        slug=rule.slug,
        title=rule.title,
        severity=rule.severity,
        resource_types=tuple(rule.resource_types),
        description=rule.description,
        rationale=rule.rationale,
        remediation=remediation_of(rule),
        references=tuple(rule.references),
        controls={k: tuple(v) for k, v in rule.controls.items()},
        equivalents={k: tuple(v) for k, v in rule.equivalents.items()},
        tags=tuple(rule.tags),
        since=rule.since,
        changed=rule.changed,
        parameters={
            name: (parameters or {}).get(name, p.default) for name, p in rule.parameters.items()
        },
    )


def _past(outcome: ScanOutcome, result: Result) -> Lifecycle | None:
    """The result's lifecycle from ``--history``; without history no fingerprint is hashed
    twice (the finding makes its own)."""
    return outcome.lifecycle.get(result_fingerprint(result)) if outcome.lifecycle else None


def finding_of(
    result: Result, rule: RuleInfo, gating: bool = True, past: Lifecycle | None = None
) -> Finding:
    """One result of ``rule`` as a report finding (``gating`` False for a rule newer than the
    pin; ``past`` its lifecycle from ``--history``)."""
    resource = result.resource
    key = fingerprint(rule.id, resource.key)
    return Finding(
        rule=rule,
        severity=result.severity,
        status=result.status,
        resource_id=resource.id,
        resource_type=resource.type,
        resource_name=resource.name,
        subscription_id=resource.subscription_id,
        resource_group=resource.resource_group,
        location=resource.location,
        message=result.message,
        reason=result.reason,
        evidence=result.evidence,  # read-only, and shared by equal results (engine)
        source=Origin(resource.source.kind, resource.source.path, resource.source.line),
        fingerprint=key,
        suppression=dict(result.suppression) if result.suppression else None,
        baseline=result.baseline,
        gating=gating,
        **_history_fields(past),
    )


def _history_fields(past: Lifecycle | None) -> dict[str, Any]:
    if past is None:
        return {}
    return {
        "first_seen": iso(past.first_seen),
        "last_seen": iso(past.last_seen),
        "age_days": past.age_days,
        "reopened": past.reopened,
        "overdue": past.overdue,
        "first_scan": past.first_scan,
    }


def _summary(outcome: ScanOutcome) -> Summary:
    by_status = Counter(r.status for r in outcome.results)
    failures = Counter(r.severity for r in outcome.results if r.status is Status.FAIL)
    by_rule: dict[str, dict[Status, int]] = {
        rule.id: dict.fromkeys(Status, 0) for rule in outcome.rules
    }
    for r in outcome.results:
        by_rule[r.rule.id][r.status] += 1
    return Summary(
        results=len(outcome.results),
        by_status={s: by_status.get(s, 0) for s in Status},
        failures_by_severity={s: failures.get(s, 0) for s in reversed(Severity)},
        by_rule=by_rule,
        gate=Gate(
            fail_on=outcome.fail_on,
            failing=len(outcome.failing()),
            incomplete=outcome.incomplete(),
            exit_code=outcome.exit_code(),
            new_only=outcome.fail_on_new_only,
            rule_set=outcome.rule_set,
            not_gating=tuple(sorted(outcome.not_gating)),
            overdue_only=outcome.fail_on_overdue,
        ),
    )


def build_report(outcome: ScanOutcome, include_passed: bool = False) -> Report:
    """The report of a finished scan; ``include_passed`` lists passing results too.

    A shard (``outcome.shared`` set) lists every result on a resource of no subscription:
    each shard judges those over its own subscriptions, and ``auditor merge`` needs all of
    their statuses to count them once."""
    listed = REPORTED_STATUSES | (LISTED_WHEN_PASSED if include_passed else frozenset())
    rules = {rule.id: rule_info(rule, outcome.parameters.get(rule.id)) for rule in outcome.rules}
    return Report(
        tool_name="auditor",
        tool_version=__version__,
        scan=ScanInfo(
            started_at=iso(outcome.started_at),
            finished_at=iso(outcome.finished_at),
            as_of=iso(outcome.as_of),
            sources=tuple(dict(s) for s in outcome.sources),
            subscriptions=tuple(
                SubscriptionInfo(s.id, s.name)
                for s in sorted(outcome.subscriptions, key=lambda s: s.id)
            ),
            resources=dict(sorted(outcome.resource_counts.items())),
            skipped_types=dict(sorted(outcome.skipped_types.items())),
            settings=dict(outcome.settings),
            evidence=outcome.evidence,
            shared=outcome.shared,
        ),
        summary=_summary(outcome),
        rules=tuple(rules.values()),
        findings=tuple(
            finding_of(r, rules[r.rule.id], outcome.gates(r), _past(outcome, r))
            for r in outcome.results
            if r.status in listed or (outcome.shared is not None and not r.resource.subscription_id)
        ),
        errors=tuple(outcome.errors),
        warnings=tuple(
            ReportWarning(w["kind"], w["message"], w.get("file"), w.get("line"))
            for w in outcome.warnings
        ),
        baseline=outcome.baseline,
        compliance=tuple(outcome.compliance),
    )
