"""Live reads of the workspaces' dependencies and datastores: raw ARM GETs by id and the
datastore list over HTTPS against the emulator serving the fixture estate plus
``tests/emulator/dependencies_estate.py`` (kept out of the shared estate, whose workspace and
page counts other tests pin)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor import arm
from tests.emulator import ArmEmulator, dependencies_estate
from tests.emulator.__main__ import denied
from tests.emulator.dependencies_estate import REGISTRY, SECRET, STORAGE, TWIN, VAULT, WORKSPACE
from tests.emulator.fixtures import fixture_estate, serve
from tests.test_live_collect import collect_inventory
from tests.test_live_scan import live_args

RULES = ("AML031", "AML032", "AML033", "AML034", "AML035")


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ArmEmulator]:
    """The fixture estate and the dependencies estate on https://127.0.0.1:PORT."""
    estate = fixture_estate()
    estate.add_all(dependencies_estate.records())
    yield from serve(estate, tmp_path, monkeypatch)


def _verdicts(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {
        (f["rule_id"], f["resource_name"]): f["status"]
        for f in report["findings"]
        if f["rule_id"] in RULES and "deps" in f["resource_id"]
    }


def test_each_dependency_is_read_once_by_id_and_datastores_are_listed(
    emulator: ArmEmulator,
) -> None:
    """Two workspaces naming one storage account and vault cost one GET each, at the pinned
    api-version; datastores arrive with their credential kind and without the secret."""
    inventory, _ = collect_inventory(emulator)
    assert {r.name for r in inventory.of_type(arm.STORAGE_ACCOUNT)} == {"stdeps"}
    assert {r.name for r in inventory.of_type(arm.CONTAINER_REGISTRY)} == {"crdeps"}
    assert {r.name for r in inventory.of_type(arm.KEY_VAULT)} == {"kv-deps"}
    for dependency, version in ((STORAGE, "2024-01-01"), (REGISTRY, "2023-07-01")):
        [request] = emulator.requests_for(dependency)
        assert request.query["api-version"] == [version]
    assert len(emulator.requests_for(VAULT)) == 1
    stores = {r.name: r.data for r in inventory.of_type(arm.DATASTORE)}
    assert set(stores) == {"workspaceblobstore", "training"}
    assert stores["workspaceblobstore"]["properties"]["credentials"] == {
        "credentialsType": "AccountKey"
    }
    assert len(emulator.requests_for(f"{TWIN}/datastores")) == 1
    assert not [r for r in emulator.log if "secret" in r.path.lower() or r.method != "GET"]


def test_live_verdicts_and_no_secret_in_the_report(emulator: ArmEmulator, run_cli: Any) -> None:
    """Each dependency rule judges the live workspaces as their records say, and the
    datastore's key appears nowhere in the report."""
    result = run_cli(live_args(emulator, "--include-passed"))
    assert result.code == 1
    assert _verdicts(result.report()) == {
        ("AML031", "ws-deps"): "fail",
        ("AML031", "ws-deps-twin"): "fail",
        ("AML032", "ws-deps"): "pass",
        ("AML032", "ws-deps-twin"): "not_applicable",
        ("AML033", "ws-deps"): "pass",
        ("AML033", "ws-deps-twin"): "pass",
        ("AML034", "workspaceblobstore"): "fail",
        ("AML034", "training"): "pass",
        ("AML035", "ws-deps"): "pass",
        ("AML035", "ws-deps-twin"): "fail",
    }
    assert SECRET not in result.out + result.err + str(result.report())


def test_an_unreadable_dependency_is_unknown_quoting_its_error(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """A 403 on the storage account is an error scoped to it (exit 3); the workspaces naming
    it are unknown for AML031 with the error's text, the other dependencies still judged."""
    emulator.fail_always(STORAGE, denied(STORAGE))
    result = run_cli(live_args(emulator, "--include-passed", "--fail-on", "none"))
    assert result.code == 3
    report = result.report()
    [error] = [e for e in report["errors"] if e["scope"] == STORAGE]
    assert error["status_code"] == 403 and error["data_kinds"] == []
    reasons = {
        f["resource_name"]: f["reason"]
        for f in report["findings"]
        if f["rule_id"] == "AML031" and "deps" in f["resource_id"]
    }
    assert set(reasons) == {"ws-deps", "ws-deps-twin"}
    for reason in reasons.values():
        assert reason.startswith(f"storage account {STORAGE} is not in the inventory (")
        assert "Microsoft.Storage/storageAccounts/read" in reason
    assert _verdicts(report)[("AML033", "ws-deps")] == "pass"
    assert WORKSPACE in {f["resource_id"] for f in report["findings"]}
