"""Validation results: :class:`Issue`, :class:`ValidationReport` and :class:`StationLoad`.

Every problem found in a station list becomes one :class:`Issue` with the row
number as the user sees it in their own file (CSV line, Excel row, feature
number), the user's own column header, a severity, a stable machine-readable
``code`` and a message that says what is wrong and how to fix it.

Severities
----------
``error``
    The row is unusable: it is excluded from the stations and listed in
    :attr:`StationLoad.rejected`.
``warning``
    A default was used or a value looks suspicious; the row is kept.
``info``
    Something the user may want to know (columns passed through, sheet used).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import geopandas as gpd
import pandas as pd

from towerplan.errors import InputError, StationDataError
from towerplan.textsafe import visible

__all__ = [
    "REPORT_COLUMNS",
    "Issue",
    "Language",
    "Severity",
    "StationLoad",
    "ValidationReport",
    "report_header",
    "severity_label",
    "sort_issues",
]

logger = logging.getLogger(__name__)

#: languages of the issue messages: English (as written in the code) and Vietnamese
Language = Literal["en", "vi"]
_LANGUAGES: tuple[str, ...] = get_args(Language)
_SEVERITY_LABELS: dict[str, dict[str, str]] = {
    "en": {"error": "error", "warning": "warning", "info": "info"},
    "vi": {"error": "lỗi", "warning": "cảnh báo", "info": "thông tin"},
}

Severity = Literal["error", "warning", "info"]
_SEVERITIES: tuple[str, ...] = get_args(Severity)
_SEVERITY_RANK = {name: rank for rank, name in enumerate(_SEVERITIES)}
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")

#: columns of :meth:`ValidationReport.to_frame`, in order
REPORT_COLUMNS: tuple[str, ...] = ("row", "column", "severity", "code", "message", "value", "file")


@dataclass(frozen=True)
class Issue:
    """One problem (or remark) about a station list.

    Parameters
    ----------
    row
        Row number as the user sees it in their file (CSV line number with the
        header on line 1, Excel row number, 1-based feature number for
        GeoJSON/KML/GeoPackage), or ``None`` for a file-level remark.
    column
        The user's own header for the column concerned, or ``None``.
    severity
        ``"error"`` (row excluded), ``"warning"`` or ``"info"``.
    code
        Stable machine-readable identifier, e.g. ``"missing_coordinates"``.
    message
        What is wrong and how to fix it, in plain words.
    value
        The offending value as written in the file, shortened; ``None`` if none.
    file
        Name of the file the row comes from (set when several files are read).
    params
        The numbers and names the message uses (limits, defaults used, the
        first row of a duplicate...), so that the message can be written in
        another language (:meth:`message_in`). Not part of equality.
    """

    row: int | None
    column: str | None
    severity: Severity
    code: str
    message: str
    value: str | None = None
    file: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.severity not in _SEVERITIES:
            raise InputError(f"issue severity must be one of {_SEVERITIES}, got {self.severity!r}")
        if not _CODE.match(self.code):
            raise InputError(f"issue code must be snake_case, got {self.code!r}")
        if self.row is not None:
            object.__setattr__(self, "row", int(self.row))
        if self.value is not None and not isinstance(self.value, str):
            object.__setattr__(self, "value", str(self.value))

    def with_file(self, file: str | None) -> Issue:
        """A copy tagged with ``file`` (unchanged when it already has one)."""
        if self.file is not None or file is None:
            return self
        return Issue(self.row, self.column, self.severity, self.code, self.message, self.value, file, self.params)

    def message_in(self, lang: Language = "en") -> str:
        """The message in ``lang``: ``"en"`` (:attr:`message`) or ``"vi"`` (Vietnamese).

        A code without a Vietnamese template falls back to the English message
        (with a logged warning).
        """
        if lang not in _LANGUAGES:
            raise InputError(f"language must be one of {_LANGUAGES}, got {lang!r}")
        if lang == "en":
            return self.message
        from towerplan.stations.messages_vi import vietnamese_message

        text = vietnamese_message(self)
        if text is None:
            logger.warning("no Vietnamese message for issue code %r; the English one is shown", self.code)
            return self.message
        return text


def severity_label(severity: str, lang: Language = "en") -> str:
    """A severity as shown to users: ``severity_label("error", "vi") == "lỗi"``.

    The ``severity`` column of :meth:`ValidationReport.to_frame` keeps the stable
    English values (``error``/``warning``/``info``); use this for display.
    """
    if lang not in _LANGUAGES:
        raise InputError(f"language must be one of {_LANGUAGES}, got {lang!r}")
    return _SEVERITY_LABELS[lang].get(severity, severity)


def sort_issues(issues: Iterable[Issue]) -> tuple[Issue, ...]:
    """File-level remarks first, then by row; the order of discovery is kept within a row."""
    return tuple(sorted(issues, key=lambda i: -1 if i.row is None else i.row))


@dataclass(frozen=True)
class ValidationReport:
    """Every issue found while reading and validating one or several station lists.

    Issues are kept in the order given; the readers give them file by file,
    file-level remarks first, then by row (see :func:`sort_issues`).
    """

    issues: tuple[Issue, ...] = ()

    def __post_init__(self) -> None:
        issues = tuple(self.issues)
        for issue in issues:
            if not isinstance(issue, Issue):
                raise InputError(f"ValidationReport.issues must hold Issue objects, got {type(issue).__name__}")
        object.__setattr__(self, "issues", issues)

    # ------------------------------------------------------------------ counts
    @property
    def n_errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == "error")

    @property
    def n_warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity == "warning")

    @property
    def n_infos(self) -> int:
        return sum(1 for i in self.issues if i.severity == "info")

    @property
    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self.issues)

    def codes(self) -> Counter[str]:
        """How many issues of each code."""
        return Counter(i.code for i in self.issues)

    def filter(self, *, severity: Severity | None = None, code: str | None = None) -> ValidationReport:
        """The issues of one severity and/or one code."""
        return ValidationReport(
            tuple(
                i
                for i in self.issues
                if (severity is None or i.severity == severity) and (code is None or i.code == code)
            )
        )

    def __add__(self, other: ValidationReport) -> ValidationReport:
        if not isinstance(other, ValidationReport):
            return NotImplemented
        return ValidationReport(self.issues + other.issues)

    def __len__(self) -> int:
        return len(self.issues)

    # ------------------------------------------------------------------ output
    def to_frame(self, lang: Language = "en") -> pd.DataFrame:
        """The issues as a table: ``row, column, severity, code, message, value, file``.

        ``row`` is a nullable integer column (``<NA>`` for file-level remarks).
        With ``lang="vi"`` the ``message`` column is in Vietnamese; the other
        columns (``severity``, ``code``) keep their stable values (see
        :func:`severity_label` for display).
        """
        frame = pd.DataFrame(
            [(i.row, i.column, i.severity, i.code, i.message_in(lang), i.value, i.file) for i in self.issues],
            columns=list(REPORT_COLUMNS),
        )
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def format_text(self, *, max_issues: int | None = None, min_severity: Severity = "info",
                    lang: Language = "en") -> str:
        """A plain-text table for a terminal, in report order.

        Parameters
        ----------
        max_issues
            Show at most this many issues (a final line says how many were left out).
        min_severity
            ``"warning"`` hides info lines, ``"error"`` shows errors only.
        lang
            ``"en"`` or ``"vi"``: headers, severities and messages in that language.
        """
        words = _REPORT_WORDS[lang] if lang in _REPORT_WORDS else _REPORT_WORDS["en"]
        limit = _SEVERITY_RANK[min_severity]
        shown = [i for i in self.issues if _SEVERITY_RANK[i.severity] <= limit]
        if not shown:
            return words["none"]
        left_out = 0
        if max_issues is not None and len(shown) > max_issues:
            left_out = len(shown) - max_issues
            shown = shown[:max_issues]
        with_file = len({i.file for i in shown if i.file}) > 1
        header = [words[k] for k in (["file"] if with_file else []) + ["row", "column", "severity", "code",
                                                                        "message"]]
        rows = [  # control and bidi characters of cells and names shown as codes, never sent to the terminal
            [visible(cell, max_len=10_000) for cell in ([i.file or ""] if with_file else [])
             + ["" if i.row is None else str(i.row), i.column or "", severity_label(i.severity, lang), i.code,
                i.message_in(lang)]]
            for i in shown
        ]
        widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header) - 1)]
        lines = []
        for r in [header, *rows]:
            cells = [r[k].ljust(widths[k]) for k in range(len(widths))] + [r[-1]]
            lines.append("  ".join(cells).rstrip())
        if left_out:
            lines.append(words["more"].format(n=left_out))
        return "\n".join(lines)


#: the words of :meth:`ValidationReport.format_text` and of the report's table headers, per language
_REPORT_WORDS: dict[str, dict[str, str]] = {
    "en": {"file": "file", "row": "row", "column": "column", "severity": "severity", "code": "code",
           "message": "message", "value": "value", "none": "no problems found",
           "more": "... and {n} more (write them all with --report-csv)"},
    "vi": {"file": "tệp", "row": "dòng", "column": "cột", "severity": "mức", "code": "mã", "message": "nội dung",
           "value": "giá trị", "none": "không thấy vấn đề nào",
           "more": "... và {n} vấn đề nữa (ghi đủ bằng --report-csv)"},
}


def report_header(column: str, lang: str = "en") -> str:
    """The header of a report column (``row``, ``column``, ``severity``, ...) as shown to users in ``lang``."""
    return _REPORT_WORDS.get(lang, _REPORT_WORDS["en"]).get(column, column)


def merge_reports(reports: Iterable[ValidationReport]) -> ValidationReport:
    """One report holding the issues of all ``reports``."""
    issues: list[Issue] = []
    for report in reports:
        issues.extend(report.issues)
    return ValidationReport(tuple(issues))


@dataclass(frozen=True, eq=False)
class StationLoad:
    """The result of reading and validating station lists.

    Parameters
    ----------
    stations
        One row per sector (cell) in the canonical schema
        (:data:`towerplan.stations.CANONICAL_COLUMNS`, then any passed-through
        columns), Point geometry in EPSG:4326, in file order (rows of a site
        list expanded into sectors stay together).
    rejected
        The rows with at least one error, with the user's original values,
        their ``source_row`` and ``source_file`` and an ``error_codes`` column.
    report
        Every issue found.
    n_rows_read
        Number of non-blank data rows read from the file(s).
    """

    stations: gpd.GeoDataFrame
    rejected: pd.DataFrame
    report: ValidationReport
    n_rows_read: int = 0
    sources: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not isinstance(self.stations, gpd.GeoDataFrame):
            raise InputError("StationLoad.stations must be a GeoDataFrame")
        if self.stations.crs is None or self.stations.crs.to_epsg() != 4326:
            raise InputError("StationLoad.stations must be in EPSG:4326")
        if not isinstance(self.rejected, pd.DataFrame):
            raise InputError("StationLoad.rejected must be a DataFrame")
        if not isinstance(self.report, ValidationReport):
            raise InputError("StationLoad.report must be a ValidationReport")
        if self.n_rows_read < 0:
            raise InputError("StationLoad.n_rows_read cannot be negative")

    @property
    def has_errors(self) -> bool:
        return self.report.has_errors

    def raise_for_errors(self) -> StationLoad:
        """Return ``self``, or raise :class:`~towerplan.errors.StationDataError` (with the report) on errors.

        For batch code that must not go on with a partial station list.
        """
        if self.report.has_errors:
            first = self.report.filter(severity="error").issues[0]
            where = f" (first: row {first.row}, {first.code})" if first.row is not None else f" (first: {first.code})"
            raise StationDataError(
                f"{self.report.n_errors} error(s) in the station list(s) {', '.join(self.sources)}{where}",
                report=self.report,
            )
        return self

    def summary(self) -> dict[str, Any]:
        """Counts for a one-screen summary: rows, sectors, sites, per operator and technology; the physical
        towers (:func:`towerplan.stations.sites.physical_sites`) and, for each shared one, its tenants."""
        from towerplan.stations.sites import physical_sites  # sites builds on this module's Issue

        st = self.stations
        sites = st[["operator", "site_id"]].astype(str).drop_duplicates() if len(st) else st
        towers = physical_sites(st).sites if len(st) else None
        shared = ({str(r.physical_site): f"{r.tenants} ({r.site_ids})" for r in towers.itertuples(index=False)
                   if r.n_tenants > 1} if towers is not None else {})
        return {
            "rows_read": int(self.n_rows_read),
            "rows_rejected": len(self.rejected),
            "sectors": len(st),
            "sites": len(sites),
            "towers": 0 if towers is None else len(towers),
            "shared_towers": shared,
            "by_operator": {str(k): int(v) for k, v in st["operator"].fillna("(none)").value_counts().items()}
            if len(st)
            else {},
            "by_technology": {
                str(k): int(v) for k, v in st["technology"].fillna("(none)").value_counts().sort_index().items()
            }
            if len(st)
            else {},
            "errors": self.report.n_errors,
            "warnings": self.report.n_warnings,
        }
