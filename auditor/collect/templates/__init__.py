"""Scanning before deploying: templates and specs become the same inventory as live data.

``read_templates`` takes files or folders and recognises each file by content: ARM
deployment templates (with parameters), Bicep files (compiled with the ``bicep`` CLI),
Azure ML v2 online endpoint/deployment and serverless endpoint YAML, v1 deploy configs and
Terraform plan JSON.
Each becomes ARM-shaped JSON added with ``SourceRef(kind=SourceKind.TEMPLATE, path, line)``, so the
same rules judge a template and a live resource.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.collect.templates import arm as arm_templates
from auditor.collect.templates import bicep, mlyaml, terraform, tfplan, v1config
from auditor.collect.templates.expressions import CONTEXT_KEYS, DeploymentContext
from auditor.collect.templates.source import Document, parse, parse_json
from auditor.errors import InputError
from auditor.inventory import InventoryBuilder, UnrecognisedRecord
from auditor.model import CollectionError, SourceKind, SourceRef
from auditor.sources import SourceRead

__all__ = [
    "CONTEXT_KEYS",
    "DeploymentContext",
    "TemplateSource",
    "TemplateStats",
    "context_from",
    "read_templates",
]

TEMPLATE_SUFFIXES = (".json", ".yaml", ".yml", ".bicep")


@dataclass(frozen=True)
class TemplateStats:
    """What reading one ``--template`` path found, for the report's ``scan.sources``."""

    path: str
    files: int
    records: int
    kinds: Mapping[str, int] = field(default_factory=dict)
    """Files per recognised kind (``arm``, ``bicep``, ``ml-endpoint``, ...)."""
    skipped: tuple[str, ...] = ()
    """Files of the folder not read, each with why (a Bicep file whose compiled JSON is
    beside it and read instead)."""


def context_from(pairs: Mapping[str, str]) -> DeploymentContext:
    """A deployment context from ``--template-context KEY=VALUE`` settings."""
    unknown = sorted(set(pairs) - set(CONTEXT_KEYS))
    if unknown:
        raise InputError(
            f"unknown --template-context key(s) {', '.join(unknown)} "
            f"(choose from {', '.join(CONTEXT_KEYS)})"
        )
    return DeploymentContext(**pairs)


def template_files(path: Path) -> list[Path]:
    """The candidate files of a ``--template`` path (a file, or a folder read recursively).

    Symlinked folders are followed (each real folder once, so a link loop ends); an
    unreadable folder or a dangling link is bad input naming it, never a file passed over."""
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_file():
        return [path]
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()

    def unreadable(error: OSError) -> None:
        raise InputError(f"{error.filename}: cannot read the folder: {error.strerror}")

    for folder, subfolders, files in os.walk(path, onerror=unreadable, followlinks=True):
        info = Path(folder).stat()
        if (info.st_dev, info.st_ino) in seen:
            subfolders.clear()  # a link back to a folder already read
            continue
        seen.add((info.st_dev, info.st_ino))
        for name in [*files, *subfolders]:
            entry = Path(folder) / name
            if entry.is_symlink() and not entry.exists():
                raise InputError(f"{entry}: a symbolic link to nothing")
        found += [Path(folder) / n for n in files if Path(n).suffix.lower() in TEMPLATE_SUFFIXES]
    return sorted(found)


def kind_of(document: Document) -> str | None:
    """What a parsed file is, judged by its content."""
    value = document.value
    if arm_templates.is_arm_template(value):
        return "arm"
    if arm_templates.is_parameters_file(value):
        return "arm-parameters"
    if tfplan.is_plan(value):
        return "terraform-plan"
    spec = mlyaml.spec_kind(value)
    if spec is not None:
        return f"ml-{spec}"
    if v1config.is_deploy_config(value):
        return "v1-deploy-config"
    return None


class _Reader:
    def __init__(
        self,
        builder: InventoryBuilder,
        parameters: Sequence[Path],
        context: DeploymentContext,
    ) -> None:
        self.builder = builder
        self.context = context
        self.explicit: dict[str, Any] = {}
        for path in parameters:
            document = parse(path)
            if not arm_templates.is_parameters_file(document.value):
                raise InputError(f"{path}: not an ARM deployment parameters file")
            self.explicit.update(arm_templates.parameter_values(document))
        self.has_explicit = bool(parameters)
        self.documents: dict[Path, Document] = {}

    def add(self, record: dict[str, Any], source: SourceRef) -> int:
        earlier = self.builder.source_of(str(record.get("id") or ""))
        if earlier is not None:
            # One id, two definitions: the inventory keeps the first; say so, never silently.
            where = f"{earlier.path}:{earlier.line}" if earlier.line else str(earlier.path)
            self.builder.add_error(
                CollectionError(
                    scope=str(record.get("id")),
                    operation="read template",
                    message=f"{source.path}:{source.line} defines a resource already read from "
                    f"{earlier.kind} {where}; only that one is judged (give the templates "
                    "different names or --template-context)",
                )
            )
            return 0
        try:
            return 1 if self.builder.add(record, source) == "resource" else 0
        except UnrecognisedRecord as exc:
            raise InputError(f"{source.path}:{source.line}: {exc}") from exc

    def document(self, path: Path) -> Document:
        key = path.resolve()
        if key not in self.documents:
            self.documents[key] = parse(path)
        return self.documents[key]

    def compiled_forms(self, files: Sequence[Path], modules: set[Path]) -> dict[Path, Path]:
        """Bicep file -> the ARM template beside it that Bicep compiled from it.

        ``az bicep build`` writes ``main.json`` beside ``main.bicep``; quickstarts ship
        ``main.bicep`` with ``azuredeploy.json``. A JSON file counts only when Bicep wrote it
        (``metadata._generator.name`` is ``bicep``): by the same stem, or as the one such file
        of a folder holding one Bicep file that is not a module."""
        generated: dict[Path, list[Path]] = {}
        for file in files:
            if (
                file.suffix.lower() == ".json"
                and file.resolve() not in modules
                and arm_templates.generated_by_bicep(self.document(file).value)
            ):
                generated.setdefault(file.parent, []).append(file)
        mains: dict[Path, list[Path]] = {}
        for file in files:
            if file.suffix.lower() == ".bicep" and file.resolve() not in modules:
                mains.setdefault(file.parent, []).append(file)
        found: dict[Path, Path] = {}
        for folder, bicep_files in mains.items():
            candidates = generated.get(folder, [])
            for bicep_file in bicep_files:
                same_stem = [c for c in candidates if c.stem.lower() == bicep_file.stem.lower()]
                if same_stem:
                    found[bicep_file] = same_stem[0]
                elif len(bicep_files) == 1 and len(candidates) == 1:
                    found[bicep_file] = candidates[0]
        return found

    def modules_of(self, path: Path) -> list[Path]:
        """Files ``path`` uses as modules or linked templates (read through it, not alone)."""
        if path.suffix.lower() == ".bicep":
            return bicep.module_files(path)
        document = self.document(path)
        return arm_templates.linked_files(document) if kind_of(document) == "arm" else []

    def arm(self, document: Document, shown_path: Path, source_map: bicep.SourceMap | None) -> int:
        given: dict[str, Any] = {}
        beside = arm_templates.beside_parameters_file(document.path)
        if self.has_explicit:
            given = self.explicit
        elif beside is not None:
            given = arm_templates.parameter_values(parse(beside))
        expansion = arm_templates.expand(document, given, self.context)
        for problem in expansion.problems:
            self.builder.add_error(
                CollectionError(scope=str(shown_path), operation="expand template", message=problem)
            )
        count = 0
        for resource in expansion.resources:
            path, line, lines = str(resource.path), resource.line, resource.property_lines
            if source_map is not None:
                declaration = source_map.locate(str(resource.record.get("type")))
                if declaration is not None:
                    path, line = str(declaration.path), declaration.line
                    lines = source_map.property_lines(declaration, list(lines))
                else:
                    line, lines = None, {}
            count += self.add(
                resource.record,
                SourceRef(
                    kind=SourceKind.TEMPLATE,
                    path=path,
                    line=line,
                    property_lines=lines,
                    property_expressions=resource.property_expressions,
                ),
            )
        return count

    def read(self, path: Path) -> tuple[str | None, int]:
        if path.suffix.lower() == ".bicep":
            compiled = bicep.compile_bicep(path)
            document = parse_json(path, compiled)
            if not arm_templates.is_arm_template(document.value):
                raise InputError(f"{path}: bicep build did not produce an ARM template")
            return "bicep", self.arm(document, path, bicep.SourceMap(path))
        document = self.document(path)
        kind = kind_of(document)
        shown = str(path)
        if kind == "arm":
            return kind, self.arm(document, path, None)
        if kind == "terraform-plan":
            count = 0
            for mapped in terraform.map_plan(document, self.context):
                if mapped.record is None:
                    continue
                count += self.add(
                    mapped.record,
                    SourceRef(SourceKind.TEMPLATE, shown, mapped.line, mapped.property_lines),
                )
            return kind, count
        builders = {
            "ml-endpoint": mlyaml.endpoint_record,
            "ml-deployment": mlyaml.deployment_record,
            "ml-serverless-endpoint": mlyaml.serverless_endpoint_record,
            "v1-deploy-config": v1config.service_record,
        }
        if kind in builders:
            record, lines = builders[kind](document, self.context)
            return kind, self.add(record, SourceRef(SourceKind.TEMPLATE, shown, 1, lines))
        return kind, 0


def read_templates(
    paths: Iterable[Path],
    builder: InventoryBuilder,
    parameters: Sequence[Path] = (),
    context: DeploymentContext | None = None,
) -> list[TemplateStats]:
    """Read every ``--template`` path into ``builder``.

    A file named on its own must be a recognised kind; in a folder, files that are none of
    them (a ``package.json``) are passed over, files another template uses as a module
    or linked template are read only through their caller, and a Bicep file whose compiled
    ARM JSON is beside it is skipped (said in ``TemplateStats.skipped``) for that JSON. A
    file that is not valid JSON/YAML stops the scan (exit 2) naming file, line and column.
    """
    reader = _Reader(builder, parameters, context or DeploymentContext())
    listed: list[tuple[Path, list[Path]]] = []
    seen: set[Path] = set()
    for path in paths:  # a file named twice (or inside a folder also given) is read once
        candidates = template_files(path)
        files = [f for f in candidates if f.resolve() not in seen]
        seen.update(f.resolve() for f in files)
        if files or not candidates:
            listed.append((path, files))
    modules = {m for _, files in listed for f in files for m in reader.modules_of(f)}
    stats: list[TemplateStats] = []
    for path, files in listed:
        kinds: dict[str, int] = {}
        records = 0
        compiled = reader.compiled_forms(files, modules) if path.is_dir() else {}
        skipped = tuple(
            f"{source}: not compiled: {target.name} beside it is its compiled form "
            "(written by Bicep) and is read instead"
            for source, target in compiled.items()
        )
        for file in files:
            if path.is_dir() and file.resolve() in modules:
                kinds["module"] = kinds.get("module", 0) + 1
                continue  # judged with the parameters its caller passes, not alone
            if file in compiled:
                continue  # the same resources again, and it would need the bicep CLI
            kind, count = reader.read(file)
            if kind is None:
                if path.is_file():
                    raise InputError(
                        f"{file}: not a recognised template (ARM template or parameters, "
                        "Bicep, Azure ML online endpoint/deployment or serverless endpoint "
                        "YAML, v1 deploy config, Terraform plan JSON)"
                    )
                continue
            kinds[kind] = kinds.get(kind, 0) + 1
            records += count
        if not kinds:
            raise InputError(f"{path}: holds no template this tool recognises")
        stats.append(
            TemplateStats(
                path=str(path),
                files=sum(kinds.values()),
                records=records,
                kinds=kinds,
                skipped=skipped,
            )
        )
    return stats


@dataclass(frozen=True)
class TemplateSource:
    """``--template PATH``: templates and specs judged before deploying (a :class:`Source`)."""

    paths: Sequence[Path]
    parameters: Sequence[Path] = ()
    """ARM parameters files (``--parameters``); later ones win."""
    context: Mapping[str, str] = field(default_factory=dict)
    """The mock deployment target (``--template-context KEY=VALUE``)."""

    def read(self, builder: InventoryBuilder) -> list[SourceRead]:
        """Read every path into ``builder``; one record per path, as the report lists it."""
        found = read_templates(self.paths, builder, self.parameters, context_from(self.context))
        return [
            SourceRead(
                SourceKind.TEMPLATE,
                stats.path,
                {
                    "files": stats.files,
                    "records": stats.records,
                    "kinds": dict(stats.kinds),
                    "skipped": list(stats.skipped),
                },
                skipped=stats.skipped,
            )
            for stats in found
        ]
