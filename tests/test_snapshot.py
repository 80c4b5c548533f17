"""Reading snapshot evidence: every accepted shape, and clear errors for everything else."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor import arm
from auditor.collect.snapshot import read_snapshots
from auditor.errors import InputError
from auditor.inventory import InventoryBuilder
from tests.conftest import write_json

SUB = "aaaaaaaa-0000-4000-8000-000000000001"
WS = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"


def account(name: str, type_: str = "Microsoft.CognitiveServices/accounts") -> dict[str, object]:
    return {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/{name}",
        "name": name,
        "type": type_,
        "location": "East US",
        "properties": {},
    }


def load(*paths: Path) -> InventoryBuilder:
    builder = InventoryBuilder()
    read_snapshots(list(paths), builder)
    return builder


def test_single_object_list_response_array_and_resource_graph(tmp_path: Path) -> None:
    """All four file shapes are read; nextLink is ignored; Resource Graph lower-case types work."""
    write_json(tmp_path / "one.json", account("a1"))
    write_json(tmp_path / "list.json", {"value": [account("a2")], "nextLink": "https://x/next"})
    write_json(tmp_path / "nested" / "array.json", [account("a3")])
    write_json(
        tmp_path / "graph.json", {"data": [account("a4", "microsoft.cognitiveservices/accounts")]}
    )
    write_json(
        tmp_path / "table.json",
        {
            "data": {
                "columns": [{"name": "id"}, {"name": "type"}, {"name": "name"}],
                "rows": [[account("a5")["id"], "MICROSOFT.COGNITIVESERVICES/ACCOUNTS", "a5"]],
            }
        },
    )
    inventory = load(tmp_path).build()
    names = sorted(r.name for r in inventory.of_type(arm.AI_ACCOUNT))
    assert names == ["a1", "a2", "a3", "a4", "a5"]
    assert {r.location for r in inventory.of_type(arm.AI_ACCOUNT)} == {"eastus", None}


def test_unknown_types_are_counted_and_skipped(tmp_path: Path) -> None:
    """A storage account is neither an error nor a resource: it is counted under its type."""
    storage = {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st",
        "type": "Microsoft.Storage/storageAccounts",
    }
    write_json(tmp_path / "x.json", {"value": [storage, storage, account("a1")]})
    builder = load(tmp_path)
    assert builder.skipped_types == {"microsoft.storage/storageaccounts": 2}
    assert len(builder.build().resources) == 1


def test_invalid_json_names_file_line_and_column(tmp_path: Path) -> None:
    """A corrupt file stops the scan with its path, line and column."""
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "value": [\n    {"id": 1,,}\n  ]\n}', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load(tmp_path)
    assert f"{bad}:3:14: invalid JSON" in str(exc.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ({"value": [{"name": "no id"}]}, "value[0]: not an ARM resource"),
        ({"value": {"id": "x"}}, "value: a list response's 'value' must be an array"),
        ([1, 2], "[0]: expected a JSON object, found a number"),
        ("just a string", "top level is a string"),
        (
            {"operationName": {"value": "x"}, "eventTimestamp": "yesterday"},
            "eventTimestamp: not an ISO 8601 time",
        ),
    ],
)
def test_unrecognised_shapes_name_the_file_and_element(
    tmp_path: Path, content: object, expected: str
) -> None:
    """Anything that is none of the accepted shapes is an input error, never dropped."""
    path = write_json(tmp_path / "odd.json", content)
    with pytest.raises(InputError) as exc:
        load(path)
    assert str(path) in str(exc.value)
    assert expected in str(exc.value)


def test_missing_path_and_empty_folder_are_errors(tmp_path: Path) -> None:
    """A path that does not exist, or a folder without JSON, is an input error."""
    with pytest.raises(InputError, match="no such file or folder"):
        load(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x")
    with pytest.raises(InputError, match=r"holds no \.json files"):
        load(tmp_path / "empty")


def test_ids_and_types_compare_case_insensitively(tmp_path: Path) -> None:
    """A compute links to its workspace whatever the casing of either id; duplicates merge."""
    compute = {
        "id": WS.upper().replace("/SUBSCRIPTIONS", "/subscriptions") + "/computes/c1",
        "type": "MICROSOFT.MACHINELEARNINGSERVICES/WORKSPACES/COMPUTES",
        "name": "c1",
        "properties": {"computeType": "AKS"},
    }
    workspace = {
        "id": WS.replace("resourceGroups", "resourcegroups"),
        "type": "Microsoft.MachineLearningServices/workspaces",
        "name": "ws",
        "location": "West Europe",
    }
    write_json(tmp_path / "a.json", [compute, workspace, dict(workspace)])
    inventory = load(tmp_path).build()
    [loaded] = inventory.of_type(arm.COMPUTE)
    parent = inventory.parent(loaded)
    assert parent is not None and parent.name == "ws" and parent.location == "westeurope"
    assert len(inventory.of_type(arm.WORKSPACE)) == 1
    assert inventory.get(WS.upper()) is parent


def test_activity_events_and_subscriptions_are_recognised(tmp_path: Path) -> None:
    """Events are recognised by operationName.value + eventTimestamp; subscriptions by shape."""
    write_json(
        tmp_path / "subs.json",
        {"value": [{"id": f"/subscriptions/{SUB}", "subscriptionId": SUB, "displayName": "prod"}]},
    )
    write_json(
        tmp_path / "events.json",
        [
            {
                "operationName": {"value": "Op/action"},
                "status": {"value": "Succeeded"},
                "eventTimestamp": "2026-01-01T00:00:00.1234567Z",
                "resourceId": account("a1")["id"],
            }
        ],
    )
    inventory = load(tmp_path).build()
    assert inventory.subscriptions[SUB].name == "prod"
    [event] = inventory.events
    assert event.subscription_id == SUB and event.status == "Succeeded"
    assert inventory.has_data("activity_log", SUB)


def test_conflicting_records_of_one_id_are_an_error(tmp_path: Path) -> None:
    """Two files disagreeing about one resource (ids in any case) leave a collection error."""
    keyed = account("acc")
    keyed["properties"] = {"disableLocalAuth": False}
    keyless = dict(
        account("acc"), id=str(keyed["id"]).upper(), properties={"disableLocalAuth": True}
    )
    write_json(tmp_path / "a.json", keyed)
    write_json(tmp_path / "b.json", keyless)
    inventory = load(tmp_path).build()
    [kept] = inventory.of_type(arm.AI_ACCOUNT)
    assert kept.data["properties"] == {"disableLocalAuth": False}
    [error] = inventory.errors
    assert "two different records" in error.message
    assert "a.json" in error.message and "b.json" in error.message


def test_same_record_twice_or_with_extra_columns_is_no_error(tmp_path: Path) -> None:
    """A repeat of one record, or a Resource Graph row with more columns, is not a conflict."""
    listed = account("acc")
    row = dict(account("acc"), type="microsoft.cognitiveservices/accounts", tenantId="t")
    write_json(tmp_path / "a.json", [listed, listed])
    write_json(tmp_path / "b.json", {"data": [row]})
    inventory = load(tmp_path).build()
    assert len(inventory.of_type(arm.AI_ACCOUNT)) == 1
    assert inventory.errors == ()
