"""Reading snapshot evidence: folders of ARM JSON files, as exported or as ``collect`` wrote.

Each ``.json`` file may hold one ARM resource object; an ARM list response
(``{"value": [...]}``, its ``nextLink`` ignored); a JSON array of such objects; or Azure
Resource Graph rows (``{"data": [...]}``, or the older table form with ``columns`` and
``rows``). A file that is not valid JSON, or not one of these shapes, is an
:class:`~auditor.errors.InputError` naming the file: nothing is silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.collect import azcli
from auditor.errors import InputError
from auditor.inventory import InventoryBuilder, UnrecognisedRecord
from auditor.jsonio import read_json
from auditor.model import SourceRef


@dataclass(frozen=True)
class SnapshotStats:
    """What reading a snapshot found, for the report's ``scan.sources``."""

    path: str
    files: int
    records: int


def snapshot_files(path: Path) -> list[Path]:
    """The JSON files of a snapshot path (a file, or a folder read recursively), sorted."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_file():
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".json")
    if not files:
        raise InputError(f"{path}: the folder holds no .json files")
    return files


def _records(document: Any) -> Iterator[tuple[str, Any]]:
    """Yield (where, record) for each object of a document of any accepted shape."""
    if isinstance(document, list):
        for index, item in enumerate(document):
            yield f"[{index}]", item
        return
    if not isinstance(document, dict):
        raise UnrecognisedRecord(
            f"top level is a JSON {type(document).__name__}, expected an object or array"
        )
    if "value" in document and "id" not in document:
        value = document["value"]
        if not isinstance(value, list):
            raise UnrecognisedRecord("'value' of a list response must be an array")
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
            names = [str(c.get("name")) if isinstance(c, dict) else str(c) for c in data["columns"]]
            for index, row in enumerate(data.get("rows", [])):
                if not isinstance(row, list) or len(row) != len(names):
                    raise UnrecognisedRecord(f"data.rows[{index}] does not match the columns")
                yield f"data.rows[{index}]", dict(zip(names, row, strict=True))
            return
        raise UnrecognisedRecord("'data' must be an array of rows or a table")
    yield "", document


def read_file(
    path: Path, builder: InventoryBuilder, kind: str = "snapshot", display: str | None = None
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
    kind: str = "snapshot",
    display_prefix: str | None = None,
) -> list[SnapshotStats]:
    """Read every snapshot path into ``builder``.

    With ``display_prefix``, sources are named ``prefix/<path inside the folder>`` instead of by
    their location on this machine (the bundled demo estate names ``auditor/demo/estate/...``).
    """
    stats = []
    for path in paths:
        files = snapshot_files(path)
        records = sum(
            read_file(
                f,
                builder,
                kind,
                f"{display_prefix}/{f.relative_to(path).as_posix()}" if display_prefix else None,
            )
            for f in files
        )
        stats.append(SnapshotStats(path=str(path), files=len(files), records=records))
    return stats
