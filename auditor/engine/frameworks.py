"""Compliance frameworks: controls mapped to rules, and per-control verdicts for a scan.

A framework file (``rules/frameworks/<name>.yaml``) lists controls with their titles and the
rules that assess them. Controls no rule maps to stay in the list: they are the coverage
gaps, reported as ``no_rules`` instead of disappearing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from auditor.engine.loader import SAFE_LOADER, default_rules_dir
from auditor.errors import RuleError
from auditor.model import Result, Rule, Status

MCSB_V1 = "mcsb-v1"


class Verdict(enum.Enum):
    """A control's verdict, with how reports name it (declared worst first, as shown)."""

    FAIL = "fail"
    UNKNOWN = "unknown"
    NOT_ASSESSED = "not_assessed"
    PASS = "pass"
    NO_RULES = "no_rules"

    @property
    def label(self) -> str:
        """The verdict as a heading word: ``Failing``."""
        return _LABELS[self][0]

    @property
    def count_label(self) -> str:
        """How a count of controls with this verdict reads: ``12 failing``."""
        return _LABELS[self][1]


_LABELS = {
    Verdict.FAIL: ("Failing", "failing"),
    Verdict.UNKNOWN: ("Incomplete", "incomplete"),
    Verdict.NOT_ASSESSED: ("Not assessed", "not assessed"),
    Verdict.PASS: ("Passing", "passing"),
    Verdict.NO_RULES: ("Gap: no rule", "without a rule (coverage gaps)"),
}


@dataclass(frozen=True)
class Control:
    """One control of a framework."""

    id: str
    title: str
    rules: tuple[str, ...]
    """Rule ids the framework file maps to this control."""


@dataclass(frozen=True)
class Framework:
    """A framework: its short name (``mcsb-v1``), title and controls in file order."""

    name: str
    title: str
    controls: tuple[Control, ...]
    rule_key: str = "mcsb"
    """The key under a rule's ``controls`` that names this framework's control ids."""

    def control_ids(self) -> set[str]:
        """Every control id of the framework."""
        return {c.id for c in self.controls}


def frameworks_dir() -> Path:
    """The bundled framework files, beside the bundled rules."""
    return default_rules_dir() / "frameworks"


def load_framework(path: Path | None = None) -> Framework:
    """Read and validate a framework file (the bundled MCSB v1 by default)."""
    path = path or frameworks_dir() / f"{MCSB_V1}.yaml"
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise RuleError(f"{path}: cannot read framework: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("controls"), list):
        raise RuleError(f"{path}: a framework file needs 'framework', 'title' and 'controls'")
    controls = []
    seen: set[str] = set()
    for index, item in enumerate(doc["controls"]):
        where = f"{path}: controls[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise RuleError(f"{where}: needs an 'id' and a 'title'")
        if item["id"] in seen:
            raise RuleError(f"{where}: control {item['id']} is listed twice")
        seen.add(item["id"])
        rules = item.get("rules") or []
        if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            raise RuleError(f"{where}: 'rules' must be a list of rule ids")
        controls.append(
            Control(id=item["id"], title=str(item.get("title", "")), rules=tuple(rules))
        )
    return Framework(
        name=str(doc.get("framework", path.stem)),
        title=str(doc.get("title", path.stem)),
        controls=tuple(controls),
    )


def unknown_controls(framework: Framework, rules: Iterable[Rule]) -> list[str]:
    """Problems: rules naming control ids the framework does not have."""
    known = framework.control_ids()
    return [
        f"{rule.id} maps to {framework.rule_key} control {control!r}, "
        f"which {framework.name} does not list"
        for rule in rules
        for control in rule.controls.get(framework.rule_key, ())
        if control not in known
    ]


def mapping_disagreements(framework: Framework, rules: Iterable[Rule]) -> list[str]:
    """Problems: the framework file and the rules' own ``controls`` disagree."""
    by_id = {rule.id: rule for rule in rules}
    problems = unknown_controls(framework, by_id.values())
    for control in framework.controls:
        for rule_id in control.rules:
            rule = by_id.get(rule_id)
            if rule is None:
                problems.append(f"{control.id} lists {rule_id}, which is not a rule")
            elif control.id not in rule.controls.get(framework.rule_key, ()):
                problems.append(f"{control.id} lists {rule_id}, whose controls omit it")
        for rule in by_id.values():
            mapped = control.id in rule.controls.get(framework.rule_key, ())
            if mapped and rule.id not in control.rules:
                problems.append(f"{rule.id} maps to {control.id}, which does not list it")
    return problems


@dataclass(frozen=True)
class ControlResult:
    """One control judged for a scan: the scan's rules mapped to it and their result counts."""

    framework: str
    control_id: str
    title: str
    rules: tuple[str, ...]
    counts: Mapping[Status, int]
    """Results per status, every status present, in :class:`Status` order."""
    verdict: Verdict


def _verdict(counts: Mapping[Status, int], has_rules: bool) -> Verdict:
    if not has_rules:
        return Verdict.NO_RULES
    if counts[Status.FAIL]:
        return Verdict.FAIL
    if counts[Status.UNKNOWN]:
        return Verdict.UNKNOWN
    if counts[Status.PASS]:
        return Verdict.PASS
    return Verdict.NOT_ASSESSED


def compliance(
    framework: Framework, rules: Sequence[Rule], results: Iterable[Result]
) -> list[ControlResult]:
    """Per control: the scan's rules mapped to it, their result counts, and a verdict.

    A control's rules are those the framework file lists plus any rule of the scan whose own
    ``controls`` name it, restricted to the rules this scan ran (deselected rules drop out).
    Verdict: ``fail`` if any result fails; else ``unknown`` if any is unknown; else ``pass``
    if any passes; else ``not_assessed`` (only not-applicable or suppressed results, or
    none); ``no_rules`` when no rule of the scan maps to the control.
    """
    ran = {rule.id: rule for rule in rules}
    per_rule: dict[str, dict[Status, int]] = {rule_id: dict.fromkeys(Status, 0) for rule_id in ran}
    for result in results:
        if result.rule.id in per_rule:
            per_rule[result.rule.id][result.status] += 1
    entries = []
    for control in framework.controls:
        mapped = set(control.rules) | {
            rule.id
            for rule in ran.values()
            if control.id in rule.controls.get(framework.rule_key, ())
        }
        rule_ids = sorted(r for r in mapped if r in ran)
        counts = {s: sum(per_rule[r][s] for r in rule_ids) for s in Status}
        entries.append(
            ControlResult(
                framework=framework.name,
                control_id=control.id,
                title=control.title,
                rules=tuple(rule_ids),
                counts=counts,
                verdict=_verdict(counts, bool(rule_ids)),
            )
        )
    return entries
