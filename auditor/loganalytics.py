"""``--export log-analytics``: every result of the report, one row each, sent to a Log Analytics
custom table through the Logs Ingestion API (``azure-monitor-ingestion``).

The rows are an allow-list of columns (:data:`COLUMNS`, documented in
``docs/log-analytics.md``): never a finding's ``evidence`` object, which holds whatever the
rule chose to show. The library splits the rows into gzip requests of at most 1 MiB of JSON
each; azure-core's retry policy retries 408, 429 and 5xx answers (honouring ``Retry-After``).
A chunk that still fails is counted, the others are still sent, and the export's outcome says
how many rows did not arrive: the orchestrator turns that into an error entry and exit 3.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from auditor.collect.live.settings import LiveSettings
from auditor.config import LogAnalyticsTarget
from auditor.model import CollectionError
from auditor.report.model import Finding, Report

COLUMNS: Mapping[str, str] = {
    "TimeGenerated": "datetime",
    "ScanId": "string",
    "AsOf": "datetime",
    "RuleId": "string",
    "RuleSlug": "string",
    "Title": "string",
    "Severity": "string",
    "Status": "string",
    "ResourceId": "string",
    "ResourceType": "string",
    "ResourceName": "string",
    "SubscriptionId": "string",
    "ResourceGroup": "string",
    "Location": "string",
    "Fingerprint": "string",
    "Message": "string",
    "Reason": "string",
    "Remediation": "string",
    "RemediationUrl": "string",
    "Gating": "boolean",
    "Baseline": "string",
    "SuppressedBy": "string",
    "Overdue": "boolean",
    "ToolVersion": "string",
}
"""Column -> its Log Analytics type: the table's schema and the stream declaration's."""

OPERATION = "export results to Log Analytics"


def scan_id(report: Report) -> str:
    """One scan's id in the table: a digest of when it ran and what it read, the same for
    every row of the scan and for the same report sent twice."""
    scan = report.scan
    identity = json.dumps(
        [scan.started_at, scan.finished_at, [dict(s) for s in scan.sources]],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


def _remediation_url(finding: Finding) -> str | None:
    return next((ref for ref in finding.references if ref.startswith("https://")), None)


def row(finding: Finding, report: Report, scan: str) -> dict[str, Any]:
    """One result as a row of the table (exactly the keys of :data:`COLUMNS`)."""
    suppression = finding.suppression or {}
    return {
        "TimeGenerated": report.scan.finished_at,
        "ScanId": scan,
        "AsOf": report.scan.as_of,
        "RuleId": finding.rule_id,
        "RuleSlug": finding.slug,
        "Title": finding.title,
        "Severity": finding.severity.value,
        "Status": finding.status.value,
        "ResourceId": finding.resource_id,
        "ResourceType": finding.resource_type,
        "ResourceName": finding.resource_name,
        "SubscriptionId": finding.subscription_id,
        "ResourceGroup": finding.resource_group,
        "Location": finding.location,
        "Fingerprint": finding.fingerprint,
        "Message": finding.message,
        "Reason": finding.reason,
        "Remediation": finding.remediation.summary,
        "RemediationUrl": _remediation_url(finding),
        "Gating": finding.gating,
        "Baseline": finding.baseline,
        "SuppressedBy": suppression.get("owner"),
        "Overdue": finding.overdue if finding.first_seen is not None else None,  # --history
        "ToolVersion": report.tool_version,
    }


def rows(report: Report) -> list[dict[str, Any]]:
    """Every result the report lists, one row each, in the report's order."""
    scan = scan_id(report)
    return [row(finding, report, scan) for finding in report.findings]


@dataclass
class ExportOutcome:
    """What the export sent and what it could not."""

    sent: int = 0
    failed: int = 0
    problems: list[str] = field(default_factory=list)

    def error(self, target: LogAnalyticsTarget) -> CollectionError | None:
        """The report's error entry when rows did not arrive; None when all did."""
        if not self.failed and not self.problems:
            return None
        return CollectionError(
            scope=f"{target.endpoint} ({target.stream})",
            operation=OPERATION,
            message=f"{self.failed} of {self.sent + self.failed} row(s) not sent: "
            + "; ".join(dict.fromkeys(self.problems)),
        )


def _problem(error: BaseException) -> str:
    """What went wrong, without the response body (it may quote what was sent)."""
    status = getattr(getattr(error, "response", None), "status_code", None)
    reason = getattr(getattr(error, "response", None), "reason", None)
    if status is not None:
        return f"HTTP {status} {reason or ''}".strip()
    return type(error).__name__


def export(
    report: Report, target: LogAnalyticsTarget, credentials: LiveSettings | None
) -> ExportOutcome:
    """Send every row; failures are counted in the outcome, never raised."""
    from azure.core.exceptions import AzureError
    from azure.monitor.ingestion import LogsIngestionClient, LogsUploadError

    from auditor.collect.live.clients import make_credential

    settings = credentials or LiveSettings()
    outcome = ExportOutcome()
    data: list[MutableMapping[str, Any]] = list(rows(report))
    if not data:
        return outcome

    def failed(error: LogsUploadError) -> None:
        outcome.failed += len(error.failed_logs)
        outcome.problems.append(_problem(error.error))

    retry = settings.retry
    try:
        client = LogsIngestionClient(
            endpoint=target.endpoint,
            credential=make_credential(settings),
            retry_total=retry.total,
            retry_backoff_factor=retry.backoff_factor,
            retry_backoff_max=retry.backoff_max,
            timeout=retry.timeout,
            connection_timeout=settings.connection_timeout,
            read_timeout=settings.read_timeout,
        )
        with client:
            client.upload(
                rule_id=target.rule_id, stream_name=target.stream, logs=data, on_error=failed
            )
    except AzureError as exc:  # the credential, or a request that never got an answer
        outcome.problems.append(_problem(exc))
        outcome.failed = len(data)
        return outcome
    outcome.sent = len(data) - outcome.failed
    return outcome
