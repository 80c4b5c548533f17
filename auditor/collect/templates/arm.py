"""ARM deployment templates: parameters, variables, copy loops, conditions, nested deployments.

A template is expanded the way Resource Manager would expand it for a mock deployment target
(:class:`DeploymentContext`): each resource becomes an ARM-shaped JSON object with a synthetic
but stable id (``/subscriptions/<sub>/resourceGroups/<rg>/providers/<type>/<name>``), so the
same rules that judge live resources judge it, and children find their parents by id prefix.
Nested deployments (``Microsoft.Resources/deployments`` with an inline ``template``) are
expanded too; with ``expressionEvaluationOptions.scope: inner`` (how Bicep compiles modules)
the inner template sees only the parameters its caller passes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.collect.templates.expressions import (
    DeploymentContext,
    Scope,
    Unresolvable,
    evaluate_value,
    is_expression,
    resolve_deep,
)
from auditor.collect.templates.source import Document, PathKey, parse
from auditor.errors import InputError
from auditor.secrets import scrub_text
from auditor.unresolved import MARKER_KEY, is_unresolved, unresolved

DEPLOYMENT_TYPE = "microsoft.resources/deployments"
MAX_NESTING = 10
MAX_COPY = 800  # ARM's own limit on copy loop iterations


@dataclass(frozen=True)
class ExpandedResource:
    """One resource a template would deploy, as ARM JSON plus where it is written."""

    record: dict[str, Any]
    path: Path
    """The template file it is written in (a linked template's own file)."""
    line: int | None
    property_lines: Mapping[str, int]
    property_expressions: Mapping[str, str]
    """Dotted property path -> the template expression its value came from."""


@dataclass(frozen=True)
class Expansion:
    """What expanding one template file produced."""

    resources: list[ExpandedResource]
    problems: list[str]
    """Parts that could not be expanded (a linked template by URL, an unresolved copy count)."""


def is_arm_template(value: object) -> bool:
    """Recognised by content: ``$schema`` naming a deployment template, or the shape."""
    if not isinstance(value, dict):
        return False
    schema = str(value.get("$schema") or "").lower()
    if "deploymenttemplate.json" in schema:
        return True
    return "resources" in value and "contentVersion" in value


def is_parameters_file(value: object) -> bool:
    """A deployment parameters file (``deploymentParameters.json`` schema)."""
    if not isinstance(value, dict):
        return False
    schema = str(value.get("$schema") or "").lower()
    return "deploymentparameters.json" in schema or (
        "parameters" in value and "contentVersion" in value and "resources" not in value
    )


def parameter_values(document: Document) -> dict[str, Any]:
    """The ``value`` of each parameter in a parameters file (Key Vault references stay open)."""
    params = document.value.get("parameters") if isinstance(document.value, dict) else None
    if not isinstance(params, dict):
        raise InputError(f"{document.path}: a parameters file needs a 'parameters' object")
    values: dict[str, Any] = {}
    for name, entry in params.items():
        if isinstance(entry, dict) and "value" in entry:
            values[name] = entry["value"]
        elif isinstance(entry, dict) and "reference" in entry:
            values[name] = unresolved(
                f"Key Vault reference for parameter {name}", "read from Key Vault at deployment"
            )
    return values


def resolve_parameters(
    template: Mapping[str, Any], given: Mapping[str, Any], context: DeploymentContext, where: str
) -> dict[str, Any]:
    """Each declared parameter's value: given, else its defaultValue, else a marker."""
    declared = template.get("parameters") or {}
    declared = declared if isinstance(declared, dict) else {}
    resolved: dict[str, Any] = {}
    lowered = {k.lower(): v for k, v in given.items()}
    defaults: dict[str, Any] = {}
    for name, spec in declared.items():
        if name.lower() in lowered:
            resolved[name] = lowered[name.lower()]
        elif isinstance(spec, dict) and "defaultValue" in spec:
            defaults[name] = spec["defaultValue"]
        else:
            resolved[name] = unresolved(
                f"[parameters('{name}')]",
                f"parameter {name} has no value ({where}: no parameters file value, "
                "no defaultValue)",
            )
    # A default may use another parameter declared later: retry until nothing changes.
    failures: dict[str, str] = {}
    while defaults:
        progress = False
        for name, default in list(defaults.items()):
            try:
                resolved[name] = evaluate_value(default, Scope(resolved, {}, context))
            except Unresolvable as exc:
                failures[name] = exc.reason
                continue
            del defaults[name]
            progress = True
        if not progress:
            for name, default in defaults.items():
                resolved[name] = unresolved(str(default), failures[name])
            break
    return {name: resolved[name] for name in declared if name in resolved}


class _Expander:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.resources: list[ExpandedResource] = []
        self.problems: list[str] = []
        self._lines_cache: dict[PathKey, Mapping[str, int]] = {}

    def property_lines(self, path: PathKey) -> Mapping[str, int]:
        if path not in self._lines_cache:
            self._lines_cache[path] = _property_lines(self.document, path)
        return self._lines_cache[path]

    def template(
        self,
        template: Mapping[str, Any],
        path: PathKey,
        given: Mapping[str, Any],
        context: DeploymentContext,
        depth: int,
        outer: Scope | None = None,
    ) -> None:
        if depth > MAX_NESTING:
            self.problems.append(f"nested deployments deeper than {MAX_NESTING} levels")
            return
        if outer is not None:
            scope = outer
        else:
            where = "template" if depth == 0 else "nested deployment"
            parameters = resolve_parameters(template, given, context, where)
            scope = Scope(parameters, dict(template.get("variables") or {}), context)
            _expand_variable_copies(scope)
        schema = str(template.get("$schema") or "").lower()
        subscription_level = "subscriptiondeploymenttemplate" in schema
        resources = template.get("resources") or []
        items: Iterator[tuple[PathKey, Any]]
        if isinstance(resources, dict):  # languageVersion 2.0: symbolic names
            items = (((*path, "resources", k), v) for k, v in resources.items())
        else:
            items = (((*path, "resources", i), v) for i, v in enumerate(resources))
        for resource_path, resource in items:
            if isinstance(resource, dict) and not resource.get("existing"):
                self.resource(resource, resource_path, scope, depth, subscription_level, None)

    def resource(
        self,
        resource: Mapping[str, Any],
        path: PathKey,
        scope: Scope,
        depth: int,
        subscription_level: bool,
        parent: tuple[str, str] | None,
    ) -> None:
        copy = resource.get("copy")
        if isinstance(copy, dict):
            try:
                count = evaluate_value(copy.get("count"), scope)
            except Unresolvable as exc:
                self.problems.append(
                    f"line {self.document.line_of(path)}: copy count {copy.get('count')!r} "
                    f"not resolved ({exc.reason}); judged once"
                )
                count = 1
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                count = 1
            for index in range(min(count, MAX_COPY)):
                inner = scope.with_copy(str(copy.get("name") or ""), index)
                self.instance(resource, path, inner, depth, subscription_level, parent)
            return
        self.instance(resource, path, scope, depth, subscription_level, parent)

    def instance(
        self,
        resource: Mapping[str, Any],
        path: PathKey,
        scope: Scope,
        depth: int,
        subscription_level: bool,
        parent: tuple[str, str] | None,
    ) -> None:
        if "condition" in resource:
            try:
                condition = evaluate_value(resource["condition"], scope)
            except Unresolvable:
                condition = True  # unknown: judge it as if it were deployed
            if condition is False:
                return
        body = {k: v for k, v in resource.items() if k not in ("resources", "copy", "condition")}
        raw_type = resolve_deep(body.get("type"), scope)
        if str(raw_type).lower() == DEPLOYMENT_TYPE and isinstance(body.get("properties"), dict):
            # The inner template is evaluated in its own scope, never in the caller's.
            body["properties"] = {k: v for k, v in body["properties"].items() if k != "template"}
        if isinstance(body.get("properties"), dict):
            body["properties"] = _property_copies(body["properties"], scope)
        evaluated = resolve_deep(body, scope)
        arm_type = str(evaluated.get("type") or "")
        name = _text(evaluated.get("name"))
        if parent is not None:
            arm_type = f"{parent[0]}/{arm_type}" if "/" not in arm_type else arm_type
            if name.count("/") < arm_type.count("/") - 1:
                name = f"{parent[1]}/{name}"
        if arm_type.lower() == DEPLOYMENT_TYPE:
            self.deployment(evaluated, resource, path, scope, depth)
            return
        record = dict(evaluated)
        record["type"] = arm_type
        record["id"] = _resource_id(record, arm_type, name, scope.context, subscription_level)
        record["name"] = name.rsplit("/", 1)[-1]
        record.pop("apiVersion", None)
        record.pop("dependsOn", None)
        if arm_type.lower() == "microsoft.authorization/roleassignments":
            props = record.setdefault("properties", {})
            if isinstance(props, dict) and "scope" not in props:
                props["scope"] = record["id"].split("/providers/Microsoft.Authorization/")[0]
        self.resources.append(
            ExpandedResource(
                record=record,
                path=self.document.path,
                line=self.document.lines.get((*path, "type")) or self.document.line_of(path),
                property_lines=self.property_lines(path),
                property_expressions=_property_expressions(resource),
            )
        )
        for index, child in enumerate(resource.get("resources") or []):
            if isinstance(child, dict):
                self.resource(
                    child,
                    (*path, "resources", index),
                    scope,
                    depth,
                    subscription_level,
                    (arm_type, name),
                )

    def deployment(
        self,
        evaluated: Mapping[str, Any],
        raw: Mapping[str, Any],
        path: PathKey,
        scope: Scope,
        depth: int,
    ) -> None:
        raw_props = raw.get("properties") or {}
        props = evaluated.get("properties") or {}
        template = raw_props.get("template") if isinstance(raw_props, dict) else None
        linked: _Expander | None = None
        if not isinstance(template, dict):
            link = props.get("templateLink") if isinstance(props, dict) else None
            relative = link.get("relativePath") if isinstance(link, dict) else None
            target = self.document.path.parent / relative if isinstance(relative, str) else None
            if target is None or not target.is_file():
                self.problems.append(
                    f"line {self.document.line_of(path)}: linked template {link!r} not read "
                    "(only inline templates and local templateLink.relativePath files are "
                    "expanded)"
                )
                return
            linked = _Expander(parse(target))
            template = linked.document.value
            if not isinstance(template, dict):
                raise InputError(f"{target}: a linked template must be a JSON object")
        context = scope.context
        group, subscription = evaluated.get("resourceGroup"), evaluated.get("subscriptionId")
        if isinstance(group, str) and group:
            context = context.with_changes(resource_group=group)
        if isinstance(subscription, str) and subscription:
            context = context.with_changes(subscription_id=subscription)
        name = evaluated.get("name")
        if isinstance(name, str):
            context = context.with_changes(deployment_name=name)
        options = raw_props.get("expressionEvaluationOptions") or {}
        inner = str(options.get("scope") or "outer").lower() == "inner"
        template_path: PathKey = (*path, "properties", "template")
        expander = self
        if linked is not None:
            expander, template_path, inner = linked, (), True  # a linked file has its own scope
        if inner:
            given: dict[str, Any] = {}
            passed = props.get("parameters") if isinstance(props, dict) else None
            for key, entry in (passed or {}).items():
                if isinstance(entry, dict) and "value" in entry:
                    given[key] = entry["value"]
                elif isinstance(entry, dict) and "reference" in entry:
                    given[key] = unresolved(
                        f"Key Vault reference for parameter {key}",
                        "read from Key Vault at deployment",
                    )
            expander.template(template, template_path, given, context, depth + 1)
        else:
            outer = Scope(scope.parameters, scope.variables, context, dict(scope.copy_indexes))
            expander.template(template, template_path, {}, context, depth + 1, outer=outer)
        if linked is not None:
            self.resources.extend(linked.resources)
            self.problems.extend(linked.problems)


def _property_copies(properties: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """``properties.copy`` loops become the arrays they build (each item evaluated)."""
    loops = properties.get("copy")
    if not isinstance(loops, list):
        return properties
    result = {k: v for k, v in properties.items() if k != "copy"}
    for loop in loops:
        if not isinstance(loop, dict) or not isinstance(loop.get("name"), str):
            continue
        name = loop["name"]
        try:
            count = evaluate_value(loop.get("count"), scope)
            if not isinstance(count, int) or isinstance(count, bool):
                raise Unresolvable(f"copy count {count!r} is not a number")
            result[name] = [
                resolve_deep(loop.get("input"), scope.with_copy(name, index))
                for index in range(min(count, MAX_COPY))
            ]
        except Unresolvable as exc:
            result[name] = unresolved(f"copy loop {name}: count {loop.get('count')}", exc.reason)
    return result


def _expand_variable_copies(scope: Scope) -> None:
    """Variables defined by ``copy`` (an array built by a loop) become ordinary variables."""
    variables = dict(scope.variables)
    loops = variables.pop("copy", None)
    if not isinstance(loops, list):
        return
    for loop in loops:
        if not isinstance(loop, dict) or not isinstance(loop.get("name"), str):
            continue
        try:
            count = evaluate_value(loop.get("count"), scope)
            values = [
                evaluate_value(loop.get("input"), scope.with_copy(loop["name"], i))
                for i in range(min(int(count), MAX_COPY))
            ]
            variables[loop["name"]] = values
        except (Unresolvable, TypeError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, Unresolvable) else str(exc)
            variables[loop["name"]] = unresolved(f"copy loop {loop['name']}", reason)
    scope.variables = variables


def _text(value: Any) -> str:
    """A name for the id; an unresolved name keeps its expression (slashes made safe)."""
    if is_unresolved(value):
        return "{" + scrub_text(str(value[MARKER_KEY])).strip("[]").replace("/", "_") + "}"
    return str(value) if value is not None else ""


def _resource_id(
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


def _property_expressions(resource: Mapping[str, Any]) -> dict[str, str]:
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


def _property_lines(document: Document, resource_path: PathKey) -> dict[str, int]:
    """Dotted property path (relative to the resource) -> line, for every key under it."""
    size = len(resource_path)
    lines: dict[str, int] = {}
    for path, line in document.lines.items():
        if len(path) > size and path[:size] == resource_path:
            relative = path[size:]
            if all(isinstance(part, str) for part in relative):
                lines[".".join(str(p) for p in relative)] = line
    return lines


def expand(document: Document, given: Mapping[str, Any], context: DeploymentContext) -> Expansion:
    """Every resource a template file would deploy, evaluated for ``context``."""
    if not isinstance(document.value, dict):
        raise InputError(f"{document.path}: an ARM template must be a JSON object")
    expander = _Expander(document)
    expander.template(document.value, (), given, context, 0)
    return Expansion(expander.resources, expander.problems)


def beside_parameters_file(template: Path) -> Path | None:
    """``main.parameters.json`` beside ``main.json`` (the ARM quickstart convention)."""
    stem = template.name[: -len(template.suffix)] if template.suffix else template.name
    candidate = template.with_name(f"{stem}.parameters.json")
    return candidate if candidate.is_file() else None


def linked_files(document: Document) -> list[Path]:
    """Local files a template links to (``templateLink.relativePath``), at any depth."""
    found: list[Path] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            link = value.get("templateLink")
            if isinstance(link, dict) and isinstance(link.get("relativePath"), str):
                found.append((document.path.parent / link["relativePath"]).resolve())
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document.value)
    return found
