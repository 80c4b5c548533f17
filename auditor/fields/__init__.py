"""What the tool keeps of each audited type, typed as the REST specs type it, and how to read it.

One declaration per audited type (:data:`DECLARATIONS`), written as data in one module per
type group (:mod:`.ml`, :mod:`.ais`, :mod:`.authz`, the shared envelope in :mod:`.common`).
The inventory keeps only declared fields (:func:`keep`); rules read them through the typed
reader (:func:`read`), which turns a wrong-typed or off-enum value into a reason.
"""

from __future__ import annotations

from collections.abc import Mapping

from auditor import arm
from auditor.fields import ais, authz, ml
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
from auditor.fields.spec import UNTYPED, Field, Kind

DECLARATIONS: Mapping[str, Field] = {
    arm.WORKSPACE: ml.WORKSPACE,
    arm.COMPUTE: ml.COMPUTE,
    arm.ONLINE_ENDPOINT: ml.ONLINE_ENDPOINT,
    arm.ONLINE_DEPLOYMENT: ml.ONLINE_DEPLOYMENT,
    arm.WEB_SERVICE: ml.WEB_SERVICE,
    arm.WORKSPACE_CONNECTION: ml.WORKSPACE_CONNECTION,
    arm.AI_ACCOUNT: ais.AI_ACCOUNT,
    arm.ROLE_ASSIGNMENT: authz.ROLE_ASSIGNMENT,
    arm.ROLE_DEFINITION: authz.ROLE_DEFINITION,
    arm.SUBSCRIPTION: authz.SUBSCRIPTION,
}
"""Every type a rule may judge -> the fields kept of it."""


def declaration_for(arm_type: str) -> Field:
    """The declaration of a canonical rule-target type."""
    return DECLARATIONS[arm_type]


def keep_declared(record: Mapping[str, object], arm_type: str) -> dict[str, object]:
    """The declared part of an ARM object of an audited type (a new object)."""
    kept = keep(dict(record), DECLARATIONS[arm_type])
    assert isinstance(kept, dict)
    return kept


__all__ = [
    "DECLARATIONS",
    "INVALID_PREFIX",
    "MISSING_TEXT",
    "UNTYPED",
    "Field",
    "Found",
    "Invalid",
    "Kind",
    "Missing",
    "Problem",
    "Read",
    "UndeclaredField",
    "Unresolved",
    "declaration_for",
    "declared_at",
    "items",
    "keep",
    "keep_declared",
    "read",
]
