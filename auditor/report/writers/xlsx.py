"""Excel (``auditor.xlsx``): the auditor's workbook, laid out with XlsxWriter.

What each sheet holds is :mod:`auditor.report.workbook`; this module only writes it. Every
text cell is written with ``write_string`` (never guessed as a formula, number or link), and
one that Excel would run as a formula once edited (``=``, ``+``, ``-``, ``@``, tab, CR, their
full-width forms) carries Excel's own quote prefix, the ``'`` a person would type. XlsxWriter,
not pandas' ``to_excel``: pandas writes through ``write()``, which guesses each cell's type.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import IO, Any

from auditor.extras import ANALYSIS
from auditor.report.formats import Writer
from auditor.report.model import Report
from auditor.report.table import Cell
from auditor.report.workbook import Block, Sheet, sheets
from auditor.report.writers.csv_report import FORMULA_PREFIXES
from auditor.timeutil import parse_timestamp

MAX_ROWS = 1_048_576
"""Excel's rows per sheet; a longer table goes on in ``Findings (2)``, ``Findings (3)``..."""
MAX_CELL = 32_767
"""Excel's characters per cell (UTF-16 code units); longer text is cut, with a marker."""
CUT = " [... cut at Excel's {limit} characters per cell; the full text is in auditor.json]"

_WIDTHS = {
    "resource_id": 60,
    "message": 60,
    "remediation": 60,
    "reason": 40,
    "title": 40,
    "controls": 30,
    "remediation_url": 40,
    "resource_name": 28,
    "resource_or_control": 60,
    "details": 80,
    "why": 60,
    "value": 60,
    "item": 30,
    "scope": 60,
    "fingerprint": 20,
}
_DEFAULT_WIDTH = 14
_MAX_EXACT_INT = 2**53  # Excel's numbers are doubles; a larger integer is kept as text


def render_xlsx(report: Report) -> bytes:
    """The workbook as the bytes of an ``.xlsx`` file (the same report gives the same bytes)."""
    return workbook_bytes(report)


def write_xlsx(report: Report, stream: IO[bytes]) -> None:
    """:attr:`Writer.write`: XlsxWriter lays the zip out in memory, so the bytes go in whole."""
    stream.write(render_xlsx(report))


def workbook_bytes(report: Report, max_rows: int = MAX_ROWS) -> bytes:
    """The workbook, each table holding at most ``max_rows`` rows (header included) a sheet."""
    import xlsxwriter  # the analysis extra: checked when the format is chosen

    buffer = io.BytesIO()
    options = {
        "constant_memory": True,  # rows are streamed to disk: a tenant's findings fit
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    book = xlsxwriter.Workbook(buffer, options)
    finished = parse_timestamp(report.scan.finished_at) or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    book.set_properties(
        {
            "title": f"{report.tool_name} report",
            "subject": "Azure ML and Azure AI Services security compliance",
            "created": finished.replace(tzinfo=None),  # the report's time, not the clock's
        }
    )
    styles = _Styles(book)
    for sheet in sheets(report):
        if sheet.table:
            _write_table(book, styles, sheet, max_rows)
        else:
            _write_sections(book, styles, sheet)
    book.close()
    return buffer.getvalue()


class _Styles:
    """The few cell formats the workbook uses."""

    def __init__(self, book: Any) -> None:
        self.header = book.add_format({"bold": True, "bottom": 1})
        self.heading = book.add_format({"bold": True, "font_size": 12})
        self.quoted = book.add_format({"quote_prefix": True})
        self.plain = book.add_format()


def _width(column: str) -> int:
    return _WIDTHS.get(column, _DEFAULT_WIDTH)


def _write_table(book: Any, styles: _Styles, sheet: Sheet, max_rows: int) -> None:
    [block] = sheet.blocks
    part, written = 1, 0
    page = _table_page(book, styles, sheet.name, block)
    for row in block.rows:
        if written == max_rows - 1:
            _finish_table(page, written, block)
            part, written = part + 1, 0
            page = _table_page(book, styles, f"{sheet.name} ({part})", block)
        written += 1
        _write_row(page, styles, written, row)
    _finish_table(page, written, block)


def _table_page(book: Any, styles: _Styles, name: str, block: Block) -> Any:
    page = book.add_worksheet(name)
    for col, column in enumerate(block.columns):
        page.set_column(col, col, _width(column))
        page.write_string(0, col, column, styles.header)
    page.freeze_panes(1, 0)
    return page


def _finish_table(page: Any, rows: int, block: Block) -> None:
    page.autofilter(0, 0, rows, len(block.columns) - 1)


def _write_sections(book: Any, styles: _Styles, sheet: Sheet) -> None:
    page = book.add_worksheet(sheet.name)
    widths: dict[int, int] = {}
    for block in sheet.blocks:
        for col, column in enumerate(block.columns):
            widths[col] = max(widths.get(col, 0), _width(column))
    for col, width in widths.items():
        page.set_column(col, col, width)
    row = 0
    for block in sheet.blocks:
        if block.heading:
            page.write_string(row, 0, block.heading, styles.heading)
            row += 1
        for col, column in enumerate(block.columns):
            page.write_string(row, col, column, styles.header)
        row += 1
        for cells in block.rows:
            _write_row(page, styles, row, cells)
            row += 1
        row += 1  # a blank row between sections


def _write_row(page: Any, styles: _Styles, row: int, cells: tuple[Cell, ...]) -> None:
    for col, value in enumerate(cells):
        if value is None or value == "":
            continue  # an empty cell, not an empty string: filters show it as (Blanks)
        if isinstance(value, bool):
            page.write_boolean(row, col, value)
        elif isinstance(value, int) and abs(value) < _MAX_EXACT_INT:
            page.write_number(row, col, value)
        else:
            _write_text(page, styles, row, col, str(value))


def _write_text(page: Any, styles: _Styles, row: int, col: int, text: str) -> None:
    text = fit_cell(text)
    if text.startswith("<r>") and text.endswith("</r>"):
        # XlsxWriter copies such a string into the XML as rich text, unescaped: written as
        # two plain runs it is escaped like any other text and reads back the same.
        page.write_rich_string(row, col, styles.plain, text[:3], styles.plain, text[3:])
    elif text.startswith(FORMULA_PREFIXES):
        page.write_string(row, col, text, styles.quoted)
    else:
        page.write_string(row, col, text)


def fit_cell(text: str) -> str:
    """The text, cut to Excel's :data:`MAX_CELL` UTF-16 units with :data:`CUT` at the end
    when it is longer (astral characters count two, as Excel counts them)."""
    if len(text) <= MAX_CELL // 2 or _utf16_units(text) <= MAX_CELL:
        return text
    marker = CUT.format(limit=f"{MAX_CELL:,}")
    room = MAX_CELL - _utf16_units(marker)
    kept: list[str] = []
    for char in text:
        room -= 2 if ord(char) > 0xFFFF else 1
        if room < 0:
            break
        kept.append(char)
    return "".join(kept) + marker


def _utf16_units(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


WRITER = Writer(
    name="xlsx",
    filename="auditor.xlsx",
    write=write_xlsx,
    aliases=("excel",),
    binary=True,
    extra=ANALYSIS,
    modules=("xlsxwriter",),
)
