"""The bundled demo estate exercises every rule: each fails somewhere and passes somewhere."""

from __future__ import annotations

from typing import Any

from auditor.engine.loader import load_rules


def test_demo_fails_and_passes_every_rule(run_cli: Any) -> None:
    """`auditor scan --demo` exits 1; every rule, opt-in ones included, fails and passes."""
    opt_in = [r.id for r in load_rules() if not r.default_enabled]
    result = run_cli(["scan", "--demo", "--include-passed", "--select", ",".join(["*", *opt_in])])
    assert result.code == 1
    by_rule = result.report()["summary"]["by_rule"]
    for rule in load_rules():
        assert by_rule[rule.id]["fail"] >= 1, f"{rule.id} never fails in the demo"
        assert by_rule[rule.id]["pass"] >= 1, f"{rule.id} never passes in the demo"


def test_demo_shows_what_it_could_not_see(run_cli: Any) -> None:
    """The demo's sandbox subscription has no Activity Log: unknown results and a 403 error."""
    report = run_cli(["scan", "--demo"]).report()
    assert report["summary"]["by_status"]["unknown"] >= 1
    assert report["errors"][0]["missing_permission"] == "Microsoft.Insights/eventtypes/values/read"
    assert len(report["scan"]["subscriptions"]) == 3
    assert report["scan"]["as_of"] == "2026-11-01T00:00:00Z"


def test_demo_unknowns_give_their_exact_reasons(run_cli: Any) -> None:
    """Each unknown in the demo names what it lacks, exactly: the Activity Log the sandbox
    could not read (with the 403), its diagnostic settings (not collected there), and the
    custom role definition that was not collected."""
    report = run_cli(["scan", "--demo"]).report()
    unknown = {
        (f["rule_id"], f["resource_name"]): f["reason"]
        for f in report["findings"]
        if f["status"] == "unknown"
    }
    sandbox = "33333333-3333-4333-8333-333333333333"
    no_log = (
        f"no Activity Log data was collected for subscription {sandbox} (The client does not "
        "have authorization to perform action 'Microsoft.Insights/eventtypes/values/read' over "
        f"scope '/subscriptions/{sandbox}')"
    )
    custom = "deadbeef-0000-4000-8000-00000000c0de"
    no_settings = f"diagnostic_settings were not collected for subscription {sandbox}"
    assert unknown == {
        ("AIS019", "sandbox-translator"): no_settings,
        ("AIS019", "sandbox-ai"): no_settings,
        ("AIS019", "sandbox-openai"): no_settings,
        ("AIS002", "sandbox-translator"): no_log,
        ("AIS002", "sandbox-ai"): no_log,
        ("IAM001", "a0000000-0000-4000-8000-000000000010"): (
            f"role definition {custom} is not a known built-in role and was not collected"
        ),
        ("IAM005", "sandbox-ai"): (
            f"cannot tell whether role(s) {custom} can list keys: definition not collected"
        ),
    }


def test_demo_sources_are_named_inside_the_package(run_cli: Any) -> None:
    """Demo findings name their file as auditor/demo/estate/..., not a path on this machine."""
    report = run_cli(["scan", "--demo"]).report()
    paths = {f["source"]["path"] for f in report["findings"]}
    assert paths
    assert all(p.startswith("auditor/demo/estate/") for p in paths), paths
