"""The history settings a scan checks before anything is read: kept apart from the store so
a scan without ``--history`` never imports SQLAlchemy (about 0.4 s of every CLI start)."""

from __future__ import annotations

from typing import Any

from auditor.config import ScanConfig
from auditor.errors import InputError


def check_history_settings(config: ScanConfig) -> None:
    """``--sla-days`` and ``--fail-on-overdue`` mean nothing without ``--history``."""
    if config.history is None:
        if config.fail_on_overdue:
            raise InputError("--fail-on-overdue needs --history URL (and --sla-days)")
        if config.sla_days:
            raise InputError("--sla-days (sla_days) needs --history URL: age is kept there")
    elif config.fail_on_overdue and not config.sla_days:
        raise InputError("--fail-on-overdue needs --sla-days (or the config's sla_days table)")


def history_settings(config: ScanConfig) -> dict[str, Any]:
    """The report's ``scan.settings`` keys of history, only when it is kept (the URL masked)."""
    if config.history is None:
        return {}
    from auditor.history.url import masked  # history is in use: SQLAlchemy is wanted anyway

    return {
        "history": masked(config.history),
        "sla_days": {s.value: days for s, days in config.sla_days.items()},
        "fail_on_overdue": config.fail_on_overdue,
    }
