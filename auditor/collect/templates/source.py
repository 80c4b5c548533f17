"""Reading template files with the line of every value, for findings that point at a line.

JSON is first checked with :func:`json.loads` (its messages name line and column), then
walked once more by a small scanner that records where each value starts. YAML uses the
node marks of :func:`yaml.compose`. Either way the result is plain Python data plus a map
from a value's path (keys and list indexes) to its 1-based line.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from auditor import jsonio, yamlio
from auditor.collect.templates.limits import MAX_DOCUMENT_DEPTH, MAX_FILE_BYTES, MAX_YAML_CHARS
from auditor.errors import InputError

PathKey = tuple[str | int, ...]

_NUMBER_RE = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_WHITESPACE_RE = re.compile(r"[ \t\n\r]*")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Document:
    """One parsed template file."""

    path: Path
    text: str
    value: Any
    lines: Mapping[PathKey, int]
    """Path of a value (object keys and array indexes) -> the line it starts on (1-based);
    for an object member, the line of its key."""

    def line_of(self, path: PathKey) -> int | None:
        """The line of the value at ``path``, or of its nearest ancestor that has one."""
        current = path
        while True:
            if current in self.lines:
                return self.lines[current]
            if not current:
                return None
            current = current[:-1]


def read_text(path: Path) -> str:
    """A template file's text (UTF-8, BOM tolerated); an unreadable, undecodable or oversized
    file is an InputError."""
    try:
        too_big = path.stat().st_size > MAX_FILE_BYTES
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror})") from None
    if too_big:
        raise InputError(
            f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB (this tool's bound on a "
            "template input file)"
        )
    return jsonio.read_text(path)


def element_path(path: PathKey) -> str:
    """``resources[3].properties`` for a value's path, for messages."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(the top level)"


class _JsonScanner:
    """Walks text already known to be valid, strict JSON (see :mod:`auditor.jsonio`, which
    also bounds its depth), recording the line of every value."""

    def __init__(self, text: str, line_ends: list[int]) -> None:
        self.text = text
        self.newlines = line_ends
        self.lines: dict[PathKey, int] = {}
        self.decoder = json.JSONDecoder()

    def line(self, offset: int) -> int:
        return bisect_right(self.newlines, offset - 1) + 1

    def skip(self, offset: int) -> int:
        match = _WHITESPACE_RE.match(self.text, offset)
        return match.end() if match else offset

    def value(self, offset: int, path: PathKey, line: int | None = None) -> tuple[Any, int]:
        offset = self.skip(offset)
        self.lines[path] = line if line is not None else self.line(offset)
        char = self.text[offset]
        if char == "{":
            return self._object(offset + 1, path)
        if char == "[":
            return self._array(offset + 1, path)
        if char == '"':
            return self.string(offset)
        return self.decoder.raw_decode(self.text, offset)

    def string(self, offset: int) -> tuple[str, int]:
        return json.decoder.scanstring(self.text, offset + 1)  # type: ignore[attr-defined,no-any-return]

    def _object(self, offset: int, path: PathKey) -> tuple[Any, int]:
        result: dict[str, Any] = {}
        offset = self.skip(offset)
        if self.text[offset] == "}":
            return result, offset + 1
        while True:
            offset = self.skip(offset)
            key_line = self.line(offset)
            key, offset = self.string(offset)
            offset = self.skip(offset) + 1  # the colon
            result[key], offset = self.value(offset, (*path, key), key_line)
            offset = self.skip(offset)
            if self.text[offset] == "}":
                return result, offset + 1
            offset += 1  # the comma

    def _array(self, offset: int, path: PathKey) -> tuple[Any, int]:
        result: list[Any] = []
        offset = self.skip(offset)
        if self.text[offset] == "]":
            return result, offset + 1
        while True:
            item, offset = self.value(offset, (*path, len(result)))
            result.append(item)
            offset = self.skip(offset)
            if self.text[offset] == "]":
                return result, offset + 1
            offset += 1


_TOKEN_RE = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/', re.DOTALL)
_NEWLINE_RE = re.compile("\n")
_ESCAPED_BREAK_RE = re.compile(r"(?<!\\)(?:\\\\)*\\[\r\n]")


def template_text(text: str) -> tuple[str, list[int]]:
    """A template's text as strict JSON, with the offset where each of its lines ends.

    ARM's template parser accepts ``//`` and ``/* */`` comments (blanked to spaces here) and
    line breaks inside string literals (escaped to ``\\n``/``\\r`` here, so the value keeps
    them). An escaped line break still ends a line in the returned offsets, so lines and
    columns found in the new text are those of the file as written."""
    escaped_ends: list[int] = []
    growth = 0  # characters the escapes so far added: new offset = old offset + growth

    def rewrite(match: re.Match[str]) -> str:
        nonlocal growth
        token = match.group(0)
        if not token.startswith('"'):
            return re.sub(r"[^\n]", " ", token)
        if ("\n" not in token and "\r" not in token) or _ESCAPED_BREAK_RE.search(token):
            return token  # a backslash before a line break is no escape: left for JSON to refuse
        *lines, last = token.replace("\r", "\\r").split("\n")
        offset = match.start() + growth
        for line in lines:
            offset += len(line) + 2
            escaped_ends.append(offset - 1)  # the "n" of the escape ends the line
        result = "\\n".join([*lines, last])
        growth += len(result) - len(token)
        return result

    rewritten = _TOKEN_RE.sub(rewrite, text)
    line_ends = [m.start() for m in _NEWLINE_RE.finditer(rewritten)]
    return rewritten, sorted(line_ends + escaped_ends) if escaped_ends else line_ends


def parse_json(path: Path, text: str) -> Document:
    """Parse JSON text with line numbers; invalid JSON is an InputError naming line and column.

    Strict JSON (:func:`auditor.jsonio.parse_json`: no NaN or Infinity, no lone surrogates,
    no duplicate keys, nesting bounded), except for what ARM's own template parser accepts
    beyond JSON: ``//`` and ``/* */`` comments and line breaks inside strings."""
    text = text.removeprefix("\ufeff")
    where = str(path)
    try:  # most templates, and every Terraform plan, are plain JSON: no rewriting pass
        value = jsonio.parse_json(text, where, max_depth=MAX_DOCUMENT_DEPTH)
        line_ends = [m.start() for m in _NEWLINE_RE.finditer(text)]
    except InputError:
        text, line_ends = template_text(text)
        value = jsonio.parse_json(text, where, max_depth=MAX_DOCUMENT_DEPTH, line_ends=line_ends)
    scanner = _JsonScanner(text, line_ends)
    scanner.value(0, ())
    return Document(path=path, text=text, value=value, lines=scanner.lines)


def _yaml_lines(node: yaml.Node, path: PathKey, lines: dict[PathKey, int], line: int) -> None:
    lines[path] = line
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                _yaml_lines(
                    value_node, (*path, str(key_node.value)), lines, key_node.start_mark.line + 1
                )
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _yaml_lines(item, (*path, index), lines, item.start_mark.line + 1)


def parse_yaml(path: Path, text: str) -> Document:
    """Parse one YAML document with line numbers; invalid YAML is an InputError naming
    line and column."""
    if len(text) > MAX_YAML_CHARS:  # PyYAML's pure-Python composer reads about 1 MB a second
        raise InputError(
            f"{path}: a YAML file of more than {MAX_YAML_CHARS:,} characters (this tool's bound; "
            "Azure ML specs and v1 deploy configs are a few KB)"
        )
    try:
        value, node = yamlio.load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "?"
        raise InputError(f"{path}:{where}: invalid YAML: {exc.problem or exc}") from exc
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise InputError(f"{path}: invalid YAML: {exc}") from exc
    lines: dict[PathKey, int] = {}
    if node is not None:
        _yaml_lines(node, (), lines, node.start_mark.line + 1)
    try:
        plain = _json_like(value)
    except ValueError as exc:
        raise InputError(f"{path}: invalid YAML: {exc}") from exc
    return Document(path=path, text=text, value=plain, lines=lines)


def _json_like(value: Any, where: PathKey = ()) -> Any:
    """YAML's extra types as what the same JSON template would hold: timestamps as their ISO
    text, keys as strings; NaN, infinities, binary and sets refused (strict JSON)."""
    if isinstance(value, dict):
        return {str(k): _json_like(v, (*where, str(k))) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_like(v, (*where, i)) for i, v in enumerate(value)]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{element_path(where)}: {value} is not a JSON number")
    if isinstance(value, str):
        if _SURROGATE_RE.search(value):
            raise ValueError(f"{element_path(where)}: a lone surrogate (not valid Unicode)")
        return value
    if value is None or isinstance(value, (bool, int, float)):
        return value
    raise ValueError(f"{element_path(where)}: a YAML {type(value).__name__} has no JSON form")


def parse(path: Path, text: str | None = None) -> Document:
    """Parse a file as JSON when it looks like JSON (or ends in .json), else as YAML."""
    content = read_text(path) if text is None else text
    stripped = content.lstrip()
    if path.suffix.lower() == ".json" or stripped.startswith(("{", "[")):
        return parse_json(path, content)
    return parse_yaml(path, content)
