"""The config file: ``[tool.auditor]`` in ``pyproject.toml`` or an ``auditor.toml``.

Keys are the ``scan`` options' destinations, declared once as :class:`Option` values where the
parser is built (``auditor/cli/scan_options.py``), so an option added there is configurable with
no second list to maintain; they are written with dashes or underscores (``fail-on`` or
``fail_on``). Repeatable options take a TOML list; comma-list options take a string or a list;
flags take ``true``/``false``; every other value goes through the option's own converter, so
the file accepts exactly what the command line accepts. Relative paths are relative to the
config file's folder. The command line wins over the file, the file over the defaults; unknown
keys are an error naming the key. One table is not an option: ``[parameters.RULE]`` sets the
rule's parameters (:mod:`auditor.engine.parameters` checks them once the rules are loaded).
"""

from __future__ import annotations

import argparse
import datetime as dt
import enum
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.engine.parameters import Given, Setting
from auditor.errors import InputError
from auditor.jsonio import read_text
from auditor.suppress import suppressions_file

CONFIG_NAMES = ("auditor.toml", "pyproject.toml")
PARAMETERS = "parameters"
"""The table of rule parameters: ``[parameters.AIS002]`` (``[tool.auditor.parameters.AIS002]``)."""
NOT_CONFIGURABLE = frozenset({"help", "config", "version", "debug"})
"""Option destinations with no config key (``--config`` names the file itself; ``--debug``
is for one run that went wrong, not a setting)."""


@dataclass(frozen=True)
class ConfigFile:
    """A config table read from a file."""

    path: Path
    table: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Option:
    """One ``scan`` setting: what its option stores when the command line and the file are
    silent, and how a value is converted (the same converter for the file as for the CLI)."""

    dest: str
    """The destination: the config key with underscores (``fail_on``)."""
    default: Any = None
    convert: Callable[[str], Any] | None = None
    """The option's ``type``: text -> value; raises ``ArgumentTypeError``/``ValueError``."""
    repeatable: bool = False
    """``action="append"``: the value is a list, and a command-line list replaces the file's."""
    flag: bool = False
    """``action="store_true"``: the value is true or false."""
    choices: tuple[str, ...] | None = None
    table: bool = False
    """The file may give a table (``sla_days = {critical = 7}``): it is read as the option's
    ``KEY=VALUE,...`` text."""


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


def configurable(options: Mapping[str, Option]) -> dict[str, Option]:
    """The options that have a config key, by destination, in declaration order."""
    return {dest: option for dest, option in options.items() if dest not in NOT_CONFIGURABLE}


def _is_path_type(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, Path)


def _convert_one(option: Option, key: str, value: Any, where: Path) -> Any:
    if isinstance(value, bool):
        raise InputError(f"{where}: {key}: expects a value, not true/false")
    if isinstance(value, list):
        if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
            raise InputError(f"{where}: {key}: expects a string or a list of strings")
        value = ",".join(str(v) for v in value)
    if isinstance(value, dict) and option.table:
        value = ",".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, dict):
        raise InputError(f"{where}: {key}: expects a value, not a table")
    if isinstance(value, float):  # no option takes a fraction; nan and inf are TOML floats too
        raise InputError(f"{where}: {key}: expects a string or a whole number, not {value!r}")
    converter = option.convert
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
            result = converter(text)
        except (argparse.ArgumentTypeError, ValueError, TypeError, InputError) as exc:
            raise InputError(f"{where}: {key}: {exc}") from None
    if option.choices is not None and result not in option.choices:
        choices = ", ".join(str(c) for c in option.choices)
        raise InputError(f"{where}: {key}: {value!r} is not one of {choices}")
    return result


def convert(option: Option, key: str, value: Any, where: Path) -> Any:
    """A config value as the option would have stored it; InputError naming file and key."""
    if option.flag:
        if not isinstance(value, bool):
            raise InputError(f"{where}: {key}: expects true or false")
        return value
    if option.repeatable:
        if not isinstance(value, list):
            raise InputError(f"{where}: {key}: expects a list (the option is repeatable)")
        return [_convert_one(option, key, item, where) for item in value]
    return _convert_one(option, key, value, where)


def config_values(options: Mapping[str, Option], config: ConfigFile | None) -> dict[str, Any]:
    """The config table as converted option values by destination."""
    if config is None:
        return {}
    actions = configurable(options)
    values: dict[str, Any] = {}
    for key, value in config.table.items():
        if key == PARAMETERS:
            continue
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


def parameter_tables(config: ConfigFile | None) -> Given | None:
    """The file's ``[parameters.RULE]`` tables, their shape checked (a table of tables)."""
    if config is None or PARAMETERS not in config.table:
        return None
    tables = config.table[PARAMETERS]
    where = f"{config.path}: [{PARAMETERS}]"
    if not isinstance(tables, dict):
        raise InputError(f"{where} must be a table of rule tables ([{PARAMETERS}.AIS002])")
    for rule, table in tables.items():
        if not isinstance(table, dict):
            raise InputError(
                f"{config.path}: [{PARAMETERS}.{rule}] must be a table (parameter = value), "
                f"found {type(table).__name__}"
            )
    return Given(str(config.path), tables)


@dataclass(frozen=True)
class Resolved:
    """Effective scan options and where each came from."""

    values: Mapping[str, Any]
    """Destination -> the effective value, for every configurable option."""
    sources: Mapping[str, str]
    """Destination -> ``default``, ``CLI`` or the config file's path."""
    config: ConfigFile | None
    parameters: Given | None = None
    """The config file's rule parameters, unchecked until the rules are loaded."""


def resolve(
    options: Mapping[str, Option],
    given: Mapping[str, Any],
    explicit: Path | None,
    cwd: Path,
) -> Resolved:
    """Each option from the command line (``given``: only what it set), else the config
    file, else its default."""
    config = find_config(explicit, cwd)
    from_file = config_values(options, config)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for dest, option in configurable(options).items():
        if dest in given:
            values[dest], sources[dest] = given[dest], "CLI"
        elif dest in from_file:
            values[dest] = from_file[dest]
            sources[dest] = str(config.path) if config else "config"
        else:
            values[dest], sources[dest] = option.default, "default"
    return Resolved(values, sources, config, parameter_tables(config))


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


def show_text(
    resolved: Resolved, parameters: Mapping[str, Mapping[str, Setting]] | None = None
) -> str:
    """Every scan setting: key, effective value and its source; then every rule parameter
    (``parameters.AIS002.key_max_age_days``) with the value a scan would use."""
    width = max(len(dest) for dest in resolved.values)
    header = f"# config file: {resolved.config.path}" if resolved.config else "# config file: none"
    lines = [header]
    for dest, raw in resolved.values.items():
        key = dest.replace("_", "-")
        source = resolved.sources[dest]
        if dest == "suppressions" and raw is None and (found := suppressions_file(None)):
            raw, source = found, "default (the file exists)"  # what a scan would apply
        lines.append(f"{key:<{width}} = {display(raw):<40} # {source}")
    if parameters:
        lines.append("# rule parameters ([parameters.RULE] tables; --key-max-age-days wins)")
    for rule_id, by_name in (parameters or {}).items():
        for name, setting in by_name.items():
            key = f"{PARAMETERS}.{rule_id}.{name}"
            lines.append(f"{key} = {display(setting.value)}  # {setting.source}")
    return "\n".join(lines)
