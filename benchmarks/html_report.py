"""Benchmark: the HTML report with 20,000 findings (file size, render and browser timings).

Usage: ``python benchmarks/html_report.py [COUNT]`` (default 20000). Scans the demo estate,
clones its findings into a document of COUNT findings (``tests/synthetic.py``), renders
``auditor.html`` and opens it from disk in headless Chromium (Debian's ``chromium`` through
Playwright). Prints the file size, the render time, the time until the page is interactive
(first page of findings drawn, filters live: ``html[data-ready]``), and, a second later, how
long a severity filter, a text search and "Show all" take. A benchmark that prints figures,
not a test.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from auditor.cli import main as auditor_main  # noqa: E402
from auditor.report.reader import read_document  # noqa: E402
from auditor.report.writers.html import render_html  # noqa: E402
from tests.browser import DESKTOP, launch, wait_until  # noqa: E402
from tests.synthetic import scaled_document  # noqa: E402

SETTLED = "document.getElementById('match-count').textContent"


def timed_change(page: Page, action: str) -> float:
    """Milliseconds from running ``action`` in the page until the match count text changes."""
    before = page.evaluate(SETTLED)
    start = time.perf_counter()
    page.evaluate(action)
    wait_until(page, f"{SETTLED} !== {json.dumps(before)}", 60)
    return (time.perf_counter() - start) * 1000


def main() -> int:
    """Run the benchmark once and print its figures."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        auditor_main(["scan", "--demo", "--quiet", "--format", "json", "--output-dir", tmp])
        base = json.loads((out / "auditor.json").read_text("utf-8"))
        document = scaled_document(base, count)
        start = time.perf_counter()
        html = render_html(read_document(document, "scaled"))
        render_ms = (time.perf_counter() - start) * 1000
        path = out / "auditor.html"
        path.write_text(html, encoding="utf-8")
        size = path.stat().st_size
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport=DESKTOP)
            start = time.perf_counter()
            page.goto(path.as_uri(), wait_until="commit")
            page.wait_for_selector("html[data-ready]", state="attached", timeout=120_000)
            tti_ms = (time.perf_counter() - start) * 1000
            nav = page.evaluate(
                "(() => { const n = performance.getEntriesByType('navigation')[0];"
                " return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd}; })()"
            )
            page.wait_for_timeout(1000)  # let the page finish warming its search index
            severity_ms = timed_change(
                page, "document.querySelector('input[name=severity][value=high]').click()"
            )
            search = (
                "(() => { const i = document.getElementById('f-text'); i.value = 'fraud';"
                " i.dispatchEvent(new Event('input', {bubbles: true})); })()"
            )
            search_ms = timed_change(page, search)
            page.evaluate("document.querySelector('button[type=reset]').click()")
            wait_until(page, f"{SETTLED}.indexOf('Showing') === 0")
            start = time.perf_counter()
            page.evaluate("document.getElementById('show-all').click()")
            wait_until(page, f"{SETTLED}.indexOf('Showing') !== 0", 120)
            show_all_ms = (time.perf_counter() - start) * 1000
            browser.close()
    print(f"findings:              {count:,}")
    print(f"file size:             {size / 1_000_000:.1f} MB ({size:,} bytes)")
    print(f"render (Python):       {render_ms:,.0f} ms")
    print(f"time to interactive:   {tti_ms:,.0f} ms (DOMContentLoaded {nav['dcl']:,.0f} ms)")
    print(f"severity filter:       {severity_ms:,.0f} ms")
    print(f"text search (150 ms debounce included): {search_ms:,.0f} ms")
    print(f"show all {count:,}:     {show_all_ms:,.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
