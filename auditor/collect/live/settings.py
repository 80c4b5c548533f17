"""Settings of a live scan. Light on purpose: importing this pulls in no Azure SDK."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from auditor.errors import InputError
from auditor.shard import Shard

PUBLIC_ARM_ENDPOINT = "https://management.azure.com"
ENDPOINT_ENV = "AUDITOR_ARM_ENDPOINT"
DEFAULT_SCAN_TIMEOUT = 3600.0
"""``--timeout`` default: an hour, far beyond the largest tenant measured (see the README)."""
AUTH_CHOICES = ("default", "cli", "managed-identity", "workload-identity", "environment", "token")
COLLECTORS = ("graph", "arm")
"""``--collector``: Resource Graph for the types it indexes (default), or ARM lists only."""


@dataclass(frozen=True)
class RetrySettings:
    """azure-core ``RetryPolicy`` settings (see its documentation)."""

    total: int = 6
    backoff_factor: float = 0.8
    backoff_max: float = 60.0
    timeout: float = 600.0
    """Seconds one operation may spend across all of its retries."""
    retry_after_max: float = 60.0
    """The longest ``Retry-After`` honoured; a longer (or ``inf``) one waits this long."""


@dataclass(frozen=True)
class LiveSettings:
    """What a live scan needs to know besides the report options."""

    subscriptions: Sequence[str] = ()
    """Subscription ids to scan; empty means every subscription the credential sees."""
    auth: str = "default"
    client_id: str | None = None
    tenant_id: str | None = None
    arm_endpoint: str | None = None
    """ARM endpoint; None means ``AUDITOR_ARM_ENDPOINT`` or the public cloud."""
    concurrency: int = 8
    retry: RetrySettings = field(default_factory=RetrySettings)
    activity_log_days: int = 90
    connection_timeout: float = 30.0
    read_timeout: float = 120.0
    """Seconds one socket read may wait."""
    request_timeout: float = 120.0
    """Seconds one request may take in all, body included (a trickled body is cut off)."""
    diagnostic_settings: bool = True
    """Read each account's, workspace's, endpoint's and registry's diagnostic settings (one
    GET per resource); False (``--no-diagnostic-settings``): not collected, rules unknown."""
    collector: str = "graph"
    """``graph``: the indexed types through Resource Graph, the rest as ARM lists; ``arm``:
    every type as ARM lists (``--collector arm``)."""
    timeout: float | None = DEFAULT_SCAN_TIMEOUT
    """Seconds the whole collection may take (``--timeout``); None: no limit. What is not
    read by then is listed as collection errors."""
    management_groups: Sequence[str] = ()
    """Management groups whose subscriptions (nested groups included) are scanned too."""
    exclude_subscriptions: Sequence[str] = ()
    """Subscription ids or globs (id or display name) never scanned."""
    exclude_management_groups: Sequence[str] = ()
    """Management groups whose subscriptions are never scanned."""
    shard: Shard | None = None
    """Scan only this shard of the subscriptions in scope (``--shard K/N``)."""

    def scope_document(self) -> dict[str, list[str]]:
        """What the options asked for, as the report's ``scan.settings.scope`` records it."""
        return {
            "subscriptions": [s.lower() for s in self.subscriptions],
            "management_groups": list(self.management_groups),
            "exclude_subscriptions": list(self.exclude_subscriptions),
            "exclude_management_groups": list(self.exclude_management_groups),
        }

    def endpoint(self) -> str:
        """The ARM endpoint in effect, without a trailing slash."""
        url = self.arm_endpoint or os.environ.get(ENDPOINT_ENV) or PUBLIC_ARM_ENDPOINT
        url = url.strip().rstrip("/")
        if urlsplit(url).scheme != "https":
            raise InputError(f"--arm-endpoint must be an https:// URL, not {url!r}")
        return url
