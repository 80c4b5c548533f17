"""Expanding one ARM template the way Resource Manager would for a mock deployment.

Copy loops, conditions, child resources and nested deployments (inline, or a local linked
file) become ARM-shaped records with synthetic but stable ids; what cannot be expanded is
kept as a problem, and a template over ARM's limits is bad input naming the element.
Recognising template files and reading parameters files is :mod:`.arm`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.collect.templates import armrecord, armshape, limits
from auditor.collect.templates.armparams import passed_values, resolve_parameters
from auditor.collect.templates.expressions import (
    DeploymentContext,
    InvalidExpression,
    Scope,
    Unresolvable,
    evaluate_value,
    resolve_deep,
)
from auditor.collect.templates.limits import Budget, LimitExceeded
from auditor.collect.templates.source import Document, PathKey, parse
from auditor.errors import InputError
from auditor.unresolved import unresolved

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


class Expander:
    """Expands one template file (and the linked files it reads) into ARM resources."""

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
            self._lines = armrecord.property_lines_of(self.document)
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
        name = armrecord.name_text(evaluated.get("name"))
        if parent is not None:
            arm_type = f"{parent[0]}/{arm_type}" if "/" not in arm_type else arm_type
            if name.count("/") < arm_type.count("/") - 1:
                name = f"{parent[1]}/{name}"
        if arm_type.lower() == DEPLOYMENT_TYPE:
            self.deployment(evaluated, resource, path, scope, depth)
            return
        record = armrecord.record_of(evaluated, arm_type, name, scope.context, subscription_level)
        self.budget.add_resource(record, f"resource {record['id']}")
        self.resources.append(
            ExpandedResource(
                record=record,
                path=self.document.path,
                line=self.document.lines.get((*path, "type")) or self.document.line_of(path),
                property_lines=self.property_lines(path),
                property_expressions=armrecord.property_expressions_of(resource),
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
        linked: Expander | None = None
        if not isinstance(template, dict):
            linked = self.linked(props, path)
            if linked is None:
                return
            template = linked.document.value
        context = _nested_context(evaluated, scope.context)
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
            passed = props.get("parameters") if isinstance(props, dict) else None
            if passed is not None and not isinstance(passed, dict):
                raise self.bad((*path, "properties", "parameters"), "must be an object")
            given, _ = passed_values(passed or {})  # an entry with neither is left out
            expander.template(template, template_path, given, context, depth + 1)
        else:
            outer = Scope(
                scope.parameters, scope.variables, context, dict(scope.copy_indexes), self.budget
            )
            expander.template(template, template_path, {}, context, depth + 1, outer=outer)
        if linked is not None:
            self.resources.extend(linked.resources)
            self.problems.extend(linked.problems)

    def linked(self, props: Any, path: PathKey) -> Expander | None:
        """An expander for the local file a deployment links to; None (a problem kept) when
        the link is a URL or the file is not there."""
        link = props.get("templateLink") if isinstance(props, dict) else None
        relative = link.get("relativePath") if isinstance(link, dict) else None
        target = self.document.path.parent / relative if isinstance(relative, str) else None
        if target is None or not target.is_file():
            self.problems.append(
                f"line {self.document.line_of(path)}: linked template "
                f"{armshape.link_text(link)} not read (only inline templates and local "
                "templateLink.relativePath files are expanded)"
            )
            return None
        linked = Expander(parse(target), self.budget)
        armshape.check_file_size(linked.document)
        if not isinstance(linked.document.value, dict):
            raise InputError(f"{target}: a linked template must be a JSON object")
        return linked

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


def _nested_context(evaluated: Mapping[str, Any], context: DeploymentContext) -> DeploymentContext:
    """The deployment target a nested deployment names (its own resource group, subscription
    and deployment name), else its caller's."""
    group, subscription = evaluated.get("resourceGroup"), evaluated.get("subscriptionId")
    if isinstance(group, str) and group:
        context = context.with_changes(resource_group=group)
    if isinstance(subscription, str) and subscription:
        context = context.with_changes(subscription_id=subscription)
    name = evaluated.get("name")
    if isinstance(name, str):
        context = context.with_changes(deployment_name=name)
    return context
