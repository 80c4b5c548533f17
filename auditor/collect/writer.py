"""Writing an inventory back out as a snapshot folder that ``--snapshot`` reads.

Written from the *built* inventory, so what lands on disk is the redacted ``Resource.data``:
a saved snapshot never holds a secret value. Layout::

    manifest.json                      coverage, management groups, errors, tool, tenant
    subscriptions.json                 {"value": [...]}
    <subscription id>/<kind>.json      {"value": [...]} per kind, sorted by id
    tenant/role-assignments.json       management-group and root scoped assignments

The folder is written beside its destination and renamed into place, so an interrupted
write never leaves a half snapshot; an existing folder is replaced only if it is a snapshot.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor import __version__, arm
from auditor.errors import InputError
from auditor.inventory import MANIFEST_KIND, Inventory
from auditor.timeutil import iso

FILE_NAMES: Mapping[str, str] = {
    arm.WORKSPACE: "workspaces.json",
    arm.COMPUTE: "computes.json",
    arm.ONLINE_ENDPOINT: "online-endpoints.json",
    arm.ONLINE_DEPLOYMENT: "deployments.json",
    arm.WEB_SERVICE: "services.json",
    arm.WORKSPACE_CONNECTION: "connections.json",
    arm.AI_ACCOUNT: "ai-accounts.json",
    arm.ROLE_ASSIGNMENT: "role-assignments.json",
    arm.ROLE_DEFINITION: "role-definitions.json",
}


def manifest(
    inventory: Inventory, collected_at: dt.datetime, tenant: str | None = None
) -> dict[str, Any]:
    """The manifest object the inventory reads back (``auditor-snapshot-manifest``)."""
    return {
        "kind": MANIFEST_KIND,
        "version": 1,
        "collected_at": iso(collected_at),
        "tool": {"name": "auditor", "version": __version__},
        "tenant": tenant,
        "coverage": [
            {"subscription_id": sub, "collected": sorted(kinds)}
            for sub, kinds in sorted(inventory.coverage.declared.items())
        ],
        "management_groups": {
            group: sorted(subs) for group, subs in sorted(inventory.management_groups.items())
        },
        "errors": [e.as_record() for e in inventory.errors],
    }


def snapshot_files(
    inventory: Inventory, collected_at: dt.datetime, tenant: str | None = None
) -> dict[str, Any]:
    """Relative path -> JSON document, for every file of the snapshot."""
    files: dict[str, list[Any]] = defaultdict(list)
    for resource in sorted(inventory, key=lambda r: r.key):
        folder = resource.subscription_id or "tenant"
        files[f"{folder}/{FILE_NAMES[resource.type]}"].append(resource.data)
    for event in sorted(inventory.events, key=lambda e: (e.resource_key, e.timestamp)):
        files[f"{event.subscription_id or 'tenant'}/activity-log.json"].append(
            {
                "operationName": {"value": event.operation},
                "status": {"value": event.status},
                "eventTimestamp": iso(event.timestamp),
                "resourceId": event.resource_key,
                "subscriptionId": event.subscription_id,
            }
        )
    documents: dict[str, Any] = {path: {"value": items} for path, items in files.items()}
    documents["subscriptions.json"] = {
        "value": [
            {"id": f"/subscriptions/{s.id}", "subscriptionId": s.id, "displayName": s.name}
            for s in sorted(inventory.subscriptions.values(), key=lambda s: s.id)
        ]
    }
    documents["manifest.json"] = manifest(inventory, collected_at, tenant)
    return documents


def write_snapshot(
    inventory: Inventory, destination: Path, collected_at: dt.datetime, tenant: str | None = None
) -> int:
    """Write the snapshot folder; returns the number of files written."""
    destination = Path(destination)
    if destination.exists() and (
        not destination.is_dir()
        or (any(destination.iterdir()) and not (destination / "manifest.json").is_file())
    ):
        raise InputError(
            f"{destination}: exists and is not an auditor snapshot folder; "
            "choose a new or empty folder"
        )
    documents = snapshot_files(inventory, collected_at, tenant)
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}-", dir=destination.parent))
    try:
        for relative, document in documents.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n", "utf-8")
        if destination.exists():
            shutil.rmtree(destination)
        staging.rename(destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(documents)
