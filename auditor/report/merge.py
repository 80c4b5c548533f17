"""``auditor merge``: the shard reports of one ``--shard K/N`` run combined into the report one
unsharded run would have written.

Shards of one run share everything but their subscriptions, so the merge refuses (an
:class:`~auditor.errors.InputError` naming the file) reports that differ in schema version,
tool version, rules (text, severity, parameters: the rule set), compliance frameworks,
``as_of`` or any gate and scan setting but ``formats`` and ``shard``; reports that are not
shards of the same N; and shards that overlap (a shard given twice, a subscription in two).
A shard that is missing is not refused: the merged report says which (a collection error,
so the merge is incomplete, exit 3), as an incomplete shard keeps it incomplete.

A resource of no subscription (a role assignment at a management group or the root) is
judged by every shard over its own subscriptions; each shard lists its result whatever its
status, and the merge keeps one: the worst (suppressed, fail, unknown, pass, not applicable),
with the message and evidence of the first shard that has it, and counts it once.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from auditor.arm import normalise_id
from auditor.engine.frameworks import FrameworkResult, Verdict, verdict_of
from auditor.errors import InputError
from auditor.model import CollectionError, Severity, Status
from auditor.report.build import LISTED_WHEN_PASSED
from auditor.report.model import (
    Finding,
    Gate,
    Report,
    ReportWarning,
    ScanInfo,
    Summary,
)
from auditor.scan import BaselineSummary, Evidence
from auditor.shard import Shard

UNSHARED_SETTINGS = frozenset({"formats", "shard"})
"""Settings a shard may hold on its own: what it wrote, and which shard it is."""
_WORST_FIRST = (
    Status.SUPPRESSED,
    Status.FAIL,
    Status.UNKNOWN,
    Status.PASS,
    Status.NOT_APPLICABLE,
)
_EMPTY_SCAN = ("(scan)", "find AI/ML resources")
"""The error a scan that found no AI/ML resource adds: a shard may hold none, the run not."""

Named = tuple[str, Report]
"""A report and the path it was read from (errors name it)."""


def merge_reports(reports: Sequence[Named]) -> Report:
    """One report of the shards ``reports``, as the unsharded run would have written it."""
    if not reports:
        raise InputError("merge needs at least one report")
    first_path, first = reports[0]
    for path, report in reports[1:]:
        _check_same_run(first_path, first, path, report)
    shards = _shards(reports)
    _check_disjoint(reports)
    findings, corrections = _findings(reports)
    include_passed = first.scan.settings.get("include_passed") is True
    listed = tuple(f for f in findings if include_passed or f.status not in LISTED_WHEN_PASSED)
    errors = _errors(reports, shards)
    summary = _summary(reports, findings, corrections, errors)
    return Report(
        tool_name=first.tool_name,
        tool_version=first.tool_version,
        scan=_scan(reports),
        summary=summary,
        rules=first.rules,
        findings=listed,
        errors=tuple(errors),
        warnings=_warnings(reports),
        baseline=_baseline(reports, findings),
        compliance=_compliance(reports, corrections),
        schema_version=first.schema_version,
    )


def _refuse(path: str, first_path: str, what: str, mine: object, theirs: object) -> InputError:
    return InputError(
        f"{path}: cannot merge with {first_path}: {what} differs ({_short(mine)} here, "
        f"{_short(theirs)} there); shards of one run share it"
    )


def _short(value: object, limit: int = 120) -> str:
    """A value for a message: a list of every control id would bury the point."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_same_run(first_path: str, first: Report, path: str, report: Report) -> None:
    checks: list[tuple[str, object, object]] = [
        ("schema_version", report.schema_version, first.schema_version),
        ("tool version", report.tool_version, first.tool_version),
        ("as_of (give every shard the same --as-of)", report.scan.as_of, first.scan.as_of),
        ("the compliance frameworks", _controls(report), _controls(first)),
        ("the rule set's files (sha256)", _rule_set(report), _rule_set(first)),
    ]
    for name in sorted(set(report.scan.settings) | set(first.scan.settings)):
        if name not in UNSHARED_SETTINGS:
            checks.append(
                (f"setting {name}", report.scan.settings.get(name), first.scan.settings.get(name))
            )
    checks.append(("the gate's settings", _gate_settings(report), _gate_settings(first)))
    for what, mine, theirs in checks:
        if mine != theirs:
            raise _refuse(path, first_path, what, mine, theirs)
    if report.rules != first.rules:
        mine_rules = {r.id: r for r in report.rules}
        theirs_rules = {r.id: r for r in first.rules}
        differing = sorted(
            rule_id
            for rule_id in set(mine_rules) | set(theirs_rules)
            if mine_rules.get(rule_id) != theirs_rules.get(rule_id)
        )
        raise InputError(
            f"{path}: cannot merge with {first_path}: the rule set differs (rule(s) "
            f"{', '.join(differing[:5]) or 'order'}); shards of one run share it"
        )


def _gate_settings(report: Report) -> tuple[object, ...]:
    gate = report.summary.gate
    return (gate.fail_on, gate.new_only, gate.rule_set, gate.not_gating)


def _controls(report: Report) -> list[tuple[str, tuple[str, ...]]]:
    """Each compliance view's framework and control ids, in order."""
    return [(v.framework, tuple(c.control_id for c in v.controls)) for v in report.compliance]


def _shards(reports: Sequence[Named]) -> list[Shard]:
    """Each report's shard, all of one N and none twice."""
    shards: list[Shard] = []
    for path, report in reports:
        text = report.scan.settings.get("shard")
        if not isinstance(text, str):
            raise InputError(
                f"{path}: not a shard report (scan.settings.shard is not set): merge combines "
                "the reports of one `auditor scan --shard K/N` run"
            )
        try:
            shards.append(Shard.parse(text))
        except InputError as exc:
            raise InputError(f"{path}: scan.settings.shard: {exc}") from None
    first_path = reports[0][0]
    seen: dict[int, str] = {}
    for (path, _), shard in zip(reports, shards, strict=True):
        if shard.count != shards[0].count:
            raise _refuse(path, first_path, "the shard count", str(shard), str(shards[0]))
        if shard.index in seen:
            raise InputError(f"{path}: shard {shard} is given twice (also {seen[shard.index]})")
        seen[shard.index] = path
    return shards


def _check_disjoint(reports: Sequence[Named]) -> None:
    owner: dict[str, str] = {}
    for path, report in reports:
        for subscription in report.scan.subscriptions:
            key = subscription.id.lower()
            if key in owner:
                raise InputError(
                    f"{path}: subscription {subscription.id} is also in {owner[key]}: the "
                    "shards overlap"
                )
            owner[key] = path


Corrections = Counter[tuple[str, Status, Severity]]
"""(rule, status, severity) -> how many results the shard sums over-count (positive) or
lack (negative), from the findings on resources of no subscription."""


def _findings(reports: Sequence[Named]) -> tuple[list[Finding], Corrections]:
    """Every shard's findings once, in a scan's order (rule id, then resource id)."""
    kept: dict[str, Finding] = {}
    judged: dict[str, list[str]] = {}
    """Fingerprint -> the shards that listed it."""
    owner: dict[str, str] = {}
    corrections: Corrections = Counter()
    for path, report in reports:
        shard = str(report.scan.settings.get("shard"))
        for finding in report.findings:
            key = finding.fingerprint
            if key not in kept:
                kept[key], owner[key], judged[key] = finding, path, [shard]
                continue
            if finding.subscription_id:
                raise InputError(
                    f"{path}: the finding {finding.rule_id} on {finding.resource_id} is also "
                    f"in {owner[key]}: the shards overlap"
                )
            held = kept[key]
            corrections[(held.rule_id, held.status, held.severity)] += 1
            corrections[(finding.rule_id, finding.status, finding.severity)] += 1
            judged[key].append(shard)
            if _WORST_FIRST.index(finding.status) < _WORST_FIRST.index(held.status):
                kept[key], owner[key] = finding, path
                judged[key].insert(0, judged[key].pop())
            chosen = kept[key]
            corrections[(chosen.rule_id, chosen.status, chosen.severity)] -= 1
    for key, shards in judged.items():
        if len(shards) > 1:
            finding = kept[key]
            kept[key] = dataclasses.replace(
                finding,
                message=f"{finding.message} (as shard {shards[0]} judged it over its own "
                f"subscriptions; {len(shards)} shards judged this resource, which belongs to "
                "no subscription)",
            )
    ordered = sorted(kept.values(), key=lambda f: (f.rule_id, normalise_id(f.resource_id)))
    return ordered, corrections


def _errors(reports: Sequence[Named], shards: Sequence[Shard]) -> list[CollectionError]:
    errors: list[CollectionError] = []
    empty: list[CollectionError] = []
    for _, report in reports:
        for error in report.errors:
            if (error.scope, error.operation) == _EMPTY_SCAN:
                empty.append(error)
            elif error not in errors:  # a tenant-level error every shard met is one error
                errors.append(error)
    if empty and len(empty) == len(reports):
        errors.append(empty[0])  # no shard found an AI/ML resource: neither would the run
    given = {shard.index for shard in shards}
    count = shards[0].count
    for index in range(1, count + 1):
        if index not in given:
            errors.append(
                CollectionError(
                    scope="(merge)",
                    operation="merge shard reports",
                    message=f"shard {index}/{count} was not given: its subscriptions are not "
                    "in this report",
                )
            )
    return errors


def _scan(reports: Sequence[Named]) -> ScanInfo:
    scans = [report.scan for _, report in reports]
    first = scans[0]
    settings = {k: v for k, v in first.settings.items() if k != "shard"}
    subscriptions = sorted((s for scan in scans for s in scan.subscriptions), key=lambda s: s.id)
    return ScanInfo(
        started_at=min(scan.started_at for scan in scans),
        finished_at=max(scan.finished_at for scan in scans),
        as_of=first.as_of,
        sources=_distinct(source for scan in scans for source in scan.sources),
        subscriptions=tuple(subscriptions),
        resources=_counted_once(
            [scan.resources for scan in scans],
            [{t: len(ids) for t, ids in _shared(scan, "resources").items()} for scan in scans],
            _union_sizes(_shared(scan, "resources") for scan in scans),
        ),
        skipped_types=_counted_once(
            [scan.skipped_types for scan in scans],
            [_shared(scan, "skipped_types") for scan in scans],
            _most([_shared(scan, "skipped_types") for scan in scans]),
        ),
        settings=settings,
        evidence=_evidence(reports),
    )


def _rule_set(report: Report) -> str | None:
    return report.scan.evidence.rule_set if report.scan.evidence is not None else None


def _evidence(reports: Sequence[Named]) -> Evidence | None:
    """The shards' evidence as one: the input files they read (every shard of a snapshot reads
    the same ones) and their one rule set. A live shard's saved snapshot is its own folder and
    is not carried: each shard's report keeps it."""
    files: dict[str, str] = {}
    for path, report in reports:
        if report.scan.evidence is None:
            return None  # a report of before 2.0's evidence: nothing to vouch for
        for name, digest in report.scan.evidence.files.items():
            if files.setdefault(name, digest) != digest:
                raise InputError(
                    f"{path}: cannot merge: its input {name} is not the file another shard "
                    "read (sha256 differs); shards of one run read the same evidence"
                )
    first = reports[0][1].scan.evidence
    assert first is not None  # every report had evidence, or the loop returned
    return Evidence(files=files, rule_files=first.rule_files, rule_set=first.rule_set)


def _distinct(sources: Iterable[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    """Each source record once: every shard of a snapshot read the same files."""
    kept: list[Mapping[str, Any]] = []
    for source in sources:
        if source not in kept:
            kept.append(source)
    return tuple(kept)


def _shared(scan: ScanInfo, part: str) -> dict[str, Any]:
    """One part of a shard's ``scan.shared``, only the entries of the documented types."""
    shared = scan.shared or {}
    value = shared.get(part)
    if not isinstance(value, dict):
        return {}
    if part == "resources":
        return {
            t: [i for i in ids if isinstance(i, str)]
            for t, ids in value.items()
            if isinstance(ids, list)
        }
    return {t: n for t, n in value.items() if isinstance(n, int) and not isinstance(n, bool)}


def _union_sizes(maps: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Per type, how many distinct ids the shards' shared records hold together."""
    union: dict[str, set[str]] = {}
    for shared in maps:
        for arm_type, ids in shared.items():
            union.setdefault(arm_type, set()).update(ids)
    return {t: len(ids) for t, ids in union.items()}


def _most(maps: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Skipped records are counted, not named: each shard read the same tenant-level files."""
    most: dict[str, int] = {}
    for shared in maps:
        for arm_type, count in shared.items():
            most[arm_type] = max(most.get(arm_type, 0), count)
    return most


def _counted_once(
    counts: Sequence[Mapping[str, int]],
    shared: Sequence[Mapping[str, int]],
    once: Mapping[str, int],
) -> dict[str, int]:
    """Per type: each shard's own records, plus the shared ones once."""
    total: Counter[str] = Counter()
    for mine, held in zip(counts, shared, strict=True):
        for arm_type, count in mine.items():
            total[arm_type] += count - held.get(arm_type, 0)
    for arm_type, count in once.items():
        total[arm_type] += count
    return dict(sorted(total.items()))


def _summary(
    reports: Sequence[Named],
    findings: Sequence[Finding],
    corrections: Corrections,
    errors: Sequence[CollectionError],
) -> Summary:
    summaries = [report.summary for _, report in reports]
    by_status: Counter[Status] = Counter()
    failures: Counter[Severity] = Counter()
    by_rule: dict[str, Counter[Status]] = {}
    for summary in summaries:
        by_status.update(summary.by_status)
        failures.update(summary.failures_by_severity)
        for rule_id, counts in summary.by_rule.items():
            by_rule.setdefault(rule_id, Counter()).update(counts)
    for (rule_id, status, severity), extra in corrections.items():
        by_status[status] -= extra
        by_rule.setdefault(rule_id, Counter())[status] -= extra
        if status is Status.FAIL:
            failures[severity] -= extra
    gate = summaries[0].gate
    failing = [f for f in findings if _gates_failing(f, gate)]
    incomplete = bool(errors) or any(f.status is Status.UNKNOWN and f.gating for f in findings)
    exit_code = 1 if failing else 3 if incomplete else 0
    return Summary(
        results=sum(s.results for s in summaries) - sum(corrections.values()),
        by_status={s: by_status.get(s, 0) for s in Status},
        failures_by_severity={s: failures.get(s, 0) for s in reversed(Severity)},
        by_rule={r: {s: c.get(s, 0) for s in Status} for r, c in by_rule.items()},
        gate=dataclasses.replace(
            gate, failing=len(failing), incomplete=incomplete, exit_code=exit_code
        ),
    )


def _gates_failing(finding: Finding, gate: Gate) -> bool:
    """The rule of :meth:`auditor.scan.ScanOutcome.failing`, on a listed finding."""
    return (
        gate.fail_on is not None
        and finding.status is Status.FAIL
        and finding.severity.rank >= gate.fail_on.rank
        and (not gate.new_only or finding.baseline == "new")
        and finding.gating
    )


def _warnings(reports: Sequence[Named]) -> tuple[ReportWarning, ...]:
    """Every shard's warnings once; a suppression is stale only if it matched nothing in
    every shard."""
    seen: list[ReportWarning] = []
    stale: Counter[tuple[str | None, int | None]] = Counter()
    for _, report in reports:
        for warning in report.warnings:
            if warning.kind == "suppression_stale":
                stale[(warning.file, warning.line)] += 1
            if warning not in seen:
                seen.append(warning)
    return tuple(
        w for w in seen if w.kind != "suppression_stale" or stale[(w.file, w.line)] == len(reports)
    )


def _baseline(reports: Sequence[Named], findings: Sequence[Finding]) -> BaselineSummary | None:
    """Against the one baseline every shard was given: marks counted again, and a baseline
    failure is fixed when no shard still has it."""
    sections = [report.baseline for _, report in reports]
    first = sections[0]
    if first is None or any(s is None for s in sections):
        return None
    fixed = [
        f
        for f in first.fixed_findings
        if all(
            any(g.get("fingerprint") == f.get("fingerprint") for g in s.fixed_findings)
            for s in sections
            if s is not None
        )
    ]
    return BaselineSummary(
        path=first.path,
        as_of=first.as_of,
        new=sum(1 for f in findings if f.baseline == "new"),
        existing=sum(1 for f in findings if f.baseline == "existing"),
        fixed_findings=tuple(fixed),
    )


def _compliance(reports: Sequence[Named], corrections: Corrections) -> tuple[FrameworkResult, ...]:
    """Per control, the shards' counts summed (shared results once) and the verdict again."""
    views: list[FrameworkResult] = []
    for position, view in enumerate(reports[0][1].compliance):
        controls = []
        for index, control in enumerate(view.controls):
            counts: Counter[Status] = Counter()
            for _, report in reports:
                counts.update(report.compliance[position].controls[index].counts)
            for (rule_id, status, _), extra in corrections.items():
                if rule_id in control.rules:
                    counts[status] -= extra
            total = {s: counts.get(s, 0) for s in Status}
            verdict = (
                control.verdict
                if control.verdict is Verdict.NOT_ASSESSABLE
                else verdict_of(total, bool(control.rules))
            )
            controls.append(dataclasses.replace(control, counts=total, verdict=verdict))
        views.append(dataclasses.replace(view, controls=tuple(controls)))
    return tuple(views)
