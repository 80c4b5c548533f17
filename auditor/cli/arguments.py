"""Argument converters: text from the command line (or the config file) -> a typed value.

Each raises ``argparse.ArgumentTypeError`` with the message the user sees after the option.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math

from auditor.engine.ruleset import Release
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
