"""The fault suite: a misbehaving ARM (the emulator, over HTTPS, to the real SDK clients).

Every fault ends in an error entry naming what was not read and exit 3 (or exit 2 when nothing
could be listed at all), within a bound: never silence, never a traceback, never a hang. The
bounds (:data:`BOUND`) are guards against a hang, not speed goals.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from typing import Any

import pytest

from auditor.audit import scan
from auditor.collect.live.run import collect_live
from auditor.collect.live.settings import LiveSettings, RetrySettings
from auditor.config import ScanConfig
from auditor.inventory import InventoryBuilder
from auditor.model import CollectionError
from auditor.scan import ScanOutcome
from tests.emulator import ArmEmulator, Fault
from tests.emulator.fixtures import SUB_A, SUB_B, SUB_C

BOUND = 60.0
"""Seconds any faulted scan may take: far above what each needs, far below a hang."""
AS_OF = "2026-11-01T00:00:00Z"
ML = "Microsoft.MachineLearningServices"
FRAUD = f"/subscriptions/{SUB_A}/resourceGroups/rg-ml/providers/{ML}/workspaces/mlw-fraud"
COMPUTES = f"{FRAUD}/computes"
SERVICES = f"{FRAUD}/services"
WORKSPACES_A = f"/subscriptions/{SUB_A}/providers/{ML}/workspaces"
ACCOUNTS_B = f"/subscriptions/{SUB_B}/providers/Microsoft.CognitiveServices/accounts"
ASSIGNMENTS_C = f"/subscriptions/{SUB_C}/providers/Microsoft.Authorization/roleAssignments"
DEFINITIONS_C = f"/subscriptions/{SUB_C}/providers/Microsoft.Authorization/roleDefinitions"
EVENTS_A = f"/subscriptions/{SUB_A}/providers/microsoft.insights/eventtypes/management/values"

FAST_RETRY = RetrySettings(total=2, backoff_factor=0.01, backoff_max=0.05, retry_after_max=0.2)
"""Retries that keep a faulted scan short; the cap on Retry-After is what is under test."""


def live(emulator: ArmEmulator, **settings: Any) -> LiveSettings:
    """Live settings for the emulator, with quick retries unless told otherwise."""
    settings.setdefault("retry", FAST_RETRY)
    settings.setdefault("collector", "arm")  # the ARM lists these tests fault
    return LiveSettings(auth="token", arm_endpoint=emulator.url, **settings)


def timed_scan(settings: LiveSettings) -> tuple[ScanOutcome, float]:
    """A scan through the library entry point, and how long it took."""
    started = time.monotonic()
    outcome = scan(ScanConfig(live=settings, quiet=True))
    return outcome, time.monotonic() - started


def cli_args(emulator: ArmEmulator, *extra: str) -> list[str]:
    """A live scan of the emulator through the CLI."""
    return [
        *("scan", "--arm-endpoint", emulator.url, "--auth", "token", "--as-of", AS_OF),
        *("--collector", "arm", *extra),
    ]


def only_error(outcome: ScanOutcome) -> CollectionError:
    [error] = outcome.errors
    return error


def cut_by_timeout(errors: list[dict[str, Any]], seconds: str) -> dict[tuple[str, str], set[str]]:
    """(scope, operation) -> data kinds of the reported errors, each of which must be a read the
    --timeout cut short (on a loaded machine more than the faulted read may be cut)."""
    expected = f"not read: the scan's --timeout of {seconds} s ran out"
    assert errors
    assert {e["message"] for e in errors} == {expected}
    return {(e["scope"], e["operation"]): set(e["data_kinds"]) for e in errors}


# -- list bodies ---------------------------------------------------------------------------------

BAD_BODIES: dict[str, tuple[Fault, str]] = {
    "empty-object": (Fault(body={}), "has no 'value' array (keys: none)"),
    "error-object": (
        Fault(body={"error": {"code": "InternalError", "message": "oops"}}),
        "has no 'value' array (keys: error)",
    ),
    "values-misspelt": (Fault(body={"values": []}), "has no 'value' array (keys: values)"),
    "value-object": (Fault(body={"value": {}}), "'value' in the answer from"),
    "value-null": (Fault(body={"value": None}), "is a null"),
    "number-item": (Fault(body={"value": [5]}), "value[0] in the answer from"),
    "string-item": (Fault(body={"value": [{"id": "x"}, "x"]}), "value[1] in the answer from"),
    "top-level-array": (Fault(body=[]), "is a JSON array, not a list"),
    "not-json": (Fault(raw=b"<html>gateway</html>"), "JSON"),
    "nan": (Fault(raw=b'{"value": [NaN]}'), "is not strict JSON"),
    "truncated": (Fault(raw=b'{"value": [{"id": '), "JSON"),
}
"""A 200 that is not an ARM list page, and what the error entry says about it."""

LISTS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "raw-ml-computes": (COMPUTES, FRAUD, "list computes", ("computes",)),
    "sdk-accounts": (
        ACCOUNTS_B,
        f"/subscriptions/{SUB_B}",
        "list AI Services accounts",
        ("ai_accounts",),
    ),
    "sdk-role-assignments": (
        ASSIGNMENTS_C,
        f"/subscriptions/{SUB_C}",
        "list role assignments",
        ("role_assignments",),
    ),
    "sdk-role-definitions": (
        DEFINITIONS_C,
        f"/subscriptions/{SUB_C}",
        "list custom role definitions",
        ("role_definitions",),
    ),
}
"""Where a bad body is served: path, the error's scope, its operation and data kinds."""


BODY_CASES = [
    *(("raw-ml-computes", body) for body in sorted(BAD_BODIES)),
    *(
        ("sdk-accounts", body)
        for body in ("empty-object", "error-object", "number-item", "nan", "top-level-array")
    ),
    *(
        (lst, body)
        for lst in ("sdk-role-assignments", "sdk-role-definitions")
        for body in ("values-misspelt", "string-item")
    ),
]
"""Every bad body on a raw ML read; the kinds of fault that differ on the SDK lists."""


@pytest.mark.parametrize(("list_name", "body_name"), BODY_CASES)
def test_a_200_that_is_not_a_list_page_is_an_error_not_an_empty_list(
    emulator: ArmEmulator, list_name: str, body_name: str
) -> None:
    """Raw ML reads and SDK lists alike: a bad 200 body is an error entry, exit 3, no crash."""
    path, scope, operation, kinds = LISTS[list_name]
    fault, says = BAD_BODIES[body_name]
    emulator.fail_always(path, fault)
    subscriptions = tuple(sorted({SUB_A, scope.split("/")[2]}))  # A holds ML resources
    outcome, seconds = timed_scan(live(emulator, subscriptions=subscriptions))
    error = only_error(outcome)
    assert (error.scope, error.operation) == (scope, operation)
    assert says in error.message
    assert set(kinds) <= set(error.data_kinds)
    assert outcome.incomplete()
    assert seconds < BOUND


def test_a_bad_second_page_fails_the_whole_list(emulator: ArmEmulator) -> None:
    """A list whose first page is fine and second is not keeps nothing of it: an error."""
    emulator.fail_next(ACCOUNTS_B, Fault(), Fault(body={"value": [7]}))
    outcome, _ = timed_scan(live(emulator, subscriptions=(SUB_B,)))
    error = only_error(outcome)
    assert error.operation == "list AI Services accounts"
    assert "value[0]" in error.message
    assert [r.status for r in emulator.requests_for(ACCOUNTS_B)] == [200, 200]


def test_activity_log_with_a_bad_body_is_an_error_for_each_query(emulator: ArmEmulator) -> None:
    """Both Activity Log queries of a subscription that answers garbage are listed as not read."""
    emulator.fail_always(EVENTS_A, Fault(body={"value": "none"}))
    outcome, seconds = timed_scan(live(emulator))
    assert sorted(e.operation for e in outcome.errors) == [
        "list Activity Log events (Microsoft.CognitiveServices)",
        "list Activity Log events (Microsoft.MachineLearningServices)",
    ]
    assert {e.data_kinds for e in outcome.errors} == {("activity_log",)}
    assert seconds < BOUND


def test_a_bad_subscription_list_stops_the_scan_with_exit_2(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """Nothing can be scanned when the subscription list itself is not a list: exit 2, clearly."""
    emulator.fail_always("/subscriptions", Fault(body={"values": []}))
    result = run_cli(["scan", "--arm-endpoint", emulator.url, "--auth", "token"])
    assert result.code == 2
    assert "cannot list subscriptions" in result.err
    assert "has no 'value' array" in result.err
    assert "Traceback" not in result.err


def test_sdk_model_that_cannot_be_read_is_an_error(emulator: ArmEmulator) -> None:
    """An item the SDK cannot deserialise (a number where it wants an object) is an error."""
    bad = {"id": "/x", "name": "x", "type": "Microsoft.CognitiveServices/accounts", "sku": 5}
    emulator.fail_always(ACCOUNTS_B, Fault(body={"value": [bad]}))
    outcome, _ = timed_scan(live(emulator, subscriptions=(SUB_A, SUB_B)))
    error = only_error(outcome)
    assert error.operation == "list AI Services accounts"
    assert "could not be read" in error.message


# -- paging ----------------------------------------------------------------------------------------

NEXT_LINKS: dict[str, tuple[Callable[[ArmEmulator, str], Callable[[str], Any]], str]] = {
    "self": (lambda server, path: lambda url: {"value": [], "nextLink": url}, "a paging loop"),
    "back-to-first-page": (
        lambda server, path: lambda url: {"value": [], "nextLink": f"{server.url}{path}"},
        "a paging loop",
    ),
    "foreign-host": (
        lambda server, path: (
            lambda url: {
                "value": [],
                "nextLink": f"https://attacker.example{path}?$skiptoken=2",
            }
        ),
        "refusing a request to attacker.example",
    ),
    "list-keys": (
        lambda server, path: (
            lambda url: {"value": [], "nextLink": f"{server.url}{path}/x/listKeys"}
        ),
        "keys, secrets and tokens are not read",
    ),
    "number": (lambda server, path: lambda url: {"value": [], "nextLink": 5}, "is a number"),
}
"""A bad ``nextLink`` (made from the emulator and the list path) and what the error says."""


@pytest.mark.parametrize("path", [COMPUTES, ACCOUNTS_B], ids=["raw-ml", "sdk"])
@pytest.mark.parametrize("link_name", sorted(NEXT_LINKS))
def test_a_next_link_that_must_not_be_followed_is_an_error(
    emulator: ArmEmulator, link_name: str, path: str
) -> None:
    """A nextLink seen before, to another host or to a refused path: an error entry, at once."""
    make, says = NEXT_LINKS[link_name]
    emulator.fail_always(path, Fault(body=make(emulator, path)))
    outcome, seconds = timed_scan(live(emulator))
    error = only_error(outcome)
    assert says in error.message
    assert len(emulator.requests_for(path)) == 1  # the bad link was never followed
    assert {r.method for r in emulator.log} == {"GET"}
    assert not [r for r in emulator.log if "listkeys" in r.path.lower()]
    assert outcome.incomplete()
    assert seconds < BOUND


def test_a_loop_over_two_pages_is_caught(emulator: ArmEmulator) -> None:
    """Page 2 pointing back to page 1 (a real loop, not a self link) ends after two requests."""
    first = f"{emulator.url}{ACCOUNTS_B}"
    emulator.fail_always(ACCOUNTS_B, Fault(body=lambda url: _ping_pong(url, first)))
    outcome, _ = timed_scan(live(emulator, subscriptions=(SUB_A, SUB_B)))
    assert "a paging loop" in only_error(outcome).message
    assert len(emulator.requests_for(ACCOUNTS_B)) == 2


def _ping_pong(url: str, first: str) -> dict[str, Any]:
    """Page 1 links to page 2, page 2 back to page 1."""
    if "$skiptoken" in url:
        return {"value": [], "nextLink": first}
    return {"value": [], "nextLink": f"{first}?$skiptoken=2"}


# -- v1 services ---------------------------------------------------------------------------------

SERVICE_ERRORS = {
    "invalid-api-version": (400, "InvalidApiVersionParameter"),
    "throttled-400": (400, "TooManyRequests"),
    "bad-request": (400, "BadRequest"),
    "not-found": (404, "ResourceNotFound"),
    "workspace-not-found": (404, "WorkspaceNotFound"),
}


@pytest.mark.parametrize("name", sorted(SERVICE_ERRORS))
def test_v1_services_error_is_an_error_not_no_services(
    emulator: ArmEmulator, run_cli: Any, name: str
) -> None:
    """A 400/404 on a workspace's v1 services list is an error entry; exit 3, not a quiet pass."""
    status, code = SERVICE_ERRORS[name]
    emulator.fail_always(SERVICES, Fault(status, message=f"emulated {code}", code=code))
    started = time.monotonic()
    result = run_cli(
        cli_args(emulator, "--subscription", SUB_A, "--select", "AML005", "--include-passed")
    )
    assert time.monotonic() - started < BOUND
    assert result.code == 3  # without the fault AML005 fails legacy-aci: exit 1
    report = result.report()
    assert report["errors"] == [
        {
            "scope": FRAUD,
            "operation": "list v1 web services",
            "message": f"emulated {code}",
            "status_code": status,
            "missing_permission": None,
            "data_kinds": ["web_services"],
        }
    ]
    assert not [f for f in report["findings"] if f["status"] in ("pass", "fail")]


def test_v1_services_empty_list_is_no_services(emulator: ArmEmulator, run_cli: Any) -> None:
    """The documented answer for a workspace without v1 services (200, empty) is no error."""
    result = run_cli(cli_args(emulator, "--subscription", SUB_C, "--fail-on", "none"))
    assert result.report()["errors"] == []
    # One list per workspace of C (mlw-sandbox and the two managed-network workspaces).
    services = [r for r in emulator.log if r.path.lower().endswith("/services")]
    assert len(services) == 3 and {r.status for r in services} == {200}


# -- Retry-After and throttling -------------------------------------------------------------------

RETRY_AFTER = {
    "an-hour": {"Retry-After": "3600"},
    "inf": {"Retry-After": "inf"},
    "nan": {"Retry-After": "nan"},
    "negative": {"Retry-After": "-5"},
    "garbage": {"Retry-After": "soon, maybe"},
    "huge-number": {"Retry-After": "1e400"},
    "far-future-date": {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"},
    "past-date": {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"},
    "ms-header-huge": {"x-ms-retry-after-ms": "1e12"},
}


@pytest.mark.parametrize("name", sorted(RETRY_AFTER))
def test_retry_after_is_capped_and_never_crashes(emulator: ArmEmulator, name: str) -> None:
    """Any Retry-After (huge, inf, NaN, negative, garbage, a date) waits at most the cap, then
    the retry's answer is used: the scan is complete."""
    headers = {**RETRY_AFTER[name], "x-ms-ratelimit-remaining-subscription-reads": "0"}
    emulator.fail_next(
        ACCOUNTS_B, Fault(429, headers, "Rate limit exceeded", code="TooManyRequests")
    )
    outcome, seconds = timed_scan(live(emulator, subscriptions=(SUB_B,)))
    assert list(outcome.errors) == []
    assert [r.status for r in emulator.requests_for(ACCOUNTS_B)][:2] == [429, 200]
    assert outcome.resource_counts["Microsoft.CognitiveServices/accounts"] == 4
    assert seconds < BOUND


def test_throttling_that_never_ends_is_an_error_with_its_status(emulator: ArmEmulator) -> None:
    """ARM's 429 (its headers and body) on every try: an error entry with status 429."""
    headers = {"Retry-After": "1", "x-ms-ratelimit-remaining-subscription-reads": "0"}
    message = "Number of read requests for subscription exceeded the limit"
    emulator.fail_always(ACCOUNTS_B, Fault(429, headers, message, code="TooManyRequests"))
    outcome, seconds = timed_scan(live(emulator, subscriptions=(SUB_A, SUB_B)))
    error = only_error(outcome)
    assert (error.status_code, error.operation) == (429, "list AI Services accounts")
    assert message in error.message
    assert len(emulator.requests_for(ACCOUNTS_B)) == 1 + FAST_RETRY.total
    assert seconds < BOUND


def test_timeout_cuts_a_long_retry_after_short(emulator: ArmEmulator, run_cli: Any) -> None:
    """With the default cap (60 s) a throttled list waits; --timeout ends the scan anyway, and
    the list not read is an error entry: exit 3 at once, not an hour later."""
    emulator.fail_always(ACCOUNTS_B, Fault(429, {"Retry-After": "3600"}, code="TooManyRequests"))
    started = time.monotonic()
    result = run_cli(
        cli_args(emulator, "--subscription", SUB_A, "--subscription", SUB_B, "--timeout", "5")
    )
    assert time.monotonic() - started < BOUND
    assert result.code == 1  # A's failures still fail the gate; B's accounts are listed unread
    cut = cut_by_timeout(result.report()["errors"], "5")
    assert (f"/subscriptions/{SUB_B}", "list AI Services accounts") in cut


# -- slow and silent answers ---------------------------------------------------------------------


def test_a_trickled_body_is_cut_off_at_the_request_limit(emulator: ArmEmulator) -> None:
    """A body sent one byte every 0.5 s (minutes in all) is given up after the per-request
    limit and its retries: an error entry that says so."""
    emulator.fail_always(ACCOUNTS_B, Fault(trickle=0.5))
    settings = live(emulator, subscriptions=(SUB_A, SUB_B), request_timeout=2.0)
    outcome, seconds = timed_scan(settings)
    error = only_error(outcome)
    assert error.operation == "list AI Services accounts"
    assert "longer than 2 s (the per-request limit)" in error.message
    assert len(emulator.requests_for(ACCOUNTS_B)) == 1 + FAST_RETRY.total
    assert seconds < BOUND


def test_a_trickled_body_once_is_retried(emulator: ArmEmulator) -> None:
    """One trickled answer is cut off and retried; the retry's answer completes the scan."""
    emulator.fail_next(ACCOUNTS_B, Fault(trickle=0.5))
    settings = live(emulator, subscriptions=(SUB_B,), request_timeout=2.0)
    outcome, _ = timed_scan(settings)
    assert list(outcome.errors) == []
    assert outcome.resource_counts["Microsoft.CognitiveServices/accounts"] == 4


def test_a_never_answering_endpoint_is_cut_off_by_the_request_limit(emulator: ArmEmulator) -> None:
    """An endpoint that accepts the request and never answers costs one request limit per try."""
    emulator.fail_always(COMPUTES, Fault(hang=True))
    settings = live(emulator, subscriptions=(SUB_A,), request_timeout=2.0, read_timeout=30.0)
    outcome, seconds = timed_scan(settings)
    error = only_error(outcome)
    assert (error.scope, error.operation) == (FRAUD, "list computes")
    assert "the per-request limit" in error.message
    assert seconds < BOUND


def test_timeout_bounds_the_whole_scan_and_lists_what_was_not_read(
    emulator: ArmEmulator, run_cli: Any
) -> None:
    """--timeout ends a scan stuck on a silent endpoint: exit 3, the unread list named, the
    rest of the tenant read."""
    emulator.fail_always(WORKSPACES_A, Fault(hang=True))
    started = time.monotonic()
    result = run_cli(cli_args(emulator, "--timeout", "5", "--fail-on", "none"))
    assert time.monotonic() - started < BOUND
    assert result.code == 3
    report = result.report()
    cut = cut_by_timeout(report["errors"], "5")
    assert cut[(f"/subscriptions/{SUB_A}", "list ML workspaces")] >= {
        "workspaces",
        "computes",
        "web_services",
    }
    assert report["scan"]["resources"]["Microsoft.CognitiveServices/accounts"] >= 1
    assert "Traceback" not in result.err


def test_collect_honours_timeout_and_keeps_the_errors(
    emulator: ArmEmulator, run_cli: Any, tmp_path: Any
) -> None:
    """`auditor collect --timeout` ends too, and the manifest lists what was not read."""
    import json

    emulator.fail_always(ACCOUNTS_B, Fault(hang=True))
    out = tmp_path / "evidence"
    started = time.monotonic()
    result = run_cli(
        [
            *("collect", "--output", str(out), "--arm-endpoint", emulator.url),
            *("--auth", "token", "--timeout", "5", "--quiet", "--collector", "arm"),
        ]
    )
    assert time.monotonic() - started < BOUND
    assert result.code == 3
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    cut = cut_by_timeout(manifest["errors"], "5")
    assert (f"/subscriptions/{SUB_B}", "list AI Services accounts") in cut


@pytest.mark.parametrize("value", ["-1", "inf", "nan", "soon", "1e9"])
def test_timeout_option_rejects_nonsense(
    emulator: ArmEmulator, run_cli: Any, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    """--timeout takes 0 (no limit) up to a week of seconds; anything else is exit 2."""
    with pytest.raises(SystemExit) as caught:
        run_cli(["scan", "--arm-endpoint", emulator.url, "--auth", "token", "--timeout", value])
    assert caught.value.code == 2
    assert "argument --timeout" in capsys.readouterr().err
    assert emulator.log == []


def test_a_silent_endpoint_is_not_silence_on_the_terminal(emulator: ArmEmulator) -> None:
    """While requests to an endpoint that never answers are retried, the user is told so."""
    emulator.fail_always(COMPUTES, Fault(hang=True))
    settings = live(
        emulator,
        subscriptions=(SUB_A,),
        request_timeout=1.0,
        read_timeout=30.0,
        retry=RetrySettings(total=2, backoff_factor=0.0, backoff_max=0.0),
    )
    stream = io.StringIO()
    started = time.monotonic()
    collect_live(settings, InventoryBuilder(), stderr=stream)
    assert time.monotonic() - started < BOUND
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith(f"auditor: reading Azure live from {emulator.url}")
    waiting = [line for line in lines if line.startswith("auditor: still waiting")]
    assert len(waiting) == 1, lines  # two retries within 15 s: said once
    assert emulator.url in waiting[0]
