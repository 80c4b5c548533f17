"""The Python API: run a scan and get the typed report, read a report back, render it.

Notebook users on ML platform teams get the same scan as ``auditor scan``, without files or
stderr: every input error is raised (an :class:`~auditor.errors.AuditorError`, the CLI's exit 2),
and the exit code the CLI would give is ``report.summary.gate.exit_code``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from auditor import audit
from auditor.collect.live.settings import LiveSettings
from auditor.config import ScanConfig
from auditor.engine.selection import split_patterns
from auditor.errors import InputError
from auditor.model import Severity
from auditor.report.baseline import load_report
from auditor.report.formats import render as _render
from auditor.report.model import Report
from auditor.timeutil import parse_timestamp


def run_scan(config: ScanConfig) -> Report:
    """Scan what ``config`` names and return the typed report (no report file is written;
    ``config.save_snapshot`` still is). ``config.include_passed`` lists passing results too;
    with ``config.history`` the scan is recorded there and findings carry their lifecycle."""
    return audit.scan_report(config)[1]


def read_report(path: Path | str) -> Report:
    """An ``auditor.json`` read back as the typed report (strict: anything else raises)."""
    return load_report(Path(path))


def render(report: Report, format_name: str) -> str | bytes:
    """The report in one format (``json``, ``html``, ``sarif``, ``junit``, ``csv``,
    ``markdown`` or an alias such as ``md``), as the CLI writes it."""
    return _render(format_name, report)


PathArg = str | os.PathLike[str]
Paths = PathArg | Iterable[PathArg]
"""One path or several (a lone string is one path, never its characters)."""
Patterns = str | Iterable[str]


def scan(
    *,
    snapshot: Paths = (),
    demo: bool = False,
    template: Paths = (),
    parameters: Paths = (),
    template_context: Mapping[str, str] | None = None,
    live: LiveSettings | None = None,
    rules_dir: Paths = (),
    select: Patterns = (),
    ignore: Patterns = (),
    framework: Patterns = (),
    rule_set: str | None = None,
    as_of: dt.datetime | dt.date | str | None = None,
    include_passed: bool = False,
    fail_on: Severity | str | None = Severity.LOW,
    baseline: PathArg | None = None,
    fail_on_new_only: bool = False,
    suppressions: PathArg | None = None,
    max_suppression_days: int = 180,
    key_max_age_days: int | None = None,
    allow_empty: bool = False,
    history: str | None = None,
    sla_days: Mapping[Severity | str, int] | None = None,
    fail_on_overdue: bool = False,
    jobs: int | None = None,
) -> Report:
    """Scan and return the typed report: the keywords are ``auditor scan``'s options.

    ``snapshot``, ``template``, ``parameters`` and ``rules_dir`` take one path or a list;
    ``select``, ``ignore`` and ``framework`` one pattern (comma lists too, as on the command
    line) or a list; ``as_of`` a datetime, a date or ISO 8601 text (UTC unless it says);
    ``fail_on`` a severity, its name or ``"none"``; ``live`` the settings of a live scan
    (``auditor.LiveSettings(subscriptions=...)``), which only runs when given. No file is
    written and nothing printed; what the CLI calls exit 2 raises
    :class:`~auditor.errors.InputError`. ``report.to_frame()`` gives the findings as a
    pandas DataFrame (the ``analysis`` extra). ``history`` (a ``sqlite:///`` or
    ``postgresql://`` URL) records the scan there, as ``--history`` does, with ``sla_days``
    (severity -> days) and ``fail_on_overdue``. ``jobs`` is ``--jobs``: worker processes
    that judge the rules (None: one per core on a large estate; a caller with threads of its
    own is always judged in-process)."""
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise InputError(f"jobs must be a whole number of at least 1, not {jobs!r}")
    config = ScanConfig(
        snapshots=_paths(snapshot),
        demo=demo,
        templates=_paths(template),
        template_parameters=_paths(parameters),
        template_context=dict(template_context or {}),
        live=live,
        rules_dirs=_paths(rules_dir) or None,
        select=split_patterns(_patterns(select)),
        ignore=split_patterns(_patterns(ignore)),
        frameworks=split_patterns(_patterns(framework)),
        rule_set=rule_set,
        as_of=_moment(as_of),
        include_passed=include_passed,
        fail_on=_severity(fail_on),
        baseline=Path(baseline) if baseline is not None else None,
        fail_on_new_only=fail_on_new_only,
        suppressions=Path(suppressions) if suppressions is not None else None,
        max_suppression_days=max_suppression_days,
        key_max_age_days=key_max_age_days,
        allow_empty=allow_empty,
        formats=(),
        history=history,
        sla_days={_sla_severity(s): days for s, days in (sla_days or {}).items()},
        fail_on_overdue=fail_on_overdue,
        jobs=jobs,
    )
    return run_scan(config)


def _paths(value: Paths) -> tuple[Path, ...]:
    if isinstance(value, str | os.PathLike):
        return (Path(value),)
    return tuple(Path(item) for item in value)


def _patterns(value: Patterns) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _moment(value: dt.datetime | dt.date | str | None) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        moment = parse_timestamp(value)
        if moment is None:
            raise InputError(f"as_of {value!r} is not an ISO 8601 date or time")
        return moment
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _severity(value: Severity | str | None) -> Severity | None:
    if value is None or isinstance(value, Severity):
        return value
    if value.strip().lower() == "none":
        return None
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise InputError(f"fail_on: {exc}, or none") from None


def _sla_severity(value: Severity | str) -> Severity:
    if isinstance(value, Severity):
        return value
    try:
        return Severity.parse(value)
    except ValueError:
        raise InputError(f"sla_days: {value!r} is not a severity") from None
