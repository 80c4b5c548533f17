"""Optional extras: what a feature needs beyond the core install, checked when it is asked for.

The core install stays small; ``pip install 'auditor[analysis]'`` adds pandas and the Excel
writer. A feature that needs an extra calls :func:`require` first, so its absence is an input
error (exit 2) naming the extra to install, never a traceback halfway through a scan.
"""

from __future__ import annotations

import importlib

from auditor.errors import InputError

ANALYSIS = "analysis"
"""The extra of ``--format xlsx``, ``Report.to_frame()`` and ``auditor history trend``:
pandas and XlsxWriter."""


def require(extra: str, what: str, *modules: str) -> None:
    """Import each module, or raise :class:`InputError` saying that ``what`` needs ``extra``."""
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError as exc:
            raise InputError(
                f"{what} needs the {extra!r} extra: pip install 'auditor[{extra}]' "
                f"({module} cannot be imported: {exc})"
            ) from None
