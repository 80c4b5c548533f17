"""The secrets canary suite: over 100 planted secrets, every input path, every output.

Each test plants the canaries of :mod:`tests.canaries` (storage keys, SAS URLs, JWTs, PEM
keys, URL passwords, cloud API tokens, connection strings, high-entropy strings, plain
passwords) in every field the canary estate has (:mod:`tests.emulator.canary_estate`), reads
them through one input path (live via the emulator, snapshot, ARM template, Terraform plan),
and searches every file written and both streams for every canary in raw, URL-encoded,
base64, hex, JSON- and HTML-escaped form. None may be found; the plain-text-secret finding
must still name each variable and where it was.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.canaries import Canary
from tests.conftest import CliRun, write_json
from tests.emulator.canary_estate import (
    CANARIES,
    RG,
    ROUNDS,
    SUB,
    build,
    env_variables,
    snapshot_files,
)
from tests.emulator.estate import Estate
from tests.emulator.server import ArmEmulator, Fault

AS_OF = "2026-11-01T00:00:00Z"
FORMATS = ("json", "html", "sarif", "junit", "csv", "markdown")
"""The text formats (each also streams to stdout)."""
ALL_FORMATS = ",".join((*FORMATS, "xlsx"))
RECORDS, PLANTED = build()


def texts_of(*roots: Path, streams: CliRun | None = None) -> dict[str, str]:
    """Every file under ``roots`` (decoded leniently) and the run's stdout and stderr."""
    texts: dict[str, str] = {}
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if path.suffix == ".xlsx":
                texts.update(workbook_texts(path))
            else:
                texts[str(path)] = path.read_bytes().decode("utf-8", errors="replace")
    if streams is not None:
        texts["stdout"] = streams.out
        texts["stderr"] = streams.err
    return texts


def workbook_texts(path: Path) -> dict[str, str]:
    """A workbook's every part, unzipped (the XML of cells, sheet names, document
    properties), and its cells' values as Excel shows them (``_xHHHH_`` escapes decoded)."""
    import openpyxl
    from openpyxl.utils.escape import unescape

    with zipfile.ZipFile(path) as archive:
        texts = {
            f"{path}!{name}": archive.read(name).decode("utf-8", errors="replace")
            for name in archive.namelist()
        }
    assert texts, path
    cells = [
        unescape(str(value))
        for sheet in openpyxl.load_workbook(path).worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    texts[f"{path} cells"] = "\n".join(cells)
    return texts


def assert_no_leak(texts: dict[str, str], canaries: list[Canary] = CANARIES) -> None:
    """No canary in any text, in any of its encodings (and something was written at all)."""
    from tests.canaries import leaks

    assert texts and any(texts.values())
    found = leaks(canaries, texts)
    assert found == [], f"{len(found)} leaks, first: {found[:5]}"


def assert_secret_variables_named(report: dict[str, Any], deployments: int) -> None:
    """AML007 names every secret variable of each deployment and v1 service, and where."""
    expected = {n for n in env_variables(CANARIES) if n != "LOG_LEVEL"}
    failing = [f for f in report["findings"] if f["rule_id"] == "AML007" and f["status"] == "fail"]
    assert len(failing) == deployments
    for finding in failing:
        named = {v["name"] for v in finding["evidence"]["secret_variables"]}
        assert named == expected, sorted(expected - named)[:5]
        where = {v["where"] for v in finding["evidence"]["secret_variables"]}
        assert where in (
            {"properties.environmentVariables"},
            {"properties.environmentImageRequest.environment.environmentVariables"},
        )


@pytest.fixture
def snapshot_dir(tmp_path: Path) -> Path:
    """The canary estate as a snapshot folder."""
    folder = tmp_path / "snapshot"
    for name, content in snapshot_files(RECORDS).items():
        write_json(folder / name, content)
    return folder


@pytest.fixture
def canary_emulator(emulator: ArmEmulator) -> ArmEmulator:
    """The ARM emulator (CA and token in the environment) serving the canary estate instead."""
    estate = Estate()
    estate.add_all(RECORDS)
    emulator.estate = estate
    emulator.page_size = 50
    return emulator


GRAPH_QUERY = "/providers/Microsoft.ResourceGraph/resources"


def live(server: ArmEmulator, *extra: str) -> list[str]:
    return ["--arm-endpoint", server.url, "--auth", "token", "--subscription", SUB, *extra]


def test_the_canaries_are_many_distinct_and_planted_everywhere() -> None:
    """Over 100 distinct canaries; each sits in a single-valued field as well as in the maps."""
    assert len(CANARIES) >= 100
    assert len({c.value for c in CANARIES}) == len(CANARIES)
    assert len({c.needle for c in CANARIES}) == len(CANARIES)
    assert all(PLANTED[c.index] for c in CANARIES)
    dumped = json.dumps(RECORDS)
    assert all(json.dumps(c.value)[1:-1] in dumped for c in CANARIES)


def test_a_canary_in_a_workbook_cell_would_be_found(tmp_path: Path) -> None:
    """The workbook is searched as Excel shows it: a canary written into a cell (by a report
    built by hand, past every scrubber) is found, so a clean workbook means something."""
    from auditor.report.formats import write_reports
    from auditor.report.reader import read_document
    from tests.conftest import FIXTURES

    document = json.loads((FIXTURES / "minimal-report.json").read_text("utf-8"))
    canary = next(c for c in CANARIES if "\n" not in c.value)
    document["findings"][0]["message"] = "=" + canary.value
    document["scan"]["settings"]["note"] = "\r" + canary.value
    write_reports(read_document(document, "test"), ["xlsx"], tmp_path)
    texts = workbook_texts(tmp_path / "auditor.xlsx")
    from tests.canaries import leaks

    assert leaks([canary], texts)
    assert sum(canary.value in text for text in texts.values()) >= 2


def test_snapshot_scan_writes_no_canary_in_any_format(run_cli: Any, snapshot_dir: Path) -> None:
    """A snapshot scan's seven report formats (the workbook read back cell by cell) and its
    streams hold no canary in any encoding."""
    result = run_cli(
        [
            "scan",
            "--snapshot",
            str(snapshot_dir),
            "--format",
            ALL_FORMATS,
            "--include-passed",
            "--as-of",
            AS_OF,
        ]
    )
    assert result.code in (1, 3)
    assert {p.suffix for p in result.output_dir.iterdir()} >= {
        ".json",
        ".html",
        ".sarif",
        ".xml",
        ".csv",
        ".md",
        ".xlsx",
    }
    assert_no_leak(texts_of(result.output_dir, streams=result))
    assert_secret_variables_named(result.report(), deployments=12)


@pytest.mark.parametrize("fmt", FORMATS)
def test_stdout_stream_holds_no_canary(run_cli: Any, snapshot_dir: Path, fmt: str) -> None:
    """--stdout in each format streams the report without any canary."""
    result = run_cli(
        [
            "scan",
            "--snapshot",
            str(snapshot_dir),
            "--stdout",
            fmt,
            "--include-passed",
            "--as-of",
            AS_OF,
        ]
    )
    assert result.code in (1, 3)
    assert len(result.out) > 1000
    assert_no_leak({"stdout": result.out, "stderr": result.err})


def test_live_scan_and_saved_snapshot_hold_no_canary(
    run_cli: Any, canary_emulator: ArmEmulator, tmp_path: Path
) -> None:
    """A live scan through the real SDK clients: reports, --save-snapshot (manifest included),
    streams, and a rescan of the saved folder hold no canary; findings still name the variables."""
    saved = tmp_path / "saved"
    result = run_cli(
        [
            "scan",
            *live(canary_emulator, "--save-snapshot", str(saved)),
            "--format",
            ALL_FORMATS,
            "--include-passed",
            "--as-of",
            AS_OF,
        ],
        output_dir=tmp_path / "live",
    )
    assert result.code == 1, result.err
    assert result.report()["errors"] == []
    assert (saved / "manifest.json").is_file()
    # The workspaces' dependencies came from the Resource Graph query by id, not by GET.
    [stores] = saved.rglob("storage-accounts.json")
    assert len(json.loads(stores.read_text("utf-8"))["value"]) == ROUNDS
    assert any("where id in~" in r.body for r in canary_emulator.log)
    assert not [r for r in canary_emulator.log if "/storageaccounts/" in r.path.lower()]
    assert_no_leak(texts_of(result.output_dir, saved, streams=result))
    assert_secret_variables_named(result.report(), deployments=12)

    rescan = run_cli(
        [
            "scan",
            "--snapshot",
            str(saved),
            "--format",
            ALL_FORMATS,
            "--include-passed",
            "--as-of",
            AS_OF,
        ],
        output_dir=tmp_path / "rescan",
    )
    assert rescan.code == 1
    assert_no_leak(texts_of(rescan.output_dir, streams=rescan))
    assert_secret_variables_named(rescan.report(), deployments=12)


def test_collect_writes_no_canary(
    run_cli: Any, canary_emulator: ArmEmulator, tmp_path: Path
) -> None:
    """auditor collect: the snapshot folder, its manifest and the streams hold no canary."""
    folder = tmp_path / "collected"
    result = run_cli(["collect", *live(canary_emulator), "--output", str(folder)])
    assert result.code == 0, result.err
    files = texts_of(folder)
    assert any(name.endswith("manifest.json") for name in files)
    assert sum("ws-canary-" in text for text in files.values()) >= 3
    assert_no_leak({**files, "stdout": result.out, "stderr": result.err})


def _one_line(canaries: list[Canary]) -> str:
    return " ; ".join(c.value.replace("\n", " ") for c in canaries)


@pytest.mark.parametrize("collector", ["graph", "arm"])
def test_error_bodies_quoting_canaries_leave_none_in_errors(
    run_cli: Any, canary_emulator: ArmEmulator, tmp_path: Path, collector: str
) -> None:
    """ARM and Resource Graph error messages that quote secrets (as a misbehaving service
    might) become collection errors without them: in the report, the saved manifest and
    stderr."""
    detectable = [c for c in CANARIES if c.detectable]
    half = len(detectable) // 2
    connections = (
        f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/ws-canary-0/connections"
    )
    accounts = f"/subscriptions/{SUB}/providers/Microsoft.CognitiveServices/accounts"
    canary_emulator.fail_always(
        connections, Fault(400, message="bad request: " + _one_line(detectable[:half]))
    )
    canary_emulator.fail_always(
        accounts, Fault(400, message="rejected: " + _one_line(detectable[half:]))
    )
    # And the same through Resource Graph, whose query answers the accounts by default.
    canary_emulator.fail_always(
        GRAPH_QUERY, Fault(400, message="rejected: " + _one_line(detectable[half:]))
    )
    saved = tmp_path / "saved"
    result = run_cli(
        [
            "scan",
            *live(canary_emulator, "--save-snapshot", str(saved), "--collector", collector),
            # Every Resource Graph query fails: nothing is left to assess, which is expected.
            "--allow-empty",
            "--format",
            ALL_FORMATS,
            "--as-of",
            AS_OF,
        ],
        output_dir=tmp_path / "live",
    )
    assert result.code in (1, 3), result.err  # failing findings outrank the incomplete scan
    errors = result.report()["errors"]
    assert len(errors) >= 2
    assert all("<redacted: " in e["message"] for e in errors)
    assert_no_leak(texts_of(result.output_dir, saved, streams=result), detectable)


def _arm_template() -> dict[str, Any]:
    """An ARM template holding every canary as a literal and as a parameter default."""
    params = {
        f"p{c.index:03d}": {
            "type": "securestring" if not c.detectable else "string",
            "defaultValue": c.value,
        }
        for c in CANARIES
    }
    env_from_params = {
        f"PARAM_SECRET_{c.index:03d}": f"[parameters('p{c.index:03d}')]" for c in CANARIES
    }
    visible = [c for c in CANARIES if c.detectable]
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": params,
        "resources": [
            {
                "type": "Microsoft.MachineLearningServices/workspaces",
                "apiVersion": "2024-10-01",
                "name": "ws-canary",
                "location": "eastus",
                "tags": {f"t{c.index:03d}": c.value for c in visible},
                "properties": {"description": visible[0].value, "publicNetworkAccess": "Disabled"},
            },
            {
                "type": "Microsoft.MachineLearningServices/workspaces/computes",
                "apiVersion": "2024-10-01",
                "name": "ws-canary/cpu",
                "location": "eastus",
                "properties": {
                    "computeType": "AmlCompute",
                    "description": visible[1].value,
                    "properties": {
                        "userAccountCredentials": {
                            "adminUserName": "azureuser",
                            "adminUserPassword": "[parameters('p000')]",
                        }
                    },
                },
            },
            {
                "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
                "apiVersion": "2024-10-01",
                "name": "ws-canary/ep",
                "location": "eastus",
                "properties": {"authMode": "AADToken", "description": visible[2].value},
            },
            {
                "type": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
                "apiVersion": "2024-10-01",
                "name": "ws-canary/ep/blue",
                "location": "eastus",
                "properties": {
                    "endpointComputeType": "Managed",
                    "environmentVariables": {**env_variables(CANARIES), **env_from_params},
                },
            },
            {
                "type": "Microsoft.MachineLearningServices/workspaces/connections",
                "apiVersion": "2024-10-01",
                "name": "ws-canary/keys",
                "properties": {
                    "authType": "CustomKeys",
                    "category": "CustomKeys",
                    "target": visible[3].value,
                    "credentials": {"keys": {f"k{c.index:03d}": c.value for c in CANARIES}},
                },
            },
            {
                "type": "Microsoft.CognitiveServices/accounts",
                "apiVersion": "2024-10-01",
                "name": "ai-canary",
                "location": "eastus",
                "kind": "OpenAI",
                "sku": {"name": "S0"},
                "tags": {f"t{c.index:03d}": c.value for c in visible},
                "properties": {
                    "disableLocalAuth": True,
                    "apiProperties": {"qnaAzureSearchEndpointKey": "[parameters('p001')]"},
                },
            },
        ],
    }


def test_arm_template_writes_no_canary(run_cli: Any, tmp_path: Path) -> None:
    """Canaries as literals and parameter defaults of an ARM template reach no output,
    and the deployment's secret variables (literal and from parameters) are named."""
    template = write_json(tmp_path / "tpl" / "canary.json", _arm_template())
    result = run_cli(
        ["scan", "--template", str(template), "--format", ALL_FORMATS, "--include-passed"]
    )
    assert result.code == 1, result.err
    assert_no_leak(texts_of(result.output_dir, streams=result))
    [finding] = [
        f for f in result.report()["findings"] if f["rule_id"] == "AML007" and f["status"] == "fail"
    ]
    named = {v["name"] for v in finding["evidence"]["secret_variables"]}
    assert {f"PARAM_SECRET_{c.index:03d}" for c in CANARIES} <= named
    assert {n for n in env_variables(CANARIES) if n != "LOG_LEVEL"} <= named


def _terraform_plan() -> dict[str, Any]:
    """A plan whose attributes hold the canaries (tags, descriptions, passwords, keys)."""
    visible = [c for c in CANARIES if c.detectable]

    def change(address: str, after: dict[str, Any]) -> dict[str, Any]:
        tf_type, name = address.split(".")
        return {
            "address": address,
            "mode": "managed",
            "type": tf_type,
            "name": name,
            "provider_name": "registry.terraform.io/hashicorp/azurerm",
            "change": {"actions": ["create"], "before": None, "after": after, "after_unknown": {}},
        }

    tags = {f"t{c.index:03d}": c.value for c in visible}
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.5",
        "planned_values": {"root_module": {"resources": []}},
        "resource_changes": [
            change(
                "azurerm_machine_learning_workspace.ws",
                {
                    "name": "tf-canary",
                    "location": "eastus",
                    "resource_group_name": "rg-tf",
                    "description": visible[0].value,
                    "tags": tags,
                    "public_network_access_enabled": False,
                },
            ),
            change(
                "azurerm_machine_learning_compute_cluster.cpu",
                {
                    "name": "cpu",
                    "location": "eastus",
                    "machine_learning_workspace_id": f"{RG}/providers/Microsoft.MachineLearningServices/workspaces/tf-canary",
                    "description": visible[1].value,
                    "ssh": [
                        {
                            "admin_username": "azureuser",
                            "admin_password": CANARIES[-1].value,
                            "key_value": visible[2].value,
                        }
                    ],
                    "tags": tags,
                },
            ),
            change(
                "azurerm_cognitive_account.ai",
                {
                    "name": "tf-ai",
                    "location": "eastus",
                    "resource_group_name": "rg-tf",
                    "kind": "OpenAI",
                    "sku_name": "S0",
                    "local_auth_enabled": False,
                    "custom_question_answering_search_service_key": CANARIES[-2].value,
                    "tags": tags,
                },
            ),
            change(
                "azurerm_role_definition.custom",
                {
                    "name": "canary",
                    "scope": f"/subscriptions/{SUB}",
                    "description": visible[3].value,
                    "permissions": [{"actions": ["*/read"]}],
                    "assignable_scopes": [f"/subscriptions/{SUB}"],
                },
            ),
        ],
        "variables": {f"v{c.index:03d}": {"value": c.value} for c in CANARIES},
    }


def test_terraform_plan_writes_no_canary(run_cli: Any, tmp_path: Path) -> None:
    """Canaries in a Terraform plan's attributes and variables reach no output."""
    plan = write_json(tmp_path / "tf" / "plan.json", _terraform_plan())
    result = run_cli(["scan", "--template", str(plan), "--format", ALL_FORMATS, "--include-passed"])
    assert result.code in (0, 1), result.err
    assert any(f["resource_name"] == "tf-canary" for f in result.report()["findings"])
    assert_no_leak(texts_of(result.output_dir, streams=result))


SINGLE_LINE = [c for c in CANARIES if c.detectable and "\n" not in c.value]


def test_canaries_in_names_and_ids_are_cut_out_of_them(run_cli: Any, tmp_path: Path) -> None:
    """A template resource named by an expression that quotes a secret (so the id holds it)
    is reported under its id with the secret replaced, in every format."""
    picked = SINGLE_LINE[::6]
    resources = [
        {
            "type": "Microsoft.CognitiveServices/accounts",
            "apiVersion": "2024-10-01",
            "name": "[nosuchfunction('acct{}', '{}')]".format(c.index, c.value.replace("'", "''")),
            "location": "eastus",
            "kind": "OpenAI",
            "properties": {"disableLocalAuth": False},
        }
        for c in picked
    ]
    template = write_json(
        tmp_path / "tpl" / "names.json",
        {
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "resources": resources,
        },
    )
    result = run_cli(
        ["scan", "--template", str(template), "--format", ALL_FORMATS, "--include-passed"]
    )
    assert result.code == 1, result.err
    ids = {f["resource_id"] for f in result.report()["findings"] if f["rule_id"] == "AIS001"}
    assert len(ids) == len(picked)
    assert all("<redacted: " in i for i in ids)
    assert_no_leak(texts_of(result.output_dir, streams=result), picked)


@pytest.mark.parametrize("field", ["eventTimestamp", "rows"])
def test_input_errors_quoting_a_canary_print_none(run_cli: Any, tmp_path: Path, field: str) -> None:
    """A malformed snapshot whose bad value is a secret is exit 2 naming the file, and the
    message printed does not hold the value."""
    picked = SINGLE_LINE[::7]
    for canary in picked:
        if field == "eventTimestamp":
            content: Any = {
                "value": [{"operationName": {"value": "x"}, "eventTimestamp": canary.value}]
            }
        else:
            content = {"id": canary.value, "type": 5}
        path = write_json(tmp_path / f"in-{canary.index}" / "bad.json", content)
        result = run_cli(
            ["scan", "--snapshot", str(path)], output_dir=tmp_path / f"out-{canary.index}"
        )
        assert result.code == 2
        assert str(path) in result.err
        assert_no_leak({"stdout": result.out, "stderr": result.err}, [canary])


def test_foundry_estate_credentials_leave_no_trace(
    run_cli: Any, emulator: ArmEmulator, tmp_path: Path
) -> None:
    """The reference Foundry estate answers every connection with credentials and its serverless
    endpoints with keys: no report format, saved snapshot, collect folder or stream holds one."""
    from tests.emulator.foundry_estate import CREDENTIAL_CANARIES

    saved, collected = tmp_path / "saved", tmp_path / "collected"
    args = ["--arm-endpoint", emulator.url, "--auth", "token"]
    report_args = ["--format", ALL_FORMATS, "--include-passed", "--as-of", AS_OF]
    result = run_cli(
        ["scan", *args, "--save-snapshot", str(saved), *report_args],
        output_dir=tmp_path / "live",
    )
    assert result.code == 1, result.err
    assert "search-shared-key" in (result.output_dir / "auditor.json").read_text("utf-8")
    done = run_cli(["collect", *args, "--output", str(collected)])
    assert done.code == 0, done.err
    texts = texts_of(result.output_dir, saved, collected, streams=result)
    texts.update({"collect stdout": done.out, "collect stderr": done.err})
    assert_no_leak(texts, CREDENTIAL_CANARIES)


def test_the_history_store_holds_no_canary(
    run_cli: Any, snapshot_dir: Path, tmp_path: Path, history_url: str
) -> None:
    """With --history (SQLite and PostgreSQL), neither the store's rows, nor the reports, nor
    the history views hold a canary, and the store's password is in none of them."""
    import sqlalchemy

    from tests.postgres import PG_PASSWORD

    args = ["scan", "--snapshot", str(snapshot_dir), "--format", "json", "--include-passed"]
    result = run_cli([*args, "--as-of", AS_OF, "--history", history_url, "--sla-days", "high=1"])
    assert result.code in (1, 3)
    texts = texts_of(result.output_dir, streams=result)
    for view in (["list"], ["trend"]):
        shown = run_cli(["history", *view, "--history", history_url, "--format", "json"])
        assert shown.code == 0, shown.err
        texts[f"history {view[0]}"] = shown.out + shown.err
    engine = sqlalchemy.create_engine(history_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        for table in ("scans", "scan_subscriptions", "results"):
            rows = connection.execute(sqlalchemy.text(f"SELECT * FROM {table}")).all()
            assert rows, table
            texts[f"store {table}"] = json.dumps([list(map(str, row)) for row in rows])
    engine.dispose()
    assert_no_leak(texts)
    assert not [name for name, text in texts.items() if PG_PASSWORD in text]
    assert "history" in result.report()["scan"]["settings"]
