"""The allow-list: only declared fields are kept, so no credential field survives into anything."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from auditor import arm
from auditor.collect.snapshot import read_snapshots
from auditor.collect.writer import snapshot_files
from auditor.fields import DECLARATIONS, Kind, keep_declared
from auditor.inventory import InventoryBuilder
from auditor.unresolved import unresolved
from tests.conftest import write_json

SUB = "aaaaaaaa-0000-4000-8000-000000000001"
RG = f"/subscriptions/{SUB}/resourceGroups/rg/providers"
WS = f"{RG}/Microsoft.MachineLearningServices/workspaces/ws"


def _record(arm_type: str, rid: str, properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "name": arm.last_segment(rid),
        "type": arm_type,
        **extra,
        "properties": properties,
    }


# Every credential field the issue lists, each holding a distinct planted value.
CREDENTIAL_RECORDS: list[dict[str, Any]] = [
    _record(
        arm.WORKSPACE_CONNECTION,
        f"{WS}/connections/c-key",
        {
            "category": "AzureOpenAI",
            "authType": "ApiKey",
            "target": "https://x.openai.azure.com",
            "credentials": {"key": "PLANTEDapiKEY01"},
        },
    ),
    _record(
        arm.WORKSPACE_CONNECTION,
        f"{WS}/connections/c-pat",
        {"category": "Git", "authType": "PAT", "credentials": {"pat": "PLANTEDpat02"}},
    ),
    _record(
        arm.WORKSPACE_CONNECTION,
        f"{WS}/connections/c-sas",
        {
            "category": "AzureBlob",
            "authType": "SAS",
            "credentials": {"sas": "sv=x&sig=PLANTEDsas03"},
        },
    ),
    _record(
        arm.WORKSPACE_CONNECTION,
        f"{WS}/connections/c-s3",
        {
            "category": "S3",
            "authType": "AccessKey",
            "credentials": {
                "accessKeyId": "AKIAPLANTED04",
                "secretAccessKey": "PLANTEDsecret05",
                "securityToken": "PLANTEDtoken06",
            },
        },
    ),
    _record(
        arm.WORKSPACE_CONNECTION,
        f"{WS}/connections/c-oauth",
        {
            "category": "GoogleAdWords",
            "authType": "OAuth2",
            "credentials": {
                "clientId": "id",
                "clientSecret": "PLANTEDclient07",
                "developerToken": "PLANTEDdev08",
                "refreshToken": "PLANTEDrefresh09",
            },
        },
    ),
    _record(
        arm.WORKSPACE_CONNECTION,
        f"{WS}/connections/c-custom",
        {
            "category": "CustomKeys",
            "authType": "CustomKeys",
            "credentials": {"keys": {"anything": "PLANTEDcustom10"}},
        },
    ),
    _record(
        arm.WORKSPACE_CONNECTION,
        f"{WS}/connections/c-old",
        {
            "category": "ACR",
            "authType": "UsernamePassword",
            "valueFormat": "JSON",
            "value": '{"username": "u", "password": "PLANTEDvalue11"}',
        },
    ),
    _record(
        arm.COMPUTE,
        f"{WS}/computes/aml",
        {
            "computeType": "AmlCompute",
            "properties": {
                "userAccountCredentials": {
                    "adminUserName": "azureuser",
                    "adminUserPassword": "PLANTEDpassword12",
                    "adminUserSshPublicKey": "ssh-rsa PLANTEDssh13",
                }
            },
        },
    ),
    _record(
        arm.COMPUTE,
        f"{WS}/computes/aks",
        {
            "computeType": "AKS",
            "properties": {
                "sslConfiguration": {
                    "status": "Enabled",
                    "cert": "PLANTEDcert14",
                    "key": "PLANTEDsslkey15",
                }
            },
        },
    ),
    _record(
        arm.WEB_SERVICE,
        f"{WS}/services/svc",
        {
            "computeType": "ACI",
            "authEnabled": True,
            "sslEnabled": True,
            "sslKey": "PLANTEDv1key16",
            "sslCertificate": "PLANTEDv1cert17",
        },
    ),
    _record(
        arm.WORKSPACE,
        WS,
        {
            "publicNetworkAccess": "Disabled",
            "keys": {
                "userStorageKey": "PLANTEDstorage18",
                "appInsightsInstrumentationKey": "PLANTEDinsights19",
            },
            "storageAccount": f"{RG}/Microsoft.Storage/storageAccounts/st",
        },
        location="eastus",
    ),
    _record(
        arm.AI_ACCOUNT,
        f"{RG}/Microsoft.CognitiveServices/accounts/acct",
        {
            "disableLocalAuth": True,
            "apiProperties": {"qnaAzureSearchEndpointKey": "PLANTEDqna20"},
            "key1": "PLANTEDkey1x21",
            "migrationToken": "PLANTEDmigration22",
        },
        kind="OpenAI",
    ),
]
PLANTED = [
    f"PLANTED{n}"
    for n in (
        "apiKEY01",
        "pat02",
        "sas03",
        "secret05",
        "token06",
        "client07",
        "dev08",
        "refresh09",
        "custom10",
        "value11",
        "password12",
        "ssh13",
        "cert14",
        "sslkey15",
        "v1key16",
        "v1cert17",
        "storage18",
        "insights19",
        "qna20",
        "key1x21",
        "migration22",
    )
]


def _inventory(tmp_path: Path, records: list[dict[str, Any]]) -> Any:
    builder = InventoryBuilder()
    read_snapshots([write_json(tmp_path / "in" / "records.json", records)], builder)
    return builder.build()


def test_no_listed_credential_field_enters_the_inventory_or_a_saved_snapshot(
    tmp_path: Path,
) -> None:
    """Every credential field the issue lists is dropped: not in the inventory, not on disk."""
    inventory = _inventory(tmp_path, CREDENTIAL_RECORDS)
    assert len(inventory.resources) == len(CREDENTIAL_RECORDS)
    kept = json.dumps([r.data for r in inventory])
    saved = json.dumps(snapshot_files(inventory, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    for planted in PLANTED:
        assert planted not in kept
        assert planted not in saved


def test_a_connection_keeps_its_auth_type_never_its_credentials(tmp_path: Path) -> None:
    """Only the kind of credential a connection has is kept, not the credential."""
    inventory = _inventory(tmp_path, CREDENTIAL_RECORDS)
    for connection in inventory.of_type(arm.WORKSPACE_CONNECTION):
        assert set(connection.data["properties"]) <= {"category", "authType", "target"}
        assert connection.data["properties"]["authType"]


def test_no_listed_credential_reaches_a_report(run_cli: Any, tmp_path: Path) -> None:
    """A scan of the planted records writes no planted value into any report or stream."""
    write_json(tmp_path / "snap" / "records.json", CREDENTIAL_RECORDS)
    result = run_cli(
        [
            "scan",
            "--snapshot",
            str(tmp_path / "snap"),
            "--include-passed",
            "--format",
            "json,sarif,csv,markdown,html,junit",
        ]
    )
    assert result.code in (0, 1, 3)
    written = "".join(p.read_text("utf-8") for p in result.output_dir.iterdir() if p.is_file())
    for planted in PLANTED:
        assert planted not in written + result.out + result.err


def test_undeclared_fields_are_dropped_and_declared_ones_kept_in_order() -> None:
    """An unknown member (at any depth) is dropped; declared members keep their order."""
    record = {
        "id": f"{WS}/onlineEndpoints/e",
        "type": arm.ONLINE_ENDPOINT,
        "etag": "x",
        "properties": {
            "publicNetworkAccess": "Disabled",
            "authMode": "Key",
            "keys": {"primaryKey": "k"},
            "unknownFlag": True,
        },
    }
    kept = keep_declared(record, arm.ONLINE_ENDPOINT)
    assert kept == {
        "id": record["id"],
        "type": arm.ONLINE_ENDPOINT,
        "properties": {"publicNetworkAccess": "Disabled", "authMode": "Key"},
    }
    assert list(kept["properties"]) == ["publicNetworkAccess", "authMode"]  # type: ignore[call-overload]


def test_wrong_typed_containers_keep_their_type_but_not_their_content() -> None:
    """An object or array where a scalar is declared is kept empty, so nothing inside leaks."""
    record = {
        "id": f"{WS}/onlineEndpoints/e",
        "properties": {
            "authMode": {"key": "PLANTEDnested"},
            "description": ["PLANTEDlist"],
            "traffic": "PLANTEDstring",
        },
    }
    kept = keep_declared(record, arm.ONLINE_ENDPOINT)
    assert kept["properties"] == {"authMode": {}, "description": [], "traffic": ""}


def test_unresolved_markers_are_kept_where_a_declared_field_or_its_parent_holds_one() -> None:
    """A template's open value survives at a declared path or a parent, and nowhere else."""
    marker = unresolved("[parameters('mode')]", "parameter without a value")
    at_field = keep_declared({"id": "x", "properties": {"authMode": marker}}, arm.ONLINE_ENDPOINT)
    at_parent = keep_declared({"id": "x", "properties": marker}, arm.ONLINE_ENDPOINT)
    undeclared = keep_declared({"id": "x", "properties": {"keys": marker}}, arm.ONLINE_ENDPOINT)
    assert at_field["properties"] == {"authMode": marker}
    assert at_parent["properties"] == marker
    assert undeclared["properties"] == {}


def test_a_marker_keeps_only_its_expression_and_reason() -> None:
    """Extra members planted inside a marker object are dropped with everything undeclared."""
    marker = {**unresolved("[x]", "why"), "secret": "PLANTEDinmarker"}
    kept = keep_declared({"id": "x", "properties": {"authMode": marker}}, arm.ONLINE_ENDPOINT)
    assert "PLANTEDinmarker" not in json.dumps(kept)


@pytest.mark.parametrize("arm_type", arm.AUDITED_TYPES)
def test_every_audited_type_has_a_declaration_with_its_identity(arm_type: str) -> None:
    """Each audited type declares at least id, name, type and tags; free text is typed as such."""
    declared = DECLARATIONS[arm_type]
    assert {"id", "name", "type", "tags"} <= set(declared.members)
    tags = declared.members["tags"]
    assert tags.kind is Kind.MAP and tags.items is not None and tags.items.kind is Kind.TEXT
