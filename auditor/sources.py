"""The one interface every input implements: read records into the inventory, say what was read.

The demo estate, snapshots, templates and the live tenant are each a :class:`Source`; the
orchestrator builds the list from the scan settings and runs them in order into one
:class:`~auditor.inventory.InventoryBuilder`. A new reader (Azure Resource Graph) is one more
class with a ``read`` method; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from auditor.inventory import InventoryBuilder
from auditor.model import SourceKind


@dataclass(frozen=True)
class SourceRead:
    """What one source path (or the live tenant) put into the inventory."""

    kind: SourceKind
    path: str
    """The file, folder or endpoint read, as the report names it."""
    counts: Mapping[str, Any]
    """The rest of the report's ``scan.sources[]`` record, key by key in its order (``files``,
    ``records``; a template's ``kinds`` and ``skipped``; a live read's request counts)."""
    tenant: str | None = None
    """The tenant a live read saw (a snapshot saved from that read records it)."""
    skipped: tuple[str, ...] = ()
    """Files passed over, each with why: said once on stderr as a note."""

    def record(self) -> dict[str, Any]:
        """The report's ``scan.sources[]`` entry (the JSON schema is its contract)."""
        return {"kind": self.kind.value, "path": self.path, **self.counts}


class Source(Protocol):
    """One input of a scan."""

    def read(self, builder: InventoryBuilder) -> list[SourceRead]:
        """Add every record read to ``builder``; one :class:`SourceRead` per path read.

        Bad input is an :class:`~auditor.errors.InputError` naming the file; what could not
        be read from Azure is a collection error in the builder, not an exception."""
        ...
