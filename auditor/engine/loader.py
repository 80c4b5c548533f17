"""Loading and validating rule files. A broken rule file stops the run; it is never skipped.

The format is ``rules/schema.json`` (JSON Schema 2020-12, published for people writing their
own rules); this module checks a file against it, then checks what a schema cannot see: the
predicate exists, each field a condition reads is declared for the rule's types, the names
are unique across every folder loaded.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError

from auditor import digests
from auditor.engine import conditions, parameters
from auditor.engine.predicates import PREDICATES
from auditor.errors import RuleError
from auditor.fields import declaration_for, rule_target_type
from auditor.model import Remediation, Rule, Severity, Status

LIVE_STATE = "live_state"
"""A ``requires`` entry for read-only state only Azure reports (private endpoint approvals,
OS image currency): templates cannot show it, so template resources are not applicable."""
MISSING_CHOICES = {"pass": Status.PASS, "fail": Status.FAIL, "unknown": Status.UNKNOWN}
SCHEMA_NAME = "schema.json"


def default_rules_dir() -> Path:
    """The bundled rules: ``auditor/_rules`` in an installed wheel, ``rules/`` in a checkout."""
    package_dir = Path(__file__).resolve().parent.parent
    installed = package_dir / "_rules"
    if installed.is_dir():
        return installed
    return package_dir.parent / "rules"


def schema_path() -> Path:
    """The published JSON Schema of a rule file (``rules/schema.json``)."""
    return default_rules_dir() / SCHEMA_NAME


@functools.cache
def _validator() -> Draft202012Validator:
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


_TYPE_WORDS = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "boolean": "true or false",
    "number": "a number",
    "integer": "a whole number",
    "null": "null",
}


def _found(value: object) -> str:
    """The YAML kind of a value, for messages."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "nothing (null)"
    return "a string" if isinstance(value, str) else type(value).__name__


def _non_string_key(value: object, where: str) -> str | None:
    """The first mapping key that is not a string (YAML allows ``1:`` or ``true:``; the
    schema describes JSON data, whose keys are strings), as a message; None when none is."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{where + ': ' if where else ''}a key must be a name, found {key!r}"
            found = _non_string_key(item, f"{where}.{key}" if where else key)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _non_string_key(item, f"{where}[{index}]")
            if found:
                return found
    return None


def _where(error: ValidationError) -> str:
    """The element path of an error: ``remediation.summary``, ``references[0]``."""
    where = ""
    for part in error.absolute_path:
        where += f"[{part}]" if isinstance(part, int) else f"{'.' if where else ''}{part}"
    return where


def _problem(error: ValidationError) -> str:
    """One schema error as a sentence a rule author can act on (not jsonschema's dump)."""
    kind = error.validator
    expected: Any = error.validator_value
    value: Any = error.instance
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    if kind == "required":
        missing = [key for key in expected if key not in value]
        return f"missing required key(s): {', '.join(missing)}"
    if kind == "additionalProperties":
        extra = sorted(set(value) - set(schema.get("properties", {})))
        return f"unknown key(s): {', '.join(extra)}"
    if kind == "type":
        kinds = [expected] if isinstance(expected, str) else expected
        words = " or ".join(_TYPE_WORDS.get(k, k) for k in kinds)
        return f"must be {words}, found {_found(value)}"
    if kind == "enum":
        return f"unknown value {value!r} (choose one of: {', '.join(map(str, expected))})"
    if kind == "pattern" and "examples" in schema:
        examples = ", ".join(schema["examples"])
        return f"{value!r} is not a valid {schema['title']} (for example {examples})"
    if kind in ("pattern", "minLength", "minItems"):
        return "must not be empty"
    if kind == "oneOf" and all(set(branch) == {"required"} for branch in expected):
        choices = " or ".join(repr(branch["required"][0]) for branch in expected)
        return f"give exactly one of {choices}"
    if kind == "not":
        return f"not allowed: {schema.get('description', 'see rules/schema.json')}"
    return str(error.message)


def schema_problems(
    doc: Mapping[str, Any], validator: Draft202012Validator | None = None
) -> list[str]:
    """Every way the document breaks ``rules/schema.json`` (or the schema of ``validator``,
    such as the framework files'), each naming its element path."""
    checker = validator or _validator()
    errors = sorted(checker.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    return list(
        dict.fromkeys(f"{_where(e)}: {_problem(e)}" if _where(e) else _problem(e) for e in errors)
    )


def parse_rule(doc: object, path: Path) -> Rule:
    """Validate one rule document (the schema, then what it cannot express); build a Rule."""
    if not isinstance(doc, dict):
        raise RuleError(f"{path}: a rule file must hold one mapping")
    odd_key = _non_string_key(doc, "")
    if odd_key:
        raise RuleError(f"{path}: {odd_key}")
    try:
        # The grammar first: its messages name the clause (condition.allOf[1]: ...), where the
        # schema's alternatives could only say that no form of condition fits.
        for key in ("condition", "applies_when"):
            if key in doc:
                conditions.validate(doc[key], key)
    except conditions.ConditionError as exc:
        raise RuleError(f"{path}: {exc}") from None
    problems = schema_problems(doc)
    if problems:
        raise RuleError(f"{path}: {'; '.join(problems)}")
    rule_id: str = doc["id"]
    if path.stem != rule_id:
        raise RuleError(f"{path}: the file of rule {rule_id} must be named {rule_id}.yaml")
    types = []
    for raw in doc["resource_types"]:
        canonical = rule_target_type(raw)
        if canonical is None:
            raise RuleError(f"{path}: resource type {raw!r} is not one the inventory holds")
        if canonical != raw:
            raise RuleError(f"{path}: write resource type {raw!r} as {canonical!r}")
        types.append(canonical)
    condition = doc.get("condition")
    applies_when = doc.get("applies_when")
    _check_declared(path, types, {"condition": condition, "applies_when": applies_when})
    predicate = doc.get("predicate")
    if predicate is not None and predicate not in PREDICATES:
        raise RuleError(
            f"{path}: unknown predicate {predicate!r} (known: {', '.join(sorted(PREDICATES))})"
        )
    declared, problems = parameters.declared(doc.get("parameters") or {})
    if problems:
        raise RuleError(f"{path}: {'; '.join(problems)}")
    since, changed = doc.get("since"), doc.get("changed")
    if changed is not None and (since is None or _release(changed) <= _release(since)):
        raise RuleError(f"{path}: changed: {changed!r} must be a release later than since")
    remediation = doc["remediation"]
    return Rule(
        id=rule_id,
        slug=doc["slug"],
        title=doc["title"].strip(),
        severity=Severity(doc["severity"]),
        resource_types=tuple(types),
        description=doc["description"].strip(),
        rationale=doc["rationale"].strip(),
        remediation=Remediation(
            summary=remediation["summary"].strip(),
            portal=_optional_text(remediation.get("portal")),
            cli=_optional_text(remediation.get("cli")),
            bicep=_optional_text(remediation.get("bicep")),
        ),
        references=tuple(doc["references"]),
        controls={k: tuple(v) for k, v in doc["controls"].items()},
        condition=condition,
        predicate=predicate,
        applies_when=applies_when,
        missing=MISSING_CHOICES[doc.get("missing", "unknown")],
        parameters=declared,
        messages=dict(doc.get("messages", {})),
        aliases=tuple(doc.get("aliases") or ()),
        tags=tuple(doc.get("tags") or ()),
        equivalents={k: tuple(v) for k, v in doc.get("equivalents", {}).items()},
        requires=tuple(doc.get("requires") or ()),
        path=str(path),
        default_enabled=doc.get("default_enabled", True),
        since=since,
        changed=changed,
    )


def _release(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


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


def _optional_text(value: str | None) -> str | None:
    return value.strip() if value is not None and value.strip() else None


SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when present: the same documents as ``yaml.SafeLoader``, ten times
faster (every scan loads every rule file)."""


@functools.lru_cache(maxsize=1024)
def _parse_file(path: str, text: str) -> Rule:
    """A rule file's text, parsed and validated; kept, since schema validation is the dearest
    step of loading (about 5 ms a rule) and a process may load the same files many times."""
    try:
        doc = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise RuleError(f"{path}: invalid YAML: {exc}") from None
    return parse_rule(doc, Path(path))


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
                text = digests.read_bytes(path).decode("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise RuleError(f"{path}: cannot read the rule file: {exc}") from None
            rule = _parse_file(str(path), text)
            for name in (rule.id, rule.slug, *rule.aliases):
                if name.lower() in seen:
                    raise RuleError(f"{path}: {name!r} is already used by {seen[name.lower()]}")
                seen[name.lower()] = str(path)
            rules.append(rule)
    return sorted(rules, key=lambda r: r.id)
