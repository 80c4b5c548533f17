"""Bounded work on any template: ARM's own published limits, and this tool's bounds on effort.

Resource Manager refuses a template past its published limits (``docs/azure-facts.md``,
"Template limits"), so a template past them cannot be deployed and is bad input here too
(exit 2 naming the file and the limit). Some attacks stay inside every published limit (a
3 KB template whose variables double a string 60 times, a YAML alias bomb), so evaluation
also runs under a :class:`Budget`: a cap on the size of any value an expression builds and on
the total steps spent on one file. Reaching either stops the scan the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

# ARM's published template limits (template best practices, "Template limits";
# resource iteration, "Copy limits").
MAX_TEMPLATE_BYTES = 4 * 1024 * 1024
"""A template, and a parameter file, may each be at most 4 MB."""
MAX_PARAMETERS = 256
MAX_VARIABLES = 512
"""The current limit (it was 256 until 2024; the docs now say 512)."""
MAX_RESOURCES = 800
"""Resources per template, copy loop instances included."""
MAX_OUTPUTS = 64
MAX_EXPRESSION_CHARS = 24_576
MAX_COPY = 800
"""A copy loop's count may be at most 800, and not negative."""
MAX_RESOURCE_SIZE = 1024 * 1024
"""One resource definition, once expanded, may be at most 1 MB."""

# This tool's own bounds, for what ARM publishes no figure on (or no figure that stops an
# attack in time). Each is far above what a real template needs.
MAX_NESTED_DEPLOYMENTS = 10
"""Nested or linked deployments inside one another."""
MAX_DOCUMENT_DEPTH = 100
"""Objects and arrays nested inside one another in a template file (YAML: ``auditor.yamlio``)."""
MAX_EXPRESSION_DEPTH = 100
"""Function calls nested inside one another in one expression."""
MAX_VALUE_SIZE = 1024 * 1024
"""Size of one value an expression builds (see :func:`measure`): no value can be larger
than the 1 MB resource definition it ends up in."""
MAX_VALUE_DEPTH = 100
"""Arrays and objects an expression builds, nested inside one another."""
MAX_STEPS = 2_000_000
"""Evaluation steps for one template file (expression nodes, values walked)."""
MAX_FILE_BYTES = 256 * 1024 * 1024
"""Any template input file (Terraform plans of large estates run to tens of MB)."""
MAX_YAML_CHARS = 4 * 1024 * 1024
"""A YAML template file (Azure ML spec, v1 deploy config): the same 4 MB as an ARM template."""


class LimitExceeded(Exception):
    """A template passed a limit; the reader that knows the file turns it into exit 2."""

    def __init__(self, limit: str) -> None:
        super().__init__(limit)
        self.limit = limit


@dataclass
class Budget:
    """What is left to spend on one template file: evaluation steps and expanded size."""

    steps: int = MAX_STEPS
    expanded: int = 0
    """Size of the resources expanded so far (ARM's 4 MB applies after expansion)."""

    def charge(self, steps: int = 1) -> None:
        """Spend ``steps``; past the budget, :class:`LimitExceeded`."""
        self.steps -= steps
        if self.steps < 0:
            raise LimitExceeded(
                f"evaluating it takes more than {MAX_STEPS:,} steps (this tool's bound on "
                "work per template; doubling chains and nested loops reach it)"
            )

    def check_value(self, value: object, what: str) -> None:
        """Raise :class:`LimitExceeded` if a value an expression built is too big or deep."""
        size = measure(value, MAX_VALUE_SIZE, what, "(this tool's bound on one value)")
        self.charge(1 + size // 10)

    def add_resource(self, record: object, what: str) -> None:
        """Count one expanded resource against ARM's 1 MB and 4 MB limits."""
        size = measure(record, MAX_RESOURCE_SIZE, what, "(ARM's limit on one resource definition)")
        self.expanded += size
        if self.expanded > MAX_TEMPLATE_BYTES:
            raise LimitExceeded(
                f"its resources come to more than {MAX_TEMPLATE_BYTES:,} characters once "
                "expanded (ARM's 4 MB template limit applies after expansion)"
            )
        self.charge(1 + size // 10)


def measure(value: object, cap: int, what: str, why: str) -> int:
    """A value's size: characters of its strings and keys, plus one per other item.

    Iterative and stopped at ``cap``, so a value that holds one list a million times (cheap
    to build by reference) is refused after ``cap`` units, not walked or serialised whole."""
    size = 0
    pending: list[tuple[object, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_VALUE_DEPTH:
            raise LimitExceeded(
                f"{what} is nested deeper than {MAX_VALUE_DEPTH} levels (this tool's bound)"
            )
        if isinstance(item, str):
            size += len(item)
        elif isinstance(item, list):
            size += len(item)
            if size <= cap:
                pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, dict):
            size += len(item)
            if size <= cap:
                for key, child in item.items():
                    size += len(key) if isinstance(key, str) else 1
                    pending.append((child, depth + 1))
        else:
            size += 1
        if size > cap:
            raise LimitExceeded(f"{what} is larger than {cap:,} characters {why}")
    return size
