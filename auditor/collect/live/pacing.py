"""Slowing down before a 429, from the quota the services report on every answer.

- Resource Graph: ``x-ms-user-quota-remaining`` (queries left in the window) and
  ``x-ms-user-quota-resets-after`` (``hh:mm:ss`` until the window resets). With none left, a
  query waits for the reset instead of being sent, throttled and retried. Before the first
  answer a scan sends at most :data:`GRAPH_OPENING` queries.
- ARM reads: ``x-ms-ratelimit-remaining-subscription-reads`` per subscription. ARM refills
  that bucket at a steady rate (Microsoft documents 25 reads a second per subscription and
  principal); below :data:`ARM_RESERVE` a read waits for the tokens it is short of.

:class:`QuotaPacer` is one shared state; :class:`PacingPolicy` is its pipeline policy (after
the retry policy, so every attempt is paced). Waits never pass the scan's deadline.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import SansIOHTTPPolicy

from auditor import arm
from auditor.collect.live.bounds import Deadline

GRAPH_REMAINING = "x-ms-user-quota-remaining"
GRAPH_RESETS_AFTER = "x-ms-user-quota-resets-after"
ARM_REMAINING_READS = "x-ms-ratelimit-remaining-subscription-reads"
ARM_REFILL_PER_SECOND = 25.0
ARM_RESERVE = 25
"""Reads kept in hand per subscription; below this each read waits for its refill."""
GRAPH_OPENING = 15
"""Queries sent before any answer reports the quota: Microsoft's throttling guidance gives 15
queries in every 5-second window as its example quota (``guidance-for-throttled-requests``).
Without it every worker's first query went at once: at 10,000 subscriptions and
concurrency 32, 16 of the first 31 queries were answered 429."""
MAX_WAIT = 60.0
"""The longest single wait (a reset time past it is a fault, not a plan)."""
_ANSWER_WAIT = 0.05
"""How long a query waits, with a new window's share spent, for an answer to date it."""
_DURATION_RE = re.compile(r"^(\d+):([0-5]\d):([0-5]\d(?:\.\d+)?)$")


def parse_resets_after(value: str | None) -> float | None:
    """Seconds in an ``hh:mm:ss`` header (None when absent or not that format)."""
    match = _DURATION_RE.match((value or "").strip())
    if match is None:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _count(value: str | None) -> int | None:
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if number >= 0 else None


class QuotaPacer:
    """The quota last reported, shared by every client of a scan."""

    def __init__(
        self,
        deadline: Deadline,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._deadline = deadline
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._graph_left = GRAPH_OPENING
        self._graph_reset_at: float | None = None
        """When the window ends; None: a new window began and no answer has said yet."""
        self._graph_full = 0
        """The most queries a window was seen to allow."""
        self._graph_sent = 0
        """Queries let go so far."""
        self._graph_answered = 0
        """Queries answered, or failed with no answer, so far."""
        self._graph_lowest = GRAPH_OPENING
        """The lowest count an answer of this window reported: the service's latest."""
        self._arm_left: dict[str, int] = {}
        self.waited = 0.0
        """Seconds spent waiting for quota (for the benchmark and progress)."""

    def before(self, url: str) -> None:
        """Wait, if the quota says so, before sending a request for ``url``."""
        graph = _is_graph(url)
        while True:
            # Checked again after each wait: others may have spent the reset's quota meanwhile.
            delay = self._graph_delay() if graph else self._arm_delay(url)
            delay = min(delay, MAX_WAIT, self._deadline.remaining())
            if delay <= 0:
                break
            with self._lock:
                self.waited += delay
            self._sleep(delay)
            if not graph:
                break  # ARM's bucket refills while we wait; its next answer says by how much

    def after(self, url: str, headers: Any) -> None:
        """Note the quota an answer reports."""
        if _is_graph(url):
            left = _count(headers.get(GRAPH_REMAINING))
            resets = parse_resets_after(headers.get(GRAPH_RESETS_AFTER))
            if left is not None and resets is not None:
                self._note_graph(left, self._clock() + resets)
            else:
                self._unmetered()
            return
        left = _count(headers.get(ARM_REMAINING_READS))
        sub = _subscription(url)
        if left is not None and sub is not None:
            with self._lock:
                self._arm_left[sub] = left

    def failed(self, url: str) -> None:
        """A request that got no answer: no longer in flight."""
        if _is_graph(url):
            self._unmetered()

    def _unmetered(self) -> None:
        """A query ended with no quota said (no answer, or an answer without the headers):
        while the window's end is unknown, one more may go for it, so a service or proxy
        that drops the headers slows a scan to one query per answer instead of stopping it."""
        with self._lock:
            self._graph_answered += 1
            if self._graph_reset_at is None:
                self._graph_left = max(self._graph_left, 1)

    def _note_graph(self, reported: int, reset_at: float) -> None:
        with self._lock:
            self._graph_answered += 1
            self._graph_full = max(self._graph_full, reported + 1)
            current = self._graph_reset_at
            if current is None or reset_at <= current + 0.5:
                # Answers of one window arrive in any order: the lowest count is the latest.
                self._graph_lowest = min(self._graph_lowest, reported)
                self._graph_reset_at = reset_at if current is None else max(current, reset_at)
            else:  # a window the pacer did not see begin
                self._graph_lowest, self._graph_reset_at = reported, reset_at
            # Every answered query reached the service before the one that reported the
            # lowest count (each arrival lowers it), so only the unanswered ones may be
            # uncounted. Taking instead the lowest of each answer's count less the queries
            # then in flight counted twice every query that had overtaken another, and left
            # 2-4 of each window's 15 unsent at 10,000 subscriptions.
            self._graph_left = max(
                0, self._graph_lowest - (self._graph_sent - self._graph_answered)
            )

    def _graph_delay(self) -> float:
        with self._lock:
            now = self._clock()
            if self._graph_reset_at is not None and now >= self._graph_reset_at:
                # A new window: as many queries as a window allowed before, then wait for an
                # answer to say when this one ends (not a free-for-all of every worker).
                self._graph_left, self._graph_reset_at = self._graph_full, None
                self._graph_lowest = self._graph_full
            if self._graph_left > 0:
                self._graph_left -= 1  # this query's share, before its answer says so
                self._graph_sent += 1
                return 0.0
            if self._graph_reset_at is None:
                return _ANSWER_WAIT
            if self._graph_sent > self._graph_answered:
                # Queries in flight may have been counted already: their answers may show
                # quota left (sleeping to the reset here left 2-3 of each window unsent).
                return min(_ANSWER_WAIT, self._graph_reset_at - now)
            return self._graph_reset_at - now

    def _arm_delay(self, url: str) -> float:
        sub = _subscription(url)
        with self._lock:
            left = self._arm_left.get(sub or "")
            if left is None or left >= ARM_RESERVE:
                return 0.0
            return (ARM_RESERVE - left) / ARM_REFILL_PER_SECOND


def _is_graph(url: str) -> bool:
    return urlsplit(url).path.lower().startswith("/providers/microsoft.resourcegraph/")


def _subscription(url: str) -> str | None:
    return arm.subscription_of(urlsplit(url).path)


class PacingPolicy(SansIOHTTPPolicy[Any, Any]):
    """After the retry policy: each attempt waits for quota, each answer reports it."""

    def __init__(self, pacer: QuotaPacer) -> None:
        self._pacer = pacer

    def on_request(self, request: PipelineRequest[Any]) -> None:
        self._pacer.before(request.http_request.url)

    def on_response(
        self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]
    ) -> None:
        self._pacer.after(request.http_request.url, response.http_response.headers)

    def on_exception(self, request: PipelineRequest[Any]) -> None:
        self._pacer.failed(request.http_request.url)
