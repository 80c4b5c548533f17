"""Plain ARM GETs for the Machine Learning resources (and the AI Foundry capability hosts), the
:class:`ChildList` every child read is planned as, and turning SDK models back into ARM JSON.

No published SDK serves the ML reads we need: ``azure-mgmt-machinelearningservices`` is pinned
to api-version 2020-08-01 (no online endpoints), and ``azure-ai-ml`` is workspace-scoped, heavy
and drops AKS compute fields. So these go through an ``azure-mgmt-core`` pipeline
(``send_request``) with pinned api-versions, following ``nextLink`` ourselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from azure.core.rest import HttpRequest
from azure.mgmt.core import ARMPipelineClient

from auditor.collect.live.bounds import check_list_page

ML_API_VERSION = "2025-12-01"
"""Workspaces, computes, online endpoints/deployments, connections (MLS/stable/2025-12-01)."""
SERVICES_API_VERSION = "2021-07-01"
"""v1 web services exist only in MLS/stable/2021-07-01/services.json."""
ML_PROVIDER = "Microsoft.MachineLearningServices"
WORKSPACE_KINDS = (
    "workspaces",
    "computes",
    "online_endpoints",
    "online_deployments",
    "web_services",
    "connections",
    "serverless_endpoints",
)
"""What a failed workspace list leaves unread: the workspaces and everything under them."""


class ArmReadError(Exception):
    """An ARM GET that answered with an error status (after retries)."""

    def __init__(self, status_code: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.code = code


def _error_of(status: int, body: Any, text: str) -> ArmReadError:
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        message = str(error.get("message") or text)
        code = error.get("code")
        return ArmReadError(status, message, str(code) if code else None)
    return ArmReadError(status, text[:500] or f"HTTP {status}")


def get_json(client: ARMPipelineClient[Any, Any], url: str, **options: Any) -> Any:
    """The JSON body of a GET that answered 200 (None when it is not JSON); raises
    :class:`ArmReadError` for an error status. ``options`` go to the pipeline."""
    response = client.send_request(HttpRequest("GET", url), **options)
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200:
        raise _error_of(response.status_code, body, response.text())
    return body


def list_all(
    client: ARMPipelineClient[Any, Any],
    endpoint: str,
    path: str,
    api_version: str,
    query: Mapping[str, str] | None = None,
) -> Iterator[dict[str, Any]]:
    """Every item of a paged ARM list, following ``nextLink``; ``query`` adds parameters to the
    first page's URL (ARM carries them into ``nextLink``).

    Raises :class:`ArmReadError` for an error status and
    :class:`~auditor.collect.live.bounds.InvalidListResponse` for a 200 that is not a list page.
    """
    url: str | None = f"{endpoint}{quote(path)}?api-version={api_version}"
    if query:
        url = f"{url}&{urlencode(query, quote_via=quote)}"
    while url:
        body = get_json(client, url)
        # The pipeline's ListResponseGuard checked this page already; checked here again so
        # that this function never yields a non-object, whatever pipeline it is given.
        check_list_page(body, path)
        yield from body["value"]
        next_link = body.get("nextLink")
        url = next_link if isinstance(next_link, str) and next_link else None


def ml_path(resource_id: str, child: str) -> str:
    """The list path of a child collection (``computes``, ``onlineEndpoints``...) of a resource."""
    return f"{resource_id.rstrip('/')}/{child}"


def workspaces_path(subscription_id: str) -> str:
    """Workspaces_ListBySubscription."""
    return f"/subscriptions/{subscription_id}/providers/{ML_PROVIDER}/workspaces"


def to_arm_json(model: Any) -> dict[str, Any]:
    """The ARM REST shape of an SDK model (``properties.disableLocalAuth``, not snake_case).

    msrest-style models (``serialize``) keep read-only fields only when asked; TypeSpec-style
    models are mappings keyed by REST names already.
    """
    serialize = getattr(model, "serialize", None)
    if callable(serialize):
        data = serialize(keep_readonly=True)
    elif isinstance(model, Mapping):
        as_dict = getattr(model, "as_dict", None)
        data = as_dict() if callable(as_dict) else dict(model)
    else:
        raise TypeError(f"cannot turn {type(model).__name__} into ARM JSON")
    if not isinstance(data, dict):
        raise TypeError(f"{type(model).__name__} serialised to {type(data).__name__}")
    return data


Records = Callable[[], Iterator[dict[str, Any]]]


def no_children(record: dict[str, Any]) -> list[ChildList]:
    """A list whose records lead to no further reads."""
    return []


@dataclass(frozen=True)
class ChildList:
    """One list read under a resource: what it reads, what its failure leaves unread, and the
    reads each of its records leads to (an endpoint's deployments, a project's connections)."""

    scope: str
    """The parent resource id (the error's scope when the read fails)."""
    operation: str
    kinds: tuple[str, ...]
    """The data kinds left unread when this read fails."""
    fetch: Records
    """The records, as ARM JSON."""
    children: Callable[[dict[str, Any]], list[ChildList]] = field(default=no_children)
    """The reads one fetched record leads to."""


def child_list(
    client: ARMPipelineClient[Any, Any],
    endpoint: str,
    parent_id: str,
    child: str,
    kinds: tuple[str, ...],
    api_version: str,
    children: Callable[[dict[str, Any]], list[ChildList]] = no_children,
    operation: str | None = None,
    query: Mapping[str, str] | None = None,
) -> ChildList:
    """A raw GET of a child collection (``{parent_id}/{child}``) as one list read."""
    path = ml_path(parent_id, child)
    return ChildList(
        parent_id,
        operation or f"list {child}",
        kinds,
        lambda: list_all(client, endpoint, path, api_version, query),
        children,
    )
