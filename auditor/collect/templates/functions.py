"""The pure functions of the ARM expression language (values in, value out).

Functions that read the deployment (``parameters``, ``resourceGroup``, ``resourceId``...) live
in :mod:`auditor.collect.templates.expressions`; these only see their evaluated arguments.
``guid()`` and ``uniqueString()`` are deterministic (same arguments, same value) but are not
guaranteed to produce the very string Resource Manager would.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from auditor.collect.templates.limits import MAX_VALUE_SIZE, LimitExceeded
from auditor.unresolved import MARKER_KEY, is_unresolved

# A fixed namespace so guid() gives the same value for the same arguments on every run.
_GUID_NAMESPACE = uuid.UUID("11fb06fb-712d-4ddd-98c7-e71bbd588830")


class Unresolvable(Exception):
    """A value that cannot be known from the template and its parameters alone."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class InvalidExpression(Exception):
    """An expression Resource Manager itself rejects when it validates the template (a
    function called with a number of arguments its signature does not allow): bad input,
    exit 2, not an unknown value."""


def concrete(value: Any) -> Any:
    """``value``, or Unresolvable when it is an unresolved-value marker."""
    if is_unresolved(value):
        raise Unresolvable(f"depends on {value[MARKER_KEY]} ({value.get('reason')})")
    return value


def describe(value: Any) -> str:
    """A value's JSON type for messages (``a string of 12 characters``), never the value: an
    argument may be a secret parameter's default."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return f"a string of {len(value)} characters"
    if isinstance(value, list):
        return f"an array of {len(value)} items"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def lookup_key(mapping: Mapping[str, Any], name: str) -> str | None:
    """ARM names (parameters, variables, properties) are case-insensitive."""
    if name in mapping:
        return name
    lowered = name.lower()
    return next((k for k in mapping if k.lower() == lowered), None)


def arity(name: str, args: list[Any], low: int, high: int | None = None) -> None:
    """Raise InvalidExpression when a function gets too few or too many arguments."""
    if len(args) < low or (high is not None and len(args) > high):
        wanted = (
            f"{low}" if low == high else (f"at least {low}" if high is None else f"{low} to {high}")
        )
        raise InvalidExpression(f"{name}() called with {len(args)} argument(s); it takes {wanted}")


ARITY: Mapping[str, tuple[int, int | None]] = {
    # name: (fewest, most) arguments, from the ARM template function reference
    "concat": (1, None),
    "format": (1, None),
    "equals": (2, 2),
    "not": (1, 1),
    "and": (2, None),
    "or": (2, None),
    "bool": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "null": (0, 0),
    "tolower": (1, 1),
    "toupper": (1, 1),
    "string": (1, 1),
    "int": (1, 1),
    "json": (1, 1),
    "guid": (1, None),
    "uniquestring": (1, None),
    "union": (1, None),
    "coalesce": (1, None),
    "contains": (2, 2),
    "empty": (1, 1),
    "length": (1, 1),
    "range": (2, 2),
    "createobject": (0, None),
    "createarray": (0, None),
    "array": (1, 1),
    "first": (1, 1),
    "last": (1, 1),
    "split": (2, 2),
    "replace": (3, 3),
    "trim": (1, 1),
    "startswith": (2, 2),
    "endswith": (2, 2),
    "substring": (1, 3),
    "less": (2, 2),
    "lessorequals": (2, 2),
    "greater": (2, 2),
    "greaterorequals": (2, 2),
    "if": (3, 3),
    "parameters": (1, 1),
    "variables": (1, 1),
    "copyindex": (0, 2),
    "resourcegroup": (0, 0),
    "subscription": (0, 0),
    "tenant": (0, 0),
    "deployment": (0, 0),
    "resourceid": (2, None),
    "subscriptionresourceid": (2, None),
    "tenantresourceid": (2, None),
    "extensionresourceid": (3, None),
}
"""Arguments each function this evaluator implements takes (lower-case names)."""


def _to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return "" if value is None else str(value)


def _concat(args: list[Any]) -> Any:
    if args and all(isinstance(a, list) for a in args):
        return [item for a in args for item in a]
    return "".join(_to_string(a) for a in args)


_FORMAT_RE = re.compile(r"\{(\d+)(?:[,:][^}]*)?\}|\{\{|\}\}")


def _format(args: list[Any]) -> Any:
    arity("format", args, 1)
    template, values = str(args[0]), args[1:]
    texts: dict[int, str] = {}
    size = len(template)

    def replace(match: re.Match[str]) -> str:
        nonlocal size
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        index = int(match.group(1))
        if index >= len(values):
            raise Unresolvable(f"format() has no argument {index}")
        if index not in texts:
            texts[index] = _to_string(values[index])
        size += len(texts[index])
        _check_size(size, "format()")  # one argument used 8,000 times is 8,000 copies
        return texts[index]

    return _FORMAT_RE.sub(replace, template)


def _check_size(size: int, what: str) -> None:
    if size > MAX_VALUE_SIZE:
        raise LimitExceeded(
            f"{what} builds a value larger than {MAX_VALUE_SIZE:,} characters "
            "(this tool's bound on one value)"
        )


def _replace(args: list[Any]) -> Any:
    text, old, new = (_to_string(a) for a in args)
    count = text.count(old) if old else len(text) + 1
    _check_size(len(text) + count * (len(new) - len(old)), "replace()")
    return text.replace(old, new)


def _equals(args: list[Any]) -> Any:
    arity("equals", args, 2, 2)
    a, b = args
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return bool(a == b)  # case-sensitive, as Bicep's == (=~ compiles to toLower on both)


def _bool(args: list[Any]) -> Any:
    arity("bool", args, 1, 1)
    value = args[0]
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, int):
        return value != 0
    raise Unresolvable(f"bool() of {describe(value)}")


def _all_bools(name: str, args: list[Any]) -> list[bool]:
    if not all(isinstance(a, bool) for a in args):
        raise Unresolvable(f"{name}() needs booleans, got {', '.join(map(describe, args))}")
    return [bool(a) for a in args]


def _union(args: list[Any]) -> Any:
    if all(isinstance(a, dict) for a in args):
        merged: dict[str, Any] = {}
        for item in args:
            for key, value in item.items():
                existing = merged.get(key)
                merged[key] = (
                    _union([existing, value])
                    if isinstance(existing, dict) and isinstance(value, dict)
                    else value
                )
        return merged
    if all(isinstance(a, list) for a in args):
        out: list[Any] = []
        seen: set[str] = set()
        for item in (i for a in args for i in a):
            key = json.dumps(item, sort_keys=True)  # dicts are unhashable; a set keeps it linear
            if key not in seen:
                seen.add(key)
                out.append(item)
        return out
    raise Unresolvable("union() needs all objects or all arrays")


def _contains(args: list[Any]) -> Any:
    arity("contains", args, 2, 2)
    container, item = args
    if isinstance(container, str):
        return _to_string(item) in container
    if isinstance(container, dict):
        return lookup_key(container, str(item)) is not None
    if isinstance(container, list):
        return item in container
    raise Unresolvable(f"contains() on a {type(container).__name__}")


def _empty(args: list[Any]) -> Any:
    arity("empty", args, 1, 1)
    value = args[0]
    return value is None or (isinstance(value, (str, list, dict)) and len(value) == 0)


def _create_object(args: list[Any]) -> Any:
    if len(args) % 2:
        raise Unresolvable("createObject() needs key/value pairs")
    return {str(args[i]): args[i + 1] for i in range(0, len(args), 2)}


def _guid(args: list[Any]) -> Any:
    arity("guid", args, 1)
    return str(uuid.uuid5(_GUID_NAMESPACE, "-".join(_to_string(a) for a in args)))


def _unique_string(args: list[Any]) -> Any:
    arity("uniqueString", args, 1)
    digest = hashlib.sha256("-".join(_to_string(a) for a in args).encode()).digest()
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    number = int.from_bytes(digest[:8], "big")
    return "".join(alphabet[(number >> (5 * i)) & 31] for i in range(13))


def _length(args: list[Any]) -> Any:
    arity("length", args, 1, 1)
    if isinstance(args[0], (str, list, dict)):
        return len(args[0])
    raise Unresolvable(f"length() of {describe(args[0])}")


_RANGE_MAX_COUNT = 10_000
_RANGE_MAX_END = 2_147_483_647


def _range(args: list[Any]) -> Any:
    """``range(startIndex, count)``, within the bounds ARM checks (``docs/azure-facts.md``)."""
    start, count = args
    if not all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        raise Unresolvable(f"range() of {describe(start)} and {describe(count)}")
    if not 0 <= count <= _RANGE_MAX_COUNT:
        raise InvalidExpression(
            f"range() count {count}: ARM takes a count from 0 to {_RANGE_MAX_COUNT:,}"
        )
    if start + count > _RANGE_MAX_END:
        raise InvalidExpression(f"range() start plus count passes {_RANGE_MAX_END:,}")
    return list(range(start, start + count))


def _int(args: list[Any]) -> Any:
    arity("int", args, 1, 1)
    try:
        return int(args[0])
    except (TypeError, ValueError):
        raise Unresolvable(f"int() of {describe(args[0])}") from None


def _json(args: list[Any]) -> Any:
    try:
        return json.loads(str(args[0]))
    except ValueError:
        raise Unresolvable(f"json() of text that is not JSON ({describe(args[0])})") from None


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[list[Any]], Any]:
    def compare(args: list[Any]) -> Any:
        arity("comparison", args, 2, 2)
        try:
            return op(args[0], args[1])
        except TypeError:
            raise Unresolvable(
                f"cannot compare {describe(args[0])} and {describe(args[1])}"
            ) from None

    return compare


def _first(args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, (str, list)):
        return value[0] if value else ("" if isinstance(value, str) else None)
    raise Unresolvable(f"first() of {describe(value)}")


def _last(args: list[Any]) -> Any:
    value = args[0]
    if isinstance(value, (str, list)):
        return value[-1] if value else ("" if isinstance(value, str) else None)
    raise Unresolvable(f"last() of {describe(value)}")


def _split(args: list[Any]) -> Any:
    text, delimiters = str(args[0]), args[1]
    parts = [text]
    for delimiter in delimiters if isinstance(delimiters, list) else [delimiters]:
        parts = [piece for part in parts for piece in part.split(str(delimiter))]
    return parts


FUNCTIONS: Mapping[str, Callable[[list[Any]], Any]] = {
    "concat": _concat,
    "format": _format,
    "equals": _equals,
    "not": lambda a: not _all_bools("not", a)[0],
    "and": lambda a: all(_all_bools("and", a)),
    "or": lambda a: any(_all_bools("or", a)),
    "bool": _bool,
    "true": lambda a: True,
    "false": lambda a: False,
    "null": lambda a: None,
    "tolower": lambda a: str(a[0]).lower(),
    "toupper": lambda a: str(a[0]).upper(),
    "string": lambda a: _to_string(a[0]),
    "int": _int,
    "json": _json,
    "guid": _guid,
    "uniquestring": _unique_string,
    "union": _union,
    "coalesce": lambda a: next((v for v in a if v is not None), None),
    "contains": _contains,
    "empty": _empty,
    "length": _length,
    "range": _range,
    "createobject": _create_object,
    "createarray": lambda a: list(a),
    "array": lambda a: a[0] if isinstance(a[0], list) else [a[0]],
    "first": _first,
    "last": _last,
    "split": _split,
    "replace": _replace,
    "trim": lambda a: str(a[0]).strip(),
    "startswith": lambda a: str(a[0]).lower().startswith(str(a[1]).lower()),
    "endswith": lambda a: str(a[0]).lower().endswith(str(a[1]).lower()),
    "substring": lambda a: str(a[0])[int(a[1]) : (int(a[1]) + int(a[2])) if len(a) > 2 else None],
    "less": _compare(lambda x, y: x < y),
    "lessorequals": _compare(lambda x, y: x <= y),
    "greater": _compare(lambda x, y: x > y),
    "greaterorequals": _compare(lambda x, y: x >= y),
}
"""Pure functions of their (already evaluated) arguments, by lower-case name."""
