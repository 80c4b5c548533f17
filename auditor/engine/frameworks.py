"""Compliance frameworks: controls mapped to rules, and per-control verdicts for a scan.

A framework file (``rules/frameworks/<name>.yaml``, format ``rules/frameworks/schema.json``)
lists controls with their titles and the rules that assess them. Controls no rule maps to stay
in the list: they are the coverage gaps, reported as ``no_rules`` instead of disappearing. A
control no configuration can show (a red-teaming practice, a human review) is declared
``assessable: false`` with a ``why``: it is reported as ``not_assessable``, never as a gap a
rule could close.
"""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from auditor import digests
from auditor.engine.loader import SAFE_LOADER, default_rules_dir, schema_problems
from auditor.errors import InputError, RuleError
from auditor.model import Result, Rule, Status

MCSB_V1 = "mcsb-v1"
SCHEMA_NAME = "schema.json"


class Verdict(enum.Enum):
    """A control's verdict, with how reports name it (declared worst first, as shown)."""

    FAIL = "fail"
    UNKNOWN = "unknown"
    NOT_ASSESSED = "not_assessed"
    PASS = "pass"
    NO_RULES = "no_rules"
    NOT_ASSESSABLE = "not_assessable"

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
    Verdict.NOT_ASSESSABLE: (
        "Not assessable from configuration",
        "not assessable from configuration",
    ),
}


@dataclass(frozen=True)
class Control:
    """One control of a framework."""

    id: str
    title: str
    rules: tuple[str, ...]
    """Rule ids the framework file maps to this control."""
    why: str | None = None
    """Set only for a control no configuration can show: why (``assessable: false``)."""

    @property
    def assessable(self) -> bool:
        """Whether a rule could ever assess the control from configuration."""
        return self.why is None


@dataclass(frozen=True)
class Framework:
    """A framework: its short name (``mcsb-v1``), title and controls in file order."""

    name: str
    title: str
    controls: tuple[Control, ...]
    rule_key: str = "mcsb"
    """The key under a rule's ``controls`` that names this framework's control ids."""
    url: str | None = None

    def control_ids(self) -> set[str]:
        """Every control id of the framework."""
        return {c.id for c in self.controls}


def frameworks_dir() -> Path:
    """The bundled framework files, beside the bundled rules."""
    return default_rules_dir() / "frameworks"


@functools.cache
def _validator() -> Draft202012Validator:
    schema = json.loads((frameworks_dir() / SCHEMA_NAME).read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def framework_names() -> list[str]:
    """The names of the shipped frameworks (each file is named after its framework)."""
    return sorted(path.stem for path in frameworks_dir().glob("*.yaml"))


def framework_name(text: str) -> str:
    """``--framework``'s value (and its config key's) checked against the shipped names."""
    known = framework_names()
    if text not in known:
        raise InputError(f"unknown framework {text!r} (known: {', '.join(known)})")
    return text


def load_framework(path: Path | None = None) -> Framework:
    """Read and validate a framework file (the bundled MCSB v1 by default)."""
    path = path or frameworks_dir() / f"{MCSB_V1}.yaml"
    try:
        doc = yaml.load(digests.read_bytes(path).decode("utf-8"), Loader=SAFE_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise RuleError(f"{path}: cannot read framework: {exc}") from None
    if not isinstance(doc, dict):
        raise RuleError(f"{path}: a framework file needs 'framework', 'title' and 'controls'")
    problems = schema_problems(doc, _validator())
    if problems:
        raise RuleError(f"{path}: {'; '.join(problems)}")
    if doc["framework"] != path.stem:
        raise RuleError(
            f"{path}: the file of framework {doc['framework']} must be named "
            f"{doc['framework']}.yaml"
        )
    controls = []
    seen: set[str] = set()
    for index, item in enumerate(doc["controls"]):
        where = f"{path}: controls[{index}]"
        if item["id"] in seen:
            raise RuleError(f"{where}: control {item['id']} is listed twice")
        seen.add(item["id"])
        rules = tuple(item.get("rules") or ())
        assessable = item.get("assessable", True)
        if assessable != ("why" not in item):
            raise RuleError(f"{where}: 'why' goes with 'assessable: false', and only with it")
        if not assessable and rules:
            raise RuleError(f"{where}: a control marked not assessable cannot list rules")
        controls.append(
            Control(id=item["id"], title=item["title"], rules=rules, why=item.get("why"))
        )
    return Framework(
        name=doc["framework"],
        title=doc["title"],
        controls=tuple(controls),
        rule_key=str(doc.get("rule_key") or doc["framework"]),
        url=doc.get("url"),
    )


def shipped_frameworks() -> list[Framework]:
    """Every bundled framework, by name; a malformed file is a RuleError naming it."""
    found = [load_framework(path) for path in sorted(frameworks_dir().glob("*.yaml"))]
    keys = [f.rule_key for f in found]
    for framework in found:
        if keys.count(framework.rule_key) > 1:
            raise RuleError(
                f"{frameworks_dir()}: two frameworks use the rule key {framework.rule_key!r}"
            )
    return found


def choose(frameworks: Sequence[Framework], names: Sequence[str]) -> list[Framework]:
    """The frameworks ``--framework`` names, in the order given (all when none is)."""
    if not names:
        return list(frameworks)
    by_name = {f.name: f for f in frameworks}
    return [by_name[framework_name(n)] for n in dict.fromkeys(names)]


def unknown_controls(framework: Framework, rules: Iterable[Rule]) -> list[str]:
    """Problems: rules naming control ids the framework does not have, or a control it marks
    not assessable from configuration (a rule claiming it would be a false assurance)."""
    by_id = {c.id: c for c in framework.controls}
    problems = []
    for rule in rules:
        for control_id in rule.controls.get(framework.rule_key, ()):
            control = by_id.get(control_id)
            if control is None:
                problems.append(
                    f"{rule.id} maps to {framework.rule_key} control {control_id!r}, "
                    f"which {framework.name} does not list"
                )
            elif not control.assessable:
                problems.append(
                    f"{rule.id} maps to {framework.rule_key} control {control_id!r}, which "
                    f"{framework.name} marks not assessable from configuration"
                )
    return problems


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
    why: str | None = None
    """Why no configuration can show the control (verdict ``not_assessable`` only)."""


@dataclass(frozen=True)
class FrameworkResult:
    """One framework's compliance view of a scan: its controls in file order."""

    framework: str
    title: str
    url: str | None
    controls: tuple[ControlResult, ...]

    def verdicts(self) -> dict[Verdict, int]:
        """How many controls have each verdict, every verdict present, worst first."""
        counts = dict.fromkeys(Verdict, 0)
        for control in self.controls:
            counts[control.verdict] += 1
        return counts


def verdict_of(counts: Mapping[Status, int], has_rules: bool) -> Verdict:
    """A control's verdict from its rules' result counts (see :func:`compliance`)."""
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
) -> FrameworkResult:
    """Per control: the scan's rules mapped to it, their result counts, and a verdict.

    A control's rules are those the framework file lists plus any rule of the scan whose own
    ``controls`` name it, restricted to the rules this scan ran (deselected rules drop out).
    Verdict: ``fail`` if any result fails; else ``unknown`` if any is unknown; else ``pass``
    if any passes; else ``not_assessed`` (only not-applicable or suppressed results, or
    none); ``no_rules`` when no rule of the scan maps to the control; ``not_assessable`` for
    a control the file marks so, whatever ran.
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
        verdict = (
            verdict_of(counts, bool(rule_ids)) if control.assessable else Verdict.NOT_ASSESSABLE
        )
        entries.append(
            ControlResult(
                framework=framework.name,
                control_id=control.id,
                title=control.title,
                rules=tuple(rule_ids),
                counts=counts,
                verdict=verdict,
                why=control.why,
            )
        )
    return FrameworkResult(framework.name, framework.title, framework.url, tuple(entries))


@dataclass(frozen=True)
class Coverage:
    """How much of a framework the rules can assess (``auditor frameworks``)."""

    framework: Framework
    with_rules: int
    gaps: int
    """Assessable controls no rule maps to."""
    not_assessable: int


def coverage(framework: Framework, rules: Iterable[Rule]) -> Coverage:
    """Count the framework's controls with a rule, without one, and not assessable."""
    mapped = {
        control_id for rule in rules for control_id in rule.controls.get(framework.rule_key, ())
    }
    with_rules = sum(1 for c in framework.controls if c.assessable and (c.rules or c.id in mapped))
    not_assessable = sum(1 for c in framework.controls if not c.assessable)
    gaps = len(framework.controls) - with_rules - not_assessable
    return Coverage(framework, with_rules, gaps, not_assessable)
