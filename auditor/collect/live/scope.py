"""Which subscriptions a live scan reads: ``--subscription``, ``--management-group``, the
exclusions and ``--shard``.

The scope is the union of the subscriptions named and every subscription below each named
management group (nested groups included); exclusions always win over both; the shard is cut
last, from what is left. The hierarchy is read once: one ``ManagementGroups_GetDescendants``
list per named group (``specification/managementgroups/resource-manager/Microsoft.Management/
ManagementGroups/stable/2023-04-01/management.json``), and one per excluded group that lies
outside every named one. A group ARM does not know (404) is bad input; a group the credential
may not read (403, or one that never answers) leaves its subscriptions unread, said as a
collection error (exit 3); a
scope left with no subscription is an error, never an empty pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from azure.core.exceptions import AzureError
from azure.mgmt.core import ARMPipelineClient

from auditor.collect.live.arm_reads import ArmReadError, list_all
from auditor.collect.live.failures import SDK_MODEL_ERRORS, error_text
from auditor.collect.live.settings import LiveSettings
from auditor.errors import CollectionFailure, InputError

MANAGEMENT_API_VERSION = "2023-04-01"
"""ManagementGroups_GetDescendants (managementgroups/.../stable/2023-04-01/management.json)."""
_GROUP_PREFIX = "/providers/microsoft.management/managementgroups/"


def descendants_path(group: str) -> str:
    """The descendants list of one management group."""
    return f"/providers/Microsoft.Management/managementGroups/{group}/descendants"


class GroupReadError(Exception):
    """A descendants list ARM refused (after retries)."""

    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


Descendants = Callable[[str], list[dict[str, Any]]]
"""Reads one group's descendants (raises :class:`GroupReadError`)."""


def descendants_reader(client: ARMPipelineClient[Any, Any], endpoint: str) -> Descendants:
    """Reads a group's descendants through the scan's pipeline (its retries, guard, counts)."""

    def read(group: str) -> list[dict[str, Any]]:
        path = descendants_path(group)
        try:
            return list(list_all(client, endpoint, path, MANAGEMENT_API_VERSION))
        except ArmReadError as exc:
            raise GroupReadError(exc.status_code, exc.message) from exc
        except (AzureError, *SDK_MODEL_ERRORS) as exc:
            raise GroupReadError(getattr(exc, "status_code", None), error_text(exc)) from exc

    return read


@dataclass(frozen=True)
class ScopeRequest:
    """What the options asked for."""

    subscriptions: Sequence[str] = ()
    management_groups: Sequence[str] = ()
    exclude_subscriptions: Sequence[str] = ()
    """Ids or globs (``fnmatch``, any letter case) matched on the id and the display name."""
    exclude_management_groups: Sequence[str] = ()

    @classmethod
    def of(cls, settings: LiveSettings) -> ScopeRequest:
        """The request a live scan's settings make."""
        return cls(
            settings.subscriptions,
            settings.management_groups,
            settings.exclude_subscriptions,
            settings.exclude_management_groups,
        )

    @property
    def everything(self) -> bool:
        """No subscription or group named: every subscription the credential sees."""
        return not (self.subscriptions or self.management_groups)


@dataclass
class Scope:
    """The subscriptions to read, and why the others were left out."""

    wanted: list[str]
    """Lower-case ids, sorted; not yet checked against what the credential sees."""
    named: set[str]
    """Those named by ``--subscription`` (a disabled one is read anyway)."""
    excluded: dict[str, str] = field(default_factory=dict)
    """Subscription -> the option that excluded it."""
    unread_groups: list[tuple[str, GroupReadError]] = field(default_factory=list)
    """Named groups the credential may not read: their subscriptions are not in ``wanted``."""


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _group_key(text: str) -> str:
    """A group id as given (``mg-a``) or as a resource id, lower-cased."""
    lowered = text.strip().lower().rstrip("/")
    return lowered.removeprefix(_GROUP_PREFIX)


class _Tree:
    """Parent links of everything the descendants lists returned."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        """``/subscriptions/x`` or a group key -> its parent group key."""
        self.names: dict[str, str] = {}
        """Subscription -> display name."""

    def add(self, root: str, items: Iterable[dict[str, Any]]) -> list[str]:
        """Record one group's descendants; returns its subscriptions."""
        found = []
        for item in items:
            item_id = str(item.get("id") or "").lower().rstrip("/")
            properties = _object(item.get("properties"))
            parent = _object(properties.get("parent"))
            parent_key = _group_key(str(parent.get("id") or root))
            if item_id.startswith("/subscriptions/"):
                sub = item_id.split("/")[2]
                self.parent[f"/subscriptions/{sub}"] = parent_key
                name = properties.get("displayName")
                if isinstance(name, str):
                    self.names[sub] = name
                found.append(sub)
            elif item_id.startswith(_GROUP_PREFIX):
                self.parent[_group_key(item_id)] = parent_key
        return found

    def below(self, sub: str, group: str) -> bool:
        """Whether the subscription lies below the group, at any depth."""
        node, seen = f"/subscriptions/{sub}", set()
        while node in self.parent and node not in seen:
            seen.add(node)
            node = self.parent[node]
            if node == group:
                return True
        return False

    def knows(self, group: str) -> bool:
        return group in self.parent.values() or group in self.parent


def resolve(
    request: ScopeRequest, visible: Mapping[str, Mapping[str, Any]], read: Descendants
) -> Scope:
    """The scope of ``request``: ``visible`` are the subscriptions the credential lists (by
    lower-case id), ``read`` lists a group's descendants."""
    tree = _Tree()
    from_groups: set[str] = set()
    unread: list[tuple[str, GroupReadError]] = []
    for group in dict.fromkeys(_group_key(g) for g in request.management_groups):
        try:
            from_groups.update(tree.add(group, _read(read, group)))
        except GroupReadError as exc:  # 403, or retries exhausted: said, and the rest is read
            unread.append((group, exc))
    named = {s.strip().lower() for s in request.subscriptions}
    wanted = set(visible) if request.everything else named | from_groups
    scope = Scope(sorted(wanted), named, unread_groups=unread)
    _exclude_groups(scope, request, tree, read)
    _exclude_subscriptions(scope, request, tree, visible)
    scope.wanted = [s for s in scope.wanted if s not in scope.excluded]
    if not scope.wanted and not unread:
        if request.everything and not scope.excluded:
            raise CollectionFailure("no subscription to scan: the credential sees none of them")
        raise InputError(_empty_message(request, scope))
    return scope


def _read(read: Descendants, group: str) -> list[dict[str, Any]]:
    try:
        return read(group)
    except GroupReadError as exc:
        if exc.status == 404:
            raise InputError(
                f"--management-group {group}: ARM knows no such management group ({exc.message})"
            ) from exc
        raise


def _exclude_groups(scope: Scope, request: ScopeRequest, tree: _Tree, read: Descendants) -> None:
    for group in dict.fromkeys(_group_key(g) for g in request.exclude_management_groups):
        if not tree.knows(group):
            # Outside every named group (or no group named): its subtree must be read, or
            # the subscriptions it should drop would be scanned.
            try:
                tree.add(group, _read(read, group))
            except GroupReadError as exc:
                raise CollectionFailure(
                    f"--exclude-management-group {group}: cannot read what lies below it, so "
                    f"the exclusion cannot be honoured: {exc.message}"
                ) from exc
        for sub in scope.wanted:
            if sub not in scope.excluded and tree.below(sub, group):
                scope.excluded[sub] = f"--exclude-management-group {group}"


def _exclude_subscriptions(
    scope: Scope, request: ScopeRequest, tree: _Tree, visible: Mapping[str, Mapping[str, Any]]
) -> None:
    for pattern in request.exclude_subscriptions:
        glob = pattern.strip().lower()
        for sub in scope.wanted:
            if sub in scope.excluded:
                continue
            record = visible.get(sub, {})
            name = record.get("displayName") or tree.names.get(sub) or ""
            if fnmatchcase(sub, glob) or fnmatchcase(str(name).lower(), glob):
                scope.excluded[sub] = f"--exclude-subscription {pattern}"


def _empty_message(request: ScopeRequest, scope: Scope) -> str:
    asked = ", ".join(
        [f"--subscription {s}" for s in request.subscriptions]
        + [f"--management-group {g}" for g in request.management_groups]
    )
    where = asked or "the subscriptions the credential sees"
    if scope.excluded:
        return (
            f"the scope holds no subscription: the exclusions drop all {len(scope.excluded)} "
            f"of {where}"
        )
    return f"the scope holds no subscription: {where} hold none"
