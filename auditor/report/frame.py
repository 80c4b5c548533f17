"""The report's findings as a pandas DataFrame (``Report.to_frame()``), for notebooks.

pandas is the ``analysis`` extra: imported only here, only when a frame is asked for, so
``import auditor`` and every other format stay as light as the core install.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditor.extras import ANALYSIS, require
from auditor.model import Severity, Status
from auditor.report.table import FINDING_COLUMNS, finding_rows

if TYPE_CHECKING:
    import pandas as pd

    from auditor.report.model import Report

_TEXT = "string"  # pandas' own text dtype: missing values are <NA>, not the float NaN
_DTYPES = {
    "gating": "boolean",
    "source_line": "Int64",  # nullable: a live finding has no line
}


def findings_frame(report: Report) -> pd.DataFrame:
    """One row per listed finding, columns :data:`~auditor.report.table.FINDING_COLUMNS`:
    ``severity`` an ordered categorical from ``info`` to ``critical`` (so ``>=`` and sorting
    follow severity), ``status`` a categorical of every status, the rest typed text, flags
    and line numbers."""
    require(ANALYSIS, "Report.to_frame()", "pandas")
    import pandas as pd

    frame = pd.DataFrame.from_records(list(finding_rows(report)), columns=list(FINDING_COLUMNS))
    severities = pd.CategoricalDtype([s.value for s in Severity], ordered=True)
    statuses = pd.CategoricalDtype([s.value for s in Status])
    dtypes: dict[str, str | pd.CategoricalDtype] = {
        name: _DTYPES.get(name, _TEXT) for name in FINDING_COLUMNS
    }
    dtypes.update(severity=severities, status=statuses)
    return frame.astype(dtypes)
