"""The allow-list: only declared fields are kept, so no credential field survives into anything."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor import arm
from auditor.collect.snapshot import read_snapshots
from auditor.collect.writer import snapshot_files
from auditor.fields import AUDITED_TYPES, DECLARATIONS, Kind, keep_declared
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
    """An object or array where a scalar is declared is kept empty, so nothing inside leaks;
    a scalar where a container is declared is kept, for the reader to name."""
    record = {
        "id": f"{WS}/onlineEndpoints/e",
        "properties": {
            "authMode": {"key": "PLANTEDnested"},
            "description": ["PLANTEDlist"],
            "traffic": "PLANTEDstring",
        },
    }
    kept = keep_declared(record, arm.ONLINE_ENDPOINT)
    assert kept["properties"] == {"authMode": {}, "description": [], "traffic": "PLANTEDstring"}


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


@pytest.mark.parametrize("arm_type", AUDITED_TYPES)
def test_every_audited_type_has_a_declaration_with_its_identity(arm_type: str) -> None:
    """Each audited type declares at least id, name, type and tags; free text is typed as such."""
    declared = DECLARATIONS[arm_type]
    assert {"id", "name", "type", "tags"} <= set(declared.members)
    tags = declared.members["tags"]
    assert tags.kind is Kind.MAP and tags.items is not None and tags.items.kind is Kind.TEXT


# --- the typed reader, and what the rules make of its reasons -------------------------------

ENDPOINT = f"{WS}/onlineEndpoints/ep"
SERVICE = f"{WS}/services/svc"
COMPUTE = f"{WS}/computes/cpu"


def _findings(run_cli: Any, tmp_path: Path, records: list[dict[str, Any]], rules: str) -> Any:
    write_json(tmp_path / "snap" / "records.json", records)
    result = run_cli(
        [
            "scan",
            "--snapshot",
            str(tmp_path / "snap"),
            "--include-passed",
            "--select",
            rules,
            "--as-of",
            "2026-11-01T00:00:00Z",
        ]
    )
    assert result.code in (0, 1, 3), result.err
    return {(f["rule_id"], f["resource_name"]): f for f in result.report()["findings"]}


@pytest.mark.parametrize(
    ("rule", "arm_type", "rid", "properties", "extra", "field", "found"),
    [
        (
            "AML001",
            arm.ONLINE_ENDPOINT,
            ENDPOINT,
            {"authMode": "Key "},
            {},
            "properties.authMode",
            "'Key ' (string)",
        ),
        (
            "AIS005",
            arm.AI_ACCOUNT,
            f"{RG}/Microsoft.CognitiveServices/accounts/a",
            {},
            {"identity": {"type": ""}},
            "identity.type",
            "'' (string)",
        ),
        (
            "AML008",
            arm.WORKSPACE,
            WS,
            {"publicNetworkAccess": "Disabled", "allowPublicAccessWhenBehindVnet": "true"},
            {},
            "properties.allowPublicAccessWhenBehindVnet",
            "'true' (string)",
        ),
        (
            "AML024",
            arm.COMPUTE,
            COMPUTE,
            {
                "computeType": "ComputeInstance",
                "properties": {"sshSettings": {"sshPublicAccess": True}},
            },
            {},
            "properties.properties.sshSettings.sshPublicAccess",
            "true (boolean)",
        ),
    ],
)
def test_the_issues_wrong_typed_values_are_unknown_naming_field_and_value(
    run_cli: Any,
    tmp_path: Path,
    rule: str,
    arm_type: str,
    rid: str,
    properties: dict[str, Any],
    extra: dict[str, Any],
    field: str,
    found: str,
) -> None:
    """Each value issue 10 found passing is now unknown, the reason naming the field and value."""
    findings = _findings(run_cli, tmp_path, [_record(arm_type, rid, properties, **extra)], rule)
    finding = findings[(rule, arm.last_segment(rid))]
    assert finding["status"] == "unknown"
    assert field in finding["reason"] and found in finding["reason"]


def test_a_custom_role_whose_actions_is_a_string_is_unknown(run_cli: Any, tmp_path: Path) -> None:
    """`actions: "*"` (a string, not an array) no longer hides a wildcard: unknown, named."""
    role = _record(
        arm.ROLE_DEFINITION,
        f"/subscriptions/{SUB}/providers/Microsoft.Authorization/"
        "roleDefinitions/11111111-aaaa-4aaa-8aaa-111111111111",
        {"roleName": "r", "type": "CustomRole", "permissions": [{"actions": "*"}]},
    )
    findings = _findings(run_cli, tmp_path, [role], "IAM002")
    (finding,) = findings.values()
    assert finding["status"] == "unknown"
    assert "permissions[0].actions" in finding["reason"] and "'*' (string)" in finding["reason"]


def test_enum_values_compare_case_insensitively_but_whitespace_counts(
    run_cli: Any, tmp_path: Path
) -> None:
    """`key` is ARM's `Key` (fail); `AADTOKEN` is `AADToken` (pass); `Key ` is off-enum."""
    records = [
        _record(arm.ONLINE_ENDPOINT, f"{WS}/onlineEndpoints/lower", {"authMode": "key"}),
        _record(arm.ONLINE_ENDPOINT, f"{WS}/onlineEndpoints/upper", {"authMode": "AADTOKEN"}),
        _record(arm.ONLINE_ENDPOINT, f"{WS}/onlineEndpoints/space", {"authMode": "Key "}),
    ]
    findings = _findings(run_cli, tmp_path, records, "AML001")
    statuses = {name: f["status"] for (_, name), f in findings.items()}
    assert statuses == {"lower": "fail", "upper": "pass", "space": "unknown"}


V1_RULES = ["AML004", "AML005", "AML006", "AML022", "AML023"]
COMPUTE_RULES = ["AML003", "AML012", "AML013", "AML014", "AML015", "AML016", "AML024", "AML025"]


@pytest.mark.parametrize("compute_type", ["Custom", "AKSENDPOINT", "Compute Instance"])
def test_an_off_enum_compute_type_makes_every_rule_of_its_type_unknown(
    run_cli: Any, tmp_path: Path, compute_type: str
) -> None:
    """A discriminator off the spec's enum is unknown for each rule of the type, never n/a."""
    records = [
        _record(arm.WEB_SERVICE, SERVICE, {"computeType": compute_type, "authEnabled": False}),
        _record(arm.COMPUTE, COMPUTE, {"computeType": compute_type}, location="eastus"),
        _record(arm.WORKSPACE, WS, {}, location="eastus"),
    ]
    findings = _findings(run_cli, tmp_path, records, ",".join(V1_RULES + COMPUTE_RULES))
    for rule in V1_RULES + COMPUTE_RULES:
        name = "svc" if rule in V1_RULES else "cpu"
        finding = findings[(rule, name)]
        assert finding["status"] == "unknown", rule
        assert (
            "properties.computeType" in finding["reason"]
            and repr(compute_type) in finding["reason"]
        ), rule


def test_every_unknown_reason_names_its_fields(run_cli: Any, tmp_path: Path) -> None:
    """A missing field inside an array element is named in the reason, not left blank."""
    account = _record(
        arm.AI_ACCOUNT,
        f"{RG}/Microsoft.CognitiveServices/accounts/pe",
        {"privateEndpointConnections": [{"properties": {}}]},
    )
    findings = _findings(run_cli, tmp_path, [account], "AIS004")
    finding = findings[("AIS004", "pe")]
    assert finding["status"] == "unknown"
    assert (
        "properties.privateEndpointConnections[0].properties."
        "privateLinkServiceConnectionState.status"
    ) in finding["reason"]


def test_a_rule_reading_an_undeclared_field_is_a_rule_load_error(
    run_cli: Any, tmp_path: Path
) -> None:
    """A rule file whose field is not kept for its type stops the run (exit 2), naming both."""
    rule = yaml.safe_load((Path(__file__).parent.parent / "rules" / "AML001.yaml").read_text())
    rule["id"], rule["slug"] = "AML901", "typo-rule"
    rule["condition"] = {"field": "properties.authmode", "notEquals": "Key"}
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "AML901.yaml").write_text(yaml.safe_dump(rule), encoding="utf-8")
    result = run_cli(["scan", "--demo", "--rules-dir", str(folder)])
    assert result.code == 2
    assert "AML901.yaml" in result.err and "'properties.authmode'" in result.err


def test_a_rule_reading_an_undeclared_field_inside_any_is_an_error(tmp_path: Path) -> None:
    """Fields under `any` are checked against the array's element declaration too."""
    from auditor.engine.loader import parse_rule
    from auditor.errors import RuleError

    rule = yaml.safe_load((Path(__file__).parent.parent / "rules" / "AIS004.yaml").read_text())
    rule["condition"]["any"] = {"field": "properties.status", "equals": "Approved"}
    with pytest.raises(RuleError, match=r"privateEndpointConnections\[\]\.properties\.status"):
        parse_rule(rule, tmp_path / "AIS004.yaml")


@pytest.mark.parametrize(
    ("data", "path", "expected"),
    [
        ({"properties": {"authMode": "Key"}}, "properties.authMode", ("Found", "Key")),
        ({"properties": {"authMode": None}}, "properties.authMode", ("Missing", None)),
        ({"properties": {}}, "properties.authMode", ("Missing", None)),
        ({"properties": "x"}, "properties.authMode", ("Invalid", None)),
        ({"properties": {"authMode": 5}}, "properties.authMode", ("Invalid", None)),
        ({"properties": unresolved("[p]", "r")}, "properties.authMode", ("Unresolved", None)),
        ({"properties": {"traffic": {"blue": "100"}}}, "properties.traffic", ("Found", None)),
    ],
)
def test_the_reader_tells_found_missing_unresolved_and_invalid(
    data: dict[str, Any], path: str, expected: tuple[str, Any]
) -> None:
    """A value only ever comes out as Found; every other case is a typed reason."""
    from auditor.fields import read

    result = read(data, DECLARATIONS[arm.ONLINE_ENDPOINT], path)
    assert type(result).__name__ == expected[0]
    if expected[1] is not None:
        assert result.value == expected[1]  # type: ignore[union-attr]


def test_reading_an_undeclared_path_is_a_bug_not_a_missing_value() -> None:
    """A predicate reading a path nobody declared fails loudly instead of seeing `missing`."""
    from auditor.fields import UndeclaredField, read

    with pytest.raises(UndeclaredField):
        read({}, DECLARATIONS[arm.ONLINE_ENDPOINT], "properties.keys.primaryKey")


def test_a_string_is_kept_where_it_is_declared_as_one_spelling_of_an_object() -> None:
    """An FQDN outbound rule's string ``destination`` is kept (its declaration says a string is
    one of its spellings), while a string where only an object is declared (a datastore's
    ``credentials``) is kept as ``""``: the two rules of `keep` cannot be confused."""
    rule = {
        "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices"
        "/workspaces/w/outboundRules/blobs",
        "type": arm.OUTBOUND_RULE,
        "name": "blobs",
        "properties": {"type": "FQDN", "destination": "*.blob.core.windows.net"},
    }
    kept = keep_declared(rule, arm.OUTBOUND_RULE)
    assert kept["properties"] == {"type": "FQDN", "destination": "*.blob.core.windows.net"}
    datastore = {
        "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.MachineLearningServices"
        "/workspaces/w/datastores/d",
        "type": arm.DATASTORE,
        "name": "d",
        "properties": {"credentials": "sv=2024&sig=PLANTEDsas99"},
    }
    assert keep_declared(datastore, arm.DATASTORE)["properties"] == {"credentials": ""}
