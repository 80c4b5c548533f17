"""The live scan's transport (auditor/collect/live/transport.py) over HTTPS to the emulator.

The whole live suite runs through it; these tests hold what only the transport decides: the
proxy the environment names (with its credentials), compressed answers, the body limit, both
kinds of azure-core request, and that whatever bytes a server sends end in an azure-core error
the retry policy knows, never another exception.
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from azure.core.exceptions import AzureError, ServiceRequestError, ServiceResponseError
from azure.core.pipeline.transport import HttpRequest as LegacyHttpRequest
from azure.core.rest import HttpRequest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from auditor.audit import scan
from auditor.collect.live.bounds import Deadline
from auditor.collect.live.settings import LiveSettings, RetrySettings
from auditor.collect.live.transport import ArmTransport, proxy_for
from auditor.config import ScanConfig
from auditor.errors import CollectionFailure
from tests.emulator import ArmEmulator, Fault
from tests.emulator.fixtures import ESTATE_DIR, SUB_A, TOKEN
from tests.emulator.proxy import ConnectProxy
from tests.test_live_scan import finding_set, live_args

ML = "Microsoft.MachineLearningServices"
COMPUTES = (
    f"/subscriptions/{SUB_A}/resourceGroups/rg-ml/providers/{ML}/workspaces/mlw-fraud/computes"
)
PROXY_CANARY = "Pr0xyPassw0rd-canary-7f3a"
"""A proxy password that must never be printed."""
PROXY_VARIABLES = ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


def transport(emulator: ArmEmulator, **overrides: Any) -> ArmTransport:
    options: dict[str, Any] = {
        "budget": 10.0,
        "connect_timeout": 5.0,
        "read_timeout": 5.0,
        "pool_size": 2,
    }
    options.update(overrides)
    return ArmTransport(emulator.url, Deadline(None), **options)


def get(emulator: ArmEmulator, path: str, legacy: bool = False) -> Any:
    kind = LegacyHttpRequest if legacy else HttpRequest
    return kind(
        "GET",
        f"{emulator.url}{path}?api-version=2025-12-01",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


def fraud_computes() -> list[dict[str, Any]]:
    """The fixture estate's computes of the mlw-fraud workspace (what COMPUTES lists)."""
    listed = json.loads((ESTATE_DIR / SUB_A / "computes.json").read_text("utf-8"))["value"]
    return [c for c in listed if c["id"].lower().startswith(COMPUTES.lower() + "/")]


def test_a_scan_behind_a_proxy_tunnels_through_it_with_its_credentials(
    emulator: ArmEmulator, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``HTTPS_PROXY`` with a user and password in it: every connection is a ``CONNECT`` to the
    endpoint carrying ``Proxy-Authorization`` (percent-escapes undone), TLS runs end to end (the
    emulator's CA is still what is trusted), and connections are reused, not one per request."""
    user, password = "scanner", "p@ss word:1"
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    proxy = ConnectProxy(require_auth=expected).start()
    try:
        for name in PROXY_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        where = proxy.url.removeprefix("http://")
        monkeypatch.setenv(
            "HTTPS_PROXY", f"http://{quote(user)}:{quote(password, safe='')}@{where}"
        )
        result = run_cli(live_args(emulator))
    finally:
        proxy.stop()
    assert result.code == 1
    assert result.report()["errors"] == []
    host = emulator.url.removeprefix("https://")
    assert proxy.tunnels
    assert {t.target for t in proxy.tunnels} == {host}
    assert {t.headers.get("proxy-authorization") for t in proxy.tunnels} == {expected}
    assert len(proxy.tunnels) < len(emulator.log)
    printed = result.out + result.err + (result.output_dir / "auditor.json").read_text("utf-8")
    assert password not in printed
    assert quote(password, safe="") not in printed


def test_a_proxy_that_refuses_the_credentials_stops_the_scan(
    emulator: ArmEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 407 from the proxy is a failed connection: nothing reaches the endpoint, exit 2, and
    the message never quotes the proxy's password."""
    proxy = ConnectProxy(require_auth="Basic c29tZW9uZTplbHNl").start()
    try:
        for name in PROXY_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url.replace("://", f"://scanner:{PROXY_CANARY}@"))
        settings = LiveSettings(
            auth="token", arm_endpoint=emulator.url, retry=RetrySettings(total=0)
        )
        with pytest.raises(CollectionFailure, match="cannot list subscriptions") as caught:
            scan(ScanConfig(live=settings, quiet=True))
    finally:
        proxy.stop()
    assert caught.value.exit_code == 2
    assert "407" in str(caught.value)
    assert PROXY_CANARY not in str(caught.value)
    assert proxy.tunnels
    assert emulator.log == []


def test_no_proxy_exempts_the_endpoint(
    emulator: ArmEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proxy is chosen once, for the endpoint's host, as ``requests`` would choose it."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert proxy_for(emulator.url) == "http://proxy.example:3128"
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert proxy_for(emulator.url) is None


@pytest.mark.parametrize(
    ("encoding", "compress"), [("gzip", gzip.compress), ("deflate", zlib.compress)]
)
def test_a_compressed_answer_is_read_as_its_json(
    emulator: ArmEmulator, run_cli: Any, encoding: str, compress: Any
) -> None:
    """ARM compresses when asked (the transport asks, as ``requests`` did): a compressed list
    page gives the same findings as the plain one."""
    plain = run_cli(live_args(emulator)).report()
    body = compress(json.dumps({"value": fraud_computes()}).encode("utf-8"))
    emulator.fail_always(COMPUTES, Fault(raw=body, headers={"Content-Encoding": encoding}))
    compressed = run_cli(live_args(emulator)).report()
    assert compressed["errors"] == []
    assert finding_set(compressed) == finding_set(plain)
    assert any(COMPUTES.lower() in f["resource_id"].lower() for f in compressed["findings"])


def test_a_body_past_the_limit_is_an_error(emulator: ArmEmulator) -> None:
    """Past ``max_body`` bytes the read stops and the connection is dropped."""
    emulator.fail_always(COMPUTES, Fault(raw=b'{"value": [' + b"{}, " * 600 + b"{}]}"))
    with transport(emulator, max_body=1000) as sender:
        with pytest.raises(ServiceResponseError, match="larger than"):
            sender.send(get(emulator, COMPUTES))
        emulator.fail_always(COMPUTES, Fault(body={"value": []}))
        assert sender.send(get(emulator, COMPUTES)).status_code == 200  # the pool recovers


@pytest.mark.parametrize("legacy", [False, True], ids=["rest", "legacy"])
def test_both_kinds_of_request_get_the_whole_answer(emulator: ArmEmulator, legacy: bool) -> None:
    """``azure.core.rest`` requests and the older kind (azure-mgmt-authorization's) get the
    same status, headers (any case) and body."""
    with transport(emulator) as sender:
        answer = sender.send(get(emulator, COMPUTES, legacy=legacy))
    assert answer.status_code == 200
    assert answer.headers["CONTENT-TYPE"] == answer.headers["content-type"]
    assert answer.content_type.startswith("application/json")
    listed = json.loads(answer.text())
    assert [c["id"] for c in listed["value"]] == [c["id"] for c in fraud_computes()]


def test_an_unreachable_endpoint_is_a_request_error(tmp_path: Path) -> None:
    """Nothing listens: a connection error azure-core retries as one, not a crash."""
    with (
        ArmTransport(
            "https://127.0.0.1:9",
            Deadline(None),
            budget=5,
            connect_timeout=5,
            read_timeout=5,
            pool_size=1,
        ) as sender,
        pytest.raises(ServiceRequestError),
    ):
        sender.send(HttpRequest("GET", "https://127.0.0.1:9/subscriptions"))


ENCODINGS = st.sampled_from([None, "gzip", "deflate", "br", "identity", "gzip, gzip", "x\x7f"])


@seed(20261204)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.binary(max_size=3000),
    encoding=ENCODINGS,
    compressed=st.booleans(),
    status=st.sampled_from([200, 200, 204, 301, 404, 429, 500]),
)
def test_whatever_a_server_sends_ends_in_an_answer_or_an_azure_error(
    emulator: ArmEmulator, body: bytes, encoding: str | None, compressed: bool, status: int
) -> None:
    """Random bytes, compressed or not, under any ``Content-Encoding`` claim: the transport
    answers with exactly those bytes decoded, or raises an azure-core error (which the retry
    policy and the ledger handle); nothing else escapes."""
    sent = gzip.compress(body) if compressed and encoding == "gzip" else body
    headers = {"Content-Encoding": encoding} if encoding else {}
    emulator.fail_always(COMPUTES, Fault(status=status, raw=sent, headers=headers))
    with transport(emulator, budget=5.0) as sender:
        try:
            answer = sender.send(get(emulator, COMPUTES))
        except AzureError:
            return
    assert answer.status_code == status
    if encoding in (None, "identity") or (encoding == "gzip" and compressed):
        assert answer.content == (b"" if status == 204 else body)
