"""Read station lists from Excel workbooks (``.xlsx``) with openpyxl.

The first sheet whose first ten rows hold a recognisable header row is used,
so workbooks with a cover sheet, or title rows above the header (``DANH SÁCH
TRẠM BTS ...``), read without editing. Formula cells are read as the values
Excel cached when it last saved the file; a formula with no cached value (a
workbook written by a program, never opened in Excel) is reported.
"""

from __future__ import annotations

import io
import logging
import warnings
import zipfile
from typing import Any

from towerplan.errors import UnreadableFileError
from towerplan.stations.headers import find_header_row, two_row_header_column
from towerplan.stations.rawtable import (
    MAX_BYTES,
    MAX_ROWS,
    RawTable,
    table_from_rows,
    too_many_rows,
    unique_headers,
)
from towerplan.stations.report import Issue

__all__ = ["read_xlsx"]

log = logging.getLogger(__name__)

_HEADER_SCAN_ROWS = 10
#: columns read from a sheet (a station list has a few dozen; a stray cell at XFD1048576 is not a column)
MAX_COLUMNS = 512
#: empty rows after which the table is taken as ended (a stray cell far below is ignored, with a warning)
MAX_EMPTY_RUN = 10_000
#: an XML part larger than this must compress less than :data:`MAX_PART_RATIO` (shared strings bomb)
PART_RATIO_FLOOR_BYTES = 32 * 1024 * 1024
MAX_PART_RATIO = 100.0


def _open(data: bytes, *, data_only: bool, source_file: str) -> Any:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it ignores
            return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many types (KeyError, InvalidFileException, ...)
        raise UnreadableFileError(
            f"{source_file}: not a readable Excel workbook ({type(exc).__name__}: {exc}); "
            "open it in Excel and save it again as .xlsx or CSV UTF-8"
        ) from exc


def _check_zip(data: bytes, *, source_file: str, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFileError(f"{source_file}: a damaged workbook ({exc})") from exc
    unpacked = sum(info.file_size for info in infos)
    for info in infos:  # checked before openpyxl parses any part (it holds a part's strings in memory)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > PART_RATIO_FLOOR_BYTES and ratio > MAX_PART_RATIO:
            raise UnreadableFileError(
                f"{source_file}: the workbook part {info.filename} unpacks to {info.file_size / 1e6:,.0f} MB, "
                f"{ratio:,.0f} times its packed size (a spreadsheet bomb?); refused: save the station sheet as CSV"
            )
    if unpacked > 5 * max_bytes:
        raise UnreadableFileError(
            f"{source_file}: the workbook unpacks to {unpacked / 1e6:,.0f} MB, over the limit; "
            "save the station sheet alone as CSV"
        )


def _is_formula(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("=")
    return type(value).__name__ in {"ArrayFormula", "DataTableFormula"}


def read_xlsx(data: bytes, *, source_file: str, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES) -> RawTable:
    """Read the station sheet of an ``.xlsx`` workbook into a :class:`RawTable`.

    Row numbers are Excel's own (1-based, title rows included).
    """
    _check_zip(data, source_file=source_file, max_bytes=max_bytes)
    workbook = _open(data, data_only=True, source_file=source_file)
    try:
        every = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
        sheets = [ws for ws in every if getattr(ws, "sheet_state", "visible") == "visible"]
        hidden = [ws.title for ws in every if ws not in sheets]
        if not sheets:
            raise UnreadableFileError(
                f"{source_file}: the workbook has no visible worksheet"
                + (f" (hidden: {', '.join(repr(h) for h in hidden)}); unhide the station sheet" if hidden else "")
            )
        declared = {ws.title: (ws.max_row, ws.max_column) for ws in sheets}
        for ws in sheets:
            ws.reset_dimensions()  # the declared dimension can lie (A1:XFD1048576): read the cells themselves
        chosen = None
        for ws in sheets:
            head = [list(r) for r in ws.iter_rows(min_row=1, max_row=_HEADER_SCAN_ROWS, max_col=MAX_COLUMNS,
                                                  values_only=True)]
            index = find_header_row(head, max_scan=_HEADER_SCAN_ROWS)
            if index is not None:
                chosen = (ws, index, head)
                break
        if chosen is None:
            ws = sheets[0]
            head = [list(r) for r in ws.iter_rows(min_row=1, max_row=_HEADER_SCAN_ROWS, max_col=MAX_COLUMNS,
                                                  values_only=True)]
            first = next((k for k, r in enumerate(head) if any(v is not None and str(v).strip() for v in r)), 0)
            chosen = (ws, first, head)
        ws, header_index, head = chosen
        _refuse_two_row_header(head, header_index, source_file, ws.title)
        sheet_name = ws.title
        header: list[Any] = []
        rows: list[list[Any]] = []
        numbers: list[int] = []
        filled = 0
        empty_run = 0
        stray: int | None = None
        # no max_col: openpyxl would build a padded tuple for every missing row; cut each row instead
        for number, full_row in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
            values = full_row[:MAX_COLUMNS]
            if number - 1 < header_index:
                continue
            if number - 1 == header_index:
                header = list(values)
                continue
            if not any(v is not None and str(v).strip() for v in full_row):
                empty_run += 1  # empty rows are kept only when a filled row follows soon
                continue
            if empty_run > MAX_EMPTY_RUN:
                stray = number
                break
            for k in range(number - empty_run, number):
                rows.append([])
                numbers.append(k)
            empty_run = 0
            rows.append(list(values))
            numbers.append(number)
            filled += 1
            if filled > max_rows:  # stop reading a huge sheet early
                raise UnreadableFileError(too_many_rows(source_file, max_rows))
    finally:
        workbook.close()
    # trim trailing columns that are empty in the header and every row
    width = len(header)
    while width > 0 and header[width - 1] is None and all(len(r) < width or r[width - 1] is None for r in rows):
        width -= 1
    header = header[:width]
    issues: list[Issue] = _sheet_warnings(sheet_name, hidden, declared[sheet_name], stray, numbers)
    if len(sheets) > 1 or header_index > 0:
        issues.append(
            Issue(
                None,
                None,
                "info",
                "sheet_used",
                f"read sheet '{sheet_name}' with the header on row {header_index + 1}"
                + (f" ({header_index} title row(s) above it skipped)" if header_index else ""),
                params={
                    "variant": "skipped" if header_index else "",
                    "sheet": sheet_name,
                    "header_row": header_index + 1,
                    "skipped": header_index,
                },
            )
        )
    issues.extend(_formulas_without_value(data, sheet_name, header_index, header, rows, numbers, source_file))
    return table_from_rows(
        header,
        rows,
        numbers,
        source_file=source_file,
        fmt="xlsx",
        max_rows=max_rows,
        issues=issues,
        decimal_comma=True,
        header_row=header_index + 1,
    )


def _refuse_two_row_header(head: list[list[Any]], header_index: int, source_file: str, sheet: str) -> None:
    """Refuse a header spread over two rows (merged cells): see :func:`two_row_header_column`."""
    k = two_row_header_column(head, header_index)
    if k is None:
        return
    from openpyxl.utils import get_column_letter

    above = head[header_index - 1]
    raise UnreadableFileError(
        f"{source_file}: sheet '{sheet}' has a header of two rows (merged cells?): {str(above[k])!r} in "
        f"{get_column_letter(k + 1)}{header_index} stands above an empty header cell in row {header_index + 1}; "
        "make one header row (one label per column, no merged cells) and read the file again"
    )


def _sheet_warnings(sheet: str, hidden: list[str], declared: tuple[int | None, int | None], stray: int | None,
                    numbers: list[int]) -> list[Issue]:
    """Warnings about what was not read: hidden sheets, cells far below the table, a lying dimension."""
    issues: list[Issue] = []
    if hidden:
        names = ", ".join(repr(h) for h in hidden)
        issues.append(Issue(None, None, "warning", "hidden_sheet_skipped",
                            f"hidden sheet(s) {names} not read; sheet '{sheet}' (the first visible one) was read: "
                            "unhide the right sheet or delete the others if this is not the station list",
                            params={"hidden": names, "sheet": sheet}))
    if stray is not None:
        last = numbers[-1] if numbers else 0
        issues.append(Issue(stray, None, "warning", "stray_cells_ignored",
                            f"cells from row {stray:,} on ignored: more than {MAX_EMPTY_RUN:,} empty rows after the "
                            f"table's last row ({last:,}); delete the stray cells (Ctrl+End shows them)",
                            params={"row": stray, "last": last}))
    rows_declared, cols_declared = declared
    if cols_declared is not None and cols_declared > MAX_COLUMNS:
        issues.append(Issue(None, None, "info", "columns_limited",
                            f"the sheet declares {cols_declared:,} columns and {rows_declared or 0:,} rows; only the "
                            f"first {MAX_COLUMNS} columns are read",
                            params={"columns": cols_declared, "limit": MAX_COLUMNS}))
    return issues


def _formulas_without_value(
    data: bytes,
    sheet_name: str,
    header_index: int,
    header: list[Any],
    rows: list[list[Any]],
    numbers: list[int],
    source_file: str,
) -> list[Issue]:
    """Warn about formula cells whose cached value is missing (read as empty)."""
    empties = {
        (number, col)
        for number, values in zip(numbers, rows, strict=True)
        for col, value in enumerate(values[: len(header)])
        if value is None
    }
    if not empties:
        return []
    names, _ = unique_headers(header)
    workbook = _open(data, data_only=False, source_file=source_file)
    issues: list[Issue] = []
    try:
        ws = workbook[sheet_name]
        ws.reset_dimensions()
        first = header_index + 2
        last = max(n for n, _ in empties)
        for number, values in enumerate(ws.iter_rows(min_row=first, max_row=last, max_col=MAX_COLUMNS,
                                                     values_only=True), start=first):
            for col, value in enumerate(values[: len(header)]):
                if (number, col) in empties and _is_formula(value):
                    issues.append(
                        Issue(
                            number,
                            names[col],
                            "warning",
                            "formula_without_value",
                            "this cell holds a formula with no saved result, read as empty; open the "
                            "workbook in Excel and save it (Excel stores the results), or paste values",
                            value=str(value) if isinstance(value, str) else "(formula)",
                        )
                    )
    finally:
        workbook.close()
    return issues
