"""ARM deployment templates: parameters, variables, copy loops, conditions, nested deployments.

A template is expanded the way Resource Manager would expand it for a mock deployment target
(:class:`DeploymentContext`): each resource becomes an ARM-shaped JSON object with a synthetic
but stable id (``/subscriptions/<sub>/resourceGroups/<rg>/providers/<type>/<name>``), so the
same rules that judge live resources judge it, and children find their parents by id prefix.
Nested deployments (``Microsoft.Resources/deployments`` with an inline ``template``) are
expanded too; with ``expressionEvaluationOptions.scope: inner`` (how Bicep compiles modules)
the inner template sees only the parameters its caller passes.

This module recognises template and parameters files and finds the files a template links
to; the expansion itself is :mod:`.armexpand`, the parameter values :mod:`.armparams`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditor.collect.templates import armparams, armshape, limits
from auditor.collect.templates.armexpand import Expander, Expansion
from auditor.collect.templates.expressions import DeploymentContext
from auditor.collect.templates.limits import Budget
from auditor.collect.templates.source import Document
from auditor.errors import InputError


def is_arm_template(value: object) -> bool:
    """Recognised by content: ``$schema`` naming a deployment template, or the shape."""
    if not isinstance(value, dict):
        return False
    schema = str(value.get("$schema") or "").lower()
    if "deploymenttemplate.json" in schema:
        return True
    return "resources" in value and "contentVersion" in value


def is_parameters_file(value: object) -> bool:
    """A deployment parameters file (``deploymentParameters.json`` schema)."""
    if not isinstance(value, dict):
        return False
    schema = str(value.get("$schema") or "").lower()
    return "deploymentparameters.json" in schema or (
        "parameters" in value and "contentVersion" in value and "resources" not in value
    )


def generated_by_bicep(value: object) -> bool:
    """An ARM template Bicep compiled (it records ``metadata._generator.name: bicep``)."""
    if not isinstance(value, dict) or not is_arm_template(value):
        return False
    metadata = value.get("metadata")
    generator = metadata.get("_generator") if isinstance(metadata, dict) else None
    name = generator.get("name") if isinstance(generator, dict) else None
    return isinstance(name, str) and name.lower() == "bicep"


def parameter_values(document: Document) -> dict[str, Any]:
    """The ``value`` of each parameter in a parameters file (Key Vault references stay open)."""
    armshape.check_file_size(document)
    params = document.value.get("parameters") if isinstance(document.value, dict) else None
    if not isinstance(params, dict):
        raise InputError(f"{document.path}: a parameters file needs a 'parameters' object")
    armshape.check_count(document, ("parameters",), params, limits.MAX_PARAMETERS, "parameters")
    values, neither = armparams.passed_values(params)
    if neither:
        raise InputError(
            f"{document.path}: parameters.{neither[0]}: needs a 'value' or a Key Vault "
            "'reference' object"
        )
    return values


def expand(document: Document, given: Mapping[str, Any], context: DeploymentContext) -> Expansion:
    """Every resource a template file would deploy, evaluated for ``context``."""
    if not isinstance(document.value, dict):
        raise InputError(f"{document.path}: an ARM template must be a JSON object")
    armshape.check_file_size(document)
    expander = Expander(document, Budget())
    expander.template(document.value, (), given, context, 0)
    return Expansion(expander.resources, expander.problems)


def beside_parameters_file(template: Path) -> Path | None:
    """``main.parameters.json`` beside ``main.json`` (the ARM quickstart convention)."""
    stem = template.name[: -len(template.suffix)] if template.suffix else template.name
    candidate = template.with_name(f"{stem}.parameters.json")
    return candidate if candidate.is_file() else None


def linked_files(document: Document) -> list[Path]:
    """Local files a template links to (``templateLink.relativePath``), at any depth."""
    found: list[Path] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            link = value.get("templateLink")
            if isinstance(link, dict) and isinstance(link.get("relativePath"), str):
                found.append((document.path.parent / link["relativePath"]).resolve())
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document.value)
    return found
