"""Bounds on what a misbehaving ARM can make a live scan do: wait, loop, or swallow data.

Two pieces sit in every client's pipeline (see :meth:`ClientFactory.policies`):

- :class:`ListResponseGuard` checks every 200 answer is an ARM list page (``{"value": [objects]}``)
  whose ``nextLink``, if any, is a new URL on the ARM endpoint the guard would let through.
  Every read this tool makes is a list, so anything else is a fault, not an empty list.
- :class:`BoundedRetryPolicy` is azure-core's ``RetryPolicy`` with ``Retry-After`` capped
  (azure-core sleeps whatever the header says and crashes on ``inf``) and no retry or sleep
  past the scan's deadline.

The third, each request's total time budget with its body, is the transport's
(:class:`~auditor.collect.live.transport.ArmTransport`).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from azure.core.exceptions import AzureError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import RetryPolicy, SansIOHTTPPolicy

GRAPH_QUERY_PATH = "/providers/microsoft.resourcegraph/resources"
"""The one POST a scan sends: a Resource Graph query, a read by definition (it has no way to
change a resource and answers only what the caller may read)."""


class Deadline:
    """The moment a scan must end (``--timeout``), on the monotonic clock; None: no end."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._at = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left (``inf`` without a deadline, never negative)."""
        if self._at is None:
            return math.inf
        return max(0.0, self._at - time.monotonic())

    def expired(self) -> bool:
        """True once the deadline has passed."""
        return self.remaining() <= 0

    def message(self) -> str:
        """What a read the deadline cut short says in the report."""
        return f"not read: the scan's --timeout of {self.seconds:g} s ran out"


class InvalidListResponse(AzureError):
    """A 200 that is not an ARM list page, or a page whose ``nextLink`` must not be followed."""


def page_key(url: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """A URL as a paging loop sees it: host, path and query (order, case of the path and the
    ``api-version`` the SDKs replace all ignored)."""
    parts = urlsplit(url)
    query = tuple(
        sorted(
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k.lower() != "api-version"
        )
    )
    return parts.netloc.lower(), unquote(parts.path).lower().rstrip("/"), query


class PageLog:
    """Every URL a scan has asked for, shared by all its clients, to catch ``nextLink`` loops."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: set[tuple[str, str, tuple[tuple[str, str], ...]]] = set()

    def add(self, url: str) -> None:
        """Note a URL requested."""
        with self._lock:
            self._seen.add(page_key(url))

    def seen(self, url: str) -> bool:
        """Whether a URL (as :func:`page_key` sees it) was requested before."""
        with self._lock:
            return page_key(url) in self._seen


SINGLE_RESOURCE = "single_resource"
"""The ``send_request`` option that marks a GET of one resource by id."""


class ListResponseGuard(SansIOHTTPPolicy[Any, Any]):
    """Before the retry policy: sees each logical request once, and its final answer.

    ``refusal(url)`` says why the read-only guard would refuse a GET of ``url`` (None: it
    would not): a ``nextLink`` it refuses is an error entry now instead of a bug later.
    """

    def __init__(
        self,
        pages: PageLog,
        refusal: Callable[[str], str | None],
        read_json: Callable[[Any], Any] | None = None,
    ) -> None:
        self._pages = pages
        self._refusal = refusal
        self._read_json = read_json or (lambda http: strict_json(http.text()))
        """The answer's JSON (:func:`strict_json`); the transport's answers parse it once for
        this guard and the reader after it."""

    def on_request(self, request: PipelineRequest[Any]) -> None:
        self._pages.add(request.http_request.url)
        # A GET of one resource by id (``send_request(..., single_resource=True)``) answers
        # with the resource, not a list page; popped so the transport never sees it.
        request.context[SINGLE_RESOURCE] = request.context.options.pop(SINGLE_RESOURCE, False)

    def on_response(
        self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]
    ) -> None:
        http = response.http_response
        if http.status_code != 200 or request.http_request.method.upper() == "POST":
            return  # a Resource Graph answer is checked by its reader (graph.rows)
        path = urlsplit(request.http_request.url).path
        try:
            body = self._read_json(http)
        except ValueError:
            raise InvalidListResponse(f"the answer from {path} is not strict JSON") from None
        if request.context.get(SINGLE_RESOURCE):
            if not isinstance(body, dict):
                raise InvalidListResponse(f"the answer from {path} is not a JSON object")
            return
        check_list_page(body, path)
        next_link = body.get("nextLink")
        if next_link in (None, ""):
            return
        if not isinstance(next_link, str):
            raise InvalidListResponse(f"the nextLink from {path} is a {_json_type(next_link)}")
        refused = self._refusal(next_link)
        if refused is not None:
            raise InvalidListResponse(f"the nextLink from {path} is not followed: {refused}")
        if self._pages.seen(next_link):
            raise InvalidListResponse(
                f"the nextLink from {path} points to a page already read (a paging loop)"
            )


def strict_json(text: str) -> Any:
    """``text`` parsed as JSON is defined: ``NaN`` and ``Infinity``, which Python's parser
    takes, raise ``ValueError`` like any other text that is not JSON."""
    return json.loads(text, parse_constant=_no_constants)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def check_list_page(body: Any, path: str) -> None:
    """Raise :class:`InvalidListResponse` unless ``body`` is ``{"value": [objects, ...]}``."""
    if not isinstance(body, dict):
        raise InvalidListResponse(
            f"the answer from {path} is a JSON {_json_type(body)}, not a list"
        )
    if "value" not in body:
        keys = ", ".join(sorted(map(str, body))[:5]) or "none"
        raise InvalidListResponse(
            f"the answer from {path} has no 'value' array (keys: {keys}): not an ARM list"
        )
    value = body["value"]
    if not isinstance(value, list):
        raise InvalidListResponse(f"'value' in the answer from {path} is a {_json_type(value)}")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise InvalidListResponse(
                f"value[{index}] in the answer from {path} is a {_json_type(item)}, not an object"
            )


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(
        type(value), "number" if isinstance(value, int | float) else type(value).__name__
    )


class BoundedRetryPolicy(RetryPolicy[Any, Any]):
    """azure-core's retries, with ``Retry-After`` capped and nothing past the deadline.

    A ``Retry-After`` that is not a number or HTTP date, or is NaN, falls back to the
    exponential backoff; a negative one means no wait (azure-core's reading); ``inf`` or
    anything longer than ``retry_after_max`` waits ``retry_after_max``.
    """

    def __init__(
        self,
        deadline: Deadline,
        retry_after_max: float,
        on_retry: Callable[[BaseException], None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._deadline = deadline
        self._retry_after_max = retry_after_max
        self._on_retry = on_retry
        """Told of each retry after an error (no answer, a refused connection), so a user
        waiting on a silent endpoint hears about it."""

    def _is_method_retryable(
        self, settings: dict[str, Any], request: Any, response: Any = None
    ) -> bool:
        # azure-core retries no POST on a 429 or a timeout; a Resource Graph query is a read,
        # as safe to send again as a GET.
        path = urlsplit(request.url).path.lower().rstrip("/")
        if request.method.upper() == "POST" and path == GRAPH_QUERY_PATH:
            return True
        return bool(super()._is_method_retryable(settings, request, response))

    def get_retry_after(self, response: PipelineResponse[Any, Any]) -> float | None:
        try:
            value = super().get_retry_after(response)
        except (ValueError, TypeError, OverflowError, IndexError):
            return None
        if value is None or math.isnan(value):
            return None
        return min(value, self._retry_after_max)

    def increment(self, settings: dict[str, Any], response: Any = None, error: Any = None) -> bool:
        if self._deadline.expired():
            return False
        again = bool(super().increment(settings, response=response, error=error))
        if again and error is not None and self._on_retry is not None:
            self._on_retry(error)
        return again

    def sleep(self, settings: dict[str, Any], transport: Any, response: Any = None) -> None:
        delay = self.get_retry_after(response) if response is not None else None
        if not delay:
            delay = self.get_backoff_time(settings)
        delay = min(delay, self._deadline.remaining())
        if delay > 0:
            transport.sleep(delay)
