"""Issue 12's acceptance: the reference Foundry estate scanned live (the real SDK against the
emulator), from the snapshot that live scan saved, and from its ARM template, gives the same
verdicts on the resources that matter: the weak content filter, the key-storing project
connection, the shared credential, the key-auth serverless endpoint, and their compliant twins;
and no credential value reaches any file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tests.emulator import ArmEmulator
from tests.emulator.fixtures import SUB_A

AS_OF = "2026-11-01T00:00:00Z"
TEMPLATE = FIXTURES / "templates" / "foundry-estate" / "main.json"
RULES = "AIS008,AIS009,AIS010,AIS013,AIS014,AIS015,AIS016,AIS017,AIS018,AML026,AML027"
FOUNDRY_GROUP = f"/subscriptions/{SUB_A}/resourcegroups/rg-foundry/"
CONTEXT = (
    *("--template-context", f"subscription_id={SUB_A}"),
    *("--template-context", "resource_group=rg-foundry"),
    *("--template-context", "location=swedencentral"),
)

# (rule, resource name) -> status, the same in every input.
EXPECTED: dict[tuple[str, str], str] = {
    ("AIS009", "gpt-weak"): "fail",
    ("AIS009", "gpt-strong"): "pass",
    ("AIS010", "gpt-weak"): "fail",
    ("AIS010", "gpt-strong"): "pass",
    ("AIS013", "gpt-weak"): "fail",
    ("AIS013", "gpt-strong"): "pass",
    ("AIS008", "aoai-key"): "fail",
    ("AIS008", "aoai-entra"): "pass",
    ("AIS008", "aoai-aad"): "pass",
    ("AIS014", "search-shared-key"): "fail",
    ("AIS014", "aoai-key"): "fail",
    ("AIS014", "aoai-entra"): "pass",
    ("AIS014", "blob-mi"): "pass",
    ("AIS014", "aoai-aad"): "pass",
    ("AIS015", "search-shared-key"): "fail",
    ("AIS015", "aoai-key"): "pass",
    ("AIS016", "search-shared-key"): "fail",
    ("AIS016", "aoai-key"): "pass",
    ("AIS017", "foundry-ref"): "fail",
    ("AIS018", "foundry-ref"): "pass",
    ("AML026", "llama-key"): "fail",
    ("AML026", "phi-aad"): "pass",
    ("AML027", "mistral-unsafe"): "fail",
    ("AML027", "llama-key"): "pass",
    ("AML027", "phi-aad"): "pass",
}


def _verdicts(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {
        (f["rule_id"], f["resource_name"]): f["status"]
        for f in report["findings"]
        if f["resource_id"].lower().startswith(FOUNDRY_GROUP)
    }


def _scan(run_cli: Any, out: Path, *args: str) -> dict[str, Any]:
    result = run_cli(
        ["scan", *args, "--select", RULES, "--include-passed", "--as-of", AS_OF],
        output_dir=out,
    )
    assert result.code in (0, 1, 3), result.err
    report: dict[str, Any] = result.report()
    return report


@pytest.fixture
def three_ways(emulator: ArmEmulator, run_cli: Any, tmp_path: Path) -> dict[str, dict[str, Any]]:
    """The estate's report live, from the saved snapshot, and from the template."""
    saved = tmp_path / "saved"
    live = _scan(
        run_cli,
        tmp_path / "live",
        "--arm-endpoint",
        emulator.url,
        "--auth",
        "token",
        "--save-snapshot",
        str(saved),
    )
    snapshot = _scan(run_cli, tmp_path / "snapshot", "--snapshot", str(saved))
    template = _scan(run_cli, tmp_path / "template", "--template", str(TEMPLATE), *CONTEXT)
    return {"live": live, "snapshot": snapshot, "template": template}


@pytest.mark.parametrize("source", ["live", "snapshot", "template"])
def test_each_input_gives_the_expected_verdicts(
    three_ways: dict[str, dict[str, Any]], source: str
) -> None:
    """Every failure the issue names fails, and every compliant twin passes, in this input."""
    verdicts = _verdicts(three_ways[source])
    assert {key: verdicts.get(key) for key in EXPECTED} == EXPECTED


def test_live_snapshot_and_template_agree(three_ways: dict[str, dict[str, Any]]) -> None:
    """Live and its saved snapshot agree on every Foundry verdict, not only the named ones."""
    assert _verdicts(three_ways["live"]) == _verdicts(three_ways["snapshot"])


def test_terraform_twin_never_passes_what_fails(run_cli: Any, tmp_path: Path) -> None:
    """The Terraform plan of the same estate (what azurerm can express) gives the expected
    verdict wherever it holds the resource and the field, and otherwise unknown,
    not_applicable or nothing: never a pass where the estate fails."""
    plan = FIXTURES / "templates" / "foundry-estate-tf" / "plan.json"
    verdicts = _verdicts(_scan(run_cli, tmp_path / "tf", "--template", str(plan), *CONTEXT))
    same = {key for key, status in EXPECTED.items() if verdicts.get(key) == status}
    assert {("AIS009", "gpt-weak"), ("AIS010", "gpt-weak"), ("AIS014", "search-shared-key")} <= same
    for key, status in EXPECTED.items():
        assert verdicts.get(key) in (status, "unknown", "not_applicable", None), key
        if status == "fail":
            assert verdicts.get(key) != "pass", key
    assert verdicts[("AIS015", "search-shared-key")] == "unknown"  # azurerm cannot say
