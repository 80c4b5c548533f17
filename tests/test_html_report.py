"""The HTML report's markup, without a browser: CSP hashes, embedded data, charts, banners."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from auditor.engine.frameworks import Verdict
from auditor.report import html_view
from auditor.report.model import Report
from auditor.report.reader import read_document
from auditor.report.writers.html import ROWS_PER_CHUNK, embed_json, render_html, write_html
from tests.conftest import FIXTURES


def minimal() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "minimal-report.json").read_text("utf-8"))
    return data


def typed(doc: dict[str, Any]) -> Report:
    """The document as the typed report the HTML writer takes."""
    return read_document(doc, "test")


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_csp_allows_exactly_the_inline_script_and_style() -> None:
    """The CSP names the sha256 of the one inline script and style, and nothing else loads."""
    html = render_html(typed(minimal()))
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp
    policy = csp.group(1)
    script = re.search(r"<script>(.*?)</script>", html, re.S)
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert script and style
    assert f"script-src {sha256(script.group(1))}" in policy
    assert f"style-src {sha256(style.group(1))}" in policy
    assert "default-src 'none'" in policy and "unsafe" not in policy
    assert ' style="' not in html  # inline style attributes would need 'unsafe-inline'


def test_embedded_json_cannot_close_its_script_element() -> None:
    """A message holding </script> is escaped in the embedded data and still round-trips."""
    doc = minimal()
    evil = "</script><script>alert(1)</script><!--"
    doc["findings"][0]["message"] = evil
    html = render_html(typed(doc))
    assert "</script><script>alert(1)" not in html
    data = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    assert data
    decoded = json.loads(data.group(1))
    assert evil in [f["msg"] for f in decoded["f"]]
    assert str(embed_json("<&>")) == '"\\u003c\\u0026\\u003e"'


def test_charts_are_accessible_svg_with_text_labels() -> None:
    """Each chart is an SVG image with a title, a description and its numbers as text."""
    doc = minimal()
    html = render_html(typed(doc))
    for chart_id in ("chart-severity", "chart-subscription", "chart-rules"):
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in html
    severity = html_view.charts(typed(doc))[0]
    high = doc["summary"]["failures_by_severity"]["high"]
    assert f"High: {high}" in severity.description
    assert re.search(rf'<text class="value"[^>]*>{high}</text>', html)


def test_banner_tells_incomplete_from_failed_from_passed() -> None:
    """Exit 1 shows a failed gate, exit 3 an incomplete scan, exit 0 a pass."""
    doc = minimal()
    doc["summary"]["gate"].update(exit_code=3, incomplete=True)
    kinds = [b.kind for b in html_view.banners(typed(doc))]
    assert kinds == ["incomplete"]
    assert "Incomplete scan" in render_html(typed(doc))
    doc["summary"]["gate"].update(exit_code=1, incomplete=True)
    assert [b.kind for b in html_view.banners(typed(doc))] == ["fail", "incomplete"]
    doc["summary"]["gate"].update(exit_code=0, incomplete=False)
    assert [b.kind for b in html_view.banners(typed(doc))] == ["pass"]


def test_findings_are_placed_under_their_workspace() -> None:
    """Workspace children group under their resource group and workspace; others by resource group."""
    ws = "/subscriptions/s/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw"
    assert html_view.placement(ws + "/onlineEndpoints/ep/deployments/blue", "rg-ml") == (
        "rg-ml › workspace mlw",
        "onlineEndpoints/ep/deployments/blue",
    )
    assert html_view.placement(
        ws + "/providers/Microsoft.Authorization/roleAssignments/ra1", "rg-ml"
    ) == (
        "rg-ml › workspace mlw",
        "ra1",
    )
    assert html_view.placement(
        "/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/ra2", None
    ) == (
        "(subscription scope)",
        "ra2",
    )


def test_foundry_findings_are_placed_under_their_account_and_project() -> None:
    """An AI Services account's deployments group under the account, a project's connections
    and capability hosts under the account and the project, the account and project
    themselves under their own headings."""
    acct = (
        "/subscriptions/s/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/fdy"
    )
    assert html_view.placement(acct, "rg-ai") == ("rg-ai › account fdy", "fdy")
    assert html_view.placement(acct + "/deployments/gpt", "rg-ai") == (
        "rg-ai › account fdy",
        "deployments/gpt",
    )
    assert html_view.placement(acct + "/projects/p1", "rg-ai") == (
        "rg-ai › account fdy › project p1",
        "p1",
    )
    assert html_view.placement(acct + "/PROJECTS/p1/connections/key", "rg-ai") == (
        "rg-ai › account fdy › project p1",
        "connections/key",
    )
    assert html_view.placement(
        acct + "/projects/p1/providers/Microsoft.Authorization/roleAssignments/ra3", "rg-ai"
    ) == ("rg-ai › account fdy › project p1", "ra3")


def test_compliance_verdicts_come_from_the_report() -> None:
    """The compliance view shows each control's verdict as the report holds it, never one
    worked out again from counts (a control with failures here reads as the report says)."""
    doc = minimal()
    counts = {"pass": 0, "fail": 2, "unknown": 0, "not_applicable": 0, "suppressed": 0}
    doc["compliance"] = [
        {"framework": "mcsb-v1", "control_id": "NS-2", "title": "t", "rules": ["AIS003"],
         "counts": counts, "verdict": "not_assessed"},
        {"framework": "mcsb-v1", "control_id": "DP-4", "title": "gap", "rules": [],
         "counts": dict.fromkeys(counts, 0), "verdict": "no_rules"},
    ]  # fmt: skip
    (view,) = html_view.compliance(typed(doc))  # a 1.3 flat list: one framework
    assert view.framework == "mcsb-v1"
    assert [(row.control_id, row.verdict) for row in view.rows] == [
        ("NS-2", Verdict.NOT_ASSESSED),
        ("DP-4", Verdict.NO_RULES),
    ]
    assert view.verdicts[Verdict.FAIL] == 0 and view.verdicts[Verdict.NO_RULES] == 1
    html = render_html(typed(doc))
    assert '<span class="badge v-not_assessed">Not assessed</span>' in html
    assert "1 without a rule (coverage gaps)" in html


def test_noscript_fallback_lists_findings(tmp_path: Path) -> None:
    """Readers without JavaScript still get the findings as a server-rendered table."""
    doc = minimal()
    html = render_html(typed(doc))
    noscript = html[html.index("<noscript>") : html.index("</noscript>")]
    for f in doc["findings"]:
        assert f["resource_id"] in noscript


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """The WCAG 2 contrast ratio of two #rrggbb colours."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_text_colours_meet_wcag_aa_contrast() -> None:
    """Every text colour of the palette, and white on each badge colour, reaches 4.5:1."""
    css = (Path(html_view.__file__).parent / "templates" / "report.css").read_text("utf-8")
    palette = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-f]{6})", css))
    text_colours = ["fg", "muted", "accent", "critical", "high", "medium", "low", "info"]
    text_colours += ["pass", "fail", "unknown", "suppressed", "na"]
    for name in text_colours:
        assert contrast(palette[name], "#ffffff") >= 4.5, name
        assert contrast(palette[name], palette["soft"]) >= 4.5, f"{name} on the soft background"
    pairs = re.findall(r"\.v-[a-z_]+ \{ background: (#[0-9a-f]{6}); color: (#[0-9a-f]{6});", css)
    assert len(pairs) == len(Verdict)  # one badge colour per verdict
    for background, foreground in pairs:
        assert contrast(background, foreground) >= 4.5, (background, foreground)


def test_compliance_summary_counts_read_as_words(run_cli: Any) -> None:
    """The compliance summary says '4 without a rule (coverage gaps)', not a label: count pair
    (MCSB v1's view: the EU AI Act's, shown first, has no gap left)."""
    html = (
        run_cli(["scan", "--demo", "--framework", "mcsb-v1"]).output_dir / "auditor.html"
    ).read_text()
    summary = html.split('id="compliance"', 1)[1].split("</p>", 1)[0]
    assert "without a rule (coverage gaps)</span>" in summary
    assert "failing</span>" in summary
    assert "Gap: no rule:" not in summary


class _Writes:
    """A text stream that keeps every write apart, to see how the page was written."""

    def __init__(self) -> None:
        self.pieces: list[str] = []

    def write(self, text: str) -> int:
        self.pieces.append(text)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)


def test_the_findings_are_written_in_pieces_and_read_back_whole() -> None:
    """At 0, 1, 1,000, 1,001 and 2,500 findings (either side of a piece's 1,000 rows) the
    embedded data parses and holds every finding in order, the streamed page is the rendered
    page, and no single write holds more than one piece's rows."""
    from tests.synthetic import scaled_document

    for count in (0, 1, ROWS_PER_CHUNK, ROWS_PER_CHUNK + 1, 2500):
        report = typed(scaled_document(minimal(), count))
        stream = _Writes()
        write_html(report, stream)  # type: ignore[arg-type]
        page = "".join(stream.pieces)
        assert page == render_html(report)
        data = re.search(
            r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S
        )
        assert data
        decoded = json.loads(data.group(1))
        assert [row["fp"] for row in decoded["f"]] == [
            f.fingerprint for f in html_view.sorted_findings(report.findings)
        ]
        assert {"subs", "rules", "strings", "evidence", "res"} <= decoded.keys()
        rows = [p for p in stream.pieces if '"fp":' in p]
        assert len(rows) == -(-count // ROWS_PER_CHUNK)  # ceiling: one piece per 1,000 rows
        assert all(p.count('"fp":') <= ROWS_PER_CHUNK for p in rows)
        # The resource table is streamed too: no piece holds more than 1,000 of its rows.
        resources = {f.resource_id.lower() for f in report.findings}
        assert len(decoded["res"]) == len(resources)
        per_piece = [p.count('["/subscriptions/') for p in stream.pieces]
        assert max(per_piece) <= ROWS_PER_CHUNK
        assert sum(per_piece) == len(resources)
