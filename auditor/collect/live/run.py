"""One entry point for a live collection: settings in, a filled builder and a summary out."""

from __future__ import annotations

import datetime as dt
import sys
from typing import TextIO

from auditor.collect.live.clients import ClientFactory, make_credential
from auditor.collect.live.collector import LiveCollector, LiveSummary
from auditor.collect.live.progress import Progress
from auditor.collect.live.settings import LiveSettings
from auditor.inventory import InventoryBuilder


def collect_live(
    settings: LiveSettings,
    builder: InventoryBuilder,
    stderr: TextIO | None = None,
    quiet: bool = False,
    now: dt.datetime | None = None,
) -> LiveSummary:
    """Read the tenant the credential sees into ``builder``."""
    endpoint = settings.endpoint()
    if not quiet:  # a live read can wait on a login or a slow endpoint: say what it waits on
        print(
            f"auditor: reading Azure live from {endpoint} with the {settings.auth!r} credential "
            "(to scan files instead: --demo, --snapshot PATH or --template PATH)",
            file=stderr or sys.stderr,
        )
    factory = ClientFactory(make_credential(settings), endpoint, settings)
    progress = Progress(stream=stderr, enabled=not quiet)
    return LiveCollector(factory, builder, progress, now).run()
