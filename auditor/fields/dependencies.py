"""Kept fields of a workspace's dependencies (its storage account, container registry and key
vault, read by id) and of its datastores.

Sources (``docs/azure-facts.md`` section "Workspace dependencies and datastores"): the models of
``azure-mgmt-storage`` 25.3.0 (api 2026-09-01), ``azure-mgmt-containerregistry`` 15.0.0 (api
2025-11-01) and ``azure-mgmt-keyvault`` 14.1.0 (api 2026-05-15), generated from
``specification/{storage,containerregistry,keyvault}/resource-manager``; datastores from
``specification/machinelearningservices/resource-manager/Microsoft.MachineLearningServices/
stable/2025-12-01/mfe.json`` (``DatastoreResource``). The three dependencies are not AI/ML
resources (``ai_ml=False``): a role on a storage account reaches no AI/ML resource, and an
input holding only a storage account holds nothing to assess. Never kept: a datastore's
``credentials.secrets`` (create/update only in the spec), storage keys, any access policy.
"""

from __future__ import annotations

from auditor import arm
from auditor.fields.common import ENVELOPE, TRACKED
from auditor.fields.spec import (
    BOOLEAN,
    INTEGER,
    STRING,
    TEXT,
    AuditedType,
    enum_of,
    merge,
    obj,
)

_ALLOW_DENY = enum_of("Allow", "Deny")

STORAGE_ACCOUNT = AuditedType(
    arm.STORAGE_ACCOUNT,
    merge(
        ENVELOPE,
        TRACKED,
        obj(
            {
                # "The default interpretation is false for this property."
                "properties.allowBlobPublicAccess": BOOLEAN,
                # "The default value is null, which is equivalent to true."
                "properties.allowSharedKeyAccess": BOOLEAN,
                "properties.publicNetworkAccess": enum_of(
                    "Enabled", "Disabled", "SecuredByPerimeter"
                ),
                # Required inside networkAcls; an account without networkAcls allows all.
                "properties.networkAcls.defaultAction": _ALLOW_DENY,
                "properties.networkAcls.bypass": STRING,
                "properties.minimumTlsVersion": enum_of("TLS1_0", "TLS1_1", "TLS1_2", "TLS1_3"),
                "properties.isHnsEnabled": BOOLEAN,
                "properties.provisioningState": STRING,
            }
        ),
    ),
    ai_ml=False,
    snapshot_file="storage-accounts.json",
)

CONTAINER_REGISTRY = AuditedType(
    arm.CONTAINER_REGISTRY,
    merge(
        ENVELOPE,
        TRACKED,
        obj(
            {
                # No default in the model's docstring; ARM templates and azurerm default false.
                "properties.adminUserEnabled": BOOLEAN,
                "properties.anonymousPullEnabled": BOOLEAN,
                "properties.publicNetworkAccess": enum_of("Enabled", "Disabled"),
                "properties.networkRuleSet.defaultAction": _ALLOW_DENY,
                "properties.networkRuleBypassOptions": enum_of("AzureServices", "None"),
                "properties.loginServer": STRING,
                "properties.provisioningState": STRING,
            }
        ),
    ),
    ai_ml=False,
    snapshot_file="container-registries.json",
)

KEY_VAULT = AuditedType(
    arm.KEY_VAULT,
    merge(
        ENVELOPE,
        obj(
            {
                # Irreversible once true; absent means not protected.
                "properties.enablePurgeProtection": BOOLEAN,
                # Set to true at creation when not given.
                "properties.enableSoftDelete": BOOLEAN,
                "properties.softDeleteRetentionInDays": INTEGER,
                # "If null or not specified, ... the default value of false."
                "properties.enableRbacAuthorization": BOOLEAN,
                # A plain string in the model (values seen: Enabled, Disabled, any case).
                "properties.publicNetworkAccess": STRING,
                "properties.networkAcls.defaultAction": _ALLOW_DENY,
                "properties.networkAcls.bypass": STRING,
                "properties.vaultUri": STRING,
                "properties.provisioningState": STRING,
            }
        ),
    ),
    ai_ml=False,
    snapshot_file="key-vaults.json",
)

DATASTORE = AuditedType(
    arm.DATASTORE,
    merge(
        ENVELOPE,
        obj(
            {
                "properties.datastoreType": enum_of(
                    "AzureBlob", "AzureDataLakeGen1", "AzureDataLakeGen2", "AzureFile", "OneLake"
                ),
                # The credential kind only: `secrets` is never kept (nor returned on read).
                "properties.credentials.credentialsType": enum_of(
                    "AccountKey", "Certificate", "None", "Sas", "ServicePrincipal"
                ),
                "properties.isDefault": BOOLEAN,
                "properties.description": TEXT,
                "properties.accountName": STRING,
                "properties.containerName": STRING,
                "properties.fileShareName": STRING,
                "properties.filesystem": STRING,
                "properties.serviceDataAccessAuthIdentity": enum_of(
                    "None", "WorkspaceSystemAssignedIdentity", "WorkspaceUserAssignedIdentity"
                ),
                "properties.resourceGroup": STRING,
                "properties.subscriptionId": STRING,
            }
        ),
    ),
    ai_ml=True,
    snapshot_file="datastores.json",
)
"""A workspace's datastores (``DatastoreResource``): listed, never ``listSecrets``."""
