"""Reading YAML with bounded work: alias expansion, nesting and recursive anchors refused.

``yaml.safe_load`` builds an alias bomb (``a: &a [x, x]``, ``b: &b [*a, *a]``, ... nine
levels in 600 bytes) cheaply, by reference; whatever walks the result afterwards (line maps,
JSON output, the rules) pays for all 10^9 nodes. :class:`BoundedSafeLoader` counts what the
document would be once its aliases are expanded and stops early with a
:class:`yaml.MarkedYAMLError` (so callers that already catch ``yaml.YAMLError`` report it
with its line), as it does for nesting past :data:`MAX_DEPTH` and an anchor used inside
itself.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["MAX_ALIASES", "MAX_DEPTH", "MAX_NODES", "BoundedSafeLoader", "YamlBoundError", "load"]

MAX_NODES = 100_000
"""Nodes of one document with every alias expanded."""
MAX_ALIASES = 1_000
"""Alias uses (``*name``) in one document."""
MAX_DEPTH = 100
"""Mappings and sequences nested inside one another."""


class YamlBoundError(yaml.MarkedYAMLError):
    """A YAML document past one of this module's bounds."""


class BoundedSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses documents past :data:`MAX_NODES`, :data:`MAX_ALIASES`
    or :data:`MAX_DEPTH`, and recursive anchors."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._sizes: dict[int, int] = {}
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        if self.check_event(yaml.AliasEvent):
            node = super().compose_node(parent, index)
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise self._error(f"more than {MAX_ALIASES:,} aliases", mark)
            if id(node) not in self._sizes:
                raise self._error("an alias used inside the node it names", mark)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise self._error(f"nested deeper than {MAX_DEPTH} levels", mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self._sizes[id(child)] for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            size += sum(self._sizes[id(k)] + self._sizes[id(v)] for k, v in node.value)
        if size > MAX_NODES:
            raise self._error(f"more than {MAX_NODES:,} nodes once its aliases are expanded", mark)
        self._sizes[id(node)] = size
        return node

    @staticmethod
    def _error(problem: str, mark: yaml.Mark) -> YamlBoundError:
        return YamlBoundError(problem=f"{problem} (this tool's bound)", problem_mark=mark)


def load(text: str) -> tuple[Any, yaml.Node | None]:
    """One YAML document's value and its node tree (for line numbers), within the bounds.

    Raises :class:`yaml.YAMLError` (a :class:`YamlBoundError` past a bound)."""
    loader = BoundedSafeLoader(text)
    try:
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return value, node
