"""Built-in Azure role definitions the rules must recognise by GUID alone.

Role assignments carry only ``roleDefinitionId``; a snapshot or a template may hold no role
definitions, so every built-in role is known here, with its permissions, from
``data/builtin-roles.json``: the table ``scripts/make_builtin_roles.py`` generates from
`az role definition list` output (the GUIDs are the same in every tenant and cloud; the
file records its source and that source's commit and date).

The named constants below are the roles the rules name on purpose; the sets derived from
the table (key listers, roles granting ``*``) follow the published actions, so a role
Azure adds or changes is judged by what it grants, once the table is regenerated.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
USER_ACCESS_ADMINISTRATOR = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
RBAC_ADMINISTRATOR = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
COGNITIVE_SERVICES_USER = "a97b65f3-24c7-4388-baec-2e87135dc908"
COGNITIVE_SERVICES_CONTRIBUTOR = "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68"
COGNITIVE_SERVICES_OPENAI_USER = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR = "a001fd3d-188f-4b5d-821b-7da978bf7442"
AZUREML_DATA_SCIENTIST = "f6c7c914-8db3-469d-8ca1-694a8f32e121"
AZURE_AI_DEVELOPER = "64702f94-c441-49e6-a78b-ef80e0188fee"
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
ACR_PUSH = "8311e382-0749-4cb8-b61a-304f252e45ec"
STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
COGNITIVE_SERVICES_DATA_READER = "b59867f0-fa02-499b-be73-45a86b5b3e1c"
AZURE_AI_ADMINISTRATOR = "b78c5d69-af96-48a3-bf8d-a8b4d589de94"
AZURE_AI_INFERENCE_DEPLOYMENT_OPERATOR = "3afb7f49-54cb-416e-8c09-6dc049efa503"
AZUREML_COMPUTE_OPERATOR = "e503ece1-11d0-4e8e-8e2c-7a6c3bf38815"
AZUREML_REGISTRY_USER = "1823dd4f-9b8c-4ab6-ab4e-7397a3684615"

COGNITIVE_LIST_KEYS = "Microsoft.CognitiveServices/accounts/listKeys/action"
"""The action that reads an AI Services account's keys (IAM005)."""


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

    def write_actions(self) -> list[str]:
        """Actions that grant everything, writes or deletes: the test AML020 applies to
        custom roles (``access.definition_writes``), here for a built-in with no definition
        in the input."""
        return [action for p in self.permissions for action in p.actions if grants_write(action)]


# Opening support requests (``Microsoft.Support/*``, in about 140 built-in roles such as Billing
# Reader) changes nothing the role's holder can reach: it is not the write AML020 looks for.
_NOT_A_RESOURCE_WRITE = ("microsoft.support/",)


def grants_write(action: str) -> bool:
    """Whether an ``actions`` entry grants everything, writes or deletes (AML020's test)."""
    lowered = action.lower()
    if lowered.startswith(_NOT_A_RESOURCE_WRITE):
        return False
    return lowered == "*" or lowered.endswith(("/*", "/write", "/delete"))


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
    text = resources.files("auditor.engine").joinpath("data", "builtin-roles.json").read_text()
    data = json.loads(text)
    roles = {role.id: role for role in map(_role, data["roles"])}
    return RoleTable(roles=roles, source=dict(data.get("source") or {}))


def built_in(guid: str) -> BuiltInRole | None:
    """The built-in role with this GUID, or None (a custom role, or unknown)."""
    return table().roles.get(guid.lower())


BUILT_IN_NAMES: dict[str, str] = {guid: role.name for guid, role in table().roles.items()}
"""Every built-in role by GUID: name for evidence, and proof the GUID is not a custom role."""

BROAD_BUILT_INS: frozenset[str] = frozenset(
    {OWNER, CONTRIBUTOR, USER_ACCESS_ADMINISTRATOR, RBAC_ADMINISTRATOR}
) | frozenset(guid for guid, role in table().roles.items() if role.grants_everything())
"""Built-in roles that grant control over everything at their scope (``*``), or over who has
it (the two administrator roles)."""

KEY_LISTERS: frozenset[str] = frozenset(
    guid for guid, role in table().roles.items() if role.allows(COGNITIVE_LIST_KEYS)
)
"""Built-in roles whose actions (minus notActions) include ``listKeys`` on AI Services
accounts: Owner and Contributor by ``*``, Cognitive Services Contributor and others by
``Microsoft.CognitiveServices/*``, Cognitive Services User and others by name."""

NO_KEY_LISTING: frozenset[str] = frozenset(BUILT_IN_NAMES) - KEY_LISTERS
"""Built-in roles whose actions do not include ``listKeys`` on AI Services accounts (the
administrator roles can grant a role that does, which IAM001 reports)."""

NAMED_BUILT_INS: frozenset[str] = frozenset(
    {
        OWNER,
        CONTRIBUTOR,
        READER,
        USER_ACCESS_ADMINISTRATOR,
        RBAC_ADMINISTRATOR,
        COGNITIVE_SERVICES_USER,
        COGNITIVE_SERVICES_CONTRIBUTOR,
        COGNITIVE_SERVICES_OPENAI_USER,
        COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR,
        AZUREML_DATA_SCIENTIST,
        AZURE_AI_DEVELOPER,
        ACR_PULL,
        ACR_PUSH,
        STORAGE_BLOB_DATA_READER,
        STORAGE_BLOB_DATA_CONTRIBUTOR,
        STORAGE_BLOB_DATA_OWNER,
        COGNITIVE_SERVICES_DATA_READER,
        AZURE_AI_ADMINISTRATOR,
        AZURE_AI_INFERENCE_DEPLOYMENT_OPERATOR,
        AZUREML_COMPUTE_OPERATOR,
        AZUREML_REGISTRY_USER,
    }
)
"""The built-in roles this module names, each judged by hand for the rules before the full
table existed; their verdicts are kept as they were."""

_ENDPOINT_VETTED: dict[str, str] = {
    OWNER: "controls everything at its scope",
    CONTRIBUTOR: "can change everything at its scope",
    USER_ACCESS_ADMINISTRATOR: "can grant any role",
    RBAC_ADMINISTRATOR: "can grant roles",
    COGNITIVE_SERVICES_CONTRIBUTOR: "can change AI Services accounts and list their keys",
    STORAGE_BLOB_DATA_CONTRIBUTOR: "can write and delete blobs; Storage Blob Data Reader is enough",
    STORAGE_BLOB_DATA_OWNER: "can write blobs and change ACLs; Storage Blob Data Reader is enough",
    ACR_PUSH: "can push images; AcrPull is enough",
}

ENDPOINT_OVER_PRIVILEGED: dict[str, str] = {
    **{
        guid: f"grants {', '.join(writes)}"
        for guid, role in table().roles.items()
        if guid not in NAMED_BUILT_INS and (writes := role.write_actions())
    },
    **_ENDPOINT_VETTED,
}
"""Roles an online endpoint's identity should not hold, with why. It needs AcrPull on the
registry and Storage Blob Data Reader on the default datastore, nothing more. The named
roles are judged by hand (the others of them pass); every other built-in role that grants
``*``, writes or deletes is named by those actions, as its collected definition would be in
a live scan."""

AI_DATA_PLANE: frozenset[str] = frozenset(
    {
        COGNITIVE_SERVICES_USER,
        COGNITIVE_SERVICES_OPENAI_USER,
        COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR,
        COGNITIVE_SERVICES_DATA_READER,
        AZUREML_DATA_SCIENTIST,
        AZURE_AI_DEVELOPER,
    }
)
"""Roles that call models or use workspaces (data plane): best held by security groups."""
