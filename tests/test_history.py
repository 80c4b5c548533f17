"""The scan history (``--history``): stores on SQLite and a real PostgreSQL server, finding
lifecycle and SLAs, ``auditor history list|show|trend``, concurrent writers, failures."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from tests.conftest import REPO, write_json
from tests.postgres import PG_PASSWORD, PostgresServer
from tests.test_report import validate

SUB = "44444444-4444-4444-8444-444444444444"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-nightly"
AIS001 = ["--select", "AIS001"]


def account(name: str, local_auth: bool) -> dict[str, Any]:
    """An AI Services account that does (True) or does not accept keys."""
    return {
        "id": f"{RG}/providers/Microsoft.CognitiveServices/accounts/{name}",
        "type": "Microsoft.CognitiveServices/accounts",
        "name": name,
        "kind": "AIServices",
        "location": "westeurope",
        "properties": {"disableLocalAuth": not local_auth},
    }


def estate(folder: Path, failing: set[str], present: set[str]) -> Path:
    """A snapshot folder: the ``present`` accounts, those in ``failing`` accepting keys."""
    write_json(folder / "accounts.json", [account(n, n in failing) for n in sorted(present)])
    return folder


def suppressions(path: Path) -> Path:
    """A suppressions file accepting the key auth of ``acc-suppressed``."""
    path.write_text(
        "suppressions:\n"
        "  - rule: AIS001\n"
        f"    resource: {RG}/providers/Microsoft.CognitiveServices/accounts/acc-suppressed\n"
        "    reason: migrating its last key clients this quarter\n"
        "    owner: ai-platform@contoso.com\n"
        "    expires: 2027-01-31\n",
        encoding="utf-8",
    )
    return path


ALL = {"acc-old", "acc-fixed", "acc-reopened", "acc-suppressed", "acc-new"}
NIGHTS: list[tuple[str, set[str], set[str], bool]] = [
    # (as_of, failing, present, suppressed file applied)
    ("2026-11-01", {"acc-old", "acc-fixed", "acc-suppressed"}, ALL - {"acc-new"}, False),
    ("2026-11-02", {"acc-old", "acc-fixed", "acc-suppressed"}, ALL - {"acc-new"}, False),
    (
        "2026-11-03",
        {"acc-old", "acc-fixed", "acc-suppressed", "acc-reopened"},
        ALL - {"acc-new"},
        False,
    ),
    ("2026-11-04", {"acc-old", "acc-suppressed"}, ALL - {"acc-new"}, True),
    ("2026-11-05", {"acc-old", "acc-suppressed"}, ALL - {"acc-new"}, True),
    ("2026-11-06", {"acc-old", "acc-suppressed", "acc-reopened", "acc-new"}, ALL, True),
    ("2026-11-07", {"acc-old", "acc-suppressed", "acc-reopened", "acc-new"}, ALL, True),
]
"""Seven nights: acc-fixed is fixed on the 4th; acc-reopened fails on the 3rd, is fixed on the
4th and fails again from the 6th; acc-new appears on the 6th; acc-suppressed is suppressed
from the 4th; acc-old fails every night (6 days old on the 7th: past a high SLA of 5)."""


def nightly(run_cli: Any, tmp_path: Path, url: str, night: int, *extra: str) -> Any:
    """Scan night ``night`` (0-6) of :data:`NIGHTS` into the history at ``url``."""
    as_of, failing, present, suppressed = NIGHTS[night]
    folder = estate(tmp_path / f"night{night}", failing, present)
    args = ["scan", "--snapshot", str(folder), "--as-of", as_of, "--history", url, *AIS001]
    args += ["--sla-days", "critical=2,high=5", "--format", "json,csv,sarif,junit,markdown,html"]
    if suppressed:
        args += ["--suppressions", str(suppressions(tmp_path / "suppressions.yaml"))]
    else:
        args += ["--suppressions", str(tmp_path / "none.yaml")]
        (tmp_path / "none.yaml").write_text("suppressions: []\n", encoding="utf-8")
    return run_cli([*args, *extra], output_dir=tmp_path / f"reports{night}")


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The report's findings by resource name."""
    return {f["resource_name"]: f for f in report["findings"]}


def test_seven_nights_give_ages_reopened_one_overdue_and_a_trend(
    run_cli: Any, tmp_path: Path, history_url: str
) -> None:
    """Seven scans of a changing estate give correct ages, reopened and overdue marks, exactly
    one overdue finding that --fail-on-overdue gates on (exit 1), and a correct trend."""
    for night in range(6):
        done = nightly(run_cli, tmp_path, history_url, night)
        assert done.code == 1, done.err
    last = nightly(run_cli, tmp_path, history_url, 6, "--fail-on-overdue")
    assert last.code == 1, last.err
    report = last.report()
    validate(report)
    found = by_name(report)
    assert set(found) == {"acc-old", "acc-suppressed", "acc-reopened", "acc-new"}
    old, reopened, new, held = (
        found[n] for n in ("acc-old", "acc-reopened", "acc-new", "acc-suppressed")
    )
    assert (old["first_seen"], old["age_days"], old["reopened"], old["overdue"]) == (
        "2026-11-01T00:00:00Z",
        6,
        False,
        True,
    )
    assert (
        reopened["first_seen"],
        reopened["age_days"],
        reopened["reopened"],
        reopened["overdue"],
    ) == ("2026-11-03T00:00:00Z", 4, True, False)
    assert (new["first_seen"], new["age_days"], new["reopened"], new["overdue"]) == (
        "2026-11-06T00:00:00Z",
        1,
        False,
        False,
    )
    # Suppressed keeps its own history: suppressed since the 4th, never overdue.
    assert (held["status"], held["first_seen"], held["age_days"], held["overdue"]) == (
        "suppressed",
        "2026-11-04T00:00:00Z",
        3,
        False,
    )
    assert all(f["last_seen"] == "2026-11-07T00:00:00Z" for f in found.values())
    gate = report["summary"]["gate"]
    assert (gate["failing"], gate["overdue_only"], gate["exit_code"]) == (1, True, 1)
    assert "1 overdue failing finding(s)" in last.err
    # Every format marks it.
    out = tmp_path / "reports6"
    rows = {
        r["resource_name"]: r
        for r in csv.DictReader(io.StringIO((out / "auditor.csv").read_text("utf-8")))
    }
    assert (
        rows["acc-old"]["age_days"],
        rows["acc-old"]["overdue"],
        rows["acc-reopened"]["reopened"],
    ) == ("6", "yes", "yes")
    sarif = json.loads((out / "auditor.sarif").read_text("utf-8"))
    props = {
        r["properties"]["resourceId"].rsplit("/", 1)[1]: r["properties"]
        for r in sarif["runs"][0]["results"]
    }
    assert props["acc-old"]["overdue"] is True and props["acc-old"]["age_days"] == 6
    junit = (out / "auditor.junit.xml").read_text("utf-8")
    assert "age: 6 day(s), first seen 2026-11-01T00:00:00Z" in junit and "OVERDUE" in junit
    markdown = (out / "auditor.md").read_text("utf-8")
    assert "| 6 **overdue** |" in markdown and "4 (reopened)" in markdown
    html = (out / "auditor.html").read_text("utf-8")
    assert '"late":1' in html.replace(" ", "") and "2026-11-01T00:00:00Z" in html
    # The report's trend (and the HTML section drawn from it): open failures of each night.
    points = [(p["as_of"][:10], p["failures"]["high"]) for p in report["history_trend"]]
    assert points == [(n[0], high) for n, high in zip(NIGHTS, [3, 3, 4, 1, 1, 3, 3], strict=True)]
    assert 'id="chart-trend"' in html and "Open failures in the last 7 scan(s)" in html
    assert '<desc id="chart-trend-desc">2026-11-01T00:00:00Z: 3' in html

    trend = run_cli(["history", "trend", "--history", history_url, "--format", "json"])
    assert trend.code == 0, trend.err
    table = json.loads(trend.out)
    per_scan = [
        (s["as_of"][:10], s["high"], s["suppressed"], s["new"], s["fixed"], s["reopened"])
        for s in table["scans"]
    ]
    assert per_scan == [
        ("2026-11-01", 3, 0, 3, 0, 0),
        ("2026-11-02", 3, 0, 0, 0, 0),
        ("2026-11-03", 4, 0, 1, 0, 0),
        ("2026-11-04", 1, 1, 0, 2, 0),
        ("2026-11-05", 1, 1, 0, 0, 0),
        ("2026-11-06", 3, 1, 1, 0, 1),
        ("2026-11-07", 3, 1, 0, 0, 0),
    ]
    high = next(row for row in table["mean_time_to_fix"] if row["severity"] == "high")
    # acc-fixed: the 1st to the 4th (3 days); acc-reopened: the 3rd to the 4th (1 day).
    assert (high["fixes"], high["mean_days"]) == (2, 2.0)


def test_history_views_list_show_and_filter(run_cli: Any, tmp_path: Path, history_url: str) -> None:
    """list names every scan, show gives one finding's timeline (absent while fixed), and
    --since / --rule narrow them; text, json and csv say the same."""
    for night in range(5):
        nightly(run_cli, tmp_path, history_url, night)
    listed = json.loads(
        run_cli(["history", "list", "--history", history_url, "--format", "json"]).out
    )
    assert [s["as_of"][:10] for s in listed] == [n[0] for n in NIGHTS[:5]]
    assert [s["results"] for s in listed] == [3, 3, 4, 2, 2]  # failing and suppressed ones
    since = json.loads(
        run_cli(
            [
                "history",
                "list",
                "--history",
                history_url,
                "--since",
                "2026-11-04",
                "--format",
                "json",
            ]
        ).out
    )
    assert len(since) == 2
    fingerprint = by_name(json.loads((tmp_path / "reports2" / "auditor.json").read_text("utf-8")))[
        "acc-reopened"
    ]["fingerprint"]
    shown = run_cli(["history", "show", fingerprint, "--history", history_url, "--format", "csv"])
    assert shown.code == 0, shown.err
    states = [(r["as_of"][:10], r["status"]) for r in csv.DictReader(io.StringIO(shown.out))]
    assert states == [("2026-11-03", "fail"), ("2026-11-04", "absent"), ("2026-11-05", "absent")]
    text = run_cli(["history", "show", fingerprint, "--history", history_url])
    assert "absent" in text.out and "AIS001" in text.out
    other_rule = json.loads(
        run_cli(
            ["history", "trend", "--history", history_url, "--rule", "AIS999", "--format", "json"]
        ).out
    )
    assert all(s["high"] == 0 for s in other_rule["scans"])
    unknown = run_cli(["history", "show", "0" * 32, "--history", history_url])
    assert unknown.code == 2 and "fingerprint" in unknown.err


def test_the_config_file_gives_history_and_sla_days(run_cli: Any, tmp_path: Path) -> None:
    """The config file's history key and sla_days table work as the options do (scan and
    history both read them)."""
    store = tmp_path / "kept" / "history.db"
    config = tmp_path / "auditor.toml"
    config.write_text(f'history = "sqlite:///{store}"\n\n[sla_days]\nhigh = 5\n', encoding="utf-8")
    for night in (0, 6):
        as_of, failing, present, _ = NIGHTS[night]
        folder = estate(tmp_path / f"n{night}", failing, present)
        done = run_cli(
            [
                "scan",
                "--config",
                str(config),
                "--snapshot",
                str(folder),
                "--as-of",
                as_of,
                *AIS001,
                "--fail-on-overdue",
            ]
        )
    assert done.code == 1 and store.is_file()
    assert by_name(done.report())["acc-old"]["overdue"] is True
    assert done.report()["scan"]["settings"]["sla_days"] == {"high": 5}
    listed = run_cli(["history", "list", "--config", str(config), "--format", "json"])
    assert len(json.loads(listed.out)) == 2


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("high = 0", "high: must be at least 1"),
        ("severe = 3", "severe"),
        ('high = "soon"', "high"),
        ("high = 2.5", "high"),
    ],
)
def test_bad_sla_days_in_the_config_is_exit_2_naming_the_file(
    run_cli: Any, tmp_path: Path, table: str, message: str
) -> None:
    """A bad sla_days value is exit 2 naming the config file and the key."""
    config = tmp_path / "auditor.toml"
    config.write_text(
        f'history = "sqlite:///{tmp_path / "h.db"}"\n[sla_days]\n{table}\n', encoding="utf-8"
    )
    done = run_cli(["scan", "--demo", "--config", str(config)])
    assert done.code == 2
    assert str(config) in done.err and "sla_days" in done.err and message in done.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-on-overdue"], "--fail-on-overdue needs --history"),
        (["--sla-days", "high=5"], "--sla-days (sla_days) needs --history"),
        (["--history", "sqlite:///{tmp}/h.db", "--fail-on-overdue"], "needs --sla-days"),
        (["--history", "sqlite://"], "needs a file"),
        (["--history", "mysql://u:hunter2@db/x"], "unsupported database"),
        (["--history", "postgresql+asyncpg://u:hunter2@db/x"], "psycopg 3"),
        (["--history", "not a url"], "not a database URL"),
    ],
)
def test_history_settings_that_cannot_work_are_exit_2(
    run_cli: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    """Options that mean nothing alone, and URLs that cannot be a store, are exit 2 before
    any input is read (a bad URL already when the options are parsed); a password in the URL
    is never printed."""
    try:
        done = run_cli(["scan", "--demo", *(a.replace("{tmp}", str(tmp_path)) for a in args)])
        code, printed = done.code, done.err + done.out
    except SystemExit as exc:  # argparse rejects a bad --history value itself
        captured = capsys.readouterr()
        code, printed = exc.code, captured.err + captured.out
    assert code == 2
    assert message in printed
    assert "hunter2" not in printed
    assert not (tmp_path / "reports").exists()


def test_an_unreachable_server_is_exit_2_with_the_password_masked(
    run_cli: Any, tmp_path: Path
) -> None:
    """A PostgreSQL server that does not answer is exit 2 naming the URL, its password
    masked; nothing is written."""
    url = f"postgresql://auditor:{PG_PASSWORD}@127.0.0.1:1/history"
    done = run_cli(["scan", "--demo", "--history", url])
    assert done.code == 2
    assert "postgresql://auditor:***@127.0.0.1:1/history" in done.err
    assert PG_PASSWORD not in done.err + done.out
    assert not (tmp_path / "reports").exists()


def test_a_wrong_password_is_exit_2_and_never_printed(
    run_cli: Any, postgres_server: PostgresServer
) -> None:
    """The real server refuses a wrong password: exit 2 naming the URL, neither password shown."""
    url = postgres_server.url(password="wrong-Pw-7731")
    done = run_cli(["scan", "--demo", "--history", url])
    assert done.code == 2 and "cannot open the history" in done.err
    assert "wrong-Pw-7731" not in done.err and PG_PASSWORD not in done.err


def test_a_store_failing_mid_run_is_an_error_entry_and_exit_3(
    tmp_path: Path, history_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """When the store fails after it was opened (its results table dropped as the scan starts),
    the report carries error entries for the read and the write and a scan that would pass
    exits 3, never a silent success."""
    from auditor.cli import main
    from tests.conftest import TEST_NOW

    engine = sqlalchemy.create_engine(history_url.replace("postgresql://", "postgresql+psycopg://"))
    folder = estate(tmp_path / "estate", {"acc-keys"}, {"acc-keys"})
    calls: list[int] = []

    def clock() -> Any:
        calls.append(1)
        if len(calls) == 1:  # the store was opened; the scan starts: the store goes away now
            with engine.begin() as connection:
                connection.execute(sqlalchemy.text("DROP TABLE results"))
        return TEST_NOW

    out = tmp_path / "out"
    args = ["scan", "--snapshot", str(folder), *AIS001, "--fail-on", "none", "-o", str(out)]
    args += ["--history", history_url]
    assert main([*args, "--as-of", "2026-11-01"]) == 0  # the same scan passes with a store
    code = main(args, clock=clock)
    engine.dispose()
    report = json.loads((out / "auditor.json").read_text("utf-8"))
    err = capsys.readouterr().err
    assert code == 3
    operations = [e["operation"] for e in report["errors"]]
    assert operations == ["read the history", "record the scan in the history"]
    assert PG_PASSWORD not in json.dumps(report) + err
    assert "INCOMPLETE" in err or "Incomplete" in err


def test_a_store_from_a_newer_auditor_is_refused(run_cli: Any, tmp_path: Path) -> None:
    """A store whose schema version is past this auditor's is exit 2, and left unchanged."""
    url = f"sqlite:///{tmp_path / 'h.db'}"
    assert run_cli(["scan", "--demo", "--history", url, "--quiet"]).code == 1
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("UPDATE schema_version SET version = 99"))
    done = run_cli(["scan", "--demo", "--history", url])
    with engine.begin() as connection:
        scans = connection.execute(sqlalchemy.text("SELECT COUNT(*) FROM scans")).scalar()
    engine.dispose()
    assert done.code == 2 and "newer auditor" in done.err and scans == 1


def test_without_history_nothing_changes(run_cli: Any) -> None:
    """A scan without --history carries no lifecycle key and no history setting."""
    report = run_cli(["scan", "--demo"]).report()
    assert not any("first_seen" in f for f in report["findings"])
    assert "history" not in report["scan"]["settings"]
    assert "overdue_only" not in report["summary"]["gate"]


def _scan_process(url: str, out: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "auditor",
            "scan",
            "--demo",
            "--history",
            url,
            "-o",
            str(out),
            "--quiet",
            "--format",
            "json",
        ],
        cwd=out.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_writing_at_once_both_land_complete(tmp_path: Path, history_url: str) -> None:
    """Two scans writing one new store at the same moment (two real processes) both land
    with every result: nothing corrupted, nothing lost."""
    processes = [_scan_process(history_url, tmp_path / f"out{i}") for i in range(2)]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 1, err
    engine = sqlalchemy.create_engine(history_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        rows = connection.execute(
            sqlalchemy.text("SELECT scan_id, COUNT(*) FROM results GROUP BY scan_id")
        ).all()
        scans = connection.execute(sqlalchemy.text("SELECT id, results FROM scans")).all()
        versions = connection.execute(sqlalchemy.text("SELECT version FROM schema_version")).all()
    engine.dispose()
    listed = [
        len(json.loads((tmp_path / f"out{i}" / "auditor.json").read_text("utf-8"))["findings"])
        for i in range(2)
    ]
    assert len(scans) == 2 and versions == [(1,)]
    assert sorted(n for _, n in rows) == sorted(listed) == sorted(n for _, n in scans)


def test_trend_without_pandas_is_exit_2_naming_the_extra(tmp_path: Path) -> None:
    """Without pandas installed, history trend is exit 2 naming the analysis extra."""
    url = f"sqlite:///{tmp_path / 'h.db'}"
    code = (
        "import sys; sys.modules['pandas'] = None\n"
        "from auditor.cli import main\n"
        f"main(['scan', '--demo', '--history', {url!r}, '-o', {str(tmp_path / 'r')!r}, '--quiet'])\n"
        f"sys.exit(main(['history', 'trend', '--history', {url!r}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "pip install 'auditor[analysis]'" in done.stderr


def test_history_of_a_missing_sqlite_file_is_exit_2(run_cli: Any, tmp_path: Path) -> None:
    """history list of a SQLite file that does not exist is exit 2 naming it (no empty store made)."""
    path = tmp_path / "nothing.db"
    done = run_cli(["history", "list", "--history", f"sqlite:///{path}"])
    assert done.code == 2 and str(path) in done.err and not path.exists()
