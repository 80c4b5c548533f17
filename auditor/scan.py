"""The record of one finished scan, handed from the orchestrator to the report writers."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from auditor.engine.frameworks import FrameworkResult
from auditor.model import CollectionError, Result, Rule, Severity, Status, Subscription


def fingerprint(rule_id: str, resource_key: str) -> str:
    """A stable identity for a result: rule id + normalised resource id."""
    return hashlib.sha256(f"{rule_id}|{resource_key}".encode()).hexdigest()[:32]


def result_fingerprint(result: Result) -> str:
    """The fingerprint of one result."""
    return fingerprint(result.rule.id, result.resource.key)


@dataclass(frozen=True)
class Lifecycle:
    """One result's past, from ``--history``: when its rule and resource were first and last
    seen in this state (failing, unknown or suppressed: each has its own history)."""

    first_seen: dt.datetime
    """The ``as_of`` of the first recorded scan that had it in this state."""
    last_seen: dt.datetime
    """The ``as_of`` of this scan (it is seen now)."""
    first_scan: str
    """The id of that first scan in the history store."""
    reopened: bool
    """It was in this state, then not (fixed, or the resource gone), and is again."""
    overdue: bool = False
    """Failing for longer than the ``sla_days`` of its severity."""

    @property
    def age_days(self) -> int:
        """Whole days from ``first_seen`` to this scan's ``as_of`` (never today's date)."""
        return (self.last_seen - self.first_seen).days


@dataclass(frozen=True)
class BaselineSummary:
    """The comparison of a scan with ``--baseline``: where it came from and what changed."""

    path: str
    as_of: str | None
    """When the baseline report was judged (its ``scan.as_of``)."""
    new: int
    existing: int
    fixed_findings: tuple[Mapping[str, Any], ...]
    """Baseline failures no longer failing, with the fields that identify them."""

    @property
    def fixed(self) -> int:
        """How many baseline failures are gone."""
        return len(self.fixed_findings)

    def to_document(self) -> dict[str, Any]:
        """The comparison as the report's ``baseline`` section."""
        return {
            "path": self.path,
            "as_of": self.as_of,
            "new": self.new,
            "existing": self.existing,
            "fixed": self.fixed,
            "fixed_findings": [dict(f) for f in self.fixed_findings],
        }


@dataclass(frozen=True)
class Evidence:
    """The sha256 of what a scan read, so an auditor can re-check it (``auditor verify``)."""

    files: Mapping[str, str]
    """Every input file read (evidence, templates, parameters, config, suppressions,
    baseline), by the path it was opened at (the demo's by its name in the package) -> sha256."""
    rule_files: Mapping[str, str]
    """Every rule and framework file loaded, by its name in the rule folder
    (``AML001.yaml``, ``frameworks/mcsb.yaml``) -> sha256."""
    rule_set: str
    """:func:`auditor.digests.manifest_digest` of ``rule_files``: one digest for the rule set."""
    saved_snapshot: str | None = None
    """The folder ``--save-snapshot`` wrote: a live scan's evidence."""
    saved_files: Mapping[str, str] = field(default_factory=dict)
    """The saved snapshot's files as written, by their path inside it -> sha256."""

    def to_document(self) -> dict[str, Any]:
        """The evidence as the report's ``scan.evidence``."""
        saved = (
            {"path": self.saved_snapshot, "files": dict(sorted(self.saved_files.items()))}
            if self.saved_snapshot is not None
            else None
        )
        return {
            "algorithm": "sha256",
            "files": dict(sorted(self.files.items())),
            "rule_set": {"sha256": self.rule_set, "files": dict(sorted(self.rule_files.items()))},
            "saved_snapshot": saved,
        }


@dataclass(frozen=True)
class ScanOutcome:
    """Everything a report needs about a finished scan."""

    started_at: dt.datetime
    finished_at: dt.datetime
    as_of: dt.datetime
    """The moment results were judged at (key ages are measured to it)."""
    sources: Sequence[Mapping[str, Any]]
    """What was read: ``{"kind": "snapshot", "path": ..., "files": n, "records": n}``."""
    subscriptions: Sequence[Subscription]
    rules: Sequence[Rule]
    results: Sequence[Result]
    errors: Sequence[CollectionError]
    resource_counts: Mapping[str, int]
    """Audited resources per ARM type."""
    skipped_types: Mapping[str, int]
    """Records of types the tool does not audit, counted, not judged."""
    fail_on: Severity | None
    """Lowest severity that fails the gate; None for ``--fail-on none``."""
    settings: Mapping[str, Any] = field(default_factory=dict)
    warnings: Sequence[Mapping[str, Any]] = ()
    """Things a user should act on that do not change results (expired or stale suppressions)."""
    baseline: BaselineSummary | None = None
    """The comparison with ``--baseline``."""
    fail_on_new_only: bool = False
    """Gate only on failures the baseline does not hold."""
    rule_set: str | None = None
    """The release ``--rule-set`` pins the gate to; None gates on every rule."""
    not_gating: frozenset[str] = frozenset()
    """Ids of rules newer than the pin: they run and report but do not move the exit code."""
    compliance: Sequence[FrameworkResult] = ()
    """Per framework the report carries, per control: its rules, result counts and a verdict."""
    notes: Sequence[str] = ()
    """Said once on stderr, not part of the report: how the input limits what was judged."""
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Rule id -> parameter name -> the value the scan judged with."""
    evidence: Evidence | None = None
    """The sha256 of every input file and of the rule set."""
    shared: Mapping[str, Any] | None = None
    """A ``--shard`` scan only: the records of no subscription, which every shard holds
    (``resources``: type -> ids; ``skipped_types``: type -> count), so a merge counts them
    once."""
    lifecycle: Mapping[str, Lifecycle] = field(default_factory=dict)
    """Fingerprint -> the result's past, with ``--history`` (empty without it)."""
    fail_on_overdue: bool = False
    """Gate only on failures past their SLA (``--fail-on-overdue``)."""

    def gates(self, result: Result) -> bool:
        """Whether the result may move the exit code (its rule is within ``rule_set``)."""
        return result.rule.id not in self.not_gating

    def failing(self) -> list[Result]:
        """Failures at or above the gate threshold (only new ones with ``fail_on_new_only``),
        of rules within the pinned rule set."""
        if self.fail_on is None:
            return []
        threshold = self.fail_on.rank
        return [
            r
            for r in self.results
            if r.status is Status.FAIL
            and r.severity.rank >= threshold
            and (not self.fail_on_new_only or r.baseline == "new")
            and (not self.fail_on_overdue or self._overdue(r))
            and self.gates(r)
        ]

    def _overdue(self, result: Result) -> bool:
        past = self.lifecycle.get(result_fingerprint(result))
        return past is not None and past.overdue

    def incomplete(self) -> bool:
        """True when something could not be assessed: unknown results (of rules within the
        pinned rule set) or collection errors."""
        return bool(self.errors) or any(
            r.status is Status.UNKNOWN and self.gates(r) for r in self.results
        )

    def exit_code(self) -> int:
        """0 pass, 1 failures at or above ``fail_on``, 3 no such failures but incomplete."""
        if self.failing():
            return 1
        if self.incomplete():
            return 3
        return 0
