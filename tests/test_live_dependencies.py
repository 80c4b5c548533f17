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
from auditor.collect.live import graph
from tests.emulator import ArmEmulator, dependencies_estate
from tests.emulator.__main__ import denied
from tests.emulator.dependencies_estate import REGISTRY, SECRET, STORAGE, TWIN, VAULT, WORKSPACE
from tests.emulator.fixtures import SUB_B, fixture_estate, serve
from tests.test_live_collect import collect_inventory
from tests.test_live_graph import both_ways, findings, of_types, snapshot_records
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


# -- through Resource Graph (the default collector) --------------------------------------------


def _dependency_queries(emulator: ArmEmulator) -> list[str]:
    return [r.body for r in emulator.log if r.method == "POST" and "where id in~" in r.body]


def test_resource_graph_reads_the_dependencies_in_one_query_with_the_same_findings(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Path
) -> None:
    """The three dependencies of both workspaces cost one query naming each id once and no
    GET, and the scan judges them as the ARM GETs do: the same findings, the same records."""
    arm_run, graph_run, _, _ = both_ways(emulator, run_cli, tmp_path)
    assert graph_run.code == arm_run.code == 1
    [query] = _dependency_queries(emulator)
    for dependency in (STORAGE, REGISTRY, VAULT):
        assert query.count(f"'{dependency.lower()}'") == 1
        assert len(emulator.requests_for(dependency)) == 1  # the ARM run's GET only
    assert findings(graph_run.report()) == findings(arm_run.report())
    wanted = frozenset({arm.STORAGE_ACCOUNT, arm.CONTAINER_REGISTRY, arm.KEY_VAULT})
    arm_records = of_types(snapshot_records(tmp_path / "arm" / "snapshot"), wanted)
    assert len(arm_records) == 3
    assert of_types(snapshot_records(tmp_path / "graph" / "snapshot"), wanted) == arm_records


def test_a_dependency_resource_graph_does_not_answer_is_read_by_get(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """A storage account the caller may not read has no row: its GET is sent and its 403 is
    the error entry the ARM path gives, the other two dependencies still come from the query."""
    emulator.graph.hidden.add(STORAGE.lower())
    emulator.fail_always(STORAGE, denied(STORAGE))
    result = run_cli(
        live_args(emulator, "--include-passed", "--fail-on", "none", collector="graph")
    )
    assert result.code == 3
    [error] = [e for e in result.report()["errors"] if e["scope"] == STORAGE]
    assert error["status_code"] == 403 and error["data_kinds"] == []
    assert len(emulator.requests_for(STORAGE)) == 1
    assert not emulator.requests_for(REGISTRY) and not emulator.requests_for(VAULT)
    assert _verdicts(result.report())[("AML033", "ws-deps")] == "pass"


def test_a_refused_dependency_query_falls_back_to_the_gets(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """Resource Graph refusing the query by ids (a 400, as a length limit would) costs the
    GETs, not the dependencies: the verdicts are the ARM path's and no error is reported."""
    emulator.graph.refuse_by_id = True
    result = run_cli(live_args(emulator, "--include-passed", collector="graph"))
    assert result.code == 1
    assert len(_dependency_queries(emulator)) == 1
    for dependency in (STORAGE, REGISTRY, VAULT):
        assert len(emulator.requests_for(dependency)) == 1
    assert not [e for e in result.report()["errors"] if "deps" in e["scope"]]
    assert _verdicts(result.report())[("AML031", "ws-deps")] == "fail"
    assert _verdicts(result.report())[("AML033", "ws-deps")] == "pass"


@pytest.mark.parametrize(
    "resource_id",
    [
        f"{STORAGE}') | project secret='x",
        f"{STORAGE}\\",
        STORAGE.replace("stdeps", "st deps"),
        "/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/s",
    ],
)
def test_an_id_that_cannot_be_quoted_never_reaches_the_query(resource_id: str) -> None:
    """Ids come from the workspace's own record: one that could end the KQL string literal is
    not quotable, and building a query of it is refused."""
    assert graph.quotable(STORAGE)
    assert not graph.quotable(resource_id)
    with pytest.raises(ValueError):
        graph.dependencies([STORAGE, resource_id])


def test_a_dependency_outside_the_scanned_subscriptions_is_read_by_get(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Any
) -> None:
    """A workspace naming a storage account in a subscription the scan does not read: that id
    stays out of the query (which names only scanned subscriptions) and is read by its GET."""
    other = STORAGE.replace(dependencies_estate.SUB, SUB_B).replace("stdeps", "stother")
    records = dependencies_estate.records()
    for record in records:
        if record["id"] == TWIN:
            record["properties"]["storageAccount"] = other
        if record["id"] == STORAGE:
            records.append({**record, "id": other, "name": "stother"})
            break  # the records after STORAGE are not workspaces
    estate = fixture_estate()
    estate.add_all(records)
    for server in serve(estate, tmp_path, monkeypatch):
        args = live_args(server, "--subscription", dependencies_estate.SUB, collector="graph")
        result = run_cli([*args, "--fail-on", "none"])
        assert result.code == 3, result.err  # unknown results of the fixture estate
        [query] = _dependency_queries(server)
        assert STORAGE.lower() in query and "stother" not in query
        assert len(server.requests_for(other)) == 1
        assert not server.requests_for(STORAGE)
        assert not [
            e for e in result.report()["errors"] if "deps" in e["scope"] or "stother" in e["scope"]
        ]
