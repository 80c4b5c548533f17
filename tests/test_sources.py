"""Every input behind one Source interface: the report's source records and typed provenance."""

from __future__ import annotations

from typing import Any

import pytest

from auditor.model import SourceKind, SourceRef
from tests.conftest import FIXTURES
from tests.emulator import ArmEmulator

TEMPLATES = FIXTURES / "templates"


def test_each_source_reports_the_record_keys_it_always_had(run_cli: Any) -> None:
    """Demo, snapshot and template records keep their keys, in order, and their values."""
    result = run_cli(
        [
            "scan",
            "--demo",
            "--snapshot",
            str(FIXTURES / "rules" / "AIS001"),
            "--template",
            str(TEMPLATES / "bicep-compiled"),
            "--as-of",
            "2026-11-01",
            "--fail-on",
            "none",
        ]
    )
    assert result.code in (0, 3), result.err
    demo, snapshot, template = result.report()["scan"]["sources"]
    assert list(demo) == ["kind", "path", "files", "records"]
    assert (demo["kind"], demo["path"]) == ("demo", "auditor/demo/estate")
    assert list(snapshot) == ["kind", "path", "files", "records"]
    assert (snapshot["kind"], snapshot["path"]) == ("snapshot", str(FIXTURES / "rules" / "AIS001"))
    assert list(template) == ["kind", "path", "files", "records", "kinds", "skipped"]
    assert template["kind"] == "template"
    assert template["kinds"] == {"arm": 1}
    [skipped] = template["skipped"]
    assert "main.bicep" in skipped
    assert f"auditor: note: {skipped}" in result.err  # a skipped file is said once on stderr


def test_the_live_source_record_keeps_its_keys(emulator: ArmEmulator, run_cli: Any) -> None:
    """A live read is one record with the tenant and the request counts, as before."""
    result = run_cli(
        ["scan", "--arm-endpoint", emulator.url, "--auth", "token", "--fail-on", "none"]
    )
    [live] = result.report()["scan"]["sources"]
    assert list(live) == [
        "kind",
        "path",
        "tenant",
        "subscriptions",
        "workspaces",
        "requests",
        "retries",
        "repeated_requests",
        "seconds",
    ]
    assert (live["kind"], live["path"]) == ("live", emulator.url)
    assert live["requests"] > 0


@pytest.mark.parametrize("kind", list(SourceKind))
def test_only_a_template_is_declared(kind: SourceKind) -> None:
    """A template states a desired state; every other source observed Azure."""
    assert kind.declared is (kind is SourceKind.TEMPLATE)
    assert kind.observed is not kind.declared
    assert SourceRef(kind.value).kind is kind  # the report's string names the same kind


def test_an_unknown_source_kind_is_refused() -> None:
    """A record cannot claim a provenance the engine has no answer for."""
    with pytest.raises(ValueError, match="'tmpl'"):
        SourceRef("tmpl")  # type: ignore[arg-type]
