"""Evidence out of a live scan (collect, --save-snapshot), its pipeline guard and progress."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from azure.core.rest import HttpRequest

from auditor.collect.live.clients import (
    ClientFactory,
    ReadOnlyViolation,
    StaticTokenCredential,
    make_credential,
)
from auditor.collect.live.collector import LiveCollector
from auditor.collect.live.progress import Progress
from auditor.collect.live.settings import LiveSettings
from auditor.errors import CollectionFailure, InputError
from auditor.inventory import InventoryBuilder
from tests.emulator import ArmEmulator
from tests.emulator.fixtures import (
    SUB_A,
    SUB_B,
    SUB_C,
    TOKEN,
)
from tests.test_live_scan import AS_OF, finding_set, live_args

SECRET_VALUES = ("hunter2-plain-text", "c2VjcmV0LWtleS12YWx1ZQ==")


def collect_inventory(server: ArmEmulator) -> Any:
    # ARM lists, which the callers count and fault (tests/test_live_graph.py: Resource Graph).
    settings = LiveSettings(auth="token", arm_endpoint=server.url, collector="arm")
    factory = ClientFactory(StaticTokenCredential(TOKEN), server.url, settings)
    builder = InventoryBuilder()
    summary = LiveCollector(factory, builder).run()
    return builder.build(), summary


def test_inventory_receives_arm_rest_shapes(emulator: ArmEmulator) -> None:
    """SDK models reach the inventory as ARM JSON (camelCase REST keys), not snake_case."""
    inventory, _ = collect_inventory(emulator)
    [account] = [
        r
        for r in inventory.of_type("Microsoft.CognitiveServices/accounts")
        if r.name == "dev-speech"
    ]
    assert account.data["properties"]["disableLocalAuth"] is True
    assert "disable_local_auth" not in json.dumps(account.data)
    [assignment] = [
        r
        for r in inventory.of_type("Microsoft.Authorization/roleAssignments")
        if r.name.endswith("000000000002")
    ]
    assert assignment.data["properties"]["principalType"] == "ServicePrincipal"
    assert assignment.data["properties"]["roleDefinitionId"].endswith(
        "b24988ac-6180-42a0-ab88-20f7382dd24c"
    )
    assert inventory.subscriptions[SUB_A].name == "ml-prod"
    assert inventory.events and all(e.status for e in inventory.events)


def test_coverage_and_management_groups_are_declared(emulator: ArmEmulator) -> None:
    """Every kind is declared for every scanned subscription; inherited MG assignments noted."""
    inventory, summary = collect_inventory(emulator)
    assert summary.tenant == "99999999-0000-4000-8000-000000000099"
    for sub in (SUB_A, SUB_B, SUB_C):
        assert inventory.has_data("connections", sub)
        assert inventory.has_data("activity_log", sub)
        assert inventory.has_data("web_services", sub)
    assert inventory.management_groups == {"contoso-root": frozenset({SUB_A, SUB_B, SUB_C})}
    # Only key-regeneration events are kept; listKeys and writes are dropped.
    assert {e.operation.lower().rsplit("/", 2)[-2] for e in inventory.events} == {
        "regeneratekey",
        "regeneratekeys",
    }


def test_collect_then_scan_snapshot_gives_the_live_findings(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Path
) -> None:
    """`collect --output DIR` then `scan --snapshot DIR` finds exactly what the live scan found."""
    out = tmp_path / "evidence"
    collected = run_cli(
        ["collect", "--output", str(out), "--arm-endpoint", emulator.url, "--auth", "token"]
    )
    assert collected.code == 0, collected.err
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["kind"] == "auditor-snapshot-manifest"
    assert manifest["version"] == 1
    assert manifest["tenant"] == "99999999-0000-4000-8000-000000000099"
    assert {c["subscription_id"] for c in manifest["coverage"]} == {SUB_A, SUB_B, SUB_C}
    assert manifest["errors"] == []
    live = run_cli(live_args(emulator, "--include-passed"), output_dir=tmp_path / "live")
    rescan = run_cli(
        ["scan", "--snapshot", str(out), "--as-of", AS_OF, "--include-passed"],
        output_dir=tmp_path / "rescan",
    )
    assert rescan.code == live.code == 1
    assert finding_set(rescan.report()) == finding_set(live.report())


def test_saved_snapshot_keeps_errors_and_no_secret_values(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Path
) -> None:
    """--save-snapshot writes redacted data and the 403; re-scanning it repeats the live result."""
    from tests.emulator import Fault
    from tests.test_live_scan import DENIED, ROLE_ASSIGNMENTS_C

    emulator.fail_always(ROLE_ASSIGNMENTS_C, Fault(403, message=DENIED))
    saved = tmp_path / "saved"
    live = run_cli(live_args(emulator, "--save-snapshot", str(saved), "--include-passed"))
    rescan = run_cli(
        ["scan", "--snapshot", str(saved), "--as-of", AS_OF, "--include-passed"],
        output_dir=tmp_path / "rescan",
    )
    assert finding_set(rescan.report()) == finding_set(live.report())
    assert rescan.report()["errors"] == live.report()["errors"]
    text = "".join(p.read_text("utf-8") for p in saved.rglob("*.json"))
    for value in SECRET_VALUES:
        assert value not in text
    assert "DB_PASSWORD" in text  # the name stays, so AML007 still fails on re-scan


def test_collect_refuses_to_overwrite_a_folder_that_is_not_a_snapshot(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Path
) -> None:
    """A non-empty folder without a manifest is left alone: exit 2."""
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("mine", "utf-8")
    result = run_cli(
        ["collect", "--output", str(out), "--arm-endpoint", emulator.url, "--auth", "token"]
    )
    assert result.code == 2
    assert (out / "notes.txt").read_text("utf-8") == "mine"


def test_guard_refuses_writes_and_key_paths_before_they_are_sent(emulator: ArmEmulator) -> None:
    """A POST or a listKeys GET through the pipeline raises and never reaches the emulator."""
    settings = LiveSettings(auth="token", arm_endpoint=emulator.url)
    client = ClientFactory(StaticTokenCredential(TOKEN), emulator.url, settings).arm()
    account = f"/subscriptions/{SUB_B}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/dev-openai"
    for method, path in (
        ("POST", f"{account}/listKeys"),
        ("GET", f"{account}/listKeys"),
        ("PUT", account),
        ("GET", "https://example.invalid/subscriptions"),
    ):
        url = path if path.startswith("https") else f"{emulator.url}{path}?api-version=2025-09-01"
        with pytest.raises(ReadOnlyViolation):
            client.send_request(HttpRequest(method, url))
    assert emulator.log == []


def test_token_credential_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """--auth token takes AUDITOR_ACCESS_TOKEN and never shows it; missing, it is a clean error."""
    monkeypatch.setenv("AUDITOR_ACCESS_TOKEN", "abc.def.ghi")
    credential = make_credential(LiveSettings(auth="token"))
    assert credential.get_token("https://management.azure.com/.default").token == "abc.def.ghi"
    assert "abc" not in repr(credential)
    monkeypatch.delenv("AUDITOR_ACCESS_TOKEN")
    with pytest.raises(CollectionFailure, match="AUDITOR_ACCESS_TOKEN"):
        make_credential(LiveSettings(auth="token"))


def test_endpoint_must_be_https() -> None:
    """Tokens are never sent in clear text: an http:// endpoint is refused."""
    with pytest.raises(InputError, match="https"):
        LiveSettings(arm_endpoint="http://127.0.0.1:1").endpoint()


def test_progress_line_on_a_terminal(emulator: ArmEmulator) -> None:
    """On a terminal the progress line shows subscriptions and workspaces done/total."""

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    settings = LiveSettings(auth="token", arm_endpoint=emulator.url)
    factory = ClientFactory(StaticTokenCredential(TOKEN), emulator.url, settings)
    LiveCollector(factory, InventoryBuilder(), Progress(stream)).run()
    text = stream.getvalue()
    assert "\r" in text
    assert "subscriptions 3/3  workspaces 6/6" in text
    assert "skipping subscription d0d0d0d0-0000-4000-8000-00000000000d: it is disabled" in text
    assert f"subscription {SUB_B} done" not in text  # per-subscription lines are for logs


def test_progress_lines_in_ci(emulator: ArmEmulator) -> None:
    """Not on a terminal: plain lines, no carriage returns."""
    stream = io.StringIO()
    settings = LiveSettings(auth="token", arm_endpoint=emulator.url)
    factory = ClientFactory(StaticTokenCredential(TOKEN), emulator.url, settings)
    LiveCollector(factory, InventoryBuilder(), Progress(stream)).run()
    text = stream.getvalue()
    assert "\r" not in text
    assert f"auditor: subscription {SUB_C} done" in text
    assert "auditor: collected: subscriptions 3/3" in text


class CountingCredential(StaticTokenCredential):
    """A static token that counts how often it is asked (like `az` being run each time)."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.calls = 0

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        self.calls += 1
        return super().get_token(*scopes, **kwargs)


def test_one_token_serves_every_client(emulator: ArmEmulator) -> None:
    """A whole tenant scan (dozens of SDK clients) asks the credential for a token once."""
    credential = CountingCredential(TOKEN)
    settings = LiveSettings(auth="token", arm_endpoint=emulator.url)
    factory = ClientFactory(credential, emulator.url, settings)
    LiveCollector(factory, InventoryBuilder()).run()
    assert len(emulator.log) > 20
    assert credential.calls == 1
