"""Values an input leaves open: a marker object in place of the value.

A template property whose expression cannot be evaluated (a parameter without a value, a
runtime function such as ``reference()``, a Terraform value known only after apply) is
stored in the ARM JSON as ``{"$unresolved": "<expression>", "reason": "<why>"}``; so are the
``properties`` an ``az resource list`` export leaves out. Rules treat the marker as
missing-with-reason: the result is ``unknown`` and the evidence shows the expression and why.
It never counts as a pass.
"""

from __future__ import annotations

from collections.abc import Mapping

MARKER_KEY = "$unresolved"


def unresolved(expression: str, reason: str) -> dict[str, str]:
    """The marker that stands for a value the evaluator could not resolve."""
    return {MARKER_KEY: expression, "reason": reason}


def is_unresolved(value: object) -> bool:
    """Whether ``value`` is an unresolved-value marker."""
    if type(value) is dict:  # parsed JSON: skip the abstract-class check (a hot path)
        return isinstance(value.get(MARKER_KEY), str)
    return isinstance(value, Mapping) and isinstance(value.get(MARKER_KEY), str)


def describe(value: object) -> str:
    """Evidence text for a marker: the expression and why it stayed open."""
    if not isinstance(value, Mapping) or not is_unresolved(value):
        return repr(value)
    return f"<unresolved: {value[MARKER_KEY]} ({value.get('reason') or 'not evaluated'})>"


REASON_PREFIX = "value not resolved: "
"""Start of an ``unknown`` reason caused by markers (each ``path = <unresolved: ...>`` follows)."""

UNRESOLVED_PREFIX = "<unresolved: "
"""Start of :func:`describe` text, so evidence readers can tell it from a real value."""
