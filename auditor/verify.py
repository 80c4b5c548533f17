"""``auditor verify``: the evidence a report recorded is unchanged, and re-scanning it as of
the report's own ``as_of``, with the report's own settings, gives the same results.

Evidence is compared file by file (:attr:`auditor.scan.Evidence.files`): a recorded file must
be present with the same sha256, and a file the re-scan reads that the report did not record
(a ``.json`` added to a snapshot folder) is a difference too, since it changes what is judged.
Files the scan does not read (a ``README.md`` beside the snapshot) are not evidence and are
not looked at. Results are compared by fingerprint, status and severity, with the counts of
every status and the gate. See ``docs/evidence.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from auditor import digests
from auditor.audit import scan
from auditor.config import ScanConfig
from auditor.demo import DEMO_DIR, DEMO_PREFIX
from auditor.engine.loader import load_rules
from auditor.engine.parameters import Given
from auditor.errors import AuditorError, InputError
from auditor.loganalytics import OPERATION as EXPORT_OPERATION
from auditor.model import Severity, SourceKind
from auditor.report.baseline import load_report
from auditor.report.build import build_report
from auditor.report.model import Finding, Report
from auditor.scan import Evidence
from auditor.shard import Shard
from auditor.timeutil import parse_timestamp


@dataclass
class Differences:
    """What differs between a report and its evidence now, each said in one line."""

    files: list[str] = field(default_factory=list)
    rule_set: list[str] = field(default_factory=list)
    results: list[str] = field(default_factory=list)
    rescan: str | None = None
    """Why the evidence could not be re-scanned (it changed so much it no longer reads)."""

    def lines(self) -> list[str]:
        """Every difference, evidence first."""
        rescan = [f"re-scan failed: {self.rescan}"] if self.rescan else []
        return self.files + self.rule_set + rescan + self.results


def verify(
    report_path: Path,
    snapshots: Sequence[Path] = (),
    templates: Sequence[Path] = (),
    rules_dirs: Sequence[Path] | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Check a report against its evidence; print what differs. 0 verified, 1 differs."""
    out = stdout or sys.stdout
    report = load_report(report_path)
    evidence = report.scan.evidence
    if evidence is None:
        raise InputError(
            f"{report_path}: the report records no evidence hashes (schema "
            f"{report.schema_version}, auditor {report.tool_version or 'unknown'}): reports "
            "record the sha256 of their inputs since schema 2.0; re-scan with this version"
        )
    config, expected = _rescan_config(report, evidence, report_path, snapshots, templates)
    # The parameters the report judged with, of the rules still in the rule set (one gone is
    # named by the rule-set difference, not refused as an unknown rule's parameters).
    known = {rule.id for rule in load_rules(rules_dirs)}
    tables = {r.id: dict(r.parameters) for r in report.rules if r.parameters and r.id in known}
    config = dataclasses.replace(
        config, rules_dirs=rules_dirs, parameters=Given(where=str(report_path), tables=tables)
    )
    found = Differences(files=_file_differences(expected))
    try:
        outcome = scan(config)
    except AuditorError as exc:
        if not found.files:
            raise  # the evidence is as recorded: the input is unusable here (exit 2)
        found.rescan = str(exc)
    else:
        now = outcome.evidence
        assert now is not None  # every scan records its evidence
        found.files += [
            f"not in the evidence: {name} (the re-scan reads it; the report did not record it)"
            for name in sorted(set(now.files) - set(expected))
        ]
        found.rule_set = _rule_set_differences(evidence, now)
        # A failed export is part of the recorded run, not of the evidence: it counts again.
        exported = [e for e in report.errors if e.operation == EXPORT_OPERATION]
        outcome = dataclasses.replace(outcome, errors=[*outcome.errors, *exported])
        found.results = _result_differences(
            report, build_report(outcome, include_passed=config.include_passed)
        )
    if found.lines():
        print(f"{report_path}: does not verify:", file=out)
        for line in found.lines():
            print(f"  {line}", file=out)
        return 1
    gate = (
        "; the gate is not re-checked: --fail-on-overdue decided it on the history store, "
        "which verify does not read"
        if report.summary.gate.overdue_only
        else " and gate"
    )
    print(
        f"{report_path}: verified: {len(expected)} evidence file(s) and the rule set unchanged; "
        f"re-scanned as of {report.scan.as_of}, the same {report.summary.results} result(s)"
        f"{gate}",
        file=out,
    )
    return 0


def _relocated(name: str, moves: Sequence[tuple[str, str]]) -> str:
    """A recorded file's name once its source folder is read from where verify was told."""
    for old, new in moves:
        if name == old:
            return new
        if name.startswith(f"{old}/"):
            return f"{new}{name[len(old) :]}"
    return name


def _paths(
    report_path: Path, kind: str, recorded: Sequence[str], given: Sequence[Path]
) -> list[str]:
    if given and len(given) != len(recorded):
        option = f"--{kind}"
        raise InputError(
            f"{report_path}: the report read {len(recorded)} {kind} path(s); give as many "
            f"{option} (in the report's order) or none to read them where they were"
        )
    return [str(p) for p in given] if given else list(recorded)


def _rescan_config(
    report: Report,
    evidence: Evidence,
    report_path: Path,
    snapshots: Sequence[Path],
    templates: Sequence[Path],
) -> tuple[ScanConfig, dict[str, str]]:
    """The scan that re-reads the evidence with the report's settings, and the files it
    should find (their name now -> the recorded sha256)."""
    where = f"{report_path}: scan"
    kinds = [_text(s.get("kind"), f"{where}.sources[].kind") for s in report.scan.sources]
    paths = {
        kind: [
            _text(s.get("path"), f"{where}.sources[].path")
            for s in report.scan.sources
            if s.get("kind") == kind
        ]
        for kind in (SourceKind.SNAPSHOT.value, SourceKind.TEMPLATE.value)
    }
    expected = dict(evidence.files)
    if "live" in kinds:
        if evidence.saved_snapshot is None:
            raise InputError(
                f"{report_path}: a live scan without --save-snapshot keeps no evidence files: "
                "there is nothing to re-scan"
            )
        folder = _paths(report_path, "snapshot", [evidence.saved_snapshot], snapshots)
        paths[SourceKind.SNAPSHOT.value] = [evidence.saved_snapshot]
        snapshot_paths = folder
        expected.update({f"{folder[0]}/{name}": d for name, d in evidence.saved_files.items()})
    else:
        snapshot_paths = _paths(report_path, "snapshot", paths["snapshot"], snapshots)
    template_paths = _paths(report_path, "template", paths["template"], templates)
    moves = list(zip(paths["snapshot"], snapshot_paths, strict=True)) + list(
        zip(paths["template"], template_paths, strict=True)
    )
    expected = {_relocated(name, moves): digest for name, digest in expected.items()}
    settings = report.scan.settings
    as_of = _moment(report.scan.as_of, f"{where}.as_of")
    started = _moment(report.scan.started_at, f"{where}.started_at")
    config = ScanConfig(
        snapshots=tuple(Path(p) for p in snapshot_paths),
        demo=SourceKind.DEMO.value in kinds,
        templates=tuple(Path(p) for p in template_paths),
        template_parameters=tuple(
            Path(p) for p in _setting(settings, "template_parameters", list, [], where)
        ),
        template_context=_setting(settings, "template_context", dict, {}, where),
        formats=("json",),
        baseline=_path_setting(settings, "baseline", where),
        fail_on_new_only=_setting(settings, "fail_on_new_only", bool, False, where),
        suppressions=_path_setting(settings, "suppressions", where),
        max_suppression_days=_setting(settings, "max_suppression_days", int, 180, where),
        fail_on=_severity(_setting(settings, "fail_on", str, "low", where), where),
        rule_set=_setting(settings, "rule_set", str | None, None, where),
        include_passed=_setting(settings, "include_passed", bool, False, where),
        as_of=as_of,
        clock=lambda: started,  # the suppressions' horizon is counted from the scan's start
        allow_empty=_setting(settings, "allow_empty", bool, False, where),
        quiet=True,
        select=tuple(_setting(settings, "select", list, [], where)),
        ignore=tuple(_setting(settings, "ignore", list, [], where)),
        frameworks=tuple(_setting(settings, "frameworks", list, [], where)),
        shard=Shard.parse(shard)
        if (shard := _setting(settings, "shard", str | None, None, where))
        else None,
    )
    return config, expected


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{where}: expected a string")
    return value


def _moment(value: object, where: str) -> dt.datetime:
    moment = parse_timestamp(value)
    if moment is None:
        raise InputError(f"{where}: expected an ISO 8601 timestamp")
    return moment


def _setting(settings: Mapping[str, Any], key: str, kind: Any, default: Any, where: str) -> Any:
    """One recorded setting, of the type the scan took it as (older reports lack some)."""
    value = settings.get(key, default)
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok or (isinstance(value, list) and not all(isinstance(v, str) for v in value)):
        raise InputError(f"{where}.settings.{key}: not a value this setting takes")
    if isinstance(value, dict) and not all(isinstance(v, str) for v in value.values()):
        raise InputError(f"{where}.settings.{key}: not a value this setting takes")
    return value


def _path_setting(settings: Mapping[str, Any], key: str, where: str) -> Path | None:
    value = _setting(settings, key, str | None, None, where)
    return Path(value) if value else None


def _severity(word: str, where: str) -> Severity | None:
    if word == "none":
        return None
    try:
        return Severity.parse(word)
    except ValueError:
        raise InputError(f"{where}.settings.fail_on: not a severity or none") from None


def _file_path(name: str) -> Path:
    """Where a recorded file is now (the demo's inside this installed package)."""
    if name.startswith(f"{DEMO_PREFIX}/"):
        return DEMO_DIR / name[len(DEMO_PREFIX) + 1 :]
    return Path(name)


def _file_differences(expected: Mapping[str, str]) -> list[str]:
    """Each recorded file that is missing or whose bytes changed, by name."""
    found = []
    for name, recorded in sorted(expected.items()):
        try:
            now = digests.sha256(_file_path(name).read_bytes())
        except OSError as exc:
            found.append(f"missing: {name} ({exc.strerror or type(exc).__name__})")
            continue
        if now != recorded:
            found.append(f"changed: {name} (sha256 {recorded[:12]}... recorded, {now[:12]}... now)")
    return found


def _rule_set_differences(recorded: Evidence, now: Evidence) -> list[str]:
    if recorded.rule_set == now.rule_set:
        return []
    before, after = recorded.rule_files, now.rule_files
    changes = [
        *(f"changed: {n}" for n in sorted(set(before) & set(after)) if before[n] != after[n]),
        *(f"added: {n}" for n in sorted(set(after) - set(before))),
        *(f"removed: {n}" for n in sorted(set(before) - set(after))),
    ]
    detail = f" ({'; '.join(changes)})" if changes else ""
    return [
        f"the rule set differs: sha256 {recorded.rule_set[:12]}... recorded, "
        f"{now.rule_set[:12]}... now{detail}"
    ]


def _described(finding: Finding) -> str:
    status, severity = finding.status.value, finding.severity.value
    return f"{finding.rule_id} {status} ({severity}) on {finding.resource_id}"


def _result_differences(recorded: Report, now: Report) -> list[str]:
    """Results that appeared, disappeared or changed status or severity; counts; the gate."""
    before = {f.fingerprint: f for f in recorded.findings}
    after = {f.fingerprint: f for f in now.findings}
    found = [f"result appeared: {_described(after[k])}" for k in sorted(set(after) - set(before))]
    found += [
        f"result disappeared: {_described(before[k])}" for k in sorted(set(before) - set(after))
    ]
    for key in sorted(set(before) & set(after)):
        old, new = before[key], after[key]
        if (old.status, old.severity) != (new.status, new.severity):
            found.append(
                f"result changed: {old.rule_id} on {old.resource_id}: "
                f"{old.status.value} ({old.severity.value}) -> {new.status.value} "
                f"({new.severity.value})"
            )
    counts_then = {s.value: n for s, n in recorded.summary.by_status.items()}
    counts_now = {s.value: n for s, n in now.summary.by_status.items()}
    if counts_then != counts_now:
        found.append(f"result counts: {counts_then} recorded, {counts_now} now")
    then, gate = recorded.summary.gate, now.summary.gate
    if then.overdue_only:  # decided on the history's ages, which a re-scan has not got
        return found
    if (then.exit_code, then.failing, then.incomplete) != (
        gate.exit_code,
        gate.failing,
        gate.incomplete,
    ):
        found.append(
            f"gate: exit {then.exit_code} ({then.failing} failing, incomplete {then.incomplete}) "
            f"recorded, exit {gate.exit_code} ({gate.failing} failing, incomplete "
            f"{gate.incomplete}) now"
        )
    return found
