"""The data every stage shares: severities, statuses, inventory records, rules and results.

Everything here is a frozen dataclass or an enum. Collection fills an :class:`Inventory`;
the engine turns an inventory and rules into :class:`Result` objects; report writers read
results. Nothing here knows about files, HTTP or SDK objects.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from auditor.secrets import scrub_text


class Severity(enum.Enum):
    """How bad a failing result is; ordered from least to most severe."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Position in the order info < low < medium < high < critical."""
        return _SEVERITY_ORDER.index(self)

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse a severity name case-insensitively; raises ValueError naming the choices."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose one of: {choices})") from None


_SEVERITY_ORDER = [Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL]


class Status(enum.Enum):
    """The outcome of one rule on one resource."""

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    """The data needed was missing or unreadable; never counts as a pass."""
    NOT_APPLICABLE = "not_applicable"
    SUPPRESSED = "suppressed"
    """A failure hidden by an accountable suppression; still reported."""


class SourceKind(enum.StrEnum):
    """What a record was read from; its value is the report's ``source.kind``."""

    SNAPSHOT = "snapshot"
    LIVE = "live"
    DEMO = "demo"
    TEMPLATE = "template"

    @property
    def declared(self) -> bool:
        """A template declares a desired state: nothing was observed in Azure, so its records
        carry template locations and hold no observed-only data (the Activity Log)."""
        return self is SourceKind.TEMPLATE

    @property
    def observed(self) -> bool:
        """Read from Azure (now, or saved in a snapshot): data kinds only Azure holds, such as
        key-regeneration events in the Activity Log, can exist for its records."""
        return not self.declared


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a record came from."""

    kind: SourceKind
    """``snapshot``, ``live``, ``demo`` or ``template`` (a plain string is converted)."""
    path: str | None = None
    """The file it was read from, when it came from a file."""
    line: int | None = None
    """The line of the record in that file, when known."""
    property_lines: Mapping[str, int] = field(default_factory=dict, compare=False, hash=False)
    """Templates only: dotted property path (``properties.disableLocalAuth``) -> its line."""
    property_expressions: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    """Templates only: dotted property path -> the expression its value was evaluated from."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", SourceKind(self.kind))  # ValueError on an unknown kind


@dataclass(frozen=True, slots=True)
class Resource:
    """One audited ARM resource (workspace, compute, endpoint, account, role assignment, ...).

    ``data`` is the ARM JSON object with secret-looking values already redacted; declarative
    rule conditions read it by dotted path. Once a scan has judged its rules and built its
    outcome, :func:`release_data` empties it (see there): nothing after the engine reads it.
    """

    id: str
    """The ARM id as it was given (original casing)."""
    key: str
    """The normalised (lower-case, no trailing slash) id used for every comparison."""
    type: str
    """Canonical ARM type, e.g. ``Microsoft.CognitiveServices/accounts``."""
    name: str
    subscription_id: str | None
    """Lower-case subscription GUID; None for management-group or tenant scoped records."""
    resource_group: str | None
    location: str | None
    """Normalised region name (``eastus``), or None when the record has none."""
    data: Mapping[str, Any]
    source: SourceRef
    parent_key: str | None = None
    """Key of the parent resource (workspace of a compute, endpoint of a deployment)."""


RELEASED: Mapping[str, Any] = MappingProxyType({})
"""What :attr:`Resource.data` is after :func:`release_data`."""


def release_data(resources: Iterable[Resource]) -> None:
    """Let each resource's JSON go, keeping its identity (id, type, name, scope, source).

    The results of a scan hold their resources until the report is built from them, and the
    report needs only the identity; the JSON (13 % of a million-resource scan's peak
    memory) is read by the engine, the snapshot writer and the scan's notes, all done by
    then. The one write to a frozen resource in the code: callers are
    :func:`auditor.audit.scan_report` (whose outcome leaves the package only as a report)
    and nothing else; :func:`auditor.audit.scan` keeps the data for its callers.
    """
    for resource in resources:
        object.__setattr__(resource, "data", RELEASED)


@dataclass(frozen=True, slots=True)
class ActivityEvent:
    """One Activity Log (administrative) event, reduced to what rules need."""

    operation: str
    """``operationName.value``, ``Microsoft.CognitiveServices/accounts/regenerateKey/action``."""
    status: str
    """``status.value``: ``Started``, ``Succeeded``, ``Failed``, ..."""
    timestamp: dt.datetime
    """``eventTimestamp``, timezone-aware."""
    resource_key: str
    """Normalised id of the resource the event is about."""
    subscription_id: str | None


@dataclass(frozen=True)
class Subscription:
    """A subscription seen in the input, with its display name when known."""

    id: str
    name: str | None = None


@dataclass(frozen=True)
class CollectionError:
    """Something that could not be read. Rules that needed it report ``unknown``."""

    scope: str
    """The ARM scope or file the failure concerns."""
    operation: str
    """What was being read, e.g. ``list role assignments``."""
    message: str
    status_code: int | None = None
    missing_permission: str | None = None
    """The Azure action that was denied, when the response names it."""
    data_kinds: tuple[str, ...] = ()
    """Which data kinds (see :data:`DATA_KINDS`) this failure leaves unread for the scope."""

    def __post_init__(self) -> None:
        # A message may quote a response body or a header: whatever built it, every secret
        # in it is gone before it reaches stderr, a report or a manifest.
        object.__setattr__(self, "message", scrub_text(self.message))
        object.__setattr__(self, "scope", scrub_text(self.scope))

    def as_record(self) -> dict[str, Any]:
        """The error as JSON data, as the report's ``errors`` and a snapshot manifest hold it."""
        return {
            "scope": self.scope,
            "operation": self.operation,
            "message": self.message,
            "status_code": self.status_code,
            "missing_permission": self.missing_permission,
            "data_kinds": list(self.data_kinds),
        }


DATA_KINDS = (
    "workspaces",
    "computes",
    "online_endpoints",
    "online_deployments",
    "web_services",
    "ai_accounts",
    "role_assignments",
    "role_definitions",
    "activity_log",
    "connections",
    "serverless_endpoints",
    "ai_projects",
    "ai_connections",
    "ai_deployments",
    "rai_policies",
    "capability_hosts",
    "defender_ai_settings",
    "defender_plans",
    "outbound_rules",
    "nsp_configurations",
    "diagnostic_settings",
    "ml_registries",
    "dependencies",
    "datastores",
)
"""Kinds of data a scan collects per subscription; coverage is tracked per kind."""


@dataclass(frozen=True)
class Remediation:
    """How to fix a failure, in the forms users ask for."""

    summary: str
    portal: str | None = None
    cli: str | None = None
    bicep: str | None = None


@dataclass(frozen=True)
class Parameter:
    """A named value a rule's predicate reads (a threshold, an allow-list), declared in its
    YAML with a type and a default and settable per scan (``[parameters.RULE]``)."""

    name: str
    type: str
    """``integer``, ``number``, ``boolean``, ``string`` or ``list`` (of strings)."""
    default: Any
    description: str
    minimum: float | None = None
    """Integer and number parameters: the smallest value allowed."""
    maximum: float | None = None
    """Integer and number parameters: the largest value allowed."""
    choices: tuple[str, ...] | None = None
    """String and list parameters: the only values allowed (each item, for a list)."""


@dataclass(frozen=True)
class Rule:
    """A validated rule, loaded from one YAML file under ``rules/``."""

    id: str
    slug: str
    title: str
    severity: Severity
    resource_types: tuple[str, ...]
    """Canonical ARM types the rule judges."""
    description: str
    rationale: str
    remediation: Remediation
    references: tuple[str, ...]
    controls: Mapping[str, tuple[str, ...]]
    """Control mappings, e.g. ``{"mcsb": ("IM-1",), "azure_policy": ("71ef...",)}``."""
    condition: Mapping[str, Any] | None
    """Declarative condition that holds for a compliant resource (exclusive with predicate)."""
    predicate: str | None
    """Name of a Python predicate in :mod:`auditor.engine.predicates`."""
    applies_when: Mapping[str, Any] | None
    """Declarative filter; a resource for which it is false is ``not_applicable``."""
    missing: Status
    """What a field the condition needs but cannot find means: pass, fail or unknown."""
    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    """The parameters the rule declares, by name."""
    messages: Mapping[str, str] = field(default_factory=dict)
    """Message templates per status (``fail``, ``pass``, ...); ``{name}`` and ``{type}`` expand."""
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    equivalents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """The same check in other tools (psrule, checkov, defender), for users migrating."""
    requires: tuple[str, ...] = ()
    """Data kinds (see :data:`DATA_KINDS`) only a live scan or snapshot has, e.g.
    ``activity_log``: resources read from templates are ``not_applicable`` for such rules."""
    path: str | None = None
    """The rule file it was loaded from."""
    default_enabled: bool = True
    """False for opt-in rules: they run only when ``--select`` names them (id, slug, alias)."""
    since: str | None = None
    """The release that introduced the rule (``0.1.0``); every bundled rule gives it."""
    changed: str | None = None
    """The release in which the rule's meaning last changed, when it has since ``since``."""


@dataclass(frozen=True, slots=True)
class Result:
    """One rule evaluated on one resource."""

    rule: Rule
    resource: Resource
    status: Status
    severity: Severity
    """The rule's severity, or a narrower one the predicate chose for this resource."""
    message: str
    evidence: Mapping[str, Any]
    """The fields and values that decided the outcome (never a secret value)."""
    reason: str | None = None
    """Why the result is ``unknown`` or ``not_applicable``."""
    suppression: Mapping[str, Any] | None = None
    baseline: str | None = None
    """``new`` or ``existing`` when compared with a baseline report, else None."""
