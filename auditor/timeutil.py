"""Timestamps as ARM writes them (ISO 8601, often with 7 fractional digits and ``Z``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

_FRACTION_RE = re.compile(r"(\.\d{6})\d+")


def parse_timestamp(value: object) -> dt.datetime | None:
    """Parse an ARM timestamp to an aware datetime in UTC (UTC assumed when no offset).

    None if it is not one, or if it leaves the years 1 to 9999 once moved to UTC
    (``9999-12-31T23:00:00-05:00``): every later comparison and ``iso()`` stays safe."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = _FRACTION_RE.sub(r"\1", value.strip())
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:
        return None


def utc_now() -> dt.datetime:
    """The current time, aware, in UTC, without microseconds (reports stay readable)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


Clock = Callable[[], dt.datetime]
"""Where a command reads "now" from. Passed in (``utc_now`` by default) so that tests and
callers can run a scan at any moment; nothing judged reads the system clock itself."""


def iso(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
