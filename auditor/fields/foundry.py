"""Kept fields of what hangs off an AI Services (AI Foundry) account: projects, connections,
model deployments, content-filter (RAI) policies, agent capability hosts and the account's
Defender for AI setting.

Source: ``specification/cognitiveservices/resource-manager/Microsoft.CognitiveServices/stable/
2025-06-01/cognitiveservices.json`` (``Project``, ``ConnectionPropertiesV2``, ``Deployment``,
``RaiPolicy``, ``CapabilityHost``, ``DefenderForAISetting``), cross-checked against
``azure-mgmt-cognitiveservices`` 14.1.0 (api 2025-09-01). Values marked 2026-03-01 come from
the generated models of that stable version (``hashicorp/go-azure-sdk``
``resource-manager/cognitive/2026-03-01``), which templates written for azurerm 5.x carry;
see ``docs/azure-facts.md`` section 2. Never kept: connection ``credentials`` and
``metadata``, deployment ``rateLimits``, policy ``customTopics`` text.
"""

from __future__ import annotations

from auditor import arm
from auditor.fields.common import CONNECTION, CS_IDENTITY, ENVELOPE, TRACKED
from auditor.fields.spec import (
    BOOLEAN,
    STRING,
    TEXT,
    AuditedType,
    array_of,
    enum_of,
    map_of,
    merge,
    obj,
)

_ETAG = obj({"etag": STRING})

AI_PROJECT = AuditedType(
    arm.AI_PROJECT,
    merge(
        ENVELOPE,
        CS_IDENTITY,
        _ETAG,
        obj(
            {
                # A project has no network, auth or encryption settings of its own (2025-06-01,
                # 2025-09-01): those are its account's.
                "properties.provisioningState": STRING,
                "properties.displayName": TEXT,
                "properties.description": TEXT,
                "properties.isDefault": BOOLEAN,
                "properties.endpoints": map_of(STRING),
            }
        ),
    ),
    ai_ml=True,
    snapshot_file="ai-projects.json",
)

AI_ACCOUNT_CONNECTION = AuditedType(
    arm.AI_ACCOUNT_CONNECTION,
    merge(ENVELOPE, CONNECTION),
    ai_ml=True,
    snapshot_file="ai-account-connections.json",
)

AI_PROJECT_CONNECTION = AuditedType(
    arm.AI_PROJECT_CONNECTION,
    merge(ENVELOPE, CONNECTION),
    ai_ml=True,
    snapshot_file="ai-project-connections.json",
)

AI_DEPLOYMENT = AuditedType(
    arm.AI_DEPLOYMENT,
    merge(
        ENVELOPE,
        TRACKED,
        _ETAG,
        obj(
            {
                "properties.provisioningState": STRING,
                "properties.model.publisher": STRING,
                "properties.model.format": STRING,
                "properties.model.name": STRING,
                "properties.model.version": STRING,
                "properties.model.source": STRING,
                "properties.model.sourceAccount": STRING,
                # No default in the spec; azurerm documents an omitted one as the account's
                # default policy.
                "properties.raiPolicyName": STRING,
                # No default in the spec; azurerm defaults it to OnceNewDefaultVersionAvailable.
                "properties.versionUpgradeOption": enum_of(
                    "OnceNewDefaultVersionAvailable", "OnceCurrentVersionExpired", "NoAutoUpgrade"
                ),
                "properties.capabilities": map_of(STRING),
                "properties.deploymentState": enum_of("Running", "Paused"),
                "properties.spilloverDeploymentName": STRING,
                "properties.parentDeploymentName": STRING,
            }
        ),
    ),
    ai_ml=True,
    snapshot_file="ai-deployments.json",
)

_RAI_SOURCE = enum_of(
    "Prompt",
    "Completion",
    # 2026-03-01: agent guardrails, judged by no rule that reads Prompt/Completion filters.
    "PreRun",
    "PostRun",
    "PreToolCall",
    "PostToolCall",
)

RAI_POLICY = AuditedType(
    arm.RAI_POLICY,
    merge(
        ENVELOPE,
        _ETAG,
        obj(
            {
                "properties.type": enum_of("UserManaged", "SystemManaged"),
                "properties.mode": enum_of(
                    "Default", "Deferred", "Blocking", "Asynchronous_filter"
                ),
                "properties.basePolicyName": STRING,
                "properties.contentFilters": array_of(
                    obj(
                        {
                            # Not an enum: the service spells `Selfharm`, `Indirect Attack`...
                            "name": STRING,
                            "enabled": BOOLEAN,
                            "blocking": BOOLEAN,
                            "severityThreshold": enum_of("Low", "Medium", "High"),
                            "source": _RAI_SOURCE,
                            # 2026-03-01 `RaiActionType`.
                            "action": enum_of("ANNOTATING", "BLOCKING", "HITL", "None", "RETRY"),
                        }
                    )
                ),
                "properties.customBlocklists": array_of(
                    obj({"blocklistName": STRING, "blocking": BOOLEAN, "source": _RAI_SOURCE})
                ),
            }
        ),
    ),
    ai_ml=True,
    snapshot_file="rai-policies.json",
)

_CAPABILITY_HOST = merge(
    ENVELOPE,
    obj(
        {
            "properties.capabilityHostKind": enum_of("Agents"),
            # x-nullable, format not stated: absent means no customer subnet was given.
            "properties.customerSubnet": STRING,
            # 2026-03-01 (account capability hosts).
            "properties.enablePublicHostingEnvironment": BOOLEAN,
            "properties.aiServicesConnections": array_of(STRING),
            "properties.storageConnections": array_of(STRING),
            "properties.threadStorageConnections": array_of(STRING),
            "properties.vectorStoreConnections": array_of(STRING),
            "properties.provisioningState": STRING,
            "properties.description": TEXT,
        }
    ),
)

AI_CAPABILITY_HOST = AuditedType(
    arm.AI_CAPABILITY_HOST,
    _CAPABILITY_HOST,
    ai_ml=True,
    snapshot_file="ai-capability-hosts.json",
)

AI_PROJECT_CAPABILITY_HOST = AuditedType(
    arm.AI_PROJECT_CAPABILITY_HOST,
    _CAPABILITY_HOST,
    ai_ml=True,
    snapshot_file="ai-project-capability-hosts.json",
)

DEFENDER_AI_SETTING = AuditedType(
    arm.DEFENDER_AI_SETTING,
    merge(ENVELOPE, _ETAG, obj({"properties.state": enum_of("Disabled", "Enabled")})),
    ai_ml=True,
    snapshot_file="defender-ai-settings.json",
)
