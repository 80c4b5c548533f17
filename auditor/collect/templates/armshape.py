"""The shape Resource Manager requires of a template, checked before anything evaluates it.

A section of the wrong JSON type, a resource that is not an object, a copy loop without a
name, or more parameters, variables or outputs than ARM's published limits
(:mod:`auditor.collect.templates.limits`) is bad input: exit 2 naming the file and the
element (``resources[3].copy``), never a traceback further on.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.collect.templates import limits
from auditor.collect.templates.functions import describe
from auditor.collect.templates.source import Document, PathKey, element_path
from auditor.errors import InputError
from auditor.unresolved import MARKER_KEY, is_unresolved


def bad(document: Document, path: PathKey, problem: object) -> InputError:
    """Bad input naming the file and the element (``resources[3].copy``)."""
    return InputError(f"{document.path}: {element_path(path)}: {problem}")


def check_file_size(document: Document) -> None:
    """ARM's 4 MB limit on a template or parameter file."""
    size = len(document.text.encode("utf-8", "surrogatepass"))
    if size > limits.MAX_TEMPLATE_BYTES:
        raise InputError(
            f"{document.path}: {size:,} bytes; ARM's limit on a template or parameter file is "
            f"{limits.MAX_TEMPLATE_BYTES:,} bytes (4 MB)"
        )


def check_count(
    document: Document, path: PathKey, entries: Mapping[str, Any], most: int, what: str
) -> None:
    """ARM's limit on the number of parameters, variables or outputs."""
    count = len(entries)
    if what == "variables" and isinstance(entries.get("copy"), list):
        count += len(entries["copy"]) - 1  # each variable copy loop defines one variable
    if count > most:
        raise InputError(
            f"{document.path}: {element_path(path)}: {count} {what}; ARM's limit is {most}"
        )


def check_sections(document: Document, template: Mapping[str, Any], path: PathKey) -> None:
    """The sections Resource Manager requires an object or array for, and its counts."""
    for section, most in (
        ("parameters", limits.MAX_PARAMETERS),
        ("variables", limits.MAX_VARIABLES),
        ("outputs", limits.MAX_OUTPUTS),
    ):
        value = template.get(section)
        if value is None:
            continue
        if not isinstance(value, dict):
            raise bad(document, (*path, section), f"must be an object, not {kind(value)}")
        check_count(document, (*path, section), value, most, section)
    for name, spec in (template.get("parameters") or {}).items():
        if not isinstance(spec, dict):
            raise bad(document, (*path, "parameters", name), "a parameter must be an object")
    loops = (template.get("variables") or {}).get("copy")
    if loops is not None and not isinstance(loops, list):
        raise bad(document, (*path, "variables", "copy"), "must be an array of copy loops")
    for index, loop in enumerate(loops or []):
        if not isinstance(loop, dict) or not isinstance(loop.get("name"), str):
            raise bad(
                document, (*path, "variables", "copy", index), "a copy loop needs a 'name' string"
            )
    resources = template.get("resources")
    if resources is not None and not isinstance(resources, (list, dict)):
        raise bad(document, (*path, "resources"), f"must be an array, not {kind(resources)}")


def kind(value: Any) -> str:
    """``a number``, ``an array``, ... for messages about a value of the wrong JSON type."""
    return describe(value).split(" of ")[0]


def link_text(link: Any) -> str:
    """A templateLink for a message: its relative path, or the URL without its query (a
    SAS token's ``sig=`` is a secret)."""
    if isinstance(link, dict) and isinstance(link.get("relativePath"), str):
        return repr(link["relativePath"])
    uri = link.get("uri") if isinstance(link, dict) else None
    if isinstance(uri, str):
        return repr(uri.split("?", 1)[0])
    if isinstance(uri, dict) and is_unresolved(uri):  # its expression, never a value
        return f"at a uri known only at deployment ({str(uri[MARKER_KEY])[:200]})"
    return f"({describe(link)})"
