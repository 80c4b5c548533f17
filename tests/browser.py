"""Headless Chromium for the HTML report: Debian's ``chromium`` driven by Playwright.

Shared by the browser tests, ``scripts/screenshots.py`` and ``benchmarks/html_report.py``.
Playwright's own browser download is never used: the system Chromium is launched by path,
with a fresh temporary profile and every background network feature off.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright, ViewportSize

CHROMIUM = Path(os.environ.get("AUDITOR_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


def launch(playwright: Playwright) -> Browser:
    """Start the system Chromium headless (Playwright gives each launch a fresh profile dir)."""
    if not CHROMIUM.exists():
        raise RuntimeError(
            f"{CHROMIUM} not found: install Debian's chromium "
            "(apt-get install chromium) or set AUDITOR_CHROMIUM"
        )
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


def wait_until(page: Page, expression: str, timeout: float = 30.0) -> None:
    """Poll a JavaScript expression until it is truthy.

    ``page.wait_for_function`` evaluates strings in the page, which the report's CSP (rightly)
    refuses; ``page.evaluate`` runs through the debugger protocol and is not subject to it.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout} s: {expression}")
        time.sleep(0.005)
