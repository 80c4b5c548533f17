"""JUnit XML (``auditor.junit.xml``) for Azure DevOps ``PublishTestResults`` and GitLab.

One ``testsuite`` per rule, one ``testcase`` per rule x resource listed in the report:
``fail`` is a ``<failure>``, ``unknown`` an ``<error>`` (the check could not run),
``suppressed`` and ``not_applicable`` are ``<skipped>``, ``pass`` is a plain test case.
Passing and not-applicable results are listed only with ``--include-passed``; without it a
rule's unlisted results are summed up in one passing test case so suites are never empty
and the counts stay truthful.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from auditor.model import Status
from auditor.report.formats import Writer
from auditor.report.model import Finding, Report

# XML 1.0 section 2.2: characters outside Char are forbidden (C0 controls but tab, LF and CR;
# surrogates; U+FFFE, U+FFFF), and C1 controls, DEL and the other non-characters are
# discouraged; strict parsers and some CI test-report readers reject them all.
_XML_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(chr(plane + 0xFFFE) + chr(plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000))
    + "]"
)


def xml_safe(text: object) -> str:
    """Text every XML 1.0 parser accepts: each unsafe character becomes U+FFFD."""
    return _XML_UNSAFE.sub("\ufffd", str(text))


_clean = xml_safe


def _details(finding: Finding) -> str:
    lines = [
        f"resource: {finding.resource_id}",
        f"type: {finding.resource_type}",
        f"severity: {finding.severity.value}",
        f"message: {finding.message}",
    ]
    if finding.reason:
        lines.append(f"reason: {finding.reason}")
    for key, value in sorted(finding.evidence.items()):
        lines.append(f"evidence {key}: {value}")
    suppression = finding.suppression
    if suppression:
        lines.append(
            f"suppressed by {suppression.get('owner')} until {suppression.get('expires')}: "
            f"{suppression.get('reason')}"
        )
    if finding.baseline:
        lines.append(f"baseline: {finding.baseline}")
    if finding.first_seen is not None:
        reopened = ", reopened" if finding.reopened else ""
        overdue = ", OVERDUE (past its SLA)" if finding.overdue else ""
        lines.append(
            f"age: {finding.age_days} day(s), first seen {finding.first_seen} in scan "
            f"{finding.first_scan}{reopened}{overdue}"
        )
    lines.append(f"remediation: {finding.remediation.summary.strip()}")
    return _clean("\n".join(lines))


def _testcase(suite: ET.Element, finding: Finding) -> Status:
    case = ET.SubElement(
        suite,
        "testcase",
        {
            "classname": _clean(f"auditor.{finding.rule_id}"),
            "name": _clean(f"{finding.rule_id} {finding.resource_name} ({finding.resource_id})"),
            "file": _clean(finding.source.path or ""),
            "time": "0",
        },
    )
    status = finding.status
    message = _clean(finding.message)
    if status is Status.FAIL:
        child = ET.SubElement(case, "failure", {"message": message, "type": finding.severity.value})
        child.text = _details(finding)
    elif status is Status.UNKNOWN:
        error_message = _clean(finding.reason or finding.message)
        child = ET.SubElement(case, "error", {"message": error_message, "type": "unknown"})
        child.text = _details(finding)
    elif status in _SKIPPED:
        why = finding.reason or status.value
        if status is Status.SUPPRESSED and finding.suppression:
            why = f"suppressed: {finding.suppression.get('reason')}"
        ET.SubElement(case, "skipped", {"message": _clean(why)})
    return status


_SKIPPED = (Status.SUPPRESSED, Status.NOT_APPLICABLE)


def junit_tree(report: Report) -> ET.Element:
    """The report as a ``<testsuites>`` element."""
    timestamp = report.scan.started_at.removesuffix("Z")
    root = ET.Element("testsuites", {"name": "auditor"})
    by_rule: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for rule in report.rules:
        suite = ET.Element(
            "testsuite",
            {"name": _clean(f"{rule.id} {rule.title}"), "timestamp": timestamp},
        )
        listed = sorted(
            by_rule.get(rule.id, []),
            key=lambda f: (f.resource_name.lower(), f.resource_id.lower()),
        )
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for finding in listed:
            status = _testcase(suite, finding)
            counts["tests"] += 1
            counts["failures"] += status is Status.FAIL
            counts["errors"] += status is Status.UNKNOWN
            counts["skipped"] += status in _SKIPPED
        rule_counts = report.summary.by_rule.get(rule.id, {})
        unlisted = sum(rule_counts.values()) - len(listed)
        if unlisted > 0 or not listed:
            ET.SubElement(
                suite,
                "testcase",
                {
                    "classname": f"auditor.{rule.id}",
                    "name": f"{rule.id} {unlisted} other resource(s) passed or not applicable",
                    "time": "0",
                },
            )
            counts["tests"] += 1
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", "0")
        root.append(suite)
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", "0")
    return root


def render_junit(report: Report) -> str:
    """Render the report as JUnit XML."""
    root = junit_tree(report)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


WRITER = Writer(name="junit", filename="auditor.junit.xml", render=render_junit, aliases=("xml",))
