"""Live reads of the logging part: ML registries and diagnostic settings, through raw ARM GETs
over HTTPS against the emulator (``tests/emulator/logging_estate.py``)."""

from __future__ import annotations

from typing import Any

from auditor import arm
from auditor.collect.live.monitoring import DIAGNOSTIC_SETTINGS_API_VERSION, LOGGED_TYPES
from tests.emulator import ArmEmulator
from tests.emulator.__main__ import denied
from tests.emulator.fixtures import SUB_A, SUB_B, SUB_C
from tests.emulator.logging_estate import FRAUD, OPENAI, PRIVATE_REGISTRY
from tests.test_live_collect import collect_inventory
from tests.test_live_scan import live_args

SETTINGS = "/providers/Microsoft.Insights/diagnosticSettings"
RULES = "AIS019,AML028,AML029,AML030,AML036,AML037"


def _verdicts(report: dict[str, Any], rule: str) -> dict[str, str]:
    return {f["resource_name"]: f["status"] for f in report["findings"] if f["rule_id"] == rule}


def test_registries_and_settings_arrive_with_their_fields(emulator: ArmEmulator) -> None:
    """Both registries and every diagnostic setting reach the inventory with the kept fields."""
    inventory, _ = collect_inventory(emulator)
    registries = {r.name: r.data for r in inventory.of_type(arm.ML_REGISTRY)}
    assert set(registries) == {"reg-public", "reg-private"}
    [connection] = registries["reg-private"]["properties"]["registryPrivateEndpointConnections"]
    assert connection["properties"]["registryPrivateLinkServiceConnectionState"] == {
        "status": "Approved"
    }
    settings = {r.key for r in inventory.of_type(arm.DIAGNOSTIC_SETTING)}
    assert f"{OPENAI}{SETTINGS}/audit".lower() in settings
    assert f"{PRIVATE_REGISTRY}{SETTINGS}/assets".lower() in settings
    assert len(settings) == 4
    assert "metrics" not in next(iter(inventory.of_type(arm.DIAGNOSTIC_SETTING))).data["properties"]
    assert inventory.has_data("diagnostic_settings", SUB_A)
    assert inventory.has_data("ml_registries", SUB_B)


def test_one_settings_get_per_logged_resource(emulator: ArmEmulator) -> None:
    """Every account, workspace, online endpoint and registry costs exactly one GET of its
    diagnostic settings, at 2021-05-01-preview; no other resource costs one."""
    inventory, _ = collect_inventory(emulator)
    logged = [r for r in inventory if r.type.lower() in LOGGED_TYPES]
    gets = [r for r in emulator.log if r.path.lower().endswith(SETTINGS.lower())]
    assert sorted(r.path.lower()[: -len(SETTINGS)] for r in gets) == sorted(r.key for r in logged)
    assert {r.query["api-version"][0] for r in gets} == {DIAGNOSTIC_SETTINGS_API_VERSION}
    assert {r.method for r in gets} == {"GET"}
    registry_lists = [r for r in emulator.log if r.path.lower().endswith("/registries")]
    assert len(registry_lists) == 3  # one per scanned subscription (the disabled one is skipped)


def test_live_scan_judges_each_resource_by_its_settings(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """Each new rule fails on its bad resource and passes on its twin, read live."""
    report = run_cli(live_args(emulator, "--select", RULES, "--include-passed")).report()
    ais019 = _verdicts(report, "AIS019")
    assert ais019["ml-openai"] == "pass" and ais019["foundry-ref"] == "fail"
    aml028 = _verdicts(report, "AML028")
    assert aml028["mlw-fraud"] == "pass" and aml028["mlw-batch"] == "fail"
    aml029 = _verdicts(report, "AML029")
    assert aml029["fraud-aad"] == "pass" and aml029["fraud-score"] == "fail"
    assert _verdicts(report, "AML030") == {"reg-private": "pass", "reg-public": "fail"}
    assert _verdicts(report, "AML036") == {"reg-private": "pass", "reg-public": "fail"}
    assert _verdicts(report, "AML037") == {"reg-private": "pass", "reg-public": "fail"}


def test_no_diagnostic_settings_reads_none_and_says_unknown(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """``--no-diagnostic-settings`` sends no settings GET; the rules are unknown naming the
    kind, never pass, and the registries are still read."""
    result = run_cli(
        live_args(emulator, "--select", RULES, "--include-passed", "--no-diagnostic-settings")
    )
    assert not [r for r in emulator.log if r.path.lower().endswith(SETTINGS.lower())]
    report = result.report()
    assert result.code == 1  # AML036 still fails: a failure outranks the unknowns
    assert set(_verdicts(report, "AIS019").values()) == {"unknown"}
    reasons = {f["reason"] for f in report["findings"] if f["rule_id"] == "AML028"}
    assert reasons == {
        f"diagnostic_settings were not collected for subscription {sub}" for sub in (SUB_A, SUB_C)
    }
    assert _verdicts(report, "AML036") == {"reg-private": "pass", "reg-public": "fail"}


def test_403_on_one_resources_settings_leaves_only_it_unknown(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """A denied settings read: an error naming the resource and the kind, that workspace
    unknown, the others in its subscription still judged."""
    path = f"{FRAUD}{SETTINGS}"
    emulator.fail_always(path, denied(path))
    result = run_cli(live_args(emulator, "--select", "AML028", "--include-passed"))
    assert result.code == 1  # mlw-batch fails: a failure outranks the unknown
    [error] = result.report()["errors"]
    assert error["scope"] == FRAUD and error["data_kinds"] == ["diagnostic_settings"]
    assert error["operation"] == "list diagnostic settings"
    verdicts = _verdicts(result.report(), "AML028")
    assert verdicts["mlw-fraud"] == "unknown" and verdicts["mlw-batch"] == "fail"
    assert len(emulator.requests_for(path)) == 1  # a 403 is not retried
