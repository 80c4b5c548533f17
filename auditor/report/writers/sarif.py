"""SARIF 2.1.0 (``auditor.sarif``) for GitHub code scanning and Azure DevOps.

Only ``fail`` findings become SARIF results (suppressed ones are a decision already taken,
unknown ones are not findings). Every rule is a ``reportingDescriptor`` with help text and a
``security-severity`` so code scanning ranks alerts by it.

Locations. GitHub code scanning drops a result that has no physical location, so every
result points at a file: for template findings the template file and line; for snapshot,
demo and live findings the evidence file the resource was read from (``source.path``), at
the line when known, else line 1. The ARM resource id, which is the real subject of a
posture finding, is carried as a ``logicalLocation`` (kind ``resource``) and in the result's
properties. Paths under the base folder (the working directory when rendered by the CLI) are
written relative to ``%SRCROOT%`` so alerts link to the repository file; other paths become
``file://`` URIs. A finding with no file at all (a live scan) points at the resource id as a
relative artifact URI under the ``AZURE`` base so the location stays stable between runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePath, PurePosixPath
from typing import Any, TextIO
from urllib.parse import quote

from auditor.model import CollectionError, Status
from auditor.report import jsonstream
from auditor.report.formats import Writer, text_writer
from auditor.report.model import Finding, Report, RuleInfo

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"

SECURITY_SEVERITY = {
    "critical": "9.5",
    "high": "8.0",
    "medium": "5.5",
    "low": "3.0",
    "info": "0.0",
}
"""CVSS-like scores code scanning maps to its critical/high/medium/low levels."""

LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
PROBLEM_SEVERITY = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "recommendation",
    "info": "recommendation",
}
FINGERPRINT_KEY = "auditorFingerprint/v1"
# No runs[].automationDetails: the upload step's `category` names the analysis, so two
# workflows (a PR gate and a nightly scan) keep separate alert sets.


def _help_markdown(rule: RuleInfo) -> str:
    remediation = rule.remediation
    parts = [
        f"**{rule.title}** ({rule.severity.value})",
        "",
        rule.description.strip(),
        "",
        "**Why it matters.** " + rule.rationale.strip(),
        "",
        "**Remediation.** " + remediation.summary.strip(),
    ]
    for label, code, lang in (
        ("Azure CLI", remediation.cli, "bash"),
        ("Bicep", remediation.bicep, "bicep"),
    ):
        if code:
            parts += ["", f"{label}:", "", f"```{lang}", code.rstrip(), "```"]
    if rule.references:
        parts += ["", "References:", "", *(f"- <{url}>" for url in rule.references)]
    return "\n".join(parts)


def _help_text(rule: RuleInfo) -> str:
    remediation = rule.remediation
    parts = [rule.description.strip(), "", "Remediation: " + remediation.summary.strip()]
    if remediation.cli:
        parts += ["", "Azure CLI: " + remediation.cli.strip()]
    if rule.references:
        parts += ["", "References: " + " ".join(rule.references)]
    return "\n".join(parts)


def _tags(rule: RuleInfo) -> list[str]:
    tags = ["security", "azure", *rule.tags]
    # Every compliance framework's control ids (mcsb, mcsb-v2, eu-ai-act, ...), not the Azure
    # Policy definition ids, which are GUIDs and name no control.
    for framework, controls in sorted(rule.controls.items()):
        if framework != "azure_policy":
            tags += [f"external/{framework}/{control}" for control in controls]
    return list(dict.fromkeys(tags))


def reporting_descriptor(rule: RuleInfo) -> dict[str, Any]:
    """One rule as a SARIF ``reportingDescriptor``."""
    severity = rule.severity.value
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": rule.slug,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description.strip()},
        "help": {"text": _help_text(rule), "markdown": _help_markdown(rule)},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[severity],
            "problem.severity": PROBLEM_SEVERITY[severity],
            # Posture checks read a definite property value: no heuristics, few false alarms.
            "precision": "very-high",
            "tags": _tags(rule),
        },
    }
    if rule.references:
        descriptor["helpUri"] = rule.references[0]
    return descriptor


def _relative_uri(path: PurePath) -> str:
    # RFC 3986: every character outside the unreserved set and "/" is percent-encoded (UTF-8),
    # so a space, "#", "%", ":" or a non-ASCII letter in a file name stays in the path.
    return quote(PurePosixPath(*path.parts).as_posix(), safe="/")


def _artifact_location(finding: Finding, base: Path | None) -> dict[str, Any]:
    path = finding.source.path
    if path:
        file = Path(path)
        if not file.is_absolute():
            return {"uri": _relative_uri(file), "uriBaseId": "%SRCROOT%"}
        if base is not None:
            try:
                relative = file.relative_to(base)
            except ValueError:
                pass
            else:
                return {"uri": _relative_uri(relative), "uriBaseId": "%SRCROOT%"}
        return {"uri": file.as_uri()}  # percent-encodes as RFC 8089 asks
    resource_path = finding.resource_id.lstrip("/")
    return {"uri": quote(resource_path, safe="/"), "uriBaseId": "AZURE"}


def _location(finding: Finding, base: Path | None) -> dict[str, Any]:
    # A template finding points at the deciding property's line when it was found.
    template = finding.evidence.get("template_location") or {}
    line = template.get("property_line") or finding.source.line or 1
    return {
        "physicalLocation": {
            "artifactLocation": _artifact_location(finding, base),
            "region": {"startLine": line},
        },
        "logicalLocations": [
            {
                "name": finding.resource_name,
                "fullyQualifiedName": finding.resource_id,
                "kind": "resource",
            }
        ],
        "message": {"text": f"{finding.resource_type} {finding.resource_name}"},
    }


def sarif_result(
    finding: Finding, rule_index: Mapping[str, int], base: Path | None
) -> dict[str, Any]:
    """One failing finding as a SARIF ``result``."""
    properties: dict[str, Any] = {
        "severity": finding.severity.value,
        "resourceId": finding.resource_id,
        "resourceType": finding.resource_type,
        "subscriptionId": finding.subscription_id,
        "resourceGroup": finding.resource_group,
        "location": finding.location,
        "evidence": dict(finding.evidence),
    }
    if finding.baseline:
        properties["baseline"] = finding.baseline
    properties.update(finding.history_document())
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "level": LEVEL[finding.severity.value],
        "message": {"text": finding.message},
        "locations": [_location(finding, base)],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": properties,
    }
    if finding.rule_id in rule_index:
        result["ruleIndex"] = rule_index[finding.rule_id]
    if finding.baseline in ("new", "existing"):
        result["baselineState"] = "new" if finding.baseline == "new" else "unchanged"
    return result


def sarif_log(
    report: Report, base: Path | None = None, array: Callable[[Iterable[Any]], Any] = list
) -> dict[str, Any]:
    """The SARIF log of a report, as JSON data; ``array`` makes the rules and results arrays
    from lazy iterables (``list``, or the stream writer's one-per-line array)."""
    rule_index = {rule.id: index for index, rule in enumerate(report.rules)}
    findings = sorted(
        (f for f in report.findings if f.status is Status.FAIL),
        key=lambda f: (f.rule_id, f.resource_id.lower()),
    )
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": report.tool_name,
                "version": report.tool_version,
                "rules": array(reporting_descriptor(rule) for rule in report.rules),
            }
        },
        "originalUriBaseIds": {
            "AZURE": {
                "uri": "https://management.azure.com/",
                "description": {"text": "Azure Resource Manager: resource ids are paths here"},
            }
        },
        "results": array(sarif_result(f, rule_index, base) for f in findings),
        "invocations": [
            {
                "executionSuccessful": True,
                "startTimeUtc": report.scan.started_at,
                "endTimeUtc": report.scan.finished_at,
                "toolExecutionNotifications": [
                    {"level": "warning", "message": {"text": _error_text(e)}} for e in report.errors
                ],
            }
        ],
        "properties": {
            "schemaVersion": report.schema_version,
            "asOf": report.scan.as_of,
            "gate": report.summary.gate.to_document(),
        },
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def _error_text(error: CollectionError) -> str:
    return f"{error.scope}: {error.operation}: {error.message}"


def write_sarif(report: Report, out: TextIO, base: Path | None = None) -> None:
    """Write the report as a SARIF 2.1.0 log, one rule and one result per line."""
    jsonstream.dump(sarif_log(report, base, jsonstream.OnePerLine), out)


def _write_here(report: Report, out: TextIO) -> None:
    # Evidence files under the working directory (the repository in CI) become
    # repository-relative locations.
    write_sarif(report, out, Path.cwd())


WRITER = Writer(name="sarif", filename="auditor.sarif", write=text_writer(_write_here))
