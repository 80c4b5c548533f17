"""The rule catalog page: every rule documented, docs/rules.md kept in sync."""

from __future__ import annotations

from typing import Any

from auditor.engine.frameworks import shipped_frameworks
from auditor.engine.loader import load_rules
from auditor.report.catalog import REGENERATE, catalog_page
from tests.conftest import REPO

RULES = load_rules()


def test_docs_rules_md_is_current() -> None:
    """docs/rules.md equals the generated catalog; regenerate it with the documented command."""
    expected = catalog_page(RULES, shipped_frameworks())
    actual = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert actual == expected, f"docs/rules.md is out of date; regenerate: {REGENERATE}"


def test_catalog_documents_every_rule_and_the_gaps() -> None:
    """Each rule has a section with remediation and references; gaps are marked."""
    page = catalog_page(RULES, shipped_frameworks())
    assert len(RULES) >= 35
    for rule in RULES:
        section = page.split(f"### {rule.id} {rule.slug}\n", 1)[1].split("\n### ", 1)[0]
        assert "#### Remediation" in section and "#### References" in section, rule.id
        assert rule.references and rule.remediation.summary
    assert (
        "| PV-6 | Rapidly and automatically remediate vulnerabilities | **gap: no rule** |" in page
    )
    assert "Opt-in rules, run only when `--select` names them: AIS006, AIS011, AIS012." in page
    assert "## Microsoft cloud security benchmark v2 (preview) coverage" in page
    assert (
        "| AI-7 | Perform continuous AI Red Teaming | not assessable from configuration: " in page
    )
    assert "| Controls: mcsb-v2 | NS-2 |" in page.split("### AIS003 ", 1)[1]


def test_cli_catalog_and_list_formats(run_cli: Any) -> None:
    """`rules --format markdown` and `rules list --format markdown` print the catalog; text lists."""
    expected = catalog_page(RULES, shipped_frameworks())
    assert run_cli(["rules", "--format", "markdown"]).out == expected
    assert run_cli(["rules", "list", "--format", "markdown"]).out == expected
    listing = run_cli(["rules", "list"]).out
    assert len(listing.splitlines()) == len(RULES)
    assert "AIS006" in listing and "(opt-in)" in listing
