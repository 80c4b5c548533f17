"""Output formats: the writer registry, and the one place reports are written to files.

Every module of :mod:`auditor.report.writers` defines ``WRITER``, an object with the
:class:`Writer` fields; :func:`writers` finds them all, so a new format is one new module.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.atomic import write_files
from auditor.errors import InputError, ReportError
from auditor.extras import require
from auditor.report import writers as _package
from auditor.report.model import Report


@dataclass(frozen=True)
class Writer:
    """One output format: each module of :mod:`auditor.report.writers` defines one, ``WRITER``."""

    name: str
    """What ``--format`` calls it (lower case)."""
    filename: str
    """The file it is written to in the output folder."""
    render: Callable[[Report], str | bytes]
    """The report in this format (text is written as UTF-8)."""
    aliases: tuple[str, ...] = ()
    """Other names ``--format`` accepts for it."""
    extra: str | None = None
    """The optional extra (``pip install 'auditor[NAME]'``) whose ``modules`` it needs."""
    modules: tuple[str, ...] = ()
    """Modules outside the core install that ``render`` imports (from ``extra``)."""


@functools.cache
def writers() -> dict[str, Writer]:
    """Every format by name, in name order: the ``WRITER`` of each module of the package."""
    found: dict[str, Writer] = {}
    for module in pkgutil.iter_modules(_package.__path__):
        if not module.name.startswith("_"):
            writer: Writer = importlib.import_module(f"{_package.__name__}.{module.name}").WRITER
            if writer.name in found:  # a copied module: one would silently hide the other
                raise RuntimeError(f"two writers are named {writer.name!r}")
            found[writer.name] = writer
    return dict(sorted(found.items()))


def writer(name: str) -> Writer:
    """The writer a format name or alias names (any case); unknown is an input error, and so
    is a format whose optional extra is not installed (named, before any scan starts)."""
    key = name.strip().lower()
    for candidate in writers().values():
        if key == candidate.name or key in candidate.aliases:
            if candidate.extra:
                require(candidate.extra, f"--format {candidate.name}", *candidate.modules)
            return candidate
    raise InputError(f"unknown format {key!r} (choose from: {', '.join(writers())})")


def parse_formats(text: str) -> list[str]:
    """Parse ``json,html`` into format names; unknown names are an input error naming the
    choices."""
    names: list[str] = []
    for part in (p for p in text.split(",") if p.strip()):
        name = writer(part).name
        if name not in names:
            names.append(name)
    if not names:
        raise InputError("--format needs at least one format")
    return names


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def unicode_safe(value: Any) -> Any:
    """The value (a report, or any part of one) with every lone surrogate replaced by U+FFFD.

    A lone surrogate (from JSON ``"\\ud800"`` in an input) is not a character: no UTF-8 file
    can hold it, so every format would fail to write. Keys and values alike are cleaned."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, enum.Enum):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: unicode_safe(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    if isinstance(value, Mapping):
        return {unicode_safe(k): unicode_safe(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(unicode_safe(item) for item in value)
    if isinstance(value, list):
        return [unicode_safe(item) for item in value]
    return value


def render(name: str, report: Report) -> str | bytes:
    """Render the report in the format a name or alias names."""
    cleaned: Report = unicode_safe(report)
    return writer(name).render(cleaned)


def write_atomically(path: Path, text: str) -> None:  # suppress.py and commands.py use it
    """Write one file all or nothing (:func:`auditor.atomic.write_files`)."""
    write_files({path: text})


def check_report_folder(formats: Iterable[str], output_dir: Path) -> None:
    """Refuse, before the scan, a report folder that cannot take the reports: a file where
    the folder should be, or a folder where a report goes (:class:`ReportError`)."""
    for folder in (output_dir, *output_dir.parents):
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                raise ReportError(f"cannot write reports to {output_dir}: {folder} is not a folder")
            break
    for name in formats:
        path = output_dir / writer(name).filename
        if path.is_dir() and not path.is_symlink():
            raise ReportError(f"cannot write reports to {output_dir}: {path} is a folder")


def write_reports(report: Report, formats: Iterable[str], output_dir: Path) -> list[Path]:
    """Render every format first, then write the set all or nothing; returns the paths.

    Nothing is written unless every format rendered; a failure while writing leaves the
    previous set as it was (see :mod:`auditor.atomic`)."""
    rendered = {Path(output_dir) / writer(n).filename: render(n, report) for n in formats}
    try:
        return write_files(rendered)
    except OSError as exc:
        raise ReportError(f"cannot write reports to {output_dir}: {exc}") from exc
