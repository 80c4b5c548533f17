"""Malformed input never ends in a traceback: strict JSON, and every reader's shapes, exit 2."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from auditor.collect.writer import manifest
from auditor.errors import InputError
from auditor.inventory import InventoryBuilder
from auditor.jsonio import MAX_DEPTH, parse_json, read_json
from auditor.model import SourceRef
from auditor.records import read_manifest
from auditor.timeutil import iso, parse_timestamp
from tests.conftest import FIXTURES, TEST_NOW, write_json
from tests.emulator import ArmEmulator, Fault
from tests.emulator.fixtures import SUB_A
from tests.test_report import validate

# (JSON text, what the message says, where it says it): the strict-JSON refusals.
STRICT_CASES = [
    ('{"a": NaN}', "NaN is not JSON", "f.json: a:"),
    ("[1, Infinity]", "Infinity is not JSON", "f.json: [1]:"),
    ('{"t": {"a b": -Infinity}}', "-Infinity is not JSON", 'f.json: t["a b"]:'),
    ('{"x": [1e999]}', "beyond the float range", "f.json: x[0]:"),
    ('{"id": "\\ud800"}', "lone UTF-16 surrogate in a string", "f.json: id:"),
    ('{"p": {"\\udc00": 1}}', "lone UTF-16 surrogate in a key", "f.json: p:"),
    ('{"a": 1, "a": 2}', 'duplicate key "a"', "f.json:"),
    ("1" * 5000, "4,300 digits", "f.json:"),
    ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), f"deeper than {MAX_DEPTH}", "f.json: [0]"),
    ("[" * 450 + "]" * 450, f"deeper than {MAX_DEPTH}", "f.json:"),
    ("[" * 990 + "]" * 990, f"deeper than {MAX_DEPTH}", "f.json:"),
    ("[" * 100_000 + "]" * 100_000, f"deeper than {MAX_DEPTH}", "f.json:"),
    ('{"a": [', "Expecting value", "f.json:1:8:"),
    ('{"a": "x\ny"}', "Invalid control character", "f.json:1:"),
]


@pytest.mark.parametrize(("text", "message", "where"), STRICT_CASES)
def test_strict_json_refuses_what_lenient_json_accepts(text: str, message: str, where: str) -> None:
    """Each value Python's json would accept or choke on is an InputError naming file and place."""
    with pytest.raises(InputError) as exc:
        parse_json(text, "f.json")
    assert message in str(exc.value)
    assert str(exc.value).startswith(where)


def test_strict_json_keeps_what_json_allows() -> None:
    """Surrogate pairs, big finite numbers, a BOM and nesting up to the limit still parse."""
    text = '\ufeff{"ok": "\\ud83d\\ude00", "n": 1e308, "i": ' + "9" * 4000 + "}"
    assert parse_json(text, "f.json")["ok"] == "\U0001f600"
    deep = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_json(deep, "f.json") is not None


def test_no_message_repeats_a_value(tmp_path: Path) -> None:
    """A refused value is located by its path, never echoed: it may be a secret."""
    secret = "s3cr3t-\\ud800-value"
    with pytest.raises(InputError) as exc:
        parse_json(json.dumps({"key": "x"})[:-1] + f', "pw": "{secret}"' + "}", "f.json")
    assert "s3cr3t" not in str(exc.value)
    assert "pw" in str(exc.value)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe{\x00}\x00", "f.json:1:1: not UTF-8 text (byte 0) (UTF-16?"),
        (b'{"a":\n "\xe9"}', "f.json:2:3: not UTF-8 text (byte 8)"),
    ],
)
def test_files_that_are_not_utf8_name_the_place(tmp_path: Path, data: bytes, message: str) -> None:
    """A file in another encoding is an InputError naming the line and column of the bad byte."""
    path = tmp_path / "f.json"
    path.write_bytes(data)
    with pytest.raises(InputError) as exc:
        read_json(path, "f.json")
    assert str(exc.value).startswith(message)


def test_missing_and_folder_paths_are_input_errors(tmp_path: Path) -> None:
    """A path that is no file is an InputError, not an OSError."""
    with pytest.raises(InputError, match="no such file"):
        read_json(tmp_path / "absent.json")
    with pytest.raises(InputError, match="folder"):
        read_json(tmp_path)


@pytest.mark.parametrize(("text", "message", "_where"), STRICT_CASES)
def test_every_json_reader_is_strict(
    run_cli: Any, tmp_path: Path, text: str, message: str, _where: str
) -> None:
    """Snapshot, baseline and diff inputs all refuse the same JSON, exit 2 naming the file."""
    bad = tmp_path / "in" / "odd.json"
    bad.parent.mkdir()
    bad.write_text(text, encoding="utf-8")
    good = run_cli(["scan", "--demo", "--format", "json"])
    report = good.output_dir / "auditor.json"
    for args in (
        ["scan", "--snapshot", str(bad)],
        ["scan", "--demo", "--baseline", str(bad)],
        ["diff", str(bad), str(report), "-o", str(tmp_path / "d")],
        ["diff", str(report), str(bad), "-o", str(tmp_path / "d")],
    ):
        result = run_cli(args)
        assert result.code == 2, args
        assert f"{bad}" in result.err and message in result.err, (args, result.err)
        assert "Traceback" not in result.err


# Records of the IAM001 fixture, damaged one element at a time.
SUB = "aaaaaaaa-0000-4000-8000-000000000001"
_IAM = json.loads((FIXTURES / "rules" / "IAM001" / "resources.json").read_text("utf-8"))["value"]
ACCOUNT, WORKSPACE, ASSIGNMENT, DEFINITION = _IAM[0], _IAM[1], _IAM[2], _IAM[10]
EVENT = {
    "operationName": {"value": "Microsoft.CognitiveServices/accounts/regenerateKey/action"},
    "status": {"value": "Succeeded"},
    "eventTimestamp": "2026-01-01T00:00:00Z",
    "resourceId": ACCOUNT["id"],
    "subscriptionId": SUB,
}
MANIFEST = {
    "kind": "auditor-snapshot-manifest",
    "version": 1,
    "coverage": [{"subscription_id": SUB, "collected": ["ai_accounts", "activity_log"]}],
    "management_groups": {"root-mg": [SUB]},
    "errors": [
        {
            "scope": f"/subscriptions/{SUB}",
            "operation": "list role assignments",
            "message": "denied",
            "status_code": 403,
            "missing_permission": None,
            "data_kinds": ["role_assignments"],
        }
    ],
}


def damaged(record: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """A deep copy of ``record`` with the element at ``path`` set to ``value``."""
    copy: dict[str, Any] = json.loads(json.dumps(record))
    container: Any = copy
    for step in path[:-1]:
        container = container[step]
    container[path[-1]] = value
    return copy


# (name, file content, what the message says): each is exit 2 naming the file.
REFUSED_SHAPES: list[tuple[str, Any, str]] = [
    (
        "assignment properties a list",
        [damaged(ASSIGNMENT, ("properties",), [1])],
        "[0]: properties: expected an object, found an array",
    ),
    (
        "properties a string",
        [damaged(WORKSPACE, ("properties",), "x")],
        "properties: expected an object",
    ),
    ("type a number", [damaged(WORKSPACE, ("type",), 5)], "type: expected a string"),
    (
        "no id",
        {"value": [{"name": "x", "type": WORKSPACE["type"]}]},
        "value[0]: not an ARM resource (no 'id')",
    ),
    (
        "list item a number",
        {"value": [ACCOUNT, 5]},
        "value[1]: expected a JSON object, found a number",
    ),
    (
        "subscription name a number",
        [{"id": f"/subscriptions/{SUB}", "subscriptionId": SUB, "displayName": 5}],
        "displayName: expected a string",
    ),
    (
        "Resource Graph rows: 5",
        {"data": {"columns": [{"name": "id"}], "rows": 5}},
        "data.rows: expected an array, found a number",
    ),
    (
        "Resource Graph row too short",
        {"data": {"columns": [{"name": "id"}, {"name": "type"}], "rows": [["x"]]}},
        "data.rows[0]: expected an array of 2 values",
    ),
    (
        "Resource Graph column twice",
        {"data": {"columns": [{"name": "id"}, {"name": "id"}], "rows": []}},
        "data.columns[1]: column 'id' given twice",
    ),
    (
        "Resource Graph column name a list",
        {"data": {"columns": [{"name": ["id"]}], "rows": []}},
        "data.columns[0]: expected a column name",
    ),
    (
        "event timestamp year 9999 west of UTC",
        [ACCOUNT, damaged(EVENT, ("eventTimestamp",), "9999-12-31T23:00:00-05:00")],
        "[1]: eventTimestamp: not an ISO 8601 time",
    ),
    (
        "event timestamp year 1 east of UTC",
        [ACCOUNT, damaged(EVENT, ("eventTimestamp",), "0001-01-01T00:00:00+05:00")],
        "[1]: eventTimestamp: not an ISO 8601 time",
    ),
    (
        "event timestamp a number",
        [damaged(EVENT, ("eventTimestamp",), 5)],
        "eventTimestamp: not an ISO 8601 time",
    ),
    (
        "event operation a number",
        [damaged(EVENT, ("operationName",), {"value": 5})],
        "operationName.value: expected a string",
    ),
    (
        "event status a list",
        [damaged(EVENT, ("status",), {"value": [1]})],
        "status.value: expected a string",
    ),
    (
        "event resourceId a number",
        [damaged(EVENT, ("resourceId",), 5)],
        "resourceId: expected a string",
    ),
    (
        "manifest coverage a number",
        [damaged(MANIFEST, ("coverage",), 5)],
        "[0]: coverage: expected an array",
    ),
    (
        "manifest collected a number",
        [damaged(MANIFEST, ("coverage", 0, "collected"), 5)],
        "coverage[0].collected: expected an array of strings",
    ),
    (
        "manifest collected a string",
        [damaged(MANIFEST, ("coverage", 0, "collected"), "activity_log")],
        "coverage[0].collected: expected an array of strings",
    ),
    (
        "manifest unknown data kind",
        [damaged(MANIFEST, ("coverage", 0, "collected"), ["activity-log"])],
        "coverage[0].collected[0]: 'activity-log' is not a data kind",
    ),
    (
        "manifest coverage typo",
        [damaged(MANIFEST, ("coverage", 0, "colected"), [])],
        "coverage[0]: unknown field 'colected'",
    ),
    (
        "manifest subscription a number",
        [damaged(MANIFEST, ("coverage", 0, "subscription_id"), 5)],
        "coverage[0].subscription_id: expected a string",
    ),
    (
        "manifest management groups a list",
        [damaged(MANIFEST, ("management_groups",), ["root-mg"])],
        "management_groups: expected an object",
    ),
    (
        "manifest group members a string",
        [damaged(MANIFEST, ("management_groups", "root-mg"), SUB)],
        "management_groups.root-mg: expected an array of strings",
    ),
    ("manifest errors a number", [damaged(MANIFEST, ("errors",), 5)], "errors: expected an array"),
    (
        "manifest error a string",
        [damaged(MANIFEST, ("errors", 0), "denied")],
        "errors[0]: expected an object",
    ),
    (
        "manifest status_code a string",
        [damaged(MANIFEST, ("errors", 0, "status_code"), "403")],
        "errors[0].status_code: expected a whole number or null, found a string",
    ),
    (
        "manifest status_code a boolean",
        [damaged(MANIFEST, ("errors", 0, "status_code"), True)],
        "errors[0].status_code: expected a whole number",
    ),
    (
        "manifest data_kinds a string",
        [damaged(MANIFEST, ("errors", 0, "data_kinds"), "role_assignments")],
        "errors[0].data_kinds: expected an array of strings",
    ),
    (
        "manifest message a list",
        [damaged(MANIFEST, ("errors", 0, "message"), ["x"])],
        "errors[0].message: expected a string",
    ),
    (
        "manifest version 2",
        [damaged(MANIFEST, ("version",), 2)],
        "version: this auditor reads manifest version 1, found 2",
    ),
    (
        "manifest version a string",
        [damaged(MANIFEST, ("version",), "1")],
        "version: this auditor reads manifest version 1, found a string",
    ),
]


@pytest.mark.parametrize(
    ("content", "message"),
    [pytest.param(content, message, id=name) for name, content, message in REFUSED_SHAPES],
)
def test_malformed_snapshot_shapes_exit_2_naming_file_and_element(
    run_cli: Any, tmp_path: Path, content: Any, message: str
) -> None:
    """Each record of the wrong shape is exit 2 naming the file and the element, not a traceback."""
    path = write_json(tmp_path / "in" / "damaged.json", content)
    result = run_cli(["scan", "--snapshot", str(path), "--as-of", "2026-12-01"])
    assert result.code == 2, result.err
    assert f"{path}: " in result.err and message in result.err
    assert not (result.output_dir / "auditor.json").exists()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param([damaged(WORKSPACE, ("properties",), None)], id="properties null"),
        pytest.param([damaged(WORKSPACE, ("location",), ["eastus"])], id="location a list"),
        pytest.param([damaged(WORKSPACE, ("tags",), ["a"])], id="tags a list"),
        pytest.param([damaged(WORKSPACE, ("tags",), {"env": {"x": 1}})], id="tag an object"),
        pytest.param([damaged(WORKSPACE, ("identity",), "SystemAssigned")], id="identity a string"),
        pytest.param([damaged(ACCOUNT, ("systemData",), "x"), EVENT], id="systemData a string"),
        pytest.param([damaged(ACCOUNT, ("kind",), True)], id="kind a boolean"),
        pytest.param([damaged(WORKSPACE, ("name",), 5)], id="name a number"),
        pytest.param(
            [damaged(ACCOUNT, ("systemData",), {"createdAt": "9999-12-31T23:00:00-05:00"}), EVENT],
            id="createdAt past year 9999 in UTC",
        ),
        pytest.param(
            [damaged(ACCOUNT, ("systemData",), {"createdAt": "0001-01-01T00:00:00+05:00"}), EVENT],
            id="createdAt before year 1 in UTC",
        ),
        pytest.param(
            [damaged(ACCOUNT, ("systemData",), {"createdAt": "9999-12-31T23:59:59Z"}), EVENT],
            id="createdAt at the end of time",
        ),
        pytest.param(
            [ACCOUNT, damaged(EVENT, ("eventTimestamp",), "9999-12-31T23:59:59Z")],
            id="event at the end of time",
        ),
        pytest.param(
            [damaged(MANIFEST, ("extra",), {"added": "later"}), ACCOUNT],
            id="manifest field of a later writer",
        ),
    ],
)
def test_odd_or_wrong_typed_fields_are_judged(run_cli: Any, tmp_path: Path, content: Any) -> None:
    """Null objects, fields of the wrong type (the field reader's to judge), timestamps at the
    ends of time and later manifest fields give a report, not an error."""
    path = write_json(tmp_path / "in" / "odd.json", content)
    result = run_cli(["scan", "--snapshot", str(path), "--as-of", "2026-12-01"])
    assert result.code in (0, 1, 3), result.err
    validate(result.report())


def test_a_written_manifest_reads_back(tmp_path: Path) -> None:
    """What the snapshot writer puts in a manifest is exactly what the reader accepts."""
    builder = InventoryBuilder()
    builder.add(MANIFEST, SourceRef(kind="snapshot"))
    inventory = builder.build()
    written = manifest(inventory, TEST_NOW, tenant="t")
    again = read_manifest(json.loads(json.dumps(written)))
    assert again.errors == inventory.errors
    assert dict(again.coverage) == {SUB: ("activity_log", "ai_accounts")}
    assert dict(again.management_groups) == {"root-mg": (SUB,)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9999-12-31T23:00:00-05:00", None),
        ("0001-01-01T00:00:00+05:00", None),
        ("9999-12-31T23:59:59Z", dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)),
        ("2026-06-01T02:00:00+02:00", dt.datetime(2026, 6, 1, tzinfo=dt.UTC)),
        ("2026-06-01T00:00:00.1234567Z", dt.datetime(2026, 6, 1, 0, 0, 0, 123456, tzinfo=dt.UTC)),
        ("2026-06-01", dt.datetime(2026, 6, 1, tzinfo=dt.UTC)),
        ("yesterday", None),
        (5, None),
    ],
)
def test_timestamps_are_read_in_utc_within_the_calendar(text: object, expected: object) -> None:
    """A timestamp becomes UTC; one that leaves the years 1-9999 doing so is unreadable."""
    moment = parse_timestamp(text)
    assert moment == expected
    if moment is not None:
        assert moment.utcoffset() == dt.timedelta(0)
        assert iso(moment)


def _bomb(levels: int) -> str:
    """A YAML alias bomb: each level's list holds the previous level twice (2**levels nodes)."""
    lines = ["l0: &l0 [x, x]"]
    lines += [f"l{n}: &l{n} [*l{n - 1}, *l{n - 1}]" for n in range(1, levels)]
    return "version:\n  " + "\n  ".join(lines) + "\nsuppressions:\n"


SUPPRESS_AIS002 = ["suppress", "AIS002", "/y", "--reason", "r", "--owner", "o"]
SUPPRESS_AIS002 += ["--expires", "2027-01-01"]
ENTRY = "{rule: AIS001, resource: /x, reason: r, owner: o, expires: 2027-01-01}"
# (suppressions file text, what the message says): each is exit 2 naming the file and line.
REFUSED_SUPPRESSIONS = [
    (
        "nested 5,000 deep",
        "suppressions: " + "[" * 5000 + "]" * 5000 + "\n",
        ": invalid YAML: nested too deeply",
    ),
    (
        "a NUL character",
        "suppressions:\n  - rule: AIS001\x00\n",
        ":2: invalid YAML: a character YAML does not allow",
    ),
    (
        "a lone surrogate",
        "suppressions:\n  - " + ENTRY.replace("reason: r", 'reason: "\\ud800"') + "\n",
        ":2: 'reason' holds a lone UTF-16 surrogate",
    ),
    (
        "a key that is a list",
        "suppressions:\n  - ? [a]\n    : b\n",
        ":2: a key must be a plain name",
    ),
    ("a top-level key that is a list", "? [a]\n: b\n", ":1: a key must be a plain name"),
    (
        "owner null",
        "suppressions:\n  - " + ENTRY.replace("owner: o", "owner: null") + "\n",
        ":2: suppression is missing owner",
    ),
    (
        "suppressions given twice",
        "suppressions: []\nsuppressions:\n  - " + ENTRY + "\n",
        ":2: 'suppressions' is given twice",
    ),
    (
        "a merge key",
        "suppressions:\n  - <<: {rule: AIS001}\n    resource: /x\n",
        ":2: '<<' must be a single value",
    ),
    (
        "expires a number",
        "suppressions:\n  - " + ENTRY.replace("2027-01-01", "5") + "\n",
        ":2: expires '5' is not a date",
    ),
    (
        "expires year 9999",
        "suppressions:\n  - " + ENTRY.replace("2027-01-01", "9999-12-31") + "\n",
        ":2: expires 9999-12-31 is more than 180 days ahead",
    ),
]


@pytest.mark.parametrize(
    ("text", "message"),
    [pytest.param(text, message, id=name) for name, text, message in REFUSED_SUPPRESSIONS],
)
def test_malformed_suppressions_exit_2_naming_the_file(
    run_cli: Any, tmp_path: Path, text: str, message: str
) -> None:
    """A broken suppressions file stops scan and suppress alike with exit 2 naming it."""
    path = tmp_path / "suppressions.yaml"
    path.write_text(text, encoding="utf-8")
    before = path.read_bytes()
    scan = run_cli(["scan", "--demo", "--suppressions", str(path)])
    add = run_cli([*SUPPRESS_AIS002, "--suppressions", str(path)])
    for result in (scan, add):
        assert result.code == 2, result.err
        assert f"{path}" in result.err and message in result.err, result.err
    assert path.read_bytes() == before


def test_an_alias_bomb_in_suppressions_costs_nothing(run_cli: Any, tmp_path: Path) -> None:
    """A 2**40-node alias bomb is never expanded: the scan reads the (empty) list at once."""
    path = tmp_path / "suppressions.yaml"
    path.write_text(_bomb(40), encoding="utf-8")
    assert len(path.read_bytes()) < 2000
    result = run_cli(["scan", "--demo", "--as-of", "2026-11-01", "--suppressions", str(path)])
    assert result.code == 1, result.err
    add = run_cli([*SUPPRESS_AIS002, "--suppressions", str(path)])
    assert add.code == 0, add.err
    assert "AIS002" in path.read_text("utf-8")


def test_appending_to_a_flow_list_is_refused_by_name(run_cli: Any, tmp_path: Path) -> None:
    """`suppress` on a file whose list is written inline explains why, leaving the file as is."""
    path = tmp_path / "suppressions.yaml"
    path.write_text("suppressions: []\n", encoding="utf-8")
    result = run_cli([*SUPPRESS_AIS002, "--suppressions", str(path)])
    assert result.code == 2 and "cannot append safely" in result.err
    assert path.read_text("utf-8") == "suppressions: []\n"


# (config file bytes, what the message says): each is exit 2 naming the file.
REFUSED_CONFIGS: list[tuple[str, bytes, str]] = [
    (
        "nested 3,000 deep",
        b"select = " + b"[" * 3000 + b"]" * 3000,
        "invalid TOML: nested too deeply",
    ),
    ("Latin-1 text", b'format = "json\xe9"\n', ":1:15: not UTF-8 text"),
    (
        "nan for a number",
        b"concurrency = nan\n",
        "concurrency: expects a string or a whole number, not nan",
    ),
    (
        "inf for a number",
        b"key-max-age-days = inf\n",
        "key-max-age-days: expects a string or a whole number",
    ),
    (
        "a fraction",
        b"key-max-age-days = 1.5\n",
        "key-max-age-days: expects a string or a whole number",
    ),
    ("a number for a path", b"output-dir = 5\n", "output-dir: expects a string"),
    ("a number for a choice", b"auth = 5\n", "auth: expects a string"),
    ("a fraction in a list", b"select = [1.5]\n", "select: expects a string or a whole number"),
    ("a boolean in a list", b"select = [true]\n", "select: expects a value, not true/false"),
    ("year 9999", b"as-of = 9999-12-31\n", "as-of: '9999-12-31' is outside the years 1900 to 9000"),
    ("a time of day", b"as-of = 07:32:00\n", "as-of: '07:32:00' is not an ISO 8601 date or time"),
    ("a key twice", b'format = "json"\nformat = "html"\n', "invalid TOML"),
    ("debug", b"debug = true\n", "unknown config key 'debug'"),
    ("an unknown format", b'format = ["json", "pdf"]\n', "format: unknown format 'pdf'"),
    ("an unknown stdout format", b'stdout = "pdf"\n', "stdout: unknown format 'pdf'"),
    (
        "parameters not a table",
        b"parameters = 5\n",
        "[parameters] must be a table of rule tables",
    ),
    (
        "a rule's parameters not a table",
        b"[parameters]\nAIS002 = 5\n",
        "[parameters.AIS002] must be a table",
    ),
    (
        "a parameter of the wrong type",
        b'[parameters.AIS002]\nkey_max_age_days = "30"\n',
        "[parameters.AIS002] key_max_age_days: must be a whole number, found a string",
    ),
    (
        "a parameter below its minimum",
        b"[parameters.AIS002]\nkey_max_age_days = 0\n",
        "[parameters.AIS002] key_max_age_days: must be at least 1, found 0",
    ),
    (
        "nan for an integer parameter",
        b"[parameters.IAM003]\nmax_owners = nan\n",
        "[parameters.IAM003] max_owners: must be a whole number, found a number",
    ),
    (
        "a number in a list parameter",
        b'[parameters.IAM002]\nwildcards = ["*", 5]\n',
        "[parameters.IAM002] wildcards: must be a list of strings, found a list",
    ),
    ("an unknown parameter", b"[parameters.AIS002]\nmax_age = 30\n", "has no parameter 'max_age'"),
    ("an unknown rule", b"[parameters.AIS999]\nx = 1\n", "[parameters.AIS999]: no rule 'AIS999'"),
]


@pytest.mark.parametrize(
    ("content", "message"),
    [pytest.param(content, message, id=name) for name, content, message in REFUSED_CONFIGS],
)
def test_malformed_config_files_exit_2_naming_the_file(
    run_cli: Any, tmp_path: Path, content: bytes, message: str
) -> None:
    """A config value of the wrong type or encoding is exit 2 naming the file and key."""
    path = tmp_path / "auditor.toml"
    path.write_bytes(content)
    for argv in (
        ["scan", "--demo", "--config", str(path)],
        ["config", "show", "--config", str(path)],
    ):
        result = run_cli(argv)
        assert result.code == 2, result.err
        assert f"{path}" in result.err and message in result.err, result.err


def _report(findings: Any, **extra: Any) -> str:
    return json.dumps(
        {"tool": {"name": "auditor"}, "schema_version": "1.0", "findings": findings, **extra}
    )


GOOD_FINDING = {
    "fingerprint": "0" * 32,
    "status": "fail",
    "severity": "high",
    "rule_id": "AIS001",
    "title": "t",
    "resource_id": "/x",
    "resource_name": "x",
}
# (report text, what the message says): a baseline or a diff input that is no usable report.
REFUSED_REPORTS = [
    ("findings an object", _report({"a": 1}), "findings: expected an array"),
    ("a finding a string", _report(["x"]), "findings[0]: expected an object"),
    (
        "severity off the list",
        _report([{**GOOD_FINDING, "severity": "severe"}]),
        "findings[0].severity: expected one of",
    ),
    (
        "severity a number",
        _report([{**GOOD_FINDING, "severity": 5}]),
        "findings[0].severity: expected one of",
    ),
    (
        "status a list",
        _report([{**GOOD_FINDING, "status": ["fail"]}]),
        "findings[0].status: expected one of",
    ),
    (
        "rule_id missing",
        _report([{k: v for k, v in GOOD_FINDING.items() if k != "rule_id"}]),
        "findings[0].rule_id: expected a string",
    ),
    (
        "resource_id a number",
        _report([{**GOOD_FINDING, "resource_id": 5}]),
        "findings[0].resource_id: expected a string",
    ),
    ("scan a list", _report([], scan=[]), "scan: expected an object"),
    (
        "scan.as_of a number",
        _report([], scan={"as_of": 5}),
        "scan.as_of: expected a string or null",
    ),
    ("summary a string", _report([], summary="x"), "summary: expected an object"),
    ("gate a list", _report([], summary={"gate": []}), "summary.gate: expected an object"),
    (
        "incomplete a string",
        _report([], summary={"gate": {"incomplete": "yes"}}),
        "summary.gate.incomplete: expected true or false",
    ),
]


@pytest.mark.parametrize(
    ("content", "message"),
    [pytest.param(content, message, id=name) for name, content, message in REFUSED_REPORTS],
)
def test_malformed_baselines_and_diff_inputs_exit_2(
    run_cli: Any, tmp_path: Path, content: str, message: str
) -> None:
    """Every report field a comparison reads is checked: exit 2 naming file and element."""
    path = tmp_path / "old.json"
    path.write_text(content, encoding="utf-8")
    good = tmp_path / "good.json"
    good.write_text(_report([GOOD_FINDING]), encoding="utf-8")
    out = str(tmp_path / "d")
    for argv in (
        ["scan", "--demo", "--baseline", str(path)],
        ["diff", str(path), str(good), "-o", out],
        ["diff", str(good), str(path), "-o", out],
    ):
        result = run_cli(argv)
        assert result.code == 2, (argv, result.err)
        assert f"{path}: " in result.err and message in result.err, result.err


def test_a_minimal_report_still_compares(run_cli: Any, tmp_path: Path) -> None:
    """A report with only the fields a comparison reads (no scan, no summary) is accepted."""
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(_report([GOOD_FINDING]), encoding="utf-8")
    new.write_text(_report([]), encoding="utf-8")
    result = run_cli(["diff", str(old), str(new), "-o", str(tmp_path / "d")])
    assert result.code == 0, result.err
    assert "fixed: 1" in result.out


ML = "Microsoft.MachineLearningServices"
FRAUD = f"/subscriptions/{SUB_A}/resourceGroups/rg-ml/providers/{ML}/workspaces/mlw-fraud"


@pytest.mark.parametrize(
    ("item", "says"),
    [
        pytest.param(
            {"properties": [1]},
            "properties: expected an object, found an array",
            id="properties a list",
        ),
        pytest.param({"type": 5}, "type: expected a string", id="type a number"),
    ],
)
def test_a_live_record_of_the_wrong_shape_is_an_error_entry(
    emulator: ArmEmulator, run_cli: Any, item: dict[str, Any], says: str
) -> None:
    """A compute of the wrong shape from a misbehaving ARM is an error entry (incomplete), not a bug."""
    compute = {"id": f"{FRAUD}/computes/odd", "type": f"{ML}/workspaces/computes", **item}
    emulator.fail_always(f"{FRAUD}/computes", Fault(body={"value": [compute]}))
    result = run_cli(
        ["scan", "--arm-endpoint", emulator.url, "--auth", "token", "--as-of", "2026-11-01"]
    )
    assert result.code == 1, result.err  # the estate has failures; without them it would be 3
    assert result.report()["summary"]["gate"]["incomplete"] is True
    errors = result.report()["errors"]
    [error] = [e for e in errors if e["scope"].endswith("/computes/odd")]
    assert error["operation"] == "read resource" and says in error["message"]


def test_a_creation_date_after_the_moment_judged_is_never_a_pass(
    run_cli: Any, tmp_path: Path
) -> None:
    """A key-using account 'created' in year 9999 is unknown for key rotation, not a pass."""
    account = damaged(ACCOUNT, ("properties",), {"disableLocalAuth": False})
    account["systemData"] = {"createdAt": "9999-12-31T23:59:59Z"}
    path = write_json(tmp_path / "in" / "future.json", [account, EVENT])
    result = run_cli(["scan", "--snapshot", str(path), "--as-of", "2026-12-01", "--include-passed"])
    [finding] = [f for f in result.report()["findings"] if f["rule_id"] == "AIS002"]
    assert finding["status"] == "unknown"
    assert "after the moment judged" in finding["message"]
