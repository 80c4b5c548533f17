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
from typing import TextIO

from auditor.model import Status
from auditor.report.formats import Writer, text_writer
from auditor.report.model import Finding, Report, RuleInfo

# XML 1.0 section 2.2: characters outside Char are forbidden (C0 controls but tab, LF and CR;
# surrogates; U+FFFE, U+FFFF), and C1 controls, DEL and the other non-characters are
# discouraged; strict parsers and some CI test-report readers reject them all. One regex
# class holding the astral non-characters costs 30-60 us per string (sre tests such a class
# range by range for every character); ASCII text needs only the C0 controls and DEL, and the
# rare other text one table lookup per character.
_ASCII_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UNSAFE_CODES = (
    *range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0),
    *range(0xD800, 0xE000), *range(0xFDD0, 0xFDF0),
    *(plane + last for plane in range(0, 0x110000, 0x10000) for last in (0xFFFE, 0xFFFF)),
)  # fmt: skip
_UNSAFE_TABLE = dict.fromkeys(_UNSAFE_CODES, "\ufffd")


def xml_safe(text: object) -> str:
    """Text every XML 1.0 parser accepts: each unsafe character becomes U+FFFD."""
    value = str(text)
    if value.isascii():
        return _ASCII_UNSAFE.sub("\ufffd", value)
    return value.translate(_UNSAFE_TABLE)


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


def _testcase(suite: ET.Element, finding: Finding) -> None:
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


_SKIPPED = (Status.SUPPRESSED, Status.NOT_APPLICABLE)
_COUNTS = ("tests", "failures", "errors", "skipped")


def _suites(report: Report) -> list[tuple[RuleInfo, list[Finding], dict[str, int]]]:
    """Each rule with its listed findings (by resource name) and its suite's counts."""
    by_rule: dict[str, list[Finding]] = {}
    for finding in report.findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    suites = []
    for rule in report.rules:
        listed = sorted(
            by_rule.get(rule.id, []),
            key=lambda f: (f.resource_name.lower(), f.resource_id.lower()),
        )
        statuses = [f.status for f in listed]
        counts = {
            "tests": len(listed) + (_unlisted(report, rule, listed) > 0 or not listed),
            "failures": statuses.count(Status.FAIL),
            "errors": statuses.count(Status.UNKNOWN),
            "skipped": sum(statuses.count(s) for s in _SKIPPED),
        }
        suites.append((rule, listed, counts))
    return suites


def _unlisted(report: Report, rule: RuleInfo, listed: list[Finding]) -> int:
    return sum(report.summary.by_rule.get(rule.id, {}).values()) - len(listed)


def _suite(
    report: Report, rule: RuleInfo, listed: list[Finding], counts: dict[str, int]
) -> ET.Element:
    timestamp = report.scan.started_at.removesuffix("Z")
    suite = ET.Element(
        "testsuite", {"name": _clean(f"{rule.id} {rule.title}"), "timestamp": timestamp}
    )
    for finding in listed:
        _testcase(suite, finding)
    unlisted = _unlisted(report, rule, listed)
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
    for key in _COUNTS:
        suite.set(key, str(counts[key]))
    suite.set("time", "0")
    return suite


def write_junit(report: Report, out: TextIO) -> None:
    """Write the report as JUnit XML, one test suite (rule) at a time: indented as
    ``ET.indent`` would, never held whole."""
    suites = _suites(report)
    totals = {key: sum(counts[key] for _, _, counts in suites) for key in _COUNTS}
    root = ET.Element("testsuites", {"name": "auditor", **{k: str(v) for k, v in totals.items()}})
    root.set("time", "0")
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    if not suites:
        out.write(ET.tostring(root, encoding="unicode") + "\n")
        return
    head = ET.tostring(root, encoding="unicode", short_empty_elements=False)
    out.write(head.removesuffix("</testsuites>"))
    for rule, listed, counts in suites:
        suite = _suite(report, rule, listed, counts)
        ET.indent(suite, level=1)
        out.write("\n  " + ET.tostring(suite, encoding="unicode"))
    out.write("\n</testsuites>\n")


WRITER = Writer(
    name="junit", filename="auditor.junit.xml", write=text_writer(write_junit), aliases=("xml",)
)
