"""Planning a coverage run: stations -> site groups -> windows, radial layouts and batches.

Pure Python/numpy, no kernels. A *site group* is the sectors that share location,
antenna height, frequency and model: their path loss is computed once and each
sector only adds its antenna pattern and EIRP.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from pyproj import Transformer

from towerplan.coverage import _kernels as kern
from towerplan.coverage.antenna import TabulatedPattern, read_pattern
from towerplan.coverage.calibration import BEARING_COLUMNS, DISTANCE_COLUMNS, reach_headroom_db
from towerplan.coverage.calibration import COLUMN_DEFAULTS as CALIBRATION_DEFAULTS
from towerplan.coverage.config import DIFFRACTION_METHODS, MODELS, CoverageConfig, model_for_frequency
from towerplan.coverage.reach import ring_levels
from towerplan.errors import ConfigError, StationDataError, UnreadableFileError
from towerplan.grid import Grid
from towerplan.stations.schema import StationDefaults

__all__ = ["REQUIRED_COLUMNS", "Sectors", "SiteGroup", "prepare_stations", "projected_xy", "plan_groups",
           "radial_layout", "hata_constant_db", "loss_radius_m", "make_batches", "block_minima",
           "sector_records", "site_group"]

log = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("operator", "technology", "lon", "lat", "antenna_height_m", "azimuth_deg", "freq_mhz",
                    "eirp_dbm")
#: values for columns a table may lack; the antenna ones are the station lists' own defaults (one table:
#: :class:`towerplan.stations.schema.StationDefaults`), so a table read by towerplan.stations and one
#: written by hand get the same antenna
_STATION_DEFAULTS = StationDefaults()
#: an empty ``tilt_deg`` (electrical) is the sector default, ``omni_tilt_deg`` (0) for an omni cell and the
#: pattern file's own tilt for a sector with a file
_OPTIONAL_DEFAULTS = {"site_id": "", "cell_id": "", "tilt_deg": np.nan,
                      "h_beamwidth_deg": _STATION_DEFAULTS.h_beamwidth_deg,
                      "v_beamwidth_deg": _STATION_DEFAULTS.v_beamwidth_deg, "mechanical_tilt_deg": 0.0,
                      "antenna_pattern": "",
                      # drive-test calibration (towerplan.measurements): offset, clamped slopes, bearing terms
                      **CALIBRATION_DEFAULTS}
TECH_ORDER = ("2G", "3G", "4G", "5G")


@dataclass(frozen=True)
class Sectors:
    """The usable station table with projected coordinates and the codes the kernels use.

    ``table`` keeps the caller's row order; ``table.index`` is 0..n-1 and is the
    *station index* written to ``best_server``. ``skipped`` lists rows left out
    (outside the DEM), with the reason. ``patterns``: the pattern files' loss tables,
    ``(k, 2, 360)``, indexed by the table's ``pattern_id`` (-1: the parametric pattern).
    """

    table: pd.DataFrame
    operators: tuple[str, ...]
    technologies: tuple[str, ...]
    skipped: pd.DataFrame
    patterns: np.ndarray = field(default_factory=lambda: np.zeros((0, 2, 360)))


def projected_xy(stations: pd.DataFrame, dem: Grid) -> tuple[np.ndarray, np.ndarray] | None:
    """The stations' x/y when they are already projected onto the DEM's CRS (a GeoDataFrame in that CRS,
    as :func:`towerplan.stations.project_stations` gives and the study holds), else None (project lon/lat)."""
    crs = getattr(stations, "crs", None)
    geometry = getattr(stations, "geometry", None)
    if crs is None or geometry is None or not dem.crs.equals(crs):
        return None
    return np.asarray(geometry.x, dtype=float), np.asarray(geometry.y, dtype=float)


def prepare_stations(stations: pd.DataFrame, dem: Grid, config: CoverageConfig, *,
                     patterns: Mapping[str, TabulatedPattern] | None = None) -> Sectors:
    """Check the canonical columns, project lon/lat to the DEM's CRS (unless the stations are a
    GeoDataFrame already in it: :func:`projected_xy`), drop stations outside the DEM.

    Station lists are validated by :mod:`towerplan.stations` (rows in error never get here); this is
    the kernels' guard for any table (values the kernels cannot use are refused, with row numbers),
    and missing antenna columns get the station lists' defaults. A sector whose ``antenna_pattern``
    names a file uses that file's cuts (:class:`~towerplan.coverage.antenna.TabulatedPattern`): taken
    from ``patterns`` by name, else read from the path given (the station readers resolve names
    against the list's pattern folder); its ``tilt_deg`` is the electrical tilt in all, the file's own
    tilt when empty.

    Raises
    ------
    StationDataError
        Missing columns or bad values (every problem listed, with row numbers), or
        no station inside the DEM.
    """
    if stations is None or len(stations) == 0:
        raise StationDataError("no stations: the coverage run needs at least one sector")
    missing = [c for c in REQUIRED_COLUMNS if c not in stations.columns]
    if missing:
        raise StationDataError(f"the station table lacks column(s) {missing}; canonical columns are "
                               f"{list(REQUIRED_COLUMNS) + list(_OPTIONAL_DEFAULTS)}")
    # the columns as arrays, then one DataFrame: pandas' column inserts cost ~0.1 ms each (~40 columns)
    n = len(stations)
    cols = {c: stations[c].to_numpy() for c in REQUIRED_COLUMNS}
    for c, default in _OPTIONAL_DEFAULTS.items():
        cols[c] = (stations[c].to_numpy() if c in stations.columns
                   else np.full(n, default, dtype=object if isinstance(default, str) else float))
    numeric = ("lon", "lat", "antenna_height_m", "azimuth_deg", "freq_mhz", "eirp_dbm", "tilt_deg",
               "h_beamwidth_deg", "v_beamwidth_deg", "mechanical_tilt_deg", *CALIBRATION_DEFAULTS)
    filled: dict[str, Any] = {c: _OPTIONAL_DEFAULTS[c] for c in ("mechanical_tilt_deg", "h_beamwidth_deg",
                                                               "v_beamwidth_deg", *CALIBRATION_DEFAULTS)}
    problems: list[str] = []
    for c in numeric:
        v = np.asarray(pd.to_numeric(cols[c], errors="coerce"), dtype=float)
        cols[c] = np.where(np.isnan(v), filled[c], v) if c in filled else v
    df = pd.DataFrame(cols)
    checks = [
        ("lon", lambda v: np.isfinite(v) & (v >= -180) & (v <= 180), "longitude must be -180..180"),
        ("lat", lambda v: np.isfinite(v) & (v >= -90) & (v <= 90), "latitude must be -90..90"),
        ("antenna_height_m", lambda v: np.isfinite(v) & (v >= 0.5) & (v <= 3000), "antenna height 0.5-3000 m"),
        ("freq_mhz", lambda v: np.isfinite(v) & (v >= 20) & (v <= 20000), "frequency 20-20000 MHz"),
        ("eirp_dbm", lambda v: np.isfinite(v) & (v > -50) & (v < 120), "EIRP must be a finite dBm value"),
        ("h_beamwidth_deg", lambda v: (v > 0) & (v <= 360), "horizontal beamwidth (0, 360]"),
        ("v_beamwidth_deg", lambda v: (v > 0) & (v <= 180), "vertical beamwidth (0, 180]"),
        ("tilt_deg", lambda v: np.isnan(v) | (np.abs(v) <= 90), "tilt within +-90"),
        ("mechanical_tilt_deg", lambda v: np.abs(v) <= 90, "mechanical tilt within +-90"),
        ("calibration_offset_db", lambda v: np.abs(v) <= 100, "calibration offset within +-100 dB"),
        ("calibration_slope_db", lambda v: np.abs(v) <= 100, "calibration slope within +-100 dB/decade"),
        ("calibration_cell_slope_db", lambda v: np.abs(v) <= 100, "calibration cell slope within +-100 dB/decade"),
        *((c, lambda v: np.isnan(v) | (v > 0), "calibration distance range > 0 m (or empty)")
          for c in DISTANCE_COLUMNS if c.endswith("_distance_m")),
        *((c, lambda v: np.abs(v) <= 100, "calibration bearing term within +-100 dB") for c in BEARING_COLUMNS),
    ]
    for col, ok, what in checks:
        bad = ~ok(df[col].to_numpy())
        if bad.any():
            rows = np.flatnonzero(bad)[:10].tolist()
            problems.append(f"{col}: {what} (rows {rows}{' ...' if bad.sum() > 10 else ''})")
    tech = df["technology"].astype(str).str.upper().str.strip()
    bad_tech = ~tech.isin(TECH_ORDER)
    if bad_tech.any():
        problems.append(f"technology must be 2G/3G/4G/5G (rows {np.flatnonzero(bad_tech)[:10].tolist()})")
    df["technology"] = tech
    df["operator"] = df["operator"].fillna("unknown").astype(str).str.strip()
    if problems:
        raise StationDataError("station table: " + "; ".join(problems))
    xy = projected_xy(stations, dem)
    if xy is None:
        transformer = Transformer.from_crs("EPSG:4326", dem.crs, always_xy=True)
        xy = transformer.transform(df["lon"].to_numpy(), df["lat"].to_numpy())
    x, y = xy
    df["x"] = np.asarray(x, dtype=float)
    df["y"] = np.asarray(y, dtype=float)
    inside = dem.contains(df["x"].to_numpy(), df["y"].to_numpy()) & np.isfinite(df["x"]) & np.isfinite(df["y"])
    skipped = df.loc[~inside].copy()
    skipped["reason"] = "outside the DEM"
    if (~inside).any():
        log.warning("%d station(s) lie outside the DEM and are left out (rows %s)", int((~inside).sum()),
                    np.flatnonzero(~inside)[:10].tolist())
    if not inside.any():
        raise StationDataError(f"none of the {len(df)} stations lies inside the DEM {dem.bounds} ({dem.crs.name})")
    df["station_index"] = np.arange(len(df))
    df["model"] = [config.model if config.model != "auto" else model_for_frequency(f) for f in df["freq_mhz"]]
    operators = tuple(sorted(df.loc[inside, "operator"].unique()))
    techs = tuple(t for t in TECH_ORDER if (df.loc[inside, "technology"] == t).any())
    df["op_code"] = df["operator"].map({o: i for i, o in enumerate(operators)}).fillna(-1).astype(np.int64)
    df["tech_code"] = df["technology"].map({t: i for i, t in enumerate(techs)}).fillna(-1).astype(np.int64)
    df["omni"] = ~np.isfinite(df["azimuth_deg"].to_numpy()) | (df["h_beamwidth_deg"].to_numpy() >= 360.0)
    stack = _attach_patterns(df, patterns)
    default_tilt = np.where(df["omni"].to_numpy(), _STATION_DEFAULTS.omni_tilt_deg, _STATION_DEFAULTS.tilt_deg)
    df["tilt_deg"] = np.where(np.isnan(df["tilt_deg"].to_numpy()), default_tilt, df["tilt_deg"].to_numpy())
    offsets = config.sector_offsets_db(df["technology"].to_numpy(), df["freq_mhz"].to_numpy(dtype=float))
    df["base_dbm"] = (df["eirp_dbm"].to_numpy() + offsets - config.link_budget.total_margin_db
                      + df["calibration_offset_db"].to_numpy())
    # calibration terms that raise levels (a positive slope beyond 1 km, a bearing lobe): the reach allows for them
    df["reach_dbm"] = df["base_dbm"].to_numpy() + reach_headroom_db(df, config.max_radius_m)
    df["usable"] = inside
    return Sectors(df, operators, techs, skipped, stack)


def _attach_patterns(df: pd.DataFrame, patterns: Mapping[str, TabulatedPattern] | None) -> np.ndarray:
    """Give each sector its ``pattern_id``, ``pattern_cap_db`` and ``electrical_shift_deg``; the tables' stack.

    Sectors with a file get ``tilt_deg`` = their electrical tilt (the file's when empty) and
    ``electrical_shift_deg`` = that minus the tilt the file was measured at.
    """
    names = df["antenna_pattern"].fillna("").astype(str).str.strip().to_numpy()
    df["pattern_id"] = -1
    df["pattern_cap_db"] = 0.0
    df["electrical_shift_deg"] = 0.0
    used = sorted({n for n in names if n})
    if not used:
        return np.zeros((0, 2, 360))
    loaded: list[TabulatedPattern] = []
    problems: list[str] = []
    for name in used:
        if patterns is not None and name in patterns:
            loaded.append(patterns[name])
            continue
        try:
            loaded.append(read_pattern(name))
        except UnreadableFileError as exc:
            rows = np.flatnonzero(names == name)[:10].tolist()
            problems.append(f"antenna_pattern {name!r} (rows {rows}): {exc}")
    if problems:
        raise StationDataError("station table: " + "; ".join(problems))
    ids = {n: i for i, n in enumerate(used)}
    pid = np.array([ids.get(n, -1) for n in names], dtype=np.int64)
    has = pid >= 0
    file_tilt = np.array([loaded[i].electrical_tilt_deg if i >= 0 else 0.0 for i in pid])
    tilt = df["tilt_deg"].to_numpy(dtype=float)
    tilt = np.where(has & np.isnan(tilt), file_tilt, tilt)
    df["tilt_deg"] = tilt
    df["pattern_id"] = pid
    df["pattern_cap_db"] = np.array([loaded[i].max_loss_db if i >= 0 else 0.0 for i in pid])
    df["electrical_shift_deg"] = np.where(has, tilt - file_tilt, 0.0)
    log.info("antenna patterns: %d sector(s) use %d pattern file(s)", int(has.sum()), len(used))
    return np.stack([p.tables() for p in loaded])


@dataclass(frozen=True)
class SiteGroup:
    """Sectors sharing one path-loss computation; plain numbers so it pickles small."""

    x: float
    y: float
    h_tx_m: float
    freq_mhz: float
    model: str
    radius_m: float
    box: tuple[int, int, int, int]  # global r_lo, r_hi (exclusive), c_lo, c_hi
    sectors: np.ndarray  # structured array of the sector columns
    lat_deg: float = 0.0  # site latitude (P.1812's beta0)
    patterns: np.ndarray = field(default_factory=lambda: np.zeros((0, 2, 360)))  # by the sectors' pattern_id


_SECTOR_FIELDS = ("station_index", "azimuth_deg", "omni", "h_beamwidth_deg", "v_beamwidth_deg", "tilt_deg",
                  "mechanical_tilt_deg", "base_dbm", "op_code", "tech_code", "calibration_slope_db", "reach_dbm",
                  "pattern_id", "pattern_cap_db", "electrical_shift_deg", *DISTANCE_COLUMNS[1:], *BEARING_COLUMNS)


def hata_constant_db(model: str, freq_mhz: float, h_rx_m: float, config: CoverageConfig) -> float:
    """The part of Hata / COST-231 that depends on neither distance nor base height, dB.

    ``config.hata_environment`` adds Hata's suburban / open-area correction to either
    model (COST-231's formula is urban; the metropolitan 3 dB applies to urban only).
    """
    lf = math.log10(freq_mhz)
    a_hm = (1.1 * lf - 0.7) * h_rx_m - (1.56 * lf - 0.8)
    env = {"urban": 0.0, "suburban": -2.0 * math.log10(freq_mhz / 28.0) ** 2 - 5.4,
           "open": -4.78 * lf**2 + 18.33 * lf - 40.94}[config.hata_environment]
    if model == "cost231":
        metro = 3.0 if config.cost231_metropolitan and config.hata_environment == "urban" else 0.0
        return 46.3 + 33.9 * lf - a_hm + metro + env
    return 69.55 + 26.16 * lf - a_hm + env


def loss_radius_m(model: str, freq_mhz: float, max_loss_db: float, *, hb_max_m: float, h_rx_m: float,
                  config: CoverageConfig) -> float:
    """Distance beyond which the loss must exceed ``max_loss_db`` (capped at ``config.max_radius_m``).

    Free space minus 6 dB (a ground-reflection gain) bounds ITM and free space from
    below, and P.1812 (whose loss is never below Lb0p = free space + at most 4.4 dB of
    focusing at 1 % time, eqs 10 and 69); Hata / COST-231 are bounded by their own formula at the highest effective
    base height ``hb_max_m`` (diffraction only adds loss).
    """
    if model in ("hata", "cost231"):
        # the kernel's loss is max(Hata, free space) + diffraction >= either term
        r_fs = 1000.0 * 10.0 ** ((max_loss_db - 32.45 - 20.0 * math.log10(freq_mhz)) / 20.0)
        c = hata_constant_db(model, freq_mhz, h_rx_m, config)
        lhb = math.log10(max(hb_max_m, 1.0))
        slope = 44.9 - 6.55 * lhb
        r = r_fs
        if slope > 0:
            # Hata falls with h_b only beyond 1 km: below that the bound is the 1 km point
            r_h = 1000.0 * 10.0 ** ((max_loss_db - c + 13.82 * lhb) / slope)
            r = min(max(r_h, 1000.0), r_fs)
    else:
        r = 1000.0 * 10.0 ** ((max_loss_db + 6.0 - 32.45 - 20.0 * math.log10(freq_mhz)) / 20.0)
    return float(min(max(r, 0.0), config.max_radius_m))


def plan_groups(sectors: Sectors, dem: Grid, dem_filled: np.ndarray, config: CoverageConfig, *,
                offset: tuple[int, int] = (0, 0), block_min: np.ndarray | None = None) -> list[SiteGroup]:
    """Group usable sectors into sites and size each site's window (boxes in ``dem``'s rows and columns).

    ``dem_filled`` is the gap-filled DEM, or a window of it whose cell (0, 0) is cell ``offset``
    = (row, col) of ``dem`` (the tiled engine): both offsets must be multiples of the block size
    (16) and the window must hold every cell within ``2 * max_radius_m`` of each site for the
    radii to equal those computed on the whole DEM. Only ``dem``'s lattice is read, not its values.
    ``block_min``: :func:`block_minima` of ``dem_filled`` when the caller has it already (callers
    that plan many sites one by one on one DEM, :mod:`towerplan.coverage.footprint`).
    """
    if offset[0] % _MIN_BLOCK or offset[1] % _MIN_BLOCK:
        raise ConfigError(f"window offset {offset} must be a multiple of {_MIN_BLOCK} cells")
    table = sectors.table
    df = table if bool(table["usable"].all()) else table[table["usable"]]
    keys = ["x", "y", "antenna_height_m", "freq_mhz", "model"]
    blockmin = block_min
    if blockmin is None:  # only the Hata / COST-231 radius reads the block minima (a pass over the whole DEM)
        hata = bool(df["model"].isin(("hata", "cost231")).any())
        blockmin = block_minima(dem_filled) if hata else np.zeros((0, 0))
    groups: list[SiteGroup] = []
    records = sector_records(df)  # once: per group its rows (a column access per field and group cost ~1 ms)
    lat = df["lat"].to_numpy(dtype=float)
    for key, rows in _site_rows(df, keys):
        groups.append(site_group(records[rows], key, float(lat[rows[0]]), sectors.patterns, dem, dem_filled, config,
                                 block_min=blockmin, offset=offset))
    groups.sort(key=lambda g: int(g.sectors["station_index"].min()))
    return groups


def sector_records(part: pd.DataFrame) -> np.ndarray:
    """The kernels' sector columns of a prepared station table (rows of :attr:`Sectors.table`), a float
    structured array (:attr:`SiteGroup.sectors`, before the pattern ids are renumbered per site)."""
    rec = np.empty(len(part), dtype=[(n, np.float64) for n in _SECTOR_FIELDS])
    for n in _SECTOR_FIELDS:
        rec[n] = part[n].to_numpy(dtype=float)
    return rec


def site_group(records: np.ndarray, key: tuple, lat_deg: float, patterns: np.ndarray, dem: Grid,
               dem_filled: np.ndarray, config: CoverageConfig, *, block_min: np.ndarray,
               offset: tuple[int, int] = (0, 0)) -> SiteGroup:
    """One site group of :func:`plan_groups`: its radius and window for sectors sharing ``key`` =
    (x, y, antenna height, frequency, model).

    ``records``: the sectors' :func:`sector_records` (not modified); ``patterns``: the
    pattern tables of the whole table (:attr:`Sectors.patterns`); ``block_min``:
    :func:`block_minima` of ``dem_filled``. Callers that plan many sites of one table
    (the candidate matrix) convert the table once and call this per site.
    """
    res_x, res_y = dem.res
    left, _, _, top = dem.bounds
    x, y, h_tx, f, model = key
    max_loss = float(records["reach_dbm"].max() - config.threshold_dbm)
    col = (x - left) / res_x - 0.5
    row = (top - y) / res_y - 0.5
    if model in ("hata", "cost231"):
        radius = _hata_radius(model, f, max_loss, h_tx, col - offset[1], row - offset[0], dem_filled, block_min,
                              min(res_x, res_y), config)
    else:
        radius = loss_radius_m(model, f, max_loss, hb_max_m=h_tx, h_rx_m=config.rx_height_m, config=config)
    radius = max(radius, 2.0 * max(res_x, res_y))
    r_lo = max(math.floor(row - radius / res_y) - 1, 0)
    r_hi = min(math.ceil(row + radius / res_y) + 2, dem.height)
    c_lo = max(math.floor(col - radius / res_x) - 1, 0)
    c_hi = min(math.ceil(col + radius / res_x) + 2, dem.width)
    rec = records.copy()
    # the group carries only the pattern tables its sectors use, renumbered from 0
    pid = rec["pattern_id"]
    used = np.unique(pid[pid >= 0]).astype(np.int64)
    rec["pattern_id"] = np.where(pid >= 0, np.searchsorted(used, pid), -1)
    local = np.ascontiguousarray(patterns[used]) if len(used) else np.zeros((0, 2, 360))
    return SiteGroup(float(x), float(y), float(h_tx), float(f), str(model), float(radius),
                     (r_lo, r_hi, c_lo, c_hi), rec, lat_deg=lat_deg, patterns=local)


def _site_rows(df: pd.DataFrame, keys: list[str]) -> list[tuple[tuple, np.ndarray]]:
    """``df.groupby(keys)``'s groups as (key, positions of its rows in ``df``, ascending), in pandas' order (the
    caller orders the groups by their lowest station index); one site's sectors without pandas' grouping."""
    if len(df) and all(bool((df[k].to_numpy() == df[k].iat[0]).all()) for k in keys):
        return [(tuple(df[k].iat[0] for k in keys), np.arange(len(df)))]
    return [(key if isinstance(key, tuple) else (key,), np.asarray(rows, dtype=np.int64))
            for key, rows in df.groupby(keys, sort=False).indices.items()]


_MIN_BLOCK = 16


def block_minima(z: np.ndarray) -> np.ndarray:
    """Minimum elevation of each block of ``_MIN_BLOCK`` x ``_MIN_BLOCK`` cells."""
    h, w = z.shape
    hb, wb = -(-h // _MIN_BLOCK), -(-w // _MIN_BLOCK)
    padded = np.full((hb * _MIN_BLOCK, wb * _MIN_BLOCK), np.inf)
    padded[:h, :w] = z
    return padded.reshape(hb, _MIN_BLOCK, wb, _MIN_BLOCK).min(axis=(1, 3))


def _hata_radius(model: str, freq_mhz: float, max_loss_db: float, h_tx_m: float, col: float, row: float,
                 z: np.ndarray, blockmin: np.ndarray, step_m: float, config: CoverageConfig) -> float:
    """Reach of Hata / COST-231 with the effective height bounded by the lowest ground within reach.

    Within distance r, the mean terrain of any path is at least the minimum elevation
    of the square of half-side r, so ``h_b <= h_tx + z_site - min``; the radius where
    the loss at that height exceeds ``max_loss_db`` is a bound, and shrinking the
    square to it and repeating keeps the bound valid (a decreasing sequence).
    """
    z0 = kern.bilinear(z, col, row)
    r = config.max_radius_m
    for _ in range(6):
        reach = math.ceil(r / step_m) + 1
        b_r0 = max(math.floor(row) - reach, 0) // _MIN_BLOCK
        b_r1 = (math.ceil(row) + reach) // _MIN_BLOCK + 1
        b_c0 = max(math.floor(col) - reach, 0) // _MIN_BLOCK
        b_c1 = (math.ceil(col) + reach) // _MIN_BLOCK + 1
        z_min = float(blockmin[b_r0:b_r1, b_c0:b_c1].min())
        r_new = loss_radius_m(model, freq_mhz, max_loss_db, hb_max_m=h_tx_m + z0 - z_min,
                              h_rx_m=config.rx_height_m, config=config)
        if r_new >= 0.97 * r:
            return min(r_new, r)
        r = r_new
    return r


def radial_layout(radius_m: float, step_m: float, exit_m: np.ndarray | None = None, *, spacing: float = 1.0,
                  min_base: int = 16):
    """Radial counts for a site: (n0, lmax, first, count).

    ``n0 = base * 2**lmax >= 2 pi n / spacing`` radials (n = samples to the rim) so
    that neighbouring radials are at most ``spacing`` steps apart at every ring; ``first[j]`` is
    the first sample radial j must evaluate, ``count[j]`` its number of samples
    (``exit_m[j]``, the distance where it leaves the window, shortens it).
    """
    n = math.ceil(radius_m / step_m) + 1
    need = 2.0 * math.pi * n / spacing
    lmax = max(0, math.floor(math.log2(need / min_base)))
    base = math.ceil(need / 2**lmax)
    n0 = base * 2**lmax
    level = ring_levels(n0, lmax)
    start_m = np.where(level >= lmax, 0.0, radius_m / 2.0 ** (level + 1))
    first = np.maximum(np.floor(start_m / step_m).astype(np.int64) - 1, 1)
    count = np.full(n0, n + 1, dtype=np.int64)
    if exit_m is not None:
        count = np.minimum(count, np.ceil(exit_m / step_m).astype(np.int64) + 3)
    count = np.maximum(count, 2)
    return n0, lmax, first, count


def window_exit_m(n0: int, site_x: float, site_y: float, box_xy: tuple[float, float, float, float],
                  radius_m: float, step_m: float) -> np.ndarray:
    """Distance at which each radial leaves the window box (left, bottom, right, top), plus a margin."""
    a = 2.0 * np.pi * np.arange(n0) / n0
    sa, ca = np.sin(a), np.cos(a)
    left, bottom, right, top = box_xy
    with np.errstate(divide="ignore", invalid="ignore"):
        tx = np.where(sa > 1e-12, (right - site_x) / sa, np.where(sa < -1e-12, (left - site_x) / sa, np.inf))
        ty = np.where(ca > 1e-12, (top - site_y) / ca, np.where(ca < -1e-12, (bottom - site_y) / ca, np.inf))
    exit_m = np.minimum(tx, ty)
    exit_m = exit_m + 2.0 * step_m + 2.0 * exit_m * (2.0 * np.pi / n0)
    return np.minimum(np.maximum(exit_m, 0.0), radius_m)


def make_batches(groups: list[SiteGroup], n_batches: int) -> list[list[int]]:
    """Split group indices into ``n_batches`` spatially compact batches (Morton order of the windows)."""
    if not groups:
        return []
    n_batches = max(1, min(n_batches, len(groups)))
    rows = np.array([(g.box[0] + g.box[1]) // 2 for g in groups], dtype=np.int64)
    cols = np.array([(g.box[2] + g.box[3]) // 2 for g in groups], dtype=np.int64)
    key = np.zeros(len(groups), dtype=np.int64)
    for b in range(20):
        key |= ((cols >> b) & 1) << (2 * b)
        key |= ((rows >> b) & 1) << (2 * b + 1)
    order = np.lexsort((np.arange(len(groups)), key))
    return [chunk.tolist() for chunk in np.array_split(order, n_batches) if len(chunk)]


def model_codes(model: str, config: CoverageConfig) -> tuple[int, int]:
    return MODELS[model], DIFFRACTION_METHODS[config.diffraction]
