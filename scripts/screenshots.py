"""Screenshots of the demo HTML report for the README (desktop 1280 px and phone 390 px wide).

Usage: ``python scripts/screenshots.py`` (needs Debian's chromium and ``pip install playwright``;
never ``playwright install``). Scans the bundled demo estate into a temporary folder, opens
``auditor.html`` from disk in headless Chromium and writes ``docs/report-desktop.png``,
``docs/report-phone.png`` (the top of the page) and ``docs/report-findings.png`` (the findings
explorer at desktop width, with one finding expanded).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from playwright.sync_api import sync_playwright  # noqa: E402

from auditor.cli import main as auditor_main  # noqa: E402
from tests.browser import DESKTOP, PHONE, launch  # noqa: E402

SHOTS = {
    "report-desktop.png": (DESKTOP, 1500),
    "report-phone.png": (PHONE, 1700),
}


def main() -> int:
    """Write the screenshots; returns the process exit code."""
    docs = REPO / "docs"
    docs.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        auditor_main(["scan", "--demo", "--quiet", "--output-dir", tmp])
        url = (Path(tmp) / "auditor.html").as_uri()
        with sync_playwright() as p:
            browser = launch(p)
            for name, (viewport, height) in SHOTS.items():
                page = browser.new_page(viewport=viewport)
                page.goto(url)
                page.wait_for_selector("html[data-ready]", state="attached")
                width = viewport["width"]
                page.screenshot(
                    path=str(docs / name),
                    clip={"x": 0, "y": 0, "width": width, "height": height},
                    full_page=True,
                )
                page.close()
                print(f"wrote docs/{name}")
            page = browser.new_page(viewport=DESKTOP)
            page.goto(url)
            page.wait_for_selector("html[data-ready]", state="attached")
            page.select_option("#f-sub", index=1)
            page.locator("details.finding summary").first.click()
            top = page.evaluate(
                "document.getElementById('findings').getBoundingClientRect().top + window.scrollY"
            )
            page.screenshot(
                path=str(docs / "report-findings.png"),
                clip={"x": 0, "y": top - 10, "width": DESKTOP["width"], "height": 1300},
                full_page=True,
            )
            print("wrote docs/report-findings.png")
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
