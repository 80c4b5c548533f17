"""Output formats, each a writer that returns text. Only :func:`write_reports` touches files."""

from __future__ import annotations

import enum
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, assert_never

from auditor.errors import InputError, ReportError
from auditor.report import csv_report, html, junit, markdown, sarif


class Format(enum.Enum):
    """A report format and the file name it is written to."""

    JSON = "json"
    HTML = "html"
    SARIF = "sarif"
    JUNIT = "junit"
    CSV = "csv"
    MARKDOWN = "markdown"

    @property
    def filename(self) -> str:
        """The file this format is written to in the output folder."""
        return _FILENAMES.get(self, f"auditor.{self.value}")

    @classmethod
    def parse_list(cls, text: str) -> list[Format]:
        """Parse ``json,html``; unknown names are an input error naming the choices."""
        formats: list[Format] = []
        for part in (p.strip().lower() for p in text.split(",")):
            if not part:
                continue
            try:
                fmt = cls(_ALIASES.get(part, part))
            except ValueError:
                choices = ", ".join(f.value for f in cls)
                raise InputError(f"unknown format {part!r} (choose from: {choices})") from None
            if fmt not in formats:
                formats.append(fmt)
        if not formats:
            raise InputError("--format needs at least one format")
        return formats


_FILENAMES = {Format.JUNIT: "auditor.junit.xml", Format.MARKDOWN: "auditor.md"}
_ALIASES = {"md": "markdown", "xml": "junit"}


def render(fmt: Format, document: Mapping[str, Any]) -> str:
    """Render the report document in one format."""
    if fmt is Format.JSON:
        return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    if fmt is Format.HTML:
        return html.render_html(document)
    if fmt is Format.SARIF:
        # Evidence files under the working directory (the repository in CI) become
        # repository-relative SARIF locations.
        return sarif.render_sarif(document, Path.cwd())
    if fmt is Format.JUNIT:
        return junit.render_junit(document)
    if fmt is Format.CSV:
        return csv_report.render_csv(document)
    if fmt is Format.MARKDOWN:
        return markdown.render_markdown(document)
    assert_never(fmt)


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_reports(
    document: Mapping[str, Any], formats: Iterable[Format], output_dir: Path
) -> list[Path]:
    """Render every format first, then write them all; returns the paths written."""
    rendered = [(fmt, render(fmt, document)) for fmt in formats]
    written = []
    try:
        for fmt, text in rendered:
            path = output_dir / fmt.filename
            write_atomically(path, text)
            written.append(path)
    except OSError as exc:
        raise ReportError(f"cannot write reports to {output_dir}: {exc}") from exc
    return written
