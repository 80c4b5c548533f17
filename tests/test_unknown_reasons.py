"""Every ``unknown`` says what it lacks (issue 11): scanned from the demo, every rule fixture,
every template fixture (ARM, Bicep's compiled JSON, Terraform plan, ML YAML) and the
quickstarts, each unknown result's reason names a field path with why (missing, unresolved,
invalid) or the data that was not read; a reason naming nothing (``'field(s) missing: '``)
fails. The shapes the issue names (a workspace whose isolation mode a template leaves open, a
private-endpoint entry with no status) give their exact reasons."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from auditor.fields import DECLARATIONS, Field
from tests.conftest import FIXTURES, write_json

TEMPLATES = FIXTURES / "templates"
SCANS: list[tuple[str, list[str]]] = [
    ("demo", ["--demo"]),
    *(
        (f"rules/{folder.name}", ["--snapshot", str(folder)])
        for folder in sorted((FIXTURES / "rules").iterdir())
    ),
    *(
        (f"templates/{name}", ["--template", str(TEMPLATES / name)])
        for name in ("bicep-compiled", "keyless", "mixed")
    ),
    *(
        (f"quickstarts/{folder.name}", ["--template", str(folder)])
        for folder in sorted((TEMPLATES / "quickstarts").iterdir())
        if folder.is_dir()
    ),
]

# What a reason says when a rule needs data that was not read, rather than a field.
DATA_NOT_READ = re.compile(
    r"no [\w ]+ (?:data )?(?:was|were) collected for subscription \S"
    r"|[\w ]+ (?:was|were) not collected for subscription \S"
    r"|is not in the inventory"
    r"|definition not collected"
    r"|is not a known built-in role and was not collected"
    r"|the Activity Log keeps \d+ days"
)
# A field the reader names: ``path missing``, ``path = <unresolved: ...>``, ``path is
# invalid``, or a list after ``field(s) missing:``; a path may carry a label
# (``workspace.``) and array indices (``[0]``).
NAMED_FIELD = re.compile(
    r"(?:^|[\s:;(,])(?P<path>[A-Za-z$][\w$]*(?:\[[^\]\s]*\])?(?:\.[A-Za-z$][\w$]*(?:\[[^\]\s]*\])?)*)"
    r"(?= missing| = | is invalid| is after|,|;|$)"
)
NAMES_NOTHING = re.compile(r"missing: *(?:$|[;,)])")
LABELS = ("workspace.", "hub.", "storageAccount.", "containerRegistry.", "keyVault.")
# A child read with its parent names it by collection and name: `capabilityHosts[agents].`.
CHILD_LABEL = re.compile(r"^[A-Za-z]+\[[^\]\s]+\]\.")


def _declared(declaration: Field, path: str) -> bool:
    """Whether ``path`` (``a[0].b``: ``b`` of an element of array ``a``) is declared."""
    current: Field | None = declaration
    for part in path.split("."):
        name, index, _ = part.partition("[")
        current = current.member(name) if current is not None else None
        if current is not None and index:
            current = current.items
    return current is not None


def declared_anywhere(path: str) -> bool:
    """Whether a dotted path (its label taken off) is declared for some type."""
    for label in LABELS:
        path = path.removeprefix(label)
    path = CHILD_LABEL.sub("", path)
    return any(_declared(declaration, path) for declaration in DECLARATIONS.values())


def names_what_it_lacks(reason: str | None) -> bool:
    """Whether an unknown reason names a declared field, or the data that was not read."""
    if not reason or NAMES_NOTHING.search(reason):
        return False
    if DATA_NOT_READ.search(reason):
        return True
    return any(declared_anywhere(m.group("path")) for m in NAMED_FIELD.finditer(reason))


@pytest.mark.parametrize(
    "reason",
    [
        "field(s) missing: properties.privateEndpointConnections[0].properties"
        ".privateLinkServiceConnectionState.status",
        "value not resolved: workspace.properties.managedNetwork.isolationMode = "
        "<unresolved: [parameters('mode')] (no value)>",
        "value not valid for the spec: properties.computeType is invalid: expected one of 'ACI'",
        "location missing",
        "no role assignments were collected for subscription s1",
        "v1 web services were not collected for subscription s1",
        "value not valid for the spec: capabilityHosts[agents].properties.capabilityHostKind "
        "is invalid: expected one of 'Agents'",
    ],
)
def test_the_check_accepts_a_reason_naming_a_field_or_data(reason: str) -> None:
    """A reason naming a declared field with why, or the data not read, is accepted."""
    assert names_what_it_lacks(reason)


@pytest.mark.parametrize(
    "reason",
    [
        None,
        "",
        "field(s) missing: ",
        "field(s) missing: ; value not resolved",
        "the endpoint record has no identity block",
        "the compute's or the workspace's region is missing",
        "field(s) missing: properties.noSuchField",
    ],
)
def test_the_check_refuses_a_reason_naming_nothing(reason: str | None) -> None:
    """An empty reason, an empty field list, prose without a path, or an undeclared path is
    refused: the check can fail."""
    assert not names_what_it_lacks(reason)


@pytest.mark.parametrize(("name", "args"), SCANS, ids=[name for name, _ in SCANS])
def test_every_unknown_names_its_fields(run_cli: Any, name: str, args: list[str]) -> None:
    """Every unknown result of the scan has a reason naming a field (and why) or the data
    that was not read; the scan judged something."""
    result = run_cli(["scan", *args, "--format", "json", "--allow-empty"])
    assert result.code in (0, 1, 3), result.err
    findings = result.report()["findings"]
    assert findings
    silent = [
        f"{f['rule_id']} {f['resource_name']}: {f.get('reason')!r}"
        for f in findings
        if f["status"] == "unknown" and not names_what_it_lacks(f.get("reason"))
    ]
    assert silent == []


def _ml_template(managed_network: Any, parameter: dict[str, Any]) -> dict[str, Any]:
    """A workspace whose managed network is ``managed_network``, with a cluster in no subnet
    and a managed deployment with public egress on: what AML010, AML013 and AML019 judge."""
    ml = "Microsoft.MachineLearningServices/workspaces"
    common = {"apiVersion": "2024-04-01", "location": "eastus"}
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": parameter,
        "resources": [
            {**common, "type": ml, "name": "ws", "properties": {"managedNetwork": managed_network}},
            {
                **common,
                "type": f"{ml}/computes",
                "name": "ws/cluster",
                "properties": {
                    "computeType": "AmlCompute",
                    "properties": {"vmSize": "Standard_DS3_v2", "enableNodePublicIp": False},
                },
            },
            {
                **common,
                "type": f"{ml}/onlineEndpoints",
                "name": "ws/ep",
                "properties": {"authMode": "AADToken", "publicNetworkAccess": "Disabled"},
            },
            {
                **common,
                "type": f"{ml}/onlineEndpoints/deployments",
                "name": "ws/ep/blue",
                "properties": {
                    "endpointComputeType": "Managed",
                    "egressPublicNetworkAccess": "Enabled",
                },
            },
        ],
    }


NO_VALUE = "(template: no parameters file value, no defaultValue)"


@pytest.mark.parametrize(
    ("managed_network", "parameter", "open_value"),
    [
        (
            {"isolationMode": "[parameters('mode')]"},
            {"mode": {"type": "string"}},
            f"[parameters('mode')] (depends on [parameters('mode')] (parameter mode has no value "
            f"{NO_VALUE}))",
        ),
        (
            "[parameters('network')]",
            {"network": {"type": "object"}},
            f"[parameters('network')] (depends on [parameters('network')] (parameter network has "
            f"no value {NO_VALUE}))",
        ),
    ],
    ids=["isolationMode", "managedNetwork"],
)
def test_an_open_isolation_mode_makes_aml010_aml013_aml019_unknown(
    tmp_path: Path,
    run_cli: Any,
    managed_network: Any,
    parameter: dict[str, Any],
    open_value: str,
) -> None:
    """A workspace whose managedNetwork.isolationMode (or whole managedNetwork) a template
    leaves open: AML010 and AML038, and AML013 and AML019 that ask it of their workspace, are
    unknown with the exact reason naming the field and the expression, not fail."""
    path = write_json(tmp_path / "t.json", _ml_template(managed_network, parameter))
    report = run_cli(["scan", "--template", str(path), "--format", "json"]).report()
    assert report["errors"] == []
    field = "properties.managedNetwork.isolationMode"
    reasons = {
        (f["rule_id"], f["resource_name"]): f["reason"]
        for f in report["findings"]
        if f["status"] == "unknown"
    }
    assert reasons == {
        ("AML010", "ws"): f"value not resolved: {field} = <unresolved: {open_value}>",
        (
            "AML013",
            "cluster",
        ): f"value not resolved: workspace.{field} = <unresolved: {open_value}>",
        ("AML019", "blue"): f"value not resolved: workspace.{field} = <unresolved: {open_value}>",
        ("AML038", "ws"): f"value not resolved: {field} = <unresolved: {open_value}>",
        # The template's workspace names no storage account or key vault and no auth mode.
        ("AML031", "ws"): "field(s) missing: properties.storageAccount",
        ("AML033", "ws"): "field(s) missing: properties.keyVault",
        ("AML035", "ws"): "field(s) missing: properties.systemDatastoresAuthMode",
    }


def test_a_private_endpoint_entry_without_status_names_the_field(
    tmp_path: Path, run_cli: Any
) -> None:
    """AIS004 on an account whose second private-endpoint entry has no status (the first is
    Pending) is unknown naming that entry's status field, never ``'field(s) missing: '``."""
    account = {
        "id": "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001/resourceGroups/rg/providers/"
        "Microsoft.CognitiveServices/accounts/acct",
        "name": "acct",
        "type": "Microsoft.CognitiveServices/accounts",
        "kind": "OpenAI",
        "location": "eastus",
        "properties": {
            "privateEndpointConnections": [
                {"properties": {"privateLinkServiceConnectionState": {"status": "Pending"}}},
                {"properties": {"privateLinkServiceConnectionState": {"description": "x"}}},
            ]
        },
    }
    path = write_json(tmp_path / "snap" / "accounts.json", [account])
    report = run_cli(["scan", "--snapshot", str(path), "--format", "json"]).report()
    (finding,) = [f for f in report["findings"] if f["rule_id"] == "AIS004"]
    assert (finding["status"], finding["reason"]) == (
        "unknown",
        "field(s) missing: properties.privateEndpointConnections[1].properties"
        ".privateLinkServiceConnectionState.status",
    )
