"""The HTML report in a real browser: headless Chromium opens it from disk, offline."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from auditor.report.reader import read_document
from auditor.report.writers.html import render_html
from tests.browser import CHROMIUM, DESKTOP, PHONE, launch, wait_until
from tests.conftest import write_json
from tests.synthetic import scaled_document

pytestmark = pytest.mark.slow

SUB = "aaaaaaaa-0000-4000-8000-000000000001"
EVIL_NAME = '<img src=x onerror="window.__pwned=1">'
EVIL_SUB = '"><script>window.__pwned=2</script>'


@dataclass
class Opened:
    """A report open in a page, with every request and console error it caused."""

    page: Page
    url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def visible_findings(self) -> int:
        """How many finding rows are drawn."""
        return int(self.page.locator("details.finding").count())

    def match_text(self) -> str:
        """The "N matching findings" line."""
        return self.page.locator("#match-count").inner_text()

    def settle(self, before: str) -> None:
        """Wait until the match line differs from ``before``."""
        wait_until(
            self.page,
            f"document.getElementById('match-count').textContent !== {json.dumps(before)}",
        )


def redrawn(page: Page, action: Callable[[], object]) -> None:
    """Run ``action`` and wait until the findings list has been drawn again."""
    version = page.evaluate("document.getElementById('findings-list').dataset.version")
    action()
    wait_until(
        page, f"document.getElementById('findings-list').dataset.version !== {json.dumps(version)}"
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session.

    Without a browser the tests skip with the fix, except under ``CI=true``, where a missing
    browser fails them: CI can never pass without the browser tests having run."""
    if not CHROMIUM.exists():
        why = (
            f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium) "
            "or point AUDITOR_CHROMIUM at a Chromium binary"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{why} (CI=true: the browser tests must run)")
        pytest.skip(why)
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture
def open_report(browser: Browser) -> Iterator[Callable[..., Opened]]:
    """Open an HTML file in a fresh context, recording requests and console errors."""
    contexts = []

    def _open(path: Path, viewport: dict[str, int] = DESKTOP) -> Opened:
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        opened = Opened(page, path.as_uri())
        page.on("request", lambda r: opened.requests.append(r.url))
        page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: opened.errors.append(str(e)))
        page.goto(opened.url)
        page.wait_for_selector("html[data-ready]", state="attached")
        return opened

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def demo_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo scan's HTML report, written once."""
    from auditor.cli import main

    out = tmp_path_factory.mktemp("demo")
    main(["scan", "--demo", "--quiet", "--output-dir", str(out)])
    return out / "auditor.html"


def demo_document(path: Path) -> dict[str, Any]:
    """The JSON report written next to an HTML report."""
    data: dict[str, Any] = json.loads(path.with_suffix(".json").read_text("utf-8"))
    return data


def test_demo_report_makes_no_request_and_runs_its_script(
    open_report: Any, demo_html: Path
) -> None:
    """Opened from disk and used, the report requests nothing but itself and breaks no CSP rule."""
    opened = open_report(demo_html)
    opened.page.locator("details.finding summary").first.click()
    opened.page.locator("#f-text").fill("fraud")
    opened.page.locator("#chart-severity a").first.click()
    assert opened.requests == [opened.url]
    assert opened.errors == []
    assert opened.page.locator("#filters").is_visible()


def test_filters_change_rows_and_counts(open_report: Any, demo_html: Path) -> None:
    """Severity, status, rule, subscription and text filters change the rows and the counts."""
    doc = demo_document(demo_html)
    total = len(doc["findings"])
    opened = open_report(demo_html)
    page = opened.page
    assert opened.visible_findings() == total
    high_fails = sum(1 for f in doc["findings"] if f["severity"] == "high")
    assert page.locator("[data-count='severity:high']").inner_text() == f"({high_fails})"

    before = opened.match_text()
    page.locator("input[name=severity][value=high]").uncheck()
    opened.settle(before)
    assert opened.visible_findings() == total - high_fails
    assert opened.match_text().startswith(f"{total - high_fails} matching")

    before = opened.match_text()
    page.locator("button[type=reset]").click()
    opened.settle(before)
    before = opened.match_text()
    page.select_option("#f-rule", "AIS001")
    opened.settle(before)
    ais001 = sum(1 for f in doc["findings"] if f["rule_id"] == "AIS001")
    assert opened.visible_findings() == ais001
    assert set(page.locator("details.finding code.rule").all_inner_texts()) == {"AIS001"}
    # counts are facets: other severities show 0 under the rule filter
    assert page.locator("[data-count='severity:critical']").inner_text() == "(0)"

    before = opened.match_text()
    page.select_option("#f-rule", "")
    page.select_option("#f-sub", "33333333-3333-4333-8333-333333333333")
    opened.settle(before)
    sandbox = [
        f for f in doc["findings"] if f["subscription_id"] == "33333333-3333-4333-8333-333333333333"
    ]
    assert opened.visible_findings() == len(sandbox)

    before = opened.match_text()
    page.select_option("#f-sub", "")
    opened.settle(before)
    before = opened.match_text()
    page.locator("input[name=status][value=fail]").uncheck()
    opened.settle(before)
    unknown = sum(1 for f in doc["findings"] if f["status"] == "unknown")
    assert opened.visible_findings() == unknown

    before = opened.match_text()
    page.locator("input[name=status][value=fail]").check()
    opened.settle(before)
    before = opened.match_text()
    page.locator("#f-text").fill("legacy-aci-open")
    opened.settle(before)
    mentioning = [f for f in doc["findings"] if "legacy-aci-open" in json.dumps(f)]
    assert 1 <= opened.visible_findings() == len(mentioning) < total
    assert "legacy-aci-open" in page.locator("#findings-list").inner_text()


def test_sorting_and_flat_list(open_report: Any, demo_html: Path) -> None:
    """Sorting by resource name in a flat list orders the rows by name."""
    opened = open_report(demo_html)
    page = opened.page
    page.select_option("#f-group", "flat")
    wait_until(page, "document.getElementById('findings-list').className === 'flat'")
    redrawn(page, lambda: page.select_option("#f-sort", "name"))
    names = [n.lower() for n in page.locator("details.finding .fres").all_inner_texts()]
    assert names == sorted(names)
    redrawn(page, lambda: page.select_option("#f-sort", "name-desc"))
    names_desc = [n.lower() for n in page.locator("details.finding .fres").all_inner_texts()]
    assert names_desc == sorted(names_desc, reverse=True)


def test_expanded_finding_shows_remediation(open_report: Any, demo_html: Path) -> None:
    """Expanding a finding shows its message, evidence and remediation with copy buttons."""
    ais001 = sum(1 for f in demo_document(demo_html)["findings"] if f["rule_id"] == "AIS001")
    opened = open_report(demo_html)
    page = opened.page
    page.select_option("#f-rule", "AIS001")
    wait_until(page, f"document.querySelectorAll('details.finding').length === {ais001}")
    finding = page.locator("details.finding").first
    finding.locator("summary").click()
    body = finding.locator(".fbody")
    text = body.inner_text()
    assert "accepts key authentication" in text
    assert "properties.disableLocalAuth" in text
    assert "az resource update --ids <account-id> --set properties.disableLocalAuth=true" in text
    assert "disableLocalAuth: true" in text  # the Bicep snippet
    assert "In the Azure portal" in text
    assert body.locator("button.copy").count() == 3
    body.locator("button.copy").nth(1).click()
    wait_until(
        page,
        "document.querySelector('.fbody button.copy[aria-label*=CLI]').textContent === 'Copied'",
    )
    assert body.locator("a[href^='https://learn.microsoft.com/']").count() >= 1


def test_rule_text_code_spans_render_as_code(open_report: Any, demo_html: Path) -> None:
    """Backtick spans of rule texts show as <code>, not as raw Markdown backticks."""
    aml005 = sum(1 for f in demo_document(demo_html)["findings"] if f["rule_id"] == "AML005")
    page = open_report(demo_html).page
    page.select_option("#f-rule", "AML005")
    wait_until(page, f"document.querySelectorAll('details.finding').length === {aml005}")
    finding = page.locator("details.finding").first
    finding.locator("summary").click()
    summary = finding.locator(".fbody h5:has-text('Remediation') + p")
    assert "`" not in summary.inner_text()
    assert summary.locator("code").first.inner_text() == "auth_enabled=True"


def test_injected_markup_does_not_run(open_report: Any, run_cli: Any, tmp_path: Path) -> None:
    """A resource and subscription named with markup render as text; their scripts never run."""
    account = {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/{EVIL_NAME}",
        "type": "Microsoft.CognitiveServices/accounts",
        "name": EVIL_NAME,
        "tags": {"owner": "</script><script>window.__pwned=3</script>"},
        "properties": {"disableLocalAuth": False},
    }
    subscription = {"id": f"/subscriptions/{SUB}", "subscriptionId": SUB, "displayName": EVIL_SUB}
    write_json(tmp_path / "in" / "evil.json", [account, subscription])
    result = run_cli(["scan", "--snapshot", str(tmp_path / "in")])
    opened = open_report(result.output_dir / "auditor.html")
    page = opened.page
    page.locator("details.finding summary").first.click()
    wait_until(page, "!!document.querySelector('details.finding[open] .fbody')")
    assert EVIL_NAME in page.locator(".fbody").inner_text()  # in the expanded resource id
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img").count() == 0
    listed = page.locator("#findings-list").inner_text()
    assert EVIL_NAME in listed
    assert EVIL_SUB in listed
    assert EVIL_SUB in page.locator("#f-sub").inner_text()
    assert opened.requests == [opened.url]  # the <img src=x> was never fetched


def test_phone_width_has_no_horizontal_overflow(open_report: Any, demo_html: Path) -> None:
    """At 390 px the page does not scroll sideways, even with a finding expanded."""
    opened = open_report(demo_html, viewport=PHONE)
    page = opened.page
    assert not page.locator("#f-text").is_visible()  # the filters start folded on a phone
    page.locator("#filterbox > summary").click()
    assert page.locator("#f-text").is_visible()
    page.locator("details.finding summary").first.click()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]


def test_compliance_view_shows_controls_and_gaps(
    open_report: Any, demo_html: Path, tmp_path: Path
) -> None:
    """A document's compliance list renders per control; a control with no rule shows as a gap."""
    doc = demo_document(demo_html)
    counts = {"pass": 1, "fail": 5, "unknown": 0, "not_applicable": 0, "suppressed": 0}
    zero = dict.fromkeys(counts, 0)
    doc["compliance"] = [
        {
            "framework": "mcsb-v1",
            "control_id": "IM-1",
            "title": "Use centralized identity",
            "rules": ["AIS001"],
            "counts": counts,
            "verdict": "fail",
        },
        {
            "framework": "mcsb-v1",
            "control_id": "LT-3",
            "title": "Enable logging <for> investigation",
            "rules": [],
            "counts": zero,
            "verdict": "no_rules",
        },
    ]
    path = tmp_path / "auditor.html"
    path.write_text(render_html(read_document(doc, "test")), encoding="utf-8")
    opened = open_report(path)
    page = opened.page
    table = page.locator("table.compliance")
    assert table.locator("tbody tr").count() == 2
    gap = table.locator("tr.gap")
    assert "LT-3" in gap.inner_text()
    assert "gap: no rule" in gap.inner_text().lower()
    assert "Enable logging <for> investigation" in gap.inner_text()
    table.locator("a[data-value=AIS001]").click()
    wait_until(page, "document.getElementById('f-rule').value === 'AIS001'")
    assert opened.visible_findings() == sum(1 for f in doc["findings"] if f["rule_id"] == "AIS001")


def test_framework_switcher_shows_one_view_at_a_time(open_report: Any, demo_html: Path) -> None:
    """The tabs switch the compliance view between frameworks (click and arrow keys), offline,
    and MCSB v2's AI-7 reads as not assessable from configuration, not as a gap."""
    doc = demo_document(demo_html)
    names = [b["framework"] for b in doc["compliance"]]
    opened = open_report(demo_html)
    page = opened.page

    def shown() -> list[str]:
        views = page.locator(".fw-view")
        return [
            views.nth(i).get_attribute("data-framework") or ""
            for i in range(views.count())
            if views.nth(i).is_visible()
        ]

    assert page.locator(".fw-switch [role=tab]").count() == len(names)
    assert shown() == [names[0]]
    page.locator(".fw-switch [data-framework=mcsb-v2]").click()
    assert shown() == ["mcsb-v2"]
    assert page.locator("#fw-tab-mcsb-v2").get_attribute("aria-selected") == "true"
    row = page.locator("#fw-mcsb-v2 table.compliance tr", has=page.locator("code", has_text="AI-7"))
    assert "not assessable from configuration" in row.inner_text().lower()
    assert "gap" not in (row.get_attribute("class") or "")
    page.keyboard.press("ArrowRight")
    following = names[(names.index("mcsb-v2") + 1) % len(names)]
    assert shown() == [following]
    assert opened.requests == [opened.url] and opened.errors == []


def test_chart_bar_filters_failures(open_report: Any, demo_html: Path) -> None:
    """Selecting the 'critical' bar shows exactly the critical failures."""
    doc = demo_document(demo_html)
    opened = open_report(demo_html)
    opened.page.locator("#chart-severity a[data-value=critical]").click()
    assert opened.visible_findings() == doc["summary"]["failures_by_severity"]["critical"]


def test_large_report_is_paginated(open_report: Any, demo_html: Path, tmp_path: Path) -> None:
    """With 450 findings the first 200 are drawn; "Show more" adds the next 200."""
    doc = scaled_document(demo_document(demo_html), 450)
    path = tmp_path / "auditor.html"
    path.write_text(render_html(read_document(doc, "test")), encoding="utf-8")
    opened = open_report(path)
    assert opened.visible_findings() == 200
    assert opened.match_text().startswith("Showing 200 of 450")
    opened.page.locator("#show-more").click()
    assert opened.visible_findings() == 400
    opened.page.locator("#show-more").click()
    assert opened.visible_findings() == 450
    assert opened.page.locator("#show-more").is_hidden()


def test_filters_and_findings_work_from_the_keyboard(open_report: Any, demo_html: Path) -> None:
    """Tab reaches every filter; Space toggles a severity, Enter expands a finding."""
    opened = open_report(demo_html)
    page = opened.page
    wanted = {"severity", "status", "rule", "sub", "q", "sort", "group"}
    reached: set[str] = set()
    for _ in range(600):
        page.keyboard.press("Tab")
        name = page.evaluate("document.activeElement.name || ''")
        reached.add(name)
        if name == "severity" and page.evaluate("document.activeElement.value") == "high":
            before = opened.match_text()
            page.keyboard.press("Space")
            opened.settle(before)
            assert page.evaluate("document.activeElement.checked") is False
        if wanted <= reached:
            break
    assert wanted <= reached
    while page.evaluate("document.activeElement.tagName") != "SUMMARY":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    wait_until(page, "document.querySelectorAll('details.finding[open] .fbody').length === 1")
    assert "remediation" in page.locator("details.finding[open] .fbody").inner_text().lower()


def test_print_expands_every_matching_finding(
    open_report: Any, demo_html: Path, tmp_path: Path
) -> None:
    """Before printing, every matching finding is drawn and expanded, and the filters hide."""
    doc = scaled_document(demo_document(demo_html), 450)
    path = tmp_path / "auditor.html"
    path.write_text(render_html(read_document(doc, "test")), encoding="utf-8")
    opened = open_report(path)
    page = opened.page
    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert page.locator("details.finding[open]").count() == 450
    assert page.locator("details.finding[open] .fbody").count() == 450
    assert page.evaluate("getComputedStyle(document.getElementById('filterbox')).display") == "none"


def test_a_link_to_a_finding_opens_it(open_report: Any, demo_html: Path, tmp_path: Path) -> None:
    """Opening the report at #f-<fingerprint> draws, expands and shows that finding."""
    doc = scaled_document(demo_document(demo_html), 450)
    path = tmp_path / "auditor.html"
    path.write_text(render_html(read_document(doc, "test")), encoding="utf-8")
    opened = open_report(path)
    last = opened.page.evaluate(
        "(() => { const d = JSON.parse(document.getElementById('report-data').textContent); return d.f[d.f.length - 1].fp; })()"
    )
    opened.page.goto(f"{opened.url}#f-{last}")
    opened.page.reload()
    opened.page.wait_for_selector("html[data-ready]", state="attached")
    wait_until(opened.page, f"!!document.querySelector('#f-{last}[open] .fbody')")
    assert opened.page.locator(f"#f-{last}").is_visible()


def test_new_since_baseline_filter(open_report: Any, demo_html: Path, tmp_path: Path) -> None:
    """With a baseline, new findings carry a badge and a checkbox shows only them."""
    doc = demo_document(demo_html)
    for index, finding in enumerate(doc["findings"]):
        finding["baseline"] = "new" if index < 2 else "existing"
    doc["baseline"] = {
        "path": "old.json",
        "new": 2,
        "existing": len(doc["findings"]) - 2,
        "fixed": 0,
        "fixed_findings": [],
    }
    path = tmp_path / "auditor.html"
    path.write_text(render_html(read_document(doc, "test")), encoding="utf-8")
    opened = open_report(path)
    page = opened.page
    assert page.locator("details.finding .badge.new").count() == 2
    before = opened.match_text()
    page.locator("input[name=newonly]").check()
    opened.settle(before)
    assert opened.visible_findings() == 2
    assert "2 new" in page.locator("#summary").locator("xpath=..").inner_text()


def test_without_javascript_the_findings_are_a_table(browser: Browser, demo_html: Path) -> None:
    """With scripts off (a locked-down mail viewer), the summary and a findings table still show."""
    doc = demo_document(demo_html)
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(demo_html.as_uri())
        rows = page.locator("section[aria-labelledby=findings] noscript table tbody tr")
        assert rows.count() == len(doc["findings"])
        assert not page.locator("#filterbox").is_visible()
        assert page.locator("#chart-severity svg").is_visible()
        tables = page.locator("table.compliance")
        # every framework's view shows, one after the other; the switcher needs the script
        assert tables.count() == len(doc["compliance"]) > 1
        assert all(tables.nth(i).is_visible() for i in range(tables.count()))
        assert not page.locator(".fw-switch").is_visible()
    finally:
        context.close()
