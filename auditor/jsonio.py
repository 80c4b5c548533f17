"""Strict JSON in: the one reader behind every JSON file the tool accepts.

Python's :mod:`json` is lenient where a security tool must not be: it accepts ``NaN`` and
``Infinity``, turns ``1e999`` into infinity, keeps lone UTF-16 surrogates (``"\\ud800"``) that
no encoder can write back, keeps the last of duplicate keys (another parser sees the first),
and nests as deep as the C stack allows, so a later recursive step fails instead. Here each of
those is an :class:`~auditor.errors.InputError` (exit 2) naming the file and, where the parser
knows it, ``line:col``, else the element path (``properties.tags["x"]``). No message repeats
a value from the input: a value may be a secret.

One UTF-8 byte order mark is tolerated, as RFC 8259 section 8.1 allows (Windows tools write
one); any other encoding is an error naming the byte where decoding failed.
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_left
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from auditor import digests
from auditor.errors import InputError

MAX_DEPTH = 100
"""Deepest nesting of arrays and objects accepted. Real ARM documents stay far below it;
far below Python's recursion limit too, so recursive code downstream never overflows."""

_BOM = "\ufeff"
_SURROGATE = re.compile("[\ud800-\udfff]")
_IDENTIFIER = re.compile(r"[A-Za-z_$@][\w$@.-]*\Z")


class _NonFinite:
    """Stands in for NaN, Infinity or an overflowing number until its element path is known."""

    __slots__ = ("literal",)

    def __init__(self, literal: str) -> None:
        self.literal = literal


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _constant(literal: str) -> _NonFinite:
    return _NonFinite(f"{literal} is not JSON (strict JSON has no NaN or Infinity)")


def _float(literal: str) -> float | _NonFinite:
    value = float(literal)
    if math.isfinite(value):
        return value
    return _NonFinite("a number beyond the float range (it would read as Infinity)")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKeyError(key)
            seen.add(key)
    return result


def _step(key: str | int) -> str:
    if isinstance(key, int):
        return f"[{key}]"
    if _IDENTIFIER.match(key):
        return f".{key}"
    return f"[{json.dumps(key)}]"  # ASCII-escaped: a surrogate or control character prints safely


_SHOWN_STEPS = 8


def _path(steps: tuple[str | int, ...]) -> str:
    shown = "".join(_step(s) for s in steps[:_SHOWN_STEPS]).lstrip(".") or "top level"
    return f"{shown}..." if len(steps) > _SHOWN_STEPS else shown


def _refused(value: Any, depth: int, max_depth: int) -> str | None:
    """What strict JSON refuses in this one value (its children are not looked at)."""
    if isinstance(value, str):
        if not value.isascii() and _SURROGATE.search(value):
            return "a lone UTF-16 surrogate in a string"
    elif isinstance(value, dict):
        if depth >= max_depth:
            return f"nested deeper than {max_depth} levels"
        if any(not key.isascii() and _SURROGATE.search(key) for key in value):
            return "a lone UTF-16 surrogate in a key"
    elif isinstance(value, list):
        if depth >= max_depth:
            return f"nested deeper than {max_depth} levels"
    elif isinstance(value, _NonFinite):
        return value.literal
    return None


def _has_problem(document: Any, max_depth: int) -> bool:
    """Whether any value is refused. Level by level, with the strings of a level checked in
    one joined piece: no recursion, no tuple per value, a small cost beside the parse."""
    level = [document]
    depth = 0
    while level:
        following: list[Any] = []
        texts: list[str] = []
        for value in level:
            kind = type(value)
            if kind is str:
                texts.append(value)
            elif kind is dict:
                if depth >= max_depth:
                    return True
                texts.extend(value)
                following.extend(value.values())
            elif kind is list:
                if depth >= max_depth:
                    return True
                following.extend(value)
            elif kind is _NonFinite:
                return True
        joined = "".join(texts)
        if not joined.isascii() and _SURROGATE.search(joined):
            return True
        level = following
        depth += 1
    return False


def _first_problem(document: Any, max_depth: int) -> tuple[tuple[str | int, ...], str] | None:
    """The element path and nature of the first refused value in document order, if any.

    The slow walk, run only once :func:`_has_problem` found something; iterative, so a
    document nested past the recursion limit is reported, not re-raised."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while stack:
        value, steps = stack.pop()
        nature = _refused(value, len(steps), max_depth)
        if nature is not None:
            return steps, nature
        if isinstance(value, dict):
            stack.extend((item, (*steps, key)) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(
                (item, (*steps, index)) for index, item in reversed(list(enumerate(value)))
            )
    return None


def _line_col(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"{line}:{offset - (text.rfind(chr(10), 0, offset) + 1) + 1}"


def _position(text: str, offset: int, line_ends: Sequence[int] | None) -> str:
    if line_ends is None:
        return _line_col(text, offset)
    line = bisect_left(line_ends, offset)  # lines ended before offset
    start = line_ends[line - 1] + 1 if line else 0
    return f"{line + 1}:{offset - start + 1}"


def parse_json(
    text: str,
    where: str,
    *,
    max_depth: int = MAX_DEPTH,
    line_ends: Sequence[int] | None = None,
) -> Any:
    """The JSON value ``text`` holds, parsed strictly; ``where`` names it in every error.

    ``line_ends`` (offsets where the text's lines end) is for text rewritten from a file:
    a template's line breaks inside strings, escaped before parsing, still end lines there,
    so an error's ``line:col`` is that of the file as written."""
    if text.startswith(_BOM):
        text = text[1:]
    try:
        document = json.loads(
            text,
            parse_constant=_constant,
            parse_float=_float,
            object_pairs_hook=_unique_pairs,
        )
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{where}:{_position(text, exc.pos, line_ends)}: invalid JSON: {exc.msg}"
        ) from None
    except _DuplicateKeyError as exc:
        raise InputError(f"{where}: invalid JSON: duplicate key {json.dumps(exc.key)}") from None
    except RecursionError:
        raise InputError(f"{where}: invalid JSON: nested deeper than {max_depth} levels") from None
    except ValueError:  # an integer literal longer than Python converts (4,300 digits)
        raise InputError(f"{where}: invalid JSON: a number longer than 4,300 digits") from None
    problem = _first_problem(document, max_depth) if _has_problem(document, max_depth) else None
    if problem is not None:
        steps, nature = problem
        raise InputError(f"{where}: {_path(steps)}: invalid JSON: {nature}")
    return document


def decode_text(data: bytes, where: str) -> str:
    """``data`` decoded as UTF-8 (one leading BOM dropped); anything else is an InputError."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8", errors="replace")
        hint = " (UTF-16? save the file as UTF-8)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise InputError(
            f"{where}:{_line_col(prefix, len(prefix))}: not UTF-8 text (byte {exc.start}){hint}"
        ) from None
    return text[1:] if text.startswith(_BOM) else text


def read_text(path: Path, where: str | None = None) -> str:
    """A UTF-8 text file's content; an unreadable or undecodable file is an InputError."""
    name = where or str(path)
    try:
        data = digests.read_bytes(path)
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a folder, not a file") from None
    except OSError as exc:
        raise InputError(
            f"{name}: cannot read the file ({exc.strerror or type(exc).__name__})"
        ) from None
    return decode_text(data, name)


def read_json(path: Path, where: str | None = None, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value in the file at ``path``, read strictly (see :func:`parse_json`)."""
    name = where or str(path)
    return parse_json(read_text(path, name), name, max_depth=max_depth)
