"""The ARM template expression language: ``"[concat(parameters('name'), '-ws')]"``.

An evaluator for what security rules read (the grammar is :mod:`.parsing`). Values come
from a :class:`Scope` (parameters, variables, the mock deployment context, copy indexes), and
the functions that read it (``parameters()``, ``resourceId()``...) live beside it. Anything
that cannot be known before deployment (``reference()``, ``listKeys()``, ``utcNow()``), a
parameter with no value, or a function this evaluator does not know raises
:class:`Unresolvable`; the caller stores an unresolved-value marker instead, so rules report
``unknown`` with the expression, never a pass.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.collect.templates.functions import (
    ARITY,
    FUNCTIONS,
    InvalidExpression,
    Unresolvable,
    arity,
    concrete,
    describe,
    lookup_key,
)
from auditor.collect.templates.limits import MAX_EXPRESSION_DEPTH, Budget, LimitExceeded
from auditor.collect.templates.parsing import (
    Node,
    is_expression,
    parse_expression,
    variable_names,
)
from auditor.unresolved import MARKER_KEY, is_unresolved

__all__ = [
    "DeploymentContext",
    "InvalidExpression",
    "Scope",
    "UndeclaredParameter",
    "Unresolvable",
    "evaluate_expression",
    "evaluate_value",
    "resolve_deep",
]


class UndeclaredParameter(Unresolvable):
    """``parameters('name')`` for a name the scope has no value for (yet, while parameter
    defaults are resolved in turn)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"parameter {name!r} is not declared")
        self.name = name


@dataclass(frozen=True)
class DeploymentContext:
    """The mock target of a template deployment: what ``subscription()``,
    ``resourceGroup()`` and friends return, and where synthetic resource ids point."""

    subscription_id: str = "00000000-0000-0000-0000-000000000000"
    resource_group: str = "template-rg"
    location: str = "eastus"
    tenant_id: str = "00000000-0000-0000-0000-000000000000"
    workspace: str = "template-workspace"
    """Azure ML workspace that YAML specs and v1 deploy configs are deployed into."""
    deployment_name: str = "template-deployment"

    def with_changes(self, **changes: str) -> DeploymentContext:
        """A copy with some fields replaced (a nested deployment's own resource group)."""
        values = {**self.__dict__, **changes}
        return DeploymentContext(**values)

    @property
    def resource_group_id(self) -> str:
        """The ARM id of the mock resource group."""
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"


CONTEXT_KEYS = tuple(DeploymentContext.__dataclass_fields__)
"""The names ``--template-context KEY=VALUE`` accepts."""


@dataclass
class Scope:
    """What an expression can see."""

    parameters: Mapping[str, Any]
    """Resolved parameter values (markers for those without a value)."""
    variables: Mapping[str, Any]
    """Variable definitions, evaluated on first use."""
    context: DeploymentContext
    copy_indexes: dict[str | None, int] = field(default_factory=dict)
    """Current index per copy loop name; the ``None`` entry is the innermost loop."""
    budget: Budget = field(default_factory=Budget)
    """Work left for the template file being read (shared by every scope of that file)."""
    _resolved: dict[str, Any] = field(default_factory=dict)
    _failures: dict[str, Unresolvable] = field(default_factory=dict)
    _resolving: set[str] = field(default_factory=set)

    def with_copy(self, name: str | None, index: int) -> Scope:
        """A scope inside iteration ``index`` of copy loop ``name``."""
        indexes = {**self.copy_indexes, None: index}
        if name:
            indexes[name.lower()] = index
        scope = Scope(self.parameters, self.variables, self.context, indexes, self.budget)
        scope._resolved, scope._failures = self._resolved, self._failures
        return scope

    def variable(self, name: str) -> Any:
        key = lookup_key(self.variables, name)
        if key is None:
            raise Unresolvable(f"variable {name!r} is not defined")
        if key not in self._resolved:
            # Variables it names are evaluated first, deepest first, so a chain of 500
            # variables costs one level of Python recursion each, not 500 nested levels.
            for dependency in self._dependencies_first(key):
                if dependency not in self._resolving:
                    with contextlib.suppress(Unresolvable):  # raised again for ``key``
                        self._evaluate(dependency)
            self._evaluate(key)
        return self._resolved[key]

    def _evaluate(self, key: str) -> None:
        if key in self._resolved:
            return
        if key in self._failures:  # not retried: a failed link fails its chain at once
            raise self._failures[key]
        if key in self._resolving:
            raise Unresolvable(f"variable {key!r} refers to itself")
        if len(self._resolving) >= MAX_EXPRESSION_DEPTH:
            raise LimitExceeded(
                f"variables refer to one another more than {MAX_EXPRESSION_DEPTH} deep by "
                "computed names (this tool's bound)"
            )
        self._resolving.add(key)
        try:
            self._resolved[key] = evaluate_value(self.variables[key], self)
        except Unresolvable as exc:
            self._failures[key] = exc
            raise
        finally:
            self._resolving.discard(key)

    def _dependencies_first(self, key: str) -> list[str]:
        """Variables ``key`` names with a literal ``variables('x')``, transitively, in an
        order where each comes after those it names (cycles are left to evaluation)."""
        order: list[str] = []
        state: dict[str, bool] = {key: False}  # False: being visited, True: done
        stack: list[tuple[str, Iterator[str]]] = [(key, self._named(key))]
        while stack:
            current, names = stack[-1]
            child = next(names, None)
            if child is None:
                stack.pop()
                state[current] = True
                if current != key:
                    order.append(current)
            elif child not in state and child not in self._resolved:
                state[child] = False
                stack.append((child, self._named(child)))
        return order

    def _named(self, key: str) -> Iterator[str]:
        for name in variable_names(self.variables[key], self.budget):
            found = lookup_key(self.variables, name)
            if found is not None:
                yield found

    def parameter(self, name: str) -> Any:
        key = lookup_key(self.parameters, name)
        if key is None:
            raise UndeclaredParameter(name)
        return self.parameters[key]


def evaluate_value(value: Any, scope: Scope) -> Any:
    """Evaluate a JSON value: expressions in strings, recursively through objects and arrays.

    Raises :class:`Unresolvable` only when ``value`` itself is one open expression; open
    expressions deeper inside are replaced by markers (see :func:`resolve_deep`).
    """
    if isinstance(value, str):
        if is_expression(value):
            return evaluate_expression(value[1:-1], scope)
        return value[1:] if value.startswith("[[") else value
    if isinstance(value, (dict, list)):
        return resolve_deep(value, scope)
    return value


def resolve_deep(value: Any, scope: Scope) -> Any:
    """Evaluate every expression inside ``value``; an open one becomes a marker in place."""
    scope.budget.charge()
    if isinstance(value, dict):
        if is_unresolved(value):
            return value
        return {k: resolve_deep(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_deep(v, scope) for v in value]
    if isinstance(value, str):
        try:
            return evaluate_value(value, scope)
        except Unresolvable as exc:
            return {MARKER_KEY: value, "reason": exc.reason}
    return value


def evaluate_expression(text: str, scope: Scope) -> Any:
    """Evaluate the text inside ``[...]``; raises :class:`Unresolvable` when it cannot."""
    return _eval(parse_expression(text), scope)


def _eval(node: Node, scope: Scope) -> Any:
    scope.budget.charge()
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "prop":
        target = concrete(_eval(node[1], scope))
        if not isinstance(target, dict):
            raise Unresolvable(f"property {node[2]!r} of a {type(target).__name__}")
        key = lookup_key(target, node[2])
        if key is None:
            raise Unresolvable(f"property {node[2]!r} not found")
        return concrete(target[key])
    if kind == "index":
        target = concrete(_eval(node[1], scope))
        index = concrete(_eval(node[2], scope))
        if isinstance(target, list) and isinstance(index, int) and not isinstance(index, bool):
            if not -len(target) <= index < len(target):
                raise Unresolvable(f"index {index} out of range")
            return concrete(target[index])
        if isinstance(target, dict) and isinstance(index, str):
            key = lookup_key(target, index)
            if key is None:
                raise Unresolvable(f"property {index!r} not found")
            return concrete(target[key])
        raise Unresolvable(f"cannot index {describe(target)} with {describe(index)}")
    name = str(node[1]).lower()
    args: list[Node] = node[2]
    if name in ARITY:
        arity(str(node[1]), args, *ARITY[name])
    if name == "if":
        condition = concrete(_eval(args[0], scope))
        return _eval(args[1] if _truthy(condition) else args[2], scope)
    if name in SCOPE_FUNCTIONS:
        return SCOPE_FUNCTIONS[name](scope, [_eval(a, scope) for a in args])
    function = FUNCTIONS.get(name)
    if function is None:
        if name in RUNTIME_FUNCTIONS:
            raise Unresolvable(f"{node[1]}() is only known at deployment time")
        raise Unresolvable(f"unknown function {node[1]}()")
    values = [concrete(_eval(a, scope)) for a in args]
    what = f"{node[1]}()"
    scope.budget.check_value(values, f"the arguments of {what}")
    try:
        result = function(values)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, ArithmeticError):
        # ARM fails such a call at deployment; before it, the value is simply not known.
        described = ", ".join(map(describe, values)) or "no arguments"
        raise Unresolvable(f"{what} cannot be evaluated on {described}") from None
    except RecursionError:
        raise LimitExceeded(f"{what} builds a value nested too deeply") from None
    scope.budget.check_value(result, f"{what}")
    return result


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise Unresolvable(f"condition is not a boolean but {describe(value)}")


RUNTIME_FUNCTIONS = frozenset(
    {
        "reference",
        "list",
        "listkeys",
        "listsecrets",
        "listaccountsas",
        "listservicesas",
        "listconnectionstrings",
        "utcnow",
        "newguid",
        "environment",
        "pickzones",
        "providers",
        "managementgroup",
    }
)
"""Functions whose value only exists at deployment time."""


# ---------------------------------------------- functions that read the deployment
# ``parameters()``, ``variables()``, ``copyIndex()``, ``resourceGroup()``, ``resourceId()``
# and friends take the scope and their evaluated arguments; the pure functions (values in,
# value out) are in functions.py.


def _parameters(scope: Scope, args: list[Any]) -> Any:
    return concrete(scope.parameter(str(concrete(args[0]))))


def _variables(scope: Scope, args: list[Any]) -> Any:
    return concrete(scope.variable(str(concrete(args[0]))))


def _copy_index(scope: Scope, args: list[Any]) -> Any:
    offset, loop = 0, None
    for arg in (concrete(a) for a in args):
        if isinstance(arg, int) and not isinstance(arg, bool):
            offset = arg
        else:
            loop = str(arg).lower()
    if loop not in scope.copy_indexes:
        raise Unresolvable(f"copyIndex({loop or ''}) outside its copy loop")
    return scope.copy_indexes[loop] + offset


def _resource_group(scope: Scope, args: list[Any]) -> Any:
    ctx = scope.context
    return {
        "id": ctx.resource_group_id,
        "name": ctx.resource_group,
        "type": "Microsoft.Resources/resourceGroups",
        "location": ctx.location,
        "properties": {"provisioningState": "Succeeded"},
    }


def _subscription(scope: Scope, args: list[Any]) -> Any:
    ctx = scope.context
    return {
        "id": f"/subscriptions/{ctx.subscription_id}",
        "subscriptionId": ctx.subscription_id,
        "tenantId": ctx.tenant_id,
        "displayName": "template subscription",
    }


def _tenant(scope: Scope, args: list[Any]) -> Any:
    return {"tenantId": scope.context.tenant_id, "id": f"/tenants/{scope.context.tenant_id}"}


def _deployment(scope: Scope, args: list[Any]) -> Any:
    return {"name": scope.context.deployment_name, "properties": {}}


def _type_and_names(args: list[Any]) -> tuple[str, list[str]]:
    values = [str(concrete(a)) for a in args]
    for index, value in enumerate(values):
        if "/" in value and "." in value.split("/")[0]:
            return value, values[index + 1 :]
    raise Unresolvable("resourceId() needs a resource type such as Namespace/type")


def _resource_id(scope: Scope, args: list[Any]) -> Any:
    values = [str(concrete(a)) for a in args]
    arm_type, names = _type_and_names(args)
    prefix_args = values[: values.index(arm_type)]
    subscription = scope.context.subscription_id
    group = scope.context.resource_group
    if len(prefix_args) == 2:
        subscription, group = prefix_args
    elif len(prefix_args) == 1:
        group = prefix_args[0]
    return f"/subscriptions/{subscription}/resourceGroups/{group}/providers/" + _type_path(
        arm_type, names
    )


def _subscription_resource_id(scope: Scope, args: list[Any]) -> Any:
    values = [str(concrete(a)) for a in args]
    arm_type, names = _type_and_names(args)
    prefix_args = values[: values.index(arm_type)]
    subscription = prefix_args[0] if prefix_args else scope.context.subscription_id
    return f"/subscriptions/{subscription}/providers/" + _type_path(arm_type, names)


def _tenant_resource_id(scope: Scope, args: list[Any]) -> Any:
    arm_type, names = _type_and_names(args)
    return "/providers/" + _type_path(arm_type, names)


def _extension_resource_id(scope: Scope, args: list[Any]) -> Any:
    values = [str(concrete(a)) for a in args]
    return values[0].rstrip("/") + "/providers/" + _type_path(values[1], values[2:])


def _type_path(arm_type: str, names: list[str]) -> str:
    namespace, *types = arm_type.split("/")
    flat_names = [part for name in names for part in name.split("/")]
    if len(types) != len(flat_names):
        raise Unresolvable(f"{arm_type} needs {len(types)} name(s), got {len(flat_names)}")
    return "/".join([namespace, *(f"{t}/{n}" for t, n in zip(types, flat_names, strict=True))])


SCOPE_FUNCTIONS: Mapping[str, Callable[[Scope, list[Any]], Any]] = {
    "parameters": _parameters,
    "variables": _variables,
    "copyindex": _copy_index,
    "resourcegroup": _resource_group,
    "subscription": _subscription,
    "tenant": _tenant,
    "deployment": _deployment,
    "resourceid": _resource_id,
    "subscriptionresourceid": _subscription_resource_id,
    "tenantresourceid": _tenant_resource_id,
    "extensionresourceid": _extension_resource_id,
}


SUPPORTED_FUNCTIONS = frozenset({*FUNCTIONS, *SCOPE_FUNCTIONS, "if"})
