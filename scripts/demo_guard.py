"""The guard-rail part of the demo estate: the subscriptions' Defender for AI services plans,
outbound rules of the managed networks, and the network security perimeter associations of the
Foundry accounts.

Called by scripts/make_demo.py after its manifest is built: each record here makes one of
AIS020, AML038, AIS021 pass and another fail, and the kinds it adds join the coverage.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from demo_connections import VNET_ACCOUNT
from demo_foundry import FOUNDRY_ACCOUNT, FOUNDRY_GROUP

MLS = "Microsoft.MachineLearningServices"
CS = "Microsoft.CognitiveServices"
PRICINGS = "Microsoft.Security/pricings"


def _plan(sub: str, name: str, tier: str, extensions: list[dict[str, str]]) -> dict[str, Any]:
    properties: dict[str, Any] = {"pricingTier": tier}
    if extensions:
        properties["extensions"] = extensions
    if tier == "Free":
        properties["freeTrialRemainingTime"] = "PT0S"
    return {
        "id": f"/subscriptions/{sub}/providers/{PRICINGS}/{name}",
        "name": name,
        "type": PRICINGS,
        "properties": properties,
    }


def _plans(s1: str, s2: str, s3: str) -> dict[str, list[dict[str, Any]]]:
    evidence = [{"name": "AIPromptEvidence", "isEnabled": "True"}]
    return {
        # ML only: AIS020 is not applicable there.
        s1: [_plan(s1, "VirtualMachines", "Standard", []), _plan(s1, "AI", "Free", [])],
        s2: [_plan(s2, "AI", "Standard", evidence), _plan(s2, "StorageAccounts", "Standard", [])],
        s3: [_plan(s3, "AI", "Free", [])],
    }


def _rule(kind: str, destination: Any, category: str = "UserDefined") -> dict[str, Any]:
    return {"type": kind, "category": category, "status": "Active", "destination": destination}


def _tag(tag: str) -> dict[str, str]:
    return {"serviceTag": tag, "protocol": "TCP", "portRanges": "443", "action": "Allow"}


NARROW_RULES = {
    "pypi": _rule("FQDN", "pypi.org"),
    "files-pythonhosted": _rule("FQDN", "files.pythonhosted.org"),
    "storage-westeurope": _rule("ServiceTag", _tag("Storage.westeurope")),
    "__SYS_ST_AzureMachineLearning": _rule("ServiceTag", _tag("AzureMachineLearning"), "Required"),
}


def _nsp(account_id: str, name: str, mode: str) -> dict[str, Any]:
    sub = account_id.split("/")[2]
    perimeter = f"/subscriptions/{sub}/resourceGroups/{FOUNDRY_GROUP}/providers/Microsoft.Network"
    return {
        "id": f"{account_id}/networkSecurityPerimeterConfigurations/{name}",
        "name": name,
        "type": f"{CS}/accounts/networkSecurityPerimeterConfigurations",
        "properties": {
            "provisioningState": "Succeeded",
            "networkSecurityPerimeter": {
                "id": f"{perimeter}/networkSecurityPerimeters/nsp-foundry",
                "perimeterGuid": "5e7a0000-0000-4000-8000-00000000a551",
                "location": "swedencentral",
            },
            "resourceAssociation": {"name": f"assoc-{name}", "accessMode": mode},
            "profile": {"name": "defaultProfile", "accessRulesVersion": 2},
        },
    }


def _collected(files: dict[str, Any], sub: str, *kinds: str) -> None:
    for entry in files["manifest.json"]["coverage"]:
        if entry["subscription_id"] == sub:
            entry["collected"].extend(kinds)


def add_guard(files: dict[str, Any], s1: str, s2: str, s3: str) -> None:
    """Add the plans, outbound rules and perimeter configurations (after the manifest)."""
    folders = {s1: "s1-ml-prod", s2: "s2-ai-dev", s3: "s3-sandbox"}
    for sub, plans in _plans(s1, s2, s3).items():
        files[f"{folders[sub]}/defender-plans.json"] = {"value": plans}
        _collected(files, sub, "defender_plans")

    # AIS020 fails on the sandbox: an Azure OpenAI account nobody turned Defender on for.
    oai = next(a for a in files["s2-ai-dev/ai-accounts.json"]["value"] if a["name"] == "oai-dev")
    sandbox = copy.deepcopy(oai)
    old_id, new_id = oai["id"], oai["id"].replace(s2, s3).replace("rg-ai-dev", "rg-sandbox")
    sandbox = _renamed(sandbox, old_id, new_id.replace("oai-dev", "sandbox-openai"))
    files["s3-sandbox/ai-accounts.json"] = {"value": [sandbox]}
    _collected(files, s3, "defender_ai_settings")  # none: it follows the (Free) plan

    # AML038: mlw-vision approves exact hosts; its twin mlw-genai approves every storage account.
    workspaces = files["s1-ml-prod/workspaces.json"]["value"]
    vision = next(w for w in workspaces if w["name"] == "mlw-vision")
    vision["properties"]["managedNetwork"]["outboundRules"] = copy.deepcopy(NARROW_RULES)
    genai = _renamed(copy.deepcopy(vision), vision["id"], vision["id"].replace("vision", "genai"))
    genai["properties"]["managedNetwork"].pop("outboundRules")
    workspaces.append(genai)
    files["s1-ml-prod/outbound-rules.json"] = {
        "value": [
            {
                # The list answers this type, not an ARM type: the inventory reads the id.
                "id": f"{genai['id']}/outboundRules/{name}",
                "name": name,
                "type": "workspace/outboundRules",
                "properties": rule,
            }
            for name, rule in {
                **NARROW_RULES,
                "all-blobs": _rule("FQDN", "*.blob.core.windows.net"),
            }.items()
        ]
    }
    _collected(files, s1, "outbound_rules")

    # AIS021: foundry-prod's perimeter association is enforced; foundry-vnet's still learning.
    base = f"/subscriptions/{s2}/resourceGroups/{FOUNDRY_GROUP}/providers/{CS}/accounts"
    files["s2-ai-dev/nsp-configurations.json"] = {
        "value": [
            _nsp(f"{base}/{FOUNDRY_ACCOUNT}", "nsp-foundry.assoc-prod", "Enforced"),
            _nsp(f"{base}/{VNET_ACCOUNT}", "nsp-foundry.assoc-vnet", "Learning"),
        ]
    }
    _collected(files, s2, "nsp_configurations")


def _renamed(record: dict[str, Any], old_id: str, new_id: str) -> dict[str, Any]:
    """A copy of ``record`` under another id (its name, and every id nested under it)."""
    text = json.dumps(record).replace(old_id, new_id)
    renamed: dict[str, Any] = json.loads(text)
    renamed["name"] = new_id.rsplit("/", 1)[-1]
    return renamed
