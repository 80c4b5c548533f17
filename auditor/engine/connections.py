"""Predicates of the AI Foundry connection rules (AIS015, AIS016) and of the account rules that
read what hangs under an account (AIS017 agent network, AIS018 Defender for AI).

Connections: the credential kind (``authType``) is all that is kept, never the credential; the
rules' ``applies_when`` keeps them to the kinds that store one. ``isSharedToAll`` and
``expiryTime`` have no default in the spec, and azurerm's connection resources cannot set
either. A connection created without ``expiryTime`` has none, whatever wrote it, so a missing
one fails everywhere; what ``isSharedToAll`` becomes when unset is not stated, so a template
that leaves it unset is judged on live data only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from auditor import arm
from auditor.engine.coverage import not_collected
from auditor.engine.outcome import EvalContext, Outcome, Predicate
from auditor.engine.reading import Reads
from auditor.fields import Found, Missing
from auditor.inventory import Inventory
from auditor.model import Resource, Status
from auditor.timeutil import iso, parse_timestamp

_SHARED = "properties.isSharedToAll"
_EXPIRY = "properties.expiryTime"


def _template_leaves_unset(resource: Resource, path: str) -> Outcome | None:
    """Not applicable for a template record without ``path``: what Azure then holds is seen live."""
    if not resource.source.kind.declared:
        return None
    reason = (
        f"the template does not set {path} (azurerm connection resources cannot): "
        "judged on live data only"
    )
    return Outcome(Status.NOT_APPLICABLE, reason, {path: "<missing>"}, reason=reason)


def connection_shared_to_all(resource: Resource, ctx: EvalContext) -> Outcome:
    """A connection that stores a credential and is shared with every user of its scope."""
    reads = Reads.of(resource)
    shared = reads.get(_SHARED)
    evidence: dict[str, Any] = {
        "properties.authType": reads.shown("properties.authType").evidence,
        _SHARED: shared.evidence,
    }
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if isinstance(shared, Missing):
        if (unset := _template_leaves_unset(resource, _SHARED)) is not None:
            return unset
        reason = f"{_SHARED} missing: the spec gives it no default"
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    assert isinstance(shared, Found)
    if shared.value is True:
        return Outcome(
            Status.FAIL,
            f"connection {resource.name} stores a credential "
            f"({evidence['properties.authType']}) and is shared to all: every user of its scope "
            "acts as that credential",
            evidence,
        )
    users = reads.shown("properties.sharedUserList")
    if isinstance(users, Found):
        evidence["properties.sharedUserList"] = f"{len(users.value)} user(s)"
    return Outcome(Status.PASS, "the credential is not shared to all users", evidence)


def connection_credential_expiry(resource: Resource, ctx: EvalContext) -> Outcome:
    """A stored credential with no expiry, or one that has passed (or passes within N days)."""
    days = int(ctx.parameters["min_days_left"])
    reads = Reads.of(resource)
    expiry_read = reads.get(_EXPIRY)
    evidence: dict[str, Any] = {
        "properties.authType": reads.shown("properties.authType").evidence,
        _EXPIRY: expiry_read.evidence,
        "as_of": iso(ctx.as_of),
        "min_days_left": days,
    }
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if isinstance(expiry_read, Missing):
        return Outcome(
            Status.FAIL,
            f"connection {resource.name} stores a credential with no expiryTime",
            evidence,
        )
    expiry = parse_timestamp(str(expiry_read.evidence))
    if (
        expiry is None
    ):  # the reader keeps any string for a date-time; an unparsable one judges nothing
        reason = f"{_EXPIRY} = {expiry_read.evidence!r} is not a timestamp"
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    if expiry <= ctx.as_of:
        return Outcome(
            Status.FAIL,
            f"connection {resource.name}'s credential expired at {iso(expiry)}: "
            "rotate it or delete the connection",
            evidence,
        )
    left = expiry - ctx.as_of
    if left < dt.timedelta(days=days):
        return Outcome(
            Status.FAIL,
            f"connection {resource.name}'s credential expires at {iso(expiry)}, within {days} days",
            evidence,
        )
    return Outcome(Status.PASS, f"the credential expires at {iso(expiry)}", evidence)


def _children(inventory: Inventory, arm_type: str, account: Resource) -> list[Resource]:
    """Resources of ``arm_type`` directly under ``account``."""
    return sorted(
        (r for r in inventory.of_type(arm_type) if r.parent_key == account.key),
        key=lambda r: r.key,
    )


def _project_children(inventory: Inventory, arm_type: str, account: Resource) -> list[Resource]:
    """Resources of ``arm_type`` under one of ``account``'s projects (listed or not)."""
    prefix = f"{account.key}/projects/"
    return sorted(
        (
            r
            for r in inventory.of_type(arm_type)
            if r.parent_key
            and r.parent_key.startswith(prefix)
            and "/" not in r.parent_key[len(prefix) :]
        ),
        key=lambda r: r.key,
    )


def _not_collected(
    ctx: EvalContext, kind: str, arm_types: tuple[str, ...], account: Resource
) -> Outcome | None:
    """Unknown when ``kind`` was neither collected nor seen for the account's subscription."""
    if account.source.kind.declared:
        return None  # a template declares its children with the account, or none
    return not_collected(ctx.inventory, kind, account.subscription_id, arm_types)


def agent_network_not_isolated(resource: Resource, ctx: EvalContext) -> Outcome:
    """An account that disables public access while its agents run on Microsoft's network."""
    reads = Reads.of(resource)
    public = reads.value("properties.publicNetworkAccess")
    injections = reads.elements("properties.networkInjections") or []
    agent_subnets = []
    managed = []
    for injection in injections:
        if str(injection.value("scenario") or "").lower() != "agent":
            continue
        subnet = injection.value("subnetArmId")
        if injection.value("useMicrosoftManagedNetwork") is True:
            managed.append(subnet or "<missing>")
        elif subnet:
            agent_subnets.append(subnet)
    evidence: dict[str, Any] = {
        "properties.publicNetworkAccess": public or "<missing>",
        "agent_subnets": agent_subnets,
    }
    if managed:
        evidence["microsoft_managed_injections"] = managed
    if str(public or "").lower() != "disabled":
        if (stop := reads.unknown(evidence)) is not None:
            return stop
        reason = f"properties.publicNetworkAccess = {public or '<missing>'}: not disabled"
        return Outcome(Status.NOT_APPLICABLE, reason, evidence, reason=reason)
    if agent_subnets:
        # A customer subnet for agents is isolation whatever the capability hosts say.
        return Outcome(Status.PASS, f"agents are injected into {agent_subnets[0]}", evidence)
    account_hosts = _children(ctx.inventory, arm.AI_CAPABILITY_HOST, resource)
    project_hosts = _project_children(ctx.inventory, arm.AI_PROJECT_CAPABILITY_HOST, resource)
    subnets: dict[str, Any] = {}
    for host in account_hosts + project_hosts:
        host_reads = Reads.of(host, label=f"capabilityHosts[{host.name}].", into=reads)
        host_reads.value("properties.capabilityHostKind")  # only `Agents` exists; off-enum: unknown
        subnets[host.key] = host_reads.value("properties.customerSubnet")
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if not account_hosts and not project_hosts:
        kinds = (arm.AI_CAPABILITY_HOST, arm.AI_PROJECT_CAPABILITY_HOST)
        if (stop := _not_collected(ctx, "capability_hosts", kinds, resource)) is not None:
            return stop
        reason = "the account has no agent capability host (no agents)"
        return Outcome(Status.NOT_APPLICABLE, reason, evidence, reason=reason)
    # Project hosts have no subnet of their own at 2026-03-01: they run where the account's do.
    account_isolated = bool(account_hosts) and all(subnets[h.key] for h in account_hosts)
    exposed = [h for h in account_hosts if not subnets[h.key]]
    if not account_isolated:
        exposed += [h for h in project_hosts if not subnets[h.key]]
    evidence["capability_hosts"] = [
        {"name": h.name, "properties.customerSubnet": subnets[h.key] or "<missing>"}
        for h in account_hosts + project_hosts
    ]
    if not exposed:
        return Outcome(Status.PASS, "every agent capability host has a customer subnet", evidence)
    names = ", ".join(h.name for h in exposed)
    how = (
        "its networkInjections agent entry uses the Microsoft-managed network"
        if managed
        else "no networkInjections agent subnet"
    )
    return Outcome(
        Status.FAIL,
        f"public network access is disabled but agent capability host(s) {names} have no "
        f"customer subnet and {how}: agents run on the Microsoft-managed network",
        evidence,
    )


def defender_for_ai_disabled(resource: Resource, ctx: EvalContext) -> Outcome:
    """An account whose Defender for AI setting is explicitly ``Disabled``."""
    settings = _children(ctx.inventory, arm.DEFENDER_AI_SETTING, resource)
    reads = Reads.of(resource)
    states = {
        s.name: Reads.of(s, label=f"defenderForAISettings[{s.name}].", into=reads).value(
            "properties.state"
        )
        for s in settings
    }
    evidence: dict[str, Any] = {
        "defenderForAISettings": {name: state or "<missing>" for name, state in states.items()}
    }
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    disabled = sorted(n for n, s in states.items() if str(s or "").lower() == "disabled")
    if disabled:
        return Outcome(
            Status.FAIL,
            f"Defender for AI is disabled on the account (setting {', '.join(disabled)}): "
            "no threat detection for its prompts and completions",
            evidence,
        )
    enabled = sorted(n for n, s in states.items() if str(s or "").lower() == "enabled")
    if enabled:
        return Outcome(Status.PASS, f"Defender for AI is enabled ({', '.join(enabled)})", evidence)
    if settings:
        missing = ", ".join(f"defenderForAISettings[{n}].properties.state" for n in sorted(states))
        reason = f"field(s) missing: {missing}"
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    if stop := _not_collected(ctx, "defender_ai_settings", (arm.DEFENDER_AI_SETTING,), resource):
        return stop
    reason = (
        "no per-account Defender for AI setting: the account follows its subscription's "
        "Defender for AI plan"
    )
    return Outcome(Status.NOT_APPLICABLE, reason, evidence, reason=reason)


PREDICATES: Mapping[str, Predicate] = {
    "connection_shared_to_all": connection_shared_to_all,
    "connection_credential_expiry": connection_credential_expiry,
    "agent_network_not_isolated": agent_network_not_isolated,
    "defender_for_ai_disabled": defender_for_ai_disabled,
}
"""The connection and account-children predicates, merged into
:data:`auditor.engine.predicates.PREDICATES`."""
