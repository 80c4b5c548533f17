"""A management-group hierarchy the emulator serves: ``ManagementGroups_GetDescendants``
(``managementgroups/.../stable/2023-04-01/management.json``), paged like every ARM list, with
ARM's 404 for a group it does not know and 403 for one the caller may not read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GROUPS = "/providers/microsoft.management/managementgroups/"
GROUP_TYPE = "Microsoft.Management/managementGroups"
SUBSCRIPTION_TYPE = "Microsoft.Management/managementGroups/subscriptions"
"""What the spec's GetDescendants example gives a subscription as its type."""


def group_id(name: str) -> str:
    """A management group's resource id."""
    return f"/providers/Microsoft.Management/managementGroups/{name}"


@dataclass
class Hierarchy:
    """Groups and subscriptions, each under one parent group (the tenant root has none)."""

    root: str
    """The tenant root group's name (Azure names it after the tenant id)."""
    parents: dict[str, str] = field(default_factory=dict)
    """A group's name or a subscription id -> its parent group's name."""
    names: dict[str, str] = field(default_factory=dict)
    subscriptions: list[str] = field(default_factory=list)
    forbidden: set[str] = field(default_factory=set)
    """Groups whose descendants answer 403 (lower case)."""

    def group(self, name: str, parent: str | None = None, display: str | None = None) -> str:
        """Add a group under ``parent`` (default: the root); returns its name."""
        self.parents[name] = parent or self.root
        self.names[name] = display or name
        return name

    def subscription(self, sub: str, parent: str, display: str) -> None:
        """Place a subscription under a group."""
        self.parents[sub] = parent
        self.names[sub] = display
        self.subscriptions.append(sub)

    def _children(self, parent: str) -> list[str]:
        return [child for child, p in self.parents.items() if p.lower() == parent.lower()]

    def _known(self, name: str) -> bool:
        return name.lower() == self.root.lower() or any(
            g.lower() == name.lower() for g in self.parents if g not in self.subscriptions
        )

    def descendants(self, name: str) -> list[dict[str, Any]] | tuple[int, dict[str, Any]]:
        """Everything below a group, depth first; or ARM's error status and body."""
        if name.lower() in self.forbidden:
            return 403, _error(
                "AuthorizationFailed",
                "The client 'ci@contoso.example' does not have authorization to perform action "
                f"'Microsoft.Management/managementGroups/descendants/read' over scope "
                f"'{group_id(name)}' or the scope is invalid.",
            )
        if not self._known(name):
            return 404, _error("NotFound", f"'{group_id(name)}' not found")
        found: list[dict[str, Any]] = []
        self._walk(name, found)
        return found

    def _walk(self, parent: str, found: list[dict[str, Any]]) -> None:
        for child in self._children(parent):
            is_sub = child in self.subscriptions
            found.append(
                {
                    "id": f"/subscriptions/{child}" if is_sub else group_id(child),
                    "type": SUBSCRIPTION_TYPE if is_sub else GROUP_TYPE,
                    "name": child,
                    "properties": {
                        "displayName": self.names[child],
                        "parent": {"id": group_id(self.parents[child])},
                    },
                }
            )
            if not is_sub:
                self._walk(child, found)


def descendants_of(lowered_path: str) -> str | None:
    """The group a ``.../managementGroups/{name}/descendants`` path names (None: not one)."""
    if lowered_path.startswith(GROUPS) and lowered_path.endswith("/descendants"):
        name = lowered_path[len(GROUPS) : -len("/descendants")]
        return name if name and "/" not in name else None
    return None


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}
