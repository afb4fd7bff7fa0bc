"""Tables of the plan as CSV (UTF-8 with BOM) and one XLSX workbook, with bilingual headers.

CSV files have one header row ``"Tiếng Việt / English"``, so every CSV reader sees
one header and Excel shows the Vietnamese text (the BOM tells it the encoding).
The workbook has two header rows, Vietnamese (bold) over English (italic): a
planner reads the first, an English reader the second, columns stay narrow, the
data starts on the same row in every sheet and ``pandas.read_excel(header=1)``
gets the English names.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from towerplan.export._common import plain_columns
from towerplan.export._zip import normalise_office_zip
from towerplan.export.i18n_report import DEG, INT, column_format, column_label, text
from towerplan.textsafe import formula_safe, formula_safe_frame

if TYPE_CHECKING:
    from towerplan.export.package import PlanPackage

__all__ = ["plan_tables", "road_table", "stations_summary", "write_csv", "write_tables", "write_xlsx"]

# table name -> sheet-name key in i18n_report
SHEETS = {
    "communes": "sheet_communes",
    "gaps": "sheet_gaps",
    "proposals": "sheet_proposals",
    "road_coverage": "sheet_roads",
    "stations_summary": "sheet_stations",
    "curve": "sheet_curve",
    "speed_communes": "sheet_speed",
}


def stations_summary(stations: pd.DataFrame) -> pd.DataFrame:
    """Sites and sectors per operator and technology (plus a total row)."""
    if stations.empty:
        return pd.DataFrame({"operator": [], "technology": [], "sites": [], "sectors": []})
    frame = pd.DataFrame(stations.drop(columns=stations.geometry.name) if hasattr(stations, "geometry") else stations)
    grouped = frame.groupby(["operator", "technology"], sort=True)
    out = pd.DataFrame({
        "sites": grouped["site_id"].nunique(),
        "sectors": grouped.size(),
    }).reset_index()
    if "freq_mhz" in frame:
        out["freq_mhz"] = grouped["freq_mhz"].agg(lambda s: ", ".join(f"{v:g}" for v in sorted(set(s)))).to_numpy()
    return out


def plan_tables(package: PlanPackage) -> dict[str, pd.DataFrame]:
    """The package's tables (no geometry), by name, in report order; absent ones skipped."""
    out: dict[str, pd.DataFrame] = {}
    if package.commune_stats is not None:
        out["communes"] = _drop_geometry(package.commune_stats)
    if package.gaps is not None:
        gaps = _drop_geometry(package.gaps)
        if "rank" in gaps:
            gaps = gaps.sort_values("rank", kind="stable")
            gaps = gaps[["rank", *[c for c in gaps.columns if c != "rank"]]]
        out["gaps"] = gaps.reset_index(drop=True)
    if package.proposals is not None:
        props = _drop_geometry(package.proposals)
        if "build_order" in props:
            props = props.sort_values("build_order", kind="stable").reset_index(drop=True)
        out["proposals"] = props
    if package.road_coverage is not None:
        out["road_coverage"] = road_table(package.road_coverage)
    out["stations_summary"] = stations_summary(package.stations)
    if package.curve is not None:
        out["curve"] = pd.DataFrame(package.curve).reset_index(drop=True)
    if getattr(package, "speed_communes", None) is not None:
        out["speed_communes"] = _drop_geometry(package.speed_communes)
    return out


def road_table(roads: pd.DataFrame) -> pd.DataFrame:
    """Road km per commune and road class.

    Road *pieces* (a GeoDataFrame with ``length_km`` and ``covered_km`` per line) are
    summed per (``zone``, ``zone_name``, ``road_class``); the lines themselves stay in
    ``plan.gpkg`` and the GeoJSON. A table that is already per commune is kept as is.
    """
    keys = [c for c in ("zone", "zone_name", "road_class") if c in roads.columns]
    is_pieces = isinstance(roads, gpd.GeoDataFrame) and "uncovered_km" not in roads.columns
    if not (is_pieces and keys and {"length_km", "covered_km"} <= set(roads.columns)):
        return _drop_geometry(roads)
    table = pd.DataFrame(roads.drop(columns=roads.geometry.name)).groupby(keys, sort=True)[
        ["length_km", "covered_km"]].sum().reset_index()
    table["uncovered_km"] = table["length_km"] - table["covered_km"]
    table["covered_pct"] = np.where(table["length_km"] > 0,
                                    100.0 * table["covered_km"] / table["length_km"].where(table["length_km"] > 0, 1),
                                    0.0)
    return table


def _drop_geometry(frame: pd.DataFrame) -> pd.DataFrame:
    geom = getattr(frame, "_geometry_column_name", None)
    cols = [c for c in frame.columns if c != geom and not _is_geometry(frame[c])]
    return plain_columns(pd.DataFrame(frame[cols])).reset_index(drop=True)


def _is_geometry(series: pd.Series) -> bool:
    return str(series.dtype) == "geometry"


def rounded(frame: pd.DataFrame) -> pd.DataFrame:
    """Round float columns for output: degrees 7 decimals, counts 1, others 3; inf -> empty."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col].dtype):
            fmt = column_format(col)
            digits = 7 if fmt == DEG else 1 if fmt == INT else 3
            values = out[col].to_numpy(dtype=float)
            out[col] = np.where(np.isfinite(values), np.round(values, digits) + 0.0, np.nan)  # + 0.0: no "-0.0"
    return out


def bilingual_header(column: str) -> str:
    """``"Tiếng Việt / English"`` (one label when both are the same)."""
    vi, en = column_label(column, "vi"), column_label(column, "en")
    return vi if vi == en else f"{vi} / {en}"


def write_csv(frame: pd.DataFrame, path: Path, *, bilingual: bool = True) -> Path:
    """Write ``frame`` as CSV (UTF-8 with BOM, ``\\n`` line ends, rounded floats)."""
    table = rounded(_drop_geometry(frame))
    if bilingual:
        table.columns = [bilingual_header(c) for c in table.columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    formula_safe_frame(table).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return path


def write_tables(package: PlanPackage, csv_dir: Path, xlsx_path: Path) -> dict[str, pd.DataFrame]:
    """Write one CSV per table into ``csv_dir`` and all of them into the workbook ``xlsx_path``."""
    tables = plan_tables(package)
    csv_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        write_csv(frame, csv_dir / f"{name}.csv")
    stations = _drop_geometry(package.stations)
    write_csv(stations, csv_dir / "stations.csv")
    write_xlsx(tables, xlsx_path, title=package.title, study_label=package.study_label)
    return tables


def write_xlsx(tables: dict[str, pd.DataFrame], path: Path, *, title: str, study_label: str) -> Path:
    """One sheet per table: Vietnamese and English header rows, frozen, filtered, formatted."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    about = wb.active
    about.title = text("sheet_about", "vi")
    about["A1"] = formula_safe(title)
    about["A1"].font = Font(bold=True, size=14)
    about["A2"] = formula_safe(study_label)
    about["A2"].font = Font(italic=True)
    about["A4"] = "Trang tính / Sheet"
    about["B4"] = "Nội dung / Contents"
    about["A4"].font = about["B4"].font = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    row = 5
    for name, frame in tables.items():
        sheet_vi = text(SHEETS[name], "vi")
        about.cell(row=row, column=1, value=sheet_vi)
        about.cell(row=row, column=2, value=f"{sheet_vi} / {text(SHEETS[name], 'en')} ({len(frame)})")
        row += 1
        ws = wb.create_sheet(sheet_vi[:31])
        table = rounded(frame)
        for j, col in enumerate(table.columns, start=1):
            vi = ws.cell(row=1, column=j, value=column_label(col, "vi"))
            en = ws.cell(row=2, column=j, value=column_label(col, "en"))
            vi.font = Font(bold=True)
            en.font = Font(italic=True, color="404040")
            for cell in (vi, en):
                cell.fill = fill
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for i, values in enumerate(table.itertuples(index=False), start=3):
            for j, value in enumerate(values, start=1):
                ws.cell(row=i, column=j, value=_xl_value(value))
        for j, col in enumerate(table.columns, start=1):
            fmt = column_format(col)
            letter = get_column_letter(j)
            if fmt:
                for cell in ws[letter][2:]:
                    cell.number_format = fmt
            ws.column_dimensions[letter].width = _width(col, table[col], fmt)
        ws.freeze_panes = "B3" if name in ("communes", "gaps", "proposals") else "A3"
        if len(table.columns) and len(table):
            ws.auto_filter.ref = f"A2:{get_column_letter(len(table.columns))}{len(table) + 2}"
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 60
    wb.properties.creator = "towerplan"
    wb.properties.title = title
    wb.save(path)
    normalise_office_zip(path)
    return path


def _xl_value(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, int):
        return value
    return formula_safe(str(value))  # text: never a live formula


def _width(column: str, values: pd.Series, fmt: str) -> float:
    labels = max(len(column_label(column, "vi")), len(column_label(column, "en")))
    if pd.api.types.is_numeric_dtype(values.dtype):
        finite = values[np.isfinite(values.to_numpy(dtype=float))]
        longest = len(f"{finite.abs().max():,.0f}") + (7 if fmt == DEG else 3) if len(finite) else 4
    else:
        longest = int(values.astype(str).str.len().max()) if len(values) else 4
    return float(min(max(min(labels, 28), longest) + 2, 48))
