"""Command line: parse arguments into a config, call the orchestrator, map errors to exit codes."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import math
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.audit import collect, run
from auditor.collect.live.settings import AUTH_CHOICES, DEFAULT_SCAN_TIMEOUT, LiveSettings
from auditor.commands import add_commands, add_gate_file_options, resolve_scan, run_command
from auditor.config import ScanConfig
from auditor.engine.frameworks import load_framework
from auditor.engine.loader import load_rules
from auditor.engine.selection import split_patterns
from auditor.errors import AuditorError, InputError
from auditor.model import Rule, Severity
from auditor.report.catalog import catalog_page, rule_page
from auditor.report.formats import parse_formats, writers
from auditor.secrets import scrub_text
from auditor.timeutil import Clock, parse_timestamp, utc_now


def _fail_on(text: str) -> Severity | None:
    if text.strip().lower() == "none":
        return None
    try:
        return Severity.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc}, or none") from None


# Day counts beyond a century only overflow date arithmetic; no option needs more.
_MAX_WHOLE = 36_500
# --as-of is moved by day counts up to _MAX_WHOLE either way; keep it far from year 1 / 9999.
_AS_OF_YEARS = range(1900, 9001)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    if value > _MAX_WHOLE:
        raise argparse.ArgumentTypeError(f"must be at most {_MAX_WHOLE}")
    return value


_MAX_TIMEOUT = 7 * 24 * 3600
"""A week: a longer ``--timeout`` is a typo, not a plan."""


def _scan_timeout(text: str) -> float | None:
    """``--timeout``: seconds (a whole or decimal number above 0), or 0 for no limit."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0 or value > _MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(f"must be between 0 (no limit) and {_MAX_TIMEOUT} seconds")
    return value or None


def _as_of(text: str) -> dt.datetime:
    moment = parse_timestamp(text)
    if moment is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date or time")
    if moment.year not in _AS_OF_YEARS:
        raise argparse.ArgumentTypeError(f"{text!r} is outside the years 1900 to 9000")
    return moment


EXIT_BUG = 4
"""An uncaught exception: a bug in auditor, never a verdict on the estate."""
EXIT_CODES = (
    "exit codes: 0 nothing failing and everything assessed; 1 failing findings at or above "
    "--fail-on; 2 usage or input error (the message names the file); 3 incomplete scan "
    "(unknown results or collection errors); 4 a bug in auditor (please report it; --debug "
    "prints the traceback); 130 interrupted."
)
_DEBUG_HELP = "on an internal error (exit 4), print the traceback"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="auditor",
        description="Security compliance auditor for Azure Machine Learning and Azure AI Services.",
        epilog=EXIT_CODES,
    )
    parser.add_argument("--version", action="version", version=f"auditor {__version__}")
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    scan = sub.add_parser("scan", help="scan evidence (or the demo estate) and write reports")
    _add_source_options(scan)
    _add_template_options(scan)
    _add_report_options(scan)
    _add_gate_options(scan)
    _add_rule_options(scan)
    _add_selection_options(scan)
    _add_live_options(scan, save_snapshot=True)
    _add_rules_command(sub)
    add_commands(sub, _fail_on, _positive_int)
    _add_collect_command(sub)
    _add_debug_everywhere(sub)
    return parser


def _add_debug_everywhere(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``--debug`` after any sub-command too; SUPPRESS keeps a global ``--debug`` set."""
    for command in sub.choices.values():
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP
        )
        for action in command._actions:  # argparse has no public list of a parser's actions
            if isinstance(action, argparse._SubParsersAction):
                _add_debug_everywhere(action)


def _add_source_options(scan: argparse.ArgumentParser) -> None:
    source = scan.add_argument_group("what to scan")
    source.add_argument(
        "--snapshot",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="a JSON file or a folder of them (read recursively); repeatable",
    )
    source.add_argument("--demo", action="store_true", help="scan the bundled demo estate")


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key.strip(), value.strip()


def _add_template_options(scan: argparse.ArgumentParser) -> None:
    templates = scan.add_argument_group("templates (scan before deploying)")
    templates.add_argument(
        "--template",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="an ARM template, Bicep file, Azure ML endpoint/deployment YAML, v1 deploy "
        "config or Terraform plan JSON, or a folder of them; repeatable",
    )
    templates.add_argument(
        "--parameters",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="ARM parameters file for the templates (default: <name>.parameters.json beside "
        "each template, else defaultValue); repeatable, later files win",
    )
    templates.add_argument(
        "--template-context",
        action="append",
        type=_key_value,
        default=[],
        metavar="KEY=VALUE",
        help="mock deployment target: subscription_id, resource_group, location, tenant_id, "
        "workspace, deployment_name; repeatable",
    )


def _format_list(text: str) -> str:
    """``--format``/``--stdout`` (and their config keys) checked against the writer registry;
    an InputError passes through argparse, so a bad name is exit 2 with the choices named."""
    parse_formats(text)
    return text


def _add_report_options(scan: argparse.ArgumentParser) -> None:
    out = scan.add_argument_group("reports")
    out.add_argument(
        "-o",
        "--output-dir",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="folder for the reports (default: reports/); '-' streams the one --format to stdout",
    )
    out.add_argument(
        "--format",
        default="json,html",
        metavar="LIST",
        type=_format_list,
        help=f"comma list of {', '.join(writers())} (default: json,html)",
    )
    out.add_argument(
        "--stdout",
        metavar="FORMAT",
        type=_format_list,
        help="stream this one format to standard output and write no files",
    )
    out.add_argument(
        "--include-passed",
        action="store_true",
        help="list passing and not-applicable results in the reports too",
    )
    out.add_argument("--quiet", action="store_true", help="print no summary")


def _add_gate_options(scan: argparse.ArgumentParser) -> None:
    gate = scan.add_argument_group("gate")
    gate.add_argument(
        "--fail-on",
        type=_fail_on,
        default=Severity.LOW,
        metavar="SEVERITY",
        help="exit 1 on failures at or above: critical, high, medium, low (default), info, or none",
    )
    gate.add_argument(
        "--allow-empty",
        action="store_true",
        help="a scan that finds no AI/ML resource is complete, not exit 3",
    )
    add_gate_file_options(gate, _positive_int)


def _add_rule_options(scan: argparse.ArgumentParser) -> None:
    rules = scan.add_argument_group("rules")
    rules.add_argument(
        "--key-max-age-days",
        type=_positive_int,
        default=90,
        metavar="N",
        help="keys not regenerated within N days fail AIS002/AML002 (default 90)",
    )
    rules.add_argument(
        "--as-of",
        type=_as_of,
        metavar="WHEN",
        help="judge as of this ISO 8601 date/time instead of now",
    )
    rules.add_argument(
        "--rules-dir",
        type=Path,
        action="append",
        metavar="DIR",
        help="load rules from this folder instead of the bundled ones; repeatable",
    )


def _add_selection_options(scan: argparse.ArgumentParser) -> None:
    selection = scan.add_argument_group(
        "rule selection",
        "PATTERN: rule id, slug or alias; a glob (AML*); severity:high (exactly) or "
        "severity:medium+ (at or above); tag:NAME. Opt-in rules (AIS006) run only when "
        "--select names them by id or slug.",
    )
    selection.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="PATTERNS",
        help="run only rules matching these comma-separated patterns; repeatable",
    )
    selection.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="PATTERNS",
        help="skip rules matching these comma-separated patterns; repeatable",
    )


def _add_live_options(parser: argparse.ArgumentParser, save_snapshot: bool) -> None:
    live = parser.add_argument_group(
        "live scan (no --snapshot, --template or --demo: read the tenant through the Azure SDK)"
    )
    live.add_argument(
        "--subscription",
        action="append",
        default=[],
        metavar="ID",
        help="subscription to scan; repeatable (default: every one the credential sees)",
    )
    live.add_argument(
        "--auth",
        choices=AUTH_CHOICES,
        default="default",
        help="credential: DefaultAzureCredential (default), Azure CLI, managed identity, "
        "workload identity, environment variables, or a token in AUDITOR_ACCESS_TOKEN",
    )
    live.add_argument("--client-id", metavar="ID", help="client id of a user-assigned identity")
    live.add_argument("--tenant-id", metavar="ID", help="tenant for the cli / workload credential")
    live.add_argument(
        "--arm-endpoint",
        metavar="URL",
        help="ARM endpoint for sovereign clouds, Azure Stack or an emulator "
        "(default: $AUDITOR_ARM_ENDPOINT or https://management.azure.com)",
    )
    live.add_argument(
        "--concurrency",
        type=_positive_int,
        default=8,
        metavar="N",
        help="requests in flight at once (default 8)",
    )
    live.add_argument(
        "--timeout",
        type=_scan_timeout,
        default=DEFAULT_SCAN_TIMEOUT,
        metavar="SECONDS",
        help="end collection after this long; what was not read by then is listed as "
        f"collection errors (exit 3). 0: no limit (default {DEFAULT_SCAN_TIMEOUT:g})",
    )
    if save_snapshot:
        live.add_argument(
            "--save-snapshot",
            type=Path,
            metavar="DIR",
            help="also write what the live scan read as a snapshot folder (redacted)",
        )


def _add_collect_command(sub: Any) -> None:
    collect_cmd = sub.add_parser(
        "collect", help="read a tenant live and write a snapshot folder (no rules run)"
    )
    collect_cmd.add_argument(
        "--output", type=Path, required=True, metavar="DIR", help="the snapshot folder to write"
    )
    collect_cmd.add_argument("--quiet", action="store_true", help="print no progress or summary")
    _add_live_options(collect_cmd, save_snapshot=False)


def _live_settings(args: argparse.Namespace) -> LiveSettings:
    return LiveSettings(
        subscriptions=tuple(args.subscription),
        auth=args.auth,
        client_id=args.client_id,
        tenant_id=args.tenant_id,
        arm_endpoint=args.arm_endpoint,
        concurrency=args.concurrency,
        timeout=args.timeout,
    )


def _add_rules_command(sub: Any) -> None:
    rules_cmd = sub.add_parser("rules", help="list the rules, or show one")
    choices = ("text", "markdown")
    rules_cmd.add_argument(
        "--format",
        dest="rules_format",
        choices=choices,
        default="text",
        help="text (a table) or markdown (the catalog page, docs/rules.md)",
    )
    rules_sub = rules_cmd.add_subparsers(dest="rules_command", metavar="ACTION")
    listing = rules_sub.add_parser("list", help="list every rule (the default)")
    listing.add_argument(
        "--format", dest="rules_format", choices=choices, default=argparse.SUPPRESS
    )
    show = rules_sub.add_parser("show", help="print one rule's page (Markdown)")
    show.add_argument("rule", metavar="ID", help="rule id, slug or alias")


def _output(args: argparse.Namespace, sources: Mapping[str, str]) -> tuple[list[str], bool]:
    """The formats to render and whether they go to stdout (``--stdout F`` or ``-o -``).

    ``--stdout`` with ``--format`` or ``-o DIR`` would silently drop one of them: exit 2."""
    if args.stdout:
        for dest, option in (("format", "--format"), ("output_dir", "--output-dir/-o")):
            if sources.get(dest) == "CLI" and not (dest == "output_dir" and _is_dash(args)):
                raise InputError(
                    f"--stdout {args.stdout} writes one format to standard output and no files: "
                    f"it cannot go with {option}"
                )
        formats = parse_formats(args.stdout)
    else:
        formats = parse_formats(args.format)
        if str(args.output_dir) != "-":
            return formats, False
    if len(formats) != 1:
        raise InputError("standard output takes exactly one format (e.g. --stdout sarif)")
    return formats, True


def _is_dash(args: argparse.Namespace) -> bool:
    return str(args.output_dir) == "-"


def _scan_config(
    args: argparse.Namespace, clock: Clock, sources: Mapping[str, str] | None = None
) -> ScanConfig:
    formats, to_stdout = _output(args, sources or {})
    live = not (args.snapshot or args.demo or getattr(args, "template", None))
    if args.save_snapshot and not live:
        raise InputError("--save-snapshot saves a live scan; it cannot go with other sources")
    return ScanConfig(
        live=_live_settings(args) if live else None,
        save_snapshot=args.save_snapshot,
        snapshots=tuple(args.snapshot),
        demo=args.demo,
        templates=tuple(args.template),
        template_parameters=tuple(args.parameters),
        template_context=dict(args.template_context),
        output_dir=args.output_dir,
        formats=tuple(formats),
        stdout=to_stdout,
        baseline=args.baseline,
        fail_on_new_only=args.fail_on_new_only,
        suppressions=args.suppressions,
        max_suppression_days=args.max_suppression_days,
        fail_on=args.fail_on,
        include_passed=args.include_passed,
        key_max_age_days=args.key_max_age_days,
        as_of=args.as_of,
        clock=clock,
        allow_empty=args.allow_empty,
        rules_dirs=tuple(args.rules_dir) if args.rules_dir else None,
        quiet=args.quiet,
        select=split_patterns(args.select),
        ignore=split_patterns(args.ignore),
    )


def find_rule(rules: Sequence[Rule], name: str) -> Rule:
    """A rule by id, slug or alias, case-insensitively."""
    wanted = name.strip().lower()
    for rule in rules:
        if wanted in {rule.id.lower(), rule.slug, *(a.lower() for a in rule.aliases)}:
            return rule
    raise InputError(f"no rule {name!r} (see `auditor rules`)")


def _rules_command(args: argparse.Namespace) -> int:
    rules = load_rules()
    if args.rules_command == "show":
        print(rule_page(find_rule(rules, args.rule)), end="")
        return 0
    if args.rules_format == "markdown":
        print(catalog_page(rules, load_framework()), end="")
        return 0
    width = max(len(r.slug) for r in rules)
    for rule in rules:
        opt_in = "  (opt-in)" if not rule.default_enabled else ""
        print(f"{rule.id:<8} {rule.slug:<{width}}  {rule.severity.value:<8}  {rule.title}{opt_in}")
    return 0


_PACKAGE = Path(__file__).resolve().parent


def _raised_at(exc: BaseException) -> str:
    """`` in auditor/x.py:12 (function)``: the innermost frame of this package, else the last."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(_PACKAGE)]
    if not frames:
        return ""
    frame = (ours or frames)[-1]
    path = Path(frame.filename).resolve()
    where = (
        f"{_PACKAGE.name}/{path.relative_to(_PACKAGE).as_posix()}"
        if path.is_relative_to(_PACKAGE)
        else path.name
    )
    return f" in {where}:{frame.lineno} ({frame.name})"


def _report_bug(exc: BaseException, debug: bool) -> int:
    """One line naming the exception's type and where it was raised, never its text (it may
    hold a value from the input, a secret among them); the traceback only under ``--debug``."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    hint = "" if debug else "; run again with --debug for the traceback"
    print(
        f"auditor: internal error: {type(exc).__name__}{_raised_at(exc)}. This is a bug in "
        f"auditor, not a verdict on your estate: please report it with the command you ran{hint}",
        file=sys.stderr,
    )
    return EXIT_BUG


def _wants_debug(argv: Sequence[str]) -> bool:
    return "--debug" in argv[: argv.index("--")] if "--" in argv else "--debug" in argv


def main(argv: Sequence[str] | None = None, clock: Clock = utc_now) -> int:
    """Entry point of the ``auditor`` command; returns the exit code.

    ``clock`` is where "now" comes from (tests run the CLI at other moments through it).
    An exception that is not an :class:`AuditorError` is a bug: exit 4, not a traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _sdk_logs(shown=_wants_debug(argv))
    try:
        return _dispatch(argv, clock)
    except AuditorError as exc:
        print(f"auditor: error: {scrub_text(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("auditor: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of --stdout went away (`| head`): not a bug; stop as the shell's SIGPIPE would.
        return 141
    except Exception as exc:
        return _report_bug(exc, _wants_debug(argv))


def _sdk_logs(shown: bool) -> None:
    """The Azure SDKs log each failed credential attempt as a warning (fifteen lines for
    DefaultAzureCredential); the scan reports the failure once itself, so they show only
    under --debug."""
    azure = logging.getLogger("azure")
    azure.propagate = shown
    if shown:
        azure.removeHandler(_QUIET)
    else:
        azure.addHandler(_QUIET)  # no handler at all would let logging's last resort print


_QUIET = logging.NullHandler()


def _dispatch(argv: list[str], clock: Clock) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "config":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "scan":
        scan_argv = argv[argv.index("scan") + 1 :]
        resolved = resolve_scan(parser, args, scan_argv)
        return run(_scan_config(resolved.args, clock, resolved.sources))
    if args.command == "rules":
        return _rules_command(args)
    if args.command == "collect":
        config = ScanConfig(live=_live_settings(args), quiet=args.quiet, clock=clock)
        return collect(config, args.output)
    if args.command in ("suppress", "diff", "config"):
        return run_command(parser, args, extra, clock)
    raise InputError(f"unknown command {args.command!r}")
