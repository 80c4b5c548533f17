"""The connection, agent and serverless rules through the real CLI: templates that cannot say
whether a credential is shared or expires, the scan's clock, and the expiry parameter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ACCOUNT = "Microsoft.CognitiveServices/accounts"


def _template(tmp_path: Path, connection: dict[str, Any]) -> Path:
    """An ARM template with one AIServices account and one account connection."""
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                "type": ACCOUNT,
                "apiVersion": "2025-06-01",
                "name": "foundry-t",
                "location": "swedencentral",
                "kind": "AIServices",
                "properties": {"publicNetworkAccess": "Disabled", "disableLocalAuth": True},
            },
            {
                "type": f"{ACCOUNT}/connections",
                "apiVersion": "2025-06-01",
                "name": "foundry-t/search",
                "dependsOn": [f"[resourceId('{ACCOUNT}', 'foundry-t')]"],
                "properties": {
                    "category": "CognitiveSearch",
                    "authType": "ApiKey",
                    "target": "https://s.search.windows.net",
                    **connection,
                },
            },
        ],
    }
    path = tmp_path / "t" / "main.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(template), encoding="utf-8")
    return path


def _findings(run_cli: Any, args: list[str]) -> dict[str, dict[str, Any]]:
    result = run_cli(["scan", *args, "--format", "json", "--include-passed"])
    assert result.code in (0, 1, 3), result.err
    return {f["rule_id"]: f for f in result.report()["findings"]}


def test_a_template_that_leaves_sharing_and_expiry_unset(run_cli: Any, tmp_path: Path) -> None:
    """A key connection whose template sets neither isSharedToAll nor expiryTime (all azurerm
    can write) fails AIS014, is not_applicable to AIS015 (what sharing becomes is not stated),
    and fails AIS016: the connection it creates has no expiry."""
    found = _findings(run_cli, ["--template", str(_template(tmp_path, {}))])
    assert found["AIS014"]["status"] == "fail"
    assert found["AIS015"]["status"] == "not_applicable", found["AIS015"]
    assert "judged on live data only" in found["AIS015"]["reason"]
    assert found["AIS016"]["status"] == "fail", found["AIS016"]
    assert "no expiryTime" in found["AIS016"]["message"]


def test_a_template_that_shares_a_key_fails(run_cli: Any, tmp_path: Path) -> None:
    """An ARM template that sets isSharedToAll: true on a key connection fails AIS015."""
    path = _template(tmp_path, {"isSharedToAll": True, "expiryTime": "2027-06-01T00:00:00Z"})
    found = _findings(run_cli, ["--template", str(path), "--as-of", "2026-11-01"])
    assert found["AIS015"]["status"] == "fail"
    assert found["AIS016"]["status"] == "pass"


def test_expiry_is_judged_at_the_scans_moment_and_the_parameter_widens_it(
    run_cli: Any, tmp_path: Path
) -> None:
    """The same connection passes AIS016 before its expiryTime and fails after it (--as-of),
    and fails before it once min_days_left reaches past it."""
    path = _template(tmp_path, {"isSharedToAll": False, "expiryTime": "2027-06-01T00:00:00Z"})
    before = _findings(run_cli, ["--template", str(path), "--as-of", "2027-05-01"])
    after = _findings(run_cli, ["--template", str(path), "--as-of", "2027-06-02"])
    assert (before["AIS016"]["status"], after["AIS016"]["status"]) == ("pass", "fail")
    config = tmp_path / "auditor.toml"
    config.write_text("[parameters.AIS016]\nmin_days_left = 60\n", encoding="utf-8")
    args = ["--template", str(path), "--as-of", "2027-05-01", "--config", str(config)]
    assert _findings(run_cli, args)["AIS016"]["status"] == "fail"


def test_a_template_account_without_agents_or_defender_setting_is_not_applicable(
    run_cli: Any, tmp_path: Path
) -> None:
    """A template declares its account's children with it: no capability host and no Defender
    setting are not_applicable to AIS017/AIS018 (no data kind to miss), never unknown or pass."""
    found = _findings(run_cli, ["--template", str(_template(tmp_path, {}))])
    assert found["AIS017"]["status"] == "not_applicable"
    assert found["AIS018"]["status"] == "not_applicable"


def test_the_demo_connections_fail_ais014_for_secret_kinds_only(run_cli: Any) -> None:
    """The demo's Foundry connections fail AIS014 exactly for the kinds that store a secret."""
    result = run_cli(["scan", "--demo", "--format", "json", "--include-passed"])
    ais014 = {
        f["resource_name"]: f["status"]
        for f in result.report()["findings"]
        if f["rule_id"] == "AIS014"
    }
    assert ais014["search-shared-key"] == "fail"
    assert ais014["aoai-key"] == "fail"
    assert ais014["files-sas-expired"] == "fail"
    assert ais014["aoai-entra"] == ais014["blob-mi"] == ais014["aoai-aad"] == "pass"
