"""ARM template functions that read the deployment: ``parameters()``, ``variables()``,
``copyIndex()``, ``resourceGroup()``, ``subscription()``, ``resourceId()`` and friends.

Each takes the :class:`~auditor.collect.templates.expressions.Scope` the expression is
evaluated in and its evaluated arguments; the pure functions (values in, value out) are in
:mod:`auditor.collect.templates.functions`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from auditor.collect.templates.functions import Unresolvable, concrete

if TYPE_CHECKING:
    from auditor.collect.templates.expressions import Scope


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
