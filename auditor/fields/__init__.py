"""What the tool keeps of each audited type, typed as the REST specs type it, and how to read it.

Each audited type is declared once, as an :class:`AuditedType` at module level in any module of
this package (:mod:`.ml`, :mod:`.ais`, :mod:`.authz`; the shared envelope is :mod:`.common`).
:data:`AUDITED` finds them all, and everything that lists types derives from it: the types the
inventory keeps (:func:`canonical_type`), the AI/ML ones, the types a rule may judge, parent
links, the redacted environment maps and the snapshot file names. The inventory keeps only
declared fields (:func:`keep`); rules read them through the typed reader (:func:`read`), which
turns a wrong-typed or off-enum value into a reason.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping

from auditor import arm
from auditor.fields.authz import SUBSCRIPTION
from auditor.fields.keep import keep
from auditor.fields.reader import (
    INVALID_PREFIX,
    MISSING_TEXT,
    Found,
    Invalid,
    Missing,
    Problem,
    Read,
    UndeclaredField,
    Unresolved,
    declared_at,
    items,
    read,
)
from auditor.fields.spec import UNTYPED, AuditedType, Field, Kind

_ARM_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+(/[A-Za-z][A-Za-z0-9]*)+")


def _discover() -> tuple[AuditedType, ...]:
    """Every module-level :class:`AuditedType` of this package, checked, in type-name order."""
    found: dict[str, AuditedType] = {}
    for module in pkgutil.iter_modules(__path__):
        namespace = vars(importlib.import_module(f"{__name__}.{module.name}"))
        for declared in namespace.values():
            if isinstance(declared, AuditedType):
                kept = found.setdefault(declared.type.lower(), declared)
                if kept is not declared:  # a copied declaration: one would silently hide the other
                    raise RuntimeError(f"{declared.type} is declared twice")
    audited = tuple(sorted(found.values(), key=lambda d: d.type))
    for problem in _problems(audited):
        raise RuntimeError(problem)
    return audited


def _problems(audited: tuple[AuditedType, ...]) -> list[str]:
    """What would make a declaration unusable, found at import rather than mid-scan."""
    problems = []
    files = [d.snapshot_file for d in audited]
    for declared in audited:
        if not _ARM_TYPE.fullmatch(declared.type):
            problems.append(f"{declared.type!r} is not an ARM type (Namespace/type[/child])")
        if not declared.snapshot_file.endswith(".json") or files.count(declared.snapshot_file) > 1:
            problems.append(f"{declared.type}: snapshot_file must be a unique .json file name")
        if declared.environment:
            found = declared_at(declared.fields, ".".join(declared.environment))
            if found is None or found.kind is not Kind.MAP:
                problems.append(f"{declared.type}: environment is not a declared map")
    return problems


AUDITED: tuple[AuditedType, ...] = _discover()
"""Every audited type's declaration, found in the modules of this package."""

AUDITED_TYPES: tuple[str, ...] = tuple(d.type for d in AUDITED)
"""Every ARM type the inventory keeps; anything else is counted and skipped."""

AI_ML_TYPES: frozenset[str] = frozenset(d.type for d in AUDITED if d.ai_ml)
"""The AI/ML resources themselves (not access-control records)."""

RULE_TARGET_TYPES: tuple[str, ...] = (*AUDITED_TYPES, arm.SUBSCRIPTION)
"""Types a rule may judge: every audited type, plus subscriptions."""

DECLARATIONS: Mapping[str, Field] = {
    **{d.type: d.fields for d in AUDITED},
    arm.SUBSCRIPTION: SUBSCRIPTION,
}
"""Every type a rule may judge -> the fields kept of it."""

_CANONICAL = {t.lower(): t for t in AUDITED_TYPES}
_RULE_TARGETS = {t.lower(): t for t in RULE_TARGET_TYPES}


def canonical_type(arm_type: str) -> str | None:
    """The canonical spelling of an audited ARM type (any case), or None when it is not
    audited."""
    return _CANONICAL.get(arm_type.strip().lower())


def rule_target_type(arm_type: str) -> str | None:
    """The canonical spelling of a type a rule may judge, or None."""
    return _RULE_TARGETS.get(arm_type.strip().lower())


def parent_type(arm_type: str) -> str | None:
    """The audited type a resource of ``arm_type`` is a child of, by its id (a compute's
    workspace), or None: ``Namespace/a/b`` is a child of ``Namespace/a`` when that is audited."""
    head, _, _ = arm_type.rpartition("/")
    return canonical_type(head) if "/" in head else None


def declaration_for(arm_type: str) -> Field:
    """The declaration of a canonical rule-target type."""
    return DECLARATIONS[arm_type]


def keep_declared(record: Mapping[str, object], arm_type: str) -> dict[str, object]:
    """The declared part of an ARM object of an audited type (a new object)."""
    kept = keep(dict(record), DECLARATIONS[arm_type])
    assert isinstance(kept, dict)
    return kept


__all__ = [
    "AI_ML_TYPES",
    "AUDITED",
    "AUDITED_TYPES",
    "DECLARATIONS",
    "INVALID_PREFIX",
    "MISSING_TEXT",
    "RULE_TARGET_TYPES",
    "UNTYPED",
    "AuditedType",
    "Field",
    "Found",
    "Invalid",
    "Kind",
    "Missing",
    "Problem",
    "Read",
    "UndeclaredField",
    "Unresolved",
    "canonical_type",
    "declaration_for",
    "declared_at",
    "items",
    "keep",
    "keep_declared",
    "parent_type",
    "read",
    "rule_target_type",
]
