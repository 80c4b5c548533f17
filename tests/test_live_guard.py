"""Live reads of the guard rails (Defender plans, managed network outbound rules, perimeter
configurations): raw ARM GETs over HTTPS against the emulator's fixture estate
(``tests/emulator/estate/*/defender-plans.json``, ``outbound-rules.json``,
``guard-workspaces.json``, ``nsp-configurations.json``)."""

from __future__ import annotations

from typing import Any

from auditor import arm
from tests.emulator import ArmEmulator
from tests.emulator.__main__ import denied
from tests.emulator.fixtures import SUB_A, SUB_B, SUB_C
from tests.test_live_collect import collect_inventory
from tests.test_live_scan import live_args

PRICINGS_B = f"/subscriptions/{SUB_B}/providers/Microsoft.Security/pricings"
RG_C = f"/subscriptions/{SUB_C}/resourceGroups"


def _verdicts(report: dict[str, Any], *rule_ids: str) -> dict[tuple[str, str], str]:
    return {
        (f["rule_id"], f["resource_name"]): f["status"]
        for f in report["findings"]
        if f["rule_id"] in rule_ids
    }


def test_guard_types_are_collected_with_their_fields(emulator: ArmEmulator) -> None:
    """Every subscription's plans, the listed outbound rules (their `workspace/outboundRules`
    type read from the id) and each OpenAI account's perimeter configuration arrive kept."""
    inventory, _ = collect_inventory(emulator)
    plans = {(r.subscription_id, r.name): r.data for r in inventory.of_type(arm.DEFENDER_PLAN)}
    assert plans[(SUB_A, "AI")]["properties"]["extensions"] == [
        {"name": "AIPromptEvidence", "isEnabled": "True", "operationStatus": {"code": "Succeeded"}}
    ]
    assert plans[(SUB_B, "AI")]["properties"]["pricingTier"] == "Free"
    rules = {
        (r.parent_key or "").rsplit("/", 1)[-1] + "/" + r.name: r
        for r in inventory.of_type(arm.OUTBOUND_RULE)
    }
    wide = rules["mlw-egress-wide/azure-cloud"]
    assert wide.data["properties"]["destination"]["serviceTag"] == "AzureCloud"
    assert len(rules) == 5
    nsps = {r.name: r.data for r in inventory.of_type(arm.NSP_CONFIGURATION)}
    assert (
        nsps["nsp-ai.dev-openai"]["properties"]["resourceAssociation"]["accessMode"] == "Learning"
    )
    assert "accessRules" not in nsps["nsp-ai.dev-openai"]["properties"]["profile"]


def test_requests_per_subscription_workspace_and_account(emulator: ArmEmulator) -> None:
    """One pricing list per subscription at 2024-01-01; outbound rules only for the two
    approved-outbound workspaces; perimeter configurations only for AIServices/OpenAI
    accounts; nothing but GETs (never the configurations' reconcile POST)."""
    collect_inventory(emulator)
    pricing = [r for r in emulator.log if r.path.lower().endswith("/microsoft.security/pricings")]
    assert sorted(r.path.split("/")[2] for r in pricing) == sorted([SUB_A, SUB_B, SUB_C])
    assert {r.query["api-version"][0] for r in pricing} == {"2024-01-01"}
    outbound = {r.path.split("/")[-2] for r in emulator.log if r.path.endswith("/outboundRules")}
    assert outbound == {"mlw-egress-ok", "mlw-egress-wide"}
    nsp = {
        r.path.split("/")[-2]
        for r in emulator.log
        if r.path.endswith("/networkSecurityPerimeterConfigurations")
    }
    assert nsp == {"ml-openai", "dev-openai", "foundry-ref"}
    assert {r.method for r in emulator.log} == {"GET"}


def test_live_scan_judges_each_guard_rule_both_ways(emulator: ArmEmulator, run_cli: Any) -> None:
    """AIS020, AML038 and AIS021 each pass on one resource and fail on its twin, live."""
    report = run_cli(live_args(emulator, "--include-passed", "--fail-on", "none")).report()
    verdicts = _verdicts(report, "AIS020", "AML038", "AIS021")
    subscription_names = {
        s["id"]: s.get("name") or s["id"] for s in report["scan"]["subscriptions"]
    }
    assert verdicts[("AIS020", subscription_names[SUB_A])] == "pass"
    assert verdicts[("AIS020", subscription_names[SUB_B])] == "fail"
    assert verdicts[("AML038", "mlw-egress-ok")] == "pass"
    assert verdicts[("AML038", "mlw-egress-wide")] == "fail"
    assert verdicts[("AIS021", "nsp-ai.ml-openai")] == "pass"
    assert verdicts[("AIS021", "nsp-ai.dev-openai")] == "fail"


def test_a_denied_pricing_list_is_an_error_and_ais020_unknown(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """A 403 on one subscription's pricing list names the kind and the permission; AIS020
    there is unknown with that reason, never pass; exit 3."""
    emulator.fail_always(PRICINGS_B, denied(PRICINGS_B))
    result = run_cli(live_args(emulator, "--fail-on", "none"))
    assert result.code == 3
    report = result.report()
    [error] = [e for e in report["errors"] if e["scope"] == f"/subscriptions/{SUB_B}"]
    assert error["data_kinds"] == ["defender_plans"]
    assert error["missing_permission"] == "Microsoft.Security/pricings/read"
    [finding] = [
        f
        for f in report["findings"]
        if f["rule_id"] == "AIS020" and f["resource_id"].lower() == f"/subscriptions/{SUB_B}"
    ]
    assert finding["status"] == "unknown"
    assert "defender_plans were not collected" in finding["reason"]
    assert "Microsoft.Security/pricings/read" in finding["reason"]
