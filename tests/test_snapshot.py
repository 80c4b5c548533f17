"""Reading snapshot evidence: every accepted shape, and clear errors for everything else."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor import arm
from auditor.collect.snapshot import read_snapshots, snapshot_files
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
    """A web app is neither an error nor a resource: it is counted under its type."""
    app = {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Web/sites/app",
        "type": "Microsoft.Web/sites",
    }
    write_json(tmp_path / "x.json", {"value": [app, app, account("a1")]})
    builder = load(tmp_path)
    assert builder.skipped_types == {"microsoft.web/sites": 2}
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


# -- walking a snapshot folder: what the walk cannot see is an error, never a skip -------------


def _unprivileged(action: Callable[[], str]) -> str:
    """Run ``action`` as the user ``nobody`` (in a forked child) when the tests run as root.

    Root reads through any permission bits, so ``chmod 000`` alone proves nothing there; the
    child drops to ``nobody`` first, and its answer comes back through a pipe."""
    if os.geteuid() != 0:
        return action()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        try:
            os.setgid(65534)
            os.setuid(65534)
            answer = action()
        except BaseException as exc:  # everything goes back to the parent
            answer = f"child failed: {exc!r}"
        os.write(writer, answer.encode("utf-8", "replace"))
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        answer = pipe.read().decode("utf-8")
    os.waitpid(pid, 0)
    return answer


def _error_of_reading(folder: Path) -> Callable[[], str]:
    def read() -> str:
        try:
            read_snapshots([folder], InventoryBuilder())
        except InputError as exc:
            return f"InputError: {exc}"
        return "read without an error"

    return read


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A snapshot folder outside pytest's root-only tmp folder, so ``nobody`` can reach it."""
    folder = Path(tempfile.mkdtemp(prefix="auditor-walk-"))
    folder.chmod(0o755)
    write_json(folder / "accounts.json", {"value": [account("a1")]})
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder)


@pytest.mark.parametrize("mode", [0o000, 0o111, 0o444], ids=["none", "search-only", "read-only"])
def test_a_subfolder_the_walk_cannot_enter_is_an_input_error(
    shared_folder: Path, mode: int
) -> None:
    """A subfolder that cannot be listed or whose entries cannot be looked at names itself."""
    sub = shared_folder / "rg-prod"
    write_json(sub / "more.json", {"value": [account("a2")]})
    assert _unprivileged(_error_of_reading(shared_folder)) == "read without an error"
    sub.chmod(mode)
    answer = _unprivileged(_error_of_reading(shared_folder))
    assert answer.startswith("InputError: ")
    assert str(sub) in answer


def test_an_unreadable_file_is_an_input_error(shared_folder: Path) -> None:
    """A .json file the user cannot read stops the scan naming it, instead of vanishing."""
    secret = write_json(shared_folder / "roles.json", {"value": []})
    secret.chmod(0o000)
    answer = _unprivileged(_error_of_reading(shared_folder))
    assert answer.startswith("InputError: ")
    assert f"{secret}: cannot read the file" in answer


def test_a_symlinked_subfolder_is_followed(tmp_path: Path) -> None:
    """Files behind a symbolic link to a folder are read, named through the link."""
    elsewhere = tmp_path / "elsewhere"
    write_json(elsewhere / "more.json", {"value": [account("a2")]})
    folder = tmp_path / "snap"
    write_json(folder / "accounts.json", {"value": [account("a1")]})
    (folder / "linked").symlink_to(elsewhere, target_is_directory=True)
    [stats] = read_snapshots([folder], InventoryBuilder())
    assert (stats.files, stats.records) == (2, 2)
    assert snapshot_files(folder) == [folder / "accounts.json", folder / "linked" / "more.json"]


def test_a_folder_reached_twice_is_read_once(tmp_path: Path) -> None:
    """Two links to one folder (no loop) read its files once, not twice."""
    folder = tmp_path / "snap"
    write_json(folder / "real" / "accounts.json", {"value": [account("a1")]})
    (folder / "again").symlink_to(folder / "real", target_is_directory=True)
    assert snapshot_files(folder) == [folder / "again" / "accounts.json"]


@pytest.mark.parametrize("target", [".", "..", "sub"], ids=["own-folder", "one-up", "the-top"])
def test_a_symlink_loop_is_an_input_error_naming_the_link(tmp_path: Path, target: str) -> None:
    """A link back to a folder above it is reported as a loop, not followed forever."""
    folder = tmp_path / "snap"
    write_json(folder / "sub" / "accounts.json", {"value": [account("a1")]})
    link = folder / "sub" / "deeper" / "loop"
    link.parent.mkdir()
    link.symlink_to({".": link.parent, "..": folder / "sub", "sub": folder}[target])
    with pytest.raises(InputError, match="a loop") as caught:
        snapshot_files(folder)
    assert str(link) in str(caught.value)


def test_a_dangling_link_is_an_input_error(tmp_path: Path) -> None:
    """A link to nothing, inside the folder or given as the snapshot, names itself."""
    folder = tmp_path / "snap"
    write_json(folder / "accounts.json", {"value": [account("a1")]})
    (folder / "roles.json").symlink_to(tmp_path / "gone.json")
    with pytest.raises(InputError, match="missing target") as caught:
        snapshot_files(folder)
    assert str(folder / "roles.json") in str(caught.value)
    (tmp_path / "alone").symlink_to(tmp_path / "gone")
    with pytest.raises(InputError, match="missing target"):
        snapshot_files(tmp_path / "alone")


def test_a_fifo_named_json_is_an_input_error_not_a_hang(tmp_path: Path) -> None:
    """A .json name that is a FIFO is refused before anything tries to read (and block on) it."""
    folder = tmp_path / "snap"
    write_json(folder / "accounts.json", {"value": [account("a1")]})
    os.mkfifo(folder / "pipe.json")
    with pytest.raises(InputError, match="not a regular file") as caught:
        snapshot_files(folder)
    assert str(folder / "pipe.json") in str(caught.value)


def test_the_cli_exits_2_naming_a_loop(tmp_path: Path, run_cli: Any) -> None:
    """Through the CLI, a loop in a snapshot folder is exit 2 naming the link."""
    folder = tmp_path / "snap"
    write_json(folder / "accounts.json", {"value": [account("a1")]})
    (folder / "loop").symlink_to(folder)
    result = run_cli(["scan", "--snapshot", str(folder), "--as-of", "2026-11-01T00:00:00Z"])
    assert result.code == 2
    assert f"{folder / 'loop'}: a symbolic link back" in result.err
    assert "Traceback" not in result.err


def test_equal_values_from_different_files_are_one_object(tmp_path: Path) -> None:
    """The inventory holds one copy of each repeated string (a third of its memory at scale):
    values, keys, subscriptions and a child's link to its parent, across files."""
    role = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/r1"

    def assignment(name: str) -> dict[str, object]:
        return {
            "id": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments/{name}",
            "type": "Microsoft.Authorization/roleAssignments",
            "name": name,
            "properties": {
                "roleDefinitionId": role,
                "principalId": "p1",
                "principalType": "ServicePrincipal",
                "scope": f"/subscriptions/{SUB}",
            },
        }

    parent = account("a1")
    deployment = {
        "id": f"{parent['id']}/deployments/d1",
        "type": "Microsoft.CognitiveServices/accounts/deployments",
        "name": "d1",
        "properties": {},
    }
    write_json(tmp_path / "one.json", [assignment("x1"), parent])
    write_json(tmp_path / "two.json", [assignment("x2"), deployment])
    inventory = load(tmp_path).build()
    first, second = sorted(inventory.of_type(arm.ROLE_ASSIGNMENT), key=lambda r: r.name)
    assert first.data == assignment("x1") and second.data == assignment("x2")
    for field in ("roleDefinitionId", "principalId", "principalType", "scope"):
        assert first.data["properties"][field] is second.data["properties"][field], field
    assert next(iter(first.data)) is next(iter(second.data))  # the key "id"
    assert first.subscription_id is second.subscription_id
    [account_read] = inventory.of_type(arm.AI_ACCOUNT)
    [deployment_read] = inventory.of_type(arm.AI_DEPLOYMENT)
    assert deployment_read.parent_key is account_read.key
