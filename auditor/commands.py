"""The ``suppress``, ``diff`` and ``config`` sub-commands, and the config-file merge for ``scan``.

Argument parsing lives here beside :mod:`auditor.cli` (which calls these builders); the work
is done by :mod:`auditor.suppress`, :mod:`auditor.baseline` and :mod:`auditor.configfile`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from auditor.configfile import Resolved, resolve, show_text
from auditor.engine.loader import load_rules
from auditor.errors import InputError, ReportError
from auditor.model import Severity
from auditor.report.baseline import diff_document, diff_reports, diff_text, load_report
from auditor.report.formats import write_atomically
from auditor.suppress import DEFAULT_MAX_DAYS, DEFAULT_PATH, append_suppression, validate_entry
from auditor.timeutil import Clock

DIFF_FILENAME = "auditor.diff.json"


def subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    """The sub-command parser called ``name``."""
    for action in parser._actions:  # argparse has no public accessor for sub-parsers
        if isinstance(action, argparse._SubParsersAction):
            found: argparse.ArgumentParser = action.choices[name]
            return found
    raise KeyError(name)


def add_gate_file_options(
    gate: argparse._ArgumentGroup, positive_int: Callable[[str], int]
) -> None:
    """Scan options for baselines, suppressions and the config file."""
    gate.add_argument(
        "--baseline",
        type=Path,
        metavar="OLD.json",
        help="an earlier auditor.json: mark findings new or existing and list fixed ones",
    )
    gate.add_argument(
        "--fail-on-new-only",
        action="store_true",
        help="with --baseline: exit 1 only on failures the baseline does not hold",
    )
    gate.add_argument(
        "--suppressions",
        type=Path,
        metavar="FILE",
        help=f"suppressions file (default: {DEFAULT_PATH} when it exists)",
    )
    gate.add_argument(
        "--max-suppression-days",
        type=positive_int,
        default=DEFAULT_MAX_DAYS,
        metavar="N",
        help=f"a suppression may expire at most N days ahead (default {DEFAULT_MAX_DAYS})",
    )
    gate.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="config file (default: auditor.toml, or [tool.auditor] in pyproject.toml)",
    )


def add_commands(
    sub: Any, fail_on: Callable[[str], Severity | None], positive_int: Callable[[str], int]
) -> None:
    """Add the ``suppress``, ``diff`` and ``config`` sub-commands."""
    suppress = sub.add_parser("suppress", help="append an accountable suppression entry")
    suppress.add_argument("rule", metavar="RULE", help="rule id, slug or glob (AML00*)")
    suppress.add_argument(
        "resource", metavar="RESOURCE", help="resource id, glob, or regex:PATTERN"
    )
    suppress.add_argument("--reason", required=True, help="why the finding is accepted")
    suppress.add_argument("--owner", required=True, help="who answers for it")
    suppress.add_argument("--expires", required=True, metavar="YYYY-MM-DD", help="last day")
    suppress.add_argument("--suppressions", type=Path, metavar="FILE", help="file to append to")
    suppress.add_argument("--max-suppression-days", type=positive_int, metavar="N")
    suppress.add_argument("--config", type=Path, metavar="FILE", help="config file")

    diff = sub.add_parser("diff", help="compare two auditor.json reports: new, fixed, unchanged")
    diff.add_argument("old", type=Path, metavar="OLD.json")
    diff.add_argument("new", type=Path, metavar="NEW.json")
    diff.add_argument(
        "--fail-on",
        type=fail_on,
        default=Severity.LOW,
        metavar="SEVERITY",
        help="exit 1 on new failures at or above this severity (default low), or none",
    )
    diff.add_argument(
        "-o",
        "--output-dir",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help=f"folder for {DIFF_FILENAME} (default: reports/)",
    )
    diff.add_argument("--quiet", action="store_true", help="print only the verdict")

    config = sub.add_parser("config", help="show the effective scan settings")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    config_sub.add_parser(
        "show",
        help="print every scan setting, its value and where it came from; "
        "takes the same options as scan",
    )


def resolve_scan(
    parser: argparse.ArgumentParser, args: argparse.Namespace, scan_argv: Sequence[str]
) -> Resolved:
    """The scan options with the config file applied under the command line."""
    scan = subparser(parser, "scan")
    if not hasattr(args, "config"):  # `config show`: parse its options as scan's
        args = scan.parse_args(list(scan_argv))
    return resolve(scan, args, scan_argv, args.config, Path.cwd())


def run_command(
    parser: argparse.ArgumentParser, args: argparse.Namespace, extra: Sequence[str], clock: Clock
) -> int:
    """Run ``suppress``, ``diff`` or ``config show``; returns the exit code."""
    if args.command == "suppress":
        return _suppress(parser, args, clock)
    if args.command == "diff":
        return _diff(args)
    if args.command == "config":
        resolved = resolve_scan(parser, argparse.Namespace(), extra)
        print(show_text(subparser(parser, "scan"), resolved))
        return 0
    raise InputError(f"unknown command {args.command!r}")


def _suppress(parser: argparse.ArgumentParser, args: argparse.Namespace, clock: Clock) -> int:
    config_argv = ["--config", str(args.config)] if args.config else []
    settings = resolve_scan(parser, argparse.Namespace(), config_argv).args
    path: Path = args.suppressions or settings.suppressions or DEFAULT_PATH
    max_days: int = args.max_suppression_days or settings.max_suppression_days
    today = clock().date()
    entry = validate_entry(
        {
            "rule": args.rule,
            "resource": args.resource,
            "reason": args.reason,
            "owner": args.owner,
            "expires": args.expires,
        },
        horizon_from=today,
        max_days=max_days,
        file=str(path),
        line=0,
    )
    if entry.expires < today:
        raise InputError(
            f"--expires {entry.expires} is in the past (today is {today}): an expired entry "
            "would suppress nothing"
        )
    if not any(ch in entry.rule for ch in "*?["):
        rules = load_rules(settings.rules_dir)
        if not any(entry.rule.lower() in (r.id.lower(), r.slug) for r in rules):
            raise InputError(f"no rule {entry.rule!r} (see `auditor rules`; globs are allowed)")
    total = append_suppression(path, entry, horizon_from=today, max_days=max_days)
    print(
        f"added suppression of {entry.rule} on {entry.resource} until {entry.expires} "
        f"to {path} ({total} entries)"
    )
    return 0


def _diff(args: argparse.Namespace) -> int:
    old, new = load_report(args.old), load_report(args.new)
    diff = diff_reports(old, new, args.fail_on)
    document = diff_document(diff, str(args.old), str(args.new))
    path = Path(args.output_dir) / DIFF_FILENAME
    try:
        write_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise ReportError(f"cannot write {path}: {exc}") from exc
    text = diff_text(diff)
    print(text.splitlines()[-1] if args.quiet else text)
    print(f"wrote {path}", file=sys.stderr)
    return diff.exit_code()
