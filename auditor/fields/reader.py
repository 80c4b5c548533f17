"""The typed field reader every rule reads through.

``read(data, declaration, "properties.authMode")`` gives the value, or a typed reason it has
none: *missing* (absent or null, as ARM writes unset properties), *unresolved* (a template
left it open; the expression is kept) or *invalid* (a value of the wrong JSON type or off
the spec's enum, named with what was found). A rule cannot forget the last two: only
:class:`Found` carries a value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from auditor.fields.spec import Field, Kind
from auditor.unresolved import MARKER_KEY, describe, is_unresolved

MISSING_TEXT = "<missing>"
INVALID_PREFIX = "<invalid: "
"""Start of :attr:`Invalid.evidence`, so evidence readers can tell it from a real value."""

_JSON_NAMES = {bool: "boolean", str: "string", int: "number", float: "number"}


def found_text(value: object) -> str:
    """A short description of a found value: its JSON type and, for scalars, the value."""
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    shown = repr(value) if not isinstance(value, bool) else str(value).lower()
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{shown} ({_JSON_NAMES.get(type(value), type(value).__name__)})"


@dataclass(frozen=True)
class Found:
    """A present value of the declared type."""

    path: str
    value: Any

    @property
    def evidence(self) -> Any:
        """The value, as evidence shows it."""
        return self.value


@dataclass(frozen=True)
class Missing:
    """Absent, or null."""

    path: str
    evidence = MISSING_TEXT

    @property
    def reason(self) -> str:
        """Why the rule could not judge it."""
        return f"{self.path} missing"


@dataclass(frozen=True)
class Unresolved:
    """A template left the value (or a parent of it) open."""

    path: str
    marker: Mapping[str, Any]

    @property
    def evidence(self) -> str:
        """The expression and why it stayed open."""
        return describe(self.marker)

    @property
    def reason(self) -> str:
        """Why the rule could not judge it."""
        return f"{self.path} = {self.evidence} not resolved"


@dataclass(frozen=True)
class Invalid:
    """A value of the wrong JSON type, or off the spec's enum."""

    path: str
    expected: str
    found: str

    @property
    def evidence(self) -> str:
        """What was expected and what was found."""
        return f"{INVALID_PREFIX}expected {self.expected}, found {self.found}>"

    @property
    def reason(self) -> str:
        """Why the rule could not judge it."""
        return f"{self.path} is invalid: expected {self.expected}, found {self.found}"


Read = Found | Missing | Unresolved | Invalid
Problem = Missing | Unresolved | Invalid


@dataclass(frozen=True)
class Reading:
    """One read, as :func:`traced` records it: the object, its declaration and the path."""

    data: object
    declaration: Field
    path: str
    judged: bool
    """False for a read only shown in evidence or messages (a role's display name)."""


_TRACE: ContextVar[list[Reading] | None] = ContextVar("auditor_fields_trace", default=None)


@contextmanager
def traced() -> Iterator[list[Reading]]:
    """Record every read made inside the block: which fields a rule reads, found by running
    it (the type matrix test builds its cases from this, so a new rule joins by itself)."""
    readings: list[Reading] = []
    token = _TRACE.set(readings)
    try:
        yield readings
    finally:
        _TRACE.reset(token)


def tracing() -> bool:
    """Whether reads are being recorded (a worker process's reads would not be)."""
    return _TRACE.get() is not None


class UndeclaredField(KeyError):
    """A path the declaration does not keep: it could never hold a value (a bug or a typo)."""


_Steps = tuple[tuple[str, Field], ...]
_STEPS: dict[tuple[int, str], tuple[Field, _Steps, Field]] = {}
"""(id of a declaration, path) -> the declaration, each part with the declaration of the
object it is read from, and the path's own declaration. Rules read the same few hundred paths
of the same module-level declarations millions of times in a tenant scan; the declaration is
kept in the entry so a reused id of a collected one can never match."""


def _steps(declaration: Field, path: str) -> tuple[_Steps, Field]:
    entry = _STEPS.get((id(declaration), path))
    if entry is not None and entry[0] is declaration:
        return entry[1], entry[2]
    steps: list[tuple[str, Field]] = []
    current = declaration
    for part in path.split("."):
        below = current.member(part)
        if below is None:
            raise UndeclaredField(path)
        steps.append((part, current))
        current = below
    result = tuple(steps)
    if len(_STEPS) < 100_000:  # bounded: declarations built at run time must not grow it
        _STEPS[(id(declaration), path)] = (declaration, result, current)
    return result, current


def declared_at(declaration: Field, path: str) -> Field:
    """The declaration of a dotted path; raises :class:`UndeclaredField` when none."""
    return _steps(declaration, path)[1]


def read(
    data: object, declaration: Field, path: str, *, label: str | None = None, judged: bool = True
) -> Read:
    """The value at ``path`` of ``data``, judged against ``declaration``.

    ``label`` prefixes the field's name in reasons, e.g. ``workspace.`` for ``workspace.kind``;
    ``judged`` is False for a value only shown, never judged (see :func:`traced`).
    """
    name = label + path if label else path
    steps, target = _steps(declaration, path)
    trace = _TRACE.get()
    if trace is not None:
        trace.append(Reading(data, declaration, path, judged))
    current: object = data
    for index, (part, at) in enumerate(steps):
        if type(current) is dict and MARKER_KEY not in current:  # the common case, inline
            if part not in current:
                return Missing(name)
            current = current[part]
            continue
        if is_unresolved(current):
            assert isinstance(current, Mapping)
            return Unresolved(name, current)
        if current is None:
            return Missing(name)
        if type(current) is not dict and not isinstance(current, Mapping):
            where = ".".join(p for p, _ in steps[:index]) if index else "the record"
            return Invalid(f"{name} (at {where})", at.expected(), found_text(current))
        if part not in current:
            return Missing(name)
        current = current[part]
    if is_unresolved(current):
        assert isinstance(current, Mapping)
        return Unresolved(name, current)
    if current is None:
        return Missing(name)
    if not target.accepts(current):
        return Invalid(name, target.expected(), found_text(current))
    return Found(name, current)


def items(found: Found, declaration: Field) -> list[Read]:
    """The elements of a found array, each judged against the declared element type.

    ``declaration`` is the array's own declaration (``declared_at`` of its path).
    """
    element = declaration.items
    assert declaration.kind is Kind.ARRAY and element is not None
    reads: list[Read] = []
    for index, item in enumerate(found.value):
        name = f"{found.path}[{index}]"
        if is_unresolved(item):
            reads.append(Unresolved(name, item))
        elif item is None:
            reads.append(Missing(name))
        elif not element.accepts(item):
            reads.append(Invalid(name, element.expected(), found_text(item)))
        else:
            reads.append(Found(name, item))
    return reads
