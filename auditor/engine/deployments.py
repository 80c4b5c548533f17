"""Model deployment checks (AIS009-AIS012): content filters, prompt shields, approved models
and where prompts are processed. The effective content filter is
:mod:`auditor.engine.content_filters`'; every field is read through :mod:`auditor.engine.reading`.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

from auditor import arm
from auditor.engine import content_filters
from auditor.engine.content_filters import Effective, Entry
from auditor.engine.outcome import EvalContext, Outcome, Predicate
from auditor.engine.reading import Reads
from auditor.model import Resource, Status

HARM = ("Hate", "Sexual", "Violence", "Selfharm")
"""The harm categories, as the service spells them (``Selfharm``, lower-case h)."""
STRICTNESS = {"low": 0, "medium": 1, "high": 2}
"""``severityThreshold`` order: ``Low`` filters low and above (strictest), ``High`` only high."""
CAPABILITY_HOSTS = "capability_hosts"
_HOST_TYPES = (arm.AI_CAPABILITY_HOST, arm.AI_PROJECT_CAPABILITY_HOST)


def _entry_problems(entry: Entry, shown: str, threshold: str | None) -> tuple[list[str], list[str]]:
    """(failures, unknowns) of one filter entry; ``threshold`` is the least strict level
    allowed (harm categories), None for a prompt shield."""
    if entry.unconfirmed is not None:
        return [], [
            f"{shown}: the account's copy of {entry.where.split(' (')[0].removeprefix('built-in ')}"
            f" is not in the inventory and {entry.unconfirmed}"
        ]
    failures: list[str] = []
    unknowns: list[str] = []
    for attribute, word in (("enabled", "disabled"), ("blocking", "not blocking")):
        value = getattr(entry, attribute)
        if value is False:
            failures.append(f"{shown} {word} ({entry.where})")
            break
        if value is None:
            unknowns.append(f"{entry.where}.{attribute} missing")
    if threshold is not None:
        if entry.threshold is None:
            unknowns.append(f"{entry.where}.severityThreshold missing")
        elif STRICTNESS.get(entry.threshold, 3) > STRICTNESS[threshold]:
            failures.append(
                f"{shown} filters at {entry.threshold.capitalize()}, less strict than "
                f"{threshold.capitalize()} ({entry.where})"
            )
    return failures, unknowns


def _judge_filter(
    policy: Effective, name: str, source: str, threshold: str | None
) -> tuple[list[str], list[str]]:
    shown = f"{name} ({source})"
    found = policy.lookup(name, source)
    if found.unknown is not None:
        return [], [f"{found.unknown} [{shown}]"]
    if not found.entries:
        return [f"no {shown} filter in the effective policy {policy.name}"], []
    failures: list[str] = []
    unknowns: list[str] = []
    for entry in found.entries:
        failed, unknown = _entry_problems(entry, shown, threshold)
        failures += failed
        unknowns += unknown
    return failures, unknowns


def _verdict(
    reads: Reads,
    policy: Effective,
    failures: list[str],
    unknowns: list[str],
    evidence: dict[str, Any],
    passed: str,
) -> Outcome:
    evidence["filters_from"] = policy.used
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if failures:
        return Outcome(Status.FAIL, "; ".join(dict.fromkeys(failures)), evidence)
    if unknowns:
        reason = _grouped(unknowns)
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    return Outcome(Status.PASS, passed, evidence)


def _grouped(unknowns: list[str]) -> str:
    """Unknowns once each, the filters sharing a reason (``reason [filter]``) listed together."""
    filters: dict[str, list[str]] = {}
    for text in unknowns:
        reason, _, shown = text.partition(" [")
        filters.setdefault(reason, [])
        if shown:
            filters[reason].append(shown.removesuffix("]"))
    return "; ".join(
        f"{reason} ({', '.join(dict.fromkeys(names))})" if names else reason
        for reason, names in filters.items()
    )


def _start(resource: Resource, ctx: EvalContext) -> tuple[Reads, Effective | Outcome]:
    reads = Reads.of(resource)
    policy = content_filters.effective(resource, ctx, reads)
    named = reads.shown("properties.raiPolicyName")
    evidence: dict[str, Any] = {"properties.raiPolicyName": named.evidence}
    if (stop := reads.unknown(evidence)) is not None:
        return reads, stop
    if isinstance(policy, str):
        return reads, Outcome(Status.UNKNOWN, policy, evidence, reason=policy)
    return reads, policy


def content_filter_weak(resource: Resource, ctx: EvalContext) -> Outcome:
    """AIS009: a harm category of the effective content filter disabled, not blocking,
    absent, or filtering less strictly than ``severity_threshold``."""
    threshold = str(ctx.parameters["severity_threshold"]).lower()
    reads, policy = _start(resource, ctx)
    if isinstance(policy, Outcome):
        return policy
    failures: list[str] = []
    unknowns: list[str] = []
    for name in HARM:
        for source in ("Prompt", "Completion"):
            failed, unknown = _judge_filter(policy, name, source, threshold)
            failures += failed
            unknowns += unknown
    evidence: dict[str, Any] = {
        "properties.raiPolicyName": policy.name,
        "severity_threshold": threshold,
    }
    passed = (
        f"every harm category of {policy.name} is enabled and blocking, on prompts and "
        f"completions, at {threshold.capitalize()} or stricter"
    )
    return _verdict(reads, policy, failures, unknowns, evidence, passed)


def _has_agents(resource: Resource, ctx: EvalContext) -> bool | None:
    """Whether the deployment's account (or one of its projects) has a capability host;
    None when none is in the inventory and capability hosts were not collected."""
    account = resource.parent_key
    if account is None:
        return None
    hosts = [
        r
        for r in ctx.inventory.ai_ml_resources_under(account)
        if r.type in _HOST_TYPES and r.key.startswith(account + "/")
    ]
    if hosts:
        return True
    return False if ctx.inventory.has_data(CAPABILITY_HOSTS, resource.subscription_id) else None


def prompt_shield_off(resource: Resource, ctx: EvalContext) -> Outcome:
    """AIS010: the Jailbreak prompt shield disabled, not blocking or absent; Indirect Attack
    too where ``indirect_attack`` requires it (``agents``: accounts with capability hosts)."""
    mode = str(ctx.parameters["indirect_attack"])
    reads, policy = _start(resource, ctx)
    if isinstance(policy, Outcome):
        return policy
    failures, unknowns = _judge_filter(policy, "Jailbreak", "Prompt", None)
    required: bool | None = {"always": True, "never": False}.get(mode)
    if mode == "agents":
        required = _has_agents(resource, ctx)
    evidence: dict[str, Any] = {
        "properties.raiPolicyName": policy.name,
        "indirect_attack": mode,
        "indirect_attack_required": required if required is not None else "<unknown>",
    }
    if required is not False:
        failed, unknown = _judge_filter(policy, "Indirect Attack", "Prompt", None)
        if required is True:
            failures += failed
            unknowns += unknown
        elif failed or unknown:
            unknowns.append(
                f"{CAPABILITY_HOSTS} were not collected for subscription "
                f"{resource.subscription_id}: whether its account runs agents, which need "
                "Indirect Attack (Prompt), cannot be told"
            )
    shields = "Jailbreak and Indirect Attack" if required else "Jailbreak"
    passed = f"{shields} (Prompt) enabled and blocking in {policy.name}"
    return _verdict(reads, policy, failures, unknowns, evidence, passed)


def _matches(value: str, patterns: list[str]) -> bool:
    return any(fnmatchcase(value.lower(), str(p).lower()) for p in patterns)


def _model_matches(parts: list[str | None], patterns: list[str]) -> bool | None:
    """Whether ``format/name/version`` matches a ``format/name/version`` glob (missing
    segments of a pattern match anything); None when a missing value decides it."""
    verdict: bool | None = False
    for pattern in patterns:
        segments = [*str(pattern).split("/"), "*", "*", "*"][:3]
        states = [
            True
            if segment == "*"
            else (None if value is None else fnmatchcase(value.lower(), segment.lower()))
            for value, segment in zip(parts, segments, strict=True)
        ]
        if False in states:
            continue
        if None not in states:
            return True
        verdict = None
    return verdict


def _unknown(reason: str, evidence: Mapping[str, Any]) -> Outcome:
    return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)


def _registry_model(resource: Resource, ctx: EvalContext, path: str) -> Outcome:
    reads = Reads.of(resource)
    model = reads.value(path)
    evidence: dict[str, Any] = {path: model if model is not None else "<missing>"}
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if not isinstance(model, str) or not model.strip():
        return _unknown(f"{path} missing", evidence)
    if not model.lower().startswith("azureml://registries/"):
        reason = f"{path} = {model} is not a registry model"
        return Outcome(Status.NOT_APPLICABLE, reason, evidence, reason=reason)
    allowed = list(ctx.parameters["allowed_asset_ids"])
    evidence["allowed_asset_ids"] = allowed
    if _matches(model, allowed):
        return Outcome(Status.PASS, f"{model} is an approved model", evidence)
    return Outcome(Status.FAIL, f"{model} matches no allowed_asset_ids entry", evidence)


def unapproved_model(resource: Resource, ctx: EvalContext) -> Outcome:
    """AIS011: a deployed model outside the allow-lists (Azure Policy ``aafe3651``'s
    ``allowedPublishers`` / ``allowedAssetIds``, as ARM describes a model)."""
    if resource.type == arm.ONLINE_DEPLOYMENT:
        return _registry_model(resource, ctx, "properties.model")
    if resource.type == arm.SERVERLESS_ENDPOINT:
        return _registry_model(resource, ctx, "properties.modelSettings.modelId")
    reads = Reads.of(resource)
    fields = ("publisher", "format", "name", "version", "source")
    values = {f: reads.value(f"properties.model.{f}") for f in fields}
    evidence: dict[str, Any] = {
        f"properties.model.{f}": v if v is not None else "<missing>" for f, v in values.items()
    }
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    publishers = [str(p).lower() for p in ctx.parameters["allowed_publishers"]]
    publisher = values["publisher"]
    publisher_ok: bool | None = None if publisher is None and publishers else False
    if publisher is not None:
        publisher_ok = str(publisher).lower() in publishers
    model_ok = _model_matches(
        [values["format"], values["name"], values["version"]],
        list(ctx.parameters["allowed_models"]),
    )
    approved = (
        True
        if True in (publisher_ok, model_ok)
        else (None if None in (publisher_ok, model_ok) else False)
    )
    source = values["source"]
    source_ok = source is None or _matches(str(source), list(ctx.parameters["allowed_sources"]))
    shown = "/".join(str(values[f] or "?") for f in ("format", "name", "version"))
    if not source_ok:
        return Outcome(
            Status.FAIL, f"model {shown} comes from {source}, not an allowed source", evidence
        )
    if approved is True:
        return Outcome(Status.PASS, f"model {shown} of {publisher or '?'} is approved", evidence)
    if approved is False:
        return Outcome(
            Status.FAIL,
            f"model {shown} of publisher {publisher or '<missing>'} is in neither "
            "allowed_publishers nor allowed_models",
            evidence,
        )
    deciding = fields[:1] if model_ok is False else fields[:4]
    lacking = [f"properties.model.{f}" for f in deciding if values[f] is None]
    return _unknown(f"field(s) missing: {', '.join(lacking)}", evidence)


SCOPES = ("regional", "data_zone", "global")
_REGIONAL_SKUS = frozenset({"standard", "provisionedmanaged"})


def processing_scope(sku: str) -> str | None:
    """Where a deployment type processes prompts: by ``sku.name`` prefix (Learn "deployment
    types"); None for a name no source documents."""
    lowered = sku.lower()
    if lowered.startswith("global"):
        return "global"
    if lowered.startswith("datazone"):
        return "data_zone"
    return "regional" if lowered in _REGIONAL_SKUS else None


def data_processing_scope(resource: Resource, ctx: EvalContext) -> Outcome:
    """AIS012: a deployment type that processes prompts beyond ``allowed_scope``."""
    allowed = str(ctx.parameters["allowed_scope"])
    reads = Reads.of(resource)
    sku = reads.value("sku.name")
    evidence: dict[str, Any] = {"sku.name": sku or "<missing>", "allowed_scope": allowed}
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if not isinstance(sku, str) or not sku.strip():
        return _unknown("sku.name missing", evidence)
    scope = processing_scope(sku)
    if scope is None:
        return _unknown(
            f"sku.name = {sku} is not a documented deployment type: where it processes "
            "prompts cannot be told",
            evidence,
        )
    evidence["processing_scope"] = scope
    if SCOPES.index(scope) <= SCOPES.index(allowed):
        return Outcome(Status.PASS, f"{sku} processes prompts {_WORDS[scope]}", evidence)
    return Outcome(
        Status.FAIL,
        f"{sku} processes prompts {_WORDS[scope]}; allowed_scope {allowed} allows only "
        f"processing {_WORDS[allowed]}",
        evidence,
    )


_WORDS = {
    "regional": "in the account's region",
    "data_zone": "within the data zone",
    "global": "in any Azure region",
}

PREDICATES: Mapping[str, Predicate] = {
    "content_filter_weak": content_filter_weak,
    "prompt_shield_off": prompt_shield_off,
    "unapproved_model": unapproved_model,
    "data_processing_scope": data_processing_scope,
}
