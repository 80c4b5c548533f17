"""The CLI end to end: exit codes, the gate, rules listing, reports written or not."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from auditor.cli import main
from auditor.errors import InputError
from tests.conftest import FIXTURES, REPO, write_json

AIS001 = FIXTURES / "rules" / "AIS001"
SUB = "aaaaaaaa-0000-4000-8000-000000000001"


def keyless_account() -> dict[str, object]:
    return {
        "id": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/ok",
        "type": "Microsoft.CognitiveServices/accounts",
        "name": "ok",
        "kind": "OpenAI",
        "identity": {"type": "SystemAssigned", "principalId": "p-ok"},
        "properties": {
            "disableLocalAuth": True,
            "publicNetworkAccess": "Disabled",
            "restrictOutboundNetworkAccess": True,
            "privateEndpointConnections": [
                {"properties": {"privateLinkServiceConnectionState": {"status": "Approved"}}}
            ],
        },
    }


def test_failures_exit_1_and_reports_are_written(run_cli: Any) -> None:
    """Failing findings at the default threshold exit 1 and write JSON and HTML."""
    result = run_cli(["scan", "--snapshot", str(AIS001), "--select", "AIS001,AIS002"])
    assert result.code == 1
    assert (result.output_dir / "auditor.json").is_file()
    assert (result.output_dir / "auditor.html").is_file()
    assert "Gate (--fail-on low): FAIL" in result.err
    report = result.report()
    # AIS002 cannot be judged without Activity Log data: the scan is also incomplete.
    assert report["summary"]["gate"] == {
        "fail_on": "low",
        "failing": 3,
        "incomplete": True,
        "exit_code": 1,
        "new_only": False,
        "rule_set": None,
        "not_gating": [],
    }


@pytest.mark.parametrize(("fail_on", "code"), [("critical", 3), ("high", 1), ("none", 3)])
def test_fail_on_threshold(run_cli: Any, fail_on: str, code: int) -> None:
    """AIS001 failures are high: exit 1 at high; above it the unknown AIS002 results give 3."""
    result = run_cli(["scan", "--snapshot", str(AIS001), "--fail-on", fail_on])
    assert result.code == code


def owner(principal: str) -> dict[str, object]:
    """A subscription-scope Owner assignment in the test subscription."""
    scope = f"/subscriptions/{SUB}"
    return {
        "id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/owner-{principal}",
        "type": "Microsoft.Authorization/roleAssignments",
        "properties": {
            "roleDefinitionId": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/"
            "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
            "principalId": principal,
            "principalType": "Group",
            "scope": scope,
        },
    }


def defender_setting(state: str = "Enabled") -> dict[str, object]:
    account = str(keyless_account()["id"])
    return {
        "id": f"{account}/defenderForAISettings/Default",
        "type": "Microsoft.CognitiveServices/accounts/defenderForAISettings",
        "name": "Default",
        "properties": {"state": state},
    }


def defender_plan(tier: str = "Standard") -> dict[str, object]:
    sub = str(keyless_account()["id"]).split("/")[2]
    return {
        "id": f"/subscriptions/{sub}/providers/Microsoft.Security/pricings/AI",
        "type": "Microsoft.Security/pricings",
        "name": "AI",
        "properties": {"pricingTier": tier},
    }


def audit_logs_setting() -> dict[str, object]:
    account = str(keyless_account()["id"])
    return {
        "id": f"{account}/providers/Microsoft.Insights/diagnosticSettings/audit",
        "type": "Microsoft.Insights/diagnosticSettings",
        "name": "audit",
        "properties": {
            "workspaceId": f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/law",
            "logs": [{"categoryGroup": "audit", "enabled": True}],
        },
    }


def test_clean_scan_exits_0(run_cli: Any, tmp_path: Path) -> None:
    """A compliant keyless account with Defender for AI on (the account's setting and the
    subscription's plan) and its audit logs sent to Log Analytics, in a subscription with two
    Owners, passes: exit 0.

    IAM001 reports every Owner over AI resources, the two designated ones included (teams
    suppress those), so it is ignored here.
    """
    records = [
        keyless_account(),
        defender_setting(),
        defender_plan(),
        audit_logs_setting(),
        owner("g1"),
        owner("g2"),
    ]
    path = write_json(tmp_path / "in" / "a.json", records)
    result = run_cli(["scan", "--snapshot", str(path), "--ignore", "IAM001"])
    assert result.code == 0, result.err
    assert result.report()["summary"]["by_status"]["fail"] == 0


def test_no_role_data_is_unknown_not_pass(run_cli: Any, tmp_path: Path) -> None:
    """Without role assignments the Owner count cannot be judged: unknown, exit 3."""
    records = [keyless_account(), defender_setting(), defender_plan(), audit_logs_setting()]
    path = write_json(tmp_path / "in" / "a.json", records)
    result = run_cli(["scan", "--snapshot", str(path)])
    assert result.code == 3
    [unknown] = [f for f in result.report()["findings"] if f["status"] == "unknown"]
    assert unknown["rule_id"] == "IAM003"
    assert "no role assignments were collected" in unknown["reason"]


def test_unknown_results_exit_3(run_cli: Any, tmp_path: Path) -> None:
    """Key auth on, no Activity Log for the subscription, and --fail-on critical: incomplete, 3."""
    account = keyless_account() | {"properties": {}}
    path = write_json(tmp_path / "in" / "a.json", account)
    result = run_cli(
        ["scan", "--snapshot", str(path), "--fail-on", "critical", "--select", "AIS00[12]"]
    )
    assert result.code == 3
    report = result.report()
    assert report["summary"]["by_status"]["unknown"] == 1
    [unknown] = [f for f in report["findings"] if f["status"] == "unknown"]
    assert unknown["rule_id"] == "AIS002"
    assert "no Activity Log data" in unknown["reason"]


def test_scan_that_saw_nothing_is_incomplete(run_cli: Any, tmp_path: Path) -> None:
    """Input with no AI/ML resource cannot pass a gate: exit 3 unless --allow-empty."""
    path = write_json(
        tmp_path / "in" / "subs.json",
        {"value": [{"id": f"/subscriptions/{SUB}", "subscriptionId": SUB}]},
    )
    result = run_cli(["scan", "--snapshot", str(path)])
    assert result.code == 3
    assert "holds no Azure ML or AI Services resource" in result.report()["errors"][0]["message"]
    assert run_cli(["scan", "--snapshot", str(path), "--allow-empty"]).code == 0


def test_corrupt_file_exits_2_naming_it_and_writes_nothing(run_cli: Any, tmp_path: Path) -> None:
    """One corrupt file among good ones: exit 2, the file named, no report written."""
    folder = tmp_path / "in"
    write_json(folder / "good.json", keyless_account())
    (folder / "zz-corrupt.json").write_text("{not json", encoding="utf-8")
    result = run_cli(["scan", "--snapshot", str(folder)])
    assert result.code == 2
    assert "zz-corrupt.json:1:2: invalid JSON" in result.err
    assert not result.output_dir.exists()


def test_failed_scan_keeps_the_previous_report(run_cli: Any, tmp_path: Path) -> None:
    """A failed scan neither deletes nor half-overwrites the last good report."""
    out = tmp_path / "out"
    good = run_cli(["scan", "--snapshot", str(AIS001)], output_dir=out)
    before = (out / "auditor.json").read_text()
    bad = write_json(tmp_path / "bad" / "x.json", {"value": [{"nope": 1}]})
    assert run_cli(["scan", "--snapshot", str(bad)], output_dir=out).code == 2
    assert good.code == 1
    assert (out / "auditor.json").read_text() == before
    assert {p.name for p in out.iterdir()} == {"auditor.json", "auditor.html"}  # no temp files


def test_usage_errors_exit_2(run_cli: Any) -> None:
    """Bad options are usage errors with exit code 2."""
    assert run_cli(["scan"]).code == 2
    assert run_cli(["scan", "--demo", "--format", "pdf"]).code == 2
    with pytest.raises(SystemExit) as exc:
        run_cli(["scan", "--demo", "--fail-on", "severe"])
    assert exc.value.code == 2


def test_formats_select_files(run_cli: Any) -> None:
    """--format json writes only the JSON report."""
    result = run_cli(["scan", "--snapshot", str(AIS001), "--format", "json"])
    assert sorted(p.name for p in result.output_dir.iterdir()) == ["auditor.json"]


def test_include_passed_lists_passes(run_cli: Any) -> None:
    """Passing results appear in findings only with --include-passed."""
    plain = run_cli(["scan", "--snapshot", str(AIS001)]).report()
    assert all(f["status"] != "pass" for f in plain["findings"])
    full = run_cli(["scan", "--snapshot", str(AIS001), "--include-passed"]).report()
    assert [f["resource_name"] for f in full["findings"] if f["status"] == "pass"] == ["keyless"]


def test_key_max_age_days_changes_the_verdict(run_cli: Any) -> None:
    """A rotation 153 days old fails at 90 days and passes at 180; no rotation at 180 is unknown."""
    folder = FIXTURES / "rules" / "AIS002"
    strict = run_cli(["scan", "--snapshot", str(folder), "--as-of", "2026-11-01"]).report()
    lenient = run_cli(
        ["scan", "--snapshot", str(folder), "--as-of", "2026-11-01", "--key-max-age-days", "180"]
    ).report()

    def status(report: dict[str, Any], name: str) -> str:
        for finding in report["findings"]:
            if finding["resource_name"] == name and finding["rule_id"] == "AIS002":
                return str(finding["status"])
        return "pass"  # passes are not listed without --include-passed

    assert status(strict, "stale") == "fail"
    assert status(lenient, "stale") == "pass"
    assert status(lenient, "only-failed") == "unknown"  # the Activity Log keeps only 90 days


def test_rules_list_and_show(run_cli: Any) -> None:
    """`auditor rules` lists every rule; `rules show` prints one by id or slug; unknown is 2."""
    listing = run_cli(["rules"])
    assert listing.code == 0
    for rule_id in ("AIS001", "AIS002", "AML001", "AML007", "IAM001", "IAM002"):
        assert rule_id in listing.out
    shown = run_cli(["rules", "show", "web-service-no-auth"])
    assert shown.code == 0
    assert shown.out.startswith("# AML005 web-service-no-auth\n")
    assert "| Severity | critical |" in shown.out
    assert "## Remediation" in shown.out and "## References" in shown.out
    assert run_cli(["rules", "show", "XYZ999"]).code == 2


def test_python_dash_m_and_version() -> None:
    """`python -m auditor --version` works as a real process."""
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "--version"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0
    assert proc.stdout.startswith("auditor ")


def test_demo_scan_as_a_process(tmp_path: Path) -> None:
    """`python -m auditor scan --demo` exits 1 and writes both reports."""
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "scan", "--demo", "--output-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert json.loads((tmp_path / "auditor.json").read_text())["summary"]["gate"]["exit_code"] == 1


@pytest.mark.parametrize(
    "option",
    [
        ["--key-max-age-days", "99999999999999999999"],
        ["--max-suppression-days", "99999999999"],
        ["--as-of", "0001-01-01"],
        ["--as-of", "9999-12-31"],
    ],
)
def test_out_of_range_values_are_usage_errors(run_cli: Any, option: list[str]) -> None:
    """Values that would overflow date arithmetic are refused as usage errors, not tracebacks."""
    with pytest.raises(SystemExit) as exc:
        run_cli(["scan", "--demo", *option])
    assert exc.value.code == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested deeper than 100 levels"),
        ('{"n": ' + "9" * 5000 + "}", "4,300 digits"),
    ],
)
def test_json_beyond_parser_limits_exits_2(
    run_cli: Any, tmp_path: Path, text: str, message: str
) -> None:
    """Snapshot or baseline JSON that Python cannot parse is an input error naming the file."""
    bad = tmp_path / "in" / "odd.json"
    bad.parent.mkdir()
    bad.write_text(text, encoding="utf-8")
    for args in (["--snapshot", str(bad)], ["--demo", "--baseline", str(bad)]):
        result = run_cli(["scan", *args])
        assert result.code == 2
        assert "odd.json" in result.err and message in result.err


def test_baseline_with_a_foreign_tool_field_exits_2(run_cli: Any, tmp_path: Path) -> None:
    """A JSON file whose 'tool' is not an object is not taken for a report (exit 2)."""
    other = write_json(tmp_path / "other.json", {"tool": "x"})
    result = run_cli(["scan", "--demo", "--baseline", str(other)])
    assert result.code == 2
    assert "not an auditor JSON report" in result.err


class ClockFault(Exception):
    """What a broken clock raises; its text stands for data an exception might carry."""


def broken_clock() -> Any:
    """A clock (the public ``main(clock=...)`` input) that fails as a bug deep inside would."""
    raise ClockFault("Authorization: Bearer eyJ-not-to-be-printed")


# Why a clock: `main`'s clock is its documented input for "now", so a caller's faulty clock is an
# honest way to raise an uncaught exception deep inside a real scan, with no mock of our code.
INTERNAL_ERROR_RUNS = [
    ["scan", "--demo"],
    [
        "suppress",
        "AIS001",
        "/subscriptions/x",
        "--reason",
        "r",
        "--owner",
        "o",
        "--expires",
        "2027-01-01",
    ],
]


@pytest.mark.parametrize("argv", INTERNAL_ERROR_RUNS)
def test_an_internal_error_exits_4_with_one_line(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An uncaught exception is exit 4 and one line naming its type and place, not its text."""
    argv = [*argv, "--suppressions" if argv[0] == "suppress" else "-o", str(tmp_path / "x")]
    assert main(argv, clock=broken_clock) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "internal error: ClockFault in auditor/" in err and "please report it" in err
    assert "--debug" in err
    assert "Traceback" not in err and "Bearer" not in err


@pytest.mark.parametrize("where", ["global", "sub-command"])
def test_debug_prints_the_traceback(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--debug, before or after the sub-command, adds the traceback and keeps exit 4."""
    scan = ["scan", "--demo", "-o", str(tmp_path)]
    argv = ["--debug", *scan] if where == "global" else [*scan, "--debug"]
    assert main(argv, clock=broken_clock) == 4
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "ClockFault" in err
    assert err.rstrip().splitlines()[-1].startswith("auditor: internal error: ClockFault")


def test_interrupt_and_input_errors_keep_their_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C stays 130 and an AuditorError stays its own code wherever it is raised."""

    def interrupted() -> Any:
        raise KeyboardInterrupt

    def refused() -> Any:
        raise InputError("the clock is not set")

    scan = ["scan", "--demo", "-o", str(tmp_path)]
    assert main(scan, clock=interrupted) == 130
    assert main(scan, clock=refused) == 2
    err = capsys.readouterr().err
    assert "auditor: interrupted" in err and "the clock is not set" in err
    assert "internal error" not in err


def test_help_documents_exit_4_and_debug() -> None:
    """`auditor --help` lists the exit codes, 4 included, and --debug."""
    proc = subprocess.run(
        [sys.executable, "-m", "auditor", "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "4 a bug in auditor" in text and "--debug" in text


def test_debug_is_not_a_config_key(run_cli: Any, tmp_path: Path) -> None:
    """--debug is for one run, not a setting: a config file naming it is an unknown key."""
    config = tmp_path / "auditor.toml"
    config.write_text("debug = true\n", encoding="utf-8")
    result = run_cli(["scan", "--demo", "--config", str(config)])
    assert result.code == 2 and "unknown config key 'debug'" in result.err


def test_the_cli_uses_no_argparse_internals() -> None:
    """No `_actions`, private argparse classes or parser-default writes: argparse may change them."""
    pattern = re.compile(r"\._actions\b|argparse\._[A-Za-z]|\.default\s*=[^=]|set_defaults\(")
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for path in [
            *sorted((REPO / "auditor" / "cli").glob("*.py")),
            REPO / "auditor" / "commands.py",
            REPO / "auditor" / "configfile.py",
        ]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
