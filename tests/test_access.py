"""Access predicates on hand-built inventories: inherited scopes, management groups, root."""

from __future__ import annotations

import datetime as dt
from typing import Any

from auditor.arm import ROLE_DEFINITION
from auditor.engine.access import definition_allows, definition_writes, key_readers
from auditor.engine.grants import reaches
from auditor.engine.outcome import EvalContext
from auditor.inventory import InventoryBuilder
from auditor.model import Resource, SourceRef, Status

A = "aaaaaaaa-0000-4000-8000-000000000001"
B = "bbbbbbbb-0000-4000-8000-000000000002"
ACCOUNT = (
    f"/subscriptions/{A}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/acct"
)
CONTRIBUTOR_CS = "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


def assignment(name: str, scope: str, role: str) -> dict[str, Any]:
    return {
        "id": f"{scope.rstrip('/')}/providers/Microsoft.Authorization/roleAssignments/{name}",
        "type": "Microsoft.Authorization/roleAssignments",
        "name": name,
        "properties": {
            "roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{role}",
            "principalId": f"p-{name}",
            "principalType": "User",
            "scope": scope,
        },
    }


def judge(*records: dict[str, Any], groups: dict[str, list[str]] | None = None) -> Any:
    builder = InventoryBuilder()
    account = {"id": ACCOUNT, "type": "Microsoft.CognitiveServices/accounts", "properties": {}}
    for record in (account, *records):
        builder.add(record, SourceRef("snapshot"))
    for group, subs in (groups or {}).items():
        for sub in subs:
            builder.note_management_group(group, sub)
    builder.declare_collected(A, ["role_assignments"])
    inventory = builder.build()
    resource = inventory.get(ACCOUNT)
    assert resource is not None
    context = EvalContext(inventory, dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    return key_readers(resource, context), inventory, resource


def test_management_group_reach_follows_the_listed_subscriptions() -> None:
    """A management-group Contributor reaches the account only if its group covers the subscription."""
    mg = "/providers/Microsoft.Management/managementGroups/other"
    outside, inventory, resource = judge(
        assignment("mg", mg, CONTRIBUTOR_CS), groups={"other": [B]}
    )
    assert outside.status is Status.PASS
    assert not reaches(inventory, mg, resource)
    inside, _, _ = judge(assignment("mg", mg, CONTRIBUTOR_CS), groups={"other": [A, B]})
    assert inside.status is Status.FAIL
    assert inside.evidence["key_readers"][0]["role"] == "Cognitive Services Contributor"


def test_root_scope_and_sibling_groups() -> None:
    """A root-scope grant reaches everything; one on a sibling resource group does not."""
    root, _, _ = judge(assignment("root", "/", CONTRIBUTOR_CS))
    assert root.status is Status.FAIL
    sibling, _, _ = judge(
        assignment("sib", f"/subscriptions/{A}/resourceGroups/rg-other", CONTRIBUTOR_CS),
        assignment("read", f"/subscriptions/{A}/resourceGroups/rg", READER),
    )
    assert sibling.status is Status.PASS


def test_definition_matching_honours_not_actions_and_wildcards() -> None:
    """Wildcards match case-insensitively; notActions take an action back out."""

    def definition(actions: list[str], not_actions: list[str]) -> Resource:
        data = {"properties": {"permissions": [{"actions": actions, "notActions": not_actions}]}}
        return Resource(
            "/d", "/d", ROLE_DEFINITION, "d", None, None, None, data, SourceRef("snapshot")
        )

    action = "Microsoft.CognitiveServices/accounts/listKeys/action"
    assert definition_allows(definition(["microsoft.cognitiveservices/*"], []), action)
    assert (
        definition_allows(definition(["Microsoft.CognitiveServices/*"], [action]), action) is False
    )
    assert definition_allows(definition(["*/read"], []), action) is False
    assert definition_writes(definition(["*/read", "Microsoft.Storage/*/write"], [])) == [
        "Microsoft.Storage/*/write"
    ]
