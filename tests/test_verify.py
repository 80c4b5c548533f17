"""``auditor verify``: the report's evidence hashes, and re-checking a report against them."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.cli import main
from auditor.digests import manifest_digest
from auditor.engine.loader import default_rules_dir
from tests.conftest import FIXTURES, REPO, SCHEMA_PATH, TEST_NOW, write_json
from tests.emulator.server import ArmEmulator

DEMO_ESTATE = REPO / "auditor" / "demo" / "estate"
SMALL = FIXTURES / "rules" / "AIS001"
AS_OF = "2026-11-01"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    """A copy of the demo estate as a snapshot folder of the test's own."""
    return Path(shutil.copytree(DEMO_ESTATE, tmp_path / "snap"))


def _scan(run_cli: Any, *args: str) -> Path:
    run = run_cli(["scan", *args, "--format", "json", "--quiet"])
    assert run.code in (0, 1, 3), run.err
    return Path(run.output_dir / "auditor.json")


def test_the_report_records_the_sha256_of_every_file_read(
    run_cli: Any, tmp_path: Path, snapshot: Path
) -> None:
    """Every snapshot file, the config file, the suppressions file and the baseline are in
    ``scan.evidence.files`` with the sha256 of their bytes, and the report still validates."""
    config = tmp_path / "auditor.toml"
    config.write_text('fail_on = "high"\n', encoding="utf-8")
    suppressions = tmp_path / "suppressions.yaml"
    suppressions.write_text("suppressions: []\n", encoding="utf-8")
    baseline = _scan(run_cli, "--demo")
    kept = shutil.copy(baseline, tmp_path / "baseline.json")
    report = _scan(
        run_cli,
        "--snapshot",
        str(snapshot),
        "--as-of",
        AS_OF,
        "--config",
        str(config),
        "--suppressions",
        str(suppressions),
        "--baseline",
        str(kept),
    )
    document = json.loads(report.read_text("utf-8"))
    jsonschema.validate(document, json.loads(SCHEMA_PATH.read_text("utf-8")))
    files = document["scan"]["evidence"]["files"]
    expected = {str(p): _sha(p) for p in snapshot.rglob("*.json")}
    expected |= {str(p): _sha(p) for p in (config, suppressions, Path(kept))}
    assert files == expected


def test_the_rule_set_digest_is_the_sha256_of_its_sha256sum_listing(run_cli: Any) -> None:
    """``rule_set.sha256`` is what ``sha256sum *.yaml frameworks/*.yaml | sort -k2 |
    sha256sum`` gives in the rule folder, over every rule and framework file loaded."""
    document = json.loads(_scan(run_cli, "--demo").read_text("utf-8"))
    rule_set = document["scan"]["evidence"]["rule_set"]
    rules = default_rules_dir()
    on_disk = {p.name: _sha(p) for p in rules.glob("*.yaml")}
    on_disk |= {f"frameworks/{p.name}": _sha(p) for p in (rules / "frameworks").glob("*.yaml")}
    assert rule_set["files"] == on_disk
    listing = "".join(f"{on_disk[n]}  {n}\n" for n in sorted(on_disk))
    assert rule_set["sha256"] == hashlib.sha256(listing.encode()).hexdigest()
    assert rule_set["sha256"] == manifest_digest(on_disk)


def test_verify_passes_on_the_untouched_demo(run_cli: Any) -> None:
    """A demo report verifies: the packaged estate and rules are as recorded, same results."""
    report = _scan(run_cli, "--demo")
    run = run_cli(["verify", str(report)])
    assert run.code == 0, run.out + run.err
    recorded = json.loads(report.read_text("utf-8"))["scan"]["evidence"]["files"]
    assert len(recorded) > 30  # the whole packaged estate, not a part of it
    assert f"verified: {len(recorded)} evidence file(s)" in run.out


def test_verify_passes_on_an_untouched_snapshot_and_after_a_move(
    run_cli: Any, tmp_path: Path, snapshot: Path
) -> None:
    """A snapshot report verifies where it was read, and from a copy named by --snapshot."""
    report = _scan(run_cli, "--snapshot", str(snapshot), "--as-of", AS_OF)
    assert run_cli(["verify", str(report)]).code == 0
    moved = shutil.move(snapshot, tmp_path / "archive")
    run = run_cli(["verify", str(report), "--snapshot", str(moved)])
    assert run.code == 0, run.out + run.err


def test_a_shard_report_verifies_as_its_shard(run_cli: Any, snapshot: Path) -> None:
    """A --shard scan's report re-scans the same shard: the other shards' results are not
    counted as appeared."""
    report = _scan(run_cli, "--snapshot", str(snapshot), "--as-of", AS_OF, "--shard", "2/3")
    run = run_cli(["verify", str(report)])
    assert run.code == 0, run.out + run.err


def test_a_gate_decided_by_overdue_is_said_not_rechecked(
    run_cli: Any, tmp_path: Path, snapshot: Path
) -> None:
    """--fail-on-overdue's gate rests on the history store's ages, which verify does not read
    (nor write): the results are re-checked, and the output says the gate was not."""
    history = ["--history", f"sqlite:///{tmp_path / 'h.db'}", "--sla-days", "high=1"]
    _scan(run_cli, "--snapshot", str(snapshot), "--as-of", "2026-10-01T00:00:00Z", *history)
    report = _scan(run_cli, "--snapshot", str(snapshot), "--as-of", AS_OF, *history,
                   "--fail-on-overdue")  # fmt: skip
    store = (tmp_path / "h.db").read_bytes()
    run = run_cli(["verify", str(report)])
    assert run.code == 0, run.out + run.err
    assert "the gate is not re-checked: --fail-on-overdue" in run.out
    assert (tmp_path / "h.db").read_bytes() == store  # verify records nothing
    snapshot_file = sorted(snapshot.rglob("*.json"))[0]
    snapshot_file.write_text("{}", "utf-8")
    assert run_cli(["verify", str(report)]).code == 1  # the evidence is still checked


def test_one_byte_changed_names_that_file(run_cli: Any, snapshot: Path) -> None:
    """One byte changed in one evidence file: exit 1, and that file is named as changed."""
    report = _scan(run_cli, "--snapshot", str(snapshot), "--as-of", AS_OF)
    target = sorted(snapshot.rglob("*.json"))[5]
    data = bytearray(target.read_bytes())
    data[-2] = ord(" ") if data[-2] != ord(" ") else ord("\n")
    target.write_bytes(bytes(data))
    run = run_cli(["verify", str(report)])
    assert run.code == 1
    changed = [line for line in run.out.splitlines() if "changed:" in line]
    assert len(changed) == 1 and f"changed: {target} " in changed[0], run.out


def test_a_changed_value_names_the_file_and_the_results_that_moved(
    run_cli: Any, snapshot: Path
) -> None:
    """Local auth enabled in a snapshot file: the file is named, and so are the results that
    appeared (new failures) and the counts that moved."""
    report = _scan(run_cli, "--snapshot", str(snapshot), "--as-of", AS_OF, "--fail-on", "none")
    file = next(
        p
        for p in sorted(snapshot.rglob("*.json"))
        if '"disableLocalAuth": true' in p.read_text("utf-8")
    )
    text = file.read_text("utf-8")
    file.write_text(text.replace('"disableLocalAuth": true', '"disableLocalAuth": false'), "utf-8")
    run = run_cli(["verify", str(report)])
    assert run.code == 1
    assert f"changed: {file} " in run.out
    appeared = [line for line in run.out.splitlines() if "result appeared: " in line]
    assert appeared and all(" fail (" in line for line in appeared), run.out
    assert "result counts: " in run.out


def test_an_extra_evidence_file_is_a_difference(
    run_cli: Any, tmp_path: Path, snapshot: Path
) -> None:
    """A .json added to the snapshot folder is read by a re-scan: it is named as not in the
    evidence (exit 1); a file the scan never reads (a README) is not evidence."""
    report = _scan(run_cli, "--snapshot", str(snapshot), "--as-of", AS_OF)
    (snapshot / "README.md").write_text("notes\n", encoding="utf-8")
    assert run_cli(["verify", str(report)]).code == 0
    write_json(snapshot / "extra.json", {"value": []})
    run = run_cli(["verify", str(report)])
    assert run.code == 1
    assert f"not in the evidence: {snapshot / 'extra.json'}" in run.out


def test_a_changed_rule_file_says_the_rule_set_differs(
    run_cli: Any, tmp_path: Path, snapshot: Path
) -> None:
    """A rule file edited after the scan: the rule set differs, naming the file."""
    rules = Path(shutil.copytree(default_rules_dir(), tmp_path / "rules"))
    report = _scan(
        run_cli, "--snapshot", str(snapshot), "--as-of", AS_OF, "--rules-dir", str(rules)
    )
    assert run_cli(["verify", str(report), "--rules-dir", str(rules)]).code == 0
    rule = rules / "AML001.yaml"
    rule.write_text(rule.read_text("utf-8") + "\n", encoding="utf-8")
    run = run_cli(["verify", str(report), "--rules-dir", str(rules)])
    assert run.code == 1
    assert "the rule set differs" in run.out and "changed: AML001.yaml" in run.out


def test_a_tampered_result_is_named(run_cli: Any, tmp_path: Path) -> None:
    """A report whose finding was edited to another status does not verify: the re-scan's
    result is named with the status recorded and the status now."""
    report = _scan(run_cli, "--demo")
    document = json.loads(report.read_text("utf-8"))
    finding = next(f for f in document["findings"] if f["status"] == "fail")
    finding["status"] = "suppressed"
    edited = write_json(tmp_path / "edited.json", document)
    run = run_cli(["verify", str(edited)])
    assert run.code == 1
    assert (
        f"result changed: {finding['rule_id']} on {finding['resource_id']}: suppressed" in run.out
    )


def test_an_older_report_without_hashes_is_a_clear_input_error(run_cli: Any) -> None:
    """A 1.x report records no hashes: exit 2 with a message naming the file, no traceback."""
    old = FIXTURES / "minimal-report.json"
    run = run_cli(["verify", str(old)])
    assert run.code == 2
    assert f"{old}: the report records no evidence hashes (schema 1.0" in run.err


def test_a_live_report_without_a_saved_snapshot_has_nothing_to_verify(
    run_cli: Any, tmp_path: Path
) -> None:
    """A live report without --save-snapshot kept no evidence files: exit 2 saying so."""
    document = json.loads(_scan(run_cli, "--demo").read_text("utf-8"))
    document["scan"]["sources"] = [{"kind": "live", "path": "https://management.azure.com"}]
    live = write_json(tmp_path / "live.json", document)
    run = run_cli(["verify", str(live)])
    assert run.code == 2
    assert "a live scan without --save-snapshot keeps no evidence files" in run.err


MUTATION_PATHS = [
    ("schema_version",),
    ("scan",),
    ("scan", "as_of"),
    ("scan", "started_at"),
    ("scan", "sources"),
    ("scan", "sources", 0),
    ("scan", "sources", 0, "kind"),
    ("scan", "sources", 0, "path"),
    ("scan", "settings"),
    ("scan", "settings", "fail_on"),
    ("scan", "settings", "select"),
    ("scan", "settings", "template_context"),
    ("scan", "settings", "max_suppression_days"),
    ("scan", "settings", "baseline"),
    ("scan", "evidence"),
    ("scan", "evidence", "files"),
    ("scan", "evidence", "algorithm"),
    ("scan", "evidence", "rule_set"),
    ("scan", "evidence", "rule_set", "sha256"),
    ("scan", "evidence", "rule_set", "files"),
    ("scan", "evidence", "saved_snapshot"),
    ("rules",),
    ("rules", 0, "parameters"),
    ("findings",),
    ("findings", 0, "status"),
    ("findings", 0, "fingerprint"),
    ("summary", "gate"),
    ("summary", "by_status"),
]
ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10**20),
    st.sampled_from(["", "none", "live", "demo", "snapshot", "../x", "0" * 64, "high", "2.0"]),
    st.lists(st.sampled_from(["", "x", "AML*"]), max_size=2),
    st.dictionaries(
        st.sampled_from(["a", "path", "sha256"]), st.sampled_from(["", "0" * 64]), max_size=2
    ),
)


def _set(document: Any, path: tuple[str | int, ...], value: Any) -> None:
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


@pytest.fixture(scope="module")
def small_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The report of a small snapshot scan (one rule's fixture), to mutate."""
    out = tmp_path_factory.mktemp("small")
    code = main(
        ["scan", "--snapshot", str(SMALL), "--format", "json", "--quiet", "-o", str(out)],
        clock=lambda: TEST_NOW,
    )
    assert code in (0, 1, 3)
    return dict(json.loads((out / "auditor.json").read_text("utf-8")))


@settings(
    derandomize=True,
    deadline=None,
    database=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    mutations=st.lists(
        st.tuples(st.sampled_from(MUTATION_PATHS), ODD_VALUES), min_size=1, max_size=3
    )
)
def test_verify_never_fails_with_a_bug_on_a_mutated_report(
    mutations: list[tuple[tuple[str | int, ...], Any]],
    small_report: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Reports with elements replaced by values of any type: verify answers 0, 1 or 2 with a
    message, never exit 4 (a traceback)."""
    document = copy.deepcopy(small_report)
    for path, value in mutations:
        try:
            _set(document, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed the parent
    report = write_json(tmp_path / "mutated.json", document)
    code = main(["verify", str(report)], clock=lambda: TEST_NOW)
    captured = capsys.readouterr()
    assert code in (0, 1, 2), captured.err
    assert "internal error" not in captured.err


def test_a_template_report_verifies_and_names_a_changed_template(
    run_cli: Any, tmp_path: Path
) -> None:
    """Templates are evidence too: a template folder's report verifies from a copy named by
    --template, and a changed linked template is named."""
    folder = Path(shutil.copytree(FIXTURES / "templates" / "mixed", tmp_path / "templates"))
    report = _scan(run_cli, "--template", str(folder))
    copy_of = Path(shutil.copytree(folder, tmp_path / "copy"))
    assert run_cli(["verify", str(report), "--template", str(copy_of)]).code == 0
    module = copy_of / "modules" / "ai-account.json"
    module.write_text(module.read_text("utf-8") + "\n", encoding="utf-8")
    run = run_cli(["verify", str(report), "--template", str(copy_of)])
    assert run.code == 1
    assert f"changed: {module} " in run.out


def test_a_live_report_verifies_against_its_saved_snapshot(
    run_cli: Any, emulator: ArmEmulator, tmp_path: Path
) -> None:
    """A live scan's evidence is its --save-snapshot folder, hashed as written: the report
    verifies against it (re-scanned as of the live scan's as_of), and names a changed file."""
    saved = tmp_path / "saved"
    live = run_cli(
        [
            "scan",
            "--arm-endpoint",
            emulator.url,
            "--auth",
            "token",
            "--save-snapshot",
            str(saved),
            "--format",
            "json",
            "--quiet",
        ]
    )
    assert live.code in (1, 3), live.err
    evidence = live.report()["scan"]["evidence"]
    assert evidence["saved_snapshot"]["files"] == {
        p.relative_to(saved).as_posix(): _sha(p) for p in saved.rglob("*.json")
    }
    report = live.output_dir / "auditor.json"
    run = run_cli(["verify", str(report), "--snapshot", str(saved)])
    assert run.code == 0, run.out + run.err
    manifest = saved / "manifest.json"
    manifest.write_text(manifest.read_text("utf-8") + " ", encoding="utf-8")
    run = run_cli(["verify", str(report), "--snapshot", str(saved)])
    assert run.code == 1 and f"changed: {manifest} " in run.out


def test_a_removed_rule_is_named_with_the_results_it_took(run_cli: Any, tmp_path: Path) -> None:
    """A rule file (one with parameters) deleted after the scan: the rule set names it as
    removed and its results as disappeared (exit 1), not an error about its parameters."""
    rules = Path(shutil.copytree(default_rules_dir(), tmp_path / "rules"))
    report = _scan(run_cli, "--demo", "--rules-dir", str(rules))
    (rules / "AIS002.yaml").unlink()
    run = run_cli(["verify", str(report), "--rules-dir", str(rules)])
    assert run.code == 1, run.err
    assert "(removed: AIS002.yaml)" in run.out
    assert "result disappeared: AIS002 " in run.out
