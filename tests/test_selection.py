"""--select / --ignore: ids, slugs, globs, severities, tags, and opt-in rules."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.engine.loader import load_rules
from auditor.engine.selection import select_rules, split_patterns
from auditor.errors import InputError
from tests.conftest import FIXTURES

RULES = load_rules()


def ids(select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> set[str]:
    return {r.id for r in select_rules(RULES, select, ignore)}


def test_default_runs_every_rule_but_opt_in_ones() -> None:
    """No pattern runs every default rule; the opt-in CMK rule AIS006 stays off."""
    chosen = ids()
    assert "AIS006" not in chosen
    assert chosen == {r.id for r in RULES if r.default_enabled}


@pytest.mark.parametrize(
    ("select", "expected"),
    [
        (("AIS001",), {"AIS001"}),
        (("ai-services-local-auth-enabled",), {"AIS001"}),
        (("Azure.AI.DisableLocalAuth".lower(),), set()),  # equivalents are not aliases
        (("aml00[1-2]",), {"AML001", "AML002"}),
        (("severity:critical",), {"AML005"}),
        (("tag:rotation",), {"AIS002", "AIS016", "AML002"}),
    ],
)
def test_patterns(select: tuple[str, ...], expected: set[str]) -> None:
    """Ids and slugs any case, globs, exact severities and tags select what they name."""
    if not expected:
        with pytest.raises(InputError, match="matches no rule"):
            ids(select)
        return
    assert ids(select) == expected


def test_severity_at_or_above_and_ignore() -> None:
    """severity:high+ takes high and critical; --ignore removes by glob afterwards."""
    high_up = ids(("severity:high+",))
    assert "AML005" in high_up and "AIS001" in high_up and "AML001" not in high_up
    assert ids(("severity:high+",), ("AML*",)) == {i for i in high_up if not i.startswith("AML")}


def test_opt_in_rules_need_their_name() -> None:
    """A glob or severity never switches on an opt-in rule; its id or slug does."""
    assert "AIS006" not in ids(("AIS*",))
    assert "AIS006" not in ids(("severity:low",))
    assert "AIS006" in ids(("AIS*", "AIS006"))
    assert ids(("ai-services-no-customer-managed-key",)) == {"AIS006"}


def test_dead_patterns_are_errors() -> None:
    """A pattern that matches nothing, or a bad severity, is an input error (exit 2)."""
    with pytest.raises(InputError, match="matches no rule"):
        ids(("AIS9*",))
    with pytest.raises(InputError, match="unknown severity"):
        ids((), ("severity:severe",))


def test_split_patterns() -> None:
    """Repeated options and comma lists flatten; blanks are dropped."""
    assert split_patterns(["AIS001, AML*", "", "tag:keys,"]) == ("AIS001", "AML*", "tag:keys")


def test_cli_select_and_ignore(run_cli: Any) -> None:
    """The CLI runs only the selected rules, records the patterns, and rejects dead ones."""
    folder = str(FIXTURES / "rules" / "AIS001")
    report = run_cli(
        ["scan", "--snapshot", folder, "--select", "AIS*", "--select", "IAM*", "--ignore", "AIS002"]
    ).report()
    ran = {r["id"] for r in report["rules"]}
    assert ran == ids(("AIS*", "IAM*"), ("AIS002",))
    assert report["scan"]["settings"]["select"] == ["AIS*", "IAM*"]
    assert report["scan"]["settings"]["ignore"] == ["AIS002"]
    assert run_cli(["scan", "--snapshot", folder, "--select", "NOPE"]).code == 2


def test_config_file_select_and_ignore(run_cli: Any, tmp_path: Any) -> None:
    """`select` / `ignore` in auditor.toml map 1:1 to the options; the command line wins."""
    config = tmp_path / "auditor.toml"
    config.write_text('select = ["AIS*"]\nignore = ["AIS002"]\n', encoding="utf-8")
    folder = str(FIXTURES / "rules" / "AIS001")
    report = run_cli(["scan", "--snapshot", folder, "--config", str(config)]).report()
    assert {r["id"] for r in report["rules"]} == ids(("AIS*",), ("AIS002",))
    override = run_cli(
        ["scan", "--snapshot", folder, "--config", str(config), "--select", "AIS001"]
    ).report()
    assert {r["id"] for r in override["rules"]} == {"AIS001"}
