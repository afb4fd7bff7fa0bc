"""Read station files of every supported format into a :class:`RawTable`.

The format comes from the content first (a ZIP is a workbook or a KMZ, a
SQLite file a GeoPackage, text starting with ``{`` GeoJSON, ``<kml`` KML, a
first line like ``radio,mcc,net,...`` or ``LTE,452,4,...`` an OpenCelliD
dump, other text CSV) and from the extension when the content cannot tell.
Text is decoded from UTF-8 (with or without BOM), UTF-16 (with BOM, or
without one when the NUL pattern says so) or Windows-1258, the code page
Excel uses in Viet Nam, and normalised to NFC (Windows-1258 stores tone
marks as combining characters).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import logging
import os
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import IO, Any, Literal, get_args

from towerplan.errors import InputError, UnreadableFileError
from towerplan.input_files import checked_path
from towerplan.stations.headers import find_header_row, header_score, two_row_header_column
from towerplan.stations.rawtable import MAX_BYTES, MAX_ROWS, RawTable, table_from_rows, too_many_rows
from towerplan.stations.report import Issue
from towerplan.stations.text_decode import (
    binary_message,
    decode_text,
    decode_text_report,
    guess_encoding,
    refuse_binary,
)
from towerplan.textsafe import visible

__all__ = [
    "FORMATS",
    "OPENCELLID_COLUMNS",
    "Format",
    "Source",
    "decode_text",
    "detect_format",
    "load_bytes",
    "read_raw",
]

log = logging.getLogger(__name__)

Format = Literal["csv", "opencellid", "xlsx", "geojson", "kml", "kmz", "gpkg"]
FORMATS: tuple[str, ...] = get_args(Format)
Source = str | os.PathLike[str] | bytes | bytearray | memoryview | IO[bytes]

#: column layout of an OpenCelliD cell export (https://wiki.opencellid.org/wiki/Menu_map_view#database)
OPENCELLID_COLUMNS: tuple[str, ...] = (
    "radio", "mcc", "net", "area", "cell", "unit", "lon", "lat", "range", "samples", "changeable",
    "created", "updated", "averageSignal",
)  # fmt: skip
_OPENCELLID_ROW = re.compile(r"^\s*(GSM|UMTS|LTE|NR|CDMA)\s*,\s*\d+\s*,\s*\d+\s*,", re.IGNORECASE)
_EXTENSIONS: dict[str, str] = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv", ".tab": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".geojson": "geojson", ".json": "geojson", ".kml": "kml", ".kmz": "kmz", ".gpkg": "gpkg",
}  # fmt: skip
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old Excel .xls workbook (or a password-protected one): open it in Excel and save it as .xlsx or CSV UTF-8",
    ),
    (b"%PDF", "a PDF document: export the station table from its source as CSV or XLSX"),
    (b"\x89PNG", "a PNG image, not a station list"),
    (b"\xff\xd8\xff", "a JPEG image, not a station list"),
    (b"GIF8", "a GIF image, not a station list"),
    (b"\x1f\x8b", "a gzip archive: unpack it first"),
    (b"Rar!", "a RAR archive: unpack it first"),
    (b"7z\xbc\xaf", "a 7-Zip archive: unpack it first"),
)


# ----------------------------------------------------------------------------- bytes in


def load_bytes(source: Source, *, name: str | None = None, max_bytes: int = MAX_BYTES) -> tuple[bytes, str]:
    """Read ``source`` (a path, bytes or a binary file object) into memory, refusing huge files.

    Returns
    -------
    data, name
        The content and the name to show in reports (the file name, ``name``,
        or ``"upload"``).
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        label = name or "upload"
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        label = name or visible(path.name)
        # a regular file (no folder, device or pipe), no NUL in the name, links resolved
        path = checked_path(path, what="station list")
        size = path.stat().st_size
        if size > max_bytes:
            raise UnreadableFileError(_too_big(label, size, max_bytes))
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadableFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    elif hasattr(source, "read"):
        label = name or str(getattr(source, "name", "") or "upload")
        label = Path(label).name or label
        chunk = source.read(max_bytes + 1)
        if isinstance(chunk, str):
            chunk = chunk.encode("utf-8")
        data = bytes(chunk)
    else:
        raise InputError(f"cannot read stations from a {type(source).__name__}; give a path, bytes or a file")
    if len(data) > max_bytes:
        raise UnreadableFileError(_too_big(label, len(data), max_bytes))
    return data, label


def _too_big(label: str, size: int, max_bytes: int) -> str:
    return (
        f"{label}: {size / 1e6:,.0f} MB is larger than the {max_bytes / 1e6:,.0f} MB limit for a station "
        "list; split it (for example per operator) or remove unused columns"
    )


# ----------------------------------------------------------------------------- format detection


def detect_format(data: bytes, name: str = "") -> Format:
    """The format of a station file, from its content, then its extension.

    Raises
    ------
    UnreadableFileError
        Empty files, known non-station formats (PDF, images, old ``.xls``),
        ZIP archives holding neither a workbook nor KML, and binary junk.
    """
    label = name or "file"
    if not data.strip():
        raise UnreadableFileError(f"{label}: the file is empty; it needs a header row and one row per cell")
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise UnreadableFileError(f"{label}: this is {what}")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = [n.lower() for n in archive.namelist()]
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise UnreadableFileError(f"{label}: a damaged ZIP archive (or workbook): {exc}") from exc
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        if any(n.endswith(".kml") for n in names):
            return "kmz"
        if any(n.startswith("word/") for n in names):
            raise UnreadableFileError(f"{label}: this is a Word document; export the table as CSV or XLSX")
        raise UnreadableFileError(f"{label}: a ZIP archive with no workbook and no KML inside; unpack it first")
    if data.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    encoding = guess_encoding(data)
    if encoding == "binary":
        raise UnreadableFileError(binary_message(label))
    text = data[:65536].decode(encoding, errors="replace")
    refuse_binary(text.lstrip("\ufeff"), label)
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith(("{", "[")):
        return "geojson"
    if head.startswith("<"):
        lowered = head[:4096].lower()
        if "<kml" in lowered or "<placemark" in lowered:
            return "kml"
        raise UnreadableFileError(f"{label}: XML or HTML that is not KML; save the list as CSV, XLSX or KML")
    if _is_opencellid(head):
        return "opencellid"
    ext = Path(name).suffix.lower()
    if _EXTENSIONS.get(ext) in {"xlsx", "gpkg", "kmz"}:
        log.info("%s: named %s but holds text; reading it as CSV", label, ext)
    return "csv"


def _is_opencellid(text: str) -> bool:
    first = next((line for line in text.splitlines() if line.strip()), "")
    fields = [f.strip().lower() for f in first.split(",")]
    if fields[:8] == [c.lower() for c in OPENCELLID_COLUMNS[:8]]:
        return True
    return bool(_OPENCELLID_ROW.match(first))


# ----------------------------------------------------------------------------- CSV

_DELIMITERS = (",", ";", "\t", "|")


def _checked(reader: Any) -> Any:
    """``reader``'s records; a csv.Error names the line where the bad record starts and the likely cause."""
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            hint = (
                " (a quote opened and never closed makes the rest of the file one cell: check the quotes there)"
                if "field larger than field limit" in str(exc)
                else ""
            )
            raise csv.Error(f"{exc} in the record starting on line {start}{hint}") from exc
        yield cells


#: header row plus the title rows above it that :func:`find_header_row` may skip
_HEADER_ROOM = 11


def _records(
    text: str, delimiter: str, *, limit: int | None = None, max_rows: int | None = None, source_file: str = "file"
) -> list[tuple[int, list[str]]]:
    """CSV records with the line number of their first line (quoted newlines span lines).

    ``limit`` stops after that many records; ``max_rows`` raises as soon as more
    non-blank records than ``max_rows`` data rows plus a header (and title rows)
    are seen, so a huge file is refused without parsing all of it.
    """
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    out: list[tuple[int, list[str]]] = []
    previous = 0
    filled = 0
    for cells in _checked(reader):
        out.append((previous + 1, cells))
        previous = reader.line_num
        if limit is not None and len(out) >= limit:
            break
        if max_rows is not None and any(c.strip() for c in cells):
            filled += 1
            if filled > max_rows + _HEADER_ROOM:
                raise UnreadableFileError(too_many_rows(source_file, max_rows))
    return out


def sniff_delimiter(text: str) -> str:
    """The delimiter that makes the most header cells recognisable (then the most regular rows)."""
    head = "\n".join(text.splitlines()[:30])
    best: tuple[tuple[bool, int, float, int], str] | None = None
    for delimiter in _DELIMITERS:
        try:
            records = [cells for _, cells in _records(head, delimiter, limit=20) if cells]
        except csv.Error:
            continue
        if not records:
            continue
        scores = [header_score(cells) for cells in records[:10]]
        has_coords = any(s[0] for s in scores)
        recognised = max(s[1] for s in scores)
        counts = Counter(len(c) for c in records)
        mode, freq = counts.most_common(1)[0]
        key = (has_coords, recognised, freq / len(records) if mode > 1 else 0.0, mode)
        if best is None or key > best[0]:
            best = (key, delimiter)
    return "," if best is None else best[1]


def read_csv_text(
    text: str, *, source_file: str, encoding: str, max_rows: int = MAX_ROWS, delimiter: str | None = None
) -> RawTable:
    """Parse delimited text (header row found within the first ten rows) into a :class:`RawTable`."""
    delimiter = delimiter or sniff_delimiter(text)
    try:
        records = _records(text, delimiter, max_rows=max_rows, source_file=source_file)
    except csv.Error as exc:
        raise UnreadableFileError(f"{source_file}: not readable as CSV ({exc})") from exc
    records = [(n, cells) for n, cells in records if cells]
    issues: list[Issue] = []
    if encoding == "cp1258":
        issues.append(
            Issue(
                None,
                None,
                "info",
                "encoding_guessed",
                "read as Windows-1258 (Vietnamese); if accents look wrong, save the file as 'CSV UTF-8'",
            )
        )
    if not records:
        raise UnreadableFileError(f"{source_file}: the file is empty; it needs a header row and one row per cell")
    found = find_header_row([cells for _, cells in records])
    header_index = 0 if found is None else found
    header_line, header = records[header_index]
    lost = two_row_header_column([cells for _, cells in records], header_index)
    if lost is not None:
        above_line, above = records[header_index - 1]
        raise UnreadableFileError(
            f"{source_file}: the header takes two lines (merged cells?): {above[lost]!r} on line {above_line}, "
            f"column {lost + 1}, stands above an empty header cell on line {header_line}; make one header line "
            "(one label per column) and read the file again"
        )
    if header_index > 0:
        issues.append(
            Issue(
                None,
                None,
                "info",
                "title_rows_skipped",
                f"the header is on line {header_line}; {header_index} title line(s) above it were skipped",
                params={"header_line": header_line, "skipped": header_index},
            )
        )
    data = records[header_index + 1 :]
    return table_from_rows(
        header,
        [cells for _, cells in data],
        [n for n, _ in data],
        source_file=source_file,
        fmt="csv",
        max_rows=max_rows,
        issues=issues,
        decimal_comma=delimiter != ",",
        header_row=header_line,
    )


def read_opencellid_text(text: str, *, source_file: str, max_rows: int = MAX_ROWS) -> RawTable:
    """Parse an OpenCelliD dump (with or without its header line)."""
    try:
        records = [(n, cells) for n, cells in _records(text, ",", max_rows=max_rows, source_file=source_file) if cells]
    except csv.Error as exc:
        raise UnreadableFileError(f"{source_file}: not readable as an OpenCelliD dump ({exc})") from exc
    if not records:
        raise UnreadableFileError(f"{source_file}: the file is empty")
    first = [c.strip().lower() for c in records[0][1]]
    has_header = first[:8] == [c.lower() for c in OPENCELLID_COLUMNS[:8]]
    header = list(records[0][1]) if has_header else list(OPENCELLID_COLUMNS)
    header = [h.strip() for h in header]
    data = records[1:] if has_header else records
    table = table_from_rows(
        header,
        [cells for _, cells in data],
        [n for n, _ in data],
        source_file=source_file,
        fmt="opencellid",
        max_rows=max_rows,
        header_row=records[0][0] if has_header else None,
    )
    frame = table.frame.copy()
    lower = {c.lower(): c for c in frame.columns}

    def col(name: str) -> Any:
        return frame[lower[name]] if name in lower else None

    mcc, net, area, cell = col("mcc"), col("net"), col("area"), col("cell")
    if mcc is not None and net is not None:
        frame["mcc/net"] = [f"{str(a).strip()}-{str(b).strip()}" for a, b in zip(mcc, net, strict=True)]
    if mcc is not None and net is not None and area is not None and cell is not None:
        frame["mcc-net-area-cell"] = [
            "-".join(str(v).strip() for v in vals) for vals in zip(mcc, net, area, cell, strict=True)
        ]
    forced = {
        field: column
        for field, column in (
            ("site_id", "mcc-net-area-cell"),
            ("cell_id", "mcc-net-area-cell"),
            ("operator", "mcc/net"),
            ("technology", lower.get("radio")),
            ("lon", lower.get("lon")),
            ("lat", lower.get("lat")),
        )
        if column is not None and column in frame.columns
    }
    return RawTable(
        frame=frame,
        row_numbers=table.row_numbers,
        source_file=source_file,
        fmt="opencellid",
        issues=table.issues,
        forced=forced,
        azimuth_known=False,
        header_row=table.header_row,
    )


# ----------------------------------------------------------------------------- dispatch


def read_raw(
    source: Source,
    *,
    fmt: str | None = None,
    name: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
) -> RawTable:
    """Read any supported station file into a :class:`RawTable` (no interpretation yet).

    Raises
    ------
    UnreadableFileError
        The file cannot be read at all (missing, empty, binary, damaged, too big).
    InputError
        ``fmt`` is not one of :data:`FORMATS`.
    """
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown station file format {fmt!r}; use one of {', '.join(FORMATS)}")
    data, label = load_bytes(source, name=name, max_bytes=max_bytes)
    detected = detect_format(data, label)
    # binary containers are recognised for sure; for text, an explicit fmt wins
    chosen = detected if detected in {"xlsx", "kmz", "gpkg"} else (fmt or detected)
    log.info("reading %s as %s", label, chosen)
    if chosen in {"csv", "opencellid"}:
        text, encoding, notes = decode_text_report(data, name=label)
        if "opencellid" in {chosen, detected}:
            return read_opencellid_text(text, source_file=label, max_rows=max_rows)
        table = read_csv_text(text, source_file=label, encoding=encoding, max_rows=max_rows)
        return dataclasses.replace(table, issues=(*notes, *table.issues)) if notes else table
    if chosen == "xlsx":
        from towerplan.stations.readers_excel import read_xlsx

        return read_xlsx(data, source_file=label, max_rows=max_rows, max_bytes=max_bytes)
    from towerplan.stations import readers_geo

    if chosen == "geojson":
        return readers_geo.read_geojson(data, source_file=label, max_rows=max_rows)
    if chosen in {"kml", "kmz"}:
        if chosen == "kmz" or detected == "kmz":
            data = readers_geo.kml_from_kmz(data, source_file=label, max_bytes=max_bytes)
        return readers_geo.read_kml(data, source_file=label, max_rows=max_rows)
    return readers_geo.read_gpkg(data, source_file=label, max_rows=max_rows)
