"""The typed report: built once from a scan, read by every writer, serialised as the JSON document.

The JSON document (``auditor.json``, schema ``schema/report.schema.json``) is
:meth:`Report.to_document`; :func:`auditor.report.reader.read_document` reads one back (for
baselines, diffs and re-rendering). Timestamps stay ISO 8601 text (``...Z``) as the document
has them, so a report read back renders byte for byte as it was written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from auditor.engine.frameworks import ControlResult, FrameworkResult
from auditor.model import CollectionError, Severity, Status
from auditor.scan import BaselineSummary, Evidence

if TYPE_CHECKING:
    import pandas as pd

SCHEMA_VERSION = "2.0"
"""2.0 wrote each rule's text once, in ``rules[]`` (a finding names its rule by ``rule_id``),
made ``compliance`` one block per framework (``framework``, ``title``, ``url``, ``verdicts``,
``controls``) and added the ``not_assessable`` verdict with its ``why``; 1.3 added
``rules[].since``/``changed``, ``findings[].gating`` and the gate's rule-set pin."""


def _lists(mapping: Mapping[str, tuple[str, ...]]) -> dict[str, list[str]]:
    return {k: list(v) for k, v in mapping.items()}


def _counts(counts: Mapping[Status, int]) -> dict[str, int]:
    return {s.value: counts.get(s, 0) for s in Status}


@dataclass(frozen=True)
class Remediation:
    """How to fix what a rule finds, in every form the rule gives."""

    summary: str
    portal: str | None = None
    cli: str | None = None
    bicep: str | None = None

    def to_document(self) -> dict[str, str | None]:
        """Every form present as a key."""
        return {
            "summary": self.summary,
            "portal": self.portal,
            "cli": self.cli,
            "bicep": self.bicep,
        }


@dataclass(frozen=True)
class RuleInfo:
    """A rule's metadata as reports show it."""

    id: str
    slug: str
    title: str
    severity: Severity
    resource_types: tuple[str, ...]
    description: str
    rationale: str
    remediation: Remediation
    references: tuple[str, ...]
    controls: Mapping[str, tuple[str, ...]]
    equivalents: Mapping[str, tuple[str, ...]]
    tags: tuple[str, ...]
    since: str | None = None
    """The release that introduced the rule."""
    changed: str | None = None
    """The release that last changed what the rule means, if any did."""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    """Each parameter of the rule and the value the scan judged with."""

    def to_document(self) -> dict[str, Any]:
        """The rule as the document's ``rules[]`` holds it."""
        return {
            "id": self.id,
            "slug": self.slug,
            "title": self.title,
            "severity": self.severity.value,
            "resource_types": list(self.resource_types),
            "description": self.description,
            "rationale": self.rationale,
            "remediation": self.remediation.to_document(),
            "references": list(self.references),
            "controls": _lists(self.controls),
            "equivalents": _lists(self.equivalents),
            "tags": list(self.tags),
            "since": self.since,
            "changed": self.changed,
            "parameters": dict(self.parameters),
        }


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a finding's resource was read from (file and line when known)."""

    kind: str
    path: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One result listed in the report.

    The rule's text (title, slug, description, remediation, references, controls) is its
    :attr:`rule`, one :class:`RuleInfo` shared by every finding of the rule and written once,
    in the document's ``rules[]``; the properties below read it from there."""

    rule: RuleInfo
    severity: Severity
    """The result's: the rule's, or a narrower one the check chose for this resource."""
    status: Status
    resource_id: str
    resource_type: str
    resource_name: str
    subscription_id: str | None
    resource_group: str | None
    location: str | None
    message: str
    reason: str | None
    evidence: Mapping[str, Any]
    source: Origin
    fingerprint: str
    suppression: Mapping[str, Any] | None = None
    baseline: str | None = None
    """``new`` or ``existing`` against ``--baseline``; None without one."""
    gating: bool = True
    """False for a rule newer than ``--rule-set``: reported, but it does not move the exit code."""
    first_seen: str | None = None
    """With ``--history``: the ``as_of`` of the first scan that had it in this state."""
    last_seen: str | None = None
    """With ``--history``: this scan's ``as_of``."""
    age_days: int | None = None
    """With ``--history``: whole days from ``first_seen`` to this scan's ``as_of``."""
    reopened: bool | None = None
    """With ``--history``: it was in this state, then not, and is again."""
    overdue: bool | None = None
    """With ``--history`` and ``sla_days``: failing for longer than its severity's SLA."""
    first_scan: str | None = None
    """With ``--history``: the id of the first scan that had it in this state."""

    def history_document(self) -> dict[str, Any]:
        """The lifecycle keys, present only when the scan kept history (so a report without
        ``--history`` is unchanged)."""
        if self.first_seen is None:
            return {}
        return {
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "age_days": self.age_days,
            "reopened": self.reopened,
            "overdue": self.overdue,
            "first_scan": self.first_scan,
        }

    @property
    def rule_id(self) -> str:
        """The rule's id (the key into the document's ``rules[]``)."""
        return self.rule.id

    @property
    def slug(self) -> str:
        """The rule's slug."""
        return self.rule.slug

    @property
    def title(self) -> str:
        """The rule's title."""
        return self.rule.title

    @property
    def remediation(self) -> Remediation:
        """The rule's remediation."""
        return self.rule.remediation

    @property
    def controls(self) -> Mapping[str, tuple[str, ...]]:
        """The rule's control ids per framework."""
        return self.rule.controls

    @property
    def references(self) -> tuple[str, ...]:
        """The rule's reference links."""
        return self.rule.references

    def to_document(self) -> dict[str, Any]:
        """The finding as the document's ``findings[]`` holds it: its own data, its rule by
        ``rule_id`` only, and its lifecycle with ``--history``."""
        return self._core_document() | self.history_document()

    def _core_document(self) -> dict[str, Any]:
        source = self.source
        return {
            "rule_id": self.rule.id,
            "severity": self.severity.value,
            "status": self.status.value,
            "resource_id": self.resource_id,
            "resource_type": self.resource_type,
            "resource_name": self.resource_name,
            "subscription_id": self.subscription_id,
            "resource_group": self.resource_group,
            "location": self.location,
            "message": self.message,
            "reason": self.reason,
            "evidence": dict(self.evidence),
            "source": {"kind": source.kind, "path": source.path, "line": source.line},
            "fingerprint": self.fingerprint,
            "suppression": dict(self.suppression) if self.suppression else None,
            "baseline": self.baseline,
            "gating": self.gating,
        }


@dataclass(frozen=True)
class ReportWarning:
    """Something to act on that does not change results (an expired or stale suppression)."""

    kind: str
    message: str
    file: str | None = None
    line: int | None = None

    def to_document(self) -> dict[str, Any]:
        """The warning as the document's ``warnings[]`` holds it."""
        return {"kind": self.kind, "message": self.message, "file": self.file, "line": self.line}


@dataclass(frozen=True)
class SubscriptionInfo:
    """A subscription the scan saw."""

    id: str
    name: str | None


@dataclass(frozen=True)
class ScanInfo:
    """When and what was scanned, and with which settings."""

    started_at: str
    finished_at: str
    as_of: str | None
    """The moment results were judged at."""
    sources: tuple[Mapping[str, Any], ...]
    """What was read, one record per source (its keys depend on the kind of source)."""
    subscriptions: tuple[SubscriptionInfo, ...]
    resources: Mapping[str, int]
    """Audited resources per ARM type."""
    skipped_types: Mapping[str, int]
    settings: Mapping[str, Any]
    evidence: Evidence | None = None
    """The sha256 of every input file and of the rule set (since 2.0; None in older reports)."""
    shared: Mapping[str, Any] | None = None
    """A shard's records of no subscription (``resources``: type -> ids, ``skipped_types``:
    type -> count), held by every shard; None unless ``--shard``."""


@dataclass(frozen=True)
class Gate:
    """The exit-code verdict's inputs and result."""

    fail_on: Severity | None
    """None for ``--fail-on none``."""
    failing: int
    incomplete: bool
    exit_code: int
    new_only: bool = False
    rule_set: str | None = None
    """The release ``--rule-set`` pins the gate to; None gates on every rule."""
    not_gating: tuple[str, ...] = ()
    """Rules newer than the pin: they run and report but do not move the exit code."""
    overdue_only: bool = False
    """``--fail-on-overdue``: only failures past their SLA gate."""

    @property
    def fail_on_word(self) -> str:
        """The threshold as the option spells it (``none`` for no threshold)."""
        return self.fail_on.value if self.fail_on else "none"

    def to_document(self) -> dict[str, Any]:
        """The gate as ``summary.gate``."""
        return {
            "fail_on": self.fail_on_word,
            "failing": self.failing,
            "incomplete": self.incomplete,
            "exit_code": self.exit_code,
            "new_only": self.new_only,
            "rule_set": self.rule_set,
            "not_gating": list(self.not_gating),
        } | ({"overdue_only": True} if self.overdue_only else {})


@dataclass(frozen=True)
class GateVerdict:
    """The gate's verdict in words, as every output says it."""

    word: str
    """``PASS``, ``FAIL`` or ``INCOMPLETE``."""
    heading: str
    """``Gate passed``, ``Gate failed`` or ``Incomplete scan``."""
    detail: str
    """Why, with the count: ``3 failing finding(s) at or above high``."""


def gate_verdict(gate: Gate) -> GateVerdict:
    """The one wording of the exit code's verdict (summary, Markdown, HTML, diff)."""
    verdict = _verdict(gate)
    if gate.rule_set and gate.not_gating:
        held = f"; rule set {gate.rule_set}: {len(gate.not_gating)} newer rule(s) do not gate"
        return GateVerdict(verdict.word, verdict.heading, verdict.detail + held)
    return verdict


def _verdict(gate: Gate) -> GateVerdict:
    if gate.exit_code == 1:
        new = " new" if gate.new_only else ""
        new += " overdue" if gate.overdue_only else ""
        detail = f"{gate.failing}{new} failing finding(s) at or above {gate.fail_on_word}"
        return GateVerdict("FAIL", "Gate failed", detail)
    if gate.exit_code == 3:
        detail = "some resources could not be assessed (unknown results or errors)"
        return GateVerdict("INCOMPLETE", "Incomplete scan", detail)
    detail = (
        f"no failing finding at or above {gate.fail_on_word}, and everything in scope was assessed"
    )
    return GateVerdict("PASS", "Gate passed", detail)


@dataclass(frozen=True)
class Summary:
    """Counts over every result of the scan (listed or not) and the gate."""

    results: int
    by_status: Mapping[Status, int]
    failures_by_severity: Mapping[Severity, int]
    """Most severe first."""
    by_rule: Mapping[str, Mapping[Status, int]]
    gate: Gate

    def to_document(self) -> dict[str, Any]:
        """The summary as the document's ``summary``."""
        return {
            "results": self.results,
            "by_status": _counts(self.by_status),
            "failures_by_severity": {
                s.value: self.failures_by_severity.get(s, 0) for s in reversed(Severity)
            },
            "by_rule": {rule_id: _counts(c) for rule_id, c in self.by_rule.items()},
            "gate": self.gate.to_document(),
        }


@dataclass(frozen=True)
class TrendPoint:
    """One recorded scan in the report's history trend: its open failures by severity."""

    scan: str
    """The scan's id in the history store."""
    as_of: str
    failures: Mapping[Severity, int]

    def to_document(self) -> dict[str, Any]:
        """The point as ``history_trend[]`` holds it."""
        return {
            "scan": self.scan,
            "as_of": self.as_of,
            "failures": {s.value: self.failures.get(s, 0) for s in reversed(Severity)},
        }


@dataclass(frozen=True)
class Report:
    """A whole report: what every writer renders."""

    tool_name: str
    tool_version: str
    scan: ScanInfo
    summary: Summary
    rules: tuple[RuleInfo, ...]
    findings: tuple[Finding, ...]
    """The listed results: failing, unknown, suppressed (and with ``--include-passed`` the rest)."""
    errors: tuple[CollectionError, ...]
    warnings: tuple[ReportWarning, ...]
    baseline: BaselineSummary | None
    compliance: tuple[FrameworkResult, ...]
    """One compliance view per framework the scan carried (``--framework``)."""
    schema_version: str = SCHEMA_VERSION
    history_trend: tuple[TrendPoint, ...] = ()
    """With ``--history``: the latest recorded scans of these subscriptions, this one last."""

    def to_document(self, array: Callable[[Iterable[Any]], Any] = list) -> dict[str, Any]:
        """The report as the JSON document the schema describes.

        ``array`` makes each array that grows with the estate (rules, findings, errors,
        warnings, subscriptions, fixed findings, compliance) from a lazy iterable: ``list`` by
        default; the JSON writer passes one that is written item by item."""
        scan = self.scan
        baseline = self.baseline.to_document() if self.baseline is not None else None
        if baseline is not None:
            baseline["fixed_findings"] = array(baseline["fixed_findings"])
        scan_document: dict[str, Any] = {
            "started_at": scan.started_at,
            "finished_at": scan.finished_at,
            "as_of": scan.as_of,
            "sources": [dict(s) for s in scan.sources],
            "subscriptions": array({"id": s.id, "name": s.name} for s in scan.subscriptions),
            "resources": dict(scan.resources),
            "skipped_types": dict(scan.skipped_types),
            "settings": dict(scan.settings),
            **({"evidence": scan.evidence.to_document()} if scan.evidence else {}),
        }
        if scan.shared is not None:
            scan_document["shared"] = dict(scan.shared)
        return {
            "schema_version": self.schema_version,
            "tool": {"name": self.tool_name, "version": self.tool_version},
            "scan": scan_document,
            "summary": self.summary.to_document(),
            "rules": array(rule.to_document() for rule in self.rules),
            "findings": array(finding.to_document() for finding in self.findings),
            "errors": array(e.as_record() for e in self.errors),
            "warnings": array(w.to_document() for w in self.warnings),
            "baseline": baseline,
            "compliance": array(_framework_document(view) for view in self.compliance),
        } | (
            {"history_trend": [p.to_document() for p in self.history_trend]}
            if self.history_trend
            else {}
        )

    def to_frame(self) -> pd.DataFrame:
        """The listed findings as a pandas DataFrame, one row per finding (the workbook's
        Findings columns; ``severity`` an ordered categorical). Needs the ``analysis`` extra
        (``pip install 'auditor[analysis]'``): without it, an :class:`~auditor.errors.InputError`
        naming it."""
        from auditor.report.frame import findings_frame  # pandas only when asked for

        return findings_frame(self)


def _framework_document(view: FrameworkResult) -> dict[str, Any]:
    return {
        "framework": view.framework,
        "title": view.title,
        "url": view.url,
        "verdicts": {v.value: n for v, n in view.verdicts().items()},
        "controls": [_control_document(c) for c in view.controls],
    }


def _control_document(control: ControlResult) -> dict[str, Any]:
    return {
        "control_id": control.control_id,
        "title": control.title,
        "rules": list(control.rules),
        "counts": _counts(control.counts),
        "verdict": control.verdict.value,
        "why": control.why,
    }
