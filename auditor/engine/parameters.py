"""Rule parameters: what a rule declares, what a scan sets, and the values each rule runs with.

A rule declares each parameter with a type and a default (``rules/schema.json``); a config file
sets them per rule (``[parameters.AIS002]``, the rule named by id, slug or alias); the
``--key-max-age-days`` option sets ``key_max_age_days`` of every rule that declares it. The
option wins over the file, the file over the rule's default. One check of a value against its
declaration serves the rule's default (a bad one is a rule-load error) and every setting (a
bad one is exit 2 naming where it was set, the rule and the parameter).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.engine.references import RuleIndex
from auditor.errors import InputError
from auditor.model import Parameter, Rule

TYPE_WORDS = {
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "string": "a string",
    "list": "a list of strings",
}
"""The parameter types a rule may declare, and how a message names each."""
KEY_MAX_AGE = "key_max_age_days"
"""The parameter ``--key-max-age-days`` sets."""
KEY_MAX_AGE_OPTION = "--key-max-age-days"
DEFAULT = "default"


@dataclass(frozen=True)
class Given:
    """Parameter values a scan was given, not yet checked against the rules: the
    ``[parameters.RULE]`` tables of a config file (rule reference -> name -> value)."""

    where: str
    """The file that set them, for messages."""
    tables: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Setting:
    """The value one parameter of one rule runs with, and where it came from."""

    value: Any
    source: str
    """``default``, the config file's path, or ``--key-max-age-days``."""


def _kind(value: object) -> str:
    """The TOML/YAML kind of a value, for messages."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "nothing (null)" if value is None else type(value).__name__


def _fits(kind: str, value: object) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == "integer":
        return isinstance(value, int)
    if kind == "number":
        return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
    if kind == "string":
        return isinstance(value, str)
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def problem(parameter: Parameter, value: object) -> str | None:
    """Why a value does not fit the parameter's declaration, or None when it does."""
    if not _fits(parameter.type, value):
        return f"must be {TYPE_WORDS[parameter.type]}, found {_kind(value)}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if parameter.minimum is not None and value < parameter.minimum:
            return f"must be at least {_number(parameter.minimum)}, found {value}"
        if parameter.maximum is not None and value > parameter.maximum:
            return f"must be at most {_number(parameter.maximum)}, found {value}"
    if parameter.choices is not None:
        items = value if isinstance(value, list) else [value]
        outside = [item for item in items if item not in parameter.choices]
        if outside:
            return f"{outside[0]!r} is not one of {', '.join(parameter.choices)}"
    return None


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def declared(raw: Mapping[str, Mapping[str, Any]]) -> tuple[dict[str, Parameter], list[str]]:
    """The parameters a rule file declares (already in the schema's shape), and each problem
    the schema cannot see, naming its element (``parameters.x.default: ...``)."""
    parameters: dict[str, Parameter] = {}
    problems: list[str] = []
    for name, spec in raw.items():
        where = f"parameters.{name}"
        kind = spec["type"]
        choices = spec.get("enum")
        parameter = Parameter(
            name=name,
            type=kind,
            default=spec["default"],
            description=" ".join(spec["description"].split()),
            minimum=spec.get("minimum"),
            maximum=spec.get("maximum"),
            choices=tuple(choices) if choices is not None else None,
        )
        numeric = kind in ("integer", "number")
        for key in ("minimum", "maximum"):
            if key in spec and not numeric:
                problems.append(f"{where}.{key}: only an integer or number parameter has one")
        if choices is not None and kind not in ("string", "list"):
            problems.append(f"{where}.enum: only a string or list parameter has one")
        low, high = parameter.minimum, parameter.maximum
        if low is not None and high is not None and low > high:
            problems.append(f"{where}: minimum {_number(low)} is above maximum {_number(high)}")
        found = problem(parameter, parameter.default)
        if found:
            problems.append(f"{where}.default: {found}")
        parameters[name] = parameter
    return parameters, problems


def defaults(rule: Rule) -> dict[str, Any]:
    """The rule's parameters at their declared defaults."""
    return {name: parameter.default for name, parameter in rule.parameters.items()}


def settings(
    catalog: Iterable[Rule], given: Given | None, key_max_age_days: int | None = None
) -> dict[str, dict[str, Setting]]:
    """Every parameter of every rule in the catalog: the option, else the config file, else
    the rule's default. A setting for an unknown rule or parameter, or of the wrong type, is
    an :class:`InputError` naming where it was set, the rule and the parameter."""
    rules = list(catalog)
    result = {
        rule.id: {name: Setting(p.default, DEFAULT) for name, p in rule.parameters.items()}
        for rule in rules
    }
    if given is not None:
        _apply_file(RuleIndex(rules), given, result)
    if key_max_age_days is not None:
        for rule in rules:
            parameter = rule.parameters.get(KEY_MAX_AGE)
            if parameter is None:
                continue
            found = problem(parameter, key_max_age_days)
            if found:
                raise InputError(f"{KEY_MAX_AGE_OPTION}: rule {rule.id} {KEY_MAX_AGE}: {found}")
            result[rule.id][KEY_MAX_AGE] = Setting(key_max_age_days, KEY_MAX_AGE_OPTION)
    return result


def _apply_file(index: RuleIndex, given: Given, result: dict[str, dict[str, Setting]]) -> None:
    named: dict[str, str] = {}
    for reference, table in given.tables.items():
        where = f"{given.where}: [parameters.{reference}]"
        try:
            rule = index.resolve(reference)
        except InputError as exc:
            raise InputError(f"{where}: {exc}") from None
        if rule.id in named:
            raise InputError(
                f"{where}: rule {rule.id} is already set as [parameters.{named[rule.id]}]"
            )
        named[rule.id] = reference
        for name, value in table.items():
            parameter = rule.parameters.get(name)
            if parameter is None:
                known = ", ".join(rule.parameters) or "none"
                raise InputError(
                    f"{where} {name}: rule {rule.id} has no parameter {name!r} (its parameters: "
                    f"{known})"
                )
            found = problem(parameter, value)
            if found:
                raise InputError(f"{where} {name}: {found} (rule {rule.id})")
            result[rule.id][name] = Setting(value, given.where)


def values(settings_by_rule: Mapping[str, Mapping[str, Setting]]) -> dict[str, dict[str, Any]]:
    """Rule id -> parameter name -> the value it runs with."""
    return {
        rule_id: {name: setting.value for name, setting in by_name.items()}
        for rule_id, by_name in settings_by_rule.items()
    }
