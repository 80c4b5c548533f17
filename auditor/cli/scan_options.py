"""The ``scan`` options (also ``collect``'s live options), declared once for the parser and the
config file.

Every option is added with no argparse default, so a parsed namespace holds only what the
command line itself said; its default, converter and shape are kept as a
:class:`~auditor.configfile.Option`, from which :func:`auditor.configfile.resolve` applies the
precedence command line > config file > default explicitly.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Protocol

from auditor.cli import arguments
from auditor.collect.live.settings import AUTH_CHOICES, COLLECTORS, DEFAULT_SCAN_TIMEOUT
from auditor.configfile import Option
from auditor.engine.frameworks import framework_name
from auditor.history import DEFAULT_URL as DEFAULT_HISTORY_URL
from auditor.model import Severity
from auditor.report.formats import parse_formats, writers
from auditor.shard import Shard
from auditor.suppress import DEFAULT_MAX_DAYS, DEFAULT_PATH

LOG_ANALYTICS_STREAM = "Custom-AuditorFindings_CL"
DEBUG_HELP = "on an internal error (exit 4), print the traceback"


class Group(Protocol):
    """Where options go: a parser or one of its argument groups (``add_argument_group``)."""

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action: ...


class Options:
    """Adds options to a parser with no default and keeps each one's :class:`Option`."""

    def __init__(self) -> None:
        self.table: dict[str, Option] = {}
        """Destination -> its declaration, in the order the options were added."""

    def add(self, group: Group, *flags: str, default: Any = None, **kwargs: Any) -> None:
        """``group.add_argument(*flags, **kwargs)``, recording ``default`` instead of passing it."""
        dest = kwargs.setdefault("dest", flags[-1].lstrip("-").replace("-", "_"))
        table = kwargs.pop("table", False)
        group.add_argument(*flags, default=argparse.SUPPRESS, **kwargs)
        choices = kwargs.get("choices")
        self.table[dest] = Option(
            dest,
            default=default,
            convert=kwargs.get("type"),
            repeatable=kwargs.get("action") == "append",
            flag=kwargs.get("action") == "store_true",
            choices=tuple(choices) if choices is not None else None,
            table=table,
        )


def add_scan_options(scan: argparse.ArgumentParser, options: Options) -> None:
    """Every option of ``auditor scan`` (``config show`` parses the same ones)."""
    _add_source_options(scan, options)
    _add_template_options(scan, options)
    _add_report_options(scan, options)
    _add_gate_options(scan, options)
    _add_rule_options(scan, options)
    _add_selection_options(scan, options)
    _add_framework_options(scan, options)
    _add_export_options(scan, options)
    _add_history_options(scan, options)
    add_live_options(scan, options, save_snapshot=True)


def _add_export_options(scan: argparse.ArgumentParser, options: Options) -> None:
    export = scan.add_argument_group(
        "export (send every result to Log Analytics; credential: the live scan's --auth)"
    )
    options.add(
        export,
        "--export",
        choices=("log-analytics",),
        help="log-analytics: one row per result in a custom table, through the Logs Ingestion "
        "API (docs/log-analytics.md); a failed export is an error entry and exit 3",
    )
    options.add(
        export,
        "--dce",
        metavar="URL",
        help="the data collection endpoint's logs ingestion URL (https://....ingest.monitor.azure.com)",
    )
    options.add(
        export, "--dcr-id", metavar="ID", help="the data collection rule's immutable id (dcr-...)"
    )
    options.add(
        export,
        "--stream",
        default=LOG_ANALYTICS_STREAM,
        metavar="NAME",
        help=f"the stream the data collection rule declares (default {LOG_ANALYTICS_STREAM})",
    )


def _add_source_options(scan: argparse.ArgumentParser, options: Options) -> None:
    source = scan.add_argument_group("what to scan")
    options.add(
        source,
        "--snapshot",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="a JSON file or a folder of them (read recursively); repeatable",
    )
    options.add(
        source, "--demo", action="store_true", default=False, help="scan the bundled demo estate"
    )
    options.add(
        source,
        "--shard",
        type=Shard.parse,
        metavar="K/N",
        help="scan only shard K of N of the subscriptions (a stable hash of each id; live or "
        "snapshot); combine the N reports with `auditor merge`",
    )


def _add_template_options(scan: argparse.ArgumentParser, options: Options) -> None:
    templates = scan.add_argument_group("templates (scan before deploying)")
    options.add(
        templates,
        "--template",
        action="append",
        type=Path,
        default=[],
        metavar="PATH",
        help="an ARM template, Bicep file, Azure ML endpoint/deployment YAML, v1 deploy "
        "config or Terraform plan JSON, or a folder of them; repeatable",
    )
    options.add(
        templates,
        "--parameters",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="ARM parameters file for the templates (default: <name>.parameters.json beside "
        "each template, else defaultValue); repeatable, later files win",
    )
    options.add(
        templates,
        "--template-context",
        action="append",
        type=arguments.key_value,
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


def _add_report_options(scan: argparse.ArgumentParser, options: Options) -> None:
    out = scan.add_argument_group("reports")
    options.add(
        out,
        "-o",
        "--output-dir",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="folder for the reports (default: reports/); '-' streams the one --format to stdout",
    )
    options.add(
        out,
        "--format",
        default="json,html",
        metavar="LIST",
        type=_format_list,
        help=f"comma list of {', '.join(writers())} (default: json,html)",
    )
    options.add(
        out,
        "--stdout",
        metavar="FORMAT",
        type=_format_list,
        help="stream this one format to standard output and write no files",
    )
    options.add(
        out,
        "--include-passed",
        action="store_true",
        default=False,
        help="list passing and not-applicable results in the reports too",
    )
    options.add(out, "--quiet", action="store_true", default=False, help="print no summary")


def _add_gate_options(scan: argparse.ArgumentParser, options: Options) -> None:
    gate = scan.add_argument_group("gate")
    options.add(
        gate,
        "--fail-on",
        type=arguments.fail_on,
        default=Severity.LOW,
        metavar="SEVERITY",
        help="exit 1 on failures at or above: critical, high, medium, low (default), info, or none",
    )
    options.add(
        gate,
        "--rule-set",
        type=arguments.release,
        metavar="VERSION",
        help="gate on the rules of this release only (e.g. 0.1.0): newer or changed rules still "
        "run and report, but do not change the exit code until the pin moves",
    )
    options.add(
        gate,
        "--allow-empty",
        action="store_true",
        default=False,
        help="a scan that finds no AI/ML resource is complete, not exit 3",
    )
    options.add(
        gate,
        "--baseline",
        type=Path,
        metavar="OLD.json",
        help="an earlier auditor.json: mark findings new or existing and list fixed ones",
    )
    options.add(
        gate,
        "--fail-on-new-only",
        action="store_true",
        default=False,
        help="with --baseline: exit 1 only on failures the baseline does not hold",
    )
    options.add(
        gate,
        "--suppressions",
        type=Path,
        metavar="FILE",
        help=f"suppressions file (default: {DEFAULT_PATH} when it exists)",
    )
    options.add(
        gate,
        "--max-suppression-days",
        type=arguments.positive_int,
        default=DEFAULT_MAX_DAYS,
        metavar="N",
        help=f"a suppression may expire at most N days ahead (default {DEFAULT_MAX_DAYS})",
    )
    options.add(
        gate,
        "--config",
        type=Path,
        metavar="FILE",
        help="config file (default: auditor.toml, or [tool.auditor] in pyproject.toml)",
    )


def _add_rule_options(scan: argparse.ArgumentParser, options: Options) -> None:
    rules = scan.add_argument_group("rules")
    options.add(
        rules,
        "--key-max-age-days",
        type=arguments.positive_int,
        default=90,
        metavar="N",
        help="keys not regenerated within N days fail AIS002/AML002 (default 90)",
    )
    options.add(
        rules,
        "--as-of",
        type=arguments.as_of,
        metavar="WHEN",
        help="judge as of this ISO 8601 date/time instead of now",
    )
    options.add(
        rules,
        "--jobs",
        type=arguments.positive_int,
        metavar="N",
        help="judge the rules in N worker processes (default: one per core from 5,000 "
        "resources; 1 judges in-process). Results are the same either way",
    )
    options.add(
        rules,
        "--rules-dir",
        type=Path,
        action="append",
        metavar="DIR",
        help="load rules from this folder instead of the bundled ones; repeatable",
    )


def _add_selection_options(scan: argparse.ArgumentParser, options: Options) -> None:
    selection = scan.add_argument_group(
        "rule selection",
        "PATTERN: rule id, slug or alias; a glob (AML*); severity:high (exactly) or "
        "severity:medium+ (at or above); tag:NAME. Opt-in rules (AIS006, AIS011, AIS012) run "
        "only when --select names them by id or slug.",
    )
    options.add(
        selection,
        "--select",
        action="append",
        default=[],
        metavar="PATTERNS",
        help="run only rules matching these comma-separated patterns; repeatable",
    )
    options.add(
        selection,
        "--ignore",
        action="append",
        default=[],
        metavar="PATTERNS",
        help="skip rules matching these comma-separated patterns; repeatable",
    )


def _add_framework_options(scan: argparse.ArgumentParser, options: Options) -> None:
    compliance = scan.add_argument_group("compliance views")
    options.add(
        compliance,
        "--framework",
        action="append",
        default=[],
        metavar="NAME",
        type=framework_name,
        help="carry this framework's compliance view in the reports (auditor frameworks lists "
        "them); repeatable; default: every shipped framework",
    )


def _add_history_options(scan: argparse.ArgumentParser, options: Options) -> None:
    history = scan.add_argument_group("history (finding age, SLAs; see `auditor history`)")
    options.add(
        history,
        "--history",
        nargs="?",
        const=DEFAULT_HISTORY_URL,
        type=arguments.history_url,
        metavar="URL",
        help="record the scan and give each finding first/last seen, age and reopened: "
        f"sqlite:///PATH or postgresql://USER@HOST/DB (alone: {DEFAULT_HISTORY_URL})",
    )
    options.add(
        history,
        "--sla-days",
        type=arguments.sla_days,
        default={},
        table=True,
        metavar="SEV=DAYS,...",
        help="days a failing finding may stay open, per severity (critical=7,high=30): older "
        "ones are marked overdue; the config file takes a table",
    )
    options.add(
        history,
        "--fail-on-overdue",
        action="store_true",
        default=False,
        help="with --history and --sla-days: exit 1 only on failures past their SLA",
    )


def add_live_options(
    parser: argparse.ArgumentParser, options: Options, save_snapshot: bool
) -> None:
    """The live-scan options (``scan`` and ``collect``)."""
    live = parser.add_argument_group(
        "live scan (no --snapshot, --template or --demo: read the tenant through the Azure SDK)"
    )
    options.add(
        live,
        "--subscription",
        action="append",
        default=[],
        metavar="ID",
        help="subscription to scan; repeatable (default: every one the credential sees)",
    )
    options.add(
        live,
        "--management-group",
        action="append",
        default=[],
        metavar="ID",
        help="scan every subscription below this management group, nested groups included "
        "(with --subscription: both); repeatable",
    )
    options.add(
        live,
        "--exclude-subscription",
        action="append",
        default=[],
        metavar="ID|GLOB",
        help="never scan subscriptions whose id or display name matches (fnmatch glob, any "
        "letter case); repeatable",
    )
    options.add(
        live,
        "--exclude-management-group",
        action="append",
        default=[],
        metavar="ID",
        help="never scan a subscription below this management group; repeatable",
    )
    options.add(
        live,
        "--auth",
        choices=AUTH_CHOICES,
        default="default",
        help="credential: DefaultAzureCredential (default), Azure CLI, managed identity, "
        "workload identity, environment variables, or a token in AUDITOR_ACCESS_TOKEN",
    )
    options.add(live, "--client-id", metavar="ID", help="client id of a user-assigned identity")
    options.add(live, "--tenant-id", metavar="ID", help="tenant for the cli / workload credential")
    options.add(
        live,
        "--arm-endpoint",
        metavar="URL",
        help="ARM endpoint for sovereign clouds, Azure Stack or an emulator "
        "(default: $AUDITOR_ARM_ENDPOINT or https://management.azure.com)",
    )
    options.add(
        live,
        "--concurrency",
        type=arguments.positive_int,
        default=8,
        metavar="N",
        help="requests in flight at once (default 8)",
    )
    options.add(
        live,
        "--timeout",
        type=arguments.scan_timeout,
        default=DEFAULT_SCAN_TIMEOUT,
        metavar="SECONDS",
        help="end collection after this long; what was not read by then is listed as "
        f"collection errors (exit 3). 0: no limit (default {DEFAULT_SCAN_TIMEOUT:g})",
    )
    options.add(
        live,
        "--no-diagnostic-settings",
        action="store_true",
        default=False,
        help="skip the diagnostic settings of accounts, workspaces, endpoints and registries "
        "(one request per resource): the diagnostic-log rules are then unknown",
    )
    options.add(
        live,
        "--collector",
        choices=COLLECTORS,
        default="graph",
        help="graph (default): read the types Azure Resource Graph indexes with one query per "
        "1,000 subscriptions, the rest as ARM lists; arm: every type as ARM lists",
    )
    if save_snapshot:
        options.add(
            live,
            "--save-snapshot",
            type=Path,
            metavar="DIR",
            help="also write what the live scan read as a snapshot folder (redacted)",
        )


def add_debug(parser: argparse.ArgumentParser) -> None:
    """``--debug`` after a sub-command too; SUPPRESS keeps a global ``--debug`` set."""
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)


def scan_parser(prog: str = "auditor scan") -> tuple[argparse.ArgumentParser, Options]:
    """A parser of the scan options alone (``config show`` and ``suppress`` read them)."""
    parser = argparse.ArgumentParser(prog=prog)
    options = Options()
    add_scan_options(parser, options)
    add_debug(parser)
    return parser, options
