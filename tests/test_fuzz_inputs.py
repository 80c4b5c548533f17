"""Property-based fuzzing of the snapshot, manifest, baseline and suppressions readers.

Each example is real evidence (the rule fixtures and the demo estate) with random damage: a
value of another JSON type, a key removed, a timestamp at the end of time, a list where an
object belongs, in any record and any document shape. Run through the real CLI, every
example must end in exit 0/1/3 with a report that validates against the schema, or exit 2
naming the file; never exit 4 (a bug) and never a traceback. Seeds are fixed
(``derandomize``), so CI sees the same cases every run.
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.cli import main
from auditor.collect.snapshot import _records
from tests.conftest import FIXTURES, REPO, SCHEMA_PATH, TEST_NOW

FUZZ = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,  # capsys is drained at the start of each example
    ],
)

SEED_FOLDERS = [FIXTURES / "rules", REPO / "auditor" / "demo" / "estate"]

ODD_STRINGS = [
    "",
    " ",
    "true",
    "True",
    "false",
    "Key ",
    "Enabled",
    "Disabled",
    "None",
    "*",
    "null",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "2026-13-45",
    "/subscriptions/",
    "/subscriptions/00000000-0000-4000-8000-000000000000",
    "/providers/Microsoft.Management/managementGroups/root",
    "/subscriptions/x/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w",
    "Microsoft.MachineLearningServices/workspaces/computes",
    "Microsoft.Authorization/roleDefinitions",
    "auditor-snapshot-manifest",
    "regex:(",
    "é\u202e\u0000",
]
FIELD_NAMES = [
    "id",
    "type",
    "name",
    "kind",
    "properties",
    "location",
    "tags",
    "identity",
    "systemData",
    "value",
    "data",
    "columns",
    "rows",
    "coverage",
    "collected",
    "errors",
    "status_code",
    "management_groups",
    "subscription_id",
    "operationName",
    "eventTimestamp",
    "actions",
    "permissions",
    "roleDefinitionId",
    "principalId",
    "scope",
    "computeType",
    "authMode",
    "createdAt",
]

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(ODD_STRINGS)
    | st.text(max_size=12)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


@cache
def seed_records() -> tuple[Any, ...]:
    """Every record of the fixtures and the demo estate, as the snapshot reader finds them."""
    found: list[Any] = []
    for folder in SEED_FOLDERS:
        for path in sorted(folder.rglob("*.json")):
            found.extend(record for _, record in _records(json.loads(path.read_text("utf-8"))))
    return tuple(found)


def _places(value: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key) of a JSON value, so a mutation can hit any element."""
    stack = [value]
    while stack:
        current = stack.pop()
        items: Any = (
            current.items()
            if isinstance(current, dict)
            else enumerate(current)
            if isinstance(current, list)
            else ()
        )
        for key, item in items:
            yield current, key
            stack.append(item)


@st.composite
def damaged_record(draw: Callable[..., Any], seeds: Sequence[Any] | None = None) -> Any:
    """A seed record with one to three elements replaced, removed or retyped."""
    record = copy.deepcopy(draw(st.sampled_from(seeds or seed_records())))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        places = list(_places(record))
        if not places:
            return draw(JSON_VALUES)
        container, key = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["replace", "replace", "remove", "wrap"]))
        if action == "remove" and isinstance(container, dict):
            del container[key]
        elif action == "wrap":
            container[key] = draw(st.sampled_from([[container[key]], {"value": container[key]}]))
        else:
            container[key] = draw(JSON_VALUES)
    return record


@st.composite
def snapshot_document(draw: Callable[..., Any]) -> Any:
    """A snapshot file of any accepted shape (and some refused ones) holding damaged records."""
    records = draw(
        st.lists(damaged_record() | st.sampled_from(seed_records()), min_size=1, max_size=4)
    )
    shape = draw(st.sampled_from(["object", "array", "value", "data", "table", "odd"]))
    if shape == "object":
        return records[0]
    if shape == "array":
        return records
    if shape == "value":
        return {"value": records, "nextLink": draw(JSON_VALUES)}
    if shape == "data":
        return {"data": records}
    if shape == "table":
        columns: list[Any] = sorted({k for r in records if isinstance(r, dict) for k in r})
        rows: Any = [[r.get(c) for c in columns] if isinstance(r, dict) else r for r in records]
        columns = [{"name": c, "type": "string"} for c in columns]
        if draw(st.booleans()):
            target = draw(st.sampled_from(["columns", "rows", "row", "column"]))
            if target == "columns":
                columns = draw(JSON_VALUES)
            elif target == "rows":
                rows = draw(JSON_VALUES)
            elif target == "row" and rows:
                rows[0] = draw(JSON_VALUES)
            elif columns:
                columns[0] = draw(JSON_VALUES)
        return {"data": {"columns": columns, "rows": rows}}
    return {draw(st.sampled_from(["value", "data", "id"])): draw(JSON_VALUES)}


def _schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


VALIDATOR = _schema_validator()


def run_checked(argv: list[str], named: Path, capsys: pytest.CaptureFixture[str]) -> int:
    """Run the CLI; assert the outcome is a valid report, or exit 2 naming ``named``."""
    capsys.readouterr()
    with tempfile.TemporaryDirectory() as out:
        code = main([*argv, "--format", "json", "--quiet", "-o", out], clock=lambda: TEST_NOW)
        err = capsys.readouterr().err
        assert "Traceback" not in err and "internal error" not in err, err
        assert code in (0, 1, 2, 3), (code, err)
        if code == 2:
            assert named.name in err, err
        else:
            report = json.loads((Path(out) / "auditor.json").read_text("utf-8"))
            VALIDATOR.validate(report)
            assert report["summary"]["gate"]["exit_code"] == code
    return code


def _write(folder: Path, name: str, document: Any) -> Path:
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# Examples per test: each runs the whole CLI (0.1-0.3 s), so a test stays near 15 s in CI
# (230 in all, the same ones every run).
@settings(FUZZ, max_examples=60)
@given(document=snapshot_document())
def test_fuzzed_snapshots_never_crash(document: Any, capsys: pytest.CaptureFixture[str]) -> None:
    """Any damaged snapshot file is a valid report (exit 0/1/3) or exit 2 naming the file."""
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), "damaged.json", document)
        run_checked(["scan", "--snapshot", str(path), "--as-of", "2026-12-01"], path, capsys)


MANIFEST = {
    "kind": "auditor-snapshot-manifest",
    "version": 1,
    "collected_at": "2026-11-01T00:00:00Z",
    "tool": {"name": "auditor", "version": "0.1.0"},
    "tenant": None,
    "coverage": [
        {"subscription_id": "aaaaaaaa-0000-4000-8000-000000000001", "collected": ["ai_accounts"]},
        {"subscription_id": "bbbbbbbb-0000-4000-8000-000000000002", "collected": []},
    ],
    "management_groups": {"root-mg": ["aaaaaaaa-0000-4000-8000-000000000001"]},
    "errors": [
        {
            "scope": "/subscriptions/aaaaaaaa-0000-4000-8000-000000000001",
            "operation": "list Activity Log events",
            "message": "denied",
            "status_code": 403,
            "missing_permission": "Microsoft.Insights/eventtypes/values/read",
            "data_kinds": ["activity_log"],
        }
    ],
}


@settings(FUZZ, max_examples=60)
@given(
    manifest=damaged_record([MANIFEST]),
    others=st.lists(st.sampled_from(seed_records()), max_size=3),
)
def test_fuzzed_manifests_never_crash(
    manifest: Any, others: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Any damaged manifest beside real records is a valid report or exit 2 naming the file."""
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), "manifest.json", [manifest, *others])
        run_checked(["scan", "--snapshot", str(path), "--as-of", "2026-12-01"], path, capsys)


@cache
def baseline_report() -> dict[str, Any]:
    """A real report with failures, unknowns and suppressions-free passes, to damage."""
    with tempfile.TemporaryDirectory() as out:
        code = main(
            ["scan", "--demo", "--include-passed", "--format", "json", "--quiet", "-o", out],
            clock=lambda: TEST_NOW,
        )
        assert code in (1, 3)
        report: dict[str, Any] = json.loads((Path(out) / "auditor.json").read_text("utf-8"))
    report["findings"] = report["findings"][:12]  # enough of each status, small to damage
    return report


@st.composite
def damaged_report(draw: Callable[..., Any]) -> Any:
    """The demo report with one to three elements of its findings, scan or summary damaged."""
    report = copy.deepcopy(baseline_report())
    part = draw(st.sampled_from(["findings", "findings", "scan", "summary", "top"]))
    if part == "top":
        return draw(damaged_record([report]))
    report[part] = draw(damaged_record([report[part]]))
    return report


@settings(FUZZ, max_examples=50)
@given(report=damaged_report(), compare=st.sampled_from(["baseline", "diff old", "diff new"]))
def test_fuzzed_baselines_never_crash(
    report: Any, compare: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Any damaged report, as a baseline or either side of a diff, is handled or exit 2."""
    with tempfile.TemporaryDirectory() as folder:
        damaged = _write(Path(folder), "damaged-report.json", report)
        good = _write(Path(folder), "good-report.json", baseline_report())
        if compare == "baseline":
            run_checked(
                [
                    "scan",
                    "--snapshot",
                    str(FIXTURES / "rules" / "AML005"),
                    "--baseline",
                    str(damaged),
                ],
                damaged,
                capsys,
            )
            return
        old, new = (damaged, good) if compare == "diff old" else (good, damaged)
        capsys.readouterr()
        code = main(["diff", str(old), str(new), "-o", folder], clock=lambda: TEST_NOW)
        err = capsys.readouterr().err
        assert "Traceback" not in err and "internal error" not in err, err
        assert code in (0, 1, 2, 3), (code, err)
        if code == 2:
            assert damaged.name in err, err
        else:
            assert (
                json.loads((Path(folder) / "auditor.diff.json").read_text("utf-8"))["gate"][
                    "exit_code"
                ]
                == code
            )


@cache
def shard_reports() -> tuple[dict[str, Any], dict[str, Any]]:
    """The demo's two shard reports, the second to damage."""
    reports = []
    with tempfile.TemporaryDirectory() as out:
        for shard in ("1/2", "2/2"):
            folder = Path(out) / shard.replace("/", "-")
            args = ["scan", "--demo", "--shard", shard, "--format", "json", "--quiet"]
            code = main([*args, "-o", str(folder)], clock=lambda: TEST_NOW)
            assert code in (1, 3)
            reports.append(json.loads((folder / "auditor.json").read_text("utf-8")))
    return reports[0], reports[1]


@st.composite
def damaged_shard(draw: Callable[..., Any]) -> Any:
    """The second demo shard with its findings, scan (settings, shared), summary, compliance
    or whole document damaged."""
    report = copy.deepcopy(shard_reports()[1])
    part = draw(st.sampled_from(["findings", "scan", "settings", "summary", "compliance", "top"]))
    if part == "top":
        return draw(damaged_record([report]))
    if part == "settings":
        report["scan"]["settings"] = draw(damaged_record([report["scan"]["settings"]]))
        return report
    report[part] = draw(damaged_record([report[part]]))
    return report


@settings(FUZZ, max_examples=50)
@given(report=damaged_shard())
def test_fuzzed_shard_reports_never_crash_a_merge(
    report: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Any damaged shard report is merged or refused with exit 2 naming it, never a crash."""
    with tempfile.TemporaryDirectory() as folder:
        good = _write(Path(folder), "shard-1.json", shard_reports()[0])
        damaged = _write(Path(folder), "damaged-shard.json", report)
        run_checked(["merge", str(good), str(damaged)], damaged, capsys)


SUPPRESSION_FIELDS = ["rule", "resource", "reason", "owner", "expires", "version", "<<"]
YAML_SCALARS = (
    st.sampled_from(
        [
            "AML005",
            "AML*",
            "web-service-no-auth",
            "regex:.*",
            "regex:(",
            "2027-01-01",
            "2026-11-30",
            "0001-01-01",
            "9999-12-31",
            "2026-13-45",
            "null",
            "~",
            "",
            "*",
            "&a",
            "!!binary",
        ]
    )
    | st.text(max_size=10)
    | st.integers()
    | st.booleans()
    | st.none()
)
YAML_VALUES = st.recursive(
    YAML_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(SUPPRESSION_FIELDS) | st.text(max_size=5), inner, max_size=5
        )
    ),
    max_leaves=8,
)
YAML_NOISE = st.sampled_from([*":-[]{}&*!|>'\"\t\n#%@`,?", "\n  - ", ": ", "*a", "&a ", "<<: "])


@st.composite
def suppressions_text(draw: Callable[..., Any]) -> str:
    """A suppressions file: random entries dumped as YAML, then perhaps a few bytes of noise."""
    entry = {
        "rule": "AML005",
        "resource": "regex:.*",
        "reason": "accepted",
        "owner": "ml-platform",
        "expires": "2026-12-30",
    }
    entries = draw(st.lists(damaged_record([entry]) | st.just(entry) | YAML_VALUES, max_size=3))
    document = draw(
        st.sampled_from(
            [{"suppressions": entries}, {"version": 1, "suppressions": entries}, entries]
        )
    )
    text = yaml.safe_dump(document, sort_keys=False)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        at = draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:at] + draw(YAML_NOISE) + text[at:]
    return text


@settings(FUZZ, max_examples=60)
@given(text=suppressions_text(), command=st.sampled_from(["scan", "scan", "suppress"]))
def test_fuzzed_suppressions_never_crash(
    text: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Any suppressions file is applied (exit 0/1/3), or exit 2 naming it; never a crash."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "suppressions.yaml"
        path.write_text(text, encoding="utf-8")
        if command == "scan":
            snapshot = str(FIXTURES / "rules" / "AML005")
            run_checked(["scan", "--snapshot", snapshot, "--suppressions", str(path)], path, capsys)
            return
        capsys.readouterr()
        argv = ["suppress", "AML005", "/x", "--reason", "r", "--owner", "o"]
        code = main(
            [*argv, "--expires", "2027-01-01", "--suppressions", str(path)], clock=lambda: TEST_NOW
        )
        err = capsys.readouterr().err
        assert "Traceback" not in err and "internal error" not in err, err
        assert code in (0, 2), (code, err)
        if code == 2:
            assert path.name in err, err
