"""Reading ``terraform show -json`` output: which resources a plan (or state) will leave.

From ``resource_changes`` (``change.after``, with ``after_unknown`` values turned into
unresolved markers; planned deletions left out), then any other resource ``planned_values``
or ``prior_state`` holds (some plans list none in ``resource_changes``), or a state's
``values`` (child modules included). The configuration's references are kept per attribute,
so a compute can find the workspace it names even when the workspace id is known only after
apply. Mapping the azurerm values to ARM JSON is :mod:`auditor.collect.templates.terraform`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from auditor.collect.templates.source import Document, PathKey, element_path
from auditor.errors import InputError
from auditor.unresolved import unresolved


def is_plan(value: object) -> bool:
    """``terraform show -json`` output of a plan."""
    return (
        isinstance(value, dict)
        and "format_version" in value
        and any(key in value for key in ("resource_changes", "planned_values", "values"))
    )


@dataclass(frozen=True)
class PlannedResource:
    """One azurerm resource of the plan, with the values it will have."""

    address: str
    tf_type: str
    values: dict[str, Any]
    path: PathKey
    """Where the values (``change.after``) sit in the plan JSON."""
    entry: PathKey
    """Where the resource's own entry (with its ``address``) sits."""
    references: Mapping[str, list[str]]
    """Configuration references per attribute (``machine_learning_workspace_id``)."""


def _merge_unknown(after: Any, unknown: Any, where: str) -> Any:
    """``after`` with each value flagged in ``after_unknown`` replaced by a marker."""
    if unknown is True:
        return unresolved(where, "known only after terraform apply")
    if isinstance(after, dict) and isinstance(unknown, dict):
        merged = dict(after)
        for key, flag in unknown.items():
            merged[key] = _merge_unknown(after.get(key), flag, f"{where}.{key}")
        return merged
    if isinstance(after, list) and isinstance(unknown, list):
        return [
            _merge_unknown(after[i] if i < len(after) else None, flag, f"{where}[{i}]")
            for i, flag in enumerate(unknown)
        ] + after[len(unknown) :]
    return after


def _configuration_references(plan: Mapping[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Resource address -> attribute -> addresses it references (modules prefixed)."""
    found: dict[str, dict[str, list[str]]] = {}

    def walk(module: Mapping[str, Any], prefix: str) -> None:
        for resource in module.get("resources") or []:
            refs: dict[str, list[str]] = {}
            for attribute, expression in (resource.get("expressions") or {}).items():
                if isinstance(expression, dict) and isinstance(expression.get("references"), list):
                    refs[attribute] = [prefix + str(r) for r in expression["references"]]
            found[prefix + str(resource.get("address"))] = refs
        for name, call in (module.get("module_calls") or {}).items():
            if isinstance(call, dict) and isinstance(call.get("module"), dict):
                walk(call["module"], f"{prefix}module.{name}.")

    configuration = plan.get("configuration") or {}
    walk(configuration.get("root_module") or {}, "")
    return found


def _module_resources(
    module: Mapping[str, Any], path: PathKey, references: Mapping[str, Mapping[str, list[str]]]
) -> Iterator[PlannedResource]:
    """Resources of a ``planned_values``/``values`` module and its child modules (no
    ``after_unknown`` there: a value known only after apply is simply absent)."""
    for index, resource in enumerate(module.get("resources") or []):
        if not isinstance(resource, dict) or resource.get("mode", "managed") != "managed":
            continue
        if not isinstance(resource.get("values"), dict):
            continue
        address = str(resource.get("address"))
        entry: PathKey = (*path, "resources", index)
        yield PlannedResource(
            address=address,
            tf_type=str(resource.get("type")),
            values=dict(resource["values"]),
            path=(*entry, "values"),
            entry=entry,
            references=references.get(address.split("[", 1)[0], {}),
        )
    for index, child in enumerate(module.get("child_modules") or []):
        if isinstance(child, dict):
            yield from _module_resources(child, (*path, "child_modules", index), references)


_OBJECT, _ARRAY, _STRING = dict, list, str
_JSON_KIND: dict[type, str] = {dict: "an object", list: "an array", str: "a string"}


class _Shape:
    """Checks the parts of ``terraform show -json`` output this reader walks, so a plan of
    the wrong shape is bad input naming the element (``resource_changes[3].change``)."""

    def __init__(self, document: Document) -> None:
        self.document = document

    def expect(self, value: Any, kind: type, path: PathKey, optional: bool = True) -> Any:
        if (value is None and optional) or isinstance(value, kind):
            return value
        found = "null" if value is None else _JSON_KIND.get(type(value), type(value).__name__)
        if isinstance(value, bool):
            found = "a boolean"
        elif isinstance(value, (int, float)):
            found = "a number"
        raise InputError(
            f"{self.document.path}: {element_path(path)}: must be {_JSON_KIND[kind]}, not {found}"
        )

    def items(self, value: Any, path: PathKey) -> Iterator[tuple[PathKey, dict[str, Any]]]:
        """The objects of an optional array at ``path``."""
        for index, item in enumerate(self.expect(value, _ARRAY, path) or []):
            yield (*path, index), self.expect(item, _OBJECT, (*path, index), optional=False)

    def module(self, module: Any, path: PathKey) -> None:
        """A ``planned_values``/``values``/``configuration`` module and its children."""
        self.expect(module, _OBJECT, path)
        if module is None:
            return
        for where, resource in self.items(module.get("resources"), (*path, "resources")):
            for key in ("address", "type", "mode"):
                self.expect(resource.get(key), _STRING, (*where, key))
            self.expect(resource.get("values"), _OBJECT, (*where, "values"))
            expressions = self.expect(resource.get("expressions"), _OBJECT, (*where, "expressions"))
            for name, expression in (expressions or {}).items():
                if isinstance(expression, dict):
                    refs = (*where, "expressions", name, "references")
                    self.expect(expression.get("references"), _ARRAY, refs)
        for where, child in self.items(module.get("child_modules"), (*path, "child_modules")):
            self.module(child, where)
        calls = self.expect(module.get("module_calls"), _OBJECT, (*path, "module_calls"))
        for name, call in (calls or {}).items():
            where = (*path, "module_calls", name)
            self.expect(call, _OBJECT, where, optional=False)
            self.module(call.get("module"), (*where, "module"))

    def plan(self, plan: Mapping[str, Any]) -> None:
        for key in ("planned_values", "values", "configuration"):
            section = self.expect(plan.get(key), _OBJECT, (key,))
            if section is not None:
                self.module(section.get("root_module"), (key, "root_module"))
        prior = self.expect(plan.get("prior_state"), _OBJECT, ("prior_state",))
        if prior is not None:
            values = self.expect(prior.get("values"), _OBJECT, ("prior_state", "values"))
            if values is not None:
                self.module(values.get("root_module"), ("prior_state", "values", "root_module"))
        changes = plan.get("resource_changes")
        for where, change in self.items(changes, ("resource_changes",)):
            for key in ("address", "type", "mode"):
                self.expect(change.get(key), _STRING, (*where, key))
            body = self.expect(change.get("change"), _OBJECT, (*where, "change"), optional=False)
            actions = self.expect(body.get("actions"), _ARRAY, (*where, "change", "actions"))
            for index, action in enumerate(actions or []):
                self.expect(action, _STRING, (*where, "change", "actions", index), False)
            self.expect(body.get("after"), _OBJECT, (*where, "change", "after"))


def _changed_resources(
    plan: Mapping[str, Any], references: Mapping[str, Mapping[str, list[str]]]
) -> Iterator[PlannedResource | str]:
    """``resource_changes``: each resource the plan leaves, or the address of one it deletes."""
    for index, change in enumerate(plan.get("resource_changes") or []):
        if not isinstance(change, dict) or change.get("mode", "managed") != "managed":
            continue
        address = str(change.get("address"))
        body = change.get("change") or {}
        if body.get("actions") == ["delete"] or not isinstance(body.get("after"), dict):
            yield address
            continue
        values = _merge_unknown(body["after"], body.get("after_unknown") or {}, address)
        yield PlannedResource(
            address=address,
            tf_type=str(change.get("type")),
            values=values,
            path=("resource_changes", index, "change", "after"),
            entry=("resource_changes", index),
            references=references.get(address.split("[", 1)[0], {}),
        )


def planned_resources(document: Document) -> Iterator[PlannedResource]:
    """The resources the plan creates, updates or keeps, each once by address: from
    ``resource_changes`` (whose ``after`` knows which values come only after apply), then
    ``planned_values``, then ``prior_state`` (a plan whose ``resource_changes`` is empty
    still lists its resources there); a state's ``values``."""
    plan: Mapping[str, Any] = document.value
    _Shape(document).plan(plan)
    references = _configuration_references(plan)
    seen: set[str] = set()
    for item in _changed_resources(plan, references):
        if isinstance(item, str):
            seen.add(item)  # deleted: not read again from the state it leaves
            continue
        seen.add(item.address)
        yield item
    prior = plan.get("prior_state") or {}
    sections: list[tuple[Any, PathKey]] = [
        (plan.get("planned_values"), ("planned_values", "root_module")),
        (prior.get("values"), ("prior_state", "values", "root_module")),
        (plan.get("values"), ("values", "root_module")),
    ]
    for section, path in sections:
        root = (section or {}).get("root_module") or {}
        for resource in _module_resources(root, path, references):
            if resource.address not in seen:
                seen.add(resource.address)
                yield resource
