"""Kept fields of the guard rails around the AI estate: the subscription's Defender for Cloud
plans, a managed network's outbound rules, and AI accounts' network security perimeter
configurations.

Sources (see ``docs/azure-facts.md`` "Threat protection and network guard rails"):
``specification/security/resource-manager/Microsoft.Security/stable/2024-01-01/pricings.json``
(``Pricing``, ``Extension``); ``specification/machinelearningservices/resource-manager/
Microsoft.MachineLearningServices/stable/2025-12-01/workspaceRP.json`` (``OutboundRule`` and its
``FQDN``/``ServiceTag``/``PrivateEndpoint`` kinds); ``specification/cognitiveservices/
resource-manager/Microsoft.CognitiveServices/stable/2025-06-01/cognitiveservices.json``
(``NetworkSecurityPerimeterConfiguration``). Never kept: a pricing's
``additionalExtensionProperties`` (free objects), a perimeter profile's access rules.
"""

from __future__ import annotations

from auditor import arm
from auditor.fields.common import ENVELOPE
from auditor.fields.spec import (
    ARM_ID,
    BOOLEAN,
    INTEGER,
    STRING,
    AuditedType,
    Field,
    array_of,
    enum_of,
    merge,
    obj,
    object_or_string,
)

DEFENDER_PLAN = AuditedType(
    arm.DEFENDER_PLAN,
    merge(
        ENVELOPE,
        obj(
            {
                # Required in the spec; the plan itself is the record's name (`AI`).
                "properties.pricingTier": enum_of("Free", "Standard"),
                "properties.subPlan": STRING,
                "properties.enforce": enum_of("False", "True"),
                "properties.inherited": enum_of("True", "False"),
                "properties.inheritedFrom": STRING,
                "properties.resourcesCoverageStatus": enum_of(
                    "FullyCovered", "PartiallyCovered", "NotCovered"
                ),
                "properties.deprecated": BOOLEAN,
                "properties.extensions": array_of(
                    obj(
                        {
                            "name": STRING,
                            # A string enum, not a boolean.
                            "isEnabled": enum_of("True", "False"),
                            "operationStatus.code": enum_of("Succeeded", "Failed"),
                        }
                    )
                ),
            }
        ),
    ),
    # Not an AI/ML resource: a subscription holding only plans holds no AI/ML resource.
    ai_ml=False,
    snapshot_file="defender-plans.json",
)

_RULE_TYPE = enum_of("FQDN", "PrivateEndpoint", "ServiceTag")
_RULE_COMMON = {
    "type": _RULE_TYPE,
    # Only `UserDefined` rules are the user's; the others are added by Microsoft.
    "category": enum_of("Required", "Recommended", "UserDefined", "Dependency"),
    "status": enum_of("Inactive", "Active", "Provisioning", "Deleting", "Failed"),
}
_SERVICE_TAG_DESTINATION = {
    "serviceTag": STRING,
    "protocol": STRING,
    "portRanges": STRING,
    "action": enum_of("Allow", "Deny"),
    # Read-only: "Optional, if provided, the ServiceTag property will be ignored."
    "addressPrefixes": array_of(STRING),
}
_PRIVATE_ENDPOINT_DESTINATION = {
    "serviceResourceId": ARM_ID,
    "subresourceTarget": STRING,
    "sparkEnabled": BOOLEAN,
}

OUTBOUND_RULE_KEPT: Field = obj(
    {
        **_RULE_COMMON,
        # A string (the FQDN) for FQDN rules, an object for the other kinds: kept as either,
        # and read through the declaration of the rule's own kind (`OUTBOUND_RULE_KINDS`).
        "destination": object_or_string(
            {**_SERVICE_TAG_DESTINATION, **_PRIVATE_ENDPOINT_DESTINATION}
        ),
    }
)
"""An ``OutboundRule`` as the inventory keeps it (inline in a workspace, or listed)."""

OUTBOUND_RULE_KINDS: dict[str, Field] = {
    "fqdn": obj({**_RULE_COMMON, "destination": STRING}),
    "servicetag": obj(
        {**_RULE_COMMON, **{f"destination.{k}": v for k, v in _SERVICE_TAG_DESTINATION.items()}}
    ),
    "privateendpoint": obj(
        {
            **_RULE_COMMON,
            **{f"destination.{k}": v for k, v in _PRIVATE_ENDPOINT_DESTINATION.items()},
        }
    ),
}
"""The declaration of each rule kind (``type``, lower-cased), for reading ``destination``."""

OUTBOUND_RULE = AuditedType(
    arm.OUTBOUND_RULE,
    merge(ENVELOPE, obj({"properties": OUTBOUND_RULE_KEPT})),
    ai_ml=True,
    snapshot_file="outbound-rules.json",
)

NSP_CONFIGURATION = AuditedType(
    arm.NSP_CONFIGURATION,
    merge(
        ENVELOPE,
        obj(
            {
                "properties.provisioningState": STRING,
                "properties.networkSecurityPerimeter.id": ARM_ID,
                "properties.networkSecurityPerimeter.perimeterGuid": STRING,
                "properties.networkSecurityPerimeter.location": STRING,
                "properties.resourceAssociation.name": STRING,
                # A free string in the CS spec ("Access Mode of the resource association");
                # the Microsoft.Network NSP values are Learning, Enforced and Audit.
                "properties.resourceAssociation.accessMode": STRING,
                "properties.profile.name": STRING,
                "properties.profile.accessRulesVersion": INTEGER,
            }
        ),
    ),
    ai_ml=True,
    snapshot_file="nsp-configurations.json",
)
