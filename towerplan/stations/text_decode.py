"""Station files' bytes to text: UTF-8 (with or without BOM), UTF-16/32 (BOM, or the NUL pattern) or Windows-1258.

Windows-1258 is the code page Excel uses in Viet Nam; it stores tone marks as combining
characters, so every text is normalised to NFC. A few damaged lines (NUL bytes, a line in
another encoding) are repaired and reported with their line numbers
(:func:`decode_text_report`); binary content is refused with a message naming the file.
Part of :mod:`towerplan.stations.readers`, which re-exports :func:`decode_text`.
"""

from __future__ import annotations

from towerplan.errors import UnreadableFileError
from towerplan.stations._text import nfc
from towerplan.stations.report import Issue

__all__ = ["MAX_NUL_LINES", "binary_message", "decode_text", "decode_text_report", "guess_encoding", "refuse_binary"]


#: most lines holding NUL bytes that are removed and reported instead of refusing the file as binary
MAX_NUL_LINES = 100


def _nul_lines(data: bytes) -> list[int] | None:
    """1-based numbers of the lines holding NUL bytes when they are few (a damaged row), else ``None``."""
    if b"\x00" not in data:
        return []
    lines = data.split(b"\n")
    hit = [k for k, line in enumerate(lines, start=1) if b"\x00" in line]
    if len(hit) > min(MAX_NUL_LINES, max(1, len(lines) // 100)) or data.count(b"\x00") > 4 * len(hit) + 16:
        return None
    return hit


def decode_text_report(data: bytes, *, name: str = "file") -> tuple[str, str, list[Issue]]:
    """:func:`decode_text`, forgiving a few damaged lines, each reported with its line number.

    A few NUL bytes (at most one line in a hundred) are removed; a UTF-8 file with some lines in
    Windows-1258 (Vietnamese Excel) keeps its UTF-8 lines and reads those lines as Windows-1258.
    """
    issues: list[Issue] = []
    nul_lines = _nul_lines(data) if not data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")) else []
    if nul_lines:
        data = data.replace(b"\x00", b"")
        for line in nul_lines:
            issues.append(Issue(line, None, "warning", "nul_removed",
                                f"NUL bytes (\\x00) removed from line {line}; check this row (the file was damaged "
                                "or exported badly)", params={"line": line}))
    if guess_encoding(data) == "cp1258":
        mixed = _decode_mixed(data)
        if mixed is not None:
            text, cp_lines = mixed
            for line in cp_lines[:MAX_NUL_LINES]:
                issues.append(Issue(line, None, "warning", "line_not_utf8",
                                    f"line {line} is not UTF-8 like the rest of the file; read as Windows-1258 "
                                    "(Vietnamese): check its accents", params={"line": line}))
            refuse_binary(text, name)
            return nfc(text.removeprefix("\ufeff")), "utf-8", issues
    text, encoding = decode_text(data, name=name)
    return text, encoding, issues


def _decode_mixed(data: bytes) -> tuple[str, list[int]] | None:
    """Decode line by line when the file is UTF-8 (some non-ASCII UTF-8 line) with a few other lines."""
    out: list[str] = []
    other: list[int] = []
    utf8_accents = False
    for k, line in enumerate(data.split(b"\n"), start=1):
        try:
            text = line.decode("utf-8")
            utf8_accents = utf8_accents or not line.isascii()
        except UnicodeDecodeError:
            text = line.decode("cp1258", errors="replace")
            other.append(k)
        out.append(text)
    if not utf8_accents or len(other) * 2 > len(out):
        return None  # a Windows-1258 file: decoded whole, as before
    return "\n".join(out), other


def decode_text(data: bytes, *, name: str = "file") -> tuple[str, str]:
    """Decode a text file and normalise it to NFC.

    Returns
    -------
    text, encoding
        ``encoding`` is ``"utf-8"``, ``"utf-8-sig"``, ``"utf-16"``, ``"utf-16-le"``,
        ``"utf-16-be"``, ``"utf-32"`` (with BOM) or ``"cp1258"``.

    Raises
    ------
    UnreadableFileError
        Binary content, or bytes that are not text in any of those encodings.
    """
    encoding = guess_encoding(data)
    if encoding == "binary":
        raise UnreadableFileError(binary_message(name))
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            f"{name}: not a text file in UTF-8, UTF-16 or Windows-1258 ({exc.reason} at byte {exc.start}); "
            "save it from Excel as 'CSV UTF-8' or as .xlsx"
        ) from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    refuse_binary(text, name)
    return nfc(text), encoding


def guess_encoding(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = data[:4096]
    if len(head) >= 4 and b"\x00" in head and not _nul_lines(data):
        even_nul = head[0::2].count(0) / max(1, len(head[0::2]))
        odd_nul = head[1::2].count(0) / max(1, len(head[1::2]))
        if odd_nul > 0.3 and even_nul < 0.05:
            return "utf-16-le"
        if even_nul > 0.3 and odd_nul < 0.05:
            return "utf-16-be"
        return "binary"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1258"
    return "utf-8"


def refuse_binary(text: str, name: str) -> None:
    sample = text[:65536]
    if "\x00" in sample and _nul_lines(text.encode("utf-8", errors="replace")):
        sample = sample.replace("\x00", "")  # a few damaged lines: removed and reported by decode_text_report
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f\x1a")
    if "\x00" in sample or controls > max(2, len(sample) // 200):
        raise UnreadableFileError(binary_message(name))


def binary_message(name: str) -> str:
    return (
        f"{name}: binary content, not a station list; expected CSV, XLSX, GeoJSON, KML/KMZ, "
        "GeoPackage or an OpenCelliD dump"
    )
