"""An ``auditor.json`` document read back into the typed :class:`~auditor.report.model.Report`.

What a comparison decides on (each finding's fingerprint, rule, resource, status and severity;
``scan.as_of``; ``summary.gate.incomplete``) is checked and a wrong value is an
:class:`~auditor.errors.InputError` naming the file and the element. Everything else is read
as far as it has the documented type and left at its empty default otherwise, as older reports
(schema 1.0, 1.1) lack sections that 1.2 has.

A finding's rule text is its ``rules[]`` entry, found by ``rule_id``. Reports before 2.0 (and
2.0 previews) also repeat the title, slug, remediation, controls and references in every
finding: those are read from the finding, as what it was reported with.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from auditor.engine.frameworks import ControlResult, FrameworkResult, Verdict
from auditor.errors import InputError
from auditor.model import CollectionError, Severity, Status
from auditor.report.model import (
    SCHEMA_VERSION,
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
    TrendPoint,
)
from auditor.scan import BaselineSummary, Evidence

_E = TypeVar("_E", Status, Severity, Verdict)
_STRING_FIELDS = ("fingerprint", "rule_id", "resource_id", "resource_name")
_RULE_TEXT = ("slug", "title", "remediation", "controls", "references")
"""What a finding repeated of its rule before 2.0."""
_Rules = tuple[dict[str, RuleInfo], dict[tuple[Any, ...], RuleInfo]]
"""The report's rules by id, and each distinct rule text pre-2.0 findings repeat."""
_SHA256 = re.compile("[0-9a-f]{64}")


def _obj(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _opt_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _int(value: object) -> int:
    return _opt_int(value) or 0


def _enum(cls: type[_E], value: object) -> _E | None:
    try:
        return cls(value)
    except ValueError:
        return None


def _words(value: object) -> tuple[str, ...]:
    return tuple(v for v in _items(value) if isinstance(v, str))


def _word_lists(value: object) -> dict[str, tuple[str, ...]]:
    return {k: _words(v) for k, v in _obj(value).items()}


def _counts(value: object) -> dict[Status, int]:
    data = _obj(value)
    return {s: _int(data.get(s.value)) for s in Status}


def _remediation(value: object) -> Remediation:
    data = _obj(value)
    return Remediation(
        _text(data.get("summary")), _opt(data.get("portal")), _opt(data.get("cli")),
        _opt(data.get("bicep")),
    )  # fmt: skip


def _finding(where: str, data: object, rules: _Rules) -> Finding:
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected an object")
    for name in _STRING_FIELDS:
        if not isinstance(data.get(name), str):
            raise InputError(f"{where}.{name}: expected a string")
    if "title" in data and not isinstance(data["title"], str):
        raise InputError(f"{where}.title: expected a string")
    status = _enum(Status, data.get("status"))
    if status is None:
        raise InputError(f"{where}.status: expected one of {', '.join(s.value for s in Status)}")
    severity = _enum(Severity, data.get("severity"))
    if severity is None:
        choices = ", ".join(s.value for s in Severity)
        raise InputError(f"{where}.severity: expected one of {choices}")
    source = _obj(data.get("source"))
    line = source.get("line")
    suppression = data.get("suppression")
    return Finding(
        rule=_rule_of(data, severity, rules),
        severity=severity,
        status=status,
        resource_id=data["resource_id"],
        resource_type=_text(data.get("resource_type")),
        resource_name=data["resource_name"],
        subscription_id=_opt(data.get("subscription_id")),
        resource_group=_opt(data.get("resource_group")),
        location=_opt(data.get("location")),
        message=_text(data.get("message")),
        reason=_opt(data.get("reason")),
        evidence=_obj(data.get("evidence")),
        source=Origin(_text(source.get("kind")), _opt(source.get("path")), _opt_int(line)),
        fingerprint=data["fingerprint"],
        suppression=suppression if isinstance(suppression, dict) and suppression else None,
        baseline=_opt(data.get("baseline")),
        gating=data.get("gating") is not False,
        **_history(data),
    )


def _rule_of(data: dict[str, Any], severity: Severity, rules: _Rules) -> RuleInfo:
    """The finding's rule: its ``rules[]`` entry, with what a pre-2.0 finding repeats of it
    (one shared object per distinct text); a rule ``rules[]`` lacks has only its id."""
    rule_id = data["rule_id"]
    by_id, seen = rules
    known = by_id.get(rule_id) or RuleInfo(
        id=rule_id, slug="", title="", severity=severity, resource_types=(), description="",
        rationale="", remediation=Remediation(""), references=(), controls={}, equivalents={},
        tags=(),
    )  # fmt: skip
    if not any(name in data for name in _RULE_TEXT):
        return known
    own = (
        _text(data.get("slug"), known.slug),
        _text(data.get("title"), known.title),
        _remediation(data["remediation"]) if "remediation" in data else known.remediation,
        _word_lists(data["controls"]) if "controls" in data else known.controls,
        _words(data["references"]) if "references" in data else known.references,
    )
    key = (rule_id, own[0], own[1], own[2], repr(own[3]), own[4])
    if key not in seen:
        slug, title, remediation, controls, references = own
        seen[key] = dataclasses.replace(
            known, slug=slug, title=title, remediation=remediation, controls=controls,
            references=references,
        )  # fmt: skip
    return seen[key]


def _history(data: Mapping[str, Any]) -> dict[str, Any]:
    """The lifecycle keys of a report written with ``--history`` (absent otherwise)."""
    if not isinstance(data.get("first_seen"), str):
        return {}
    age = data.get("age_days")
    return {
        "first_seen": data["first_seen"],
        "last_seen": _opt(data.get("last_seen")),
        "age_days": age if isinstance(age, int) and not isinstance(age, bool) else None,
        "reopened": data.get("reopened") is True,
        "overdue": data.get("overdue") is True,
        "first_scan": _opt(data.get("first_scan")),
    }


def _rule(data: object) -> RuleInfo | None:
    rule = _obj(data)
    severity = _enum(Severity, rule.get("severity"))
    if not isinstance(rule.get("id"), str) or severity is None:
        return None
    return RuleInfo(
        id=rule["id"],
        slug=_text(rule.get("slug")),
        title=_text(rule.get("title")),
        severity=severity,
        resource_types=_words(rule.get("resource_types")),
        description=_text(rule.get("description")),
        rationale=_text(rule.get("rationale")),
        remediation=_remediation(rule.get("remediation")),
        references=_words(rule.get("references")),
        controls=_word_lists(rule.get("controls")),
        equivalents=_word_lists(rule.get("equivalents")),
        tags=_words(rule.get("tags")),
        since=_opt(rule.get("since")),
        changed=_opt(rule.get("changed")),
        parameters=_obj(rule.get("parameters")),
    )


def _scan(path: str, value: object) -> ScanInfo:
    if value is not None and not isinstance(value, dict):
        raise InputError(f"{path}: scan: expected an object")
    scan = _obj(value)
    as_of = scan.get("as_of")
    if not isinstance(as_of, str | None):
        raise InputError(f"{path}: scan.as_of: expected a string or null")
    return ScanInfo(
        started_at=_text(scan.get("started_at")),
        finished_at=_text(scan.get("finished_at")),
        as_of=as_of,
        sources=tuple(s for s in _items(scan.get("sources")) if isinstance(s, dict)),
        subscriptions=tuple(
            SubscriptionInfo(s["id"], _opt(s.get("name")))
            for s in map(_obj, _items(scan.get("subscriptions")))
            if isinstance(s.get("id"), str)
        ),
        resources={k: _int(v) for k, v in _obj(scan.get("resources")).items()},
        skipped_types={k: _int(v) for k, v in _obj(scan.get("skipped_types")).items()},
        settings=_obj(scan.get("settings")),
        evidence=_evidence(f"{path}: scan.evidence", scan.get("evidence")),
        shared=scan["shared"] if isinstance(scan.get("shared"), dict) else None,
    )


def _digests(where: str, value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(v, str) and _SHA256.fullmatch(v) for v in value.values()
    ):
        raise InputError(f"{where}: expected an object of file name -> sha256 (64 hex digits)")
    return value


def _evidence(where: str, value: object) -> Evidence | None:
    """``scan.evidence`` (since 2.0), checked: ``auditor verify`` decides on it."""
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("algorithm") != "sha256":
        raise InputError(f"{where}: expected an object with 'algorithm': 'sha256'")
    rule_set = value.get("rule_set")
    if not isinstance(rule_set, dict) or not _SHA256.fullmatch(_text(rule_set.get("sha256"))):
        raise InputError(f"{where}.rule_set: expected an object with a 'sha256' (64 hex digits)")
    saved = value.get("saved_snapshot")
    if saved is not None and not (isinstance(saved, dict) and isinstance(saved.get("path"), str)):
        raise InputError(f"{where}.saved_snapshot: expected null or an object with a 'path'")
    return Evidence(
        files=_digests(f"{where}.files", value.get("files")),
        rule_files=_digests(f"{where}.rule_set.files", rule_set.get("files")),
        rule_set=rule_set["sha256"],
        saved_snapshot=saved["path"] if saved is not None else None,
        saved_files=_digests(f"{where}.saved_snapshot.files", saved.get("files"))
        if saved is not None
        else {},
    )


def _summary(path: str, value: object) -> Summary:
    if value is not None and not isinstance(value, dict):
        raise InputError(f"{path}: summary: expected an object")
    summary = _obj(value)
    gate = summary.get("gate")
    if gate is not None and not isinstance(gate, dict):
        raise InputError(f"{path}: summary.gate: expected an object")
    gate = _obj(gate)
    incomplete = gate.get("incomplete", False)
    if not isinstance(incomplete, bool):
        raise InputError(f"{path}: summary.gate.incomplete: expected true or false")
    failures = _obj(summary.get("failures_by_severity"))
    return Summary(
        results=_int(summary.get("results")),
        by_status=_counts(summary.get("by_status")),
        failures_by_severity={s: _int(failures.get(s.value)) for s in reversed(Severity)},
        by_rule={k: _counts(v) for k, v in _obj(summary.get("by_rule")).items()},
        gate=Gate(
            fail_on=_enum(Severity, gate.get("fail_on")),
            failing=_int(gate.get("failing")),
            incomplete=incomplete,
            exit_code=_int(gate.get("exit_code")),
            new_only=gate.get("new_only") is True,
            rule_set=_opt(gate.get("rule_set")),
            not_gating=_words(gate.get("not_gating")),
            overdue_only=gate.get("overdue_only") is True,
        ),
    )


def _error(data: Mapping[str, Any]) -> CollectionError:
    return CollectionError(
        scope=_text(data.get("scope")),
        operation=_text(data.get("operation")),
        message=_text(data.get("message")),
        status_code=_opt_int(data.get("status_code")),
        missing_permission=_opt(data.get("missing_permission")),
        data_kinds=_words(data.get("data_kinds")),
    )


def _warning(data: Mapping[str, Any]) -> ReportWarning:
    return ReportWarning(
        kind=_text(data.get("kind")),
        message=_text(data.get("message")),
        file=_opt(data.get("file")),
        line=_opt_int(data.get("line")),
    )


def _baseline(value: object) -> BaselineSummary | None:
    if not isinstance(value, dict):
        return None
    return BaselineSummary(
        path=_text(value.get("path")),
        as_of=_opt(value.get("as_of")),
        new=_int(value.get("new")),
        existing=_int(value.get("existing")),
        fixed_findings=tuple(f for f in _items(value.get("fixed_findings")) if isinstance(f, dict)),
    )


def _control(data: Mapping[str, Any], framework: str) -> ControlResult | None:
    verdict = _enum(Verdict, data.get("verdict"))
    if not isinstance(data.get("control_id"), str) or verdict is None:
        return None
    return ControlResult(
        framework=framework,
        control_id=data["control_id"],
        title=_text(data.get("title")),
        rules=_words(data.get("rules")),
        counts=_counts(data.get("counts")),
        verdict=verdict,
        why=_opt(data.get("why")),
    )


def _view(data: Mapping[str, Any]) -> FrameworkResult | None:
    name = data.get("framework")
    if not isinstance(name, str):
        return None
    controls = (_control(c, name) for c in map(_obj, _items(data.get("controls"))))
    return FrameworkResult(
        framework=name,
        title=_text(data.get("title"), name),
        url=_opt(data.get("url")),
        controls=tuple(c for c in controls if c is not None),
    )


def _compliance(items: list[Any]) -> tuple[FrameworkResult, ...]:
    """Schema 2.x: one block per framework. Before 2.0 (1.x): one flat list of controls, each
    naming its framework, regrouped here so old reports render and compare as new ones do."""
    entries = [_obj(item) for item in items]
    if all("controls" in entry for entry in entries):
        views = (_view(entry) for entry in entries)
        return tuple(v for v in views if v is not None)
    grouped: dict[str, list[ControlResult]] = {}
    for entry in entries:
        name = _text(entry.get("framework"))
        control = _control(entry, name)
        if control is not None:
            grouped.setdefault(name, []).append(control)
    return tuple(FrameworkResult(name, name, None, tuple(c)) for name, c in grouped.items())


def read_document(data: Mapping[str, Any], path: str) -> Report:
    """The report a JSON document holds; ``path`` names it in errors."""
    findings = data.get("findings")
    if not isinstance(findings, list):
        raise InputError(f"{path}: findings: expected an array (not an auditor JSON report)")
    rules = tuple(r for r in map(_rule, _items(data.get("rules"))) if r is not None)
    known: _Rules = ({r.id: r for r in reversed(rules)}, {})  # the first rule of an id
    listed = tuple(_finding(f"{path}: findings[{i}]", f, known) for i, f in enumerate(findings))
    scan, summary = _scan(path, data.get("scan")), _summary(path, data.get("summary"))
    tool = _obj(data.get("tool"))
    return Report(
        tool_name=_text(tool.get("name")),
        tool_version=_text(tool.get("version")),
        scan=scan,
        summary=summary,
        rules=rules,
        findings=listed,
        errors=tuple(_error(e) for e in map(_obj, _items(data.get("errors")))),
        warnings=tuple(_warning(w) for w in map(_obj, _items(data.get("warnings")))),
        baseline=_baseline(data.get("baseline")),
        compliance=_compliance(_items(data.get("compliance"))),
        schema_version=_text(data.get("schema_version"), SCHEMA_VERSION),
        history_trend=tuple(_trend_point(p) for p in map(_obj, _items(data.get("history_trend")))),
    )


def _trend_point(data: Mapping[str, Any]) -> TrendPoint:
    failures = _obj(data.get("failures"))
    return TrendPoint(
        scan=_text(data.get("scan")),
        as_of=_text(data.get("as_of")),
        failures={s: _int(failures.get(s.value)) for s in reversed(Severity)},
    )
