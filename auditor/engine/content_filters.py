"""The effective content filter of a model deployment (AIS009, AIS010).

A deployment names its content-filter (RAI) policy in ``properties.raiPolicyName``; the policy
is the ``accounts/raiPolicies`` record of the same account (``{account}/raiPolicies/{name}``,
any case) or, for a system policy the account does not list, the built-in table
``auditor/data/default-rai-policies.json`` (its sources cited there). A custom policy's filter
missing for a category comes from its ``basePolicyName`` when that resolves; a system policy
(``SystemManaged``, or the table) is complete, so a filter it lacks is absent. Only ``Prompt``
and ``Completion`` entries count (2026-03-01 agent guardrails, ``PreRun`` and the rest, and
``action`` are tolerated, not judged). Whatever cannot be told is said, naming the field or
the data kind that was not read: never a pass.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from auditor.engine.outcome import EvalContext
from auditor.engine.reading import Reads
from auditor.fields import Found
from auditor.model import Resource

SOURCES = ("prompt", "completion")
RAI_POLICIES = "rai_policies"
_BASE_DEPTH = 4
"""How many ``basePolicyName`` hops are followed (a cycle stops there too)."""


def filter_key(name: str) -> str:
    """A filter name as compared: any case, spaces ignored (``Selfharm``, ``Indirect Attack``)."""
    return "".join(name.split()).lower()


@dataclass(frozen=True)
class Entry:
    """One filter of one source, as a policy gives it."""

    name: str
    source: str
    enabled: bool | None
    blocking: bool | None
    threshold: str | None
    """``low``, ``medium``, ``high`` (lower case), or None when absent."""
    where: str
    """The policy and the element it came from, for messages and evidence."""
    unconfirmed: str | None = None
    """Why the built-in table cannot say what this filter is."""


@dataclass
class Layer:
    """One policy of the chain: the deployment's, then its bases."""

    name: str
    where: str
    entries: dict[tuple[str, str], list[Entry]] = field(default_factory=dict)
    complete: bool = False
    """A system policy: a filter it lacks is absent, not inherited."""
    base: str | None = None


@dataclass(frozen=True)
class Lookup:
    """One filter of the effective policy: its entries (empty: absent), or why unknown."""

    entries: tuple[Entry, ...] = ()
    unknown: str | None = None


@cache
def _table() -> Mapping[str, Any]:
    text = resources.files("auditor").joinpath("data", "default-rai-policies.json").read_text()
    policies: Mapping[str, Any] = json.loads(text)["policies"]
    return {name.lower(): (name, policy) for name, policy in policies.items()}


def system_policy_names() -> tuple[str, ...]:
    """The system policies the built-in table defines."""
    return tuple(name for name, _ in _table().values())


def _table_layer(name: str) -> Layer | None:
    found = _table().get(name.lower())
    if found is None:
        return None
    canonical, policy = found
    layer = Layer(canonical, f"built-in {canonical} (auditor/data/default-rai-policies.json)")
    layer.complete = True
    for item in policy["contentFilters"]:
        entry = Entry(
            name=item["name"],
            source=item["source"].lower(),
            enabled=item.get("enabled"),
            blocking=item.get("blocking"),
            threshold=(item.get("severityThreshold") or "").lower() or None,
            where=layer.where,
            unconfirmed=item.get("unconfirmed"),
        )
        layer.entries.setdefault((filter_key(entry.name), entry.source), []).append(entry)
    return layer


def _record_layer(policy: Resource, reads: Reads) -> Layer:
    """A policy record's Prompt/Completion filters, read through ``reads``."""
    own = Reads.of(policy, into=reads)
    layer = Layer(policy.name, f"policy {policy.name}")
    kind = own.value("properties.type")
    layer.complete = str(kind or "").lower() == "systemmanaged"
    base = own.value("properties.basePolicyName")
    if isinstance(base, str) and base.strip() and base.lower() != policy.name.lower():
        layer.base = base.strip()
    for element in own.elements("properties.contentFilters") or []:
        name, source = element.get("name"), element.value("source")
        if not isinstance(name, Found) or str(source or "").lower() not in SOURCES:
            continue
        threshold = element.value("severityThreshold")
        entry = Entry(
            name=name.value,
            source=str(source).lower(),
            enabled=element.value("enabled"),
            blocking=element.value("blocking"),
            threshold=str(threshold).lower() if threshold is not None else None,
            where=f"policy {policy.name} {name.path.removesuffix('.name')}",
        )
        layer.entries.setdefault((filter_key(entry.name), entry.source), []).append(entry)
    return layer


class Effective:
    """The effective policy of one deployment, its layers read as they are needed."""

    def __init__(self, deployment: Resource, name: str, ctx: EvalContext, reads: Reads) -> None:
        self.deployment = deployment
        self.name = name
        self._ctx = ctx
        self._reads = reads
        self._layers: dict[str, Layer | str] = {}
        self.used: list[str] = []
        """Where each judged filter came from (evidence)."""

    def layer(self, name: str) -> Layer | str:
        """The policy called ``name`` in the deployment's account, or why it is not known."""
        if name.lower() not in self._layers:
            self._layers[name.lower()] = self._resolve(name)
        return self._layers[name.lower()]

    def _resolve(self, name: str) -> Layer | str:
        account = self.deployment.parent_key
        subscription = self.deployment.subscription_id
        inventory = self._ctx.inventory
        record = inventory.get(f"{account}/raiPolicies/{name}") if account else None
        if record is not None:
            return _record_layer(record, self._reads)
        table = _table_layer(name)
        if table is not None:
            return table
        if inventory.has_data(RAI_POLICIES, subscription):
            return f"RAI policy {name} of its account is not in the inventory"
        reason = (
            f"RAI policy {name} is not in the inventory: {RAI_POLICIES} were not collected "
            f"for subscription {subscription}"
        )
        error = inventory.error_for(RAI_POLICIES, subscription)
        return reason + (f" ({error.message})" if error is not None else "")

    def lookup(self, filter_name: str, source: str) -> Lookup:
        """The effective entries of one filter, following ``basePolicyName`` where the
        deployment's own policy lacks it."""
        key = (filter_key(filter_name), source.lower())
        shown = f"{filter_name} ({source.capitalize()})"
        name: str | None = self.name
        chain: list[str] = []
        for _ in range(_BASE_DEPTH):
            assert name is not None
            layer = self.layer(name)
            if isinstance(layer, str):
                if not chain:
                    return Lookup(unknown=layer)
                return Lookup(unknown=f"{chain[-1]} lacks filters and its base policy: {layer}")
            entries = layer.entries.get(key)
            if entries:
                self.used.append(f"{shown}: {entries[0].where}")
                return Lookup(entries=tuple(entries))
            chain.append(layer.where)
            if layer.complete:
                return Lookup()
            if layer.base is None:
                return Lookup(
                    unknown=f"{layer.where} lacks these filters and has no base policy to "
                    "inherit them from: properties.basePolicyName missing"
                )
            name = layer.base
        return Lookup(
            unknown=f"{' -> '.join(chain)}: properties.basePolicyName = {name} nests too deep"
        )


def effective(deployment: Resource, ctx: EvalContext, reads: Reads) -> Effective | str:
    """The deployment's effective policy, or why it cannot be told: no policy named, or the
    named one not found (an unresolved or invalid ``raiPolicyName`` is left in ``reads`` for
    the caller's :meth:`Reads.unknown`)."""
    name = reads.value("properties.raiPolicyName")
    if reads.problems:
        return "raiPolicyName unreadable"
    if not isinstance(name, str) or not name.strip():
        return (
            "properties.raiPolicyName missing: the deployment runs under its account's default "
            "content filter, which ARM does not name"
        )
    policy = Effective(deployment, name.strip(), ctx, reads)
    root = policy.layer(policy.name)
    return root if isinstance(root, str) else policy
