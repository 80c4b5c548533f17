"""auditor: security compliance auditor for Azure Machine Learning and Azure AI Services.

The public Python API (everything in ``__all__``; the rest of the package may change)::

    import auditor

    report = auditor.scan(snapshot="evidence", framework="mcsb-v2", as_of="2026-11-01")
    for finding in report.findings:
        if finding.status is auditor.Status.FAIL:
            print(finding.rule_id, finding.severity.value, finding.resource_id)
    print(report.summary.gate.exit_code)          # what `auditor scan` would exit with
    html = auditor.render(report, "html")         # any --format name
    old = auditor.read_report("reports/auditor.json")
    frame = report.to_frame()                     # pandas: pip install 'auditor[analysis]'

``auditor.run_scan(auditor.ScanConfig(...))`` takes every setting at once, as the CLI builds it.
"""

from auditor.api import read_report, render, run_scan, scan
from auditor.collect.live.settings import LiveSettings
from auditor.config import ScanConfig
from auditor.errors import AuditorError, InputError
from auditor.model import Severity, Status
from auditor.report.model import Finding, Report
from auditor.version import __version__

__all__ = [
    "AuditorError",
    "Finding",
    "InputError",
    "LiveSettings",
    "Report",
    "ScanConfig",
    "Severity",
    "Status",
    "__version__",
    "read_report",
    "render",
    "run_scan",
    "scan",
]

# ``scan`` is also the name of the submodule auditor/scan.py, which the line above has already
# imported (through auditor.api): importing it binds the module here once, on first import, so
# the function bound after it stays. Write ``from auditor.scan import X``, never
# ``import auditor.scan as m``, which would get the function.
