"""The effective content filter of a model deployment (AIS009, AIS010) and the model rules'
parameters, through the real CLI: a template's policy and deployment resolve as a snapshot's
do, the built-in table of system policies is sourced, and each parameter moves the verdicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.engine.content_filters import system_policy_names
from tests.conftest import FIXTURES, write_json

CS = "Microsoft.CognitiveServices/accounts"
HARM = ("Hate", "Sexual", "Violence", "Selfharm")
SELECT = "AIS009,AIS010,AIS011,AIS012,AIS013"


def _harm(hate_prompt: str = "Medium") -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "source": source,
            "enabled": True,
            "blocking": True,
            "severityThreshold": hate_prompt if (name, source) == ("Hate", "Prompt") else "Medium",
        }
        for name in HARM
        for source in ("Prompt", "Completion")
    ]


def _template(policy_of_strong: str = "strict-filter") -> dict[str, Any]:
    """The reference estate's account, policies and deployments as an ARM template."""
    api = {"apiVersion": "2025-06-01"}
    weak = [*_harm("High"), {"name": "Jailbreak", "source": "Prompt", "enabled": False}]
    weak[-1]["blocking"] = False
    strict = [
        *_harm(),
        {"name": "Jailbreak", "source": "Prompt", "enabled": True, "blocking": True},
        {"name": "Indirect Attack", "source": "Prompt", "enabled": True, "blocking": True},
    ]
    model = {"format": "OpenAI", "name": "gpt-4o", "version": "2024-11-20", "publisher": "OpenAI"}

    def policy(name: str, filters: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            **api,
            "type": f"{CS}/raiPolicies",
            "name": f"foundry-ref/{name}",
            "properties": {
                "mode": "Default",
                "basePolicyName": "Microsoft.DefaultV2",
                "contentFilters": filters,
            },
        }

    def deployment(name: str, sku: str, rai: str, upgrade: str) -> dict[str, Any]:
        return {
            **api,
            "type": f"{CS}/deployments",
            "name": f"foundry-ref/{name}",
            "sku": {"name": sku, "capacity": 10},
            "properties": {"model": model, "raiPolicyName": rai, "versionUpgradeOption": upgrade},
        }

    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {
                **api,
                "type": CS,
                "name": "foundry-ref",
                "kind": "AIServices",
                "location": "swedencentral",
                "sku": {"name": "S0"},
                "properties": {"publicNetworkAccess": "Disabled", "disableLocalAuth": True},
            },
            policy("weak-filter", weak),
            policy("strict-filter", strict),
            deployment(
                "gpt-weak", "GlobalStandard", "weak-filter", "OnceNewDefaultVersionAvailable"
            ),
            deployment("gpt-strong", "DataZoneStandard", policy_of_strong, "NoAutoUpgrade"),
        ],
    }


def _verdicts(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(f["rule_id"], f["resource_name"]): f["status"] for f in report["findings"]}


def _scan(run_cli: Any, args: list[str]) -> dict[str, Any]:
    result = run_cli(["scan", *args, "--select", SELECT, "--include-passed", "--format", "json"])
    assert result.code in (0, 1, 3), result.err
    report: dict[str, Any] = result.report()
    return report


def test_a_template_resolves_its_own_policies_as_the_reference_estate_expects(
    tmp_path: Path, run_cli: Any
) -> None:
    """From an ARM template, gpt-weak fails AIS009, AIS010, AIS012 and AIS013 and gpt-strong
    passes them: the deployment's raiPolicyName resolves to the template's own policy."""
    template = write_json(tmp_path / "main.json", _template())
    verdicts = _verdicts(_scan(run_cli, ["--template", str(template)]))
    for rule in ("AIS009", "AIS010", "AIS012", "AIS013"):
        assert verdicts[(rule, "gpt-weak")] == "fail", rule
        assert verdicts[(rule, "gpt-strong")] == "pass", rule
    assert verdicts[("AIS011", "gpt-weak")] == "pass"


def test_a_template_naming_a_policy_it_does_not_define_is_unknown_naming_the_kind(
    tmp_path: Path, run_cli: Any
) -> None:
    """A template deployment whose custom policy is not in the template is unknown, saying
    that rai_policies were not collected (a template cannot show the account's policies)."""
    template = write_json(tmp_path / "main.json", _template(policy_of_strong="team-filter"))
    report = _scan(run_cli, ["--template", str(template)])
    reasons = {
        f["rule_id"]: f["reason"]
        for f in report["findings"]
        if f["resource_name"] == "gpt-strong" and f["status"] == "unknown"
    }
    assert set(reasons) == {"AIS009", "AIS010"}
    assert all(
        "RAI policy team-filter is not in the inventory: rai_policies were not" in r
        for r in reasons.values()
    )


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "auditor.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_severity_threshold_high_accepts_what_medium_refuses(tmp_path: Path, run_cli: Any) -> None:
    """`[parameters.AIS009] severity_threshold = "high"` (Azure Policy's tolerance) passes the
    fixture's High hate filter that the default medium fails; `low` fails the Medium ones."""
    folder = str(FIXTURES / "rules" / "AIS009")
    default = _verdicts(_scan(run_cli, ["--snapshot", folder]))
    high = _scan(
        run_cli,
        ["--snapshot", folder, "--config", str(_config(tmp_path, AIS009_HIGH))],
    )
    assert default[("AIS009", "hate-high-dep")] == "fail"
    assert _verdicts(high)[("AIS009", "hate-high-dep")] == "pass"
    rule = next(r for r in high["rules"] if r["id"] == "AIS009")
    assert rule["parameters"] == {"severity_threshold": "high"}
    low = _scan(run_cli, ["--snapshot", folder, "--config", str(_config(tmp_path, AIS009_LOW))])
    assert _verdicts(low)[("AIS009", "strict-dep")] == "fail"
    assert _verdicts(low)[("AIS009", "low-strict")] == "pass"


AIS009_HIGH = '[parameters.AIS009]\nseverity_threshold = "high"\n'
AIS009_LOW = '[parameters.model-deployment-content-filter-weak]\nseverity_threshold = "low"\n'


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("always", "fail"), ("never", "pass"), ("agents", "pass")],
)
def test_indirect_attack_is_required_as_the_parameter_says(
    tmp_path: Path, run_cli: Any, mode: str, expected: str
) -> None:
    """A Jailbreak-only policy on an account without capability hosts fails under `always`,
    passes under `never` and the default `agents`."""
    config = _config(tmp_path, f'[parameters.AIS010]\nindirect_attack = "{mode}"\n')
    folder = str(FIXTURES / "rules" / "AIS010")
    verdicts = _verdicts(_scan(run_cli, ["--snapshot", folder, "--config", str(config)]))
    assert verdicts[("AIS010", "shielded-dep")] == expected


def test_empty_allow_lists_approve_no_model(tmp_path: Path, run_cli: Any) -> None:
    """With every AIS011 allow-list set empty, no model is approved (as Azure Policy reads an
    empty list): what passed under the defaults fails, and a missing publisher no longer
    matters."""
    config = _config(
        tmp_path,
        "[parameters.AIS011]\nallowed_publishers = []\nallowed_models = []\n"
        "allowed_asset_ids = []\n",
    )
    folder = str(FIXTURES / "rules" / "AIS011")
    verdicts = _verdicts(_scan(run_cli, ["--snapshot", folder, "--config", str(config)]))
    for name in ("gpt", "phi", "registry-approved", "phi-serverless", "no-publisher"):
        assert verdicts[("AIS011", name)] == "fail", name
    assert verdicts[("AIS011", "workspace-model")] == "not_applicable"


def test_a_scope_outside_the_choices_is_exit_2_naming_the_parameter(
    tmp_path: Path, run_cli: Any
) -> None:
    """`allowed_scope = "global"` is not one of the choices: exit 2 naming the file, the rule
    and the parameter."""
    config = _config(tmp_path, '[parameters.AIS012]\nallowed_scope = "global"\n')
    result = run_cli(["scan", "--demo", "--select", "AIS012", "--config", str(config)])
    assert result.code == 2
    assert "allowed_scope" in result.err and "AIS012" in result.err and "auditor.toml" in result.err


def test_base_policies_that_name_each_other_are_unknown_not_a_loop(
    tmp_path: Path, run_cli: Any
) -> None:
    """Two custom policies each naming the other as basePolicyName, neither with a Sexual
    filter: the deployment is unknown (the chain nests too deep), and the scan ends."""
    account = "/subscriptions/dddddddd-0000-4000-8000-000000000001/resourceGroups/rg/providers/"
    account += f"{CS}/accounts/loop"
    hate = [f for f in _harm() if f["name"] == "Hate"]
    records = [
        {"id": account, "name": "loop", "type": CS, "kind": "AIServices", "location": "eastus"},
        *(
            {
                "id": f"{account}/raiPolicies/{name}",
                "name": name,
                "type": f"{CS}/raiPolicies",
                "properties": {"basePolicyName": base, "contentFilters": hate},
            }
            for name, base in (("a", "b"), ("b", "a"))
        ),
        {
            "id": f"{account}/deployments/d",
            "name": "d",
            "type": f"{CS}/deployments",
            "sku": {"name": "Standard"},
            "properties": {"raiPolicyName": "a"},
        },
    ]
    folder = tmp_path / "snap"
    write_json(folder / "resources.json", records)
    report = _scan(run_cli, ["--snapshot", str(folder)])
    (finding,) = [f for f in report["findings"] if f["rule_id"] == "AIS009"]
    assert finding["status"] == "unknown"
    assert "properties.basePolicyName = " in finding["reason"]
    assert "nests too deep" in finding["reason"]


def test_the_built_in_table_cites_a_source_or_says_it_is_unconfirmed() -> None:
    """Every filter of the built-in system policies gives its values with a citation of a
    listed source, or says why it is not known; both default policies are there."""
    path = Path(__file__).parent.parent / "auditor" / "data" / "default-rai-policies.json"
    table = json.loads(path.read_text(encoding="utf-8"))
    assert set(system_policy_names()) == {"Microsoft.DefaultV2", "Microsoft.Default"}
    for name, policy in table["policies"].items():
        for entry in policy["contentFilters"]:
            if "unconfirmed" in entry:
                assert "enabled" not in entry, (name, entry)
            else:
                assert entry["citation"] in table["sources"], (name, entry)
                assert {"enabled", "blocking"} <= set(entry), (name, entry)
