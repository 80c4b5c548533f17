"""The engine: inventory + rules -> results. Pure: no I/O, no clock (``as_of`` is given)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from auditor import arm, progress, workers
from auditor.engine import conditions, parameters
from auditor.engine.outcome import EvalContext, Outcome
from auditor.engine.predicates import PREDICATES
from auditor.engine.reading import unjudged_reason
from auditor.fields import Problem, declaration_for
from auditor.fields.reader import tracing
from auditor.inventory import Inventory
from auditor.model import Resource, Result, Rule, Severity, SourceKind, SourceRef, Status

_PLACEHOLDER_RE = re.compile(r"\{(name|type|id|resource_group|subscription_id)\}")


def render_message(template: str, resource: Resource) -> str:
    """Expand ``{name}``, ``{type}``, ``{id}``, ``{resource_group}``, ``{subscription_id}``."""
    values = {
        "name": resource.name,
        "type": resource.type,
        "id": resource.id,
        "resource_group": resource.resource_group or "",
        "subscription_id": resource.subscription_id or "",
    }
    return _PLACEHOLDER_RE.sub(lambda m: values[m.group(1)], template)


def _problem_text(problems: Iterable[Problem]) -> str:
    """Each field that could not be judged, and why, once each."""
    return "; ".join(dict.fromkeys(p.reason for p in problems))


def _condition(
    condition: Mapping[str, Any], resource: Resource
) -> tuple[bool | None, dict[str, Any], list[Problem]]:
    """A condition on a resource, read against its type's declaration: the verdict, the
    evidence, and each field it could not judge."""
    evidence: dict[str, Any] = {}
    problems: list[Problem] = []
    verdict = conditions.evaluate(
        condition,
        resource.data,
        evidence,
        declaration=declaration_for(resource.type),
        problems=problems,
    )
    return verdict, evidence, problems


def _declarative(rule: Rule, resource: Resource) -> Outcome:
    assert rule.condition is not None
    verdict, evidence, problems = _condition(rule.condition, resource)
    invalid = conditions.invalid_fields(problems)
    if verdict is False:
        return Outcome(Status.FAIL, rule.messages.get("fail", rule.title), evidence)
    if verdict is True and not invalid:
        return Outcome(Status.PASS, rule.messages.get("pass", "compliant"), evidence)
    # A value off the spec or left open by a template is never judged by the rule's
    # `missing` policy, and never passes: another clause may look satisfied, but the data
    # is not sound, or the deployed value could be anything.
    reason = unjudged_reason(problems)
    if reason is not None:
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    missing = ", ".join(dict.fromkeys(p.path for p in problems)) or "a field the rule reads"
    reason = f"field(s) missing: {missing}"
    if rule.missing is Status.UNKNOWN:
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    status_message = rule.messages.get(rule.missing.value, rule.title)
    return Outcome(rule.missing, f"{status_message} ({reason})", evidence)


# Predicate evidence keys that name a property under another name.
_EVIDENCE_PROPERTIES = {
    "role_definition_id": "properties.roleDefinitionId",
    "scope": "properties.scope",
    "wildcard_actions": "properties.permissions",
}


def template_location(resource: Resource, evidence: Mapping[str, Any]) -> dict[str, Any]:
    """File and line of a template resource, and of the first deciding property found there."""
    source = resource.source
    location: dict[str, Any] = {"path": source.path, "line": source.line}
    candidates = [
        *(
            f"{item['where']}.{item['name']}"
            for item in evidence.get("secret_variables") or []
            if isinstance(item, Mapping) and "where" in item and "name" in item
        ),
        *(_EVIDENCE_PROPERTIES.get(key, key) for key in evidence),
    ]
    for key in candidates:
        line = source.property_lines.get(key)
        if line is not None:
            location["property"] = key
            location["property_line"] = line
            break
    for key in candidates:  # the expression a deciding value was evaluated from
        expression = source.property_expressions.get(key)
        if expression is not None:
            location["expression"] = {key: expression}
            break
    return location


def judge(rule: Rule, resource: Resource, context: EvalContext) -> Outcome:
    """One rule's outcome on one resource: applicability, then its condition or predicate."""
    outcome = _applicability(rule, resource)
    if outcome is not None:
        return outcome
    if rule.predicate is not None:
        return PREDICATES[rule.predicate](resource, context)
    return _declarative(rule, resource)


Judgment = tuple[Status, Severity, str, dict[str, Any], str | None]
"""One result without its rule and resource: status, severity, message, evidence, reason
(what a worker process sends back; the parent joins it to its own rule and resource)."""


def targets(rule: Rule, inventory: Inventory) -> list[Resource]:
    """The resources a rule judges, in the order its results are listed."""
    return sorted(
        (r for t in rule.resource_types for r in _targets(inventory, t)), key=lambda r: r.key
    )


def judgments(
    rule: Rule,
    resources: Iterable[Resource],
    inventory: Inventory,
    as_of: dt.datetime,
    values: Mapping[str, Any],
    passed_evidence: bool = True,
) -> list[Judgment]:
    """One rule judged on each resource, its parameters at their defaults except those
    ``values`` sets (checked already: see :mod:`auditor.engine.parameters`); passing results
    carry no evidence unless ``passed_evidence``."""
    context = EvalContext(
        inventory=inventory, as_of=as_of, parameters={**parameters.defaults(rule), **values}
    )
    judged: list[Judgment] = []
    shared = _Shared()
    for resource in resources:
        outcome = judge(rule, resource, context)
        if outcome.status is Status.PASS and not passed_evidence:
            evidence: dict[str, Any] = {}
        else:
            evidence = dict(outcome.evidence)
            if resource.source.kind.declared:
                evidence["template_location"] = template_location(resource, evidence)
        judged.append(
            (
                outcome.status,
                outcome.severity or rule.severity,
                shared.text(render_message(outcome.message, resource)),
                shared.evidence(evidence),
                shared.text(outcome.reason) if outcome.reason is not None else None,
            )
        )
    return judged


_TRIALS = 256
"""Nested evidence a rule's results try to share before giving up when under one in eight
could be: each try is a JSON dump, and a role assignment's evidence (every resource it
reaches) differs from result to result, so dumping it would be all cost."""


class _Shared:
    """One object for each equal message, reason and evidence of a rule's results.

    Most results of a rule show the same few values; a dict per result was the largest part
    of a result's memory (370 of 700 bytes in the medium estate). Results are read-only once
    made, so sharing is safe; the value's type is part of the key (``True`` is not ``1``, nor
    ``-0.0`` ``0.0``)."""

    def __init__(self) -> None:
        self._texts: dict[str, str] = {}
        self._evidence: dict[Any, dict[str, Any]] = {}
        self._nested = 0
        """Nested evidence values tried, and how many of them were shared (below)."""
        self._nested_shared = 0

    def text(self, value: str) -> str:
        return self._texts.setdefault(value, value)

    def evidence(self, value: dict[str, Any]) -> dict[str, Any]:
        try:
            flat = tuple(
                (k, v.__class__, repr(v) if v.__class__ is float else v) for k, v in value.items()
            )
            return self._evidence.setdefault(flat, value)
        except TypeError:  # a list or mapping among the values
            pass
        if self._nested >= _TRIALS and self._nested_shared * 8 < self._nested:
            return value  # this rule's nested evidence is all different: hashing it is waste
        self._nested += 1
        try:
            # Equal as every report writes it (JSON keeps 2 and 2.0, true and 1, key order
            # apart). A digest, not the text or a frozen copy: the keys live as long as the
            # rule's judging, and at a million resources copies cost a worker 400 MiB.
            digest = hashlib.sha256(json.dumps(value).encode()).digest()
        except (TypeError, ValueError):  # not JSON: kept as it is
            return value
        shared = self._evidence.setdefault(digest, value)
        self._nested_shared += shared is not value
        return shared


def _results(rule: Rule, resources: list[Resource], judged: list[Judgment]) -> list[Result]:
    return [
        Result(
            rule=rule,
            resource=resource,
            status=status,
            severity=severity,
            message=message,
            evidence=evidence,
            reason=reason,
        )
        for resource, (status, severity, message, evidence, reason) in zip(
            resources, judged, strict=True
        )
    ]


def evaluate_rule(
    rule: Rule, inventory: Inventory, as_of: dt.datetime, values: Mapping[str, Any]
) -> list[Result]:
    """Evaluate one rule on every resource of its types (see :func:`judgments`)."""
    resources = targets(rule, inventory)
    return _results(rule, resources, judgments(rule, resources, inventory, as_of, values))


def _targets(inventory: Inventory, arm_type: str) -> list[Resource]:
    """Resources of a type; for subscriptions, one synthetic record per subscription seen
    (built once for every rule of subscriptions: 10,000 a rule took 0.1 s in a tenant scan)."""
    if arm_type != arm.SUBSCRIPTION:
        return inventory.of_type(arm_type)
    return list(inventory.memo("subscription targets", lambda: _subscriptions(inventory)))


def _subscriptions(inventory: Inventory) -> list[Resource]:
    targets = []
    for sub in inventory.subscriptions.values():
        held = inventory.ai_ml_resources_under(f"/subscriptions/{sub.id}")
        targets.append(
            Resource(
                id=f"/subscriptions/{sub.id}",
                key=f"/subscriptions/{sub.id}",
                type=arm.SUBSCRIPTION,
                name=sub.name or sub.id,
                subscription_id=sub.id,
                resource_group=None,
                location=None,
                data={"subscriptionId": sub.id, "displayName": sub.name},
                source=held[0].source if held else SourceRef(kind=SourceKind.SNAPSHOT),
            )
        )
    return targets


def _applicability(rule: Rule, resource: Resource) -> Outcome | None:
    """None when the rule applies; otherwise the not-applicable (or unknown) outcome."""
    if rule.requires and not resource.source.kind.observed:
        reason = f"a template cannot show {', '.join(rule.requires)}; judged on live data only"
        return Outcome(Status.NOT_APPLICABLE, reason, {}, reason=reason)
    if rule.applies_when is None:
        return None
    applies, evidence, problems = _condition(rule.applies_when, resource)
    invalid = conditions.invalid_fields(problems)
    if invalid:
        # An off-spec discriminator (a v1 `computeType: Custom`) must not make the rule
        # not applicable: what the resource is cannot be told, so neither can the verdict.
        reason = f"cannot tell whether the rule applies: {_problem_text(invalid)}"
        return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)
    if applies is True:
        return None
    if applies is False:
        reason = "; ".join(f"{k} = {v!r}" for k, v in evidence.items())
        return Outcome(Status.NOT_APPLICABLE, f"not applicable: {reason}", evidence, reason=reason)
    reason = f"cannot tell whether the rule applies: {_problem_text(problems)}"
    return Outcome(Status.UNKNOWN, reason, evidence, reason=reason)


PARALLEL_FROM = 5_000
"""Resources from which a scan that did not set ``jobs`` forks workers: below it, starting
them costs more than they save."""


def evaluate(
    rules: Iterable[Rule],
    inventory: Inventory,
    as_of: dt.datetime,
    values: Mapping[str, Mapping[str, Any]] | None = None,
    jobs: int | None = 1,
    passed_evidence: bool = True,
) -> list[Result]:
    """Every rule on every resource of its types, ordered by rule id then resource id;
    ``values`` sets parameters by rule id (the others keep their defaults).

    ``passed_evidence`` False leaves passing results without evidence, for a scan whose
    report does not list them: a role assignment's evidence differs from every other's, and
    at a million resources the passing ones held 160-180 MiB, 8-9 % of the scan's peak.

    ``jobs`` > 1 judges the rules in that many forked worker processes (where forking is
    safe, see :mod:`auditor.workers`); None chooses: one per core from ``PARALLEL_FROM``
    resources. The results are the same either way, in the same order."""
    given = values or {}
    ordered = sorted(rules, key=lambda r: r.id)
    resources = [targets(rule, inventory) for rule in ordered]
    if jobs is None:
        jobs = workers.default_jobs() if len(inventory.resources) >= PARALLEL_FROM else 1
    made: list[list[Result]] = [[] for _ in ordered]

    def work(index: int) -> list[Judgment]:
        rule = ordered[index]
        return judgments(
            rule, resources[index], inventory, as_of, given.get(rule.id, {}), passed_evidence
        )

    if jobs > 1 and len(ordered) > 1 and workers.can_fork() and not tracing():
        # The largest rules first, so no worker is left with one at the end.
        order = sorted(range(len(ordered)), key=lambda i: -len(resources[i]))
        pending = iter(workers.fork_map(work, order, jobs))
    else:
        pending = ((index, work(index)) for index in range(len(ordered)))
    total = 0
    progress.step("evaluating rules", 0, len(ordered))  # shown at once, not after a rule
    for done, (index, answer) in enumerate(pending, 1):
        # Made as each rule's answer arrives, while the workers judge the others.
        made[index] = _results(ordered[index], resources[index], answer)
        total += len(answer)
        progress.step("evaluating rules", done, len(ordered), f"{total:,} results")
    return [result for rule_results in made for result in rule_results]
