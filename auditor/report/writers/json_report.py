"""JSON (``auditor.json``): the report document, the contract every other reader relies on."""

from __future__ import annotations

import json

from auditor.report.formats import Writer
from auditor.report.model import Report


def render_json(report: Report) -> str:
    """The document the schema ``report.schema.json`` describes, indented."""
    return json.dumps(report.to_document(), indent=2, ensure_ascii=False) + "\n"


WRITER = Writer(name="json", filename="auditor.json", render=render_json)
