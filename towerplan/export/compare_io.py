"""Files of a plan comparison (``towerplan compare A B --out DIR``) and plan packages unpacked from zips.

:func:`write_comparison` writes, atomically like a plan package: ``rasters/served_change.tif`` and
``rasters/level_change_db.tif`` (COG), ``csv/compare_communes.csv``, ``compare_villages.csv``,
``compare_proposals.csv`` (bilingual headers), ``comparison.xlsx``, ``comparison.json`` (the
headline figures) and ``comparison.html`` (the report section, in Vietnamese or English).
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from towerplan.errors import ConfigError, UnreadableFileError
from towerplan.export.compare import PlanComparison, comparison_blocks

__all__ = ["MAX_PLAN_ZIP_BYTES", "unpack_plan_zip", "write_comparison"]

#: the largest unpacked plan package accepted from an upload
MAX_PLAN_ZIP_BYTES = 2 * 1024**3


def write_comparison(comparison: PlanComparison, out_dir: str | os.PathLike[str], *, force: bool = False,
                     lang: str = "vi") -> Path:
    """Write the comparison's files into ``out_dir`` (see the module docstring); returns the folder."""
    from towerplan.export._common import dumps_json, write_text
    from towerplan.export.i18n_report import column_label, text
    from towerplan.export.package import _write_locked
    from towerplan.export.rasters import write_rasters
    from towerplan.export.report_html import render_html
    from towerplan.export.report_model import Block, Report, fmt_number
    from towerplan.export.tables import write_csv, write_xlsx
    from towerplan.outlock import output_lock

    if lang not in ("vi", "en"):
        raise ConfigError(f"unknown report language {lang!r}; use 'vi' or 'en'")
    tables = {f"compare_{k}": v for k, v in comparison.tables().items() if k != "summary"}
    label = f"{comparison.a} → {comparison.b}"

    def _rasters(stage: Path) -> None:
        write_rasters(comparison.rasters, stage / "rasters", study_label=label)

    def _tables(stage: Path) -> None:
        for name, frame in tables.items():
            write_csv(frame, stage / "csv" / f"{name}.csv")
        write_xlsx(tables, stage / "comparison.xlsx", title=text("compare_heading", lang), study_label=label)

    def _report(stage: Path) -> None:
        blocks = comparison_blocks(comparison.tables(), lang)
        figures = [(k, v) for k, v in comparison.summary.items() if isinstance(v, int | float) and k != "identical"]
        headline = Block("table", text=text("headline", lang), columns=[text("figure", lang), text("value", lang)],
                         rows=[[column_label(k, lang), fmt_number(v, decimals=1, lang=lang)] for k, v in figures],
                         numeric=[False, True])
        report = Report(title=text("compare_heading", lang), study_label=label, subtitle="towerplan compare",
                        lang=lang, headline=headline, blocks=blocks[1:])
        write_text(stage / "comparison.html", render_html(report))
        write_text(stage / "comparison.json", dumps_json(comparison.summary))

    out = Path(out_dir)
    steps = [("rasters", _rasters), ("tables", _tables), ("report", _report)]
    with output_lock(out):
        return _write_locked(out, steps_of=lambda: steps, force=force, progress=None)


def unpack_plan_zip(data: bytes, dest: Path, *, max_bytes: int = MAX_PLAN_ZIP_BYTES) -> Path:
    """Unpack a zipped plan package (the app's download) into ``dest``; the folder holding ``summary.json``.

    Refused: not a zip, members with absolute paths or ``..``, links, more than ``max_bytes``
    unpacked, no ``summary.json``.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UnreadableFileError(f"not a zip file ({exc}); give the plan package downloaded from the Export "
                                  "page") from exc
    with archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        if total > max_bytes:
            raise UnreadableFileError(f"the zip unpacks to {total:,} bytes, more than {max_bytes:,}")
        for m in members:
            parts = Path(m.filename).parts
            is_link = (m.external_attr >> 16) & 0o170000 == 0o120000
            if m.filename.startswith(("/", "\\")) or ".." in parts or ":" in m.filename or is_link:
                raise UnreadableFileError(f"unsafe member {m.filename!r} in the zip: refused")
        dest.mkdir(parents=True, exist_ok=True)
        archive.extractall(dest)
    found = sorted(dest.rglob("summary.json"), key=lambda p: len(p.parts))
    if not found:
        raise UnreadableFileError("the zip holds no summary.json: it is not a towerplan plan package")
    return found[0].parent
