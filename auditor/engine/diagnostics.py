"""The diagnostic-log rules (AIS019, AML028, AML029, AML030): does a diagnostic setting send
the resource's logs somewhere?

A diagnostic setting is an extension resource: its id is the resource's id followed by
``/providers/Microsoft.Insights/diagnosticSettings/{name}``, so it is linked to the resource
it logs by that prefix, not by a parent type. The rule judges the resource: it passes when one
of its settings enables an accepted log category or category group (the rule's parameters)
and names a destination; no setting fails once settings were collected, and is unknown when
they were not (a live scan run with ``--no-diagnostic-settings``, a failed read).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from auditor import arm
from auditor.engine.coverage import not_collected
from auditor.engine.outcome import EvalContext, Outcome, Predicate
from auditor.engine.reading import Reads
from auditor.inventory import Inventory
from auditor.model import Resource, Status

KIND = "diagnostic_settings"
_EXTENSION = "/providers/microsoft.insights/diagnosticsettings/"
DESTINATIONS = (
    "properties.workspaceId",
    "properties.storageAccountId",
    "properties.eventHubAuthorizationRuleId",
    "properties.marketplacePartnerId",
    "properties.serviceBusRuleId",
)
"""Where a setting can send logs (``serviceBusRuleId``: kept by the spec for compatibility)."""


def target_key(setting_key: str) -> str | None:
    """The normalised id of the resource a diagnostic setting (by its normalised id) logs."""
    head, found, _ = setting_key.rpartition(_EXTENSION)
    return head if found and head else None


def _by_target(inventory: Inventory) -> Mapping[str, list[Resource]]:
    index: dict[str, list[Resource]] = defaultdict(list)
    for setting in inventory.of_type(arm.DIAGNOSTIC_SETTING):
        target = target_key(setting.key)
        if target is not None:
            index[target].append(setting)
    return {k: sorted(v, key=lambda r: r.key) for k, v in index.items()}


def settings_of(inventory: Inventory, resource: Resource) -> list[Resource]:
    """The diagnostic settings of one resource, in id order."""
    index = inventory.memo("diagnostic-settings-by-target", lambda: _by_target(inventory))
    return list(index.get(resource.key, []))


def _not_collected(ctx: EvalContext, resource: Resource) -> Outcome | None:
    """Unknown when diagnostic settings were neither collected nor seen for the subscription."""
    if resource.source.kind.declared:
        return None  # a template declares the resource's settings with it, or none
    for failed in ctx.inventory.errors:  # this resource's read failed, whatever others did
        if KIND in failed.data_kinds and arm.normalise_id(failed.scope) == resource.key:
            reason = f"{KIND} could not be read for {resource.name} ({failed.message})"
            return Outcome(Status.UNKNOWN, reason, {}, reason=reason)
    return not_collected(ctx.inventory, KIND, resource.subscription_id, (arm.DIAGNOSTIC_SETTING,))


def _accepted(log: Reads, categories: set[str], groups: set[str]) -> str | None:
    """The accepted category or group an enabled log entry names, or None."""
    if log.value("enabled") is not True:
        return None
    category = log.value("category")
    if isinstance(category, str) and ("*" in categories or category.lower() in categories):
        return category
    group = log.value("categoryGroup")
    if isinstance(group, str) and group.lower() in groups:
        return f"group {group}"
    return None


def no_diagnostic_logs(resource: Resource, ctx: EvalContext) -> Outcome:
    """No diagnostic setting sends an accepted log category or group to a destination."""
    categories = {str(c).lower() for c in ctx.parameters["categories"]}
    groups = {str(g).lower() for g in ctx.parameters["category_groups"]}
    reads = Reads.of(resource)
    shown: dict[str, Any] = {}
    for setting in settings_of(ctx.inventory, resource):
        setting_reads = Reads.of(setting, label=f"diagnosticSettings[{setting.name}].", into=reads)
        problems_before = len(reads.problems)
        destinations = [p.rsplit(".", 1)[1] for p in DESTINATIONS if setting_reads.value(p)]
        logs = [
            accepted
            for log in setting_reads.elements("properties.logs") or []
            if (accepted := _accepted(log, categories, groups)) is not None
        ]
        shown[setting.name] = {"logs": logs, "destinations": destinations}
        # A setting with any value off the spec or unresolved proves nothing, even beside a
        # valid destination: it leaves the verdict to the rest (unknown if nothing else passes).
        if logs and destinations and len(reads.problems) == problems_before:
            return Outcome(
                Status.PASS,
                f"diagnostic setting {setting.name} sends {', '.join(logs)} to "
                f"{', '.join(destinations)}",
                {"diagnosticSettings": shown},
            )
    evidence: dict[str, Any] = {
        "diagnosticSettings": shown,
        "accepted_categories": sorted(categories),
        "accepted_category_groups": sorted(groups),
    }
    if (stop := reads.unknown(evidence)) is not None:
        return stop
    if shown:
        return Outcome(
            Status.FAIL,
            f"{resource.name} has diagnostic settings ({', '.join(shown)}) but none sends an "
            "accepted log category or group to a destination",
            evidence,
        )
    if (stop := _not_collected(ctx, resource)) is not None:
        return stop
    return Outcome(
        Status.FAIL, f"{resource.name} has no diagnostic setting: its logs go nowhere", evidence
    )


PREDICATES: Mapping[str, Predicate] = {"no_diagnostic_logs": no_diagnostic_logs}
"""The diagnostic-log predicates, merged into :data:`auditor.engine.predicates.PREDICATES`."""
