"""An ``auditor.json`` document read back into the typed :class:`~auditor.report.model.Report`.

What a comparison decides on (each finding's fingerprint, rule, resource, status and severity;
``scan.as_of``; ``summary.gate.incomplete``) is checked and a wrong value is an
:class:`~auditor.errors.InputError` naming the file and the element. Everything else is read
as far as it has the documented type and left at its empty default otherwise, as older reports
(schema 1.0, 1.1) lack sections that 1.2 has.
"""

from __future__ import annotations

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
from auditor.scan import BaselineSummary

_E = TypeVar("_E", Status, Severity, Verdict)
_STRING_FIELDS = ("fingerprint", "rule_id", "title", "resource_id", "resource_name")


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


def _finding(where: str, data: object) -> Finding:
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected an object")
    for name in _STRING_FIELDS:
        if not isinstance(data.get(name), str):
            raise InputError(f"{where}.{name}: expected a string")
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
        rule_id=data["rule_id"],
        slug=_text(data.get("slug")),
        title=data["title"],
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
        remediation=_remediation(data.get("remediation")),
        controls=_word_lists(data.get("controls")),
        references=_words(data.get("references")),
        source=Origin(_text(source.get("kind")), _opt(source.get("path")), _opt_int(line)),
        fingerprint=data["fingerprint"],
        suppression=suppression if isinstance(suppression, dict) and suppression else None,
        baseline=_opt(data.get("baseline")),
        gating=data.get("gating") is not False,
        **_history(data),
    )


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
    listed = tuple(_finding(f"{path}: findings[{i}]", f) for i, f in enumerate(findings))
    scan, summary = _scan(path, data.get("scan")), _summary(path, data.get("summary"))
    tool = _obj(data.get("tool"))
    rules = (_rule(r) for r in _items(data.get("rules")))
    return Report(
        tool_name=_text(tool.get("name")),
        tool_version=_text(tool.get("version")),
        scan=scan,
        summary=summary,
        rules=tuple(r for r in rules if r is not None),
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
