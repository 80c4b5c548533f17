"""Built-in Azure role definitions the rules must recognise by GUID alone.

Role assignments carry only ``roleDefinitionId``; a snapshot may hold no role definitions,
so the well-known built-in GUIDs are known here. Source: Azure built-in roles reference
(the GUIDs are the same in every tenant and cloud).
"""

from __future__ import annotations

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

BUILT_IN_NAMES: dict[str, str] = {
    OWNER: "Owner",
    CONTRIBUTOR: "Contributor",
    READER: "Reader",
    USER_ACCESS_ADMINISTRATOR: "User Access Administrator",
    RBAC_ADMINISTRATOR: "Role Based Access Control Administrator",
    COGNITIVE_SERVICES_USER: "Cognitive Services User",
    COGNITIVE_SERVICES_CONTRIBUTOR: "Cognitive Services Contributor",
    COGNITIVE_SERVICES_OPENAI_USER: "Cognitive Services OpenAI User",
    COGNITIVE_SERVICES_OPENAI_CONTRIBUTOR: "Cognitive Services OpenAI Contributor",
    AZUREML_DATA_SCIENTIST: "AzureML Data Scientist",
    AZURE_AI_DEVELOPER: "Azure AI Developer",
    ACR_PULL: "AcrPull",
    ACR_PUSH: "AcrPush",
    STORAGE_BLOB_DATA_READER: "Storage Blob Data Reader",
    STORAGE_BLOB_DATA_CONTRIBUTOR: "Storage Blob Data Contributor",
    STORAGE_BLOB_DATA_OWNER: "Storage Blob Data Owner",
    COGNITIVE_SERVICES_DATA_READER: "Cognitive Services Data Reader",
    AZURE_AI_ADMINISTRATOR: "Azure AI Administrator",
    AZURE_AI_INFERENCE_DEPLOYMENT_OPERATOR: "Azure AI Inference Deployment Operator",
    AZUREML_COMPUTE_OPERATOR: "AzureML Compute Operator",
    AZUREML_REGISTRY_USER: "AzureML Registry User",
}
"""Built-in roles known by GUID: name for evidence, and proof the GUID is not a custom role."""

BROAD_BUILT_INS: frozenset[str] = frozenset(
    {OWNER, CONTRIBUTOR, USER_ACCESS_ADMINISTRATOR, RBAC_ADMINISTRATOR}
)
"""Built-in roles that grant control over everything at their scope, or over who has it."""

KEY_LISTERS: frozenset[str] = frozenset(
    {OWNER, CONTRIBUTOR, COGNITIVE_SERVICES_CONTRIBUTOR, COGNITIVE_SERVICES_USER}
)
"""Built-in roles that include ``Microsoft.CognitiveServices/accounts/listKeys/action``
(Owner and Contributor by ``*``; Cognitive Services Contributor "manage keys"; Cognitive
Services User "read and list keys", per the built-in roles reference)."""

NO_KEY_LISTING: frozenset[str] = frozenset(
    {
        READER,
        USER_ACCESS_ADMINISTRATOR,
        RBAC_ADMINISTRATOR,
        ACR_PULL,
        ACR_PUSH,
        STORAGE_BLOB_DATA_READER,
        STORAGE_BLOB_DATA_CONTRIBUTOR,
        STORAGE_BLOB_DATA_OWNER,
    }
)
"""Built-in roles known not to include ``listKeys`` on AI Services accounts (the two
administrator roles can grant it, which IAM001 reports)."""

ENDPOINT_OVER_PRIVILEGED: dict[str, str] = {
    OWNER: "controls everything at its scope",
    CONTRIBUTOR: "can change everything at its scope",
    USER_ACCESS_ADMINISTRATOR: "can grant any role",
    RBAC_ADMINISTRATOR: "can grant roles",
    COGNITIVE_SERVICES_CONTRIBUTOR: "can change AI Services accounts and list their keys",
    STORAGE_BLOB_DATA_CONTRIBUTOR: "can write and delete blobs; Storage Blob Data Reader is enough",
    STORAGE_BLOB_DATA_OWNER: "can write blobs and change ACLs; Storage Blob Data Reader is enough",
    ACR_PUSH: "can push images; AcrPull is enough",
}
"""Roles an online endpoint's identity should not hold, with why. It needs AcrPull on the
registry and Storage Blob Data Reader on the default datastore, nothing more."""

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
