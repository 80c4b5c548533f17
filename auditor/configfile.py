"""The config file: ``[tool.auditor]`` in ``pyproject.toml`` or an ``auditor.toml``.

Keys are derived from the ``scan`` parser itself: every option's destination is a key,
written with dashes or underscores (``fail-on`` or ``fail_on``), so an option added to the
parser is configurable with no second list to maintain. Repeatable options take a TOML list;
comma-list options take a string or a list; flags take ``true``/``false``; every other value
goes through the option's own converter, so the file accepts exactly what the command line
accepts. Relative paths are relative to the config file's folder. The command line wins;
unknown keys are an error naming the key.
"""

from __future__ import annotations

import argparse
import datetime as dt
import enum
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.errors import InputError
from auditor.jsonio import read_text
from auditor.suppress import suppressions_file

CONFIG_NAMES = ("auditor.toml", "pyproject.toml")
NOT_CONFIGURABLE = frozenset({"help", "config", "version", "debug"})
"""Option destinations with no config key (``--config`` names the file itself; ``--debug``
is for one run that went wrong, not a setting)."""


@dataclass(frozen=True)
class ConfigFile:
    """A config table read from a file."""

    path: Path
    table: Mapping[str, Any] = field(default_factory=dict)


def _read_toml(path: Path) -> dict[str, Any]:
    text = read_text(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays recursively
        raise InputError(f"{path}: invalid TOML: nested too deeply") from None


def _table(path: Path, data: Mapping[str, Any], *, required: bool) -> ConfigFile | None:
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        if not isinstance(tool, dict) or "auditor" not in tool:
            if required:
                raise InputError(f"{path}: no [tool.auditor] table")
            return None
        table = tool["auditor"]
        if not isinstance(table, dict):
            raise InputError(f"{path}: [tool.auditor] must be a table")
        return ConfigFile(path, table)
    return ConfigFile(path, data)


def find_config(explicit: Path | None, cwd: Path) -> ConfigFile | None:
    """The named config file, else ``auditor.toml`` or a ``pyproject.toml`` with
    ``[tool.auditor]`` in the working directory (in that order), else None."""
    if explicit is not None:
        if not explicit.is_file():
            raise InputError(f"{explicit}: no such config file")
        return _table(explicit, _read_toml(explicit), required=True)
    for name in CONFIG_NAMES:
        candidate = cwd / name
        if candidate.is_file():
            found = _table(candidate, _read_toml(candidate), required=False)
            if found is not None:
                return found
    return None


def configurable_actions(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """The parser's options that have a config key, by destination, in parser order."""
    actions: dict[str, argparse.Action] = {}
    for action in parser._actions:  # argparse has no public list of a parser's actions
        if not action.option_strings or action.dest == argparse.SUPPRESS:
            continue
        if action.dest in NOT_CONFIGURABLE or isinstance(
            action, argparse._HelpAction | argparse._VersionAction
        ):
            continue
        actions[action.dest] = action
    return actions


def _is_path_type(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, Path)


def _convert_one(action: argparse.Action, key: str, value: Any, where: Path) -> Any:
    if isinstance(value, bool):
        raise InputError(f"{where}: {key}: expects a value, not true/false")
    if isinstance(value, list):
        if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
            raise InputError(f"{where}: {key}: expects a string or a list of strings")
        value = ",".join(str(v) for v in value)
    if isinstance(value, dict):
        raise InputError(f"{where}: {key}: expects a value, not a table")
    if isinstance(value, float):  # no option takes a fraction; nan and inf are TOML floats too
        raise InputError(f"{where}: {key}: expects a string or a whole number, not {value!r}")
    converter = action.type
    if (converter is None or _is_path_type(converter)) and not isinstance(value, str):
        raise InputError(f"{where}: {key}: expects a string")
    text = value.isoformat() if isinstance(value, dt.date | dt.time) else str(value)
    result: Any
    if converter is None:
        result = text
    elif _is_path_type(converter):
        path = Path(text)
        result = path if path.is_absolute() or text == "-" else where.parent / path
    else:
        try:
            result = converter(text)  # type: ignore[operator]
        except (argparse.ArgumentTypeError, ValueError, TypeError, InputError) as exc:
            raise InputError(f"{where}: {key}: {exc}") from None
    if action.choices is not None and result not in action.choices:
        choices = ", ".join(str(c) for c in action.choices)
        raise InputError(f"{where}: {key}: {value!r} is not one of {choices}")
    return result


def convert(action: argparse.Action, key: str, value: Any, where: Path) -> Any:
    """A config value as the option would have stored it; InputError naming file and key."""
    if action.nargs == 0:  # flags: store_true / store_false / store_const
        if not isinstance(value, bool):
            raise InputError(f"{where}: {key}: expects true or false")
        if isinstance(action.const, bool):
            return value if action.const else not value
        return action.const if value else action.default
    repeatable = isinstance(action, argparse._AppendAction) or action.nargs in ("*", "+")
    if repeatable:
        if not isinstance(value, list):
            raise InputError(f"{where}: {key}: expects a list (the option is repeatable)")
        return [_convert_one(action, key, item, where) for item in value]
    return _convert_one(action, key, value, where)


def config_values(parser: argparse.ArgumentParser, config: ConfigFile | None) -> dict[str, Any]:
    """The config table as converted option values by destination."""
    if config is None:
        return {}
    actions = configurable_actions(parser)
    values: dict[str, Any] = {}
    for key, value in config.table.items():
        dest = key.replace("-", "_")
        if dest not in actions:
            raise InputError(
                f"{config.path}: unknown config key {key!r} (keys are the `auditor scan` "
                "options, e.g. fail-on, format, output-dir)"
            )
        if dest in values:
            raise InputError(f"{config.path}: {key!r} is given twice (dashes and underscores)")
        values[dest] = convert(actions[dest], key, value, config.path)
    return values


def cli_given(parser: argparse.ArgumentParser, argv: Sequence[str]) -> dict[str, Any]:
    """The options the command line itself set (values parsed with no defaults)."""
    saved = {action: action.default for action in parser._actions}
    try:
        for action in saved:
            action.default = argparse.SUPPRESS
        namespace, _ = parser.parse_known_args(list(argv))
    finally:
        for action, default in saved.items():
            action.default = default
    return vars(namespace)


@dataclass(frozen=True)
class Resolved:
    """Effective scan options and where each came from."""

    args: argparse.Namespace
    sources: dict[str, str]
    """Destination -> ``default``, ``CLI`` or the config file's path."""
    config: ConfigFile | None


def resolve(
    parser: argparse.ArgumentParser,
    args: argparse.Namespace,
    argv: Sequence[str],
    explicit: Path | None,
    cwd: Path,
) -> Resolved:
    """Merge defaults, the config file and the command line (which wins)."""
    config = find_config(explicit, cwd)
    from_file = config_values(parser, config)
    given = cli_given(parser, argv)
    merged = argparse.Namespace(**vars(args))
    sources: dict[str, str] = {}
    for dest in configurable_actions(parser):
        if dest in given:
            setattr(merged, dest, given[dest])
            sources[dest] = "CLI"
        elif dest in from_file:
            setattr(merged, dest, from_file[dest])
            sources[dest] = str(config.path) if config else "config"
        else:
            sources[dest] = "default"
    return Resolved(merged, sources, config)


def display(value: Any) -> str:
    """A setting's value for ``auditor config show`` (TOML-like)."""
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return f'"{value.value}"'
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(display(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def show_text(parser: argparse.ArgumentParser, resolved: Resolved) -> str:
    """Every scan setting: key, effective value and its source."""
    actions = configurable_actions(parser)
    width = max(len(dest) for dest in actions)
    header = f"# config file: {resolved.config.path}" if resolved.config else "# config file: none"
    lines = [header]
    for dest in actions:
        key = dest.replace("_", "-")
        raw = getattr(resolved.args, dest, None)
        source = resolved.sources[dest]
        if dest == "suppressions" and raw is None and (found := suppressions_file(None)):
            raw, source = found, "default (the file exists)"  # what a scan would apply
        lines.append(f"{key:<{width}} = {display(raw):<40} # {source}")
    return "\n".join(lines)
