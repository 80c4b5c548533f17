"""Malformed input never ends in a traceback: strict JSON, and every reader's shapes, exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from auditor.errors import InputError
from auditor.jsonio import MAX_DEPTH, parse_json, read_json

WORKSPACE_ID = (
    "/subscriptions/00000000-0000-4000-8000-000000000000/resourceGroups/rg/providers/"
    "Microsoft.MachineLearningServices/workspaces/ws"
)

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
