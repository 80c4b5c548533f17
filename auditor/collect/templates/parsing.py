"""The ARM template expression grammar: the text inside ``[...]`` to a syntax tree.

Parsing knows nothing of parameters or the deployment; evaluating a tree against a
:class:`~auditor.collect.templates.expressions.Scope` is
:mod:`auditor.collect.templates.expressions`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

from auditor.collect.templates.functions import InvalidExpression, Unresolvable
from auditor.collect.templates.limits import (
    MAX_EXPRESSION_CHARS,
    MAX_EXPRESSION_DEPTH,
    Budget,
    LimitExceeded,
)

_TOKEN_RE = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_$][\w$]*)"
    r"|(?P<punct>[().,\[\]]))"
)


class ExpressionSyntaxError(Unresolvable):
    """Text inside ``[...]`` that is not a valid expression."""


Node = tuple[Any, ...]
"""("lit", value) | ("call", name, [args]) | ("prop", node, name) | ("index", node, node)"""


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None:
            raise ExpressionSyntaxError(f"cannot read expression at {text[position:][:20]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.position = 0
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, punct: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (punct is not None and token != ("punct", punct)):
            raise ExpressionSyntaxError(f"expected {punct or 'more'} in expression [{self.text}]")
        self.position += 1
        return token

    def parse(self) -> Node:
        node = self.expression()
        if self.peek() is not None:
            raise ExpressionSyntaxError(f"unexpected {self.peek()} in expression [{self.text}]")
        return node

    def expression(self) -> Node:
        self.depth += 1
        if self.depth > MAX_EXPRESSION_DEPTH:
            raise LimitExceeded(
                f"an expression nests calls deeper than {MAX_EXPRESSION_DEPTH} levels "
                "(this tool's bound)"
            )
        try:
            return self._expression()
        finally:
            self.depth -= 1

    def _expression(self) -> Node:
        kind, text = self.take()
        node: Node
        if kind == "string":
            node = ("lit", text[1:-1].replace("''", "'"))
        elif kind == "number":
            node = ("lit", float(text) if "." in text else int(text))
        elif kind == "name":
            self.take("(")
            args: list[Node] = []
            if self.peek() != ("punct", ")"):
                args.append(self.expression())
                while self.peek() == ("punct", ","):
                    self.take(",")
                    args.append(self.expression())
            self.take(")")
            node = ("call", text, args)
        else:
            raise ExpressionSyntaxError(f"unexpected {text!r} in expression [{self.text}]")
        while self.peek() in (("punct", "."), ("punct", "[")):
            if self.take()[1] == ".":
                kind, name = self.take()
                if kind != "name":
                    raise ExpressionSyntaxError(f"expected a property name in [{self.text}]")
                node = ("prop", node, name)
            else:
                index = self.expression()
                self.take("]")
                node = ("index", node, index)
        return node


@functools.lru_cache(maxsize=4096)
def parse_expression(text: str) -> Node:
    """Parse the text inside ``[...]`` (a copy loop parses each expression once)."""
    if len(text) + 2 > MAX_EXPRESSION_CHARS:
        raise LimitExceeded(
            f"an expression of {len(text) + 2:,} characters (ARM's limit is "
            f"{MAX_EXPRESSION_CHARS:,})"
        )
    return _Parser(text).parse()


def is_expression(text: str) -> bool:
    """Whether a JSON string is an expression (``[...]``, not the ``[[`` escape)."""
    return len(text) >= 2 and text[0] == "[" and text[-1] == "]" and not text.startswith("[[")


def variable_names(value: Any, budget: Budget) -> Iterator[str]:
    """Names used as ``variables('literal')`` anywhere in a JSON value's expressions."""
    pending = [value]
    while pending:
        item = pending.pop()
        budget.charge()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and is_expression(item):
            try:
                nodes = [parse_expression(item[1:-1])]
            except (Unresolvable, InvalidExpression):
                continue  # reported when the value is evaluated
            while nodes:
                node = nodes.pop()
                budget.charge()
                if node[0] == "call":
                    args = node[2]
                    if str(node[1]).lower() == "variables" and args and args[0][0] == "lit":
                        yield str(args[0][1])
                    nodes.extend(args)
                elif node[0] == "prop":
                    nodes.append(node[1])
                elif node[0] == "index":
                    nodes.extend(node[1:])
