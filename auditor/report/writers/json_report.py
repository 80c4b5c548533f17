"""JSON (``auditor.json``): the report document, the contract every other reader relies on."""

from __future__ import annotations

from typing import TextIO

from auditor.report import jsonstream
from auditor.report.formats import Writer, text_writer
from auditor.report.model import Report


def write_json(report: Report, out: TextIO) -> None:
    """The document the schema ``report.schema.json`` describes: indented, with each rule,
    finding and other item of a long array on a line of its own."""
    jsonstream.dump(report.to_document(array=jsonstream.OnePerLine), out)


WRITER = Writer(name="json", filename="auditor.json", write=text_writer(write_json))
