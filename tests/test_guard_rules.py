"""AIS020's `require_prompt_evidence` parameter, set in the config file, through the real CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import write_json

SUB = "aaaaaaaa-0000-4000-8000-000000000001"
ACCOUNT = {
    "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/oai",
    "name": "oai",
    "type": "Microsoft.CognitiveServices/accounts",
    "kind": "OpenAI",
    "location": "swedencentral",
    "properties": {},
}


def _plan(extensions: list[dict[str, str]] | None) -> dict[str, Any]:
    properties: dict[str, Any] = {"pricingTier": "Standard"}
    if extensions is not None:
        properties["extensions"] = extensions
    return {
        "id": f"/subscriptions/{SUB}/providers/Microsoft.Security/pricings/AI",
        "name": "AI",
        "type": "Microsoft.Security/pricings",
        "properties": properties,
    }


def _ais020(run_cli: Any, folder: Path, extensions: list[dict[str, str]] | None) -> Any:
    path = write_json(folder / "in" / "estate.json", [ACCOUNT, _plan(extensions)])
    report = run_cli(
        ["scan", "--snapshot", str(path), "--select", "AIS020", "--include-passed"]
    ).report()
    [finding] = report["findings"]
    return finding


@pytest.mark.parametrize(
    ("extensions", "required", "status"),
    [
        ([{"name": "AIPromptEvidence", "isEnabled": "False"}], False, "pass"),
        ([{"name": "AIPromptEvidence", "isEnabled": "False"}], True, "fail"),
        ([{"name": "aipromptevidence", "isEnabled": "True"}], True, "pass"),
        ([{"name": "AIModelScanner", "isEnabled": "True"}], True, "fail"),
        (None, True, "unknown"),
        ([{"name": "AIPromptEvidence"}], True, "unknown"),
    ],
    ids=["off-not-required", "off", "on", "absent", "no-extensions", "no-isEnabled"],
)
def test_prompt_evidence_is_judged_only_when_required(
    run_cli: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    extensions: list[dict[str, str]] | None,
    required: bool,
    status: str,
) -> None:
    """A Standard plan passes by default; with the parameter on, its AIPromptEvidence
    extension must be `"True"` (a string, any case of the name), and an unreadable one is
    unknown, never pass."""
    monkeypatch.chdir(tmp_path)
    value = "true" if required else "false"
    (tmp_path / "auditor.toml").write_text(
        f"[parameters.AIS020]\nrequire_prompt_evidence = {value}\n", encoding="utf-8"
    )
    finding = _ais020(run_cli, tmp_path, extensions)
    assert finding["status"] == status, finding
    if status == "unknown":
        assert "pricings[AI].properties.extensions" in finding["reason"]
