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
import secrets
from collections.abc import Iterator
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


def _script_safe(text: str) -> str:
    """JSON text made safe inside a ``<script type="application/json">`` element: no ``<``,
    ``>``, ``&`` (each is one character, so chunks of a document can be made safe apart)."""
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""Compact JSON by the C encoder, one encoder for every row (``json.dumps`` makes one a call)."""


def embed_json(value: Any) -> Markup:
    """JSON safe inside a ``<script type="application/json">`` element: no ``<``, ``>``, ``&``."""
    return Markup(_script_safe(_dumps(value)))


class _Table:
    """Values stored once in a list and referred to by index (types, paths, evidence...)."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._index: dict[tuple[bool, str], int] = {}
        self._seen: dict[int, tuple[Any, int]] = {}
        """id -> (the object, its index): equal results share one evidence object (see the
        engine), so most lookups skip encoding; the object is kept, so its id is not reused."""

    def ref(self, value: Any) -> int:
        text = isinstance(value, str)
        if not text:  # a string is its own key: only evidence is worth finding by identity
            seen = self._seen.get(id(value))
            if seen is not None and seen[0] is value:
                return seen[1]
        key = (text, value if text else json.dumps(value, sort_keys=True))
        index = self._index.setdefault(key, len(self.values))
        if index == len(self.values):
            self.values.append(value)
        if not text:
            self._seen[id(value)] = (value, index)
        return index


ROWS_PER_CHUNK = 1000
"""Finding rows encoded into one piece of the page."""


def findings_data(report: Report) -> Iterator[str]:
    """The findings in a compact form for the script, as pieces of one JSON document (safe
    inside its script element), a thousand findings a piece: the page is written without
    ever holding the whole document.

    Rule texts are stored once per rule, resources once each (as rows of ``id, type, name,
    subscription, group, label, location, source``, the repeated strings by index into
    ``strings``), and identical evidence once (``ev`` indexes ``evidence``). The findings
    (``f``) come first: the tables they refer to are complete only once all are written.
    """
    names = html_view.subscription_names(report)
    rules: dict[str, dict[str, Any]] = {r.id: _rule_texts(r) for r in report.rules}
    known = {r.id: r for r in report.rules}
    strings, evidence = _Table(), _Table()
    resource_index: dict[str, int] = {}
    resource_rows: list[list[Any]] = []
    rows: list[str] = []
    yield '{"f":['
    for number, f in enumerate(html_view.sorted_findings(report.findings)):
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
            "ev": evidence.ref(f.evidence if type(f.evidence) is dict else dict(f.evidence)),
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
        rows.append(_dumps(row))
        if len(rows) == ROWS_PER_CHUNK:
            yield _script_safe(("," if number >= ROWS_PER_CHUNK else "") + ",".join(rows))
            rows = []
    if rows:
        yield _script_safe(("," if len(report.findings) > len(rows) else "") + ",".join(rows))
    subs = {sub_id: html_view.subscription_label(sub_id, names) for sub_id in names}
    subs[""] = html_view.NO_SUBSCRIPTION
    yield _script_safe(f'],"subs":{_dumps(subs)},"rules":{_dumps(rules)},"strings":')
    yield from _array(strings.values)
    yield ',"evidence":'
    yield from _array(evidence.values)
    yield ',"res":'
    yield from _array(resource_rows)
    yield "}"


def _array(values: list[Any]) -> Iterator[str]:
    """A JSON array, a thousand items a piece (the bytes ``_dumps`` gives the whole list):
    at a million resources one piece of the tables would be hundreds of megabytes."""
    yield "["
    for start in range(0, len(values), ROWS_PER_CHUNK):
        piece = _dumps(values[start : start + ROWS_PER_CHUNK])[1:-1]
        yield _script_safe(("," if start else "") + piece)
    yield "]"


def _rule_texts(source: RuleInfo) -> dict[str, Any]:
    """What the script shows of a rule."""
    return {
        "title": source.title,
        "severity": source.severity.value,
        "remediation": source.remediation.to_document(),
        "references": list(source.references),
        "controls": {k: list(v) for k, v in source.controls.items()},
    }


def _page(report: Report, data: Markup) -> tuple[jinja2.Template, dict[str, Any]]:
    """The page's template and everything it shows (``data`` where the findings go)."""
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
            "data": data,
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


def _pieces(report: Report) -> Iterator[str]:
    """The page, piece by piece; the findings' JSON is streamed where the template has a
    placeholder (a random token, so no text of the report can be mistaken for it)."""
    token = secrets.token_hex(16)
    template, context = _page(report, Markup(token))
    placed = False
    for piece in template.generate(context):
        if token not in piece:
            yield piece
            continue
        if placed or piece.count(token) != 1:
            raise AssertionError("the findings placeholder must appear once in the page")
        before, after = piece.split(token)
        yield before
        yield from findings_data(report)
        yield after
        placed = True
    if not placed:
        raise AssertionError("the page template lost its findings placeholder")


def render_html(report: Report) -> str:
    """Render the report as HTML."""
    return "".join(_pieces(report))


def write_html(report: Report, out: TextIO) -> None:
    """Write the report as HTML, as the template produces it, never held whole."""
    out.writelines(_pieces(report))


WRITER = Writer(name="html", filename="auditor.html", write=text_writer(write_html))
