"""The common output of every station reader: :class:`RawTable`.

A reader's only job is to turn a file into rows of cells under the user's own
headers, remembering the row number the user sees. Understanding the cells
(headers, numbers, coordinates) is the validator's job, so every format gets
exactly the same checks and messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from towerplan.errors import UnreadableFileError
from towerplan.stations._text import is_blank
from towerplan.stations.report import Issue

__all__ = ["MAX_BYTES", "MAX_ROWS", "RawTable", "table_from_rows"]

#: refuse files larger than this (bytes), before reading them
MAX_BYTES = 200 * 1024 * 1024
#: refuse station lists with more data rows than this: validating costs about 35 us and 2.5 kB of
#: memory a row (100,000 rows: 3.5 s, 0.3 GB), so 500,000 rows is ~20 s and ~1.3 GB. A province has a
#: few thousand sectors; filter a national OpenCelliD dump to the province first (or pass ``max_rows``).
MAX_ROWS = 500_000


@dataclass(frozen=True, eq=False)
class RawTable:
    """Rows of cells as read from one file, not yet interpreted.

    Parameters
    ----------
    frame
        One column per user header (unique names), cells as read (text or
        numbers), one row per non-blank data row.
    row_numbers
        For each frame row, the row number as the user sees it in the file.
    source_file
        File name shown in reports.
    fmt
        Format it was read as (``"csv"``, ``"xlsx"``, ...).
    issues
        Remarks and row-level problems found while reading.
    decimal_comma
        Numbers in text cells use a decimal comma (``;``-separated CSV).
    forced
        Canonical field -> column decided by the reader (geometry coordinates,
        OpenCelliD's fixed layout); header aliases cannot override them.
    azimuth_known
        ``False`` when the format never carries an azimuth (OpenCelliD): cells
        are omni and are not expanded into sectors.
    header_row
        Row number of the header in the file (``None`` for formats without one).
    """

    frame: pd.DataFrame
    row_numbers: np.ndarray
    source_file: str
    fmt: str
    issues: tuple[Issue, ...] = ()
    decimal_comma: bool = False
    forced: dict[str, str] = field(default_factory=dict)
    azimuth_known: bool = True
    header_row: int | None = None

    def __post_init__(self) -> None:
        rows = np.asarray(self.row_numbers, dtype=np.int64)
        if rows.shape != (len(self.frame),):
            raise ValueError(f"row_numbers has {rows.shape} entries for {len(self.frame)} rows")
        if not self.frame.columns.is_unique:
            raise ValueError("RawTable columns must be unique")
        object.__setattr__(self, "row_numbers", rows)
        object.__setattr__(self, "issues", tuple(self.issues))


def too_many_rows(source_file: str, max_rows: int) -> str:
    """The message for a station list over the row limit."""
    return (
        f"{source_file}: more than {max_rows:,} station rows (the limit); split the file (for example one "
        "file per operator or per province, or filter an OpenCelliD dump to the study area) and read the "
        "parts together"
    )


def unique_headers(headers: Sequence[Any]) -> tuple[list[str], list[Issue]]:
    """Clean header texts: blank ones become ``"column N"``, repeats get ``" (2)"``."""
    out: list[str] = []
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    for position, header in enumerate(headers, start=1):
        text = "" if is_blank(header) else " ".join(str(header).split())
        if not text:
            text = f"column {position}"
        if text in seen:
            seen[text] += 1
            renamed = f"{text} ({seen[text]})"
            issues.append(
                Issue(
                    None,
                    text,
                    "warning",
                    "duplicate_header",
                    f"the header '{text}' appears more than once; the copy in column {position} is kept "
                    f"as '{renamed}' and not used as a station field. Rename or delete one of them.",
                    params={"position": position, "renamed": renamed},
                )
            )
            text = renamed
        else:
            seen[text] = 1
        out.append(text)
    return out, issues


def table_from_rows(
    header: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    row_numbers: Sequence[int],
    *,
    source_file: str,
    fmt: str,
    max_rows: int = MAX_ROWS,
    issues: Sequence[Issue] = (),
    keep_blank: bool = False,
    **kwargs: Any,
) -> RawTable:
    """Build a :class:`RawTable` from a header and rows of cells.

    Blank rows are skipped (and counted in one info line) unless ``keep_blank``
    (features of a geodata file are rows even when empty); cells beyond the
    header get their own ``column N`` columns with a warning, short rows are
    padded with empty cells.
    """
    names, header_issues = unique_headers(header)
    all_issues = list(issues) + header_issues
    kept_rows: list[list[Any]] = []
    kept_numbers: list[int] = []
    blank: list[int] = []
    overflow_rows: list[int] = []
    width = len(names)
    for cells, number in zip(rows, row_numbers, strict=True):
        cells = list(cells)
        if not keep_blank and all(is_blank(c) for c in cells):
            blank.append(int(number))
            continue
        if len(cells) > width:
            if any(not is_blank(c) for c in cells[width:]):
                overflow_rows.append(int(number))
            else:
                cells = cells[:width]
        kept_rows.append(cells)
        kept_numbers.append(int(number))
        if len(kept_rows) > max_rows:
            raise UnreadableFileError(too_many_rows(source_file, max_rows))
    longest = max((len(r) for r in kept_rows), default=width)
    if longest > width:
        names = names + [f"column {k}" for k in range(width + 1, longest + 1)]
        names, _ = unique_headers(names)
        for number in overflow_rows:
            all_issues.append(
                Issue(
                    number,
                    None,
                    "warning",
                    "extra_values",
                    "this row has more values than there are headers; the extra values are kept in "
                    "unnamed columns. Check for a stray separator (a comma inside a name needs quotes).",
                )
            )
    padded = [r + [None] * (len(names) - len(r)) for r in kept_rows]
    frame = pd.DataFrame(padded, columns=names, dtype=object) if padded else pd.DataFrame(columns=names, dtype=object)
    if blank:
        shown = ", ".join(map(str, blank[:10])) + (" ..." if len(blank) > 10 else "")
        all_issues.append(
            Issue(
                None,
                None,
                "info",
                "blank_rows",
                f"{len(blank)} blank row(s) ignored: {shown}",
                params={"count": len(blank), "shown": shown},
            )
        )
    return RawTable(
        frame=frame,
        row_numbers=np.asarray(kept_numbers, dtype=np.int64),
        source_file=source_file,
        fmt=fmt,
        issues=tuple(all_issues),
        **kwargs,
    )
