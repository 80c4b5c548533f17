"""Typed reads for the Python predicates: the same reader the declarative rules use.

A predicate reads every field through :class:`Reads`, which keeps each value a template left
open or the spec does not allow; :meth:`Reads.unknown` then turns them into the ``unknown``
outcome that names each field and why. So no predicate can forget either case.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from auditor.engine.outcome import Outcome
from auditor.fields import (
    Field,
    Found,
    Invalid,
    Missing,
    Problem,
    Read,
    Unresolved,
    declaration_for,
    declared_at,
    items,
    read,
)
from auditor.model import Resource, Status
from auditor.unresolved import REASON_PREFIX


class Reads:
    """Typed reads of one JSON object (a resource, or an element of one of its arrays)."""

    def __init__(
        self,
        data: object,
        declaration: Field,
        label: str = "",
        problems: list[Problem] | None = None,
    ) -> None:
        self._data = data
        self._declaration = declaration
        self._label = label
        self.problems: list[Problem] = problems if problems is not None else []
        """Every unresolved or invalid value met, in reading order (shared with the reads
        of elements, and of other resources read ``into`` these)."""

    @classmethod
    def of(cls, resource: Resource, label: str = "", *, into: Reads | None = None) -> Reads:
        """Reads of a resource against its type's declaration; ``label`` prefixes field names
        in reasons (``"workspace."``); ``into`` collects their problems with another's."""
        shared = into.problems if into is not None else None
        return cls(resource.data, declaration_for(resource.type), label, shared)

    def declares(self, path: str) -> bool:
        """Whether ``path`` is kept for this object's type."""
        try:
            declared_at(self._declaration, path)
        except KeyError:
            return False
        return True

    def get(self, path: str) -> Read:
        """The typed read of ``path``; an unresolved or invalid one is remembered."""
        result = read(self._data, self._declaration, path, label=self._label)
        if isinstance(result, (Unresolved, Invalid)):
            self.problems.append(result)
        return result

    def shown(self, path: str) -> Read:
        """A read for evidence or messages only: it judges nothing, so it is not remembered."""
        return read(self._data, self._declaration, path, label=self._label, judged=False)

    def value(self, path: str) -> Any:
        """The value at ``path`` when present and valid; None otherwise (see :meth:`get`)."""
        result = self.get(path)
        return result.value if isinstance(result, Found) else None

    def elements(self, path: str) -> list[Reads] | None:
        """Reads of each valid element of the object array at ``path`` (invalid ones
        remembered); None when the array is missing."""
        result = self.get(path)
        if isinstance(result, Missing):
            return None
        if not isinstance(result, Found):
            return []
        array = declared_at(self._declaration, path)
        assert array.items is not None
        kept: list[Reads] = []
        for element in items(result, array):
            if isinstance(element, Found):
                kept.append(Reads(element.value, array.items, f"{element.path}.", self.problems))
            elif isinstance(element, (Unresolved, Invalid)):
                self.problems.append(element)
        return kept

    def map_values(self, path: str) -> list[Reads]:
        """Reads of each value of the map at ``path`` (keys may hold dots, e.g. ARM ids)."""
        result = self.get(path)
        if not isinstance(result, Found):
            return []
        values = declared_at(self._declaration, path).items
        assert values is not None
        return [
            Reads(v, values, f"{result.path}[{k}].", self.problems) for k, v in result.value.items()
        ]

    def strings(self, path: str) -> list[str]:
        """The strings of the string array at ``path``; any other element is remembered."""
        result = self.get(path)
        if not isinstance(result, Found):
            return []
        found: list[str] = []
        for element in items(result, declared_at(self._declaration, path)):
            if isinstance(element, Found):
                found.append(element.value)
            elif isinstance(element, (Unresolved, Invalid)):
                self.problems.append(element)
        return found

    def unknown(self, evidence: Mapping[str, Any]) -> Outcome | None:
        """The ``unknown`` outcome when a value was unresolved or invalid, else None."""
        if not self.problems:
            return None
        shown = dict(evidence)
        for problem in self.problems:
            shown[problem.path] = problem.evidence
        reason = unjudged_reason(self.problems)
        assert reason is not None
        return Outcome(Status.UNKNOWN, reason, shown, reason=reason)


def unjudged_reason(problems: Sequence[Problem]) -> str | None:
    """The ``unknown`` reason for values a rule read but could not judge, naming each field:
    the invalid ones when there are any (the data itself is not sound), else the unresolved
    ones with their expressions; None when every problem is a missing value."""
    invalid = [p for p in problems if isinstance(p, Invalid)]
    if invalid:
        return "value not valid for the spec: " + "; ".join(
            dict.fromkeys(p.reason for p in invalid)
        )
    unresolved = [p for p in problems if isinstance(p, Unresolved)]
    if unresolved:
        return REASON_PREFIX + "; ".join(
            dict.fromkeys(f"{p.path} = {p.evidence}" for p in unresolved)
        )
    return None
