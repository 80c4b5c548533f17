"""Predicates of the guard-rail rules: the subscription's Defender for AI services plan (AIS020)
and a managed network's broad outbound rules (AML038). AIS021 (a perimeter in Learning or Audit
mode) is a declarative rule.

The plan is the ``Microsoft.Security/pricings`` record named ``AI`` at the subscription (policy
``c2c0c6d8`` reads the same). Outbound rules come inline in the workspace
(``properties.managedNetwork.outboundRules``, a map) and from the ``outboundRules`` list; a
rule's ``destination`` is a string for FQDN rules and an object for the others, so each is read
against the declaration of its own kind.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from auditor import arm
from auditor.engine.coverage import not_collected
from auditor.engine.outcome import EvalContext, Outcome, Predicate
from auditor.engine.reading import Reads
from auditor.fields import Found, Missing
from auditor.fields.guard import OUTBOUND_RULE_KEPT, OUTBOUND_RULE_KINDS
from auditor.inventory import Inventory
from auditor.model import Resource, Status

AI_PLAN = "AI"
PROMPT_EVIDENCE = "AIPromptEvidence"
_PROTECTED_KINDS = frozenset({"aiservices", "openai"})
"""The account kinds Defender for AI services protects (Azure OpenAI and AI Foundry models)."""


def _protected_accounts(inventory: Inventory, sub: str) -> list[str]:
    return sorted(
        a.name
        for a in inventory.of_type(arm.AI_ACCOUNT)
        if a.subscription_id == sub and str(a.data.get("kind") or "").lower() in _PROTECTED_KINDS
    )


_PLAN_AT_SUBSCRIPTION = re.compile(
    rf"^/subscriptions/([^/]+)(?:/resourcegroups/[^/]+)?/providers/{arm.DEFENDER_PLAN}/{AI_PLAN}$",
    re.IGNORECASE,
)
"""The subscription's plan; an ARM template deployed to a resource group names it under the
group (the plan is the subscription's all the same). A plan under a resource is not it."""


def _ai_plan(inventory: Inventory, sub: str) -> Resource | None:
    for plan in inventory.of_type(arm.DEFENDER_PLAN):
        match = _PLAN_AT_SUBSCRIPTION.match(plan.key)
        if match and match.group(1).lower() == sub.lower():
            return plan
    return None


def defender_plan_off(resource: Resource, ctx: EvalContext) -> Outcome:
    """AIS020: a subscription holding AI accounts whose ``AI`` Defender plan is not Standard
    (and, when ``require_prompt_evidence``, whose ``AIPromptEvidence`` extension is off)."""
    sub = resource.subscription_id or ""
    accounts = _protected_accounts(ctx.inventory, sub)
    if not accounts:
        reason = "the subscription holds no AIServices or OpenAI account"
        return Outcome(Status.NOT_APPLICABLE, reason, {}, reason=reason)
    evidence: dict[str, Any] = {"ai_accounts": len(accounts)}
    plan = _ai_plan(ctx.inventory, sub)
    if plan is None:
        if resource.source.kind.declared:
            reason = (
                "the template does not declare the subscription's AI Defender plan: "
                "judged on live data only"
            )
            return Outcome(Status.NOT_APPLICABLE, reason, evidence, reason=reason)
        if stop := not_collected(ctx.inventory, "defender_plans", sub, (arm.DEFENDER_PLAN,)):
            return Outcome(stop.status, stop.message, evidence, reason=stop.reason)
        reason = (
            f"pricings[{AI_PLAN}].properties.pricingTier missing: the subscription's Defender "
            f"pricing list has no {AI_PLAN} plan"
        )
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    reads = Reads.of(plan, label="pricings[AI].")
    tier = reads.get("properties.pricingTier")
    evidence["pricings[AI].properties.pricingTier"] = tier.evidence
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if isinstance(tier, Missing):
        reason = "field(s) missing: pricings[AI].properties.pricingTier (required by the spec)"
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    assert isinstance(tier, Found)
    if str(tier.value).lower() != "standard":
        return Outcome(
            Status.FAIL,
            f"the Defender for AI services plan is {tier.value} on a subscription holding "
            f"{len(accounts)} AI account(s): no threat detection for their prompts",
            evidence,
        )
    if not ctx.parameters["require_prompt_evidence"]:
        return Outcome(Status.PASS, "the Defender for AI services plan is Standard", evidence)
    return _prompt_evidence(reads, evidence)


def _prompt_evidence(reads: Reads, evidence: dict[str, Any]) -> Outcome:
    extensions = reads.elements("properties.extensions")
    states: dict[str, Any] = {}
    for extension in extensions or []:
        name = extension.value("name")
        if isinstance(name, str) and name.lower() == PROMPT_EVIDENCE.lower():
            states[name] = extension.get("isEnabled")
    evidence["extensions"] = {n: s.evidence for n, s in states.items()}
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if extensions is None:
        reason = "field(s) missing: pricings[AI].properties.extensions"
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    values = [str(s.value).lower() for s in states.values() if isinstance(s, Found)]
    if "true" in values:
        return Outcome(
            Status.PASS, f"the plan is Standard with {PROMPT_EVIDENCE} enabled", evidence
        )
    if states and not values:
        path = f"pricings[AI].properties.extensions[{PROMPT_EVIDENCE}].isEnabled"
        reason = f"field(s) missing: {path}"
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    return Outcome(
        Status.FAIL,
        f"the plan is Standard but its {PROMPT_EVIDENCE} extension is off: alerts carry no "
        "prompt evidence",
        evidence,
    )


def _rule_reads(data: Any, label: str, into: Reads) -> Reads | None:
    """Reads of one outbound rule against its own kind's declaration; None for a private
    endpoint rule (no destination to judge) or a rule whose kind cannot be told (its ``type``
    read and remembered when invalid)."""
    kept = Reads(data, OUTBOUND_RULE_KEPT, label, into.problems)
    kind = kept.value("type")
    declaration = OUTBOUND_RULE_KINDS.get(kind.lower()) if isinstance(kind, str) else None
    if declaration is None or kind.lower() == "privateendpoint":
        return None
    return Reads(data, declaration, label, into.problems)


def _outbound_rules(
    resource: Resource, ctx: EvalContext, reads: Reads
) -> tuple[dict[str, Reads], list[str]]:
    """Every FQDN and service-tag rule of the workspace, inline and listed, once by name; and
    the rules without a ``type``."""
    found: dict[str, tuple[str, Reads]] = {}
    untyped: dict[str, str] = {}
    sources: list[tuple[str, Any, str]] = []
    inline = reads.get("properties.managedNetwork.outboundRules")
    if isinstance(inline, Found):
        for name, data in sorted(inline.value.items()):
            sources.append((name, data, f"properties.managedNetwork.outboundRules[{name}]."))
    for listed in ctx.inventory.of_type(arm.OUTBOUND_RULE):
        if listed.parent_key == resource.key:
            data = listed.data.get("properties")
            sources.append((listed.name, data, f"outboundRules[{listed.name}].properties."))
    for name, data, label in sources:
        judged = _rule_reads(data if isinstance(data, dict) else {}, label, reads)
        if judged is not None:
            found[name.lower()] = (name, judged)
            untyped.pop(name.lower(), None)
        elif name.lower() not in found and (not isinstance(data, dict) or data.get("type") is None):
            untyped[name.lower()] = f"{label}type"
    return {found[k][0]: found[k][1] for k in sorted(found)}, sorted(untyped.values())


def _broad(rule: Reads, fqdns: frozenset[str], tags: frozenset[str]) -> str | None:
    """What makes a user-defined rule broad, or None. A rule without ``category`` was written by
    someone (Microsoft's own always carry one), so it is judged as the user's."""
    category = rule.value("category")
    if isinstance(category, str) and category.lower() != "userdefined":
        return None  # added by Microsoft (Required, Recommended, Dependency)
    if str(rule.value("type")).lower() == "fqdn":
        destination = rule.value("destination")
        if isinstance(destination, str) and destination.strip().lower() in fqdns:
            return f"FQDN {destination}"
        return None
    if str(rule.value("destination.action") or "allow").lower() == "deny":
        return None
    prefixes = rule.strings("destination.addressPrefixes")
    if any(p.strip() in ("0.0.0.0/0", "::/0") for p in prefixes):
        return f"address prefixes {', '.join(prefixes)}"
    tag = rule.value("destination.serviceTag")
    if not prefixes and isinstance(tag, str) and tag.strip().lower() in tags:
        return f"service tag {tag}"
    return None


def managed_network_broad_outbound_rule(resource: Resource, ctx: EvalContext) -> Outcome:
    """AML038: a user-defined outbound rule of a workspace's managed network that admits a whole
    service (a wildcard FQDN over it, or a global service tag)."""
    reads = Reads.of(resource)
    mode = reads.value("properties.managedNetwork.isolationMode")
    evidence: dict[str, Any] = {"properties.managedNetwork.isolationMode": mode or "<missing>"}
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if str(mode or "").lower() != "allowonlyapprovedoutbound":
        reason = (
            f"isolationMode = {mode or '<missing>'}: outbound traffic is not limited to rules "
            "(AML010 judges the mode)"
        )
        return Outcome(Status.NOT_APPLICABLE, reason, evidence, reason=reason)
    rules, untyped = _outbound_rules(resource, ctx, reads)
    inline = reads.shown("properties.managedNetwork.outboundRules")
    listed_only = not rules and not untyped and isinstance(inline, Missing)
    if listed_only and not resource.source.kind.declared:
        sub = resource.subscription_id or ""
        if stop := not_collected(ctx.inventory, "outbound_rules", sub, (arm.OUTBOUND_RULE,)):
            return Outcome(stop.status, stop.message, evidence, reason=stop.reason)
    fqdns = frozenset(str(f).strip().lower() for f in ctx.parameters["broad_fqdns"])
    tags = frozenset(str(t).strip().lower() for t in ctx.parameters["broad_service_tags"])
    broad = {name: why for name, rule in rules.items() if (why := _broad(rule, fqdns, tags))}
    evidence["outbound_rules_judged"] = sorted(rules)
    if broad:
        shown = "; ".join(f"{name} ({why})" for name, why in broad.items())
        evidence["broad_rules"] = broad
        return Outcome(
            Status.FAIL,
            f"user-defined outbound rule(s) admit a whole service: {shown}; any tenant's "
            "endpoint of it is an exfiltration path",
            evidence,
        )
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if untyped:
        reason = f"field(s) missing: {', '.join(untyped)}"
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    return Outcome(
        Status.PASS,
        f"{len(rules)} FQDN or service-tag rule(s), none over a whole service",
        evidence,
    )


PREDICATES: Mapping[str, Predicate] = {
    "defender_plan_off": defender_plan_off,
    "managed_network_broad_outbound_rule": managed_network_broad_outbound_rule,
}
"""The guard-rail predicates, merged into :data:`auditor.engine.predicates.PREDICATES`."""
