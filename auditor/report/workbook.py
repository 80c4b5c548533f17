"""What the auditor's workbook (``auditor.xlsx``) holds, sheet by sheet, as plain data.

:func:`sheets` decides the content; :mod:`auditor.report.writers.xlsx` only lays it out, so
the content is readable (and testable) without the Excel writer installed. Every sheet is
blocks of rows under column names: a sheet of one untitled block is a filterable table, a
sheet of titled blocks is sections one below the other.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.engine.frameworks import FrameworkResult, Verdict
from auditor.model import Severity, Status
from auditor.report.model import Report, gate_verdict
from auditor.report.table import FINDING_COLUMNS, Cell, finding_rows

PAIR = ("item", "value")


@dataclass(frozen=True)
class Block:
    """Rows under column names, with a heading when the sheet has several blocks."""

    heading: str | None
    columns: tuple[str, ...]
    rows: Iterable[tuple[Cell, ...]]


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a name (at most 31 characters, Excel's limit) and its blocks."""

    name: str
    blocks: tuple[Block, ...]

    @property
    def table(self) -> bool:
        """One untitled block: a table with a frozen, filterable header row."""
        return len(self.blocks) == 1 and self.blocks[0].heading is None


def sheets(report: Report) -> list[Sheet]:
    """Every sheet of the workbook, in order: Summary, Findings, one Compliance sheet per
    framework the report carries, Not assessed, Suppressions, Scan."""
    names = _SheetNames()
    return [
        Sheet("Summary", tuple(_summary(report))),
        Sheet("Findings", (Block(None, FINDING_COLUMNS, finding_rows(report)),)),
        *(
            Sheet(names.new(f"Compliance {view.framework}"), (_controls(view),))
            for view in report.compliance
        ),
        Sheet("Not assessed", (Block(None, NOT_ASSESSED_COLUMNS, _not_assessed(report)),)),
        Sheet("Suppressions", (Block(None, SUPPRESSION_COLUMNS, _suppressions(report)),)),
        Sheet("Scan", tuple(_scan(report))),
    ]


_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


class _SheetNames:
    """Sheet names from report data (a framework's name), made valid for Excel: at most 31
    characters, none of ``[]:*?/\\``, no apostrophe at either end, unique ignoring case."""

    def __init__(self) -> None:
        self.taken = {"summary", "findings", "not assessed", "suppressions", "scan"}

    def new(self, wanted: str) -> str:
        base = _NOT_IN_SHEET_NAMES.sub("_", wanted).strip("'")[:31].strip("'") or "Sheet"
        name, number = base, 1
        while name.lower() in self.taken:
            number += 1
            name = f"{base[: 31 - len(str(number)) - 3]} ({number})"
        self.taken.add(name.lower())
        return name


def _pairs(heading: str, pairs: Iterable[tuple[str, Cell]]) -> Block:
    return Block(heading, PAIR, list(pairs))


def _summary(report: Report) -> Iterator[Block]:
    summary, gate = report.summary, report.summary.gate
    verdict = gate_verdict(gate)
    yield _pairs(
        "Report",
        [
            ("tool", report.tool_name),
            ("tool version", report.tool_version),
            ("rules", len(report.rules)),
            ("rule set the gate is pinned to", gate.rule_set or "every rule"),
            ("schema version", report.schema_version),
            ("judged as of", report.scan.as_of),
            ("finished at", report.scan.finished_at),
        ],
    )
    yield _pairs(
        "Gate",
        [
            ("verdict", verdict.word),
            ("why", verdict.detail),
            ("exit code", gate.exit_code),
            ("fail on", gate.fail_on_word),
            ("failing", gate.failing),
            ("incomplete", gate.incomplete),
            ("new failures only", gate.new_only),
            ("rules that do not gate", ", ".join(gate.not_gating)),
        ],
    )
    by_status = [(s.value, summary.by_status.get(s, 0)) for s in Status]
    yield _pairs("Results by status", [("results", summary.results), *by_status])
    yield _pairs(
        "Failures by severity",
        [(s.value, summary.failures_by_severity.get(s, 0)) for s in reversed(Severity)],
    )
    if report.baseline is not None:
        base = report.baseline
        yield _pairs(
            "Baseline",
            [
                ("report", base.path),
                ("judged as of", base.as_of),
                ("new", base.new),
                ("existing", base.existing),
                ("fixed", base.fixed),
            ],
        )
    if report.compliance:
        columns = ("framework", "title", *(v.value for v in Verdict), "url")
        rows = [
            (view.framework, view.title, *view.verdicts().values(), view.url)
            for view in report.compliance
        ]
        yield Block("Compliance (controls per verdict)", columns, rows)


CONTROL_COLUMNS = (
    "control_id",
    "title",
    "verdict",
    *(s.value for s in Status),
    "rules",
    "why",
)


def _controls(view: FrameworkResult) -> Block:
    rows = [
        (
            c.control_id,
            c.title,
            c.verdict.value,
            *(c.counts.get(s, 0) for s in Status),
            ", ".join(c.rules),
            c.why,
        )
        for c in view.controls
    ]
    return Block(None, CONTROL_COLUMNS, rows)


NOT_ASSESSED_COLUMNS = (
    "kind",
    "rule_or_framework",
    "resource_or_control",
    "title",
    "reason",
    "message",
)
"""An unknown result (rule, resource id, reason) or a control no result judged."""

_CONTROL_REASONS = {
    Verdict.NO_RULES: "no rule assesses this control (a coverage gap)",
    Verdict.NOT_ASSESSED: "no resource in scope for the control's rules",
}


def _not_assessed(report: Report) -> Iterator[tuple[Cell, ...]]:
    rules = {rule.id: rule.title for rule in report.rules}
    for finding in report.findings:
        if finding.status is Status.UNKNOWN:
            title = rules.get(finding.rule_id, finding.rule_id)
            yield (
                "unknown result",
                finding.rule_id,
                finding.resource_id,
                title,
                finding.reason,
                finding.message,
            )
    for view in report.compliance:
        for control in view.controls:
            if control.verdict is Verdict.NOT_ASSESSABLE:
                why: str | None = control.why
            else:
                why = _CONTROL_REASONS.get(control.verdict)
            if why is not None:
                kind = f"control: {control.verdict.value}"
                yield (kind, view.framework, control.control_id, control.title, why, None)


SUPPRESSION_COLUMNS = (
    "rule_id",
    "resource_name",
    "resource_id",
    "severity",
    "reason",
    "owner",
    "expires",
    "file",
    "line",
    "fingerprint",
)


def _suppressions(report: Report) -> Iterator[tuple[Cell, ...]]:
    for finding in report.findings:
        if finding.status is Status.SUPPRESSED:
            entry = finding.suppression or {}
            yield (
                finding.rule_id,
                finding.resource_name,
                finding.resource_id,
                finding.severity.value,
                *(_cell(entry.get(key)) for key in ("reason", "owner", "expires", "file", "line")),
                finding.fingerprint,
            )


def _scan(report: Report) -> Iterator[Block]:
    scan = report.scan
    yield _pairs(
        "Scan",
        [
            ("tool", report.tool_name),
            ("tool version", report.tool_version),
            ("started at", scan.started_at),
            ("finished at", scan.finished_at),
            ("judged as of", scan.as_of),
        ],
    )
    yield _pairs("Settings", [(key, _cell(value)) for key, value in scan.settings.items()])
    yield Block("Sources", ("kind", "details"), [_source(s) for s in scan.sources])
    yield Block("Subscriptions", ("id", "name"), [(s.id, s.name) for s in scan.subscriptions])
    yield Block("Resources audited", ("type", "count"), list(scan.resources.items()))
    if scan.skipped_types:
        yield Block("Types seen, not audited", ("type", "count"), list(scan.skipped_types.items()))
    errors = [
        (
            e.scope,
            e.operation,
            e.message,
            e.status_code,
            e.missing_permission,
            ", ".join(e.data_kinds),
        )
        for e in report.errors
    ]
    columns = ("scope", "operation", "message", "status_code", "missing_permission", "data_kinds")
    yield Block("Errors", columns, errors)
    warnings = [(w.kind, w.message, w.file, w.line) for w in report.warnings]
    yield Block("Warnings", ("kind", "message", "file", "line"), warnings)


def _source(source: Mapping[str, Any]) -> tuple[Cell, ...]:
    rest = {k: v for k, v in source.items() if k != "kind"}
    return (_cell(source.get("kind")), json.dumps(rest, ensure_ascii=False, sort_keys=True))


def _cell(value: object) -> Cell:
    """A value as one cell: scalars as they are, lists and mappings as JSON text."""
    if value is None or isinstance(value, str | int | bool):
        return value
    if isinstance(value, float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
