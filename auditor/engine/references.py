"""The one way to refer to a rule: by id, slug or alias, in any case; or by a glob over them.

``--select``/``--ignore``, suppressions, ``auditor suppress``, ``rules show`` and anything
else naming a rule go through here, so a name that works in one place works in all of them
(an alias that selects a rule also suppresses it).
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Iterable

from auditor.errors import InputError
from auditor.model import Rule

_GLOB_CHARS = frozenset("*?[")


def names(rule: Rule) -> frozenset[str]:
    """Every name a rule answers to, lower-case: its id, slug and aliases."""
    return frozenset({rule.id.lower(), rule.slug.lower(), *(a.lower() for a in rule.aliases)})


def is_glob(pattern: str) -> bool:
    """True when the pattern holds a glob character (``*``, ``?``, ``[``)."""
    return bool(_GLOB_CHARS & set(pattern))


def names_rule(name: str, rule: Rule) -> bool:
    """True when ``name`` is the rule's id, slug or alias (never a glob), any case."""
    return name.strip().lower() in names(rule)


def refers_to(pattern: str, rule: Rule) -> bool:
    """True when a name or a glob over names refers to the rule, any case."""
    text = pattern.strip().lower()
    if is_glob(text):
        return any(fnmatch.fnmatchcase(name, text) for name in names(rule))
    return text in names(rule)


class RuleIndex:
    """The loaded rules by every name they answer to."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        self._by_name = {name: rule for rule in self.rules for name in names(rule)}

    def get(self, name: str) -> Rule | None:
        """The rule with this id, slug or alias, or None."""
        return self._by_name.get(name.strip().lower())

    def resolve(self, name: str) -> Rule:
        """The rule with this id, slug or alias; an :class:`InputError` naming close choices."""
        rule = self.get(name)
        if rule is not None:
            return rule
        close = difflib.get_close_matches(name.strip().lower(), self._by_name, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputError(f"no rule {name!r} (see `auditor rules`{hint})")

    def matching(self, pattern: str) -> list[Rule]:
        """The rules a name or glob refers to, in catalog order (empty when none)."""
        return [rule for rule in self.rules if refers_to(pattern, rule)]
