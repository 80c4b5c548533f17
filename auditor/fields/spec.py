"""The vocabulary of field declarations: what a kept field is, as the REST specs type it.

A declaration is a tree of :class:`Field` values rooted at the ARM object. Only the members
it names are ever kept (see :mod:`auditor.fields.keep`), and the typed reader
(:mod:`auditor.fields.reader`) judges every value it returns against it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace


class Kind(enum.Enum):
    """The JSON shape (and meaning) of a declared field."""

    BOOLEAN = "boolean"
    STRING = "string"
    TEXT = "free text"
    """A string a person writes (descriptions, tag values): may carry anything, secrets too."""
    ENUM = "enum"
    NUMBER = "number"
    INTEGER = "integer"
    ARM_ID = "ARM id"
    DATETIME = "date-time"
    DURATION = "ISO 8601 duration"
    ARRAY = "array"
    OBJECT = "object"
    """An object whose kept members are declared one by one."""
    MAP = "map"
    """An object with free keys (tags, environment variables), each value of one type."""
    ANY = "any"
    """Untyped: only for reading conditions outside a declaration (grammar tests)."""


_STRINGS = frozenset({Kind.STRING, Kind.TEXT, Kind.ENUM, Kind.ARM_ID, Kind.DATETIME, Kind.DURATION})
SCALARS = frozenset({*_STRINGS, Kind.BOOLEAN, Kind.NUMBER, Kind.INTEGER})


@dataclass(frozen=True)
class Field:
    """One declared field: its kind and, for containers, what is kept inside."""

    kind: Kind
    values: tuple[str, ...] = ()
    """The spec's enum values (``Kind.ENUM``); compared case-insensitively, as ARM does."""
    items: Field | None = None
    """Array elements (``Kind.ARRAY``) or map values (``Kind.MAP``)."""
    members: Mapping[str, Field] = field(default_factory=dict)
    """Declared members of an ``Kind.OBJECT``; every other member is dropped."""
    note: str = ""
    """What absence means, or where the spec says so, when it matters."""
    lone_object: bool = False
    """For an array: one object in its place is read as a one-element array (a property the
    spec changed from an object to an array between versions, ``networkInjections``)."""
    or_string: bool = False
    """For an object: a string in its place is kept as it is (a variant that spells the object
    as a plain string). Any other object declaration keeps a string as ``""``."""

    def expected(self) -> str:
        """What a valid value looks like, for an ``invalid`` reason."""
        if self.kind is Kind.ENUM:
            return "one of " + ", ".join(repr(v) for v in self.values)
        if self.kind is Kind.ARRAY and self.items is not None:
            return f"an array of {self.items.kind.value} values"
        name: str = self.kind.value
        return ("an " if name[0] in "aeiouAEIO" else "a ") + name

    def member(self, name: str) -> Field | None:
        """The declaration one step below (a member, a map value or an array element)."""
        if self.kind is Kind.ANY:
            return self
        if self.kind is Kind.OBJECT:
            return self.members.get(name)
        if self.kind is Kind.MAP:
            return self.items
        return None

    def accepts(self, value: object) -> bool:
        """Whether a present, non-null value has the declared JSON type (and enum value)."""
        kind = self.kind
        if kind is Kind.ANY:
            return True
        if kind in _STRINGS:
            if not isinstance(value, str):
                return False
            return kind is not Kind.ENUM or value.lower() in {v.lower() for v in self.values}
        if kind is Kind.BOOLEAN:
            return isinstance(value, bool)
        if kind is Kind.INTEGER:
            return isinstance(value, int) and not isinstance(value, bool)
        if kind is Kind.NUMBER:
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if kind is Kind.ARRAY:
            return isinstance(value, list)
        return isinstance(value, dict)


UNTYPED = Field(Kind.ANY)
"""Reads anything: for conditions evaluated outside any declaration."""

# Constructors, so that declarations read like the spec.
BOOLEAN = Field(Kind.BOOLEAN)
STRING = Field(Kind.STRING)
TEXT = Field(Kind.TEXT)
ARM_ID = Field(Kind.ARM_ID)
DATETIME = Field(Kind.DATETIME)
DURATION = Field(Kind.DURATION)
INTEGER = Field(Kind.INTEGER)
NUMBER = Field(Kind.NUMBER)


def enum_of(*values: str, note: str = "") -> Field:
    """A string restricted to the spec's enum values."""
    return Field(Kind.ENUM, values=values, note=note)


def array_of(items: Field) -> Field:
    """An array whose elements are declared by ``items``."""
    return Field(Kind.ARRAY, items=items)


def one_or_many(items: Field) -> Field:
    """An array of objects that older api-versions spell as a single object: kept as an array
    either way, so a rule reads one shape whatever version wrote it."""
    return Field(Kind.ARRAY, items=items, lone_object=True)


def object_or_string(members: Mapping[str, Field]) -> Field:
    """An object that some variants of a discriminated type spell as a string (an FQDN
    outbound rule's ``destination``): the string is kept; it is declared, not guessed."""
    return replace(obj(members), or_string=True)


def map_of(values: Field) -> Field:
    """An object with free keys whose values are declared by ``values``."""
    return Field(Kind.MAP, items=values)


def obj(members: Mapping[str, Field]) -> Field:
    """An object from dotted member paths: ``{"a.b": BOOLEAN}`` declares ``a`` as an object."""
    tree: dict[str, Field | dict[str, object]] = {}
    for dotted, declared in members.items():
        head, _, rest = dotted.partition(".")
        if not rest:
            if head in tree:
                raise ValueError(f"{dotted!r} declared twice")
            tree[head] = declared
            continue
        nested = tree.setdefault(head, {})
        if isinstance(nested, Field):
            raise ValueError(f"{head!r} is declared as a field and as an object")
        nested[rest] = declared
    return Field(
        Kind.OBJECT,
        members={
            name: (value if isinstance(value, Field) else obj(value))  # type: ignore[arg-type]
            for name, value in tree.items()
        },
    )


def merge(*objects: Field) -> Field:
    """One object declaring the members of all ``objects`` (nested objects merged too)."""
    members: dict[str, Field] = {}
    for declared in objects:
        for name, member in declared.members.items():
            kept = members.get(name)
            if kept is not None and kept.kind is Kind.OBJECT and member.kind is Kind.OBJECT:
                members[name] = merge(kept, member)
            elif kept is not None and kept != member:
                raise ValueError(f"{name!r} declared twice, differently")
            else:
                members[name] = member
    return Field(Kind.OBJECT, members=members)


@dataclass(frozen=True)
class AuditedType:
    """One audited ARM type, declared once: the inventory, the rules and the snapshot writer
    all read what they need of it from here (see :data:`auditor.fields.AUDITED`)."""

    type: str
    """The canonical spelling of the ARM type (``Microsoft.CognitiveServices/accounts``)."""
    fields: Field
    """What is kept of a record of it: an allow-list, never a credential."""
    ai_ml: bool
    """An AI/ML resource itself (True), or a record the rules read about them (False): access
    control, or a workspace's storage account, registry or key vault."""
    snapshot_file: str
    """The file its records go to in each subscription folder of a saved snapshot."""
    environment: tuple[str, ...] = ()
    """The path of its environment-variable map, whose secret-looking values are redacted."""
