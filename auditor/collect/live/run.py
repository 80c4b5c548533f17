"""One entry point for a live collection: settings in, a filled builder and a summary out."""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, TextIO

from auditor.collect.live.clients import ClientFactory, make_credential
from auditor.collect.live.collector import LiveCollector, LiveSummary
from auditor.collect.live.progress import Progress
from auditor.collect.live.settings import LiveSettings
from auditor.inventory import InventoryBuilder
from auditor.model import SourceKind
from auditor.sources import SourceRead


def collect_live(
    settings: LiveSettings,
    builder: InventoryBuilder,
    stderr: TextIO | None = None,
    quiet: bool = False,
    now: dt.datetime | None = None,
) -> LiveSummary:
    """Read the tenant the credential sees into ``builder``."""
    endpoint = settings.endpoint()
    stream = stderr or sys.stderr
    if not quiet:  # a live read can wait on a login or a slow endpoint: say what it waits on
        print(
            f"auditor: reading Azure live from {endpoint} with the {settings.auth!r} credential "
            "(to scan files instead: --demo, --snapshot PATH or --template PATH)",
            file=stream,
        )
    notice = None if quiet else RetryNotice(endpoint, stream)
    factory = ClientFactory(make_credential(settings), endpoint, settings, on_retry=notice)
    progress = Progress(stream=stderr, enabled=not quiet)
    return LiveCollector(factory, builder, progress, now).run()


@dataclass(frozen=True)
class LiveSource:
    """The tenant read live through the Azure SDKs (a :class:`~auditor.sources.Source`)."""

    settings: LiveSettings
    quiet: bool = False
    now: dt.datetime | None = None
    stderr: TextIO | None = None

    def read(self, builder: InventoryBuilder) -> list[SourceRead]:
        """Read the tenant into ``builder``; one record with the tenant and request counts."""
        endpoint = self.settings.endpoint()
        started = time.perf_counter()
        summary = collect_live(
            self.settings, builder, stderr=self.stderr, quiet=self.quiet, now=self.now
        )
        counts: dict[str, Any] = {
            "tenant": summary.tenant,
            "subscriptions": len(summary.subscriptions),
            "workspaces": summary.workspaces,
            "requests": summary.requests,
            "retries": summary.retries,
            "repeated_requests": sum(n - 1 for n in summary.urls.values()),
            "seconds": round(time.perf_counter() - started, 2),
        }
        if summary.excluded or self.settings.shard is not None:
            counts["in_scope"] = summary.in_scope
            counts["excluded"] = [
                {"subscription": sub, "by": why} for sub, why in sorted(summary.excluded.items())
            ]
        return [SourceRead(SourceKind.LIVE, endpoint, counts, tenant=summary.tenant)]


class RetryNotice:
    """Says, at most every ``every`` seconds, that requests are being retried after errors:
    an endpoint that accepts connections and never answers is otherwise minutes of silence."""

    def __init__(self, endpoint: str, stream: TextIO, every: float = 15.0) -> None:
        self._endpoint = endpoint
        self._stream = stream
        self._every = every
        self._last: float | None = None
        self._lock = threading.Lock()

    def __call__(self, error: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            if self._last is not None and now - self._last < self._every:
                return
            self._last = now
        print(
            f"auditor: still waiting: no usable answer from {self._endpoint} "
            f"({type(error).__name__}); retrying",
            file=self._stream,
        )
