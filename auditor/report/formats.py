"""Output formats, each a writer that returns text. Only :func:`write_reports` touches files."""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, assert_never

from auditor.atomic import write_files
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


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def unicode_safe(value: Any) -> Any:
    """The document with every lone surrogate replaced by U+FFFD.

    A lone surrogate (from JSON ``"\\ud800"`` in an input) is not a character: no UTF-8 file
    can hold it, so every format would fail to write. Keys and values alike are cleaned."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, Mapping):
        return {unicode_safe(k): unicode_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [unicode_safe(item) for item in value]
    return value


def render(fmt: Format, document: Mapping[str, Any]) -> str:
    """Render the report document in one format."""
    document = unicode_safe(document)
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
    """Write one file all or nothing (:func:`auditor.atomic.write_files`)."""
    write_files({path: text})


def check_report_folder(formats: Iterable[Format], output_dir: Path) -> None:
    """Refuse, before the scan, a report folder that cannot take the reports: a file where
    the folder should be, or a folder where a report goes (:class:`ReportError`)."""
    for folder in (output_dir, *output_dir.parents):
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                raise ReportError(f"cannot write reports to {output_dir}: {folder} is not a folder")
            break
    for fmt in formats:
        path = output_dir / fmt.filename
        if path.is_dir() and not path.is_symlink():
            raise ReportError(f"cannot write reports to {output_dir}: {path} is a folder")


def write_reports(
    document: Mapping[str, Any], formats: Iterable[Format], output_dir: Path
) -> list[Path]:
    """Render every format first, then write the set all or nothing; returns the paths.

    Nothing is written unless every format rendered; a failure while writing leaves the
    previous set as it was (see :mod:`auditor.atomic`)."""
    rendered = {Path(output_dir) / fmt.filename: render(fmt, document) for fmt in formats}
    try:
        return write_files(rendered)
    except OSError as exc:
        raise ReportError(f"cannot write reports to {output_dir}: {exc}") from exc
