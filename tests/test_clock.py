"""Time is an input: the date-sensitive scenarios give the same results a year and ten years on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, TEST_NOW
from tests.test_baseline import DEMO_DATE, LANG_DEV_SUPPRESSION, new_account

LATER = [TEST_NOW + dt.timedelta(days=365), TEST_NOW + dt.timedelta(days=3652)]


def judged(report: dict[str, Any]) -> dict[str, Any]:
    """Everything a report judged, without the moments it was written at."""
    return {
        "as_of": report["scan"]["as_of"],
        "findings": sorted(
            (f["rule_id"], f["resource_id"], f["status"], f.get("reason"), f.get("baseline"))
            for f in report["findings"]
        ),
        "gate": report["summary"]["gate"],
        "warnings": [w["message"] for w in report["warnings"]],
        "baseline": {k: v for k, v in (report["baseline"] or {}).items() if k != "path"},
        "compliance": report["compliance"],
    }


def scenarios(tmp_path: Path) -> dict[str, list[str]]:
    """The scans whose results hang on a date: dated evidence, expiring suppressions."""
    suppressions = tmp_path / "s.yaml"
    suppressions.write_text(LANG_DEV_SUPPRESSION, encoding="utf-8")
    extra = str(new_account(tmp_path))
    return {
        "demo": ["scan", "--demo"],
        "demo+snapshot": ["scan", "--demo", *DEMO_DATE, "--snapshot", extra],
        "key rotation fixture": [
            "scan",
            "--snapshot",
            str(FIXTURES / "rules" / "AIS002"),
            "--as-of",
            "2026-11-01",
            "--select",
            "AIS002",
        ],
        "suppression active": ["scan", "--demo", "--suppressions", str(suppressions)],
        "suppression expired": [
            "scan",
            "--demo",
            "--suppressions",
            str(suppressions),
            "--as-of",
            "2027-02-01",
        ],
    }


@pytest.mark.parametrize("later", LATER, ids=["1 year", "10 years"])
def test_results_do_not_move_with_the_clock(
    run_cli: Any, tmp_path: Path, later: dt.datetime
) -> None:
    """Each scenario judged at TEST_NOW and with the clock moved ahead gives the same results."""
    for name, args in scenarios(tmp_path).items():
        now = run_cli(args, output_dir=tmp_path / "now" / name)
        then = run_cli(args, output_dir=tmp_path / "then" / name, now=later)
        assert then.code == now.code, name
        assert judged(then.report()) == judged(now.report()), name
        assert then.report()["scan"]["started_at"].startswith(str(later.year))


@pytest.mark.parametrize("later", LATER, ids=["1 year", "10 years"])
def test_baseline_gates_do_not_move_with_the_clock(
    run_cli: Any, tmp_path: Path, later: dt.datetime
) -> None:
    """A baseline written now and gated on later (clock moved) finds the same new failures."""
    extra = str(new_account(tmp_path))
    outcomes = []
    for label, moment in (("now", TEST_NOW), ("later", later)):
        base = tmp_path / label / "base"
        run_cli(["scan", "--demo", "--format", "json"], output_dir=base, now=moment)
        gated = run_cli(
            [
                "scan",
                "--demo",
                *DEMO_DATE,
                "--snapshot",
                extra,
                "--baseline",
                str(base / "auditor.json"),
                "--fail-on-new-only",
            ],
            output_dir=tmp_path / label / "gate",
            now=later,
        )
        outcomes.append((gated.code, judged(gated.report())))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == 1 and outcomes[0][1]["baseline"]["new"] == 3
