"""Where every live read lands: the records into the inventory builder, the failures as
:class:`~auditor.model.CollectionError` entries, and the reads a record leads to into the
task pool.

One ledger per scan, shared by the ARM walk (:mod:`.collector`, :mod:`.tree`) and the
Resource Graph walk (:mod:`.graph_walk`), so both paths record, fail and follow up the same
way: a read that raised a service error, or that the scan's deadline stopped, is an error
naming the data kinds it leaves unread, never an exception out of the scan.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from azure.core.exceptions import AzureError

from auditor import arm
from auditor.collect.live.arm_reads import ArmReadError, ChildList
from auditor.collect.live.bounds import Deadline
from auditor.collect.live.failures import SDK_MODEL_ERRORS, error_text, missing_permission
from auditor.collect.live.graph import GraphReadError
from auditor.collect.live.monitoring import LoggingReads
from auditor.collect.live.tasks import TaskPool
from auditor.inventory import InventoryBuilder, UnrecognisedRecord
from auditor.model import CollectionError, SourceKind, SourceRef

LIVE = SourceRef(kind=SourceKind.LIVE)


class Ledger:
    """The builder (behind one lock), the data kinds each subscription failed to read, and
    the pool the follow-up reads are queued on."""

    def __init__(
        self,
        builder: InventoryBuilder,
        pool: TaskPool,
        deadline: Deadline,
        logging: LoggingReads,
    ) -> None:
        self._builder = builder
        self.pool = pool
        self.deadline = deadline
        self._logging = logging
        self._lock = threading.Lock()
        self._failed: dict[str, set[str]] = {}

    def failed(self, sub: str) -> set[str]:
        """The data kinds of ``sub`` some read failed to collect."""
        with self._lock:
            return set(self._failed.get(sub, set()))

    def add(self, record: dict[str, Any]) -> None:
        """One record read; its diagnostic settings, when its type has any, are queued."""
        try:
            with self._lock:
                self._builder.add(record, LIVE)
        except UnrecognisedRecord as exc:
            # ARM answered with a record of the wrong shape: not read, and said so (exit 3).
            record_id = record.get("id")
            scope = record_id if isinstance(record_id, str) and record_id else "(no id)"
            self.error(scope, "read resource", f"the record is not ARM's shape: {exc}", ())
            return
        for read in self._logging.of_record(record):  # one diagnostic-settings GET each
            keys = (arm.subscription_of(read.scope) or "",)
            self.submit(keys, read)

    def note_management_group(self, group: str, sub: str) -> None:
        """``sub`` lies below management group ``group`` (a role assignment there reaches it)."""
        with self._lock:
            self._builder.note_management_group(group, sub)

    def error(
        self,
        scope: str,
        operation: str,
        message: str,
        kinds: Iterable[str],
        status: int | None = None,
    ) -> None:
        """A read that failed; its kinds are not declared collected for its subscription."""
        kinds = tuple(kinds)
        sub = arm.subscription_of(scope)
        with self._lock:
            self._builder.add_error(
                CollectionError(
                    scope=scope,
                    operation=operation,
                    message=message,
                    status_code=status,
                    missing_permission=missing_permission(message),
                    data_kinds=kinds,
                )
            )
            if sub is not None:
                self._failed.setdefault(sub, set()).update(kinds)

    def guard(
        self,
        scope: str | Sequence[str],
        operation: str,
        kinds: Iterable[str],
        read: Callable[[], None],
    ) -> bool:
        """Run one read; a service error becomes a CollectionError (one per scope, for a
        Resource Graph query over many subscriptions). True when it succeeded.

        Past the scan's deadline nothing more is read: the read is listed as not done."""
        scopes = [scope] if isinstance(scope, str) else list(scope)
        kinds = tuple(kinds)
        message, status = self.deadline.message(), None
        if not self.deadline.expired():
            try:
                read()
                return True
            except (AzureError, ArmReadError, GraphReadError, *SDK_MODEL_ERRORS) as exc:
                if not self.deadline.expired():
                    message, status = error_text(exc), getattr(exc, "status_code", None)
        for each in scopes:
            self.error(each, operation, message, kinds, status)
        return False

    def child_list(self, keys: tuple[str, ...], read: ChildList) -> None:
        """One list under a resource; the lists its records lead to are queued after it."""
        found: list[dict[str, Any]] = []
        if not self.guard(
            read.scope, read.operation, read.kinds, lambda: found.extend(read.fetch())
        ):
            return
        for record in found:
            self.add(record)
            for child in read.children(record):
                self.submit(keys, child)

    def submit(self, keys: tuple[str, ...], read: ChildList) -> None:
        """Queue one list under a resource as part of the scopes ``keys``."""
        self.pool.submit(keys, self.child_list, keys, read)
