"""Live reads of the AI Foundry estate: the real Azure SDK clients and raw ARM GETs over HTTPS
against the emulator's reference estate (``tests/emulator/foundry_estate.py``)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from azure.core.rest import HttpRequest

from auditor import arm
from auditor.collect.live.clients import ClientFactory, StaticTokenCredential
from auditor.collect.live.foundry import ACCOUNT_KINDS
from auditor.collect.live.settings import LiveSettings
from tests.emulator import ArmEmulator, Fault
from tests.emulator.__main__ import denied
from tests.emulator.fixtures import SUB_A, SUB_B, TOKEN
from tests.emulator.foundry_estate import ACCOUNT, HUB
from tests.test_live_collect import collect_inventory
from tests.test_live_scan import AS_OF, finding_set, live_args

FOUNDRY_KINDS = ("serverless_endpoints", *ACCOUNT_KINDS[1:])
"""The data kinds issue 12 adds (the account kinds but ``ai_accounts``, and serverless)."""
PROJECT_A = f"{ACCOUNT}/projects/proj-a"
DEPLOYMENTS = f"{ACCOUNT}/deployments"
CAPABILITY_HOSTS = f"{ACCOUNT}/capabilityHosts"
OPENAI_B = f"/subscriptions/{SUB_B}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/dev-openai"
EXPECTED = {
    arm.AI_PROJECT: {"proj-a", "proj-b"},
    arm.AI_ACCOUNT_CONNECTION: {"search-shared-key", "aoai-entra"},
    arm.AI_PROJECT_CONNECTION: {"aoai-key", "blob-mi", "aoai-aad"},
    arm.AI_DEPLOYMENT: {"gpt-weak", "gpt-strong"},
    arm.RAI_POLICY: {"weak-filter", "strict-filter"},
    arm.AI_CAPABILITY_HOST: {"agents"},
    arm.DEFENDER_AI_SETTING: {"Default"},
    arm.SERVERLESS_ENDPOINT: {"llama-key", "phi-aad", "mistral-unsafe"},
}
"""The reference estate's records of each new type (the rest of the fixture estate has none)."""


def by_name(inventory: Any, arm_type: str) -> dict[str, dict[str, Any]]:
    return {r.name: r.data for r in inventory.of_type(arm_type)}


def test_every_foundry_type_is_collected_with_its_fields(emulator: ArmEmulator) -> None:
    """Each new type arrives with exactly the reference records and the fields rules read."""
    inventory, _ = collect_inventory(emulator)
    for arm_type, names in EXPECTED.items():
        assert set(by_name(inventory, arm_type)) == names, arm_type
    weak = by_name(inventory, arm.AI_DEPLOYMENT)["gpt-weak"]
    assert weak["sku"] == {"name": "GlobalStandard", "capacity": 10}
    assert weak["properties"]["model"] == {
        "format": "OpenAI",
        "name": "gpt-4o",
        "version": "2024-11-20",
        "publisher": "OpenAI",
    }
    assert weak["properties"]["raiPolicyName"] == "weak-filter"
    assert weak["properties"]["versionUpgradeOption"] == "OnceNewDefaultVersionAvailable"
    filters = by_name(inventory, arm.RAI_POLICY)["weak-filter"]["properties"]["contentFilters"]
    by_key = {(f["name"], f["source"]): f for f in filters}
    assert by_key[("Hate", "Prompt")]["severityThreshold"] == "High"
    assert by_key[("Selfharm", "Completion")]["severityThreshold"] == "Medium"
    assert by_key[("Jailbreak", "Prompt")] == {
        "name": "Jailbreak",
        "enabled": False,
        "blocking": False,
        "source": "Prompt",
    }
    key = by_name(inventory, arm.AI_PROJECT_CONNECTION)["aoai-key"]["properties"]
    assert (key["authType"], key["isSharedToAll"]) == ("ApiKey", False)
    assert key["expiryTime"] == "2027-06-01T00:00:00Z"  # as ARM sent it (an SDK added ".000")
    assert "credentials" not in key
    shared = by_name(inventory, arm.AI_ACCOUNT_CONNECTION)["search-shared-key"]["properties"]
    assert (shared["authType"], shared["isSharedToAll"]) == ("ApiKey", True)
    assert "expiryTime" not in shared
    host = by_name(inventory, arm.AI_CAPABILITY_HOST)["agents"]["properties"]
    assert host["capabilityHostKind"] == "Agents" and "customerSubnet" not in host
    assert by_name(inventory, arm.DEFENDER_AI_SETTING)["Default"]["properties"] == {
        "state": "Enabled"
    }
    llama = by_name(inventory, arm.SERVERLESS_ENDPOINT)["llama-key"]["properties"]
    assert llama["authMode"] == "Key"
    assert llama["contentSafety"] == {"contentSafetyStatus": "Enabled"}
    assert "headers" not in llama["inferenceEndpoint"] and "primaryKey" not in llama
    [account] = [r for r in inventory.of_type(arm.AI_ACCOUNT) if r.name == "foundry-ref"]
    assert account.data["properties"]["allowProjectManagement"] is True
    for kind in FOUNDRY_KINDS:
        assert inventory.has_data(kind, SUB_A), kind


def test_reads_use_stable_api_versions(emulator: ArmEmulator) -> None:
    """Account lists go at 2025-09-01 (the version the SDK sends), capability hosts at
    2026-03-01, serverless at 2025-12-01, perimeter configurations at 2025-06-01 (and the
    account's diagnostic settings at 2021-05-01-preview)."""
    collect_inventory(emulator)
    versions = {
        r.path.rsplit("/", 1)[-1]: r.query["api-version"][0]
        for r in emulator.log
        if r.path.lower().startswith(ACCOUNT.lower() + "/") or "serverless" in r.path.lower()
    }
    assert versions == {
        "deployments": "2025-09-01",
        "raiPolicies": "2025-09-01",
        "defenderForAISettings": "2025-09-01",
        "connections": "2025-09-01",
        "projects": "2025-09-01",
        "capabilityHosts": "2026-03-01",
        "serverlessEndpoints": "2025-12-01",
        "networkSecurityPerimeterConfigurations": "2025-06-01",
        "diagnosticSettings": "2021-05-01-preview",
    }
    connection_lists = [r for r in emulator.log if r.path.endswith("/connections")]
    assert {
        r.query.get("includeAll", ["?"])[0] for r in connection_lists if "Cognitive" in r.path
    } == {"false"}


def test_the_emulator_refuses_capability_hosts_at_an_api_version_without_a_list(
    emulator: ArmEmulator,
) -> None:
    """Like ARM, the emulator answers a list at an api-version the type lacks with a 400."""
    settings = LiveSettings(auth="token", arm_endpoint=emulator.url)
    client = ClientFactory(StaticTokenCredential(TOKEN), emulator.url, settings).arm()
    response = client.send_request(
        HttpRequest("GET", f"{emulator.url}{CAPABILITY_HOSTS}?api-version=2025-09-01")
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "NoRegisteredProviderFound"


def test_children_are_read_only_for_the_account_kinds_that_have_them(
    emulator: ArmEmulator,
) -> None:
    """AIServices: 6 lists + 2 per project + perimeter configurations; OpenAI: deployments,
    policies, Defender, perimeter configurations; others none (every kind's diagnostic settings
    are the logging part's: tests/test_live_logging.py)."""
    collect_inventory(emulator)
    under: Counter[str] = Counter()
    for request in emulator.log:
        parts = request.path.split("/")
        logging = "/providers/microsoft.insights/" in request.path.lower()
        if len(parts) > 9 and parts[7].lower() == "accounts" and not logging:
            under[parts[8]] += 1
    assert under == {"foundry-ref": 6 + 2 * 2 + 1, "ml-openai": 4, "dev-openai": 4}
    openai = {r.path.rsplit("/", 1)[-1] for r in emulator.log if "/accounts/dev-openai/" in r.path}
    assert openai == {
        "deployments",
        "raiPolicies",
        "defenderForAISettings",
        "networkSecurityPerimeterConfigurations",
        "diagnosticSettings",
    }


def test_lists_of_every_new_type_follow_next_link(emulator: ArmEmulator) -> None:
    """With one item a page, every new list spans pages and still yields every record."""
    emulator.page_size = 1
    inventory, _ = collect_inventory(emulator)
    for arm_type, names in EXPECTED.items():
        assert set(by_name(inventory, arm_type)) == names, arm_type
    paged = {r.path.rsplit("/", 1)[-1] for r in emulator.log if "$skiptoken" in r.query}
    assert {
        "deployments",
        "raiPolicies",
        "connections",
        "projects",
        "serverlessEndpoints",
    } <= paged


def test_serverless_endpoints_span_two_pages_by_default(emulator: ArmEmulator) -> None:
    """At the fixture's page size of two, the hub's three serverless endpoints take two GETs."""
    collect_inventory(emulator)
    pages = emulator.requests_for(f"{HUB}/serverlessEndpoints")
    assert [("$skiptoken" in r.query) for r in pages] == [False, True]


def test_403_on_one_accounts_deployments_leaves_the_kind_unknown(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """A denied deployments list: an error naming scope and kind, exit 3, kind undeclared."""
    emulator.fail_always(DEPLOYMENTS, denied(DEPLOYMENTS))
    result = run_cli(live_args(emulator, "--fail-on", "none"))
    assert result.code == 3
    [error] = result.report()["errors"]
    assert error["scope"] == ACCOUNT
    assert error["operation"] == "list model deployments"
    assert error["status_code"] == 403
    assert error["missing_permission"] == "Microsoft.CognitiveServices/accounts/deployments/read"
    assert error["data_kinds"] == ["ai_deployments"]
    assert len(emulator.requests_for(DEPLOYMENTS)) == 1  # a 403 is not retried
    inventory, _ = collect_inventory(emulator)
    assert not inventory.has_data("ai_deployments", SUB_A)
    assert inventory.has_data("ai_deployments", SUB_B)  # its accounts' lists succeeded
    assert all(inventory.has_data(k, SUB_A) for k in FOUNDRY_KINDS if k != "ai_deployments")
    assert not list(inventory.of_type(arm.AI_DEPLOYMENT))
    assert inventory.error_for("ai_deployments", SUB_A) is not None


@pytest.mark.parametrize("status", [400, 404, 405])
def test_capability_hosts_not_listable_is_not_collected(
    emulator: ArmEmulator, run_cli: Any, status: int
) -> None:
    """If ARM will not list account capability hosts, the kind is not declared: never a pass."""
    emulator.fail_always(CAPABILITY_HOSTS, Fault(status, message="no list", code="NotListable"))
    inventory, _ = collect_inventory(emulator)
    assert not inventory.has_data("capability_hosts", SUB_A)
    assert inventory.has_data("ai_projects", SUB_A)
    error = inventory.error_for("capability_hosts", SUB_A)
    assert error is not None
    assert (error.scope, error.status_code, error.data_kinds) == (
        ACCOUNT,
        status,
        ("capability_hosts",),
    )
    result = run_cli(live_args(emulator, "--fail-on", "none"))
    assert result.code == 3


def test_a_failed_account_list_leaves_every_account_kind_unread(emulator: ArmEmulator) -> None:
    """Without the account list nothing under the accounts was read: all their kinds undeclared."""
    accounts = f"/subscriptions/{SUB_A}/providers/Microsoft.CognitiveServices/accounts"
    emulator.fail_always(accounts, denied(accounts))
    inventory, _ = collect_inventory(emulator)
    for kind in ("ai_accounts", *FOUNDRY_KINDS):
        assert inventory.has_data(kind, SUB_A) is (kind == "serverless_endpoints"), kind
    assert not [r for r in emulator.log if "/accounts/foundry-ref/" in r.path]


def test_collect_and_save_snapshot_round_trip_every_new_kind(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Path
) -> None:
    """`collect` writes every new type and kind; a snapshot scan finds what the live scan did."""
    out = tmp_path / "evidence"
    collected = run_cli(
        ["collect", "--output", str(out), "--arm-endpoint", emulator.url, "--auth", "token"]
    )
    assert collected.code == 0, collected.err
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    [coverage] = [c for c in manifest["coverage"] if c["subscription_id"] == SUB_A]
    assert set(FOUNDRY_KINDS) <= set(coverage["collected"])
    saved = {p.name for p in out.rglob("*.json")}
    assert {
        "ai-projects.json",
        "ai-account-connections.json",
        "ai-project-connections.json",
        "ai-deployments.json",
        "rai-policies.json",
        "ai-capability-hosts.json",
        "defender-ai-settings.json",
        "serverless-endpoints.json",
    } <= saved
    live_dir, save_dir = tmp_path / "live", tmp_path / "saved"
    live = run_cli(
        live_args(emulator, "--include-passed", "--save-snapshot", str(save_dir)),
        output_dir=live_dir,
    )
    for name, folder in (("collect", out), ("save-snapshot", save_dir)):
        rescan = run_cli(
            ["scan", "--snapshot", str(folder), "--as-of", AS_OF, "--include-passed"],
            output_dir=tmp_path / f"rescan-{name}",
        )
        assert rescan.code == live.code == 1
        assert finding_set(rescan.report()) == finding_set(live.report())
        counts = rescan.report()["scan"]["resources"]
        for arm_type, names in EXPECTED.items():
            assert counts[arm_type] == len(names), (name, arm_type)


def test_requests_a_live_scan_adds_per_account_and_project(
    emulator: ArmEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """The figures for the closing note, counted from the emulator's log of one live scan."""
    collect_inventory(emulator)

    def under(prefix: str) -> list[str]:
        return [r.path for r in emulator.log if r.path.lower().startswith(prefix.lower() + "/")]

    per_project = len(under(PROJECT_A))
    per_account = len([p for p in under(ACCOUNT) if "/projects/" not in p])
    per_openai = len(under(OPENAI_B))
    per_workspace = len(emulator.requests_for(f"{HUB}/serverlessEndpoints"))
    with capsys.disabled():
        print(
            f"\nlive GETs added: {per_account} per AIServices account, {per_project} per "
            f"project, {per_openai} per OpenAI account, 1 per ML workspace "
            f"(+1 a further page: {per_workspace} for the hub's 3 endpoints at 2 a page)"
        )
    # + 1 per AIServices or OpenAI account: its perimeter configurations (guard).
    # Each account's count includes its diagnostic-settings GET (tests/test_live_logging.py).
    assert (per_account, per_project, per_openai, per_workspace) == (8, 2, 5, 2)


@pytest.mark.parametrize(
    ("path", "operation", "kind"),
    [
        (DEPLOYMENTS, "list model deployments", "ai_deployments"),
        (CAPABILITY_HOSTS, "list capability hosts", "capability_hosts"),
        (f"{PROJECT_A}/connections", "list project connections", "ai_connections"),
    ],
)
@pytest.mark.parametrize(
    "body",
    [{"values": []}, {"value": [7]}, {"value": None}],
    ids=["values-misspelt", "number-item", "value-null"],
)
def test_a_200_that_is_not_a_list_page_under_an_account_is_an_error(
    emulator: ArmEmulator, path: str, operation: str, kind: str, body: Any
) -> None:
    """SDK and raw Foundry lists alike: a bad 200 body is an error naming scope and kind."""
    emulator.fail_always(path, Fault(body=body))
    inventory, _ = collect_inventory(emulator)
    [error] = inventory.coverage.errors
    assert (error.scope, error.operation, error.data_kinds) == (
        path.rsplit("/", 1)[0],
        operation,
        (kind,),
    )
    assert not inventory.has_data(kind, SUB_A)
