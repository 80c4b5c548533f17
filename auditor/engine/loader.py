"""Loading and validating rule files. A broken rule file stops the run; it is never skipped."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from auditor import arm
from auditor.engine import conditions
from auditor.engine.predicates import PREDICATES
from auditor.errors import RuleError
from auditor.fields import declaration_for
from auditor.model import DATA_KINDS, Remediation, Rule, Severity, Status

ID_RE = re.compile(r"^(AIS|AML|IAM)\d{3}$")
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

REQUIRED = {
    "id",
    "slug",
    "title",
    "severity",
    "resource_types",
    "description",
    "rationale",
    "remediation",
    "references",
    "controls",
}
OPTIONAL = {
    "condition",
    "predicate",
    "applies_when",
    "missing",
    "parameters",
    "messages",
    "aliases",
    "tags",
    "equivalents",
    "requires",
    "default_enabled",
}
REMEDIATION_KEYS = {"summary", "portal", "cli", "bicep"}
LIVE_STATE = "live_state"
"""A ``requires`` entry for read-only state only Azure reports (private endpoint approvals,
OS image currency): templates cannot show it, so template resources are not applicable."""
MISSING_CHOICES = {"pass": Status.PASS, "fail": Status.FAIL, "unknown": Status.UNKNOWN}


def default_rules_dir() -> Path:
    """The bundled rules: ``auditor/_rules`` in an installed wheel, ``rules/`` in a checkout."""
    package_dir = Path(__file__).resolve().parent.parent
    installed = package_dir / "_rules"
    if installed.is_dir():
        return installed
    return package_dir.parent / "rules"


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RuleError(f"{where}: must be a list of non-empty strings")
    return tuple(value)


def _text(doc: Mapping[str, Any], key: str, path: Path) -> str:
    value = doc[key]
    if not isinstance(value, str) or not value.strip():
        raise RuleError(f"{path}: '{key}' must be a non-empty string")
    return value.strip()


def parse_rule(doc: object, path: Path) -> Rule:
    """Validate one rule document and build a :class:`Rule`."""
    if not isinstance(doc, dict):
        raise RuleError(f"{path}: a rule file must hold one mapping")
    keys = set(doc)
    missing = REQUIRED - keys
    if missing:
        raise RuleError(f"{path}: missing required key(s): {', '.join(sorted(missing))}")
    unknown = keys - REQUIRED - OPTIONAL
    if unknown:
        raise RuleError(f"{path}: unknown key(s): {', '.join(sorted(unknown))}")
    rule_id = _text(doc, "id", path)
    if not ID_RE.match(rule_id):
        raise RuleError(f"{path}: id {rule_id!r} must look like AIS001, AML001 or IAM001")
    if path.stem != rule_id:
        raise RuleError(f"{path}: the file of rule {rule_id} must be named {rule_id}.yaml")
    slug = _text(doc, "slug", path)
    if not SLUG_RE.match(slug):
        raise RuleError(f"{path}: slug {slug!r} must be lower-case words joined by '-'")
    try:
        severity = Severity.parse(str(doc["severity"]))
    except ValueError as exc:
        raise RuleError(f"{path}: {exc}") from None
    types = []
    for raw in _str_list(doc["resource_types"], f"{path}: resource_types"):
        canonical = arm.rule_target_type(raw)
        if canonical is None:
            raise RuleError(f"{path}: resource type {raw!r} is not one the inventory holds")
        if canonical != raw:
            raise RuleError(f"{path}: write resource type {raw!r} as {canonical!r}")
        types.append(canonical)
    has_condition, has_predicate = "condition" in doc, "predicate" in doc
    if has_condition == has_predicate:
        raise RuleError(f"{path}: give exactly one of 'condition' or 'predicate'")
    condition = doc.get("condition")
    applies_when = doc.get("applies_when")
    try:
        if condition is not None:
            conditions.validate(condition, "condition")
        if applies_when is not None:
            conditions.validate(applies_when, "applies_when")
    except conditions.ConditionError as exc:
        raise RuleError(f"{path}: {exc}") from None
    _check_declared(path, types, {"condition": condition, "applies_when": applies_when})
    predicate = doc.get("predicate")
    if predicate is not None and predicate not in PREDICATES:
        raise RuleError(
            f"{path}: unknown predicate {predicate!r} (known: {', '.join(sorted(PREDICATES))})"
        )
    missing_text = str(doc.get("missing", "unknown"))
    if missing_text not in MISSING_CHOICES:
        raise RuleError(f"{path}: 'missing' must be one of pass, fail, unknown")
    remediation = doc["remediation"]
    if not isinstance(remediation, dict) or "summary" not in remediation:
        raise RuleError(f"{path}: 'remediation' must be a mapping with at least 'summary'")
    extra = set(remediation) - REMEDIATION_KEYS
    if extra:
        raise RuleError(f"{path}: unknown remediation key(s): {', '.join(sorted(extra))}")
    controls = doc["controls"]
    if not isinstance(controls, dict):
        raise RuleError(f"{path}: 'controls' must map a framework to a list of control ids")
    parameters = doc.get("parameters", {})
    if not isinstance(parameters, dict):
        raise RuleError(f"{path}: 'parameters' must be a mapping")
    messages = doc.get("messages", {})
    if not isinstance(messages, dict) or not set(messages) <= {s.value for s in Status}:
        raise RuleError(f"{path}: 'messages' must map statuses (pass, fail, ...) to text")
    requires = _str_list(doc["requires"], f"{path}: requires") if doc.get("requires") else ()
    unknown_kinds = sorted(set(requires) - set(DATA_KINDS) - {LIVE_STATE})
    if unknown_kinds:
        raise RuleError(f"{path}: requires unknown data kind(s): {', '.join(unknown_kinds)}")
    default_enabled = doc.get("default_enabled", True)
    if not isinstance(default_enabled, bool):
        raise RuleError(f"{path}: 'default_enabled' must be true or false")
    equivalents = doc.get("equivalents", {})
    if not isinstance(equivalents, dict):
        raise RuleError(f"{path}: 'equivalents' must map a tool to a list of ids")
    return Rule(
        id=rule_id,
        slug=slug,
        title=_text(doc, "title", path),
        severity=severity,
        resource_types=tuple(types),
        description=_text(doc, "description", path),
        rationale=_text(doc, "rationale", path),
        remediation=Remediation(
            summary=str(remediation["summary"]).strip(),
            portal=_optional_text(remediation.get("portal")),
            cli=_optional_text(remediation.get("cli")),
            bicep=_optional_text(remediation.get("bicep")),
        ),
        references=_str_list(doc["references"], f"{path}: references"),
        controls={str(k): _str_list(v, f"{path}: controls.{k}") for k, v in controls.items()},
        condition=condition,
        predicate=predicate,
        applies_when=applies_when,
        missing=MISSING_CHOICES[missing_text],
        parameters=dict(parameters),
        messages={str(k): str(v) for k, v in messages.items()},
        aliases=_str_list(doc.get("aliases", []), f"{path}: aliases") if doc.get("aliases") else (),
        tags=_str_list(doc.get("tags", []), f"{path}: tags") if doc.get("tags") else (),
        equivalents={
            str(k): _str_list(v, f"{path}: equivalents.{k}") for k, v in equivalents.items()
        },
        requires=requires,
        path=str(path),
        default_enabled=default_enabled,
    )


def _check_declared(path: Path, types: Iterable[str], parts: Mapping[str, Any]) -> None:
    """A field the inventory does not keep for a rule's type would be missing forever: an error."""
    for arm_type in types:
        declaration = declaration_for(arm_type)
        for where, condition in parts.items():
            if condition is None:
                continue
            fields = conditions.undeclared(condition, declaration)
            if fields:
                raise RuleError(
                    f"{path}: {where} reads {', '.join(repr(f) for f in fields)}, not kept for "
                    f"{arm_type} (the fields kept are declared in auditor/fields)"
                )


def _optional_text(value: object) -> str | None:
    return str(value).strip() if value is not None and str(value).strip() else None


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_rules(directories: Iterable[Path] | None = None) -> list[Rule]:
    """Load every ``*.yaml`` rule file, validated, sorted by id; ids and slugs must be unique."""
    dirs = list(directories) if directories is not None else [default_rules_dir()]
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for directory in dirs:
        if not directory.is_dir():
            raise RuleError(f"{directory}: rules folder not found")
        files = sorted(directory.glob("*.yaml"))
        if not files:
            raise RuleError(f"{directory}: no rule files (*.yaml) found")
        for path in files:
            try:
                # libyaml's loader when present: the same documents, ten times faster, and
                # every scan loads every rule file.
                doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
            except yaml.YAMLError as exc:
                raise RuleError(f"{path}: invalid YAML: {exc}") from None
            rule = parse_rule(doc, path)
            for name in (rule.id, rule.slug, *rule.aliases):
                if name.lower() in seen:
                    raise RuleError(f"{path}: {name!r} is already used by {seen[name.lower()]}")
                seen[name.lower()] = str(path)
            rules.append(rule)
    return sorted(rules, key=lambda r: r.id)
