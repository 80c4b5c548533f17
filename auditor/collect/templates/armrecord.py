"""The ARM record a template resource becomes, and where its properties are written.

The synthetic id (``/subscriptions/<sub>/resourceGroups/<rg>/providers/<type>/<name>``) is
stable for the mock deployment target, so children find their parents by id prefix; a name
that stays unresolved keeps its expression in the id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.collect.templates.expressions import DeploymentContext
from auditor.collect.templates.parsing import is_expression
from auditor.collect.templates.source import Document, PathKey
from auditor.secrets import scrub_text
from auditor.unresolved import MARKER_KEY, is_unresolved


def name_text(value: Any) -> str:
    """A name for the id; an unresolved name keeps its expression (slashes made safe)."""
    if is_unresolved(value):
        return "{" + scrub_text(str(value[MARKER_KEY])).strip("[]").replace("/", "_") + "}"
    return str(value) if value is not None else ""


def record_of(
    evaluated: Mapping[str, Any],
    arm_type: str,
    name: str,
    context: DeploymentContext,
    subscription_level: bool,
) -> dict[str, Any]:
    """The ARM record of one evaluated resource: full type, synthetic id, short name."""
    record = dict(evaluated)
    record["type"] = arm_type
    record["id"] = resource_id(record, arm_type, name, context, subscription_level)
    record["name"] = name.rsplit("/", 1)[-1]
    record.pop("apiVersion", None)
    record.pop("dependsOn", None)
    if arm_type.lower() == "microsoft.cognitiveservices/accounts/raipolicies":
        # Read-only; the service marks every policy a template creates UserManaged.
        props = record.setdefault("properties", {})
        if isinstance(props, dict) and not is_unresolved(props):
            props.setdefault("type", "UserManaged")
    if arm_type.lower() == "microsoft.authorization/roleassignments":
        props = record.setdefault("properties", {})
        if isinstance(props, dict) and "scope" not in props:
            props["scope"] = record["id"].split("/providers/Microsoft.Authorization/")[0]
    return record


def resource_id(
    record: Mapping[str, Any],
    arm_type: str,
    name: str,
    context: DeploymentContext,
    subscription_level: bool,
) -> str:
    namespace, *types = arm_type.split("/")
    names = name.split("/")
    if len(names) != len(types):
        names = [*names, *["unnamed"] * (len(types) - len(names))][: len(types)]
    tail = "/".join([namespace, *(f"{t}/{n}" for t, n in zip(types, names, strict=True))])
    scope = record.get("scope")
    if isinstance(scope, str) and scope:
        base = scope if scope.startswith("/") else f"{context.resource_group_id}/providers/{scope}"
        return f"{base.rstrip('/')}/providers/{tail}"
    if subscription_level:
        return f"/subscriptions/{context.subscription_id}/providers/{tail}"
    return f"{context.resource_group_id}/providers/{tail}"


def property_expressions_of(resource: Mapping[str, Any]) -> dict[str, str]:
    """Dotted property path -> expression text, for every expression in a resource body."""
    found: dict[str, str] = {}

    def walk(value: Any, prefix: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key not in ("resources", "copy", "condition"):
                    walk(item, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(value, str) and is_expression(value) and prefix:
            found[prefix] = value

    walk(resource, "")
    return found


def property_lines_of(document: Document) -> dict[PathKey, dict[str, int]]:
    """Resource path -> dotted property path (relative to it) -> line, for every key under
    each resource, in one pass (a 4 MB template has 800 resources and 100,000 values)."""
    found: dict[PathKey, dict[str, int]] = {}
    for path, line in document.lines.items():
        for end in range(len(path) - 1, 0, -1):
            if path[end - 1] != "resources":
                continue
            relative = path[end + 1 :]
            if relative and all(isinstance(part, str) for part in relative):
                found.setdefault(path[: end + 1], {})[".".join(map(str, relative))] = line
            if not all(isinstance(part, str) for part in relative):
                break
    return found
