"""The rule catalog as Markdown: one page per rule, and the whole catalog (``docs/rules.md``).

Deterministic (no dates, no version): the checked-in ``docs/rules.md`` is compared with
:func:`catalog_page` by a test and regenerated with
``python -m auditor rules --format markdown > docs/rules.md``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from auditor.engine.frameworks import Framework
from auditor.model import Rule, Status

REGENERATE = "python -m auditor rules --format markdown > docs/rules.md"

_EQUIVALENT_LABELS = {
    "psrule": "PSRule for Azure",
    "checkov": "Checkov",
    "defender": "Defender for Cloud",
}
_MISSING_TEXT = {
    Status.PASS: "pass",
    Status.FAIL: "fail (a missing field means the insecure ARM default)",
    Status.UNKNOWN: "unknown (never a pass)",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code_list(items: Sequence[str]) -> str:
    return ", ".join(f"`{item}`" for item in items)


def _yaml(value: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(value), sort_keys=False, width=100, allow_unicode=True).rstrip()


def _facts(rule: Rule) -> list[tuple[str, str]]:
    facts = [
        ("Severity", rule.severity.value),
        ("Resource types", _code_list(rule.resource_types)),
        (
            "Check",
            f"named predicate `{rule.predicate}`"
            if rule.predicate
            else "declarative condition (below)",
        ),
    ]
    if rule.since:
        changed = f"; meaning changed in {rule.changed}" if rule.changed else ""
        facts.insert(1, ("Since", f"{rule.since}{changed}"))
    if rule.condition is not None:
        facts.append(("A field the condition needs is missing", _MISSING_TEXT[rule.missing]))
    if rule.requires:
        needs = f"{_code_list(rule.requires)} (live or snapshot data; not judged in templates)"
        facts.append(("Needs", needs))
    if not rule.default_enabled:
        facts.append(("Opt-in", f"yes: runs only with `--select {rule.id}`"))
    if rule.aliases:
        facts.append(("Aliases", _code_list(rule.aliases)))
    mcsb = rule.controls.get("mcsb", ())
    facts.append(("MCSB v1", ", ".join(mcsb) if mcsb else "none"))
    for key, ids in rule.controls.items():
        if key not in ("mcsb", "azure_policy"):
            facts.append((f"Controls: {key}", ", ".join(ids)))
    policies = rule.controls.get("azure_policy", ())
    if policies:
        facts.append(("Azure Policy", _code_list(policies)))
    for key, label in _EQUIVALENT_LABELS.items():
        if rule.equivalents.get(key):
            facts.append((label, ", ".join(rule.equivalents[key])))
    if rule.tags:
        facts.append(("Tags", _code_list(rule.tags)))
    return facts


def rule_page(rule: Rule, level: int = 1) -> str:
    """One rule's documentation page; ``level`` is the heading level of its title."""
    h = "#" * level
    sub = "#" * (level + 1)
    lines = [f"{h} {rule.id} {rule.slug}", "", f"**{rule.title}**", "", "| | |", "| --- | --- |"]
    lines += [f"| {name} | {_cell(value)} |" for name, value in _facts(rule)]
    lines += ["", f"{sub} Description", "", rule.description, "", f"{sub} Rationale", ""]
    lines += [rule.rationale, ""]
    if rule.parameters:
        lines += [f"{sub} Parameters", "", *_parameter_table(rule), ""]
    if rule.applies_when is not None:
        lines += [f"{sub} Applies when", "", "```yaml", _yaml(rule.applies_when), "```", ""]
    if rule.condition is not None:
        lines += [
            f"{sub} Compliant when",
            "",
            "```yaml",
            _yaml(rule.condition),
            "```",
            "",
        ]
    lines += [f"{sub} Remediation", "", rule.remediation.summary, ""]
    if rule.remediation.portal:
        lines += [f"**Portal:** {rule.remediation.portal}", ""]
    for label, text, language in (
        ("Azure CLI", rule.remediation.cli, "bash"),
        ("Bicep", rule.remediation.bicep, "bicep"),
    ):
        if text:
            lines += [f"**{label}:**", "", f"```{language}", text.rstrip(), "```", ""]
    lines += [f"{sub} References", "", *(f"- <{url}>" for url in rule.references), ""]
    return "\n".join(lines)


def _parameter_table(rule: Rule) -> list[str]:
    """Name, type, default and description of each parameter, and how a scan sets them."""
    lines = ["| Parameter | Type | Default | Description |", "| --- | --- | --- | --- |"]
    for p in rule.parameters.values():
        kind = "list of strings" if p.type == "list" else p.type
        if p.minimum is not None:
            kind += f", at least {p.minimum:g}"
        if p.maximum is not None:
            kind += f", at most {p.maximum:g}"
        if p.choices is not None:
            kind += f", one of {', '.join(p.choices)}"
        default = _cell(json.dumps(p.default, ensure_ascii=False))
        lines.append(f"| `{p.name}` | {_cell(kind)} | `{default}` | {_cell(p.description)} |")
    lines += ["", f"Set them in the config file's `[parameters.{rule.id}]` table."]
    return lines


def _anchor(rule: Rule) -> str:
    return f"{rule.id}-{rule.slug}".lower()


def _coverage(rules: Sequence[Rule], framework: Framework) -> list[str]:
    lines = [
        "",
        f"## {framework.title} coverage",
        "",
        f"Controls of `{framework.name}` that concern Azure ML and AI Services, and the rules "
        f"that assess them (rules name them under `controls.{framework.rule_key}`). Controls "
        "with no rule are coverage gaps; controls no resource configuration can show are "
        "marked not assessable. Every JSON report carries the framework's block under "
        "`compliance` (select with `--framework`), with per-control verdicts.",
        "",
        "| control | title | rules |",
        "| --- | --- | --- |",
    ]
    known = {r.id for r in rules}
    for control in framework.controls:
        mapped = [r for r in control.rules if r in known]
        if not control.assessable:
            cell = f"not assessable from configuration: {control.why}"
        else:
            cell = ", ".join(mapped) if mapped else "**gap: no rule**"
        lines.append(f"| {control.id} | {_cell(control.title)} | {_cell(cell)} |")
    return lines


def catalog_page(rules: Sequence[Rule], frameworks: Sequence[Framework]) -> str:
    """The whole catalog: summary table, each framework's coverage (gaps and controls not
    assessable from configuration shown), then every rule."""
    opt_in = [r.id for r in rules if not r.default_enabled]
    lines = [
        "# Rule catalog",
        "",
        f"<!-- Generated from rules/*.yaml and rules/frameworks/; do not edit. "
        f"Regenerate: {REGENERATE} -->",
        "",
        f"{len(rules)} rules. Each judges one resource type and yields `pass`, `fail`, "
        "`unknown` (data missing or unreadable, with the reason; never counted as a pass) or "
        "`not_applicable` (with the reason). Select rules with `--select` / `--ignore` "
        "(id, slug, glob such as `AML*`, `severity:high`, `severity:medium+`, `tag:NAME`).",
    ]
    if opt_in:
        lines += [
            "",
            f"Opt-in rules, run only when `--select` names them: {', '.join(opt_in)}.",
        ]
    lines += [
        "",
        "| id | slug | severity | title | MCSB v1 | Azure Policy |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for rule in rules:
        policies = rule.controls.get("azure_policy", ())
        lines.append(
            f"| [{rule.id}](#{_anchor(rule)}) | {rule.slug} | {rule.severity.value} | "
            f"{_cell(rule.title)} | {', '.join(rule.controls.get('mcsb', ())) or '-'} | "
            f"{'<br>'.join(f'`{p}`' for p in policies) or '-'} |"
        )
    for framework in frameworks:
        lines += _coverage(rules, framework)
    lines += ["", "## Rules", ""]
    for rule in rules:
        lines.append(rule_page(rule, level=3))
    return "\n".join(lines).rstrip() + "\n"
