"""The model deployments of the demo's Foundry account and their content filters (AIS009-AIS013).

Called by ``add_foundry`` in scripts/demo_foundry.py. ``gpt-4o-chat`` is the compliant twin
(strict filter, data zone, pinned version); ``gpt-4o-legacy`` fails the filter, shield, scope
and upgrade rules; ``deepseek-r1`` is a third-party model outside the approved publishers,
under the system default filter the account does not list.
"""

from __future__ import annotations

from typing import Any

CS = "Microsoft.CognitiveServices"
HARM = ("Hate", "Sexual", "Violence", "Selfharm")
HATE_PROMPT = ("Hate", "Prompt")


def _filters(weak: bool) -> list[dict[str, Any]]:
    filters = [
        {
            "name": name,
            "source": source,
            "enabled": True,
            "blocking": True,
            # The weak policy lets more hate speech into prompts: only High is filtered.
            "severityThreshold": "High" if weak and (name, source) == HATE_PROMPT else "Medium",
        }
        for name in HARM
        for source in ("Prompt", "Completion")
    ]
    shields = [("Jailbreak", "Prompt")]
    if not weak:
        shields += [("Indirect Attack", "Prompt"), ("Protected Material Text", "Completion")]
    filters += [
        {"name": name, "source": source, "enabled": not weak, "blocking": not weak}
        for name, source in shields
    ]
    return filters


def rai_policies(account: str) -> list[dict[str, Any]]:
    return [
        {
            "id": f"{account}/raiPolicies/{name}",
            "name": name,
            "type": f"{CS}/accounts/raiPolicies",
            "properties": {
                "type": "UserManaged",
                "mode": "Default",
                "basePolicyName": "Microsoft.DefaultV2",
                "contentFilters": _filters(weak=name == "weak-filter"),
            },
        }
        for name in ("strict-filter", "weak-filter")
    ]


def _deployment(
    account: str, name: str, sku: str, model: dict[str, str], policy: str, upgrade: str
) -> dict[str, Any]:
    return {
        "id": f"{account}/deployments/{name}",
        "name": name,
        "type": f"{CS}/accounts/deployments",
        "sku": {"name": sku, "capacity": 10},
        "properties": {
            "model": model,
            "raiPolicyName": policy,
            "versionUpgradeOption": upgrade,
            "provisioningState": "Succeeded",
        },
    }


def deployments(account: str) -> list[dict[str, Any]]:
    gpt = {"publisher": "OpenAI", "format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20"}
    deepseek = {"publisher": "DeepSeek", "format": "DeepSeek", "name": "DeepSeek-R1"}
    return [
        _deployment(
            account,
            "gpt-4o-chat",
            "DataZoneStandard",
            gpt,
            "strict-filter",
            "OnceCurrentVersionExpired",
        ),
        _deployment(
            account,
            "gpt-4o-legacy",
            "GlobalStandard",
            gpt,
            "weak-filter",
            "OnceNewDefaultVersionAvailable",
        ),
        _deployment(
            account,
            "deepseek-r1",
            "DataZoneStandard",
            deepseek | {"version": "1"},
            "Microsoft.DefaultV2",
            "NoAutoUpgrade",
        ),
    ]


def add_models(files: dict[str, Any], folder: str, account: str) -> None:
    """Add the account's RAI policies and deployments to a subscription folder of the demo."""
    files[f"{folder}/rai-policies.json"] = {"value": rai_policies(account)}
    files[f"{folder}/ai-deployments.json"] = {"value": deployments(account)}
