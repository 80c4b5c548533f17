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


@pytest.mark.parametrize(("workers", "paced"), [(1, 0), (3, 0), (4, 1), (8, 2), (32, 8), (64, 8)])
def test_paced_tasks_wait_on_workers_of_their_own(workers: int, paced: int) -> None:
    """A quarter of the workers (at most 8; none in a pool under 4) run only paced tasks, so
    paced tasks asleep in the quota pacer hold none of the others; the threads in all stay
    ``workers``. Each task notes the thread it ran on, and the paced ones wait until every
    other task has run: with no workers of their own they would hold the others back."""
    lock = threading.Lock()
    threads: dict[str, set[str]] = {"paced": set(), "other": set()}
    others_done = threading.Event()
    others = 200
    ran = [0]
    pool = TaskPool(workers)

    def note(kind: str) -> None:
        with lock:
            threads[kind].add(threading.current_thread().name)

    def other() -> None:
        note("other")
        with lock:
            ran[0] += 1
            if ran[0] == others:
                others_done.set()

    def paced_task() -> None:
        note("paced")
        if paced:  # on a lane of their own, they may wait: the others still run
            assert others_done.wait(10)

    def start() -> None:
        for _ in range(paced * 2):
            pool.submit_paced(("s",), paced_task)
        for _ in range(others):
            pool.submit(("s",), other)
        if not paced:
            pool.submit_paced(("s",), paced_task)

    pool.run(start)
    assert ran[0] == others
    assert len(threads["paced"] | threads["other"]) <= workers
    if paced:
        assert not threads["paced"] & threads["other"]
        assert all(name.startswith("auditor-paced") for name in threads["paced"])
    else:  # too small a pool to split: the shared workers run them
        assert [name.startswith("auditor-live") for name in threads["paced"]] == [True]
