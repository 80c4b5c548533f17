"""What the rules conclude from the built-in role table (``auditor.roles``).

The named constants below are the roles the rules name on purpose; the sets derived from
the table (key listers, roles granting ``*``) follow the published actions, so a role
Azure adds or changes is judged by what it grants, once the table is regenerated.
"""

from __future__ import annotations

from auditor.roles import BUILT_IN_NAMES, BuiltInRole, table

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


# Opening support requests (``Microsoft.Support/*``, in about 140 built-in roles such as Billing
# Reader) changes nothing the role's holder can reach: it is not the write AML020 looks for.
_NOT_A_RESOURCE_WRITE = ("microsoft.support/",)


def grants_write(action: str) -> bool:
    """Whether an ``actions`` entry grants everything, writes or deletes (AML020's test)."""
    lowered = action.lower()
    if lowered.startswith(_NOT_A_RESOURCE_WRITE):
        return False
    return lowered == "*" or lowered.endswith(("/*", "/write", "/delete"))


def write_actions(role: BuiltInRole) -> list[str]:
    """Actions that grant everything, writes or deletes: the test AML020 applies to custom
    roles (``access.definition_writes``), here for a built-in with no definition in the input."""
    return [action for p in role.permissions for action in p.actions if grants_write(action)]


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
        if guid not in NAMED_BUILT_INS and (writes := write_actions(role))
    },
    **_ENDPOINT_VETTED,
}
"""Roles an online endpoint's identity should not hold, with why. It needs AcrPull on the
registry and Storage Blob Data Reader on the default datastore, nothing more. The named
roles are judged by hand (the others of them pass); every other built-in role that grants
``*``, writes or deletes is named by those actions, as its collected definition would be in
a live scan."""
