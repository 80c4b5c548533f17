"""A bounded thread pool whose tasks may queue more tasks, with completion counted per scope.

Reading a tenant is a tree of list operations (subscription -> workspaces -> endpoints ->
deployments). Each list is one task; a task that finds children queues their tasks and
returns, so no worker ever waits for another and the pool stays full. Every task carries the
scope keys it belongs to (its subscription, its workspace as ``ws:<id>``); a scope is done
when its last task is.

Tasks that may wait for a quota (Resource Graph's 15 queries per 5 s) run on a few workers
of their own (:meth:`TaskPool.submit_paced`): on the shared ones, a tenant's hundred queued
queries held every worker asleep in the pacer while the ARM reads they found waited behind.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

WORKSPACE_PREFIX = "ws:"


PACED_SHARE = 4
"""One worker in this many is a paced one (at most :data:`PACED_MOST`)."""
PACED_MOST = 8
"""Paced workers at most: with 8, every 5-second window of a 10,000-subscription scan sent
its 15 queries. (4 that also took each query's rows sent 3-7 a window, which is why a query's
rows are taken on the shared workers.)"""


class TaskPool:
    """Runs tasks on ``workers`` threads until none is left; re-raises a task's bug.

    ``workers // PACED_SHARE`` of them (at most ``PACED_MOST``; none below
    ``PACED_SHARE`` workers) run only paced tasks, so the threads in all stay ``workers``."""

    def __init__(
        self,
        workers: int,
        on_progress: Callable[[], None] = lambda: None,
        on_scope_done: Callable[[str], None] = lambda key: None,
    ) -> None:
        self._paced_workers = min(PACED_MOST, workers // PACED_SHARE)
        self._workers = workers - self._paced_workers
        self._on_progress = on_progress
        self._on_scope_done = on_scope_done
        self._lock = threading.Lock()
        self._open: dict[str, int] = {}
        self._pending = 0
        self._idle = threading.Condition(self._lock)
        self._bug: BaseException | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._paced: ThreadPoolExecutor | None = None
        self.done_subscriptions = 0
        self.done_workspaces = 0
        self.total_workspaces = 0

    def add_workspaces(self, count: int) -> None:
        """Count workspaces found (for progress)."""
        with self._lock:
            self.total_workspaces += count

    def submit(self, keys: tuple[str, ...], task: Callable[..., None], *args: Any) -> None:
        """Queue ``task(*args)`` as part of the scopes ``keys``."""
        assert self._executor is not None, "submit() outside run()"
        self._queue(self._executor, keys, task, *args)

    def submit_paced(self, keys: tuple[str, ...], task: Callable[..., None], *args: Any) -> None:
        """Queue a task that may wait for a quota on the paced workers (the others, when the
        pool is too small to have any)."""
        assert self._executor is not None, "submit_paced() outside run()"
        self._queue(self._paced or self._executor, keys, task, *args)

    def _queue(
        self,
        executor: ThreadPoolExecutor,
        keys: tuple[str, ...],
        task: Callable[..., None],
        *args: Any,
    ) -> None:
        with self._lock:
            self._pending += 1
            for key in keys:
                self._open[key] = self._open.get(key, 0) + 1
        future = executor.submit(task, *args)
        future.add_done_callback(lambda f: self._finished(f, keys))

    @contextmanager
    def holding(self, keys: tuple[str, ...]) -> Iterator[None]:
        """Keep scopes open while their tasks are queued, so that a task finishing before its
        sibling is queued does not count the scope done (twice)."""
        with self._lock:
            for key in keys:
                self._open[key] = self._open.get(key, 0) + 1
        try:
            yield
        finally:
            self._close(keys)

    def run(self, start: Callable[[], None]) -> None:
        """Call ``start`` (which submits the first tasks) and wait until every task is done."""
        paced = (
            ThreadPoolExecutor(self._paced_workers, thread_name_prefix="auditor-paced")
            if self._paced_workers
            else None
        )
        try:
            with ThreadPoolExecutor(self._workers, thread_name_prefix="auditor-live") as executor:
                self._executor, self._paced = executor, paced
                start()
                with self._idle:
                    while self._pending:
                        self._idle.wait()
        finally:
            if paced is not None:
                paced.shutdown()
        self._executor = self._paced = None
        if self._bug is not None:
            raise self._bug

    def _finished(self, future: Future[None], keys: Iterable[str]) -> None:
        error = future.exception()
        if error is not None:
            with self._lock:
                self._bug = self._bug or error
        self._close(keys)
        with self._idle:
            self._pending -= 1
            if self._pending == 0:
                self._idle.notify_all()

    def _close(self, keys: Iterable[str]) -> None:
        finished: list[str] = []
        with self._lock:
            for key in keys:
                self._open[key] -= 1
                if self._open[key] == 0:
                    finished.append(key)
                    if key.startswith(WORKSPACE_PREFIX):
                        self.done_workspaces += 1
                    else:
                        self.done_subscriptions += 1
        for key in finished:
            self._on_scope_done(key)
        self._on_progress()
