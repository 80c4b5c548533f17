"""The task pool behind live collection: nested tasks, scope completion, bugs surfaced."""

from __future__ import annotations

import threading

import pytest

from auditor.collect.live.tasks import TaskPool


def test_nested_tasks_run_and_scopes_complete_once() -> None:
    """Tasks queued by tasks all run; each scope is reported done once, after its last task."""
    done: list[str] = []
    ran: list[str] = []
    lock = threading.Lock()
    pool = TaskPool(2, on_scope_done=done.append)

    def leaf(name: str) -> None:
        with lock:
            ran.append(name)

    def parent(sub: str) -> None:
        pool.add_workspaces(2)
        for ws in ("a", "b"):
            keys = (sub, f"ws:{sub}/{ws}")
            with pool.holding(keys):
                pool.submit(keys, leaf, f"{sub}/{ws}/computes")
                pool.submit(keys, leaf, f"{sub}/{ws}/endpoints")

    def start() -> None:
        for sub in ("s1", "s2"):
            pool.submit((sub,), parent, sub)

    pool.run(start)
    assert len(ran) == 8
    assert sorted(done) == ["s1", "s2", "ws:s1/a", "ws:s1/b", "ws:s2/a", "ws:s2/b"]
    assert (pool.done_subscriptions, pool.done_workspaces, pool.total_workspaces) == (2, 4, 4)


def test_a_bug_in_a_task_is_raised_after_the_others_finish() -> None:
    """An unexpected exception is not swallowed: run() raises it once every task is done."""
    finished: list[str] = []
    pool = TaskPool(2)

    def broken() -> None:
        raise RuntimeError("bug")

    def fine() -> None:
        finished.append("ok")

    def start() -> None:
        pool.submit(("s",), broken)
        pool.submit(("s",), fine)

    with pytest.raises(RuntimeError, match="bug"):
        pool.run(start)
    assert finished == ["ok"]
