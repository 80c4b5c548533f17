"""Rule-set pins: a gate pinned to a release is decided by that release's rules alone.

PSRule's dated baselines are the model: an upgrade must not turn a green release pipeline red
by surprise. With ``--rule-set 0.1.0`` every rule still runs and reports, but only the rules
whose meaning is that of release 0.1.0 (``since`` and ``changed`` at or before it) move the
exit code. A rule added later, or whose meaning changed later, is reported as not gating until
the pin moves; the scan says which on stderr, so nothing stops gating silently.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from auditor.errors import InputError
from auditor.model import Rule

_RELEASE = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


@dataclass(frozen=True, order=True)
class Release:
    """A release number, ``MAJOR.MINOR.PATCH``, ordered as numbers (0.10.0 after 0.9.0)."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Release:
        """``0.1.0`` -> Release(0, 1, 0); anything else is a ValueError saying the form."""
        match = _RELEASE.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"{text!r} is not a release number (MAJOR.MINOR.PATCH, e.g. 0.1.0)")
        return cls(*(int(part) for part in match.groups()))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


def gates(rule: Rule, pin: Release | None) -> bool:
    """Whether the rule's results move the exit code under the pin.

    A rule without ``since`` (a custom rule that does not say) is the user's own: a pin to a
    release of the bundled rules says nothing about it, so it gates."""
    if pin is None or rule.since is None:
        return True
    if Release.parse(rule.since) > pin:
        return False
    return rule.changed is None or Release.parse(rule.changed) <= pin


def pin_for(text: str | None, rules: Sequence[Rule]) -> Release | None:
    """The pin ``--rule-set`` names, checked against the rules: a pin older than every rule
    would let nothing gate, a silent pass, so it is refused (exit 2)."""
    if text is None:
        return None
    try:
        pin = Release.parse(text)
    except ValueError as exc:
        raise InputError(f"--rule-set: {exc}") from None
    releases = [Release.parse(r.since) for r in rules if r.since is not None]
    if releases and pin < min(releases):
        raise InputError(
            f"--rule-set {pin}: no rule is that old (the oldest rules are from {min(releases)}); "
            "a pin older than every rule would gate on nothing"
        )
    return pin


def not_gating(rules: Sequence[Rule], pin: Release | None) -> tuple[str, ...]:
    """Ids of the rules that run and report but do not move the exit code under the pin."""
    return tuple(rule.id for rule in rules if not gates(rule, pin))
