"""Rules judged in forked worker processes give the same results, in the same order, as
judged in-process; forking happens only where it is safe, and a worker's error is not lost.

The scans run in a child Python: the test process may hold other threads (the emulator's),
and then nothing forks, by design. Whether workers ran is read from the operating system's
accounting of the child's own children (``RUSAGE_CHILDREN``), not from our code.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from auditor import workers
from auditor.audit import build_inventory
from auditor.config import ScanConfig
from auditor.engine import parameters
from auditor.engine.evaluate import PARALLEL_FROM, evaluate, judge
from auditor.engine.loader import load_rules
from auditor.engine.outcome import EvalContext
from auditor.errors import InputError

AS_OF = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers fork only on Linux")

_PROBE = """
import json, resource, sys
from auditor.cli.main import main
code = main(sys.argv[2:])
used = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "children_cpu": used.ru_utime + used.ru_stime}))
"""


def _scan(tmp_path: Path, name: str, *argv: str) -> tuple[dict[str, Any], float]:
    out = tmp_path / name
    done = subprocess.run(
        [
            *(sys.executable, "-c", _PROBE, "--", "scan", *argv, "-o", str(out), "--quiet"),
            *("--format", "json", "--include-passed", "--as-of", "2026-06-01"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["code"] in (0, 1), done.stderr
    report = json.loads((out / "auditor.json").read_text(encoding="utf-8"))
    return report, answer["children_cpu"]


def _judged(report: dict[str, Any]) -> list[Any]:
    """What the rules decided, in report order (the scan's own timestamps left out)."""
    return [report["findings"], report["summary"]]


def test_the_demo_judged_by_two_workers_is_the_demo_judged_in_process(tmp_path: Path) -> None:
    alone, alone_children = _scan(tmp_path, "one", "--demo", "--jobs", "1")
    shared, shared_children = _scan(tmp_path, "two", "--demo", "--jobs", "2")
    assert alone_children == 0.0  # nothing forked
    assert shared_children > 0.0  # the workers ran, and the parent waited for them
    assert len(alone["findings"]) > 100
    assert _judged(shared) == _judged(alone)


def _estate(folder: Path, assignments: int) -> None:
    """One workspace and ``assignments`` role assignments on it (IAM001 reads across them)."""
    sub = "00000000-0000-4000-8000-000000000001"
    rg = f"/subscriptions/{sub}/resourceGroups/rg"
    ws = f"{rg}/providers/Microsoft.MachineLearningServices/workspaces/ws"
    items: list[dict[str, Any]] = [
        {
            "id": ws,
            "type": "Microsoft.MachineLearningServices/workspaces",
            "location": "eastus",
            "properties": {"publicNetworkAccess": "Enabled"},
        }
    ]
    for n in range(assignments):
        role = (
            "b24988ac-6180-42a0-ab88-20f7382dd24c"
            if n % 3
            else "acdd72a7-3385-48ef-bd42-f606fba81ae7"
        )
        items.append(
            {
                "id": f"{rg}/providers/Microsoft.Authorization/roleAssignments/a{n:07d}",
                "type": "Microsoft.Authorization/roleAssignments",
                "properties": {
                    "roleDefinitionId": f"/providers/Microsoft.Authorization/roleDefinitions/{role}",
                    "principalId": f"p-{n}",
                    "principalType": "User",
                    "scope": ws if n % 2 else rg,
                },
            }
        )
    folder.mkdir()
    (folder / "estate.json").write_text(json.dumps({"value": items}), encoding="utf-8")


def test_a_large_estate_forks_by_default_and_a_small_one_does_not(tmp_path: Path) -> None:
    _estate(tmp_path / "large", PARALLEL_FROM)
    _estate(tmp_path / "small", 50)
    large, large_children = _scan(tmp_path, "large-out", "--snapshot", str(tmp_path / "large"))
    _, small_children = _scan(tmp_path, "small-out", "--snapshot", str(tmp_path / "small"))
    assert large_children > 0.0
    assert small_children == 0.0
    alone, _ = _scan(tmp_path, "alone", "--snapshot", str(tmp_path / "large"), "--jobs", "1")
    assert _judged(large) == _judged(alone)
    assert sum(1 for f in large["findings"] if f["rule_id"] == "IAM001") > PARALLEL_FROM // 2


def test_nothing_forks_while_another_thread_runs(tmp_path: Path) -> None:
    config = ScanConfig(demo=True)
    inventory, _ = build_inventory(config)
    rules = load_rules()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not workers.can_fork()
        with pytest.raises(RuntimeError, match="unsafe"):
            next(iter(workers.fork_map(abs, [1], 2)))
        beside = evaluate(rules, inventory, AS_OF, jobs=2)  # judged in-process instead
    finally:
        stop.set()
        other.join()
    alone = evaluate(rules, inventory, AS_OF, jobs=1)
    assert [(r.rule.id, r.resource.key, r.status, r.message) for r in beside] == [
        (r.rule.id, r.resource.key, r.status, r.message) for r in alone
    ]


_FAILING = """
import sys
from auditor import workers

def work(index):
    if index == 3:
        raise ValueError(f"worker {index} failed")
    return index * index

try:
    print(sorted(workers.fork_map(work, range(8), 2)))
except ValueError as exc:
    print("raised:", exc)
"""


def test_an_error_in_a_worker_is_raised_in_the_parent() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _FAILING], capture_output=True, text=True, check=False
    )
    assert done.stdout.strip() == "raised: worker 3 failed", done.stderr


def test_jobs_must_be_a_positive_whole_number() -> None:
    from auditor import api

    for bad in (0, -1, 1.5, True):
        with pytest.raises(InputError, match="jobs"):
            api.scan(demo=True, jobs=bad)  # type: ignore[arg-type]


def test_equal_evidence_is_shared_but_never_across_types() -> None:
    from auditor.engine.evaluate import _Shared

    shared = _Shared()
    first = shared.evidence({"properties.publicNetworkAccess": "Enabled"})
    assert shared.evidence({"properties.publicNetworkAccess": "Enabled"}) is first
    flag = shared.evidence({"x": True})
    number = shared.evidence({"x": 1})
    assert flag is not number and number == {"x": 1} and number["x"] is not True
    assert shared.evidence({"x": 1.0})["x"].__class__ is float
    nested = {"roles": [{"name": "Owner", "count": 2}], "scope": None}
    assert shared.evidence({"roles": [{"name": "Owner", "count": 2}], "scope": None}) is (
        shared.evidence(nested)
    )
    for other in (
        {"roles": [{"name": "Owner", "count": 2.0}], "scope": None},  # a float is not an int
        {"roles": [{"name": "Owner", "count": True}], "scope": None},
        {"roles": [{"count": 2, "name": "Owner"}], "scope": None},  # key order is shown
        {"roles": [{"name": "Owner", "count": 2}, {"name": "Owner", "count": 2}], "scope": None},
        {"roles": [{"name": "Owner", "count": 2}], "scope": ""},
    ):
        assert shared.evidence(dict(other)) is not nested, other
    assert shared.evidence({"x": -0.0}) is not shared.evidence({"x": 0.0})
    assert shared.evidence({"x": [float("nan")]}) is shared.evidence({"x": [float("nan")]})
    for odd in ({"at": [object()]}, {"at": {"at": 1j}}):
        assert shared.evidence(odd) is odd  # not JSON: kept as it is
    assert shared.text("field(s) missing: kind") is shared.text("field(s) missing: " + "kind")


def test_results_share_evidence_and_the_report_shows_each_result_its_own() -> None:
    config = ScanConfig(demo=True)
    inventory, _ = build_inventory(config)
    results = evaluate(load_rules(), inventory, AS_OF)
    distinct = {id(r.evidence) for r in results}
    assert len(distinct) < len(results)  # shared: fewer dicts than results
    # and each still holds what its rule decides for its own resource, judged again alone
    for result in results:
        context = EvalContext(
            inventory=inventory, as_of=AS_OF, parameters=parameters.defaults(result.rule)
        )
        alone = judge(result.rule, result.resource, context)
        assert dict(alone.evidence) == dict(result.evidence), (result.rule.id, result.resource.id)
