"""Named Python checks for what the declarative operators cannot express.

Rule files name a predicate (``predicate: keys_not_rotated``); the registry at the bottom is
the only way in. A predicate reads the inventory, never SDK objects or HTTP, and returns one
:class:`Outcome` for one resource.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from auditor import arm
from auditor.engine import (
    access,
    connections,
    dependencies,
    deployments,
    diagnostics,
    roles,
    workloads,
)
from auditor.engine import guard as guard_rails
from auditor.engine.grants import grant_of, role_name
from auditor.engine.outcome import EvalContext, Outcome, Predicate
from auditor.engine.reading import Reads
from auditor.fields import UNTYPED, Problem
from auditor.intake import ENV_PATHS
from auditor.inventory import Inventory
from auditor.model import Resource, Severity, Status
from auditor.roles import BUILT_IN_NAMES
from auditor.secrets import classify
from auditor.timeutil import iso, parse_timestamp

ACTIVITY_LOG_RETENTION_DAYS = 90


def keys_not_rotated(resource: Resource, ctx: EvalContext) -> Outcome:
    """Key auth in use and no successful key regeneration within the allowed age."""
    max_age = int(ctx.parameters["key_max_age_days"])
    operation = str(ctx.parameters["operation"]).lower()
    cutoff = ctx.as_of - dt.timedelta(days=max_age)
    reads = Reads.of(resource)
    created_path = "systemData.createdAt"
    created_text = reads.value(created_path)
    if created_text is None and reads.declares("properties.dateCreated"):
        created_path = "properties.dateCreated"
        created_text = reads.value(created_path)
    created = parse_timestamp(created_text)
    evidence: dict[str, Any] = {
        "key_max_age_days": max_age,
        "as_of": iso(ctx.as_of),
        "created_at": iso(created) if created else "<missing>",
        "operation": ctx.parameters["operation"],
    }
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if created is not None and created > ctx.as_of:
        # Evidence from after the moment judged (a year-9999 createdAt, an --as-of before it):
        # "created -N days ago" must not pass.
        reason = f"{created_path} = {iso(created)} is after the moment judged ({iso(ctx.as_of)})"
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    if created is not None and created > cutoff:
        return Outcome(
            Status.PASS,
            f"created {(ctx.as_of - created).days} days ago, within {max_age}",
            evidence,
        )
    rotations = sorted(
        (
            e.timestamp
            for e in ctx.inventory.events_for(resource.key)
            if e.operation.lower() == operation
            and e.status.lower() == "succeeded"
            and e.timestamp <= ctx.as_of
        ),
        reverse=True,
    )
    if rotations:
        evidence["last_rotation"] = iso(rotations[0])
        if rotations[0] >= cutoff:
            return Outcome(
                Status.PASS,
                f"keys regenerated {iso(rotations[0])}, within {max_age} days",
                evidence,
            )
    if not ctx.inventory.has_data("activity_log", resource.subscription_id):
        error = ctx.inventory.error_for("activity_log", resource.subscription_id)
        reason = f"no Activity Log data was collected for subscription {resource.subscription_id}"
        if error is not None:
            reason += f" ({error.message})"
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    if max_age > ACTIVITY_LOG_RETENTION_DAYS and not rotations:
        reason = (
            f"the Activity Log keeps {ACTIVITY_LOG_RETENTION_DAYS} days, so a rotation within "
            f"{max_age} days cannot be ruled out"
        )
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    return Outcome(
        Status.FAIL,
        f"no successful key regeneration in the last {max_age} days while key auth is enabled",
        evidence,
    )


def compute_region_mismatch(resource: Resource, ctx: EvalContext) -> Outcome:
    """A compute whose region differs from its workspace's region."""
    workspace = ctx.inventory.parent(resource)
    reads = Reads.of(resource)
    compute_location = reads.value("properties.computeLocation")
    reads.value("location")  # resource.location is its normalised form
    compute_region = arm.normalise_region(compute_location) or resource.location
    evidence: dict[str, Any] = {
        "properties.computeLocation": compute_location or "<missing>",
        "location": resource.location or "<missing>",
    }
    if workspace is not None:
        # workspace.location is its normalised form, read for its type
        Reads.of(workspace, label="workspace.", into=reads).value("location")
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if workspace is None:
        reason = f"its workspace {resource.parent_key} is not in the inventory"
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    evidence["workspace.location"] = workspace.location or "<missing>"
    if compute_region is None or workspace.location is None:
        lacking = [] if compute_region else ["properties.computeLocation", "location"]
        lacking += [] if workspace.location else ["workspace.location"]
        reason = f"field(s) missing: {', '.join(lacking)}"
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    if compute_region == workspace.location:
        return Outcome(Status.PASS, f"compute and workspace are both in {compute_region}", evidence)
    return Outcome(
        Status.FAIL,
        f"compute is in {compute_region} but its workspace {workspace.name} is in "
        f"{workspace.location}: token auth and the control plane depend on the workspace region",
        evidence,
    )


def _web_service_auth(resource: Resource) -> tuple[Reads, str, bool, bool, dict[str, Any]]:
    """(reads, computeType, key auth on, token auth requested, evidence), documented defaults."""
    reads = Reads.of(resource)
    compute_raw = reads.value("properties.computeType")
    compute_type = str(compute_raw or "").upper()
    key_raw = reads.value("properties.authEnabled")
    # Defaults from the v1 docs: AKS has key auth on, ACI has it off.
    key_auth = key_raw is True if key_raw is not None else compute_type == "AKS"
    token_fields = {
        k: reads.value(f"properties.{k}") for k in ("aadAuthEnabled", "tokenAuthEnabled")
    }
    token_auth = any(v is True for v in token_fields.values())
    evidence: dict[str, Any] = {
        "properties.computeType": compute_raw or "<missing>",
        "properties.authEnabled": key_raw
        if key_raw is not None
        else f"<missing> (default for {compute_type or 'unknown'}: {str(key_auth).lower()})",
    }
    for name, value in token_fields.items():
        evidence[f"properties.{name}"] = (
            value if value is not None else "<missing> (default: false)"
        )
    return reads, compute_type, key_auth, token_auth, evidence


def aci_token_auth(resource: Resource, ctx: EvalContext) -> Outcome:
    """An ACI web service that asks for token auth, which ACI does not support."""
    reads, _, key_auth, token_auth, evidence = _web_service_auth(resource)
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if not token_auth:
        return Outcome(Status.PASS, "token auth is not requested", evidence)
    if key_auth:
        return Outcome(
            Status.FAIL,
            "token auth is requested but ACI does not support it; only key auth protects it",
            evidence,
            severity=Severity.MEDIUM,
        )
    return Outcome(
        Status.FAIL,
        "token auth is requested but ACI does not support it, and key auth is off: "
        "the service answers anyone",
        evidence,
        severity=Severity.HIGH,
    )


def web_service_no_auth(resource: Resource, ctx: EvalContext) -> Outcome:
    """A v1 web service that accepts unauthenticated calls."""
    reads, compute_type, key_auth, token_auth, evidence = _web_service_auth(resource)
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if not compute_type:  # ACI and AKS have different defaults: nothing can be judged
        reason = "properties.computeType missing: ACI and AKS default differently"
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    effective_token = token_auth and compute_type == "AKS"  # ACI ignores token auth
    if key_auth or effective_token:
        which = "key" if key_auth else "token"
        return Outcome(Status.PASS, f"{which} authentication is enabled", evidence)
    extra = " (token auth is requested but ACI does not support it)" if token_auth else ""
    return Outcome(
        Status.FAIL,
        f"neither key nor token authentication is enabled: anyone can call it{extra}",
        evidence,
    )


def plaintext_secrets(resource: Resource, ctx: EvalContext) -> Outcome:
    """Environment variables whose name or value looks like a secret. Names only."""
    dotted = ".".join(ENV_PATHS[resource.type])
    reads = Reads.of(resource)
    variables = reads.value(dotted)
    if (stop := reads.unknown({})) is not None:
        return stop
    if not variables:
        return Outcome(Status.PASS, "no environment variables", {dotted: "<none>"})
    found = {
        str(name): reason
        for name, value in variables.items()
        if (reason := classify(str(name), value)) is not None
    }
    evidence: dict[str, Any] = {"variables_checked": len(variables)}
    if not found:
        return Outcome(
            Status.PASS, f"none of {len(variables)} variables looks like a secret", evidence
        )
    evidence["secret_variables"] = [
        {"name": n, "reason": r, "where": dotted} for n, r in found.items()
    ]
    names = ", ".join(sorted(found))
    return Outcome(
        Status.FAIL,
        f"plain-text secret in environment variable(s) {names}: use Key Vault or secret injection",
        evidence,
    )


def reached_resources(inventory: Inventory, scope: str) -> list[Resource]:
    """AI/ML resources an assignment at ``scope`` reaches."""
    level = arm.scope_level(scope)
    if level == "root":
        return inventory.ai_ml_resources()
    if level == "management_group":
        subs = inventory.subscriptions_under(scope)
        return [r for r in inventory.ai_ml_resources() if subs is None or r.subscription_id in subs]
    return inventory.ai_ml_resources_under(arm.normalise_id(scope))


def _wildcard_actions(permissions: access.Permissions, patterns: frozenset[str]) -> list[str]:
    return [a for actions, _ in permissions.blocks for a in actions if a.lower() in patterns]


def broad_role_on_ai_scope(resource: Resource, ctx: EvalContext) -> Outcome:
    """A broad role assigned at a scope that reaches AI/ML resources."""
    grant = grant_of(resource, ctx.inventory)
    guid, scope = grant.role_guid, grant.scope
    evidence: dict[str, Any] = {
        "principal_id": grant.principal_id,
        "principal_type": grant.principal_type,
        "role_definition_id": guid or "<missing>",
        "scope": scope,
        "scope_level": arm.scope_level(scope),
    }
    scope_problems = [p for p in grant.problems if p.path.endswith("properties.scope")]
    if scope_problems:  # where it applies is not known: neither is what it reaches
        return _unknown_grant(scope_problems, evidence)
    reached = reached_resources(ctx.inventory, scope)
    level = arm.scope_level(scope)
    if not reached:
        reason = "its scope reaches no audited AI/ML resource"
        return Outcome(Status.NOT_APPLICABLE, reason, evidence, reason=reason)
    if grant.problems:
        return _unknown_grant(list(grant.problems), evidence)
    definition = ctx.inventory.role_definition(guid) if guid else None
    role_name = grant.role_name if grant.role_name != "<missing>" else guid
    evidence["role"] = role_name
    broad = guid in roles.BROAD_BUILT_INS
    if not broad and definition is not None:
        permissions = access.permissions_of(definition)
        wildcard = _wildcard_actions(permissions, frozenset({"*"}))
        if wildcard:
            broad = True
            evidence["role_actions"] = wildcard
        elif (stop := permissions.reads.unknown(evidence)) is not None:
            return stop
    elif not broad and guid not in BUILT_IN_NAMES:
        reason = (
            f"role definition {guid or '<missing>'} is not a known built-in role "
            "and was not collected"
        )
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    if not broad:
        return Outcome(Status.PASS, f"{role_name} is not a broad role", evidence)
    evidence["reaches_count"] = len(reached)
    evidence["reaches"] = sorted(r.id for r in reached)[:25]
    severity = (
        Severity.HIGH if level in ("root", "management_group", "subscription") else Severity.MEDIUM
    )
    return Outcome(
        Status.FAIL,
        f"{grant.principal_type} {grant.principal_id} holds {role_name} at "
        f"{level.replace('_', ' ')} scope {scope}, reaching {len(reached)} AI/ML resource(s)",
        evidence,
        severity=severity,
    )


def custom_role_wildcard(resource: Resource, ctx: EvalContext) -> Outcome:
    """A custom role whose actions include a wildcard over everything or an AI/ML provider."""
    patterns = frozenset(str(p).lower() for p in ctx.parameters["wildcards"])
    permissions = access.permissions_of(resource)
    hits = _wildcard_actions(permissions, patterns)
    name = role_name(resource) or resource.name
    evidence: dict[str, Any] = {"role_name": name, "wildcard_actions": hits}
    if not permissions.present:
        reason = "the role definition has no properties.permissions"
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    if not hits and (stop := permissions.reads.unknown(evidence)) is not None:
        return stop
    if not hits:
        return Outcome(Status.PASS, "no wildcard actions", evidence)
    return Outcome(
        Status.FAIL,
        f"custom role {name} grants {', '.join(hits)}: list the actions it needs",
        evidence,
    )


def _unknown_grant(problems: list[Problem], evidence: dict[str, Any]) -> Outcome:
    """The unknown outcome of an assignment whose own values cannot be judged."""
    reads = Reads({}, UNTYPED)
    reads.problems += problems
    outcome = reads.unknown(evidence)
    assert outcome is not None
    return outcome


PREDICATES: Mapping[str, Predicate] = {
    "keys_not_rotated": keys_not_rotated,
    "compute_region_mismatch": compute_region_mismatch,
    "aci_token_auth": aci_token_auth,
    "web_service_no_auth": web_service_no_auth,
    "plaintext_secrets": plaintext_secrets,
    "broad_role_on_ai_scope": broad_role_on_ai_scope,
    "custom_role_wildcard": custom_role_wildcard,
    **access.PREDICATES,
    **workloads.PREDICATES,
    **connections.PREDICATES,
    **deployments.PREDICATES,
    **guard_rails.PREDICATES,
    **diagnostics.PREDICATES,
    **dependencies.PREDICATES,
}
"""Every predicate a rule file may name. Adding one here is the only way to add one."""
