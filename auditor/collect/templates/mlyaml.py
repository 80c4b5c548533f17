"""Azure ML v2 YAML specs (``az ml online-endpoint/online-deployment create -f``) as ARM JSON.

The YAML uses the CLI's snake_case names and lower-case enum values (``auth_mode: key``);
they are mapped to the REST names and ARM enum values the rules read
(``properties.authMode: Key``), following the azure-ai-ml entity-to-REST conversion:
``key``/``aml_token``/``aad_token`` -> ``Key``/``AMLToken``/``AADToken``. The YAML is read
directly (see ``README.md``: the optional azure-ai-ml loaders need the package installed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor import arm
from auditor.collect.templates.expressions import DeploymentContext
from auditor.collect.templates.source import Document

ENDPOINT_SCHEMAS = ("managedonlineendpoint", "kubernetesonlineendpoint")
DEPLOYMENT_SCHEMAS = ("managedonlinedeployment", "kubernetesonlinedeployment")

AUTH_MODES = {"key": "Key", "aml_token": "AMLToken", "aad_token": "AADToken"}
IDENTITY_TYPES = {
    "system_assigned": "SystemAssigned",
    "user_assigned": "UserAssigned",
    "system_assigned,user_assigned": "SystemAssigned,UserAssigned",
    "none": "None",
}
DEFAULT_AUTH_MODE = "key"
"""What ``az ml online-endpoint create`` uses when the YAML has no ``auth_mode``."""


def spec_kind(value: object) -> str | None:
    """``endpoint`` or ``deployment`` for an online endpoint/deployment spec, else None."""
    if not isinstance(value, dict):
        return None
    schema = str(value.get("$schema") or "").lower()
    if any(s in schema for s in ENDPOINT_SCHEMAS):
        return "endpoint"
    if any(s in schema for s in DEPLOYMENT_SCHEMAS):
        return "deployment"
    if "auth_mode" in value and "name" in value:
        return "endpoint"
    if "endpoint_name" in value and "name" in value:
        return "deployment"
    return None


def _enabled(value: object) -> object:
    if isinstance(value, str) and value.lower() in ("enabled", "disabled"):
        return value.capitalize()
    if isinstance(value, bool):
        return "Enabled" if value else "Disabled"
    return value


def _identity(spec: Mapping[str, Any]) -> dict[str, Any] | None:
    identity = spec.get("identity")
    if not isinstance(identity, dict):
        return None
    raw = str(identity.get("type") or "").replace(" ", "").lower()
    result: dict[str, Any] = {"type": IDENTITY_TYPES.get(raw, identity.get("type"))}
    assigned = identity.get("user_assigned_identities")
    if isinstance(assigned, list):
        result["userAssignedIdentities"] = {
            str(item.get("resource_id")): {}
            for item in assigned
            if isinstance(item, dict) and item.get("resource_id")
        }
    return result


def _endpoint_id(context: DeploymentContext, endpoint: str) -> str:
    return (
        f"{context.resource_group_id}/providers/Microsoft.MachineLearningServices/workspaces/"
        f"{context.workspace}/onlineEndpoints/{endpoint}"
    )


def _kubernetes(spec: Mapping[str, Any], kind_word: str) -> bool:
    schema = str(spec.get("$schema") or "").lower()
    return f"kubernetesonline{kind_word}" in schema or "compute" in spec


def endpoint_record(
    document: Document, context: DeploymentContext
) -> tuple[dict[str, Any], dict[str, int]]:
    """An online endpoint spec as ARM JSON, and its property lines."""
    spec: Mapping[str, Any] = document.value
    name = str(spec.get("name") or document.path.stem)
    auth = str(spec.get("auth_mode") or DEFAULT_AUTH_MODE)
    properties: dict[str, Any] = {"authMode": AUTH_MODES.get(auth.lower(), auth)}
    if "public_network_access" in spec:
        properties["publicNetworkAccess"] = _enabled(spec["public_network_access"])
    for source, target in (("description", "description"), ("traffic", "traffic")):
        if source in spec:
            properties[target] = spec[source]
    if _kubernetes(spec, "endpoint"):
        properties["compute"] = spec.get("compute")
    record: dict[str, Any] = {
        "id": _endpoint_id(context, name),
        "name": name,
        "type": arm.ONLINE_ENDPOINT,
        "location": context.location,
        "kind": "Kubernetes" if _kubernetes(spec, "endpoint") else "Managed",
        "properties": properties,
    }
    identity = _identity(spec)
    if identity is not None:
        record["identity"] = identity
    lines = _lines(
        document,
        {
            "properties.authMode": "auth_mode",
            "properties.publicNetworkAccess": "public_network_access",
            "identity": "identity",
            "identity.type": "identity",
        },
    )
    return record, lines


def deployment_record(
    document: Document, context: DeploymentContext
) -> tuple[dict[str, Any], dict[str, int]]:
    """An online deployment spec as ARM JSON, and its property lines."""
    spec: Mapping[str, Any] = document.value
    name = str(spec.get("name") or document.path.stem)
    endpoint = str(spec.get("endpoint_name") or "unknown-endpoint")
    kubernetes = _kubernetes(spec, "deployment")
    properties: dict[str, Any] = {"endpointComputeType": "Kubernetes" if kubernetes else "Managed"}
    if isinstance(spec.get("environment_variables"), dict):
        properties["environmentVariables"] = {
            str(k): v if isinstance(v, str) else ("" if v is None else str(v))
            for k, v in spec["environment_variables"].items()
        }
    if "egress_public_network_access" in spec:
        properties["egressPublicNetworkAccess"] = _enabled(spec["egress_public_network_access"])
    for source, target in (
        ("instance_type", "instanceType"),
        ("app_insights_enabled", "appInsightsEnabled"),
        ("description", "description"),
    ):
        if source in spec:
            properties[target] = spec[source]
    record: dict[str, Any] = {
        "id": f"{_endpoint_id(context, endpoint)}/deployments/{name}",
        "name": name,
        "type": arm.ONLINE_DEPLOYMENT,
        "location": context.location,
        "properties": properties,
    }
    if "instance_count" in spec:
        record["sku"] = {"capacity": spec["instance_count"]}
    lines = _lines(
        document,
        {
            "properties.environmentVariables": "environment_variables",
            "properties.egressPublicNetworkAccess": "egress_public_network_access",
            "sku.capacity": "instance_count",
        },
    )
    variables = spec.get("environment_variables")
    for key in variables if isinstance(variables, dict) else ():
        line = document.lines.get(("environment_variables", key))
        if line is not None:
            lines[f"properties.environmentVariables.{key}"] = line
    return record, lines


def _lines(document: Document, mapping: Mapping[str, str]) -> dict[str, int]:
    """ARM property path -> line of the YAML key it came from."""
    lines: dict[str, int] = {}
    for target, source in mapping.items():
        line = document.lines.get((source,))
        if line is not None:
            lines[target] = line
    return lines
