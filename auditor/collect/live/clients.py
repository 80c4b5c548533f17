"""Credentials, the HTTP pipeline, and the factory that makes every Azure SDK client.

Nothing here runs at import time: the collector is handed a :class:`ClientFactory` built from
:class:`LiveSettings`, so tests point the real SDK clients at a local ARM emulator simply by
giving another endpoint and a token.

Every client gets the same pipeline: our retry policy (azure-core's ``RetryPolicy``: honours
``Retry-After`` on 429, retries 5xx and timeouts with exponential backoff), bearer-token
authentication, and a :class:`ReadOnlyGuard` that refuses to send anything but ``GET`` and any
path that lists keys or secrets. The SDKs' default automatic resource-provider registration
(a ``POST .../register`` on a 409) is left out on purpose: this tool never writes.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from azure.core.credentials import AccessToken, TokenCredential
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import (
    ContentDecodePolicy,
    HeadersPolicy,
    RequestIdPolicy,
    SansIOHTTPPolicy,
    UserAgentPolicy,
)
from azure.core.pipeline.transport import HttpTransport
from azure.mgmt.core import ARMPipelineClient
from azure.mgmt.core.policies import ARMChallengeAuthenticationPolicy

from auditor.collect.live.bounds import (
    GRAPH_QUERY_PATH,
    BoundedRetryPolicy,
    Deadline,
    ListResponseGuard,
    PageLog,
)
from auditor.collect.live.pacing import PacingPolicy, QuotaPacer
from auditor.collect.live.responses import response_json
from auditor.collect.live.settings import AUTH_CHOICES, LiveSettings
from auditor.collect.live.transport import ArmTransport, proxy_for
from auditor.errors import CollectionFailure, InputError
from auditor.version import __version__

TOKEN_ENV = "AUDITOR_ACCESS_TOKEN"

# Path fragments a read-only auditor must never call, whatever the method.
_FORBIDDEN_PATH_RE = re.compile(r"/(listkeys|listsecrets|regeneratekeys?|token)(/|$)", re.I)


class ReadOnlyViolation(RuntimeError):
    """A request that is not a plain read reached the pipeline: a bug, never sent."""


# RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
_BEARER_TOKEN_RE = re.compile(r"[A-Za-z0-9._~+/-]+=*")


def bearer_token_problem(token: str) -> str | None:
    """What makes ``token`` unfit for an ``Authorization: Bearer`` header, or None.

    Checked before any header is built: a CR or LF would split the header (and a token
    echoed in an error would be printed); the answer never quotes the token.
    """
    if not token.strip():
        return "it is empty or only whitespace"
    for position, char in enumerate(token, start=1):
        if char in "\r\n":
            return f"it holds a line break (character {position})"
        if ord(char) < 0x20 or ord(char) == 0x7F:
            return f"it holds a control character U+{ord(char):04X} (character {position})"
        if char.isspace():
            return f"it holds whitespace (character {position})"
        if ord(char) > 0x7E:
            return f"it holds a non-ASCII character (character {position})"
    if not _BEARER_TOKEN_RE.fullmatch(token):
        return "it holds a character outside RFC 6750's letters, digits, -._~+/ and = padding"
    return None


class StaticTokenCredential:
    """A pre-fetched ARM access token (``--auth token``). The token is never printed."""

    def __init__(self, token: str, expires_on: int | None = None) -> None:
        self._token = token
        self._expires_on = expires_on or int(time.time()) + 3600

    @classmethod
    def from_environment(cls) -> StaticTokenCredential:
        """Read the token from ``AUDITOR_ACCESS_TOKEN``."""
        token = os.environ.get(TOKEN_ENV, "")
        if not token:
            raise CollectionFailure(f"--auth token needs the {TOKEN_ENV} environment variable")
        problem = bearer_token_problem(token)
        if problem is not None:
            # The message says what is wrong, never what the token is.
            raise InputError(f"{TOKEN_ENV} is not a usable bearer token: {problem}")
        return cls(token)

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """The token, whatever the scopes (the caller fetched it for ARM)."""
        return AccessToken(self._token, self._expires_on)

    def __repr__(self) -> str:
        return "StaticTokenCredential(<redacted>)"


class SharedTokenCache:
    """One token for every client of a scan.

    Each SDK client has its own authentication policy, and some credentials do not cache
    (``AzureCliCredential`` runs ``az`` for every token): without this, a tenant scan would
    fetch a token per client. Refreshes five minutes before expiry; claims challenges and
    other tenants go to the credential directly.
    """

    _MARGIN = 300

    def __init__(self, credential: TokenCredential) -> None:
        self._credential = credential
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, ...], AccessToken] = {}

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        **kwargs: Any,
    ) -> AccessToken:
        """A cached token for ``scopes``, fetched when missing or about to expire."""
        if claims or tenant_id:
            return self._credential.get_token(*scopes, claims=claims, tenant_id=tenant_id, **kwargs)
        with self._lock:
            token = self._tokens.get(scopes)
            if token is None or token.expires_on - self._MARGIN < time.time():
                token = self._credential.get_token(*scopes, **kwargs)
                self._tokens[scopes] = token
            return token

    def __repr__(self) -> str:
        return f"SharedTokenCache({self._credential!r})"


def make_credential(settings: LiveSettings) -> TokenCredential:
    """The credential ``--auth`` names. Imports azure-identity only when it is needed."""
    if settings.auth == "token":
        return StaticTokenCredential.from_environment()
    from azure import identity

    if settings.auth == "default":
        return identity.DefaultAzureCredential(
            managed_identity_client_id=settings.client_id,
            workload_identity_client_id=settings.client_id,
        )
    if settings.auth == "cli":
        return identity.AzureCliCredential(tenant_id=settings.tenant_id or "")
    if settings.auth == "managed-identity":
        return identity.ManagedIdentityCredential(client_id=settings.client_id)
    if settings.auth == "workload-identity":
        kwargs = {"client_id": settings.client_id} if settings.client_id else {}
        if settings.tenant_id:
            kwargs["tenant_id"] = settings.tenant_id
        return identity.WorkloadIdentityCredential(**kwargs)
    if settings.auth == "environment":
        return identity.EnvironmentCredential()
    raise InputError(f"unknown --auth {settings.auth!r} (choose one of: {', '.join(AUTH_CHOICES)})")


class RequestStats:
    """Counts shared by every client: logical requests, attempts on the wire, and URLs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.attempts = 0
        self.urls: dict[str, int] = {}

    @property
    def retries(self) -> int:
        """Attempts beyond the first of each request."""
        return self.attempts - self.requests

    def count_request(self, url: str) -> None:
        with self._lock:
            self.requests += 1
            self.urls[url] = self.urls.get(url, 0) + 1

    def count_attempt(self) -> None:
        with self._lock:
            self.attempts += 1


class _CountRequests(SansIOHTTPPolicy[Any, Any]):
    """Before the retry policy: sees each logical request once."""

    def __init__(self, stats: RequestStats) -> None:
        self._stats = stats

    def on_request(self, request: PipelineRequest[Any]) -> None:
        http = request.http_request
        url = http.url
        if http.method.upper() == "POST":
            # Every Resource Graph page is a POST of the same URL; its body tells them apart.
            body = http.content if isinstance(http.content, str | bytes) else b""
            digest = hashlib.sha256(body.encode() if isinstance(body, str) else body)
            url = f"{url}#{digest.hexdigest()[:16]}"
        self._stats.count_request(url)


class _CountAttempts(SansIOHTTPPolicy[Any, Any]):
    """After the retry policy: sees every attempt."""

    def __init__(self, stats: RequestStats) -> None:
        self._stats = stats

    def on_request(self, request: PipelineRequest[Any]) -> None:
        self._stats.count_attempt()


class ReadOnlyGuard(SansIOHTTPPolicy[Any, Any]):
    """Last policy before the wire: only GETs (and Resource Graph's query POST), never a key,
    secret or token path, one host."""

    def __init__(self, endpoint: str) -> None:
        self._host = urlsplit(endpoint).netloc.lower()

    def refusal(self, url: str) -> str | None:
        """Why a GET of ``url`` would be refused (None: it would be sent)."""
        parts = urlsplit(url)
        if _FORBIDDEN_PATH_RE.search(parts.path):
            return f"refusing {parts.path}: keys, secrets and tokens are not read"
        if parts.netloc.lower() != self._host:
            return f"refusing a request to {parts.netloc}: not the ARM endpoint"
        return None

    def on_request(self, request: PipelineRequest[Any]) -> None:
        http = request.http_request
        path = urlsplit(http.url).path
        query_post = http.method.upper() == "POST" and path.lower().rstrip("/") == GRAPH_QUERY_PATH
        if http.method.upper() != "GET" and not query_post:
            raise ReadOnlyViolation(f"refusing {http.method} {path}: the auditor only reads")
        refused = self.refusal(http.url)
        if refused is not None:
            raise ReadOnlyViolation(refused)


class ClientFactory:
    """Makes SDK clients that share one transport, one retry configuration and the guard."""

    def __init__(
        self,
        credential: TokenCredential,
        endpoint: str,
        settings: LiveSettings,
        transport: HttpTransport[Any, Any] | None = None,
        on_retry: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.credential: TokenCredential = SharedTokenCache(credential)
        self.endpoint = endpoint.rstrip("/")
        self.settings = settings
        self.stats = RequestStats()
        self.deadline = Deadline(settings.timeout)
        """When the whole scan must end (``--timeout``), counted from here."""
        self.pages = PageLog()
        self.pacer = QuotaPacer(self.deadline)
        """The quota the services last reported, shared by every client."""
        self._scopes = [f"{self.endpoint}/.default"]
        self.transport = transport or _transport(self.endpoint, settings, self.deadline)
        self._on_retry = on_retry

    def policies(self, decode: bool = True) -> list[Any]:
        """A fresh policy list (policies hold per-client state, so never shared).

        ``decode``: parse each answer for the SDK's deserializers (``ContentDecodePolicy``);
        the bare ARM pipeline's readers parse their answers themselves, once."""
        retry = self.settings.retry
        guard = ReadOnlyGuard(self.endpoint)
        return [
            RequestIdPolicy(),
            HeadersPolicy(),
            UserAgentPolicy(user_agent=f"auditor/{__version__}"),
            _CountRequests(self.stats),
            ListResponseGuard(self.pages, guard.refusal, response_json),
            *([ContentDecodePolicy()] if decode else []),
            BoundedRetryPolicy(
                self.deadline,
                retry.retry_after_max,
                self._on_retry,
                retry_total=retry.total,
                retry_backoff_factor=retry.backoff_factor,
                retry_backoff_max=retry.backoff_max,
                timeout=retry.timeout,
            ),
            PacingPolicy(self.pacer),
            ARMChallengeAuthenticationPolicy(self.credential, *self._scopes),
            _CountAttempts(self.stats),
            guard,
        ]

    def _common(self) -> dict[str, Any]:
        return {
            "base_url": self.endpoint,
            "credential_scopes": self._scopes,
            "policies": self.policies(),
            "transport": self.transport,
        }

    def cognitive_services(self, subscription_id: str) -> Any:
        """``azure-mgmt-cognitiveservices``: AI Services accounts."""
        from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

        return CognitiveServicesManagementClient(self.credential, subscription_id, **self._common())

    def authorization(self, subscription_id: str) -> Any:
        """``azure-mgmt-authorization`` (api-version 2022-04-01): role assignments/definitions."""
        from azure.mgmt.authorization import AuthorizationManagementClient

        return AuthorizationManagementClient(
            self.credential, subscription_id, api_version="2022-04-01", **self._common()
        )

    def arm(self) -> ARMPipelineClient[Any, Any]:
        """A bare ARM pipeline for the ML GETs no published SDK serves (see :mod:`.ml`)."""
        return ARMPipelineClient(
            base_url=self.endpoint, policies=self.policies(decode=False), transport=self.transport
        )


def _transport(
    endpoint: str, settings: LiveSettings, deadline: Deadline
) -> HttpTransport[Any, Any]:
    """One transport for all clients, its connection pool sized to the concurrency.

    The environment is read once, here: TLS trust (``REQUESTS_CA_BUNDLE``, ``SSL_CERT_FILE``,
    ``CURL_CA_BUNDLE``, else certifi's bundle) and the proxy (``HTTPS_PROXY`` and the rest,
    ``NO_PROXY`` for the endpoint's host). Every request goes to that one host, so one
    reading holds for the whole scan.
    """
    return ArmTransport(
        endpoint,
        deadline,
        budget=settings.request_timeout,
        connect_timeout=settings.connection_timeout,
        read_timeout=settings.read_timeout,
        pool_size=max(10, settings.concurrency * 2),
        proxy=proxy_for(endpoint),
    )
