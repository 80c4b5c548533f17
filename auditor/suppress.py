"""Suppressions: accountable, expiring exceptions applied as a pure step after the engine.

A suppressions file (``.auditor/suppressions.yaml`` by default) holds a list of entries::

    suppressions:
      - rule: AIS001                      # rule id, slug or glob (AML00*)
        resource: /subscriptions/.../accounts/lang-dev   # id, glob, or regex:PATTERN
        reason: dev account, keys needed until the SDK upgrade (JIRA-123)
        owner: ai-platform@contoso.com
        expires: 2027-01-31               # suppresses through this date

Every field is required. Matching is case-insensitive; a ``regex:`` pattern must match the
whole normalised resource id. A suppressed ``fail`` keeps its place in every report with
status ``suppressed`` and the entry's reason, owner and expiry. An entry past its date stops
suppressing and becomes a warning; an entry that matches no failing result is reported as
stale. A malformed file is an :class:`~auditor.errors.InputError` naming file and line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from auditor.errors import InputError
from auditor.model import Result, Status
from auditor.report.formats import write_atomically

DEFAULT_PATH = Path(".auditor") / "suppressions.yaml"
DEFAULT_MAX_DAYS = 180
FIELDS = ("rule", "resource", "reason", "owner", "expires")
REGEX_PREFIX = "regex:"
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class Suppression:
    """One validated entry of a suppressions file."""

    rule: str
    """Rule id, slug or glob, matched case-insensitively."""
    resource: str
    """Resource id, glob, or ``regex:`` pattern (whole id, case-insensitive)."""
    reason: str
    owner: str
    expires: dt.date
    """Last day the entry suppresses."""
    file: str = ""
    line: int = 0

    def matches_rule(self, rule_id: str, slug: str) -> bool:
        """True when the entry names this rule (id or slug, or a glob over them)."""
        pattern = self.rule.lower()
        return any(fnmatch.fnmatchcase(name.lower(), pattern) for name in (rule_id, slug))

    def matches_resource(self, resource_key: str) -> bool:
        """True when the entry names this resource (normalised, lower-case id)."""
        if self.resource.startswith(REGEX_PREFIX):
            pattern = re.compile(self.resource[len(REGEX_PREFIX) :], re.IGNORECASE)
            return pattern.fullmatch(resource_key) is not None
        wanted = self.resource.lower().rstrip("/")
        if _GLOB_CHARS & set(wanted):
            return fnmatch.fnmatchcase(resource_key, wanted)
        return resource_key == wanted

    def where(self) -> str:
        """``file:line`` of the entry."""
        return f"{self.file}:{self.line}"

    def as_report(self) -> dict[str, Any]:
        """The entry as a finding's ``suppression`` object."""
        return {
            "rule": self.rule,
            "resource": self.resource,
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat(),
            "file": self.file,
            "line": self.line,
        }


def validate_entry(
    values: Mapping[str, str], *, horizon_from: dt.date, max_days: int, file: str, line: int
) -> Suppression:
    """Check one entry's values (strings as written); raises InputError naming file and line."""
    where = f"{file}:{line}"
    missing = [name for name in FIELDS if not str(values.get(name, "")).strip()]
    if missing:
        raise InputError(f"{where}: suppression is missing {', '.join(missing)} (all required)")
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise InputError(f"{where}: unknown suppression field {unknown[0]!r}")
    try:
        expires = dt.date.fromisoformat(str(values["expires"]).strip())
    except ValueError:
        raise InputError(
            f"{where}: expires {values['expires']!r} is not a date (YYYY-MM-DD)"
        ) from None
    latest = horizon_from + dt.timedelta(days=max_days)
    if expires > latest:
        raise InputError(
            f"{where}: expires {expires} is more than {max_days} days ahead "
            f"(latest allowed: {latest}; see --max-suppression-days)"
        )
    resource = str(values["resource"]).strip()
    if resource.startswith(REGEX_PREFIX):
        try:
            re.compile(resource[len(REGEX_PREFIX) :])
        except re.error as exc:
            raise InputError(f"{where}: invalid regex in resource: {exc}") from None
    return Suppression(
        rule=str(values["rule"]).strip(),
        resource=resource,
        reason=str(values["reason"]).strip(),
        owner=str(values["owner"]).strip(),
        expires=expires,
        file=file,
        line=line,
    )


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def parse_suppressions(
    text: str, path: str, *, horizon_from: dt.date, max_days: int
) -> list[Suppression]:
    """Parse and validate a suppressions file's text; errors name ``path:line``."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise InputError(f"{path}:{line}: invalid YAML: {exc.problem or exc}") from None
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        raise InputError(f"{path}:{_line(root)}: expected a mapping with a 'suppressions' list")
    entries_node: yaml.Node | None = None
    for key, value in root.value:
        if key.value == "suppressions":
            entries_node = value
        elif key.value != "version":
            raise InputError(f"{path}:{_line(key)}: unknown top-level key {key.value!r}")
    if entries_node is None or (
        isinstance(entries_node, yaml.ScalarNode) and entries_node.value in ("", "null", "~")
    ):
        return []
    if not isinstance(entries_node, yaml.SequenceNode):
        raise InputError(f"{path}:{_line(entries_node)}: 'suppressions' must be a list")
    suppressions = []
    for entry in entries_node.value:
        where = f"{path}:{_line(entry)}"
        if not isinstance(entry, yaml.MappingNode):
            raise InputError(f"{where}: each suppression must be a mapping of {', '.join(FIELDS)}")
        values: dict[str, str] = {}
        for key, value in entry.value:
            if not isinstance(value, yaml.ScalarNode):
                raise InputError(f"{path}:{_line(value)}: {key.value!r} must be a single value")
            if key.value in values:
                raise InputError(f"{path}:{_line(key)}: {key.value!r} is given twice")
            values[str(key.value)] = str(value.value)
        suppressions.append(
            validate_entry(
                values, horizon_from=horizon_from, max_days=max_days, file=path, line=_line(entry)
            )
        )
    return suppressions


def suppressions_file(path: Path | None) -> Path | None:
    """The file a scan applies: the one named, else the default file when it exists."""
    if path is not None:
        return path
    return DEFAULT_PATH if DEFAULT_PATH.is_file() else None


def load_suppressions(
    path: Path | None, *, horizon_from: dt.date, max_days: int = DEFAULT_MAX_DAYS
) -> list[Suppression]:
    """Read a suppressions file; the default file is optional, a named one must exist."""
    file = suppressions_file(path)
    if file is None:
        return []
    if not file.is_file():
        raise InputError(f"{file}: no such suppressions file")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{file}: cannot read suppressions: {exc}") from None
    return parse_suppressions(text, str(file), horizon_from=horizon_from, max_days=max_days)


def warning(kind: str, message: str, entry: Suppression) -> dict[str, Any]:
    """A report warning about a suppression entry."""
    return {"kind": kind, "message": message, "file": entry.file, "line": entry.line}


def apply_suppressions(
    results: Sequence[Result], suppressions: Iterable[Suppression], as_of: dt.datetime
) -> tuple[list[Result], list[dict[str, Any]]]:
    """Mark failing results matched by a live entry ``suppressed``; returns results, warnings."""
    entries = list(suppressions)
    today = as_of.date()
    matched = [0] * len(entries)
    # Entries naming each rule, so resource patterns are tried only where they can apply.
    by_rule: dict[str, list[int]] = {}
    out: list[Result] = []
    for result in results:
        if result.status is not Status.FAIL:
            out.append(result)
            continue
        rule = result.rule
        if rule.id not in by_rule:
            by_rule[rule.id] = [
                i for i, e in enumerate(entries) if e.matches_rule(rule.id, rule.slug)
            ]
        chosen: Suppression | None = None
        for index in by_rule[rule.id]:
            entry = entries[index]
            if entry.matches_resource(result.resource.key):
                matched[index] += 1
                if chosen is None and entry.expires >= today:
                    chosen = entry
        if chosen is None:
            out.append(result)
        else:
            out.append(
                dataclasses.replace(
                    result, status=Status.SUPPRESSED, suppression=chosen.as_report()
                )
            )
    warnings = []
    for entry, count in zip(entries, matched, strict=True):
        label = (
            f"suppression of {entry.rule} on {entry.resource} "
            f"({entry.where()}, owner {entry.owner})"
        )
        if entry.expires < today:
            warnings.append(
                warning(
                    "suppression_expired",
                    f"{label} expired on {entry.expires}: {count} failing result(s) are no "
                    "longer suppressed",
                    entry,
                )
            )
        elif count == 0:
            warnings.append(
                warning(
                    "suppression_stale",
                    f"{label} matches no failing result: remove it if the issue is fixed",
                    entry,
                )
            )
    return out, warnings


def entry_text(entry: Suppression) -> str:
    """One entry as YAML list-item lines, indented under ``suppressions:``."""
    data = {
        "rule": entry.rule,
        "resource": entry.resource,
        "reason": entry.reason,
        "owner": entry.owner,
        "expires": entry.expires,
    }
    dumped = yaml.safe_dump([data], sort_keys=False, allow_unicode=True, width=1000)
    return "".join(f"  {line}\n" for line in dumped.splitlines())


def appended_text(existing: str | None, entry: Suppression) -> str:
    """The file text with the entry appended, comments and order of the old text kept."""
    if existing is None or not existing.strip():
        return (
            "# Accountable exceptions for `auditor scan`: rule, resource, reason, owner and\n"
            "# expires are all required. See README.md, Suppressions.\n"
            "suppressions:\n" + entry_text(entry)
        )
    text = existing if existing.endswith("\n") else existing + "\n"
    root = yaml.safe_load(text)
    if isinstance(root, dict) and root.get("suppressions") is None:
        # `suppressions:` with no list yet (or no such key at all): start the list.
        if "suppressions" in root:
            text = re.sub(r"(?m)^suppressions:[ \t]*(null|~)?[ \t]*$", "suppressions:", text)
            return text + entry_text(entry)
        return text + "suppressions:\n" + entry_text(entry)
    return text + entry_text(entry)


def append_suppression(
    path: Path, entry: Suppression, *, horizon_from: dt.date, max_days: int
) -> int:
    """Append a validated entry to the file (created if absent); returns the total entries.

    The old file must be valid, and the new text is parsed back before it is written
    (atomically): a file that would not load afterwards is never written.
    """
    existing = path.read_text(encoding="utf-8") if path.is_file() else None
    before = (
        parse_suppressions(existing, str(path), horizon_from=horizon_from, max_days=max_days)
        if existing is not None
        else []
    )
    text = appended_text(existing, entry)
    after = parse_suppressions(text, str(path), horizon_from=horizon_from, max_days=max_days)
    new = after[-1] if after else None
    if (
        len(after) != len(before) + 1
        or new is None
        or (new.rule, new.resource)
        != (
            entry.rule,
            entry.resource,
        )
    ):
        raise InputError(
            f"{path}: cannot append safely (the 'suppressions' list is not the last block); "
            "add the entry by hand"
        )
    try:
        write_atomically(path, text)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc}") from exc
    return len(after)
