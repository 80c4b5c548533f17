"""Output formats: the writer registry, and the one place reports are written to files.

Every module of :mod:`auditor.report.writers` defines ``WRITER``, an object with the
:class:`Writer` fields; :func:`writers` finds them all, so a new format is one new module.
A writer writes to a stream (:attr:`Writer.write`): a report set is written one format at a
time straight into its temporary file, never built as one string (:func:`write_reports`);
:func:`render` writes into memory for the API and ``--stdout``.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import importlib
import io
import pkgutil
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TextIO

from auditor import progress
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
    write: Callable[[Report, IO[bytes]], None]
    """Write the report in this format to a binary stream (a text format through
    :func:`text_writer`, which encodes it as UTF-8)."""
    aliases: tuple[str, ...] = ()
    """Other names ``--format`` accepts for it."""
    binary: bool = False
    """Not text: :func:`render` returns bytes."""
    extra: str | None = None
    """The optional extra (``pip install 'auditor[NAME]'``) whose ``modules`` it needs."""
    modules: tuple[str, ...] = ()
    """Modules outside the core install that ``write`` imports (from ``extra``)."""


def text_writer(write: Callable[[Report, TextIO], None]) -> Callable[[Report, IO[bytes]], None]:
    """A text format's :attr:`Writer.write`: ``write`` gets the stream as UTF-8 text, newlines
    as written."""

    def write_bytes(report: Report, stream: IO[bytes]) -> None:
        text = io.TextIOWrapper(stream, "utf-8", newline="")
        try:
            write(report, text)
            text.flush()
        finally:
            text.detach()  # the stream belongs to the caller: not closed with the wrapper

    return write_bytes


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
    can hold it, so every format would fail to write. Keys and values alike are cleaned. What
    holds none is returned as it is (not copied), and an object shared by many (a finding's
    rule) stays shared: for a report without one this is a walk, not a rebuild."""
    return _clean(value, {})


def _clean(value: Any, done: dict[int, Any]) -> Any:
    if isinstance(value, str):
        return value if value.isascii() else _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, int | float | enum.Enum) or value is None:
        return value
    key = id(value)
    if key in done:
        return done[key]
    cleaned: Any = value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for name in _field_names(type(value)):
            item = getattr(value, name)
            new = _clean(item, done)
            if new is not item:
                changes[name] = new
        if changes:
            cleaned = dataclasses.replace(value, **changes)
    elif isinstance(value, Mapping):
        old_pairs = list(value.items())
        pairs = [(_clean(k, done), _clean(v, done)) for k, v in old_pairs]
        if any(a is not c or b is not d for (a, b), (c, d) in zip(pairs, old_pairs, strict=True)):
            cleaned = dict(pairs)
    elif isinstance(value, tuple | list):
        items = [_clean(item, done) for item in value]
        if any(new is not old for new, old in zip(items, value, strict=True)):
            cleaned = tuple(items) if isinstance(value, tuple) else items
    done[key] = cleaned
    return cleaned


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def render(name: str, report: Report) -> str | bytes:
    """The report in the format a name or alias names, whole: text, or bytes for a binary
    format."""
    chosen = writer(name)
    buffer = io.BytesIO()
    chosen.write(unicode_safe(report), buffer)
    data = buffer.getvalue()
    return data if chosen.binary else data.decode("utf-8")


def _write_one(chosen: Writer, report: Report, index: int, total: int, stream: IO[bytes]) -> None:
    progress.step("writing reports", index, total, chosen.filename)
    chosen.write(report, stream)


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
    """Write every format, all or nothing; returns the paths.

    One format at a time is written straight into its temporary file; only when every one
    is complete do they replace the previous set, and a failure while writing any of them
    leaves the previous set as it was (see :mod:`auditor.atomic`)."""
    chosen = [writer(n) for n in formats]
    files = {
        Path(output_dir) / w.filename: functools.partial(_write_one, w, report, i, len(chosen))
        for i, w in enumerate(chosen, 1)
    }
    try:
        return write_files(files)
    except OSError as exc:
        raise ReportError(f"cannot write reports to {output_dir}: {exc}") from exc
