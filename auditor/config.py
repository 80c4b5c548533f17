"""The settings of one scan, built by the CLI (or a test) for :func:`auditor.audit.run`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from auditor.collect.live.settings import LiveSettings
from auditor.engine.parameters import Given
from auditor.model import Severity
from auditor.shard import Shard
from auditor.timeutil import Clock, utc_now


@dataclass(frozen=True)
class LogAnalyticsTarget:
    """Where ``--export log-analytics`` sends the results (the Logs Ingestion API)."""

    endpoint: str
    """The data collection endpoint's logs ingestion URL (``--dce``), https."""
    rule_id: str
    """The data collection rule's immutable id, ``dcr-...`` (``--dcr-id``)."""
    stream: str
    """The stream the rule declares, ``Custom-AuditorFindings_CL`` (``--stream``)."""
    credentials: LiveSettings | None = None
    """The credential options (``--auth``, ``--client-id``, ``--tenant-id``), as live scans."""


@dataclass(frozen=True)
class ScanConfig:
    """Everything ``auditor scan`` needs to know."""

    snapshots: Sequence[Path] = ()
    """Snapshot files or folders to read (``--snapshot``)."""
    demo: bool = False
    """Scan the bundled demo estate (``--demo``)."""
    templates: Sequence[Path] = ()
    """Templates/specs (files or folders) to judge before deploying (``--template``)."""
    template_parameters: Sequence[Path] = ()
    """ARM parameters files for the templates (``--parameters``); later ones win."""
    template_context: Mapping[str, str] = field(default_factory=dict)
    """The mock deployment target of templates (``--template-context KEY=VALUE``)."""
    output_dir: Path = Path("reports")
    formats: Sequence[str] = ("json", "html")
    """Format names of the writer registry (``auditor.report.formats``), checked by the CLI."""
    stdout: bool = False
    """Stream the one format to standard output instead of writing files."""
    baseline: Path | None = None
    """An earlier auditor.json to mark findings new or existing against."""
    fail_on_new_only: bool = False
    """Gate only on failures the baseline does not hold (needs ``baseline``)."""
    suppressions: Path | None = None
    """Suppressions file; None means ``.auditor/suppressions.yaml`` when it exists."""
    max_suppression_days: int = 180
    """How far ahead a suppression may expire."""
    fail_on: Severity | None = Severity.LOW
    """Lowest failing severity that fails the gate; None never fails on findings."""
    rule_set: str | None = None
    """Gate on the rules of this release only (``--rule-set 0.1.0``); None gates on all."""
    include_passed: bool = False
    """List passing and not-applicable results in the report too; without it passing results
    carry no evidence (:func:`auditor.engine.evaluate.evaluate`), as no report shows it."""
    key_max_age_days: int | None = None
    """``--key-max-age-days``: sets ``key_max_age_days`` of every rule that declares it
    (AIS002, AML002) over ``parameters``; None leaves it to them or the rules' defaults."""
    parameters: Given | None = None
    """Rule parameters from the config file (``[parameters.AIS002]``), checked when the
    rules are loaded."""
    as_of: dt.datetime | None = None
    """Judge as of this moment instead of now (re-checking old evidence)."""
    clock: Clock = utc_now
    """Where "now" comes from: the report's timestamps, and ``as_of`` when none is given."""
    allow_empty: bool = False
    """Do not treat a scan that found no AI/ML resource as incomplete."""
    jobs: int | None = None
    """Worker processes that judge the rules (``--jobs``); None: one per core from 5,000
    resources, in-process below (see :func:`auditor.engine.evaluate.evaluate`)."""
    rules_dirs: Sequence[Path] | None = None
    """Rule folders; None means the bundled rules."""
    quiet: bool = False
    """No terminal summary."""
    select: tuple[str, ...] = ()
    """Rule patterns to run (``--select``): id, slug, alias, glob, ``severity:X[+]``,
    ``tag:X``; empty runs every default rule (see :mod:`auditor.engine.selection`)."""
    ignore: tuple[str, ...] = ()
    """Rule patterns to skip (``--ignore``), same syntax."""
    frameworks: tuple[str, ...] = ()
    """Compliance views the report carries (``--framework``); empty carries every shipped one."""
    live: LiveSettings | None = None
    """Scan a tenant live through the Azure SDK (``auditor scan`` without other sources)."""
    save_snapshot: Path | None = None
    """Also write what a live scan read as a snapshot folder (``--save-snapshot``)."""
    log_analytics: LogAnalyticsTarget | None = None
    """Also send every result to Log Analytics (``--export log-analytics``)."""
    read_before: Mapping[str, str] = field(default_factory=dict)
    """Files read before the scan (the config file): path -> sha256, for the report's
    ``scan.evidence`` (:mod:`auditor.digests`)."""
    shard: Shard | None = None
    """Scan only this shard of the subscriptions (``--shard K/N``); a live scan cuts it from
    its scope (``live.shard``), the other sources drop the records of other subscriptions."""
    history: str | None = None
    """Record the scan in this history store and give findings their lifecycle
    (``--history URL``: ``sqlite:///PATH`` or ``postgresql://...``); None keeps no history."""
    sla_days: Mapping[Severity, int] = field(default_factory=dict)
    """Days a failing finding of each severity may stay open before it is overdue (needs
    ``history``); a severity not named has no SLA."""
    fail_on_overdue: bool = False
    """Gate only on failures past their SLA (``--fail-on-overdue``; needs ``history``)."""
