"""The ``rules``, ``suppress``, ``diff`` and ``merge`` sub-commands as plain functions (``scan`` and
``collect`` are in :mod:`auditor.audit`). The CLI parses arguments and calls these; the work is
done by :mod:`auditor.suppress`, :mod:`auditor.report.baseline` and the report writers."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from auditor.engine.frameworks import coverage, shipped_frameworks
from auditor.engine.loader import load_rules
from auditor.engine.references import RuleIndex, is_glob
from auditor.errors import InputError, ReportError
from auditor.model import Rule, Severity
from auditor.report.baseline import diff_document, diff_reports, diff_text, load_report
from auditor.report.catalog import catalog_page, rule_page
from auditor.report.formats import check_report_folder, write_atomically, write_reports
from auditor.report.merge import merge_reports
from auditor.report.summary import summary_text
from auditor.suppress import append_suppression, validate_entry

DIFF_FILENAME = "auditor.diff.json"


def find_rule(rules: Sequence[Rule], name: str) -> Rule:
    """A rule by id, slug or alias, case-insensitively."""
    return RuleIndex(rules).resolve(name)


def rules(show: str | None = None, markdown: bool = False) -> int:
    """``auditor rules``: one rule's page (``show``), the catalog page, or a table."""
    catalog = load_rules()
    if show is not None:
        print(rule_page(find_rule(catalog, show)), end="")
        return 0
    if markdown:
        print(catalog_page(catalog, shipped_frameworks()), end="")
        return 0
    width = max(len(r.slug) for r in catalog)
    for rule in catalog:
        opt_in = "  (opt-in)" if not rule.default_enabled else ""
        print(f"{rule.id:<8} {rule.slug:<{width}}  {rule.severity.value:<8}  {rule.title}{opt_in}")
    return 0


def frameworks() -> int:
    """``auditor frameworks``: each shipped framework with how much of it the rules cover."""
    catalog = load_rules()
    rows = [coverage(framework, catalog) for framework in shipped_frameworks()]
    width = max(len(row.framework.name) for row in rows)
    print(f"{'name':<{width}}  controls  with rules  gaps (no rule yet)  not assessable  title")
    for row in rows:
        f = row.framework
        print(
            f"{f.name:<{width}}  {len(f.controls):>8}  {row.with_rules:>10}  {row.gaps:>18}  "
            f"{row.not_assessable:>14}  {f.title}"
        )
    print("\nSelect views with `auditor scan --framework NAME` (default: all of them).")
    return 0


def suppress(
    fields: Mapping[str, str],
    *,
    path: Path,
    max_days: int,
    rules_dirs: Sequence[Path] | None,
    today: dt.date,
) -> int:
    """``auditor suppress``: append one entry (``rule``, ``resource``, ``reason``, ``owner``,
    ``expires``) to the suppressions file at ``path``, checked as a scan would read it."""
    entry = validate_entry(fields, horizon_from=today, max_days=max_days, file=str(path), line=0)
    if entry.expires < today:
        raise InputError(
            f"--expires {entry.expires} is in the past (today is {today}): an expired entry "
            "would suppress nothing"
        )
    if not is_glob(entry.rule):
        RuleIndex(load_rules(rules_dirs)).resolve(entry.rule)
    total = append_suppression(path, entry, horizon_from=today, max_days=max_days)
    print(
        f"added suppression of {entry.rule} on {entry.resource} until {entry.expires} "
        f"to {path} ({total} entries)"
    )
    return 0


def diff(
    old_path: Path, new_path: Path, fail_on: Severity | None, output_dir: Path, quiet: bool
) -> int:
    """``auditor diff``: compare two reports, write ``auditor.diff.json``; exit 1 on new
    failures at or above ``fail_on``."""
    old, new = load_report(old_path), load_report(new_path)
    compared = diff_reports(old, new, fail_on)
    document = diff_document(compared, str(old_path), str(new_path))
    path = output_dir / DIFF_FILENAME
    try:
        write_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise ReportError(f"cannot write {path}: {exc}") from exc
    text = diff_text(compared)
    print(text.splitlines()[-1] if quiet else text)
    print(f"wrote {path}", file=sys.stderr)
    return compared.exit_code()


def merge(paths: Sequence[Path], output_dir: Path, formats: Sequence[str], quiet: bool) -> int:
    """``auditor merge``: the shard reports of one run as one report in ``formats``; the exit
    code is the merged gate's (0, 1 or 3), as the unsharded scan's would be."""
    check_report_folder(formats, output_dir)
    report = merge_reports([(str(path), load_report(path)) for path in paths])
    written = write_reports(report, formats, output_dir)
    if not quiet:
        print(summary_text(report), file=sys.stderr)
        for path in written:
            print(f"wrote {path}", file=sys.stderr)
    return report.summary.gate.exit_code
