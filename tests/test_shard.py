"""``--shard K/N``: a stable partition of subscriptions, for snapshot and demo scans too."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.errors import InputError
from auditor.shard import Shard, shard_of
from tests.test_report import validate

DEMO_SUBSCRIPTIONS = {
    "11111111-1111-4111-8111-111111111111",
    "22222222-2222-4222-8222-222222222222",
    "33333333-3333-4333-8333-333333333333",
}


@settings(derandomize=True, max_examples=200, deadline=None, database=None)
@given(st.uuids(), st.integers(min_value=1, max_value=64))
def test_every_subscription_is_in_exactly_one_shard_in_any_letter_case(
    subscription: Any, count: int
) -> None:
    """Of N shards exactly one holds a subscription, and its letter case does not matter."""
    text = str(subscription)
    holders = [k for k in range(1, count + 1) if Shard(k, count).holds(text)]
    assert len(holders) == 1
    assert Shard(holders[0], count).holds(text.upper())


def test_the_partition_is_pinned_across_machines() -> None:
    """The hash is sha256 of the lower-cased id, never Python's salted hash(): these values
    are the same on every machine and every run (changing them re-shards every tenant)."""
    assert [shard_of(s, 4) for s in sorted(DEMO_SUBSCRIPTIONS)] == [
        shard_of(s.upper(), 4) for s in sorted(DEMO_SUBSCRIPTIONS)
    ]
    assert shard_of("00000000-0000-0000-0000-000000000000", 4) == 1
    assert shard_of("a0a0a0a0-0000-4000-8000-00000000000a", 7) == 2


@pytest.mark.parametrize("text", ["0/4", "5/4", "a/b", "1/0", "4", "1/4/2", "-1/4", ""])
def test_bad_shard_syntax_is_an_input_error(text: str) -> None:
    """K/N with K from 1 to N, else an input error."""
    with pytest.raises(InputError):
        Shard.parse(text)


@pytest.mark.parametrize("text", ["0/4", "5/4", "a/b"])
def test_bad_shard_syntax_is_exit_2(run_cli: Any, text: str) -> None:
    """A bad --shard is exit 2 naming the option, before anything is read."""
    run = run_cli(["scan", "--demo", "--shard", text])
    assert run.code == 2
    assert "--shard" in run.err
    assert not (run.output_dir / "auditor.json").exists()


def test_demo_shards_partition_its_subscriptions_and_findings(run_cli: Any, tmp_path: Any) -> None:
    """Three demo shards hold disjoint subscriptions and findings whose union is the whole
    scan's, each recording its shard; tenant-level findings are judged in every shard."""
    whole = run_cli(["scan", "--demo", "--format", "json"], output_dir=tmp_path / "whole")
    full = json.loads((whole.output_dir / "auditor.json").read_text("utf-8"))
    seen: set[str] = set()
    keys: set[tuple[str, str]] = set()
    for index in (1, 2, 3):
        run = run_cli(
            ["scan", "--demo", "--format", "json", "--shard", f"{index}/3", "--allow-empty"],
            output_dir=tmp_path / str(index),
        )
        assert run.code in (0, 1, 3), run.err
        report = json.loads((run.output_dir / "auditor.json").read_text("utf-8"))
        validate(report)  # scan.shared included
        assert report["scan"]["settings"]["shard"] == f"{index}/3"
        assert report["scan"]["shared"]["resources"]["Microsoft.Authorization/roleAssignments"]
        subs = {s["id"] for s in report["scan"]["subscriptions"]}
        assert subs == {s for s in DEMO_SUBSCRIPTIONS if shard_of(s, 3) == index}
        assert not subs & seen
        seen |= subs
        for finding in report["findings"]:
            assert finding["subscription_id"] in subs | {None}
            keys.add((finding["rule_id"], finding["resource_id"]))
    assert seen == DEMO_SUBSCRIPTIONS
    assert {(f["rule_id"], f["resource_id"]) for f in full["findings"]} <= keys
