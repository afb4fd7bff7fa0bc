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
from towerplan.stations.headers import find_header_row
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
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFileError(f"{source_file}: a damaged workbook ({exc})") from exc
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
        sheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
        if not sheets:
            raise UnreadableFileError(f"{source_file}: the workbook has no worksheet")
        chosen = None
        for ws in sheets:
            head = [list(r) for r in ws.iter_rows(min_row=1, max_row=_HEADER_SCAN_ROWS, values_only=True)]
            index = find_header_row(head, max_scan=_HEADER_SCAN_ROWS)
            if index is not None:
                chosen = (ws, index)
                break
        if chosen is None:
            ws = sheets[0]
            head = [list(r) for r in ws.iter_rows(min_row=1, max_row=_HEADER_SCAN_ROWS, values_only=True)]
            first = next((k for k, r in enumerate(head) if any(v is not None and str(v).strip() for v in r)), 0)
            chosen = (ws, first)
        ws, header_index = chosen
        sheet_name = ws.title
        header: list[Any] = []
        rows: list[list[Any]] = []
        numbers: list[int] = []
        filled = 0
        for number, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
            if number - 1 < header_index:
                continue
            if number - 1 == header_index:
                header = list(values)
                continue
            rows.append(list(values))
            numbers.append(number)
            if any(v is not None and str(v).strip() for v in values):
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
    issues: list[Issue] = []
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
        first = header_index + 2
        for number, values in enumerate(ws.iter_rows(min_row=first, values_only=True), start=first):
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
