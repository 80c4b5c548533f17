"""The reads a workspace leads to besides its own children: its storage account, container
registry and key vault (each one GET by the id the workspace names), and its datastores.

Raw ARM GETs through the collector's pipeline (:mod:`.arm_reads`), at one pinned stable
api-version per provider, so no management SDK per provider is needed for three reads. A
dependency is read once however many workspaces name it (hubs and their projects share one).
Datastores are listed (``Datastores_List``, 2025-12-01); their ``listSecrets`` POST is never
called, and the list answers without secrets (the spec marks them create/update only).

A failed GET leaves the kind declared for the subscription (the other dependencies were read):
the error is scoped to the dependency's id, and the rules judging through it say unknown,
quoting it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from azure.mgmt.core import ARMPipelineClient

from auditor.collect.live.arm_reads import (
    ML_API_VERSION,
    ArmReadError,
    ChildList,
    child_list,
    get_json,
)
from auditor.collect.live.bounds import SINGLE_RESOURCE

API_VERSIONS = {
    "microsoft.storage/storageaccounts": "2024-01-01",
    "microsoft.containerregistry/registries": "2023-07-01",
    "microsoft.keyvault/vaults": "2023-07-01",
}
"""The stable api-version each dependency is read at (specs under
``specification/{storage,containerregistry,keyvault}/resource-manager``)."""
_LINKS = ("storageAccount", "containerRegistry", "keyVault")
WORKSPACE_READ_KINDS = ("dependencies", "datastores")
"""What a failed workspace list leaves unread besides the workspace children."""


def _arm_type(resource_id: str) -> str | None:
    """``namespace/type`` of a top-level resource id, lower case (None when not one)."""
    parts = resource_id.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    if len(parts) != 8 or lowered[0] != "subscriptions" or lowered[4] != "providers":
        return None
    return f"{lowered[5]}/{lowered[6]}"


class DependencyReads:
    """Plans the reads each workspace leads to; remembers which dependencies are planned."""

    def __init__(self, arm: ARMPipelineClient[Any, Any], endpoint: str) -> None:
        self._arm = arm
        self._endpoint = endpoint
        self._planned: set[str] = set()
        self._lock = threading.Lock()

    def of_workspace(self, workspace: dict[str, Any]) -> list[ChildList]:
        """The workspace's datastore list and a GET of each dependency not yet planned."""
        return [self.datastores(workspace)] + [self.get(i) for i in self.new_ids(workspace)]

    def datastores(self, workspace: dict[str, Any]) -> ChildList:
        """The workspace's datastore list."""
        ws_id = str(workspace.get("id") or "")
        return child_list(
            self._arm, self._endpoint, ws_id, "datastores", ("datastores",), ML_API_VERSION
        )

    def new_ids(self, workspace: dict[str, Any]) -> list[str]:
        """The ids of the dependencies the workspace names that no earlier call returned: from
        here on they are planned (one read each, however many workspaces name them)."""
        properties = workspace.get("properties")
        if not isinstance(properties, dict):
            return []
        found: list[str] = []
        for link in _LINKS:
            dependency = properties.get(link)
            if not isinstance(dependency, str) or _arm_type(dependency) not in API_VERSIONS:
                continue  # not an id of the type the workspace property names: nothing to read
            with self._lock:
                if dependency.lower() in self._planned:
                    continue
                self._planned.add(dependency.lower())
            found.append(dependency)
        return found

    def get(self, resource_id: str) -> ChildList:
        """One planned dependency's ARM GET."""
        return self._get(resource_id, API_VERSIONS[_arm_type(resource_id) or ""])

    def _get(self, resource_id: str, version: str) -> ChildList:
        def fetch() -> Iterator[dict[str, Any]]:
            url = f"{self._endpoint}{quote(resource_id)}?api-version={version}"
            body = get_json(self._arm, url, **{SINGLE_RESOURCE: True})
            if not isinstance(body, dict) or not isinstance(body.get("id"), str):
                raise ArmReadError(200, f"GET {resource_id} answered with no ARM resource")
            yield body

        # No data kind: one unreadable dependency leaves the others judged (see above).
        return ChildList(resource_id, "read workspace dependency", (), fetch)
