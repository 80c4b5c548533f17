"""The HTML report: one self-contained file rendered by Jinja2 with autoescaping."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jinja2

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("auditor.report", "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2"), default=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

SEVERITY_ORDER = ["critical", "high", "medium", "low", "info"]
STATUS_ORDER = ["fail", "unknown", "suppressed", "pass", "not_applicable"]


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


_ENV.filters["pretty"] = _pretty


def render_html(document: Mapping[str, Any]) -> str:
    """Render the report document as HTML."""
    findings = sorted(
        document["findings"],
        key=lambda f: (
            STATUS_ORDER.index(f["status"]),
            SEVERITY_ORDER.index(f["severity"]),
            f["rule_id"],
            f["resource_id"].lower(),
        ),
    )
    template = _ENV.get_template("report.html.j2")
    return template.render(
        doc=document,
        findings=findings,
        severities=SEVERITY_ORDER,
        statuses=STATUS_ORDER,
        not_assessed=[f for f in findings if f["status"] == "unknown"],
    )
