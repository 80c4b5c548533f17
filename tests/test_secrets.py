"""Secret values found in the input never reach any output; their names and places do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.collect.snapshot import read_snapshots
from auditor.inventory import InventoryBuilder
from auditor.secrets import classify
from tests.conftest import FIXTURES, write_json

SUB = "aaaaaaaa-0000-4000-8000-000000000001"


def all_output(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()))


def test_fixture_secrets_never_appear_in_any_report(run_cli: Any) -> None:
    """Every secret value of the AML007 fixtures is absent from every file written."""
    folder = FIXTURES / "rules" / "AML007"
    secrets = yaml.safe_load((folder / "expected.yaml").read_text())["secret_values"]
    result = run_cli(["scan", "--snapshot", str(folder), "--include-passed"])
    text = all_output(result.output_dir) + result.out + result.err
    for secret in secrets:
        assert secret not in text
    report = result.report()
    leaky = next(f for f in report["findings"] if f["resource_name"] == "leaky")
    assert [v["name"] for v in leaky["evidence"]["secret_variables"]] == ["STORAGE"]
    assert leaky["evidence"]["secret_variables"][0]["where"] == "properties.environmentVariables"


def test_demo_secrets_never_appear(run_cli: Any) -> None:
    """The demo estate's fake secrets (all containing DEMOonly) stay out of the reports."""
    result = run_cli(["scan", "--demo", "--include-passed"])
    assert "DEMOonly" not in all_output(result.output_dir) + result.err


def test_known_credential_fields_are_redacted_in_the_inventory(tmp_path: Path) -> None:
    """A pasted listKeys output or credentials inside a resource never enter the inventory."""
    account = {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a",
        "type": "Microsoft.CognitiveServices/accounts",
        "name": "a",
        "properties": {
            "key1": "SECRETkey1VALUE",
            "nested": [{"primaryKey": "SECRETprimaryVALUE"}],
            "credentials": {"clientSecret": "SECRETclientVALUE"},
        },
    }
    builder = InventoryBuilder()
    read_snapshots([write_json(tmp_path / "in" / "a.json", account)], builder)
    [resource] = builder.build().resources.values()
    dumped = json.dumps(resource.data)
    for secret in ("SECRETkey1VALUE", "SECRETprimaryVALUE", "SECRETclientVALUE"):
        assert secret not in dumped
    assert "key1" not in resource.data["properties"]  # undeclared: not kept at all


@pytest.mark.parametrize(
    ("name", "value", "flagged"),
    [
        ("DB_PASSWORD", "hunter2", True),
        ("OPENAI_API_KEY", "x", True),
        ("STORAGE", "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=abc==", True),
        ("MODEL_URL", "https://a.blob.core.windows.net/c/m?sv=1&sig=abc", True),
        ("CERT", "-----BEGIN RSA PRIVATE KEY-----\nabc", True),
        ("BEARER", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig", True),
        ("DATABASE_URL", "postgres://user:pa55@db:5432/x", True),
        ("DB_PASSWORD", "${{azureml://connections/db/credentials/password}}", False),
        ("API_KEY", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/k)", False),
        ("AZURE_KEYVAULT_URL", "https://kv.vault.azure.net/", False),
        ("KEY_VAULT_NAME", "kv-prod", False),
        ("SECRET_NAME", "", False),
        ("LOG_LEVEL", "debug", False),
        ("MONKEY_COUNT", "3", False),
    ],
)
def test_classify(name: str, value: str, flagged: bool) -> None:
    """Secret detection by name and by value, and no false alarm on references or lookalikes."""
    assert (classify(name, value) is not None) is flagged


def test_redaction_marker_round_trips() -> None:
    """A redacted value read back (from a saved snapshot) is classified the same way."""
    reason = classify("X", "AccountKey=abc")
    assert reason is not None
    assert classify("X", f"<redacted: {reason}>") == reason
