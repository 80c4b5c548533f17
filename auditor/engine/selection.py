"""Which rules a scan runs: ``--select`` / ``--ignore`` patterns, applied to the catalog.

A pattern is one of:

- a rule id, slug or alias (``AIS001``, ``ai-services-local-auth-enabled``), any case;
- a glob over ids, slugs and aliases (``AML*``, ``*-key-*``);
- ``severity:LEVEL`` (exactly that severity) or ``severity:LEVEL+`` (that severity or worse),
  e.g. ``severity:high+``;
- ``tag:NAME`` (rules carrying that tag, e.g. ``tag:network``).

With no ``select`` pattern every default rule runs. Opt-in rules (``default_enabled: false``)
run only when a ``select`` pattern names them by id, slug or alias; a glob, severity or tag
never switches them on. ``ignore`` then removes every rule any of its patterns matches. A
pattern that matches no rule at all is an error: a typo must not silently select nothing.
Names and globs are read by :mod:`auditor.engine.references`, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from auditor.engine.references import names_rule, refers_to
from auditor.errors import InputError
from auditor.model import Rule, Severity


def split_patterns(values: Iterable[str]) -> tuple[str, ...]:
    """Flatten repeated, comma-separated option values into patterns (blanks dropped)."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def matches(pattern: str, rule: Rule) -> bool:
    """Whether one pattern matches a rule."""
    text = pattern.strip().lower()
    kind, _, value = text.partition(":")
    if value and kind == "severity":
        at_least = value.endswith("+")
        try:
            level = Severity.parse(value.rstrip("+"))
        except ValueError as exc:
            raise InputError(f"--select/--ignore {pattern!r}: {exc}") from None
        if at_least:
            return rule.severity.rank >= level.rank
        return rule.severity is level
    if value and kind == "tag":
        return value in {t.lower() for t in rule.tags}
    return refers_to(text, rule)


def select_rules(
    rules: Sequence[Rule], select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> list[Rule]:
    """The rules to run, in catalog order. Raises :class:`InputError` for a dead pattern."""
    for pattern in (*select, *ignore):
        if not any(matches(pattern, rule) for rule in rules):
            raise InputError(
                f"--select/--ignore pattern {pattern!r} matches no rule "
                "(use an id, slug, glob such as AML*, severity:high, severity:medium+ or tag:NAME)"
            )
    chosen = []
    for rule in rules:
        if select:
            if rule.default_enabled:
                wanted = any(matches(p, rule) for p in select)
            else:
                wanted = any(names_rule(p, rule) for p in select)
        else:
            wanted = rule.default_enabled
        if wanted and not any(matches(p, rule) for p in ignore):
            chosen.append(rule)
    return chosen
