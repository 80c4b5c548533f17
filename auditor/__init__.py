"""auditor: security compliance auditor for Azure Machine Learning and Azure AI Services.

The public Python API (everything in ``__all__``; the rest of the package may change)::

    from pathlib import Path
    import auditor

    report = auditor.run_scan(auditor.ScanConfig(snapshots=(Path("evidence"),)))
    for finding in report.findings:
        if finding.status is auditor.Status.FAIL:
            print(finding.rule_id, finding.severity.value, finding.resource_id)
    print(report.summary.gate.exit_code)          # what `auditor scan` would exit with
    html = auditor.render(report, "html")         # any --format name
    old = auditor.read_report("reports/auditor.json")
"""

from auditor.api import read_report, render, run_scan
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
]
