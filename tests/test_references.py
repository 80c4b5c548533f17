"""One rule-reference resolver: ids, slugs and aliases (any case) and globs mean the same rule
in --select, suppressions, `auditor suppress` and `rules show`; custom rules bring their own
id prefix."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor.engine.loader import default_rules_dir, load_rules
from auditor.engine.references import RuleIndex, refers_to
from auditor.engine.selection import select_rules
from auditor.errors import InputError, RuleError
from auditor.suppress import Suppression
from tests.conftest import TEST_NOW

RULES = load_rules()
AML001 = yaml.safe_load((default_rules_dir() / "AML001.yaml").read_text(encoding="utf-8"))
ENDPOINTS = (
    "/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg-ml-prod/providers"
    "/Microsoft.MachineLearningServices/workspaces/mlw-fraud/onlineEndpoints/"
)


def custom_rules(folder: Path, **changes: Any) -> Path:
    """A folder with ACME001: AML001's check under a custom prefix, slug and alias."""
    doc = AML001 | {
        "id": "ACME001",
        "slug": "acme-endpoint-key-auth",
        "aliases": ["acme-legacy-key-auth"],
        "title": "ACME: online endpoint uses key authentication",
    }
    doc |= changes
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{doc['id']}.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return folder


def with_alias(rule_id: str, alias: str) -> list[Any]:
    """The bundled rules with one alias added to one rule."""
    return [dataclasses.replace(r, aliases=(alias,)) if r.id == rule_id else r for r in RULES]


def test_resolve_takes_id_slug_and_alias_in_any_case() -> None:
    """Id, slug and alias, in any case and with spaces around, all resolve to the same rule."""
    index = RuleIndex(with_alias("AIS001", "Old-Local-Auth"))
    for name in ("AIS001", "ais001", " ai-services-local-auth-enabled ", "OLD-LOCAL-AUTH"):
        assert index.resolve(name).id == "AIS001"


def test_resolve_names_close_choices() -> None:
    """An unknown name is an input error (exit 2) that suggests the names it is close to."""
    # `AIS01` would be as close to AIS010-AIS018 as to AIS001: a typo with one nearest rule.
    with pytest.raises(InputError, match=r"no rule 'AIS-001'.*did you mean ais001"):
        RuleIndex(RULES).resolve("AIS-001")
    with pytest.raises(InputError, match=r"no rule 'nothing-like-it' \(see `auditor rules`\)"):
        RuleIndex(RULES).resolve("nothing-like-it")


def test_matching_globs_over_ids_slugs_and_aliases() -> None:
    """A glob matches ids, slugs and aliases; a plain name matches only its rule."""
    index = RuleIndex(with_alias("IAM002", "legacy-wildcard"))
    assert [r.id for r in index.matching("aml00[1-3]")] == ["AML001", "AML002", "AML003"]
    assert [r.id for r in index.matching("LEGACY-*")] == ["IAM002"]
    assert [r.id for r in index.matching("IAM002")] == ["IAM002"]
    assert index.matching("ZZZ*") == []


def test_an_alias_selects_suppresses_and_shows_the_same_rule() -> None:
    """The bug of the issue: a suppression naming an alias matches, as --select does."""
    rules = with_alias("AIS001", "old-local-auth")
    [rule] = [r for r in rules if r.id == "AIS001"]
    assert [r.id for r in select_rules(rules, ("OLD-LOCAL-AUTH",))] == ["AIS001"]
    entry = Suppression(
        rule="Old-Local-Auth", resource="x", reason="r", owner="o", expires=dt.date(2027, 1, 1)
    )
    assert entry.matches_rule(rule)
    assert refers_to("old-*", rule)
    assert not entry.matches_rule(next(r for r in rules if r.id == "AIS002"))


def test_rules_show_resolves_through_the_index(run_cli: Any) -> None:
    """`rules show` takes a slug in any case and refuses an unknown name with exit 2."""
    shown = run_cli(["rules", "show", "ONLINE-ENDPOINT-KEY-AUTH"])
    assert shown.code == 0 and shown.out.startswith("# AML001 online-endpoint-key-auth")
    assert "| Since | 0.1.0 |" in shown.out
    changed = run_cli(["rules", "show", "iam005"])
    assert "| Since | 0.1.0; meaning changed in 0.2.0 |" in changed.out
    missing = run_cli(["rules", "show", "AML0001"])
    assert missing.code == 2 and "no rule 'AML0001'" in missing.err


def test_custom_prefix_end_to_end(run_cli: Any, tmp_path: Path) -> None:
    """A custom ACME001 rule loads beside the bundled ones, is selected by ACME*, suppressed by
    its id on one endpoint and by its alias on another, and is in the report."""
    custom = custom_rules(tmp_path / "acme")
    suppressions = tmp_path / "s.yaml"
    entries = [
        {"rule": "ACME001", "resource": ENDPOINTS + "fraud-score"},
        {"rule": "acme-legacy-key-auth", "resource": ENDPOINTS + "fraud-batch-score"},
    ]
    common = {"reason": "migrating (JIRA-1)", "owner": "ml@contoso.com", "expires": "2027-01-31"}
    suppressions.write_text(
        yaml.safe_dump({"suppressions": [e | common for e in entries]}), encoding="utf-8"
    )
    bundled = str(default_rules_dir())
    result = run_cli(
        [
            "scan",
            "--demo",
            "--rules-dir",
            bundled,
            "--rules-dir",
            str(custom),
            "--select",
            "ACME*",
            "--suppressions",
            str(suppressions),
        ]
    )
    report = result.report()
    assert [r["id"] for r in report["rules"]] == ["ACME001"]
    statuses = {f["resource_name"]: f["status"] for f in report["findings"]}
    assert statuses == {
        "fraud-score": "suppressed",
        "fraud-batch-score": "suppressed",
        "chat-eval": "fail",
    }
    assert report["warnings"] == []
    assert result.code == 1  # chat-eval still fails the gate


def test_a_custom_rule_reusing_a_bundled_id_names_both_files(tmp_path: Path) -> None:
    """Ids stay unique across bundled and custom rules: a collision names both files."""
    custom = custom_rules(tmp_path / "acme", id="AML001", slug="acme-copy", aliases=[])
    with pytest.raises(RuleError) as exc:
        load_rules([default_rules_dir(), custom])
    message = str(exc.value)
    assert str(custom / "AML001.yaml") in message
    assert str(default_rules_dir() / "AML001.yaml") in message


def test_a_custom_alias_taken_by_a_bundled_slug_is_an_error(tmp_path: Path) -> None:
    """An alias is a name like any other: one a bundled rule already answers to is refused."""
    custom = custom_rules(tmp_path / "acme", aliases=["online-endpoint-key-auth"])
    with pytest.raises(RuleError, match="'online-endpoint-key-auth' is already used by"):
        load_rules([default_rules_dir(), custom])


def test_suppress_command_accepts_an_alias(run_cli: Any, tmp_path: Path) -> None:
    """`auditor suppress` resolves the rule as a scan does: an alias is accepted, a typo is not."""
    custom = custom_rules(tmp_path / "acme")
    config = tmp_path / "auditor.toml"
    config.write_text(f"rules-dir = [{str(custom)!r}]\n", encoding="utf-8")
    soon = (TEST_NOW.date() + dt.timedelta(days=30)).isoformat()
    common = ["--reason", "r", "--owner", "o", "--expires", soon, "--config", str(config)]
    path = tmp_path / "s.yaml"
    added = run_cli(["suppress", "ACME-LEGACY-KEY-AUTH", "x", "--suppressions", str(path), *common])
    assert added.code == 0, added.err
    typo = run_cli(["suppress", "acme-legacy", "x", "--suppressions", str(path), *common])
    assert typo.code == 2 and "no rule 'acme-legacy'" in typo.err


def test_a_suppression_naming_no_rule_is_stale_as_before(run_cli: Any, tmp_path: Path) -> None:
    """In a scan, an entry naming no rule at all is reported stale (a warning), as it always
    was: the resolver neither loosens nor hardens it into an error."""
    path = tmp_path / "s.yaml"
    entry = {"rule": "NOPE001", "resource": "*", "reason": "r", "owner": "o"}
    path.write_text(
        yaml.safe_dump({"suppressions": [entry | {"expires": "2027-01-31"}]}), encoding="utf-8"
    )
    result = run_cli(["scan", "--demo", "--suppressions", str(path)])
    assert result.code == 1
    [warning] = result.report()["warnings"]
    assert warning["kind"] == "suppression_stale" and "NOPE001" in warning["message"]
