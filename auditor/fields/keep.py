"""Copy only what is declared: the allow-list every inventory record goes through.

Nothing undeclared survives, so a credential field the tool never heard of (a new connection
``authType``, a pasted ``listKeys`` output) is dropped by construction, not by a deny-list
that has to know it. A value of the wrong JSON type keeps its type but not its content (an
object where a string was declared becomes ``{}``), so the reader can still say what was
found without the content reaching any file.
"""

from __future__ import annotations

from typing import Any

from auditor.fields.spec import Field, Kind
from auditor.unresolved import MARKER_KEY, is_unresolved


def _hollow(value: object) -> object:
    """The JSON type of a container without its content (a scalar is kept: the reader names
    it in its reason, e.g. ``actions: "*"`` where an array belongs)."""
    if isinstance(value, dict):
        return {}
    if isinstance(value, list):
        return []
    return value


def _marker(value: dict[str, Any]) -> dict[str, str]:
    kept = {MARKER_KEY: str(value[MARKER_KEY])}
    if isinstance(value.get("reason"), str):
        kept["reason"] = value["reason"]
    return kept


def keep(value: object, declared: Field) -> object:
    """The part of ``value`` that ``declared`` allows, as a new JSON value."""
    if is_unresolved(value):
        assert isinstance(value, dict)
        return _marker(value)
    kind = declared.kind
    if kind is Kind.OBJECT:
        if isinstance(value, str):
            # A string where an object is declared (``credentials: "<a SAS>"``) keeps its type
            # only: a declared container's name says nothing about what a string in it holds,
            # unless the declaration says the string is one of its spellings.
            return value if declared.or_string else ""
        if not isinstance(value, dict):
            return _hollow(value)
        return {
            name: keep(member, declared.members[name])
            for name, member in value.items()
            if name in declared.members
        }
    if kind in (Kind.MAP, Kind.ARRAY):
        assert declared.items is not None
        if kind is Kind.MAP and isinstance(value, dict):
            return {str(name): keep(member, declared.items) for name, member in value.items()}
        if kind is Kind.ARRAY and isinstance(value, list):
            return [keep(member, declared.items) for member in value]
        if kind is Kind.ARRAY and declared.lone_object and isinstance(value, dict):
            return [keep(value, declared.items)]
        return _hollow(value)
    if kind is Kind.ANY:
        raise ValueError("an untyped field cannot be kept")
    if isinstance(value, (dict, list)):
        return _hollow(value)
    return value
