"""v1 deployment configuration files (``az ml model deploy --deploy-config-file``).

JSON or YAML with ``computeType`` ``aci``/``aks``, ``authEnabled`` and, on AKS,
``tokenAuthEnabled``. The file is turned into the ARM shape of a v1 web service
(``Microsoft.MachineLearningServices/workspaces/services``, api-version 2021-07-01):
``properties.computeType`` ``ACI``/``AKS``, ``properties.authEnabled``, and
``properties.aadAuthEnabled`` (the ARM name of what the v1 SDK calls ``tokenAuthEnabled``).
A setting the file leaves out stays absent, so the rules apply the documented defaults
(AKS: key auth on; ACI: key auth off). The service name is not in the file (``--name`` gives
it), so the file name stands in for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from auditor import arm
from auditor.collect.templates.expressions import DeploymentContext
from auditor.collect.templates.source import Document

# Accepted spellings of each setting (the files are camelCase; YAML users write snake_case).
_FIELDS: Mapping[str, tuple[str, ...]] = {
    "computeType": ("computeType", "compute_type"),
    "authEnabled": ("authEnabled", "auth_enabled"),
    "aadAuthEnabled": ("tokenAuthEnabled", "token_auth_enabled", "aadAuthEnabled"),
    "sslEnabled": ("sslEnabled", "ssl_enabled"),
    "appInsightsEnabled": ("appInsightsEnabled", "app_insights_enabled", "enableAppInsights"),
    "location": ("location",),
    "computeName": ("computeTargetName", "compute_target_name"),
    "environmentVariables": ("environmentVariables", "environment_variables"),
}


def is_deploy_config(value: object) -> bool:
    """A v1 deploy config: ``computeType`` ACI or AKS and nothing ARM-shaped."""
    if not isinstance(value, dict) or "id" in value or "$schema" in value:
        return False
    compute = value.get("computeType", value.get("compute_type"))
    return isinstance(compute, str) and compute.lower() in ("aci", "aks")


def _find(config: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str, Any] | None:
    for name in names:
        if name in config:
            return name, config[name]
    return None


def _bool(value: object) -> object:
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def service_record(
    document: Document, context: DeploymentContext
) -> tuple[dict[str, Any], dict[str, int]]:
    """The web service a deploy config describes, as ARM JSON, and its property lines."""
    config: Mapping[str, Any] = document.value
    name = re.sub(r"[^A-Za-z0-9-]", "-", document.path.stem).strip("-").lower() or "service"
    properties: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for target, names in _FIELDS.items():
        found = _find(config, names)
        if found is None:
            continue
        source, value = found
        if target == "computeType":
            value = str(value).upper()
        elif target == "environmentVariables":
            target = "environmentImageRequest.environment.environmentVariables"
            properties["environmentImageRequest"] = {"environment": {"environmentVariables": value}}
            line = document.lines.get((source,))
            if line is not None:
                lines[f"properties.{target}"] = line
            continue
        else:
            value = _bool(value)
        properties[target] = value
        line = document.lines.get((source,))
        if line is not None:
            lines[f"properties.{target}"] = line
    location = properties.get("location") or context.location
    record = {
        "id": (
            f"{context.resource_group_id}/providers/Microsoft.MachineLearningServices/"
            f"workspaces/{context.workspace}/services/{name}"
        ),
        "name": name,
        "type": arm.WEB_SERVICE,
        "location": location,
        "properties": properties,
    }
    return record, lines
