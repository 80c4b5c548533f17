"""The argument parser of every sub-command (the scan options are in :mod:`.scan_options`)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.cli import arguments
from auditor.cli.scan_options import DEBUG_HELP, Options, add_debug, add_live_options
from auditor.cli.scan_options import add_scan_options as add_scan_options
from auditor.commands import DIFF_FILENAME
from auditor.configfile import Option
from auditor.history import DEFAULT_URL as DEFAULT_HISTORY_URL
from auditor.model import Severity
from auditor.version import __version__

EXIT_CODES = (
    "exit codes: 0 nothing failing and everything assessed; 1 failing findings at or above "
    "--fail-on; 2 usage or input error (the message names the file); 3 incomplete scan "
    "(unknown results or collection errors); 4 a bug in auditor (please report it; --debug "
    "prints the traceback); 130 interrupted."
)


@dataclass(frozen=True)
class CommandLine:
    """The parser, and the declarations of the options it parses with no default."""

    parser: argparse.ArgumentParser
    scan: Mapping[str, Option]
    """``auditor scan``'s options (the config file's keys)."""
    collect: Mapping[str, Option]
    """``auditor collect``'s live options."""


def command_line() -> CommandLine:
    """Build the parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="auditor",
        description="Security compliance auditor for Azure Machine Learning and Azure AI Services.",
        epilog=EXIT_CODES,
    )
    parser.add_argument("--version", action="version", version=f"auditor {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands = _Commands()
    scan = commands.add(sub, "scan", help="scan evidence (or the demo estate) and write reports")
    scan_options = Options()
    add_scan_options(scan, scan_options)
    _add_rules_command(sub, commands)
    commands.add(
        sub,
        "frameworks",
        help="list the compliance frameworks with coverage: controls with rules, gaps (no rule "
        "yet), not assessable from configuration",
    )
    _add_suppress_command(sub, commands)
    _add_diff_command(sub, commands)
    _add_verify_command(sub, commands)
    _add_merge_command(sub, commands)
    _add_config_command(sub, commands)
    _add_history_command(sub, commands)
    collect_options = Options()
    _add_collect_command(sub, commands, collect_options)
    commands.add_debug()
    return CommandLine(parser, scan_options.table, collect_options.table)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    return command_line().parser


class _Commands:
    """Makes sub-command parsers and remembers them: each takes ``--debug`` too, added once
    its own options are (so ``--help`` lists it last)."""

    def __init__(self) -> None:
        self.made: list[argparse.ArgumentParser] = []

    def add(self, sub: Any, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        command: argparse.ArgumentParser = sub.add_parser(name, **kwargs)
        self.made.append(command)
        return command

    def add_debug(self) -> None:
        for command in self.made:
            add_debug(command)


def _add_rules_command(sub: Any, commands: _Commands) -> None:
    rules_cmd = commands.add(sub, "rules", help="list the rules, or show one")
    choices = ("text", "markdown")
    rules_cmd.add_argument(
        "--format",
        dest="rules_format",
        choices=choices,
        default="text",
        help="text (a table) or markdown (the catalog page, docs/rules.md)",
    )
    rules_sub = rules_cmd.add_subparsers(dest="rules_command", metavar="ACTION")
    listing = commands.add(rules_sub, "list", help="list every rule (the default)")
    listing.add_argument(
        "--format", dest="rules_format", choices=choices, default=argparse.SUPPRESS
    )
    show = commands.add(rules_sub, "show", help="print one rule's page (Markdown)")
    show.add_argument("rule", metavar="ID", help="rule id, slug or alias")


def _add_suppress_command(sub: Any, commands: _Commands) -> None:
    suppress = commands.add(sub, "suppress", help="append an accountable suppression entry")
    suppress.add_argument("rule", metavar="RULE", help="rule id, slug, alias or glob (AML00*)")
    suppress.add_argument(
        "resource", metavar="RESOURCE", help="resource id, glob, or regex:PATTERN"
    )
    suppress.add_argument("--reason", required=True, help="why the finding is accepted")
    suppress.add_argument("--owner", required=True, help="who answers for it")
    suppress.add_argument("--expires", required=True, metavar="YYYY-MM-DD", help="last day")
    suppress.add_argument("--suppressions", type=Path, metavar="FILE", help="file to append to")
    suppress.add_argument("--max-suppression-days", type=arguments.positive_int, metavar="N")
    suppress.add_argument("--config", type=Path, metavar="FILE", help="config file")


def _add_diff_command(sub: Any, commands: _Commands) -> None:
    diff = commands.add(sub, "diff", help="compare two auditor.json reports: new, fixed, unchanged")
    diff.add_argument("old", type=Path, metavar="OLD.json")
    diff.add_argument("new", type=Path, metavar="NEW.json")
    diff.add_argument(
        "--fail-on",
        type=arguments.fail_on,
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


def _add_verify_command(sub: Any, commands: _Commands) -> None:
    verify = commands.add(
        sub,
        "verify",
        help="check a report against its evidence: every recorded file unchanged (sha256), "
        "and a re-scan as of the report's as_of with its settings gives the same results",
    )
    verify.add_argument("report", type=Path, metavar="REPORT.json")
    verify.add_argument(
        "--snapshot",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="read the report's snapshot folder (in order, one per --snapshot it read; a live "
        "scan's --save-snapshot folder) from here instead of where it was",
    )
    verify.add_argument(
        "--template",
        type=Path,
        action="append",
        default=[],
        metavar="PATH",
        help="read the report's template paths from here instead (in order)",
    )
    verify.add_argument(
        "--rules-dir",
        type=Path,
        action="append",
        default=None,
        metavar="DIR",
        help="the rule folders the scan used, if not the bundled rules",
    )


def _add_merge_command(sub: Any, commands: _Commands) -> None:
    merge = commands.add(
        sub,
        "merge",
        help="combine the auditor.json reports of one `scan --shard K/N` run into one report",
    )
    merge.add_argument("reports", type=Path, nargs="+", metavar="REPORT.json")
    merge.add_argument(
        "-o",
        "--output-dir",
        "--output",
        dest="output_dir",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="folder for the merged reports (default: reports/)",
    )
    merge.add_argument(
        "--format",
        dest="merge_format",
        default="json,html",
        metavar="LIST",
        help="comma list of formats, as for scan (default: json,html)",
    )
    merge.add_argument("--quiet", action="store_true", help="print no summary")


def _add_config_command(sub: Any, commands: _Commands) -> None:
    config = commands.add(sub, "config", help="show the effective scan settings")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    commands.add(
        config_sub,
        "show",
        help="print every scan setting, its value and where it came from; "
        "takes the same options as scan",
    )


def _add_history_command(sub: Any, commands: _Commands) -> None:
    history = commands.add(
        sub, "history", help="the scan history (--history): scans, one finding's timeline, trend"
    )
    history_sub = history.add_subparsers(dest="history_command", metavar="ACTION", required=True)
    actions = {
        "list": commands.add(history_sub, "list", help="the recorded scans, oldest first"),
        "show": commands.add(history_sub, "show", help="one finding's state in every scan"),
        "trend": commands.add(
            history_sub,
            "trend",
            help="per scan: open failures by severity, new / fixed / reopened; mean time to fix "
            "(needs the analysis extra)",
        ),
    }
    actions["show"].add_argument(
        "fingerprint", metavar="FINGERPRINT", help="a finding's fingerprint"
    )
    for action in actions.values():
        action.add_argument(
            "--history",
            metavar="URL",
            help=f"the store (default: the config file's history key, else {DEFAULT_HISTORY_URL})",
        )
        action.add_argument("--config", type=Path, metavar="FILE", help="config file")
        action.add_argument(
            "--since", type=arguments.as_of, metavar="WHEN", help="scans judged at or after this"
        )
        action.add_argument("--subscription", metavar="ID", help="only this subscription")
        action.add_argument("--rule", metavar="ID", help="only this rule (id)")
        action.add_argument(
            "--format",
            dest="history_format",
            choices=("text", "json", "csv"),
            default="text",
            help="text (default), json or csv",
        )


def _add_collect_command(sub: Any, commands: _Commands, options: Options) -> None:
    collect_cmd = commands.add(
        sub, "collect", help="read a tenant live and write a snapshot folder (no rules run)"
    )
    collect_cmd.add_argument(
        "--output", type=Path, required=True, metavar="DIR", help="the snapshot folder to write"
    )
    collect_cmd.add_argument("--quiet", action="store_true", help="print no progress or summary")
    add_live_options(collect_cmd, options, save_snapshot=False)
