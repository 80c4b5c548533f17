"""``--rule-set VERSION``: a gate pinned to a release keeps its exit code when rules arrive."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor.engine.loader import load_rules
from auditor.engine.ruleset import Release, gates, not_gating
from tests.conftest import REPO, write_json

ACCOUNT = {
    "id": "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001/resourceGroups/rg/providers/"
    "Microsoft.CognitiveServices/accounts/keyless",
    "name": "keyless",
    "type": "Microsoft.CognitiveServices/accounts",
    "kind": "OpenAI",
    "location": "eastus",
    "properties": {"disableLocalAuth": True},
}

NEWER_RULE = """\
id: NEW001
slug: account-in-westeurope
title: AI Services account outside West Europe
severity: critical
since: "{since}"
resource_types: [Microsoft.CognitiveServices/accounts]
description: A rule of a later release that the pinned pipeline has never seen.
rationale: It fails on the account, so it would turn a green gate red.
condition:
  field: location
  equals: westeurope
missing: {missing}
remediation:
  summary: Move the account.
references: []
controls: {{}}
"""


def _rules_dir(tmp_path: Path, since: str = "0.2.0", missing: str = "fail") -> Path:
    """The bundled rules plus one newer rule that fails (or is unknown) on :data:`ACCOUNT`."""
    folder = tmp_path / "rules"
    shutil.copytree(REPO / "rules", folder)
    (folder / "NEW001.yaml").write_text(
        NEWER_RULE.format(since=since, missing=missing), encoding="utf-8"
    )
    return folder


def _scan(
    run_cli: Any,
    tmp_path: Path,
    *extra: str,
    account: dict[str, Any] = ACCOUNT,
    out: str = "reports",
) -> Any:
    """Scan the one account with AIS001 and NEW001, writing the reports to ``tmp_path / out``."""
    snapshot = write_json(tmp_path / "snap" / "accounts.json", {"value": [account]})
    argv = ["scan", "--snapshot", str(snapshot.parent), "--select", "AIS001,NEW001", *extra]
    return run_cli(argv, output_dir=tmp_path / out)


def _report(run: Any) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((run.output_dir / "auditor.json").read_text("utf-8"))
    return report


def test_release_numbers_order_as_numbers() -> None:
    """0.10.0 comes after 0.9.0, and text that is no MAJOR.MINOR.PATCH is refused."""
    assert Release.parse("0.10.0") > Release.parse("0.9.0")
    assert str(Release.parse(" 1.2.3 ")) == "1.2.3"
    for bad in ("1.0", "v1.0.0", "01.0.0", "1.0.0-rc1", ""):
        with pytest.raises(ValueError, match=r"MAJOR\.MINOR\.PATCH"):
            Release.parse(bad)


def test_every_bundled_rule_gates_under_a_pin_to_its_own_release() -> None:
    """Pinned to the release that last changed it, each bundled rule gates; pinned before its
    ``since``, none does; ``changed`` after the pin holds a rule back too."""
    rules = load_rules()
    for rule in rules:
        assert rule.since is not None
        assert gates(rule, Release.parse(rule.changed or rule.since))
        assert gates(rule, None)
    changed = [r.id for r in rules if r.changed]
    assert changed, "the catalog records rules whose meaning changed"
    newer = {r.id for r in rules if r.since != "0.1.0"}
    assert newer, "the catalog has rules added after 0.1.0"
    assert set(not_gating(rules, Release.parse("0.1.0"))) == set(changed) | newer


def test_a_pinned_gate_keeps_its_exit_code_when_a_newer_rule_fails(
    run_cli: Any, tmp_path: Path
) -> None:
    """A rule newer than the pin fails the account: reported, marked not gating, exit stays 0;
    without the pin the same scan exits 1."""
    rules = _rules_dir(tmp_path)
    unpinned = _scan(run_cli, tmp_path, "--rules-dir", str(rules))
    assert unpinned.code == 1
    pinned = _scan(
        run_cli, tmp_path, "--rules-dir", str(rules), "--rule-set", "0.1.0",
        out="pinned",
    )  # fmt: skip
    assert pinned.code == 0, pinned.err
    report = _report(pinned)
    finding = next(f for f in report["findings"] if f["rule_id"] == "NEW001")
    assert finding["status"] == "fail"
    assert finding["gating"] is False
    assert report["summary"]["gate"]["rule_set"] == "0.1.0"
    assert report["summary"]["gate"]["not_gating"] == ["NEW001"]
    assert report["summary"]["gate"]["failing"] == 0
    assert "rule set pinned to 0.1.0" in pinned.err and "NEW001" in pinned.err
    assert "1 newer rule(s) do not gate" in pinned.err
    schema = json.loads((REPO / "auditor/report/schema/report.schema.json").read_text("utf-8"))
    jsonschema.validate(report, schema)


def test_a_newer_rules_unknown_does_not_make_a_pinned_scan_incomplete(
    run_cli: Any, tmp_path: Path
) -> None:
    """An unknown result of a rule newer than the pin is reported but is not exit 3."""
    rules = _rules_dir(tmp_path, missing="unknown")
    account = {k: v for k, v in ACCOUNT.items() if k != "location"}
    unpinned = _scan(run_cli, tmp_path, "--rules-dir", str(rules), account=account)
    assert unpinned.code == 3
    pinned = _scan(
        run_cli, tmp_path, "--rules-dir", str(rules), "--rule-set", "0.1.0",
        out="pinned", account=account,
    )  # fmt: skip
    assert pinned.code == 0, pinned.err
    statuses = {f["rule_id"]: f["status"] for f in _report(pinned)["findings"]}
    assert statuses == {"NEW001": "unknown"}


def test_a_rule_of_the_pinned_release_still_gates(run_cli: Any, tmp_path: Path) -> None:
    """A pin holds back only what is newer: a failing rule of the pinned release still exits 1."""
    account = {**ACCOUNT, "properties": {"disableLocalAuth": False}}
    run = _scan(run_cli, tmp_path, "--rules-dir", str(_rules_dir(tmp_path)), "--rule-set",
                "0.1.0", account=account)  # fmt: skip
    assert run.code == 1
    gate = _report(run)["summary"]["gate"]
    assert gate["failing"] == 1
    ais001 = next(f for f in _report(run)["findings"] if f["rule_id"] == "AIS001")
    assert ais001["gating"] is True


def test_the_pin_comes_from_the_config_file_too(run_cli: Any, tmp_path: Path) -> None:
    """``rule-set`` in auditor.toml pins the gate like the option does."""
    config = tmp_path / "auditor.toml"
    config.write_text('rule-set = "0.1.0"\n', encoding="utf-8")
    run = _scan(run_cli, tmp_path, "--rules-dir", str(_rules_dir(tmp_path)), "--config",
                str(config))  # fmt: skip
    assert run.code == 0, run.err
    assert _report(run)["scan"]["settings"]["rule_set"] == "0.1.0"


def test_a_pin_older_than_every_rule_is_refused(run_cli: Any, tmp_path: Path) -> None:
    """A pin older than every rule would let nothing gate (a silent pass): exit 2 saying why."""
    run = _scan(run_cli, tmp_path, "--rule-set", "0.0.9")
    assert run.code == 2
    assert "no rule is that old" in run.err
    assert not (run.output_dir / "auditor.json").exists()


@pytest.mark.parametrize("pin", ["1.0", "latest", "v0.1.0"])
def test_a_malformed_pin_is_a_usage_error(
    run_cli: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], pin: str
) -> None:
    """A pin that is no release number is exit 2 naming the form, before anything is read."""
    with pytest.raises(SystemExit) as exc:
        _scan(run_cli, tmp_path, "--rule-set", pin)
    assert exc.value.code == 2
    assert "is not a release number (MAJOR.MINOR.PATCH" in capsys.readouterr().err


def test_a_malformed_pin_in_the_config_file_names_the_file(run_cli: Any, tmp_path: Path) -> None:
    """``rule-set = "latest"`` in auditor.toml is exit 2 naming the file and the key."""
    config = tmp_path / "auditor.toml"
    config.write_text('rule-set = "latest"\n', encoding="utf-8")
    run = _scan(run_cli, tmp_path, "--config", str(config))
    assert run.code == 2
    assert f"{config}: rule-set:" in run.err
