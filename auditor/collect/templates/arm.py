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

from auditor.collect.templates import armshape, limits
from auditor.collect.templates.expressions import (
    DeploymentContext,
    InvalidExpression,
    Scope,
    UndeclaredParameter,
    Unresolvable,
    evaluate_value,
    resolve_deep,
)
from auditor.collect.templates.functions import lookup_key
from auditor.collect.templates.limits import Budget, LimitExceeded
from auditor.collect.templates.parsing import is_expression
from auditor.collect.templates.source import Document, PathKey, parse
from auditor.errors import InputError
from auditor.secrets import scrub_text
from auditor.unresolved import MARKER_KEY, is_unresolved, unresolved

DEPLOYMENT_TYPE = "microsoft.resources/deployments"


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


def generated_by_bicep(value: object) -> bool:
    """An ARM template Bicep compiled (it records ``metadata._generator.name: bicep``)."""
    if not isinstance(value, dict) or not is_arm_template(value):
        return False
    metadata = value.get("metadata")
    generator = metadata.get("_generator") if isinstance(metadata, dict) else None
    name = generator.get("name") if isinstance(generator, dict) else None
    return isinstance(name, str) and name.lower() == "bicep"


def parameter_values(document: Document) -> dict[str, Any]:
    """The ``value`` of each parameter in a parameters file (Key Vault references stay open)."""
    armshape.check_file_size(document)
    params = document.value.get("parameters") if isinstance(document.value, dict) else None
    if not isinstance(params, dict):
        raise InputError(f"{document.path}: a parameters file needs a 'parameters' object")
    armshape.check_count(document, ("parameters",), params, limits.MAX_PARAMETERS, "parameters")
    values: dict[str, Any] = {}
    for name, entry in params.items():
        if isinstance(entry, dict) and "value" in entry:
            values[name] = entry["value"]
        elif isinstance(entry, dict) and "reference" in entry:
            values[name] = unresolved(
                f"Key Vault reference for parameter {name}", "read from Key Vault at deployment"
            )
        else:
            raise InputError(
                f"{document.path}: parameters.{name}: needs a 'value' or a Key Vault "
                "'reference' object"
            )
    return values


def resolve_parameters(
    template: Mapping[str, Any],
    given: Mapping[str, Any],
    context: DeploymentContext,
    where: str,
    budget: Budget | None = None,
) -> dict[str, Any]:
    """Each declared parameter's value: given, else its defaultValue, else a marker."""
    budget = budget or Budget()
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
    # A default may use another parameter declared later: retry until nothing changes. A
    # default known only at deployment ("[utcNow()]") becomes a marker at once, so defaults
    # built on it carry that reason, not "not declared".
    while defaults:
        progress = False
        for name, default in list(defaults.items()):
            scope = Scope(resolved, {}, context, budget=budget)
            try:
                resolved[name] = evaluate_value(default, scope)
            except UndeclaredParameter as exc:
                if lookup_key(defaults, exc.name) is not None:
                    continue  # evaluated once that parameter has its value
                resolved[name] = unresolved(str(default), exc.reason)
            except Unresolvable as exc:
                resolved[name] = unresolved(str(default), exc.reason)
            del defaults[name]
            progress = True
        if not progress:
            for name, default in defaults.items():
                resolved[name] = unresolved(
                    str(default), "parameter defaults refer to each other in a cycle"
                )
            break
    return {name: resolved[name] for name in declared if name in resolved}


class _Expander:
    def __init__(self, document: Document, budget: Budget) -> None:
        self.document = document
        self.budget = budget
        self.resources: list[ExpandedResource] = []
        self.problems: list[str] = []
        self.counts: list[int] = []
        """Resources of each template being expanded (innermost last), for ARM's 800."""
        self._lines: dict[PathKey, dict[str, int]] | None = None

    def property_lines(self, path: PathKey) -> Mapping[str, int]:
        if self._lines is None:
            self._lines = _property_lines(self.document)
        return self._lines.get(path, {})

    def bad(self, path: PathKey, problem: object) -> InputError:
        """Bad input naming this file and the element (``resources[3].copy``)."""
        return armshape.bad(self.document, path, problem)

    def count_resource(self, path: PathKey) -> None:
        self.counts[-1] += 1
        if self.counts[-1] > limits.MAX_RESOURCES:
            raise self.bad(
                path,
                f"more than {limits.MAX_RESOURCES} resources, copy loop instances included "
                "(ARM's limit per template)",
            )

    def copy_count(self, count: Any, path: PathKey, scope: Scope) -> int:
        """A copy loop's count, within ARM's copy limits (Unresolvable when not known)."""
        value = evaluate_value(count, scope)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.bad(path, f"copy count is {armshape.kind(value)}, not an integer")
        if value < 0:
            raise self.bad(path, f"copy count {value} is negative; ARM refuses it")
        if value > limits.MAX_COPY:
            raise self.bad(path, f"copy count {value}; ARM's limit is {limits.MAX_COPY}")
        return value

    def template(
        self,
        template: Mapping[str, Any],
        path: PathKey,
        given: Mapping[str, Any],
        context: DeploymentContext,
        depth: int,
        outer: Scope | None = None,
    ) -> None:
        if depth > limits.MAX_NESTED_DEPLOYMENTS:
            raise self.bad(
                path,
                f"nested deployments deeper than {limits.MAX_NESTED_DEPLOYMENTS} levels "
                "(this tool's bound)",
            )
        armshape.check_sections(self.document, template, path)
        if outer is not None:
            scope = outer
        else:
            where = "template" if depth == 0 else "nested deployment"
            try:
                parameters = resolve_parameters(template, given, context, where, self.budget)
            except (LimitExceeded, InvalidExpression) as exc:
                raise self.bad((*path, "parameters"), exc) from exc
            variables = dict(template.get("variables") or {})
            scope = Scope(parameters, variables, context, budget=self.budget)
            try:
                self.variable_copies(scope, (*path, "variables", "copy"))
            except (LimitExceeded, InvalidExpression) as exc:
                raise self.bad((*path, "variables"), exc) from exc
        schema = str(template.get("$schema") or "").lower()
        subscription_level = "subscriptiondeploymenttemplate" in schema
        resources = template.get("resources") or []
        items: Iterator[tuple[PathKey, Any]]
        if isinstance(resources, dict):  # languageVersion 2.0: symbolic names
            items = (((*path, "resources", k), v) for k, v in resources.items())
        else:
            items = (((*path, "resources", i), v) for i, v in enumerate(resources))
        self.counts.append(0)
        for resource_path, resource in items:
            if not isinstance(resource, dict):
                raise self.bad(
                    resource_path, f"a resource must be an object, not {armshape.kind(resource)}"
                )
            if resource.get("existing"):
                continue
            try:
                self.resource(resource, resource_path, scope, depth, subscription_level, None)
            except (LimitExceeded, InvalidExpression) as exc:
                raise self.bad(resource_path, exc) from exc
        self.counts.pop()

    def resource(
        self,
        resource: Mapping[str, Any],
        path: PathKey,
        scope: Scope,
        depth: int,
        subscription_level: bool,
        parent: tuple[str, str] | None,
    ) -> None:
        if not isinstance(resource.get("type"), str):
            raise self.bad(path, "a resource needs a 'type' string")
        copy = resource.get("copy")
        if copy is None:
            self.instance(resource, path, scope, depth, subscription_level, parent)
            return
        if not isinstance(copy, dict) or "count" not in copy:
            raise self.bad((*path, "copy"), "a copy loop must be an object with a 'count'")
        try:
            count = self.copy_count(copy.get("count"), (*path, "copy", "count"), scope)
        except Unresolvable as exc:
            self.problems.append(
                f"line {self.document.line_of(path)}: copy count {copy.get('count')!r} "
                f"not resolved ({exc.reason}); judged once"
            )
            count = 1
        for index in range(count):
            inner = scope.with_copy(str(copy.get("name") or ""), index)
            self.instance(resource, path, inner, depth, subscription_level, parent)

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
        self.count_resource(path)
        body = {k: v for k, v in resource.items() if k not in ("resources", "copy", "condition")}
        raw_type = resolve_deep(body.get("type"), scope)
        if str(raw_type).lower() == DEPLOYMENT_TYPE and isinstance(body.get("properties"), dict):
            # The inner template is evaluated in its own scope, never in the caller's.
            body["properties"] = {k: v for k, v in body["properties"].items() if k != "template"}
        if isinstance(body.get("properties"), dict):
            body["properties"] = self.property_copies(body["properties"], path, scope)
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
        self.budget.add_resource(record, f"resource {record['id']}")
        self.resources.append(
            ExpandedResource(
                record=record,
                path=self.document.path,
                line=self.document.lines.get((*path, "type")) or self.document.line_of(path),
                property_lines=self.property_lines(path),
                property_expressions=_property_expressions(resource),
            )
        )
        children = resource.get("resources")
        children = [] if children is None else children
        if not isinstance(children, list):
            raise self.bad((*path, "resources"), f"must be an array, not {armshape.kind(children)}")
        for index, child in enumerate(children):
            if not isinstance(child, dict):
                raise self.bad((*path, "resources", index), "a resource must be an object")
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
                    f"line {self.document.line_of(path)}: linked template "
                    f"{armshape.link_text(link)} not read (only inline templates and local "
                    "templateLink.relativePath files are expanded)"
                )
                return
            linked = _Expander(parse(target), self.budget)
            armshape.check_file_size(linked.document)
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
        options = (
            raw_props.get("expressionEvaluationOptions") if isinstance(raw_props, dict) else None
        )
        options = options if isinstance(options, dict) else {}
        inner = str(options.get("scope") or "outer").lower() == "inner"
        template_path: PathKey = (*path, "properties", "template")
        expander = self
        if linked is not None:
            expander, template_path, inner = linked, (), True  # a linked file has its own scope
        if inner:
            given: dict[str, Any] = {}
            passed = props.get("parameters") if isinstance(props, dict) else None
            if passed is not None and not isinstance(passed, dict):
                raise self.bad((*path, "properties", "parameters"), "must be an object")
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
            outer = Scope(
                scope.parameters, scope.variables, context, dict(scope.copy_indexes), self.budget
            )
            expander.template(template, template_path, {}, context, depth + 1, outer=outer)
        if linked is not None:
            self.resources.extend(linked.resources)
            self.problems.extend(linked.problems)

    def property_copies(
        self, properties: dict[str, Any], path: PathKey, scope: Scope
    ) -> dict[str, Any]:
        """``properties.copy`` loops become the arrays they build (each item evaluated)."""
        loops = properties.get("copy")
        if loops is None:
            return properties
        if not isinstance(loops, list):
            raise self.bad((*path, "properties", "copy"), "must be an array of copy loops")
        result = {k: v for k, v in properties.items() if k != "copy"}
        for index, loop in enumerate(loops):
            where = (*path, "properties", "copy", index)
            if not isinstance(loop, dict) or not isinstance(loop.get("name"), str):
                raise self.bad(where, "a copy loop needs a 'name' string")
            name = loop["name"]
            try:
                count = self.copy_count(loop.get("count"), (*where, "count"), scope)
                result[name] = [
                    resolve_deep(loop.get("input"), scope.with_copy(name, i)) for i in range(count)
                ]
            except Unresolvable as exc:
                result[name] = unresolved(
                    f"copy loop {name}: count {loop.get('count')}", exc.reason
                )
        return result

    def variable_copies(self, scope: Scope, path: PathKey) -> None:
        """Variables defined by ``copy`` (an array built by a loop) become ordinary ones."""
        variables = dict(scope.variables)
        loops = variables.pop("copy", None)
        if not isinstance(loops, list):
            return
        for index, loop in enumerate(loops):
            name = loop["name"]  # shape checked by check_shape
            try:
                count = self.copy_count(loop.get("count"), (*path, index, "count"), scope)
                values = [
                    evaluate_value(loop.get("input"), scope.with_copy(name, i))
                    for i in range(count)
                ]
                scope.budget.check_value(values, f"variable copy loop {name}")
                variables[name] = values
            except Unresolvable as exc:
                variables[name] = unresolved(f"copy loop {name}", exc.reason)
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


def _property_lines(document: Document) -> dict[PathKey, dict[str, int]]:
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


def expand(document: Document, given: Mapping[str, Any], context: DeploymentContext) -> Expansion:
    """Every resource a template file would deploy, evaluated for ``context``."""
    if not isinstance(document.value, dict):
        raise InputError(f"{document.path}: an ARM template must be a JSON object")
    armshape.check_file_size(document)
    expander = _Expander(document, Budget())
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
