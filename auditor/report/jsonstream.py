"""JSON written to a stream as it is produced, by the C encoder: the JSON and SARIF writers.

``json.dumps(indent=2)`` runs the pure-Python encoder (the C one serves ``indent=None`` only)
and builds the whole text at once. Here the document's outline is indented as ``indent=2``
would, while each item of a :class:`OnePerLine` array (a finding, a rule, a SARIF result) is
encoded compactly by the C encoder on a line of its own: the file stays readable and
line-oriented (``grep``, ``git diff``), is written item by item, and is never held whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TextIO

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
"""``indent=None``: the C encoder (``c_make_encoder``) does the work."""
_CHUNK = 512
"""Items joined per ``write`` call: fewer calls, a bounded buffer."""


class OnePerLine:
    """A JSON array written one compact item per line, from an iterable consumed once."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)


def dump(value: Any, stream: TextIO) -> None:
    """Write ``value`` and a final newline."""
    _write(value, stream, "\n")
    stream.write("\n")


def _write(value: Any, stream: TextIO, newline: str) -> None:
    inner = newline + "  "
    if isinstance(value, OnePerLine):
        _write_lines(value, stream, newline, inner)
    elif isinstance(value, Mapping) and value:
        sep = "{"
        for key, item in value.items():
            stream.write(f"{sep}{inner}{_COMPACT.encode(str(key))}: ")
            _write(item, stream, inner)
            sep = ","
        stream.write(newline + "}")
    elif isinstance(value, list | tuple) and value:
        sep = "["
        for item in value:
            stream.write(sep + inner)
            _write(item, stream, inner)
            sep = ","
        stream.write(newline + "]")
    else:
        stream.write(_COMPACT.encode(value))


def _write_lines(value: OnePerLine, stream: TextIO, newline: str, inner: str) -> None:
    encode = _COMPACT.encode
    chunk: list[str] = []
    written = False
    for item in value:
        chunk.append(encode(item))
        if len(chunk) == _CHUNK:
            stream.write(("," if written else "[") + inner + ("," + inner).join(chunk))
            written, chunk = True, []
    if chunk:
        stream.write(("," if written else "[") + inner + ("," + inner).join(chunk))
        written = True
    stream.write(newline + "]" if written else "[]")
