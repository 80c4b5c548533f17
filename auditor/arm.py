"""ARM identifiers, types and regions, compared the way ARM itself compares them.

ARM ids and types are case-insensitive (ARM returns both ``resourcegroups`` and
``resourceGroups``); regions have a display form (``East US``) and a name (``eastus``). The
type names below are for code that names a type; which types are audited, and how each is
spelled, is :data:`auditor.fields.AUDITED` (declared once per type).
"""

from __future__ import annotations

import re

WORKSPACE = "Microsoft.MachineLearningServices/workspaces"
COMPUTE = "Microsoft.MachineLearningServices/workspaces/computes"
ONLINE_ENDPOINT = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
ONLINE_DEPLOYMENT = "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments"
WEB_SERVICE = "Microsoft.MachineLearningServices/workspaces/services"
WORKSPACE_CONNECTION = "Microsoft.MachineLearningServices/workspaces/connections"
SERVERLESS_ENDPOINT = "Microsoft.MachineLearningServices/workspaces/serverlessEndpoints"
AI_ACCOUNT = "Microsoft.CognitiveServices/accounts"
AI_PROJECT = "Microsoft.CognitiveServices/accounts/projects"
AI_ACCOUNT_CONNECTION = "Microsoft.CognitiveServices/accounts/connections"
AI_PROJECT_CONNECTION = "Microsoft.CognitiveServices/accounts/projects/connections"
AI_DEPLOYMENT = "Microsoft.CognitiveServices/accounts/deployments"
RAI_POLICY = "Microsoft.CognitiveServices/accounts/raiPolicies"
AI_CAPABILITY_HOST = "Microsoft.CognitiveServices/accounts/capabilityHosts"
AI_PROJECT_CAPABILITY_HOST = "Microsoft.CognitiveServices/accounts/projects/capabilityHosts"
DEFENDER_AI_SETTING = "Microsoft.CognitiveServices/accounts/defenderForAISettings"
# Threat protection and network guard rails (issue 13).
DEFENDER_PLAN = "Microsoft.Security/pricings"
OUTBOUND_RULE = "Microsoft.MachineLearningServices/workspaces/outboundRules"
NSP_CONFIGURATION = "Microsoft.CognitiveServices/accounts/networkSecurityPerimeterConfigurations"
STORAGE_ACCOUNT = "Microsoft.Storage/storageAccounts"
CONTAINER_REGISTRY = "Microsoft.ContainerRegistry/registries"
KEY_VAULT = "Microsoft.KeyVault/vaults"
DATASTORE = "Microsoft.MachineLearningServices/workspaces/datastores"
ROLE_ASSIGNMENT = "Microsoft.Authorization/roleAssignments"
ROLE_DEFINITION = "Microsoft.Authorization/roleDefinitions"
DIAGNOSTIC_SETTING = "Microsoft.Insights/diagnosticSettings"
ML_REGISTRY = "Microsoft.MachineLearningServices/registries"

SUBSCRIPTION = "Microsoft.Resources/subscriptions"
"""Not an inventory record type: rules on it judge each subscription seen in the input."""

_SUBSCRIPTION_RE = re.compile(r"^/subscriptions/([^/]+)", re.IGNORECASE)
_RESOURCE_GROUP_RE = re.compile(r"^/subscriptions/[^/]+/resourcegroups/([^/]+)", re.IGNORECASE)
_MANAGEMENT_GROUP_RE = re.compile(
    r"^/providers/microsoft\.management/managementgroups/([^/]+)", re.IGNORECASE
)


def normalise_id(resource_id: str) -> str:
    """The comparison key of an ARM id: lower-case, one leading slash, no trailing slash."""
    text = resource_id.strip().lower().rstrip("/")
    if not text.startswith("/"):
        text = "/" + text
    return text


def type_from_id(resource_id: str) -> str:
    """Derive ``Namespace/type/childType`` from an ARM id (as given, casing kept)."""
    parts = [p for p in resource_id.strip().split("/") if p]
    lowered = [p.lower() for p in parts]
    if "providers" not in lowered:
        return ""
    start = len(lowered) - 1 - lowered[::-1].index("providers")
    tail = parts[start + 1 :]
    if not tail:
        return ""
    namespace, rest = tail[0], tail[1:]
    types = rest[0::2]
    return "/".join([namespace, *types])


def subscription_of(resource_id: str) -> str | None:
    """The lower-case subscription id in an ARM id, if it has one."""
    match = _SUBSCRIPTION_RE.match(resource_id.strip())
    return match.group(1).lower() if match else None


def resource_group_of(resource_id: str) -> str | None:
    """The resource-group name in an ARM id (lower-case), if it has one."""
    match = _RESOURCE_GROUP_RE.match(resource_id.strip())
    return match.group(1).lower() if match else None


def management_group_of(scope: str) -> str | None:
    """The management-group name of a management-group scope, lower-case."""
    match = _MANAGEMENT_GROUP_RE.match(scope.strip())
    return match.group(1).lower() if match else None


def normalise_region(region: object) -> str | None:
    """Region name for comparison: ``East US`` and ``eastus`` both give ``eastus``."""
    if not isinstance(region, str) or not region.strip():
        return None
    return re.sub(r"[\s_-]", "", region).lower()


def scope_contains(scope_key: str, resource_key: str) -> bool:
    """True when ``resource_key`` is at or below ``scope_key`` (both normalised)."""
    if scope_key in ("", "/"):
        return True
    return resource_key == scope_key or resource_key.startswith(scope_key + "/")


def scope_level(scope: str) -> str:
    """Classify an ARM scope: root, management_group, subscription, resource_group, resource."""
    key = normalise_id(scope)
    if key == "/" or key == "":
        return "root"
    if management_group_of(key):
        return "management_group"
    parts = [p for p in key.split("/") if p]
    if len(parts) == 2 and parts[0] == "subscriptions":
        return "subscription"
    if len(parts) == 4 and parts[0] == "subscriptions" and parts[2] == "resourcegroups":
        return "resource_group"
    return "resource"


def last_segment(resource_id: str) -> str:
    """The final name segment of an ARM id (role definition GUIDs, resource names)."""
    return resource_id.strip().rstrip("/").rsplit("/", 1)[-1]
