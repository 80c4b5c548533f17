"""Management-group scope, exclusions and shards of live scans: the real SDK pipeline against
the emulator's hierarchy, checked from the emulator's request log."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from auditor.shard import shard_of
from tests.emulator import ArmEmulator
from tests.emulator.fixtures import SUB_A, SUB_B, SUB_C, SUB_D
from tests.emulator.management_groups import Hierarchy
from tests.test_live_scan import live_args
from tests.test_merge import comparable
from tests.test_report import validate

TENANT = "99999999-0000-4000-8000-000000000099"
SUB_E = "e0e0e0e0-0000-4000-8000-00000000000e"
SUB_F = "f0f0f0f0-0000-4000-8000-00000000000f"
SUB_G = "a1a1a1a1-0000-4000-8000-0000000000a1"
SUB_H = "b1b1b1b1-0000-4000-8000-0000000000b1"
ALL = (SUB_A, SUB_B, SUB_C, SUB_D, SUB_E, SUB_F, SUB_G, SUB_H)
NAMES = {SUB_E: "experiments", SUB_F: "corp-legacy", SUB_G: "sandbox-online", SUB_H: "unmanaged"}


def tenant(server: ArmEmulator) -> Hierarchy:
    """Tenant root > platform (A; platform-lab: E) and landing (corp: B, F; online: C, G, D);
    H sits directly under the root. E..H are empty subscriptions added to the estate."""
    for sub, name in NAMES.items():
        server.estate.add(
            {
                "id": f"/subscriptions/{sub}",
                "subscriptionId": sub,
                "displayName": name,
                "state": "Enabled",
                "tenantId": TENANT,
            }
        )
    tree = Hierarchy(root=TENANT)
    tree.names[TENANT] = "Tenant Root Group"
    tree.group("mg-platform")
    tree.group("mg-platform-lab", "mg-platform")
    tree.group("mg-landing")
    tree.group("mg-corp", "mg-landing")
    tree.group("mg-online", "mg-landing")
    tree.subscription(SUB_A, "mg-platform", "ml-prod")
    tree.subscription(SUB_E, "mg-platform-lab", NAMES[SUB_E])
    tree.subscription(SUB_B, "mg-corp", "ai-dev")
    tree.subscription(SUB_F, "mg-corp", NAMES[SUB_F])
    tree.subscription(SUB_C, "mg-online", "sandbox")
    tree.subscription(SUB_G, "mg-online", NAMES[SUB_G])
    tree.subscription(SUB_D, "mg-online", "retired")
    tree.subscription(SUB_H, TENANT, NAMES[SUB_H])
    server.management_groups = tree
    return tree


def read_subscriptions(server: ArmEmulator) -> set[str]:
    """Every subscription the scan sent any request under."""
    return {
        r.path.lower().split("/")[2] for r in server.log if r.path.startswith("/subscriptions/")
    }


def descendants_reads(server: ArmEmulator) -> list[str]:
    return [r.path.split("/")[4] for r in server.log if r.path.endswith("/descendants")]


def report_of(run: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((run.output_dir / "auditor.json").read_text("utf-8"))
    return document


def test_two_groups_with_an_excluded_group_and_glob_read_exactly_their_subscriptions(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """Two groups, one nested group excluded and one display-name glob excluded: only A, B, F
    and C are read (E below the excluded group, G by the glob, H outside, D disabled), the
    hierarchy is read once per group, and the report records what was asked and dropped."""
    tenant(emulator)
    run = run_cli(
        live_args(
            emulator,
            "--management-group",
            "mg-platform",
            "--management-group",
            "mg-landing",
            "--exclude-management-group",
            "mg-platform-lab",
            "--exclude-subscription",
            "SANDBOX-*",
        )
    )
    assert run.code in (1, 3), run.err
    assert read_subscriptions(emulator) == {SUB_A, SUB_B, SUB_F, SUB_C}
    assert sorted(set(descendants_reads(emulator))) == ["mg-landing", "mg-platform"]
    pages = len(descendants_reads(emulator))
    assert pages > 2  # page_size 2: the descendants lists were followed through nextLink
    report = report_of(run)
    validate(report)
    assert {s["id"] for s in report["scan"]["subscriptions"]} >= {SUB_A, SUB_B, SUB_C, SUB_F}
    assert SUB_E not in json.dumps(report["findings"])
    assert report["scan"]["settings"]["scope"] == {
        "subscriptions": [],
        "management_groups": ["mg-platform", "mg-landing"],
        "exclude_subscriptions": ["SANDBOX-*"],
        "exclude_management_groups": ["mg-platform-lab"],
    }
    [live] = report["scan"]["sources"]
    assert live["excluded"] == sorted(
        [
            {"subscription": SUB_E, "by": "--exclude-management-group mg-platform-lab"},
            {"subscription": SUB_G, "by": "--exclude-subscription SANDBOX-*"},
        ],
        key=lambda e: e["subscription"],
    )
    assert live["in_scope"] == 5  # A, B, C, D (disabled: skipped, not read) and F


def test_subscription_flags_add_to_groups_and_exclusions_win(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """--subscription adds to a group's subscriptions, and an exclusion of an id drops even a
    subscription named explicitly."""
    tenant(emulator)
    run = run_cli(
        live_args(
            emulator,
            "--management-group",
            "mg-corp",
            "--subscription",
            SUB_H,
            "--subscription",
            SUB_A,
            "--exclude-subscription",
            SUB_A.upper(),
            "--allow-empty",
        )
    )
    assert run.code in (0, 1, 3), run.err
    assert read_subscriptions(emulator) == {SUB_B, SUB_F, SUB_H}


def test_an_unknown_management_group_is_bad_input_naming_it(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """ARM's 404 for a group is exit 2 naming the group, and no subscription is read."""
    tenant(emulator)
    run = run_cli(live_args(emulator, "--management-group", "mg-typo"))
    assert run.code == 2
    assert "mg-typo" in run.err and "no such management group" in run.err
    assert read_subscriptions(emulator) == set()


def test_a_forbidden_group_is_an_incomplete_scan_that_reads_the_rest(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """ARM's 403 for one of two groups: the other group's subscriptions are read and the
    forbidden group is a collection error in the report, so the scan is incomplete (exit 3)."""
    tree = tenant(emulator)
    tree.forbidden.add("mg-landing")
    run = run_cli(
        live_args(
            emulator,
            "--management-group",
            "mg-landing",
            "--management-group",
            "mg-platform",
            "--fail-on",
            "none",
        )
    )
    assert run.code == 3, run.err
    assert read_subscriptions(emulator) == {SUB_A, SUB_E}
    errors = report_of(run)["errors"]
    assert any(
        e["scope"].endswith("/managementGroups/mg-landing") and e["status_code"] == 403
        for e in errors
    )


def test_a_scope_the_exclusions_empty_is_an_error_not_a_pass(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """Excluding every subscription of the only group is exit 2, and nothing is read."""
    tenant(emulator)
    run = run_cli(
        live_args(emulator, "--management-group", "mg-corp", "--exclude-subscription", "*")
    )
    assert run.code == 2
    assert "the scope holds no subscription" in run.err
    assert read_subscriptions(emulator) == set()


def test_an_excluded_group_outside_the_named_ones_is_read_to_know_what_it_drops(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """With no group named, --exclude-management-group reads that group's descendants and
    drops its subscriptions from everything the credential sees."""
    tenant(emulator)
    run = run_cli(live_args(emulator, "--exclude-management-group", "mg-landing"))
    assert run.code in (1, 3), run.err
    assert descendants_reads(emulator)[0] == "mg-landing"
    assert read_subscriptions(emulator) == {SUB_A, SUB_E, SUB_H}


@pytest.mark.parametrize("index", [1, 2, 3])
def test_a_live_shard_reads_only_its_share_of_the_scope(
    emulator: ArmEmulator, run_cli: Any, index: int
) -> None:
    """--shard K/3 reads exactly the subscriptions of the scope that hash to shard K."""
    tenant(emulator)
    run = run_cli(live_args(emulator, "--management-group", "mg-landing", "--shard", f"{index}/3"))
    assert run.code in (0, 1, 3), run.err
    scope = (SUB_B, SUB_F, SUB_C, SUB_G)  # D is disabled: never read
    assert read_subscriptions(emulator) == {s for s in scope if shard_of(s, 3) == index}
    report = report_of(run)
    assert report["scan"]["settings"]["shard"] == f"{index}/3"


def test_four_live_shards_merged_are_the_one_live_scan(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Any
) -> None:
    """Against the emulator, four shards of a management-group scope merged give the
    unsharded scan's findings, summary, gate, compliance and counts, and the same exit code."""
    tenant(emulator)
    scope = ["--management-group", TENANT, "--exclude-subscription", "sandbox-online"]
    whole = run_cli(live_args(emulator, *scope, "--format", "json"), tmp_path / "whole")
    shards = []
    for index in range(1, 5):
        folder = tmp_path / f"shard-{index}"
        run = run_cli(
            live_args(emulator, *scope, "--shard", f"{index}/4", "--format", "json"), folder
        )
        assert run.code in (0, 1, 3), run.err
        shards.append(str(folder / "auditor.json"))
    merged = run_cli(["merge", *shards, "-o", str(tmp_path / "merged"), "--format", "json,html"])
    assert merged.code == whole.code, merged.err
    report = json.loads((tmp_path / "merged" / "auditor.json").read_text("utf-8"))
    validate(report)
    assert unordered(comparable(report)) == unordered(comparable(report_of(whole)))


def unordered(value: Any) -> Any:
    """Lists as sorted lists, messages as sorted words: a live scan adds role assignments in
    the order its threads finish, and a finding lists the grants it found in that order."""
    if isinstance(value, dict):
        return {
            k: sorted(re.findall(r"[\w./-]+", v)) if k == "message" else unordered(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return sorted((unordered(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def test_the_config_file_sets_the_scope_and_the_command_line_wins(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Any
) -> None:
    """`management-group` and `exclude-subscription` are config keys like every scan option;
    a `--management-group` on the command line replaces the file's list."""
    tenant(emulator)
    config = tmp_path / "auditor.toml"
    config.write_text(
        'management-group = ["mg-landing"]\nexclude-subscription = ["corp-*"]\n', "utf-8"
    )
    run = run_cli(live_args(emulator, "--config", str(config)))
    assert run.code in (1, 3), run.err
    assert read_subscriptions(emulator) == {SUB_B, SUB_C, SUB_G}
    emulator.log.clear()
    run = run_cli(live_args(emulator, "--config", str(config), "--management-group", "mg-corp"))
    assert run.code in (0, 1, 3), run.err
    assert read_subscriptions(emulator) == {SUB_B}
