"""Whether a data kind was read for a subscription: the one place a rule that needs records
it may not have (capability hosts, diagnostic settings, Defender plans...) says so as unknown."""

from __future__ import annotations

from collections.abc import Iterable

from auditor.engine.outcome import Outcome
from auditor.inventory import Inventory
from auditor.model import Status


def not_collected(
    inventory: Inventory, kind: str, subscription: str | None, arm_types: Iterable[str]
) -> Outcome | None:
    """Unknown when ``kind`` was neither declared collected nor seen (a record of one of
    ``arm_types``) for the subscription, quoting the read error if there was one; else None."""
    if inventory.has_data(kind, subscription) or any(
        r.subscription_id == subscription for t in arm_types for r in inventory.of_type(t)
    ):
        return None
    reason = f"{kind} were not collected for subscription {subscription}"
    error = inventory.error_for(kind, subscription)
    if error is not None:
        reason += f" ({error.message})"
    return Outcome(Status.UNKNOWN, reason, {}, reason=reason)
