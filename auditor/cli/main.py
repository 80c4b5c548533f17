"""The ``auditor`` command: parse arguments, call the orchestrator, map errors to exit codes."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from auditor import commands, digests
from auditor.audit import collect, run
from auditor.cli.parser import CommandLine, command_line
from auditor.cli.scan_options import scan_parser
from auditor.collect.live.settings import LiveSettings
from auditor.config import LogAnalyticsTarget, ScanConfig
from auditor.configfile import Option, Resolved, resolve, show_text
from auditor.engine.loader import load_rules
from auditor.engine.parameters import Given, Setting, settings
from auditor.engine.selection import split_patterns
from auditor.errors import AuditorError, InputError
from auditor.history import DEFAULT_URL as DEFAULT_HISTORY_URL
from auditor.report.formats import parse_formats
from auditor.secrets import scrub_text
from auditor.suppress import DEFAULT_PATH
from auditor.timeutil import Clock, utc_now
from auditor.verify import verify

EXIT_BUG = 4
"""An uncaught exception: a bug in auditor, never a verdict on the estate."""


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


def _dispatch(argv: list[str], clock: Clock) -> int:
    cli = command_line()
    args, extra = cli.parser.parse_known_args(argv)
    if extra and args.command != "config":
        cli.parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "scan":
        with digests.recording() as config_file:
            resolved = _resolve(cli.scan, args, getattr(args, "config", None))
        config = scan_config(resolved.values, clock, resolved.sources, resolved.parameters)
        # Only the file whose settings were used: a pyproject.toml without [tool.auditor] is not.
        used = str(resolved.config.path) if resolved.config else None
        read = {path: digest for path, digest in config_file.files.items() if path == used}
        return run(dataclasses.replace(config, read_before=read))
    if args.command == "rules":
        show = args.rule if args.rules_command == "show" else None
        return commands.rules(show, markdown=args.rules_format == "markdown")
    if args.command == "frameworks":
        return commands.frameworks()
    if args.command == "collect":
        live = {dest: getattr(args, dest, option.default) for dest, option in cli.collect.items()}
        config = ScanConfig(live=_live_settings(live), quiet=args.quiet, clock=clock)
        return collect(config, args.output)
    if args.command == "suppress":
        return _suppress(cli, args, clock)
    if args.command == "diff":
        return commands.diff(args.old, args.new, args.fail_on, args.output_dir, args.quiet)
    if args.command == "verify":
        return verify(args.report, args.snapshot, args.template, args.rules_dir)
    if args.command == "merge":
        formats = parse_formats(args.merge_format)
        return commands.merge(args.reports, args.output_dir, formats, args.quiet)
    if args.command == "history":
        return _history(cli, args)
    if args.command == "config":  # `config show` takes the scan options, parsed as scan's
        parser, options = scan_parser()
        given = parser.parse_args(extra)
        resolved = _resolve(options.table, given, getattr(given, "config", None))
        print(show_text(resolved, _parameters(resolved)))
        return 0
    raise InputError(f"unknown command {args.command!r}")


def _resolve(
    options: Mapping[str, Option], args: argparse.Namespace, config: Path | None
) -> Resolved:
    """The scan settings: the command line, else the config file, else the defaults."""
    given = {dest: value for dest, value in vars(args).items() if dest in options}
    return resolve(options, given, config, Path.cwd())


def _parameters(resolved: Resolved) -> dict[str, dict[str, Setting]]:
    """The parameters of every rule with any, as a scan with these settings would use them."""
    values = resolved.values
    dirs = tuple(values["rules_dir"]) if values["rules_dir"] else None
    chosen = settings(load_rules(dirs), resolved.parameters, _key_max_age(values, resolved.sources))
    return {rule_id: by_name for rule_id, by_name in chosen.items() if by_name}


def _key_max_age(values: Mapping[str, Any], sources: Mapping[str, str]) -> int | None:
    """``--key-max-age-days`` when given (command line or config key): it then sets the
    rules' parameter; left at its default, the ``[parameters]`` tables or the rules decide."""
    if sources.get("key_max_age_days", "default") == "default":
        return None
    value: int = values["key_max_age_days"]
    return value


def _suppress(cli: CommandLine, args: argparse.Namespace, clock: Clock) -> int:
    """The file and horizon come from the command line, else the config file a scan reads."""
    settings = _resolve(cli.scan, argparse.Namespace(), args.config).values
    fields = {k: getattr(args, k) for k in ("rule", "resource", "reason", "owner", "expires")}
    return commands.suppress(
        fields,
        path=args.suppressions or settings["suppressions"] or DEFAULT_PATH,
        max_days=args.max_suppression_days or settings["max_suppression_days"],
        rules_dirs=settings["rules_dir"],
        today=clock().date(),
    )


def _history(cli: CommandLine, args: argparse.Namespace) -> int:
    """The store comes from ``--history``, else the config file's ``history`` key, else the
    default SQLite file."""
    from auditor.history import views  # SQLAlchemy (and pandas for trend) only when used

    settings = _resolve(cli.scan, argparse.Namespace(), args.config).values
    url = args.history or settings["history"] or DEFAULT_HISTORY_URL
    filters = views.Filters(since=args.since, subscription=args.subscription, rule=args.rule)
    store = views.open_existing(url)
    try:
        if args.history_command == "list":
            text = views.list_scans(store, filters, args.history_format)
        elif args.history_command == "show":
            text = views.show_finding(store, args.fingerprint, filters, args.history_format)
        else:
            text = views.show_trend(store, filters, args.history_format)
    finally:
        store.close()
    sys.stdout.write(text)
    return 0


def _live_settings(values: Mapping[str, Any]) -> LiveSettings:
    return LiveSettings(
        subscriptions=tuple(values["subscription"]),
        auth=values["auth"],
        client_id=values["client_id"],
        tenant_id=values["tenant_id"],
        arm_endpoint=values["arm_endpoint"],
        concurrency=values["concurrency"],
        timeout=values["timeout"],
        diagnostic_settings=not values["no_diagnostic_settings"],
        management_groups=tuple(values["management_group"]),
        exclude_subscriptions=tuple(values["exclude_subscription"]),
        exclude_management_groups=tuple(values["exclude_management_group"]),
        shard=values.get("shard"),
        collector=values.get("collector") or "graph",
    )


def _output(values: Mapping[str, Any], sources: Mapping[str, str]) -> tuple[list[str], bool]:
    """The formats to render and whether they go to stdout (``--stdout F`` or ``-o -``).

    ``--stdout`` with ``--format`` or ``-o DIR`` would silently drop one of them: exit 2."""
    dash = str(values["output_dir"]) == "-"
    if values["stdout"]:
        for dest, option in (("format", "--format"), ("output_dir", "--output-dir/-o")):
            if sources.get(dest) == "CLI" and not (dest == "output_dir" and dash):
                raise InputError(
                    f"--stdout {values['stdout']} writes one format to standard output and no "
                    f"files: it cannot go with {option}"
                )
        formats = parse_formats(values["stdout"])
    else:
        formats = parse_formats(values["format"])
        if not dash:
            return formats, False
    if len(formats) != 1:
        raise InputError("standard output takes exactly one format (e.g. --stdout sarif)")
    return formats, True


def scan_config(
    values: Mapping[str, Any],
    clock: Clock,
    sources: Mapping[str, str] | None = None,
    parameters: Given | None = None,
) -> ScanConfig:
    """The :class:`ScanConfig` of resolved scan settings (destination -> value)."""
    formats, to_stdout = _output(values, sources or {})
    live = not (values["snapshot"] or values["demo"] or values["template"])
    if values["save_snapshot"] and not live:
        raise InputError("--save-snapshot saves a live scan; it cannot go with other sources")
    return ScanConfig(
        live=_live_settings(values) if live else None,
        save_snapshot=values["save_snapshot"],
        snapshots=tuple(values["snapshot"]),
        demo=values["demo"],
        templates=tuple(values["template"]),
        template_parameters=tuple(values["parameters"]),
        template_context=dict(values["template_context"]),
        output_dir=values["output_dir"],
        formats=tuple(formats),
        stdout=to_stdout,
        baseline=values["baseline"],
        fail_on_new_only=values["fail_on_new_only"],
        suppressions=values["suppressions"],
        max_suppression_days=values["max_suppression_days"],
        fail_on=values["fail_on"],
        rule_set=values["rule_set"],
        include_passed=values["include_passed"],
        key_max_age_days=_key_max_age(values, sources or {}),
        parameters=parameters,
        as_of=values["as_of"],
        clock=clock,
        allow_empty=values["allow_empty"],
        jobs=values["jobs"],
        rules_dirs=tuple(values["rules_dir"]) if values["rules_dir"] else None,
        quiet=values["quiet"],
        select=split_patterns(values["select"]),
        ignore=split_patterns(values["ignore"]),
        frameworks=tuple(values["framework"]),
        log_analytics=_log_analytics(values),
        shard=values["shard"],
        history=values["history"],
        sla_days=dict(values["sla_days"]),
        fail_on_overdue=values["fail_on_overdue"],
    )


def _log_analytics(values: Mapping[str, Any]) -> LogAnalyticsTarget | None:
    """``--export log-analytics`` with its endpoint, rule and stream, checked before the scan."""
    if values["export"] is None:
        if values["dce"] or values["dcr_id"]:
            raise InputError("--dce and --dcr-id go with --export log-analytics")
        return None
    if not values["dce"] or not values["dcr_id"]:
        raise InputError(
            "--export log-analytics needs --dce URL and --dcr-id ID (or the config keys dce "
            "and dcr_id)"
        )
    endpoint = str(values["dce"]).strip().rstrip("/")
    if urlsplit(endpoint).scheme != "https" or not urlsplit(endpoint).hostname:
        raise InputError(f"--dce must be an https:// URL, not {endpoint!r}")
    return LogAnalyticsTarget(
        endpoint=endpoint,
        rule_id=str(values["dcr_id"]).strip(),
        stream=str(values["stream"]).strip(),
        credentials=_live_settings(values),
    )


_PACKAGE = Path(__file__).resolve().parent.parent


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
