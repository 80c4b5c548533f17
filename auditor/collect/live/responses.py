"""The answers the live scan's transport gives back: azure-core's public response interfaces
over a body read whole (:mod:`.transport` reads it, within the request's time budget).

A pipeline hands a rest response back only for a rest request (azure-core's ``is_rest``), and
``azure-mgmt-authorization`` still builds requests of the older kind, so there is one class
for each (docs/azure-facts.md section 23).
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from azure.core.exceptions import HttpResponseError
from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest
from azure.core.pipeline.transport import HttpResponse as LegacyHttpResponse
from azure.core.rest import HttpRequest, HttpResponse

from auditor.collect.live.bounds import strict_json

_UNREAD = object()


class BufferedResponse(HttpResponse):
    """An answer read whole: azure-core's public response interface over the bytes."""

    def __init__(
        self,
        request: HttpRequest,
        status: int,
        reason: str,
        headers: MutableMapping[str, str],
        body: bytes,
    ) -> None:
        self._request = request
        self._status = status
        self._reason = reason
        self._headers = headers
        self._body = body
        self._encoding: str | None = _charset(headers.get("content-type"))
        self._json: Any = _UNREAD

    @property
    def request(self) -> HttpRequest:
        return self._request

    @property
    def status_code(self) -> int:
        return self._status

    @property
    def headers(self) -> MutableMapping[str, str]:
        return self._headers

    @property
    def reason(self) -> str:
        return self._reason

    @property
    def content_type(self) -> str | None:
        return self._headers.get("content-type")

    @property
    def is_closed(self) -> bool:
        return True

    @property
    def is_stream_consumed(self) -> bool:
        return True

    @property
    def encoding(self) -> str | None:
        return self._encoding

    @encoding.setter
    def encoding(self, value: str | None) -> None:
        self._encoding = value

    @property
    def url(self) -> str:
        return self._request.url

    @property
    def content(self) -> bytes:
        return self._body

    def text(self, encoding: str | None = None) -> str:
        # azure-core's own responses decode this way: the charset, else UTF-8 with a BOM
        # allowed, and a bad byte replaced rather than an exception.
        return self._body.decode(encoding or self._encoding or "utf-8-sig", errors="replace")

    def json(self) -> Any:
        """The body as strict JSON (:func:`~.bounds.strict_json`), parsed once: the list guard
        and the reader after it both ask."""
        if self._json is _UNREAD:
            self._json = strict_json(self.text())
        return self._json

    def raise_for_status(self) -> None:
        if self._status >= 400:
            raise HttpResponseError(response=self)

    def __enter__(self) -> BufferedResponse:
        return self

    def __exit__(self, *args: Any) -> None:
        pass

    def close(self) -> None:
        pass

    def read(self) -> bytes:
        return self._body

    def iter_raw(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._body

    def iter_bytes(self, **kwargs: Any) -> Iterator[bytes]:
        yield self._body


class LegacyBufferedResponse(LegacyHttpResponse):
    """The same answer for a request of azure-core's older kind (``azure-mgmt-authorization``
    still builds those), which expects the older response class back."""

    def __init__(
        self,
        request: LegacyHttpRequest,
        status: int,
        reason: str,
        headers: MutableMapping[str, str],
        body: bytes,
    ) -> None:
        super().__init__(request, None)
        self.status_code = status
        self.reason = reason
        self.headers = headers
        self.content_type = headers.get("content-type")
        self._body = body

    def body(self) -> bytes:
        return self._body

    def stream_download(self, pipeline: Any, **kwargs: Any) -> Iterator[bytes]:
        yield self._body


def response_json(response: Any) -> Any:
    """An answer's strict JSON: a :class:`BufferedResponse`'s parsed once, any other's now."""
    if isinstance(response, BufferedResponse):
        return response.json()
    return strict_json(response.text())


def _charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip("\"'")
    return None
