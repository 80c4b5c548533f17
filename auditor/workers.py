"""CPU-bound work spread over forked worker processes that read the parent's state.

Rule evaluation is pure Python, so threads share one core; processes forked from the parent
see its inventory without copying or pickling it (pages are shared until written). Only the
answers travel back, pickled. Forking is used only where it is safe: on Linux, and only while
the parent runs a single thread (a fork copies no other thread, and a lock another thread
held would stay locked in the child). Anywhere else the caller runs the work in-process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

MAX_DEFAULT_JOBS = 8
"""More workers than this rarely pay: each forked child re-reads the parent's pages."""

_WORK: Callable[[int], Any] | None = None
"""The function the children run, set before the pool forks them (inherited, not pickled)."""


def cores() -> int:
    """The processors this process may run on (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_jobs() -> int:
    """Workers to use when the user did not say: one per core, at most ``MAX_DEFAULT_JOBS``."""
    return max(1, min(cores(), MAX_DEFAULT_JOBS))


def can_fork() -> bool:
    """Whether forking workers is safe here and now."""
    return (
        sys.platform == "linux"
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and _WORK is None  # never from inside a worker or a nested call
    )


def fork_map(
    work: Callable[[int], Any], order: Sequence[int], jobs: int
) -> Iterator[tuple[int, Any]]:
    """``(index, work(index))`` for every index of ``order``, computed by ``jobs`` forked
    workers, yielded as each finishes (not in order: the caller places them by index).

    ``work`` may read anything the parent holds; what it returns must pickle. An exception
    in a worker is raised here. Call only when :func:`can_fork` is true."""
    global _WORK
    if not can_fork():
        raise RuntimeError("fork_map called where forking is unsafe: check can_fork() first")
    _WORK = work
    # Objects made before the fork stay out of the children's garbage collections, which
    # would otherwise write to (and so copy) every page that holds one.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            yield from pool.imap_unordered(_run, order)
    finally:
        _WORK = None
        gc.unfreeze()


def _run(index: int) -> tuple[int, Any]:
    assert _WORK is not None, "a worker forked without its work"
    return index, _WORK(index)
