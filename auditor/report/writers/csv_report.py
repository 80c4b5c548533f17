"""CSV (``auditor.csv``): one row per listed result, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import re
from typing import TextIO

from auditor.report.formats import Writer, text_writer
from auditor.report.model import Finding, Report

COLUMNS = (
    "rule_id",
    "title",
    "severity",
    "status",
    "baseline",
    "resource_name",
    "resource_type",
    "resource_id",
    "subscription_id",
    "resource_group",
    "location",
    "message",
    "reason",
    "suppression_reason",
    "suppression_owner",
    "suppression_expires",
    "remediation",
    "source_path",
    "source_line",
    "fingerprint",
    "first_seen",
    "last_seen",
    "age_days",
    "reopened",
    "overdue",
)
"""The last five are empty without ``--history``."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""A cell starting with one of these is read as a formula by Excel, LibreOffice and Sheets
(the full-width ``＝ ＋ － ＠`` too, to be safe with East-Asian input modes)."""

# A spreadsheet that guesses another delimiter (";" in comma-decimal locales, tab, ",") or
# splits lines before unquoting starts a new cell after any of these, so a formula prefix
# after one of them, spaces between, is a formula at the start of a cell too.
_FORMULA_AFTER_SEPARATOR = re.compile(
    "(^|[,;\t\r\n])([ ]*)(?=[" + re.escape("".join(FORMULA_PREFIXES)) + "])"
)
_SEPARATOR = re.compile("[,;\t\r\n]")


def spreadsheet_safe(value: object) -> str:
    """The cell text, with an apostrophe before every formula prefix that would start a
    cell: at the start, and after a separator a spreadsheet may split on (``,;`` tab, CR, LF)."""
    if value is None:
        return ""
    text = str(value)
    # Without a separator the pattern can match only at the start: the common case, decided
    # without running it (it tries every position of every cell).
    if not _SEPARATOR.search(text) and not text.lstrip(" ").startswith(FORMULA_PREFIXES):
        return text
    return _FORMULA_AFTER_SEPARATOR.sub(r"\1\2'", text)


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def csv_row(finding: Finding) -> list[str]:
    """One finding as CSV cells in :data:`COLUMNS` order."""
    suppression = finding.suppression or {}
    values: dict[str, object] = {
        "rule_id": finding.rule_id,
        "title": finding.title,
        "severity": finding.severity.value,
        "status": finding.status.value,
        "baseline": finding.baseline,
        "resource_name": finding.resource_name,
        "resource_type": finding.resource_type,
        "resource_id": finding.resource_id,
        "subscription_id": finding.subscription_id,
        "resource_group": finding.resource_group,
        "location": finding.location,
        "message": finding.message,
        "reason": finding.reason,
        "suppression_reason": suppression.get("reason"),
        "suppression_owner": suppression.get("owner"),
        "suppression_expires": suppression.get("expires"),
        "remediation": finding.remediation.summary.strip(),
        "source_path": finding.source.path,
        "source_line": finding.source.line,
        "fingerprint": finding.fingerprint,
        "first_seen": finding.first_seen,
        "last_seen": finding.last_seen,
        "age_days": finding.age_days,
        "reopened": _flag(finding.reopened),
        "overdue": _flag(finding.overdue),
    }
    return [spreadsheet_safe(values[key]) for key in COLUMNS]


def write_csv(report: Report, out: TextIO) -> None:
    """Write the report's findings as CSV, row by row (RFC 4180: CRLF line ends, quoted when
    needed)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(csv_row(finding) for finding in report.findings)


WRITER = Writer(name="csv", filename="auditor.csv", write=text_writer(write_csv))
