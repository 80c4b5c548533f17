"""Reading snapshot evidence: folders of ARM JSON files, as exported or as ``collect`` wrote.

Each ``.json`` file may hold one ARM resource object; an ARM list response
(``{"value": [...]}``, its ``nextLink`` ignored); a JSON array of such objects; or Azure
Resource Graph rows (``{"data": [...]}``, or the older table form with ``columns`` and
``rows``). A file that is not valid JSON, or not one of these shapes, is an
:class:`~auditor.errors.InputError` naming the file: nothing is silently dropped.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor import progress
from auditor.collect import azcli
from auditor.errors import InputError
from auditor.inventory import InventoryBuilder
from auditor.jsonio import read_json
from auditor.model import SourceKind, SourceRef
from auditor.records import UnrecognisedRecord, json_kind
from auditor.sources import SourceRead


@dataclass(frozen=True)
class SnapshotStats:
    """What reading a snapshot found, for the report's ``scan.sources``."""

    path: str
    files: int
    records: int


def snapshot_files(path: Path) -> list[Path]:
    """The JSON files of a snapshot path (a file, or a folder read recursively), sorted.

    Symbolic links are followed, files and folders alike. Anything the walk cannot see into is
    an :class:`~auditor.errors.InputError` naming it, never a silent skip: a folder that cannot
    be listed, an entry that cannot be looked at, a dangling link, a link back to a folder above
    it (a loop), and a ``.json`` name that is not a regular file (a FIFO would block the read).
    A file or folder reached twice by different links is read once.
    """
    try:
        top = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise InputError(f"{path}: a symbolic link to a missing target") from None
        raise InputError(f"{path}: no such file or folder") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot look at it: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(top.st_mode):
        _check_regular(path, top)
        return [path]
    files: list[Path] = []
    _walk(path, (top.st_dev, top.st_ino), set(), set(), files)
    if not files:
        raise InputError(f"{path}: the folder holds no .json files")
    return sorted(files)


def _walk(
    folder: Path,
    key: tuple[int, int],
    ancestors: set[tuple[int, int]],
    seen: set[tuple[int, int]],
    files: list[Path],
) -> None:
    """Add the JSON files under ``folder`` (whose (st_dev, st_ino) is ``key``) to ``files``."""
    seen.add(key)
    ancestors = ancestors | {key}
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        raise InputError(f"{folder}: cannot list the folder: {exc.strerror or exc}") from None
    for entry in entries:
        child = folder / entry.name
        try:
            info = entry.stat()  # follows a symbolic link
        except FileNotFoundError:
            raise InputError(f"{child}: a symbolic link to a missing target") from None
        except OSError as exc:
            raise InputError(f"{child}: cannot look at it: {exc.strerror or exc}") from None
        child_key = (info.st_dev, info.st_ino)
        if stat.S_ISDIR(info.st_mode):
            if child_key in ancestors:
                raise InputError(
                    f"{child}: a symbolic link back to a folder that holds it (a loop)"
                )
            if child_key not in seen:
                _walk(child, child_key, ancestors, seen, files)
        elif child.suffix.lower() == ".json" and child_key not in seen:
            _check_regular(child, info)
            seen.add(child_key)
            files.append(child)


def _check_regular(path: Path, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{path}: not a regular file (a FIFO, socket or device is not read)")


def _table_rows(table: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Rows of the older Resource Graph table form, as objects keyed by column name."""
    columns = table["columns"]
    names: list[str] = []
    for index, column in enumerate(columns):
        name = column.get("name") if isinstance(column, dict) else column
        if not isinstance(name, str) or not name:
            raise UnrecognisedRecord(
                f"data.columns[{index}]: expected a column name or an object with a 'name' "
                f"string, found {json_kind(name if isinstance(column, dict) else column)}"
            )
        if name in names:
            raise UnrecognisedRecord(f"data.columns[{index}]: column {name!r} given twice")
        names.append(name)
    rows = table.get("rows", [])
    if not isinstance(rows, list):
        raise UnrecognisedRecord(f"data.rows: expected an array, found {json_kind(rows)}")
    for index, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(names):
            raise UnrecognisedRecord(
                f"data.rows[{index}]: expected an array of {len(names)} values (one per column)"
            )
        yield f"data.rows[{index}]", dict(zip(names, row, strict=True))


def _records(document: Any) -> Iterator[tuple[str, Any]]:
    """Yield (where, record) for each object of a document of any accepted shape."""
    if isinstance(document, list):
        for index, item in enumerate(document):
            yield f"[{index}]", item
        return
    if not isinstance(document, dict):
        raise UnrecognisedRecord(
            f"top level is {json_kind(document)}, expected an object or an array"
        )
    if "value" in document and "id" not in document:
        value = document["value"]
        if not isinstance(value, list):
            raise UnrecognisedRecord(
                f"value: a list response's 'value' must be an array, found {json_kind(value)}"
            )
        for index, item in enumerate(value):
            yield f"value[{index}]", item
        return
    if "data" in document and "id" not in document:
        data = document["data"]
        if isinstance(data, list):
            for index, item in enumerate(data):
                yield f"data[{index}]", item
            return
        if isinstance(data, dict) and isinstance(data.get("columns"), list):
            yield from _table_rows(data)
            return
        raise UnrecognisedRecord("data: must be an array of rows or a table (columns and rows)")
    yield "", document


def read_file(
    path: Path,
    builder: InventoryBuilder,
    kind: SourceKind = SourceKind.SNAPSHOT,
    display: str | None = None,
) -> int:
    """Add every record of one JSON file to ``builder``; returns how many it held.

    ``display`` is the path findings name as their source (default: the path as given).
    """
    document = read_json(path)
    count = 0
    source = SourceRef(kind=kind, path=display or str(path))
    try:
        for where, record in _records(document):
            try:
                builder.add(azcli.as_arm(record), source)
            except UnrecognisedRecord as exc:
                raise InputError(f"{path}: {where or 'top level'}: {exc}") from exc
            count += 1
    except UnrecognisedRecord as exc:
        raise InputError(f"{path}: {exc}") from exc
    return count


def read_snapshots(
    paths: Iterable[Path],
    builder: InventoryBuilder,
    kind: SourceKind = SourceKind.SNAPSHOT,
    display_prefix: str | None = None,
) -> list[SnapshotStats]:
    """Read every snapshot path into ``builder``.

    With ``display_prefix``, sources are named ``prefix/<path inside the folder>`` instead of by
    their location on this machine (the bundled demo estate names ``auditor/demo/estate/...``).
    """
    stats = []
    for path in paths:
        files = snapshot_files(path)
        records = 0
        for index, f in enumerate(files, 1):
            shown = f"{display_prefix}/{f.relative_to(path).as_posix()}" if display_prefix else None
            records += read_file(f, builder, kind, shown)
            progress.step("reading evidence files", index, len(files), f"{records:,} records")
        stats.append(SnapshotStats(path=str(path), files=len(files), records=records))
    return stats


@dataclass(frozen=True)
class SnapshotSource:
    """``--snapshot PATH``: folders or files of ARM JSON evidence (a :class:`Source`)."""

    paths: Sequence[Path]
    kind: SourceKind = SourceKind.SNAPSHOT
    display_prefix: str | None = None
    """Name files ``prefix/<path inside the folder>`` instead of by their place on this machine."""

    def read(self, builder: InventoryBuilder) -> list[SourceRead]:
        """Read every path into ``builder``; one record per path, as the report lists it."""
        return [
            SourceRead(
                self.kind,
                self.display_prefix or stats.path,
                {"files": stats.files, "records": stats.records},
            )
            for stats in read_snapshots(self.paths, builder, self.kind, self.display_prefix)
        ]
