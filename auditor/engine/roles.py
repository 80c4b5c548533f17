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
}
"""Built-in roles known by GUID: name for evidence, and proof the GUID is not a custom role."""

BROAD_BUILT_INS: frozenset[str] = frozenset(
    {OWNER, CONTRIBUTOR, USER_ACCESS_ADMINISTRATOR, RBAC_ADMINISTRATOR}
)
"""Built-in roles that grant control over everything at their scope, or over who has it."""
