"""From interpreted columns to one row per sector, plus the checks across rows.

Used by :mod:`towerplan.stations.validate`; see its docstring for the rules
(site-list expansion, omni cells, EIRP, duplicates, one site at two places).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pyproj import Geod

from towerplan.stations._text import is_blank
from towerplan.stations.crosscheck import report_duplicates
from towerplan.stations.fields import (
    Sink,
    parse_frequencies,
    parse_numbers,
    parse_operators,
    parse_technologies,
    parse_texts,
)
from towerplan.stations.headers import HeaderMap
from towerplan.stations.rawtable import RawTable
from towerplan.stations.schema import CANONICAL_COLUMNS, StationDefaults
from towerplan.stations.values import Kind, known_units

__all__ = ["build_sectors"]

_GEOD = Geod(ellps="WGS84")
_OMNI_WORDS = frozenset({"omni", "o", "vohuong", "omnidirectional", "360omni", "omni360"})
_NUMERIC_FIELDS: tuple[tuple[str, Kind], ...] = (
    ("antenna_height_m", "height"),
    ("tilt_deg", "angle"),
    ("mechanical_tilt_deg", "angle"),
    ("h_beamwidth_deg", "angle"),
    ("v_beamwidth_deg", "angle"),
    ("tx_power_dbm", "power"),
    ("antenna_gain_dbi", "gain"),
    ("feeder_loss_db", "loss"),
    ("eirp_dbm", "power"),
)
_WORDS = {
    "antenna_height_m": ("antenna height", " m"),
    "tilt_deg": ("tilt", "°"),
    "mechanical_tilt_deg": ("mechanical tilt", "°"),
    "h_beamwidth_deg": ("horizontal beamwidth", "°"),
    "v_beamwidth_deg": ("vertical beamwidth", "°"),
    "tx_power_dbm": ("transmit power", " dBm"),
    "antenna_gain_dbi": ("antenna gain", " dBi"),
    "feeder_loss_db": ("feeder loss", " dB"),
    "freq_mhz": ("frequency", " MHz"),
    "technology": ("technology", ""),
}


class _Columns:
    """Access to the mapped columns of a table."""

    def __init__(self, table: RawTable, hm: HeaderMap) -> None:
        self.table = table
        self.hm = hm

    def cells(self, field: str) -> list[Any] | None:
        column = self.hm.fields.get(field)
        return None if column is None else self.table.frame[column].tolist()

    def label(self, field: str) -> str | None:
        return self.hm.fields.get(field)

    def unit(self, field: str) -> str:
        return self.hm.units.get(field, "")


def _use_default(
    values: np.ndarray,
    need: np.ndarray,
    default: float | np.ndarray,
    field: str,
    cols: _Columns,
    sink: Sink,
    *,
    why: str = "",
    label: str | None = None,
) -> None:
    """Fill ``values[need]`` with the default and say so (once per column if the column is missing)."""
    if not need.any():
        return
    word, unit = _WORDS[field]
    label = label or cols.label(field)
    per_row = np.broadcast_to(np.asarray(default, dtype=float), values.shape)
    if label is None:
        shown = (
            f"defaults used ({why})"
            if isinstance(default, np.ndarray)
            else f"{float(default):g}{unit} used (StationDefaults.{field})"
        )
        sink.file(
            None,
            "warning",
            "default_used",
            f"no {word} column: {shown}; add the column to give real values",
            params={"field": field, "variant": "no_column_per_row"}
            if isinstance(default, np.ndarray)
            else {"field": field, "variant": "no_column", "default": float(default), "unit": unit},
        )
    else:
        for pos in np.flatnonzero(need):
            sink.row(
                int(pos),
                label,
                "warning",
                "default_used",
                f"{word} is empty; the default {float(per_row[pos]):g}{unit} was used",
                params={"field": field, "variant": "empty", "default": float(per_row[pos]), "unit": unit},
            )
    values[need] = per_row[need]


def build_sectors(
    table: RawTable, hm: HeaderMap, sink: Sink, defaults: StationDefaults, *, lon: np.ndarray, lat: np.ndarray
) -> pd.DataFrame:
    """One row per sector with the canonical columns and ``_pos`` (the table row it came from).

    The fields are read in a fixed order (operator, technology and frequency, numbers, azimuth,
    antenna defaults, EIRP, identifiers), so the report lists issues in the same order for every file.
    """
    cols = _Columns(table, hm)
    n = len(table.frame)
    operators = _operators(cols, sink, defaults, n)
    techs, freq, bands = _technologies_and_frequencies(cols, sink, defaults, n, decimal_comma=table.decimal_comma)
    values, blanks = _numeric_fields(cols, sink, n, decimal_comma=table.decimal_comma)
    azimuth, expand = _azimuths(table, cols, sink, defaults, n)
    omni = np.isnan(azimuth) & (not expand)
    patterns = _patterns(cols, n)
    hbw = _antenna_defaults(values, blanks, omni, np.array([p is not None for p in patterns]), cols, sink, defaults)
    eirp, tx, gain, loss = _eirp(values, blanks, omni, cols, sink, defaults)
    site_ids, cell_ids = _identifiers(cols, sink, n)
    per_row: dict[str, Any] = {
        "site_id": site_ids,
        "cell_id": cell_ids,
        "operator": operators,
        "technology": techs,
        "lon": lon,
        "lat": lat,
        "antenna_height_m": values["antenna_height_m"],
        "azimuth_deg": azimuth,
        "tilt_deg": values["tilt_deg"],
        "mechanical_tilt_deg": values["mechanical_tilt_deg"],
        "h_beamwidth_deg": hbw,
        "v_beamwidth_deg": values["v_beamwidth_deg"],
        "antenna_pattern": patterns,
        "freq_mhz": freq,
        "eirp_dbm": eirp,
        "tx_power_dbm": tx,
        "antenna_gain_dbi": gain,
        "feeder_loss_db": loss,
        "band": bands,
        "source_row": table.row_numbers,
        "source_file": [table.source_file] * n,
    }
    return _sector_rows(per_row, expand, n, cols, sink, defaults)


def _operators(cols: _Columns, sink: Sink, defaults: StationDefaults, n: int) -> list[str | None]:
    """The operator of each row (the default, with a warning, where none is given)."""
    operator_cells = cols.cells("operator")
    if operator_cells is None:
        operators: list[str | None] = [defaults.operator] * n
        if defaults.operator:
            sink.file(
                None,
                "warning",
                "default_used",
                f"no operator column: all rows set to {defaults.operator}",
                params={"variant": "no_operator_column", "operator": defaults.operator},
            )
        else:
            sink.file(
                None,
                "warning",
                "missing_operator",
                "no operator column: the stations belong to no operator; add an operator "
                "(Nhà mạng) column or set StationDefaults.operator",
                params={"variant": "no_column"},
            )
    else:
        operators, op_blank = parse_operators(operator_cells, label=str(cols.label("operator")), sink=sink)
        for pos in np.flatnonzero(op_blank):
            operators[pos] = defaults.operator
            code = "default_used" if defaults.operator else "missing_operator"
            sink.row(
                int(pos),
                cols.label("operator"),
                "warning",
                code,
                "operator is empty"
                + (f"; {defaults.operator} used" if defaults.operator else "; the station belongs to no operator"),
                params={"variant": "empty_operator", "operator": defaults.operator}
                if defaults.operator
                else {"variant": "empty"},
            )
    return operators


def _technologies_and_frequencies(cols: _Columns, sink: Sink, defaults: StationDefaults, n: int, *,
                                  decimal_comma: bool) -> tuple[list[str | None], np.ndarray, list[Any]]:
    """Technology, frequency (MHz) and band of each row; band names also tell the technology."""
    dc = decimal_comma
    tech_cells = cols.cells("technology")
    if tech_cells is None:
        techs: list[str | None] = [None] * n
        tech_blank = np.ones(n, dtype=bool)
    else:
        techs, tech_blank = parse_technologies(tech_cells, label=str(cols.label("technology")), sink=sink)

    freq, bands, band_techs = parse_frequencies(
        cols.cells("freq_mhz"),
        cols.cells("band"),
        freq_label=cols.label("freq_mhz"),
        band_label=cols.label("band"),
        technologies=techs,
        sink=sink,
        decimal_comma=dc,
        freq_unit=cols.unit("freq_mhz"),
    )
    tech_default = np.zeros(n, dtype=bool)
    for i in range(n):
        if tech_blank[i]:
            techs[i] = band_techs[i] or defaults.technology
            tech_default[i] = band_techs[i] is None
        elif techs[i] and band_techs[i] and techs[i] != band_techs[i]:
            sink.row(
                i,
                cols.label("band") or cols.label("freq_mhz"),
                "warning",
                "band_technology_mismatch",
                f"band {bands[i]} is a {band_techs[i]} band but the technology says {techs[i]}; "
                "check which one is right",
                params={"band": bands[i], "band_technology": band_techs[i], "technology": techs[i]},
            )
    if tech_default.any():
        if cols.label("technology") is None:
            sink.file(
                None,
                "warning",
                "default_used",
                f"no technology column: {defaults.technology} used where the band does not tell "
                "(StationDefaults.technology)",
                params={"variant": "no_technology_column", "technology": defaults.technology},
            )
        else:
            for pos in np.flatnonzero(tech_default):
                sink.row(
                    int(pos),
                    cols.label("technology"),
                    "warning",
                    "default_used",
                    f"technology is empty; {defaults.technology} used",
                    params={"variant": "empty_technology", "technology": defaults.technology},
                )
    freq_given = np.zeros(n, dtype=bool)
    for field in ("freq_mhz", "band"):
        cells = cols.cells(field)
        if cells is not None:
            freq_given |= ~np.asarray([_blank(c) for c in cells], dtype=bool)
    default_freq = np.array([defaults.freq_mhz_for(t or defaults.technology) for t in techs])
    _use_default(
        freq,
        ~freq_given & np.isnan(freq),
        default_freq,
        "freq_mhz",
        cols,
        sink,
        why="per technology, StationDefaults.freq_2g_mhz .. freq_5g_mhz",
        label=cols.label("freq_mhz") or cols.label("band"),
    )
    return techs, freq, bands


def _numeric_fields(cols: _Columns, sink: Sink, n: int, *, decimal_comma: bool
                    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The plain numeric fields (values, and where the cell was blank)."""
    dc = decimal_comma
    values: dict[str, np.ndarray] = {}
    blanks: dict[str, np.ndarray] = {}
    for field, kind in _NUMERIC_FIELDS:
        cells = cols.cells(field)
        if cells is None:
            values[field] = np.full(n, np.nan)
            blanks[field] = np.ones(n, dtype=bool)
            continue
        values[field], blanks[field] = parse_numbers(
            cells,
            field=field,
            kind=kind,
            label=str(cols.label(field)),
            sink=sink,
            decimal_comma=dc,
            header_unit=_unit_for(kind, cols.unit(field)),
        )
    return values, blanks


def _azimuths(table: RawTable, cols: _Columns, sink: Sink, defaults: StationDefaults, n: int
              ) -> tuple[np.ndarray, bool]:
    """Azimuth of each row (NaN: omni) and whether rows are sites to expand into sectors."""
    dc = table.decimal_comma
    az_cells = cols.cells("azimuth_deg")
    expand = az_cells is None and table.azimuth_known
    if az_cells is not None:
        azimuth, _ = parse_numbers(
            az_cells,
            field="azimuth_deg",
            kind="angle",
            label=str(cols.label("azimuth_deg")),
            sink=sink,
            decimal_comma=dc,
            blank_words=_OMNI_WORDS,
        )
        azimuth = np.where(azimuth == 360.0, 0.0, azimuth)
    else:
        azimuth = np.full(n, np.nan)
        if table.azimuth_known:
            angles = ", ".join(f"{a:g}°" for a in defaults.sector_azimuths_deg())
            sink.file(
                None,
                "warning",
                "sites_expanded",
                f"no azimuth column: this is read as a site list and each of the {n} rows becomes "
                f"{defaults.sectors_per_site} sectors at {angles} with cell ids <site>-1.."
                f"{defaults.sectors_per_site}; add an azimuth (Góc phương vị) column to give real sectors",
                params={"n": n, "sectors": defaults.sectors_per_site, "angles": angles},
            )
        else:
            sink.file(
                None,
                "warning",
                "azimuth_unknown",
                f"{table.fmt} data has no azimuths: all {n} cells are treated as omni "
                "(360° beamwidth, omni antenna gain)",
                params={"fmt": table.fmt, "n": n},
            )
    return azimuth, expand


def _patterns(cols: _Columns, n: int) -> list[str | None]:
    """The antenna pattern file named on each row (None: the parametric pattern)."""
    cells = cols.cells("antenna_pattern")
    return parse_texts(cells) if cells is not None else [None] * n


def _antenna_defaults(values: dict[str, np.ndarray], blanks: dict[str, np.ndarray], omni: np.ndarray,
                      has_pattern: np.ndarray, cols: _Columns, sink: Sink, defaults: StationDefaults) -> np.ndarray:
    """Antenna height, tilts and beamwidths where not given (omni cells get 360° and the omni tilt, a sector
    with a pattern file keeps an empty tilt: the file's own is used); the horizontal beamwidth."""
    for field in ("antenna_height_m", "v_beamwidth_deg"):
        _use_default(
            values[field], blanks[field] & np.isnan(values[field]), getattr(defaults, field), field, cols, sink
        )
    tilt_default = np.where(omni, defaults.omni_tilt_deg, defaults.tilt_deg)
    _use_default(values["tilt_deg"], blanks["tilt_deg"] & np.isnan(values["tilt_deg"]) & ~has_pattern,
                 tilt_default, "tilt_deg", cols, sink,
                 why=f"{defaults.tilt_deg:g}° for sectors, {defaults.omni_tilt_deg:g}° for omni cells, "
                 "StationDefaults.tilt_deg and omni_tilt_deg")
    mech = values["mechanical_tilt_deg"]
    mech[np.isnan(mech)] = 0.0  # no mechanical tilt unless given
    hbw = values["h_beamwidth_deg"]
    hbw[blanks["h_beamwidth_deg"] & omni] = 360.0
    _use_default(hbw, blanks["h_beamwidth_deg"] & ~omni, defaults.h_beamwidth_deg, "h_beamwidth_deg", cols, sink)
    return hbw


def _eirp(values: dict[str, np.ndarray], blanks: dict[str, np.ndarray], omni: np.ndarray, cols: _Columns,
          sink: Sink, defaults: StationDefaults) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """EIRP (dBm): given, else tx power + antenna gain - feeder loss (defaults where blank); a given EIRP
    that disagrees with the parts by more than 1 dB is reported."""
    eirp = values["eirp_dbm"]
    compute = blanks["eirp_dbm"] & np.isnan(eirp)
    tx, gain, loss = values["tx_power_dbm"], values["antenna_gain_dbi"], values["feeder_loss_db"]
    tx_given = ~blanks["tx_power_dbm"] & ~np.isnan(tx)
    gain_given = ~blanks["antenna_gain_dbi"] & ~np.isnan(gain)
    loss_given = ~blanks["feeder_loss_db"] & ~np.isnan(loss)
    gain_default = np.where(omni, defaults.omni_antenna_gain_dbi, defaults.antenna_gain_dbi)
    _use_default(tx, compute & blanks["tx_power_dbm"], defaults.tx_power_dbm, "tx_power_dbm", cols, sink)
    _use_default(
        gain,
        compute & blanks["antenna_gain_dbi"],
        gain_default,
        "antenna_gain_dbi",
        cols,
        sink,
        why=f"{defaults.antenna_gain_dbi:g} dBi for sectors, {defaults.omni_antenna_gain_dbi:g} dBi for omni, "
        "StationDefaults.antenna_gain_dbi and omni_antenna_gain_dbi",
    )
    _use_default(loss, compute & blanks["feeder_loss_db"], defaults.feeder_loss_db, "feeder_loss_db", cols, sink)
    eirp[compute] = tx[compute] + gain[compute] - loss[compute]
    consistent = ~compute & tx_given & gain_given & loss_given
    for pos in np.flatnonzero(consistent & (np.abs(eirp - (tx + gain - loss)) > 1.0)):
        sink.row(
            int(pos),
            cols.label("eirp_dbm"),
            "warning",
            "eirp_inconsistent",
            f"EIRP {eirp[pos]:g} dBm differs from tx power + gain - loss = {tx[pos] + gain[pos] - loss[pos]:g} "
            "dBm; the EIRP column is used",
            params={"eirp": float(eirp[pos]), "computed": float(tx[pos] + gain[pos] - loss[pos])},
        )
    return eirp, tx, gain, loss


def _sector_rows(per_row: dict[str, Any], expand: bool, n: int, cols: _Columns, sink: Sink,
                 defaults: StationDefaults) -> pd.DataFrame:
    """The canonical table, site rows expanded into sectors, cell ids derived, duplicates reported."""
    frame = pd.DataFrame({k: per_row[k] for k in CANONICAL_COLUMNS})
    frame["_pos"] = np.arange(n)
    if expand:
        k = defaults.sectors_per_site
        frame = frame.loc[frame.index.repeat(k)].reset_index(drop=True)
        sector = np.tile(np.arange(1, k + 1), n)
        base = [c or s for c, s in zip(frame["cell_id"], frame["site_id"], strict=True)]
        frame["cell_id"] = [f"{b}-{s}" for b, s in zip(base, sector, strict=True)]
        frame["azimuth_deg"] = np.tile(np.asarray(defaults.sector_azimuths_deg()), n)
    else:
        frame["cell_id"] = _derive_cell_ids(frame, cols, sink)
    report_duplicates(
        frame,
        sink,
        site_label=cols.label("site_id"),
        cell_label=cols.label("cell_id"),
        spread_m=defaults.site_spread_m,
        derived_cells=expand,
    )
    for column in ("site_id", "cell_id", "operator", "technology", "band", "source_file"):
        frame[column] = frame[column].astype(object)
    return frame


def _unit_for(kind: Kind, unit: str) -> str:
    return unit if unit in known_units(kind) else ""


def _blank(cell: Any) -> bool:
    return is_blank(cell)


def _identifiers(cols: _Columns, sink: Sink, n: int) -> tuple[list[str | None], list[str | None]]:
    rows = sink.row_numbers
    site_cells, cell_cells = cols.cells("site_id"), cols.cells("cell_id")
    sites: list[str | None] = parse_texts(site_cells) if site_cells is not None else [None] * n
    cells: list[str | None] = parse_texts(cell_cells) if cell_cells is not None else [None] * n
    if site_cells is None:
        if cell_cells is not None:
            sink.file(None, "info", "site_ids_derived", "no site id column: each cell id is used as its site id")
        else:
            sink.file(
                None,
                "warning",
                "missing_id",
                "no site id (Mã trạm) or cell id column: sites are named row<N> after their row; add a site id column",
                params={"variant": "no_column"},
            )
    for pos in range(n):
        if sites[pos] is None:
            if cells[pos] is not None:
                sites[pos] = cells[pos]
            else:
                sites[pos] = f"row{int(rows[pos])}"
                if site_cells is not None:
                    sink.row(
                        pos,
                        cols.label("site_id"),
                        "warning",
                        "missing_id",
                        f"site id is empty; named '{sites[pos]}' after its row",
                        params={"variant": "site", "name": sites[pos]},
                    )
    return sites, cells


def _derive_cell_ids(frame: pd.DataFrame, cols: _Columns, sink: Sink) -> list[str]:
    """Cell ids where missing: ``<site>-<k>``, k counting the site's rows in file order."""
    counter: dict[tuple[Any, Any], int] = {}
    out: list[str] = []
    missing_column = cols.label("cell_id") is None
    derived = 0
    for pos, (site, cell, operator) in enumerate(
        zip(frame["site_id"], frame["cell_id"], frame["operator"], strict=True)
    ):
        key = (operator, site)
        counter[key] = counter.get(key, 0) + 1
        if cell is not None:
            out.append(str(cell))
            continue
        out.append(f"{site}-{counter[key]}")
        derived += 1
        if not missing_column and cols.label("site_id") != cols.label("cell_id"):
            sink.row(
                pos,
                cols.label("cell_id"),
                "warning",
                "missing_id",
                f"cell id is empty; named '{out[-1]}' (site id and its row count)",
                params={"variant": "cell", "name": out[-1]},
            )
    if missing_column and derived:
        sink.file(
            None, "info", "cell_ids_derived", "no cell id column: cells are named <site>-1, <site>-2, ... in file order"
        )
    return out
