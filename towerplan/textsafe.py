"""Text that is safe to show and to export: no live formulas, no invisible control characters.

* :func:`formula_safe` -- CSV and spreadsheet injection (OWASP "CSV Injection"):
  a text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return is read by Excel, LibreOffice and Google Sheets as a formula
  (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``). Such a cell is written with a
  leading apostrophe, which every spreadsheet shows as text; numbers are never
  touched (a negative number stays a number).
* :func:`visible` -- control characters (terminal escape codes), bidi and other
  format characters (right-to-left marks) in a cell or a file name are printed
  as their code (``\\x1b``, ``\\u202e``) in messages, never acted on.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pandas as pd

__all__ = ["FORMULA_TRIGGERS", "formula_safe", "formula_safe_frame", "visible"]

#: first characters that make a spreadsheet read a text cell as a formula (OWASP)
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def formula_safe(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula; else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _export_cell(value: Any) -> Any:
    value = formula_safe(value)
    if isinstance(value, str) and "\r" in value:
        # Python's csv writer quotes a field for the line terminator ("\n") but not for a lone CR,
        # which spreadsheets take as a row break: the rest of the cell would start a new row
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def formula_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` for CSV/XLSX export: text cells :func:`formula_safe`, carriage returns written as
    line feeds (so a CSV writer quotes them); numbers untouched."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[column] = series.map(_export_cell)
    return out


def visible(text: object, *, max_len: int = 200) -> str:
    """``text`` with control, format (bidi) and other invisible characters shown as ``\\x1b``, ``\\u202e``.

    Long text is cut with ``...`` (messages stay one line).
    """
    out = []
    for ch in str(text):
        if unicodedata.category(ch) in _INVISIBLE:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    shown = "".join(out)
    return shown if len(shown) <= max_len else shown[: max_len - 3] + "..."
