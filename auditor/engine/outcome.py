"""What a named predicate receives and returns (shared by every predicate module)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.inventory import Inventory
from auditor.model import Resource, Severity, Status


@dataclass(frozen=True)
class EvalContext:
    """What a predicate may read besides the resource."""

    inventory: Inventory
    as_of: dt.datetime
    """The moment the scan judges at (ages of keys are measured to it)."""
    parameters: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """A predicate's verdict on one resource."""

    status: Status
    message: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    severity: Severity | None = None
    """A severity narrower than the rule's, when the predicate can tell."""
    reason: str | None = None


Predicate = Callable[[Resource, EvalContext], Outcome]
