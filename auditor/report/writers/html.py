"""The HTML report: one self-contained file rendered by Jinja2 with autoescaping.

Everything is derived from the typed report. The summary, charts, compliance view and
"not assessed" tables are rendered here; the findings explorer is drawn in the browser by a
small hand-written script from the findings embedded as JSON (``<script
type="application/json">``, with ``<``, ``>`` and ``&`` escaped), which builds the DOM with
``textContent`` only, so a value from Azure is never parsed as markup. The page makes no request
of any kind: its Content-Security-Policy allows only its own style and script, by hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
from importlib import resources
from typing import Any, TextIO

import jinja2
from markupsafe import Markup

from auditor.engine.frameworks import Verdict
from auditor.model import Status
from auditor.report import html_view
from auditor.report.formats import Writer, text_writer
from auditor.report.model import Report, RuleInfo

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("auditor.report", "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html", "j2"), default=True),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

NOSCRIPT_LIMIT = 1000
"""Findings listed for readers without JavaScript (the rest are in auditor.json)."""


def _pretty(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


_ENV.filters["pretty"] = _pretty


def _asset(name: str) -> str:
    return (resources.files("auditor.report") / "templates" / name).read_text("utf-8")


def csp_hash(text: str) -> str:
    """The CSP source expression allowing exactly this inline script or style."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def embed_json(value: Any) -> Markup:
    """JSON safe inside a ``<script type="application/json">`` element: no ``<``, ``>``, ``&``."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


class _Table:
    """Values stored once in a list and referred to by index (types, paths, evidence...)."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._index: dict[str, int] = {}

    def ref(self, value: Any) -> int:
        key = json.dumps(value, sort_keys=True)
        if key not in self._index:
            self._index[key] = len(self.values)
            self.values.append(value)
        return self._index[key]


def findings_data(report: Report) -> dict[str, Any]:
    """The findings in a compact form for the script.

    Rule texts are stored once per rule, resources once each (as rows of ``id, type, name,
    subscription, group, label, location, source``, the repeated strings by index into
    ``strings``), and identical evidence once (``ev`` indexes ``evidence``).
    """
    names = html_view.subscription_names(report)
    rules: dict[str, dict[str, Any]] = {r.id: _rule_texts(r) for r in report.rules}
    known = {r.id: r for r in report.rules}
    strings, evidence = _Table(), _Table()
    resource_index: dict[str, int] = {}
    resource_rows: list[list[Any]] = []
    rows: list[dict[str, Any]] = []
    for f in html_view.sorted_findings(report.findings):
        key = f.resource_id.lower()
        if key not in resource_index:
            group, label = html_view.placement(f.resource_id, f.resource_group)
            src = f.source
            where = " ".join(str(p) for p in (src.kind, src.path, src.line) if p)
            resource_index[key] = len(resource_rows)
            resource_rows.append(
                [
                    f.resource_id,
                    strings.ref(f.resource_type),
                    f.resource_name,
                    strings.ref(f.subscription_id or ""),
                    strings.ref(group),
                    label,
                    strings.ref(f.location or ""),
                    strings.ref(where),
                ]
            )
        row: dict[str, Any] = {
            "r": resource_index[key],
            "rule": f.rule_id,
            "sev": f.severity.value,
            "st": f.status.value,
            "msg": f.message,
            "ev": evidence.ref(dict(f.evidence)),
            "fp": f.fingerprint,
        }
        if f.reason:
            row["why"] = f.reason
        if f.suppression:
            row["sup"] = dict(f.suppression)
        if f.baseline == "new":
            row["new"] = 1
        if f.first_seen is not None:
            row["age"] = [f.age_days, f.first_seen, f.first_scan, int(bool(f.reopened))]
            if f.overdue:
                row["late"] = 1
        if f.rule is not known.get(f.rule_id):  # a rule rules[] lacks, or read from 1.x
            texts = _rule_texts(f.rule)
            rule = rules.setdefault(f.rule_id, texts)
            for short, field in (
                ("title", "title"),
                ("rem", "remediation"),
                ("refs", "references"),
                ("ctl", "controls"),
            ):
                if texts[field] != rule[field]:
                    row[short] = texts[field]
        rows.append(row)
    subs = {sub_id: html_view.subscription_label(sub_id, names) for sub_id in names}
    subs[""] = html_view.NO_SUBSCRIPTION
    return {
        "subs": subs,
        "rules": rules,
        "strings": strings.values,
        "evidence": evidence.values,
        "res": resource_rows,
        "f": rows,
    }


def _rule_texts(source: RuleInfo) -> dict[str, Any]:
    """What the script shows of a rule."""
    return {
        "title": source.title,
        "severity": source.severity.value,
        "remediation": source.remediation.to_document(),
        "references": list(source.references),
        "controls": {k: list(v) for k, v in source.controls.items()},
    }


def _page(report: Report) -> tuple[jinja2.Template, dict[str, Any]]:
    """The page's template and everything it shows."""
    script = _asset("report.js")
    style = _asset("report.css")
    if "</script" in script.lower() or "</style" in style.lower():
        raise ValueError("inline assets must not close their own element")
    csp = (
        "default-src 'none'; "
        f"style-src {csp_hash(style)}; script-src {csp_hash(script)}; "
        "base-uri 'none'; form-action 'none'"
    )
    findings = html_view.sorted_findings(report.findings)
    subs = html_view.subscription_names(report)
    return (
        _ENV.get_template("report.html.j2"),
        {
            "doc": report,
            "csp": Markup(csp),  # built from fixed text and base64 hashes only
            "style": Markup(style),
            "script": Markup(script),
            "data": embed_json(findings_data(report)),
            "findings": findings,
            "noscript_findings": findings[:NOSCRIPT_LIMIT],
            "severities": html_view.SEVERITY_ORDER,
            "statuses": html_view.STATUS_ORDER,
            "banners": html_view.banners(report),
            "charts": html_view.charts(report),
            "trend": html_view.trend_chart(report),
            "compliance": html_view.compliance(report),
            "unknown_groups": html_view.unknown_groups(report),
            "duration": html_view.duration_text(report.scan.started_at, report.scan.finished_at),
            "subscriptions": sorted(subs.items(), key=lambda kv: kv[1].lower()),
            "resource_total": sum(report.scan.resources.values()),
            "no_subscription": html_view.NO_SUBSCRIPTION,
            "Status": Status,
            "Verdict": Verdict,
        },
    )


def render_html(report: Report) -> str:
    """Render the report as HTML."""
    template, context = _page(report)
    return template.render(context)


def write_html(report: Report, out: TextIO) -> None:
    """Write the report as HTML, as the template produces it."""
    template, context = _page(report)
    out.writelines(template.generate(context))


WRITER = Writer(name="html", filename="auditor.html", write=text_writer(write_html))
