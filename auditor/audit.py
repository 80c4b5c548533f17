"""Orchestration: sources -> inventory -> engine -> report writers. Returns the exit code."""

from __future__ import annotations

import dataclasses
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from auditor import digests, progress
from auditor.collect import azcli
from auditor.collect.snapshot import SnapshotSource
from auditor.collect.writer import check_destination, write_snapshot
from auditor.config import LogAnalyticsTarget, ScanConfig
from auditor.demo import DEMO_AS_OF, DEMO_DIR, DEMO_PREFIX, DEMO_SOURCE
from auditor.engine.evaluate import evaluate
from auditor.engine.frameworks import (
    Framework,
    choose,
    compliance,
    frameworks_dir,
    shipped_frameworks,
    unknown_controls,
)
from auditor.engine.loader import load_rules
from auditor.engine.parameters import settings as parameter_settings
from auditor.engine.parameters import values as parameter_values
from auditor.engine.ruleset import Release, not_gating, pin_for
from auditor.engine.selection import select_rules
from auditor.errors import InputError, RuleError
from auditor.fields import AUDITED_TYPES
from auditor.history.settings import check_history_settings, history_settings
from auditor.inventory import Inventory, InventoryBuilder
from auditor.model import CollectionError, Resource, Rule, release_data
from auditor.report.baseline import load_report, mark_results
from auditor.report.build import build_report
from auditor.report.formats import check_report_folder, render, write_reports
from auditor.report.model import Report
from auditor.report.summary import summary_text
from auditor.scan import Evidence, Lifecycle, ScanOutcome
from auditor.shard import Shard
from auditor.sources import Source, SourceRead

if TYPE_CHECKING:
    from auditor.history.store import HistoryStore
from auditor.suppress import apply_suppressions, load_suppressions, suppressions_file


def sources_of(config: ScanConfig) -> list[Source]:
    """The sources a scan reads, in the order the report lists them."""
    if config.template_parameters and not config.templates:
        raise InputError("--parameters needs --template")
    sources: list[Source] = []
    if config.demo:
        sources.append(DEMO_SOURCE)
    if config.snapshots:
        sources.append(SnapshotSource(config.snapshots))
    if config.templates:
        from auditor.collect.templates import TemplateSource  # its parsers: only when used

        sources.append(
            TemplateSource(config.templates, config.template_parameters, config.template_context)
        )
    if config.live is not None:
        from auditor.collect.live.run import LiveSource  # imports the Azure SDKs: only when used

        sources.append(LiveSource(config.live, quiet=config.quiet, now=config.clock()))
    if not sources:
        raise InputError(
            "nothing to scan: give --snapshot PATH (evidence files), --template PATH or --demo"
        )
    return sources


def build_inventory(config: ScanConfig) -> tuple[Inventory, list[SourceRead]]:
    """Read the configured sources into an inventory; returns it and what each read."""
    builder = InventoryBuilder(config.shard.holds if config.shard else None)
    reads = [read for source in sources_of(config) for read in source.read(builder)]
    return builder.build(), reads


def scan(config: ScanConfig, history: HistoryStore | None = None, scan_id: str = "") -> ScanOutcome:
    """Run a whole scan and return its outcome (no report written; ``save_snapshot`` is).

    With ``history`` (the store of ``config.history``, opened by the caller) each result
    gets its lifecycle from the scans recorded there; ``scan_id`` is the id it will have."""
    started = config.clock()
    if config.fail_on_new_only and config.baseline is None:
        raise InputError("--fail-on-new-only needs --baseline OLD.json")
    check_history_settings(config)
    if config.save_snapshot is not None:
        check_destination(config.save_snapshot)  # before any live read: a refusal costs nothing
    inputs = digests.Recording(dict(config.read_before))
    with digests.recording(inputs):
        baseline = load_report(config.baseline) if config.baseline else None
    with digests.recording() as rule_files:
        rules, pin, frameworks, used = _rules(config)
    as_of = config.as_of or (DEMO_AS_OF if _demo_alone(config) else started)
    with digests.recording(inputs):
        inventory, reads = build_inventory(config)
        suppressions = load_suppressions(
            config.suppressions,
            horizon_from=max(started.date(), as_of.date()),
            max_days=config.max_suppression_days,
        )
    # A shard lists the passing results of resources of no subscription (see build_report).
    keep = config.include_passed or config.shard is not None
    results = evaluate(rules, inventory, as_of, used, jobs=config.jobs, passed_evidence=keep)
    if config.shard is not None:  # another shard's role definitions are there to look up
        results = [r for r in results if _in_shard(config.shard, r.resource)]
    results, warnings = apply_suppressions(results, suppressions, as_of)
    baseline_section = None
    if baseline is not None:
        results, baseline_section = mark_results(results, baseline, str(config.baseline))
    views = [compliance(framework, rules, results) for framework in frameworks]
    saved = digests.Recording()
    lifecycle: dict[str, Lifecycle] = {}
    history_errors: list[CollectionError] = []
    if history is not None:
        from auditor.history.recording import read_lifecycles

        lifecycle, history_errors = read_lifecycles(
            history, results, as_of, scan_id, config.sla_days
        )
    if config.save_snapshot is not None:
        # Last, once every input has loaded: a scan that ends in exit 2 writes no snapshot.
        tenant = next((r.tenant for r in reads if r.tenant is not None), None)
        with digests.recording(saved):
            write_snapshot(inventory, config.save_snapshot, started, tenant=tenant)
    counts = Counter(r.type for r in inventory if _in_shard(config.shard, r))
    held_back = not_gating(rules, pin)
    notes = _notes(config, inventory) + [n for r in reads for n in r.skipped]
    if held_back:
        notes.append(
            f"rule set pinned to {pin}: {len(held_back)} rule(s) added or changed since then run "
            f"and report but do not change the exit code: {', '.join(held_back)}"
        )
    return ScanOutcome(
        started_at=started,
        finished_at=config.clock(),
        as_of=as_of,
        sources=[r.record() for r in reads],
        subscriptions=list(inventory.subscriptions.values()),
        rules=rules,
        results=results,
        errors=_errors(config, inventory) + history_errors,
        resource_counts={t: counts.get(t, 0) for t in AUDITED_TYPES},
        skipped_types=inventory.skipped_types,
        fail_on=config.fail_on,
        warnings=warnings,
        baseline=baseline_section,
        fail_on_new_only=config.fail_on_new_only,
        rule_set=str(pin) if pin else None,
        not_gating=frozenset(held_back),
        compliance=views,
        notes=notes,
        parameters=used,
        settings=_settings(config, pin),
        evidence=Evidence(
            files={_input_name(path): digest for path, digest in inputs.files.items()},
            rule_files={_rule_name(path): digest for path, digest in rule_files.files.items()},
            rule_set=digests.manifest_digest(
                {_rule_name(path): digest for path, digest in rule_files.files.items()}
            ),
            saved_snapshot=str(config.save_snapshot) if config.save_snapshot else None,
            saved_files=saved.files,
        ),
        shared=_shared(inventory) if config.shard is not None else None,
        lifecycle=lifecycle,
        fail_on_overdue=config.fail_on_overdue,
    )


def _input_name(path: str) -> str:
    """An input file's name in the evidence: the path it was opened at; the demo's by its
    name inside the package (as findings name it), the same on every machine."""
    if Path(path).is_relative_to(DEMO_DIR):
        return f"{DEMO_PREFIX}/{Path(path).relative_to(DEMO_DIR).as_posix()}"
    return path


def _rule_name(path: str) -> str:
    """A rule or framework file's name in the rule set: ``AML001.yaml``,
    ``frameworks/mcsb.yaml`` (rule file names are unique: each is named after its rule id)."""
    file = Path(path)
    return f"frameworks/{file.name}" if file.parent == frameworks_dir() else file.name


def _in_shard(shard: Shard | None, resource: Resource) -> bool:
    """Whether the scan reports on the resource: a shard, only on its own and tenant ones."""
    return shard is None or not resource.subscription_id or shard.holds(resource.subscription_id)


def _shared(inventory: Inventory) -> dict[str, Any]:
    """The records of no subscription (tenant-level role definitions and assignments):
    every shard holds them, so ``auditor merge`` must count them once."""
    resources: dict[str, list[str]] = {}
    for resource in inventory:
        if resource.subscription_id is None:
            resources.setdefault(resource.type, []).append(resource.key)
    return {
        "resources": {t: sorted(keys) for t, keys in sorted(resources.items())},
        "skipped_types": dict(sorted(inventory.shared_skipped.items())),
    }


def _errors(config: ScanConfig, inventory: Inventory) -> list[CollectionError]:
    """What could not be read, and a scan that found nothing to assess (unless allowed)."""
    errors: list[CollectionError] = list(inventory.errors)
    if not inventory.ai_ml_resources() and not config.allow_empty:
        errors.append(
            CollectionError(
                scope="(scan)",
                operation="find AI/ML resources",
                message="the input holds no Azure ML or AI Services resource: nothing was "
                "assessed (pass --allow-empty if that is expected)",
            )
        )
    return errors


def _settings(config: ScanConfig, pin: Release | None) -> dict[str, Any]:
    """The settings that decided the results, as the report's ``scan.settings`` records them."""
    applied = suppressions_file(config.suppressions)
    live = {"collector": config.live.collector} if config.live else {}
    settings: dict[str, Any] = {
        "fail_on": config.fail_on.value if config.fail_on else "none",
        "rule_set": str(pin) if pin else None,
        "key_max_age_days": config.key_max_age_days,
        "include_passed": config.include_passed,
        "formats": list(config.formats),
        "baseline": str(config.baseline) if config.baseline else None,
        "fail_on_new_only": config.fail_on_new_only,
        "suppressions": str(applied) if applied else None,
        "max_suppression_days": config.max_suppression_days,
        "select": list(config.select),
        "ignore": list(config.ignore),
        "frameworks": list(config.frameworks),
        # What `auditor verify` re-scans with besides the above (since 2.0).
        "template_parameters": [str(p) for p in config.template_parameters],
        "template_context": dict(config.template_context),
        "allow_empty": config.allow_empty,
        **live,
    } | history_settings(config)
    # Only when used, so the reports of scans that use neither stay as they were.
    if config.shard is not None:
        settings["shard"] = str(config.shard)
    if config.live is not None and any(config.live.scope_document().values()):
        settings["scope"] = config.live.scope_document()
    return settings


def _rules(
    config: ScanConfig,
) -> tuple[list[Rule], Release | None, list[Framework], dict[str, Mapping[str, Any]]]:
    """The rules to run, the ``--rule-set`` pin, the compliance frameworks the report carries
    and each rule's parameter values, all checked before any input is read (a bad rule file,
    framework file, pin or parameter costs no live read)."""
    catalog = load_rules(config.rules_dirs)
    pin = pin_for(config.rule_set, catalog)
    rules = select_rules(catalog, config.select, config.ignore)
    # Checked against the whole catalog: a config file may set a rule this scan does not run.
    chosen = parameter_values(
        parameter_settings(catalog, config.parameters, config.key_max_age_days)
    )
    shipped = shipped_frameworks()
    chosen_views = choose(shipped, config.frameworks)
    # Every shipped framework, selected or not: a rule's mapping is valid or not on its own.
    problems = [p for framework in shipped for p in unknown_controls(framework, rules)]
    if problems:
        raise RuleError("; ".join(problems))
    return rules, pin, chosen_views, {rule.id: chosen[rule.id] for rule in rules}


def _demo_alone(config: ScanConfig) -> bool:
    """The demo estate is dated: alone it is judged as of :data:`DEMO_AS_OF`, so it never ages.
    Beside real evidence it is judged as of now, like that evidence, unless ``--as-of`` says."""
    return config.demo and not (config.snapshots or config.templates or config.live)


def _notes(config: ScanConfig, inventory: Inventory) -> list[str]:
    """What the user should know about how the input limits the results, said once."""
    notes = []
    if config.demo and config.as_of is None and not _demo_alone(config):
        notes.append(
            "the demo estate is judged as of now with the other sources, so its key-rotation "
            f"results age; pass --as-of {DEMO_AS_OF.date()} to pin them"
        )
    bare = sum(1 for r in inventory if r.data.get("properties") == azcli.PROPERTIES_MARKER)
    if bare:
        notes.append(f"{bare} resource(s) were read without properties: {azcli.NO_PROPERTIES}")
    return notes


def scan_report(config: ScanConfig) -> tuple[ScanOutcome, Report]:
    """The scan and its report (no file written); with ``config.history`` the findings carry
    their lifecycle and the scan is recorded in the store (the CLI and the API both come here)."""
    if config.history is None:  # SQLAlchemy is imported only for a scan that keeps history
        outcome = scan(config)
        release_data(r.resource for r in outcome.results)  # before the findings are made
        return outcome, build_report(outcome, include_passed=config.include_passed)
    from auditor.history import recording

    store = recording.open_store(config.history)  # a bad URL costs no read
    try:
        scan_id = recording.new_scan_id()
        outcome = scan(config, store, scan_id)
        release_data(r.resource for r in outcome.results)
        report = build_report(outcome, include_passed=config.include_passed)
        outcome, report = recording.record(store, outcome, report, scan_id, config.include_passed)
    finally:
        store.close()
    return outcome, report


def run(config: ScanConfig, stderr: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Scan, write the reports, print the summary; returns the exit code (0, 1 or 3)."""
    err = stderr or sys.stderr
    if not config.stdout:
        check_report_folder(config.formats, Path(config.output_dir))  # before a long scan
    with progress.shown(err, enabled=not config.quiet):
        scanned, report = scan_report(config)
        notes = scanned.notes
        # Only a failed export builds the report again. Otherwise every result, and the
        # inventory they hold, is let go before the reports are written: at a million
        # resources that is a third of the scan's peak memory.
        outcome = scanned if config.log_analytics is not None else None
        del scanned
        written = [] if config.stdout else write_reports(report, config.formats, config.output_dir)
    if config.stdout:
        text = render(config.formats[0], report)
        out = stdout or sys.stdout
        if isinstance(text, bytes):
            out.flush()
            out.buffer.write(text)
        else:
            out.write(text)
    if config.log_analytics is not None and outcome is not None:
        report = _export(config, config.log_analytics, outcome, report, err)
    for warning in report.warnings:
        print(f"auditor: warning: {warning.message}", file=err)
    for note in notes:
        print(f"auditor: note: {note}", file=err)
    if not config.quiet:
        print(summary_text(report), file=err)
        for path in written:
            print(f"wrote {path}", file=err)
    return report.summary.gate.exit_code


def _export(
    config: ScanConfig,
    target: LogAnalyticsTarget,
    outcome: ScanOutcome,
    report: Report,
    err: TextIO,
) -> Report:
    """Send the results to Log Analytics once the reports are written (a failed export
    loses no report). Rows that did not arrive are an error entry: the reports are written
    again with it, and the scan is incomplete (exit 3); returns the report as it now is."""
    from auditor.loganalytics import export  # the ingestion client: only when exporting

    sent = export(report, target, target.credentials)
    error = sent.error(target)
    if error is None:
        if not config.quiet:
            print(f"sent {sent.sent} result(s) to Log Analytics ({target.stream})", file=err)
        return report
    print(f"auditor: error: {error.operation}: {error.message}", file=err)
    outcome = dataclasses.replace(outcome, errors=[*outcome.errors, error])
    report = build_report(outcome, include_passed=config.include_passed)
    if not config.stdout:
        write_reports(report, config.formats, Path(config.output_dir))
    return report


def collect(config: ScanConfig, output: Path, stderr: TextIO | None = None) -> int:
    """``auditor collect``: read the tenant live and write a snapshot folder, no rules run.

    Returns 0, or 3 when something could not be read (the manifest lists what).
    """
    from auditor.collect.live.run import LiveSource

    if config.live is None:
        raise InputError("collect reads a live tenant: no live settings were given")
    err = stderr or sys.stderr
    check_destination(output)  # before any live read: a refusal costs nothing
    builder = InventoryBuilder()
    started = config.clock()
    [read] = LiveSource(config.live, quiet=config.quiet, now=started, stderr=err).read(builder)
    inventory = builder.build()
    files = write_snapshot(inventory, output, started, tenant=read.tenant)
    if not config.quiet:
        print(
            f"wrote {output} ({files} files: {len(inventory.resources)} resources, "
            f"{len(inventory.events)} key-regeneration events, {len(inventory.errors)} errors)",
            file=err,
        )
        for error in inventory.errors:
            print(f"  not read: {error.operation} at {error.scope}: {error.message}", file=err)
    return 3 if inventory.errors else 0
