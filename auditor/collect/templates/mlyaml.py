"""Azure ML v2 YAML specs (``az ml online-endpoint/online-deployment/serverless-endpoint
create -f``) as ARM JSON.

The YAML uses the CLI's snake_case names and lower-case enum values (``auth_mode: key``);
they are mapped to the REST names and ARM enum values the rules read
(``properties.authMode: Key``), following the azure-ai-ml entity-to-REST conversion:
``key``/``aml_token``/``aad_token`` -> ``Key``/``AMLToken``/``AADToken``.

When the optional ``azure-ai-ml`` package is installed (``pip install 'auditor[azure-ai-ml]'``)
the spec is loaded with its ``load_online_endpoint``/``load_online_deployment`` first, so a spec
``az ml`` would reject is rejected here too (exit 2, with the SDK's message), and the values
the rules read are taken from the loaded entity. Without it the YAML is read directly.
A serverless endpoint spec is always read directly (its azure-ai-ml entity is a plain
mapping of the same keys: ``name``, ``model_id``, ``auth_mode``).
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Mapping
from typing import Any

from auditor import arm
from auditor.collect.templates.expressions import DeploymentContext
from auditor.collect.templates.source import Document
from auditor.errors import InputError
from auditor.unresolved import unresolved

ENDPOINT_SCHEMAS = ("managedonlineendpoint", "kubernetesonlineendpoint")
DEPLOYMENT_SCHEMAS = ("managedonlinedeployment", "kubernetesonlinedeployment")
SERVERLESS_SCHEMA = "serverlessendpoint"
"""``https://azuremlschemas.azureedge.net/latest/serverlessEndpoint.schema.json``"""

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
    """``endpoint``, ``deployment`` or ``serverless-endpoint`` for those specs, else None."""
    if not isinstance(value, dict):
        return None
    schema = str(value.get("$schema") or "").lower()
    if SERVERLESS_SCHEMA in schema:
        return "serverless-endpoint"
    if any(s in schema for s in ENDPOINT_SCHEMAS):
        return "endpoint"
    if any(s in schema for s in DEPLOYMENT_SCHEMAS):
        return "deployment"
    if schema:  # another Azure ML spec (a batch endpoint, a compute, ...)
        return None
    if "model_id" in value and "name" in value and "endpoint_name" not in value:
        return "serverless-endpoint"  # Learn's examples carry no $schema
    if "auth_mode" in value and "name" in value:
        return "endpoint"
    if "endpoint_name" in value and "name" in value:
        return "deployment"
    return None


def sdk_available() -> bool:
    """Whether the optional azure-ai-ml package can be imported."""
    try:
        return importlib.util.find_spec("azure.ai.ml") is not None
    except ModuleNotFoundError:
        return False


def _sdk_spec(document: Document, kind: str) -> dict[str, Any]:
    """The spec as azure-ai-ml loads it, reduced to the YAML fields the mapping reads."""
    with warnings.catch_warnings():  # the SDK's schemas warn about marshmallow 4 on import
        warnings.simplefilter("ignore")
        from azure.ai.ml import load_online_deployment, load_online_endpoint

        loader = load_online_endpoint if kind == "endpoint" else load_online_deployment
        try:
            entity: Any = loader(source=str(document.path))
        except Exception as exc:  # the SDK raises marshmallow, its own and OS errors alike
            first = " ".join(str(exc).split())[:400]
            raise InputError(f"{document.path}: azure-ai-ml rejects the spec: {first}") from exc
    spec = dict(document.value)
    fields = (
        ("name", "auth_mode", "public_network_access", "description", "traffic", "compute")
        if kind == "endpoint"
        else (
            "name",
            "endpoint_name",
            "environment_variables",
            "egress_public_network_access",
            "instance_type",
            "instance_count",
            "app_insights_enabled",
            "description",
        )
    )
    for name in fields:
        value = getattr(entity, name, None)
        if value is not None and name in spec:  # SDK defaults stay out, as in the YAML
            spec[name] = dict(value) if isinstance(value, Mapping) else value
    identity = getattr(entity, "identity", None)
    if identity is not None and getattr(identity, "type", None):
        assigned = getattr(identity, "user_assigned_identities", None) or []
        spec["identity"] = {"type": identity.type}
        if assigned:
            spec["identity"]["user_assigned_identities"] = [
                {"resource_id": getattr(i, "resource_id", None)} for i in assigned
            ]
    return spec


def _spec(document: Document, kind: str, use_sdk: bool | None) -> Mapping[str, Any]:
    if use_sdk is None:
        use_sdk = sdk_available()
    return _sdk_spec(document, kind) if use_sdk else document.value


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
    document: Document, context: DeploymentContext, use_sdk: bool | None = None
) -> tuple[dict[str, Any], dict[str, int]]:
    """An online endpoint spec as ARM JSON, and its property lines (``use_sdk`` None: the
    azure-ai-ml loader when it is installed)."""
    spec = _spec(document, "endpoint", use_sdk)
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
    document: Document, context: DeploymentContext, use_sdk: bool | None = None
) -> tuple[dict[str, Any], dict[str, int]]:
    """An online deployment spec as ARM JSON, and its property lines."""
    spec = _spec(document, "deployment", use_sdk)
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


def serverless_endpoint_record(
    document: Document, context: DeploymentContext
) -> tuple[dict[str, Any], dict[str, int]]:
    """A serverless (model-as-a-service) endpoint spec as ARM JSON, and its property lines.

    ``auth_mode`` defaults to ``key`` (azure-ai-ml 1.35.2 ``ServerlessEndpoint``). Any other
    value is left unresolved: that entity's ``_to_rest_object`` sends no ``authMode`` at all,
    so what the endpoint gets is the service's choice, not the YAML's. The spec cannot set
    content safety (absent: "the default content safety settings will be configured")."""
    spec = document.value
    name = str(spec.get("name") or document.path.stem)
    auth = spec.get("auth_mode")
    auth_mode: Any = "Key"
    if auth is not None and str(auth).lower() != "key":
        auth_mode = unresolved(
            f"auth_mode: {str(auth)[:80]}",
            "az ml (azure-ai-ml 1.35.2) does not send auth_mode when it creates a serverless "
            "endpoint; the service decides",
        )
    properties: dict[str, Any] = {"authMode": auth_mode}
    if spec.get("model_id") is not None:
        properties["modelSettings"] = {"modelId": spec["model_id"]}
    record: dict[str, Any] = {
        "id": (
            f"{context.resource_group_id}/providers/Microsoft.MachineLearningServices/"
            f"workspaces/{context.workspace}/serverlessEndpoints/{name}"
        ),
        "name": name,
        "type": arm.SERVERLESS_ENDPOINT,
        "location": context.location,
        "sku": {"name": "Consumption"},  # what azure-ai-ml always sends
        "properties": properties,
    }
    lines = _lines(
        document,
        {"properties.authMode": "auth_mode", "properties.modelSettings.modelId": "model_id"},
    )
    return record, lines


def _lines(document: Document, mapping: Mapping[str, str]) -> dict[str, int]:
    """ARM property path -> line of the YAML key it came from."""
    lines: dict[str, int] = {}
    for target, source in mapping.items():
        line = document.lines.get((source,))
        if line is not None:
            lines[target] = line
    return lines
