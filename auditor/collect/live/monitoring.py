"""The logging reads of a live scan: ML registries (one list per subscription) and the
diagnostic settings of every AI Services account, ML workspace, online endpoint and registry.

Diagnostic settings are an extension resource, not in Resource Graph and not paged
(``DiagnosticSettings_List`` at ``{resourceUri}/providers/Microsoft.Insights/
diagnosticSettings``, api-version 2021-05-01-preview: ``x-ms-pageable`` with no next link). So
they cost one GET per resource; ``azure-mgmt-monitor`` 7.0 dropped the operation group, so it
is a raw ARM GET. ``LiveSettings.diagnostic_settings`` (``--no-diagnostic-settings``) turns
them off: the kind is then not declared collected and the diagnostic-log rules say unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from azure.mgmt.core import ARMPipelineClient

from auditor import arm
from auditor.collect.live.arm_reads import ML_API_VERSION, ML_PROVIDER, ChildList, child_list

DIAGNOSTIC_SETTINGS_API_VERSION = "2021-05-01-preview"
"""diagnosticsSettings_API.json: the version that has ``categoryGroup``."""
REGISTRIES_API_VERSION = ML_API_VERSION
"""registries.json, MLS stable 2025-12-01."""
ACTIVITY_LOG_PATH = "/providers/Microsoft.Insights/eventtypes/management/values"
"""``ActivityLogs_List`` under a subscription (MON/stable/2015-04-01/activityLogs_API.json)."""
ACTIVITY_LOG_API_VERSION = "2015-04-01"
"""The Activity Log's only api-version (``azure-mgmt-monitor`` 7.0 hard-codes it). A raw GET, as
the SDK's ``EventData`` model only added a JSON-to-model-and-back round trip per event."""
DIAGNOSTIC_SETTINGS = "diagnostic_settings"
ML_REGISTRIES = "ml_registries"

LOGGED_TYPES = frozenset(
    t.lower() for t in (arm.AI_ACCOUNT, arm.WORKSPACE, arm.ONLINE_ENDPOINT, arm.ML_REGISTRY)
)
"""The types whose diagnostic settings a rule judges (AIS019, AML028, AML029, AML030)."""


class LoggingReads:
    """Plans the registry list of a subscription and the diagnostic-settings read of each
    record that has them."""

    def __init__(
        self, client: ARMPipelineClient[Any, Any], endpoint: str, diagnostic_settings: bool
    ) -> None:
        self._client = client
        self._endpoint = endpoint
        self._settings = diagnostic_settings
        self.not_read: tuple[str, ...] = () if diagnostic_settings else (DIAGNOSTIC_SETTINGS,)
        """The kinds switched off: never declared collected."""

    def registries(self, subscription_id: str) -> ChildList:
        """Registries_ListBySubscription."""
        return child_list(
            self._client,
            self._endpoint,
            f"/subscriptions/{subscription_id}/providers/{ML_PROVIDER}",
            "registries",
            (ML_REGISTRIES,),
            REGISTRIES_API_VERSION,
            operation="list ML registries",
        )

    def of_record(self, record: Mapping[str, Any]) -> list[ChildList]:
        """The diagnostic-settings read of a record of a logged type (none for the rest)."""
        record_type, record_id = record.get("type"), record.get("id")
        if not self._settings or not isinstance(record_type, str) or not isinstance(record_id, str):
            return []
        if record_type.lower() not in LOGGED_TYPES:
            return []
        return [
            child_list(
                self._client,
                self._endpoint,
                record_id,
                "providers/Microsoft.Insights/diagnosticSettings",
                (DIAGNOSTIC_SETTINGS,),
                DIAGNOSTIC_SETTINGS_API_VERSION,
                operation="list diagnostic settings",
            )
        ]
