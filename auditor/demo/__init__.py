"""The bundled demo estate: a realistic two-subscription estate that exercises every rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from auditor.collect.snapshot import SnapshotSource
from auditor.model import SourceKind

DEMO_DIR = Path(__file__).resolve().parent / "estate"
DEMO_AS_OF = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
"""The demo estate is judged as of this date, so its key-rotation findings never age."""

DEMO_PREFIX = "auditor/demo/estate"
"""How reports name the demo's files (inside the package, the same on every machine)."""
DEMO_SOURCE = SnapshotSource([DEMO_DIR], SourceKind.DEMO, display_prefix=DEMO_PREFIX)
"""``--demo``: the estate read as a snapshot, its files named inside the package."""
