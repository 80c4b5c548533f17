"""Argument converters: text from the command line (or the config file) -> a typed value.

Each raises ``argparse.ArgumentTypeError`` with the message the user sees after the option.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math

from auditor.engine.ruleset import Release
from auditor.errors import InputError
from auditor.model import Severity
from auditor.timeutil import parse_timestamp


def fail_on(text: str) -> Severity | None:
    """`--fail-on`: a severity, or none (never fail on findings)."""
    if text.strip().lower() == "none":
        return None
    try:
        return Severity.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc}, or none") from None


def release(text: str) -> str:
    """`--rule-set`: a release number, ``MAJOR.MINOR.PATCH``."""
    try:
        return str(Release.parse(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# Day counts beyond a century only overflow date arithmetic; no option needs more.
_MAX_WHOLE = 36_500
# --as-of is moved by day counts up to _MAX_WHOLE either way; keep it far from year 1 / 9999.
_AS_OF_YEARS = range(1900, 9001)


def positive_int(text: str) -> int:
    """A whole number from 1 to `_MAX_WHOLE` (day counts, concurrency)."""
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


def scan_timeout(text: str) -> float | None:
    """``--timeout``: seconds (a whole or decimal number above 0), or 0 for no limit."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0 or value > _MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(f"must be between 0 (no limit) and {_MAX_TIMEOUT} seconds")
    return value or None


def as_of(text: str) -> dt.datetime:
    """`--as-of`: an ISO 8601 date or time within the years 1900 to 9000."""
    moment = parse_timestamp(text)
    if moment is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 date or time")
    if moment.year not in _AS_OF_YEARS:
        raise argparse.ArgumentTypeError(f"{text!r} is outside the years 1900 to 9000")
    return moment


def key_value(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` (``--template-context``), both sides stripped and non-empty."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key.strip(), value.strip()


def sla_days(text: str) -> dict[Severity, int]:
    """`--sla-days critical=7,high=30` (the config file's ``sla_days`` table is read the same):
    days a failing finding of each severity may stay open; each severity at most once."""
    found: dict[Severity, int] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, days = part.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"{part!r}: expected SEVERITY=DAYS (critical=7)")
        try:
            severity = Severity.parse(name.strip())
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if severity in found:
            raise argparse.ArgumentTypeError(f"{severity.value} is given twice")
        try:
            found[severity] = positive_int(days.strip())
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentTypeError(f"{severity.value}: {exc}") from None
    if not found:
        raise argparse.ArgumentTypeError("expected SEVERITY=DAYS pairs (critical=7,high=30)")
    return found


def history_url(text: str) -> str:
    """`--history URL`: ``sqlite:///PATH`` or ``postgresql://...``, checked before the scan."""
    from auditor.history.url import engine_url  # SQLAlchemy is imported when history is used

    try:
        engine_url(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--history ")) from None
    return text
