"""The ARM template expression language: ``"[concat(parameters('name'), '-ws')]"``.

A small parser and evaluator for what security rules read. Values come from a
:class:`Scope` (parameters, variables, the mock deployment context, copy indexes). Anything
that cannot be known before deployment (``reference()``, ``listKeys()``, ``utcNow()``), a
parameter with no value, or a function this evaluator does not know raises
:class:`Unresolvable`; the caller stores an unresolved-value marker instead, so rules report
``unknown`` with the expression, never a pass.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditor.collect.templates.functions import (
    ARITY,
    FUNCTIONS,
    InvalidExpression,
    Unresolvable,
    arity,
    concrete,
    describe,
    lookup_key,
)
from auditor.collect.templates.limits import (
    MAX_EXPRESSION_CHARS,
    MAX_EXPRESSION_DEPTH,
    Budget,
    LimitExceeded,
)
from auditor.collect.templates.scopefunctions import SCOPE_FUNCTIONS
from auditor.unresolved import MARKER_KEY, is_unresolved

__all__ = [
    "DeploymentContext",
    "InvalidExpression",
    "Scope",
    "UndeclaredParameter",
    "Unresolvable",
    "evaluate_expression",
    "evaluate_value",
    "resolve_deep",
]

_TOKEN_RE = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_$][\w$]*)"
    r"|(?P<punct>[().,\[\]]))"
)


class ExpressionSyntaxError(Unresolvable):
    """Text inside ``[...]`` that is not a valid expression."""


class UndeclaredParameter(Unresolvable):
    """``parameters('name')`` for a name the scope has no value for (yet, while parameter
    defaults are resolved in turn)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"parameter {name!r} is not declared")
        self.name = name


@dataclass(frozen=True)
class DeploymentContext:
    """The mock target of a template deployment: what ``subscription()``,
    ``resourceGroup()`` and friends return, and where synthetic resource ids point."""

    subscription_id: str = "00000000-0000-0000-0000-000000000000"
    resource_group: str = "template-rg"
    location: str = "eastus"
    tenant_id: str = "00000000-0000-0000-0000-000000000000"
    workspace: str = "template-workspace"
    """Azure ML workspace that YAML specs and v1 deploy configs are deployed into."""
    deployment_name: str = "template-deployment"

    def with_changes(self, **changes: str) -> DeploymentContext:
        """A copy with some fields replaced (a nested deployment's own resource group)."""
        values = {**self.__dict__, **changes}
        return DeploymentContext(**values)

    @property
    def resource_group_id(self) -> str:
        """The ARM id of the mock resource group."""
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"


CONTEXT_KEYS = tuple(DeploymentContext.__dataclass_fields__)
"""The names ``--template-context KEY=VALUE`` accepts."""


@dataclass
class Scope:
    """What an expression can see."""

    parameters: Mapping[str, Any]
    """Resolved parameter values (markers for those without a value)."""
    variables: Mapping[str, Any]
    """Variable definitions, evaluated on first use."""
    context: DeploymentContext
    copy_indexes: dict[str | None, int] = field(default_factory=dict)
    """Current index per copy loop name; the ``None`` entry is the innermost loop."""
    budget: Budget = field(default_factory=Budget)
    """Work left for the template file being read (shared by every scope of that file)."""
    _resolved: dict[str, Any] = field(default_factory=dict)
    _failures: dict[str, Unresolvable] = field(default_factory=dict)
    _resolving: set[str] = field(default_factory=set)

    def with_copy(self, name: str | None, index: int) -> Scope:
        """A scope inside iteration ``index`` of copy loop ``name``."""
        indexes = {**self.copy_indexes, None: index}
        if name:
            indexes[name.lower()] = index
        scope = Scope(self.parameters, self.variables, self.context, indexes, self.budget)
        scope._resolved, scope._failures = self._resolved, self._failures
        return scope

    def variable(self, name: str) -> Any:
        key = lookup_key(self.variables, name)
        if key is None:
            raise Unresolvable(f"variable {name!r} is not defined")
        if key not in self._resolved:
            # Variables it names are evaluated first, deepest first, so a chain of 500
            # variables costs one level of Python recursion each, not 500 nested levels.
            for dependency in self._dependencies_first(key):
                if dependency not in self._resolving:
                    with contextlib.suppress(Unresolvable):  # raised again for ``key``
                        self._evaluate(dependency)
            self._evaluate(key)
        return self._resolved[key]

    def _evaluate(self, key: str) -> None:
        if key in self._resolved:
            return
        if key in self._failures:  # not retried: a failed link fails its chain at once
            raise self._failures[key]
        if key in self._resolving:
            raise Unresolvable(f"variable {key!r} refers to itself")
        if len(self._resolving) >= MAX_EXPRESSION_DEPTH:
            raise LimitExceeded(
                f"variables refer to one another more than {MAX_EXPRESSION_DEPTH} deep by "
                "computed names (this tool's bound)"
            )
        self._resolving.add(key)
        try:
            self._resolved[key] = evaluate_value(self.variables[key], self)
        except Unresolvable as exc:
            self._failures[key] = exc
            raise
        finally:
            self._resolving.discard(key)

    def _dependencies_first(self, key: str) -> list[str]:
        """Variables ``key`` names with a literal ``variables('x')``, transitively, in an
        order where each comes after those it names (cycles are left to evaluation)."""
        order: list[str] = []
        state: dict[str, bool] = {key: False}  # False: being visited, True: done
        stack: list[tuple[str, Iterator[str]]] = [(key, self._named(key))]
        while stack:
            current, names = stack[-1]
            child = next(names, None)
            if child is None:
                stack.pop()
                state[current] = True
                if current != key:
                    order.append(current)
            elif child not in state and child not in self._resolved:
                state[child] = False
                stack.append((child, self._named(child)))
        return order

    def _named(self, key: str) -> Iterator[str]:
        for name in variable_names(self.variables[key], self.budget):
            found = lookup_key(self.variables, name)
            if found is not None:
                yield found

    def parameter(self, name: str) -> Any:
        key = lookup_key(self.parameters, name)
        if key is None:
            raise UndeclaredParameter(name)
        return self.parameters[key]


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


def evaluate_value(value: Any, scope: Scope) -> Any:
    """Evaluate a JSON value: expressions in strings, recursively through objects and arrays.

    Raises :class:`Unresolvable` only when ``value`` itself is one open expression; open
    expressions deeper inside are replaced by markers (see :func:`resolve_deep`).
    """
    if isinstance(value, str):
        if is_expression(value):
            return evaluate_expression(value[1:-1], scope)
        return value[1:] if value.startswith("[[") else value
    if isinstance(value, (dict, list)):
        return resolve_deep(value, scope)
    return value


def resolve_deep(value: Any, scope: Scope) -> Any:
    """Evaluate every expression inside ``value``; an open one becomes a marker in place."""
    scope.budget.charge()
    if isinstance(value, dict):
        if is_unresolved(value):
            return value
        return {k: resolve_deep(v, scope) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_deep(v, scope) for v in value]
    if isinstance(value, str):
        try:
            return evaluate_value(value, scope)
        except Unresolvable as exc:
            return {MARKER_KEY: value, "reason": exc.reason}
    return value


# ---------------------------------------------------------------------------- parsing

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


def evaluate_expression(text: str, scope: Scope) -> Any:
    """Evaluate the text inside ``[...]``; raises :class:`Unresolvable` when it cannot."""
    return _eval(parse_expression(text), scope)


def _eval(node: Node, scope: Scope) -> Any:
    scope.budget.charge()
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "prop":
        target = concrete(_eval(node[1], scope))
        if not isinstance(target, dict):
            raise Unresolvable(f"property {node[2]!r} of a {type(target).__name__}")
        key = lookup_key(target, node[2])
        if key is None:
            raise Unresolvable(f"property {node[2]!r} not found")
        return concrete(target[key])
    if kind == "index":
        target = concrete(_eval(node[1], scope))
        index = concrete(_eval(node[2], scope))
        if isinstance(target, list) and isinstance(index, int) and not isinstance(index, bool):
            if not -len(target) <= index < len(target):
                raise Unresolvable(f"index {index} out of range")
            return concrete(target[index])
        if isinstance(target, dict) and isinstance(index, str):
            key = lookup_key(target, index)
            if key is None:
                raise Unresolvable(f"property {index!r} not found")
            return concrete(target[key])
        raise Unresolvable(f"cannot index {describe(target)} with {describe(index)}")
    name = str(node[1]).lower()
    args: list[Node] = node[2]
    if name in ARITY:
        arity(str(node[1]), args, *ARITY[name])
    if name == "if":
        condition = concrete(_eval(args[0], scope))
        return _eval(args[1] if _truthy(condition) else args[2], scope)
    if name in SCOPE_FUNCTIONS:
        return SCOPE_FUNCTIONS[name](scope, [_eval(a, scope) for a in args])
    function = FUNCTIONS.get(name)
    if function is None:
        if name in RUNTIME_FUNCTIONS:
            raise Unresolvable(f"{node[1]}() is only known at deployment time")
        raise Unresolvable(f"unknown function {node[1]}()")
    values = [concrete(_eval(a, scope)) for a in args]
    what = f"{node[1]}()"
    scope.budget.check_value(values, f"the arguments of {what}")
    try:
        result = function(values)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError, ArithmeticError):
        # ARM fails such a call at deployment; before it, the value is simply not known.
        described = ", ".join(map(describe, values)) or "no arguments"
        raise Unresolvable(f"{what} cannot be evaluated on {described}") from None
    except RecursionError:
        raise LimitExceeded(f"{what} builds a value nested too deeply") from None
    scope.budget.check_value(result, f"{what}")
    return result


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise Unresolvable(f"condition is not a boolean but {describe(value)}")


RUNTIME_FUNCTIONS = frozenset(
    {
        "reference",
        "list",
        "listkeys",
        "listsecrets",
        "listaccountsas",
        "listservicesas",
        "listconnectionstrings",
        "utcnow",
        "newguid",
        "environment",
        "pickzones",
        "providers",
        "managementgroup",
    }
)
"""Functions whose value only exists at deployment time."""


SUPPORTED_FUNCTIONS = frozenset({*FUNCTIONS, *SCOPE_FUNCTIONS, "if"})
