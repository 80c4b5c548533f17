"""Azure's built-in role definitions, as published: the facts both readers and rules need.

Role assignments carry only ``roleDefinitionId``; a snapshot or a template may hold no role
definitions, so every built-in role is known here, with its permissions, from
``data/builtin-roles.json``: the table ``scripts/make_builtin_roles.py`` generates from
`az role definition list` output (the GUIDs are the same in every tenant and cloud; the
file records its source and that source's commit and date).

This module holds only what Azure publishes (names, GUIDs, actions and how an action pattern
matches), so the template readers may map role names to GUIDs without importing the engine;
what the rules conclude from it (who can list keys, which roles are too broad) is
``auditor.engine.roles``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any


def action_matches(pattern: str, action: str) -> bool:
    """Whether a role's action pattern covers ``action``: ``*`` stands for any run of
    characters (slashes included), and Azure compares operations case-insensitively."""
    pattern, action = pattern.lower(), action.lower()
    if "*" not in pattern:
        return pattern == action
    # Plain string search rather than a regex per pattern: the table holds thousands of
    # distinct patterns, and compiling each made importing this module take seconds.
    first, *middle, last = pattern.split("*")
    if len(action) < len(first) + len(last) or not action.startswith(first):
        return False
    if not action.endswith(last):
        return False
    position, end = len(first), len(action) - len(last)
    for part in middle:
        found = action.find(part, position, end)
        if found < 0:
            return False
        position = found + len(part)
    return True


@dataclass(frozen=True)
class Permission:
    """One entry of a role's ``permissions`` list."""

    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    data_actions: tuple[str, ...]
    not_data_actions: tuple[str, ...]

    def allows(self, action: str) -> bool:
        """The control-plane ``action`` is in ``actions`` and not taken back by ``notActions``."""
        return any(action_matches(a, action) for a in self.actions) and not any(
            action_matches(n, action) for n in self.not_actions
        )


@dataclass(frozen=True)
class BuiltInRole:
    """A built-in role as published: GUID, name and permissions (ABAC conditions left out,
    so a conditional role is judged by everything it could grant)."""

    id: str
    name: str
    permissions: tuple[Permission, ...]

    def allows(self, action: str) -> bool:
        """Whether any permission entry grants the control-plane ``action``."""
        return any(p.allows(action) for p in self.permissions)

    def grants_everything(self) -> bool:
        """Whether its actions include ``*`` (notActions may narrow it, as Contributor's do)."""
        return any("*" in p.actions for p in self.permissions)


@dataclass(frozen=True)
class RoleTable:
    """Every built-in role of the data file, by lower-case GUID."""

    roles: Mapping[str, BuiltInRole]
    source: Mapping[str, str | None]
    """Where the table was generated from: url, commit, date."""


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value or ())


def _role(record: Mapping[str, Any]) -> BuiltInRole:
    return BuiltInRole(
        id=str(record["id"]).lower(),
        name=str(record["name"]),
        permissions=tuple(
            Permission(
                actions=_strings(p.get("actions")),
                not_actions=_strings(p.get("notActions")),
                data_actions=_strings(p.get("dataActions")),
                not_data_actions=_strings(p.get("notDataActions")),
            )
            for p in record["permissions"]
        ),
    )


@functools.cache
def table() -> RoleTable:
    """The shipped built-in role table, read once. A missing or broken file is a packaging
    bug, so it raises rather than leaving every role unresolved."""
    text = resources.files("auditor").joinpath("data", "builtin-roles.json").read_text()
    data = json.loads(text)
    roles = {role.id: role for role in map(_role, data["roles"])}
    return RoleTable(roles=roles, source=dict(data.get("source") or {}))


BUILT_IN_NAMES: dict[str, str] = {guid: role.name for guid, role in table().roles.items()}
"""Every built-in role by GUID: name for evidence, and proof the GUID is not a custom role."""
