"""Writing an inventory back out as a snapshot folder that ``--snapshot`` reads.

Written from the *built* inventory, so what lands on disk is the redacted ``Resource.data``:
a saved snapshot never holds a secret value. Layout::

    manifest.json                      coverage, management groups, errors, tool, tenant
    subscriptions.json                 {"value": [...]}
    <subscription id>/<kind>.json      {"value": [...]} per kind, sorted by id
    tenant/role-assignments.json       management-group and root scoped assignments

The folder is written beside its destination and renamed into place, so an interrupted
write never leaves a half snapshot. An existing folder is replaced only if it is a snapshot
this tool wrote and holds nothing else (:func:`check_destination`): a user's file is never
deleted. Files and folders get the permissions the umask gives.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor import digests
from auditor.atomic import (
    create_file,
    make_folder,
    remove_empty_folders,
    temporary_name,
    with_signals_held,
)
from auditor.errors import InputError
from auditor.fields import AUDITED
from auditor.inventory import MANIFEST_KIND, Inventory
from auditor.timeutil import iso
from auditor.version import __version__

FILE_NAMES: Mapping[str, str] = {d.type: d.snapshot_file for d in AUDITED}
ACTIVITY_LOG = "activity-log.json"
TOP_LEVEL_FILES = frozenset(["manifest.json", "subscriptions.json"])
TENANT_FOLDER = "tenant"
_SUBSCRIPTION_ID = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE)


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
        folder = resource.subscription_id or TENANT_FOLDER
        files[f"{folder}/{FILE_NAMES[resource.type]}"].append(resource.data)
    for event in sorted(inventory.events, key=lambda e: (e.resource_key, e.timestamp)):
        files[f"{event.subscription_id or TENANT_FOLDER}/{ACTIVITY_LOG}"].append(
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


def snapshot_names() -> frozenset[str]:
    """The file names a snapshot folder's subfolders hold (what :func:`snapshot_files` writes)."""
    return frozenset([*FILE_NAMES.values(), ACTIVITY_LOG])


def check_destination(destination: Path) -> Path:
    """Where a snapshot may be written, checked before anything is read; raises
    :class:`InputError` naming the folder (and the first file this tool did not write).

    The destination must be new, an empty folder, or a snapshot folder this tool wrote: a
    ``manifest.json`` of kind ``auditor-snapshot-manifest`` and nothing but the files a
    snapshot consists of. The destination itself must not be a symbolic link (replacing it
    would delete the link or what it points at); links in its parent folders are followed,
    once, here: the snapshot is written in the real folder returned.
    """
    destination = Path(destination)
    if destination.is_symlink():
        raise InputError(
            f"{destination}: is a symbolic link; give the real folder to write the snapshot to"
        )
    try:
        real = destination.parent.resolve(strict=False) / destination.name
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop on Python < 3.13
        raise InputError(f"{destination}: cannot resolve the folder: {exc}") from exc
    if not os.path.lexists(real):
        ancestor = next(folder for folder in real.parents if os.path.lexists(folder))
        if not ancestor.is_dir():
            raise InputError(f"{destination}: cannot be created: {ancestor} is not a folder")
        return real
    if not real.is_dir():
        raise InputError(f"{destination}: exists and is not a folder; choose a new or empty folder")
    try:
        foreign = _first_foreign_entry(real)
    except OSError as exc:
        raise InputError(f"{destination}: cannot read the folder: {exc}") from exc
    if foreign is not None:
        raise InputError(
            f"{destination}: not replaced: {foreign}; only a new or empty folder, or a snapshot "
            "folder this tool wrote (and nothing else in it), is replaced"
        )
    return real


def _first_foreign_entry(folder: Path) -> str | None:
    """What stops ``folder`` from being replaced (a sentence naming the first foreign file),
    or None when it is empty or holds nothing but a snapshot this tool wrote."""
    entries = sorted(folder.iterdir())
    if not entries:
        return None
    manifest_path = folder / "manifest.json"
    if manifest_path.is_symlink() or not manifest_path.is_file():
        return f"{entries[0].name} is there and the folder has no manifest.json this tool wrote"
    try:
        record = json.loads(manifest_path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError):
        record = None
    if not isinstance(record, dict) or record.get("kind") != MANIFEST_KIND:
        return f"manifest.json is not of kind {MANIFEST_KIND!r}"
    coverage = record.get("coverage")
    subscriptions = {
        str(entry.get("subscription_id"))
        for entry in (coverage if isinstance(coverage, list) else [])
        if isinstance(entry, dict)
    }
    names = snapshot_names()
    for entry in entries:
        if entry.name in TOP_LEVEL_FILES and entry.is_file() and not entry.is_symlink():
            continue
        folder_ok = entry.name == TENANT_FOLDER or entry.name in subscriptions
        if (
            not entry.is_symlink()
            and entry.is_dir()
            and (folder_ok or _SUBSCRIPTION_ID.fullmatch(entry.name))
        ):
            inner = sorted(entry.iterdir())
            if not inner:
                return f"{entry.name}/ is an empty folder this tool did not write"
            for file in inner:
                if file.name not in names or file.is_symlink() or not file.is_file():
                    return f"{entry.name}/{file.name} is not a snapshot file this tool wrote"
            continue
        return f"{entry.name} is not a snapshot file this tool wrote"
    return None


def write_snapshot(
    inventory: Inventory, destination: Path, collected_at: dt.datetime, tenant: str | None = None
) -> int:
    """Write the snapshot folder; returns the number of files written.

    The new folder is written beside the destination with interrupts held (as report sets
    are, :mod:`auditor.atomic`), the destination is checked again (a file added to it while
    the scan ran is never deleted) and the new folder swapped in; the old one is removed
    only once the new one is in place. Whatever step an interrupt or an error lands on, what
    is on disk is settled to the whole old snapshot or the whole new one."""
    real = check_destination(destination)
    documents = {
        relative: (json.dumps(document, indent=1, sort_keys=True) + "\n").encode("utf-8")
        for relative, document in snapshot_files(inventory, collected_at, tenant).items()
    }
    staging = temporary_name(real, ".tmp")
    old = temporary_name(real, ".old")
    created: list[Path] = []

    def write() -> None:
        created.extend(make_folder(real.parent))
        staging.mkdir(mode=0o777)
        for relative, data in documents.items():
            path = staging / relative
            path.parent.mkdir(mode=0o777, exist_ok=True)
            create_file(path, data)
            digests.note(relative, data)
        check_destination(destination)
        if real.exists():
            real.rename(old)
        staging.rename(real)

    def settle() -> None:
        if os.path.lexists(staging):  # not moved in: undo, and put the old folder back
            shutil.rmtree(staging, ignore_errors=True)
            if old.exists() and not os.path.lexists(real):
                old.rename(real)
        else:
            shutil.rmtree(old, ignore_errors=True)
        remove_empty_folders(created)

    try:
        with_signals_held(write, settle)
    except OSError as exc:
        raise InputError(f"{destination}: cannot write the snapshot: {exc}") from exc
    return len(documents)
