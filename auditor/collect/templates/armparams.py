"""The parameter values an ARM template is expanded with.

What a caller passes (a parameters file, a nested deployment's ``parameters``) and, for each
parameter the template declares, the value it gets: passed, else its ``defaultValue``
evaluated, else an unresolved marker naming why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.collect.templates.expressions import (
    DeploymentContext,
    Scope,
    UndeclaredParameter,
    Unresolvable,
    evaluate_value,
)
from auditor.collect.templates.functions import lookup_key
from auditor.collect.templates.limits import Budget
from auditor.unresolved import unresolved


def passed_values(passed: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """What a parameters file or a nested deployment passes: each entry's ``value``, or a
    marker for a Key Vault ``reference`` (read only at deployment); and the names of the
    entries that are neither."""
    values: dict[str, Any] = {}
    neither: list[str] = []
    for name, entry in passed.items():
        if isinstance(entry, dict) and "value" in entry:
            values[name] = entry["value"]
        elif isinstance(entry, dict) and "reference" in entry:
            values[name] = unresolved(
                f"Key Vault reference for parameter {name}", "read from Key Vault at deployment"
            )
        else:
            neither.append(name)
    return values, neither


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
