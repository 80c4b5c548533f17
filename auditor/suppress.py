"""Suppressions: accountable, expiring exceptions applied as a pure step after the engine.

A suppressions file (``.auditor/suppressions.yaml`` by default) holds a list of entries::

    suppressions:
      - rule: AIS001                      # rule id, slug, alias or glob (AML00*)
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

from auditor.atomic import write_files
from auditor.engine.references import refers_to
from auditor.errors import InputError
from auditor.jsonio import read_text
from auditor.model import Result, Rule, Status

DEFAULT_PATH = Path(".auditor") / "suppressions.yaml"
DEFAULT_MAX_DAYS = 180
FIELDS = ("rule", "resource", "reason", "owner", "expires")
REGEX_PREFIX = "regex:"
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class Suppression:
    """One validated entry of a suppressions file."""

    rule: str
    """Rule id, slug, alias or glob, matched case-insensitively."""
    resource: str
    """Resource id, glob, or ``regex:`` pattern (whole id, case-insensitive)."""
    reason: str
    owner: str
    expires: dt.date
    """Last day the entry suppresses."""
    file: str = ""
    line: int = 0

    def matches_rule(self, rule: Rule) -> bool:
        """True when the entry names this rule (id, slug or alias, or a glob over them)."""
        return refers_to(self.rule, rule)

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


_NULL_TAG = "tag:yaml.org,2002:null"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG


def _key(node: yaml.Node, path: str) -> str:
    """A mapping key's text; a key that is a list or a mapping is refused."""
    if not isinstance(node, yaml.ScalarNode):
        raise InputError(f"{path}:{_line(node)}: a key must be a plain name, not a list or mapping")
    return str(node.value)


def _reader_line(exc: yaml.YAMLError, text: str) -> int:
    """The line of the reader's complaint (its message prints the offending character raw)."""
    position = getattr(exc, "position", None)
    return text.count("\n", 0, position) + 1 if isinstance(position, int) else 0


def parse_suppressions(
    text: str, path: str, *, horizon_from: dt.date, max_days: int
) -> list[Suppression]:
    """Parse and validate a suppressions file's text; errors name ``path:line``."""
    try:
        # Composed, never constructed: an alias is one shared node, so an alias bomb costs
        # nothing; the nesting limit is the parser's recursion, caught below.
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise InputError(f"{path}:{line}: invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:  # the reader's: a control character, a bad encoding
        raise InputError(
            f"{path}:{_reader_line(exc, text)}: invalid YAML: a character YAML does not allow"
        ) from None
    except RecursionError:
        raise InputError(f"{path}: invalid YAML: nested too deeply") from None
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        raise InputError(f"{path}:{_line(root)}: expected a mapping with a 'suppressions' list")
    entries_node: yaml.Node | None = None
    seen: set[str] = set()
    for key, value in root.value:
        name = _key(key, path)
        if name in seen:  # YAML keeps the last; the list above it would be dropped unseen
            raise InputError(f"{path}:{_line(key)}: {name!r} is given twice")
        seen.add(name)
        if name == "suppressions":
            entries_node = value
        elif name != "version":
            raise InputError(f"{path}:{_line(key)}: unknown top-level key {name!r}")
    if entries_node is None or _is_null(entries_node):
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
            name = _key(key, path)
            if not isinstance(value, yaml.ScalarNode):
                raise InputError(f"{path}:{_line(value)}: {name!r} must be a single value")
            if name in values:
                raise InputError(f"{path}:{_line(key)}: {name!r} is given twice")
            if _SURROGATE.search(value.value):
                raise InputError(f"{path}:{_line(value)}: {name!r} holds a lone UTF-16 surrogate")
            values[name] = "" if _is_null(value) else str(value.value)
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
    text = read_text(file)
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
            by_rule[rule.id] = [i for i, e in enumerate(entries) if e.matches_rule(rule)]
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
    # The node tree, not constructed values: the old file was only composed when checked, and
    # constructing could still fail on a value nobody reads (``version: 2027-13-45``).
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if isinstance(root, yaml.MappingNode):
        listed = {str(k.value): v for k, v in root.value if isinstance(k, yaml.ScalarNode)}
        if "suppressions" not in listed:
            return text + "suppressions:\n" + entry_text(entry)
        if _is_null(listed["suppressions"]):
            # `suppressions:` with no list yet: start the list.
            text = re.sub(r"(?m)^suppressions:[ \t]*(null|~)?[ \t]*$", "suppressions:", text)
    return text + entry_text(entry)


def append_suppression(
    path: Path, entry: Suppression, *, horizon_from: dt.date, max_days: int
) -> int:
    """Append a validated entry to the file (created if absent); returns the total entries.

    The old file must be valid, and the new text is parsed back before it is written
    (atomically): a file that would not load afterwards is never written.
    """
    existing = read_text(path) if path.is_file() else None
    before = (
        parse_suppressions(existing, str(path), horizon_from=horizon_from, max_days=max_days)
        if existing is not None
        else []
    )
    text = appended_text(existing, entry)
    try:
        after = parse_suppressions(text, str(path), horizon_from=horizon_from, max_days=max_days)
    except InputError:
        after = []  # the appended text does not parse (a flow-style list): refused below
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
        write_files({path: text})
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc}") from exc
    return len(after)
