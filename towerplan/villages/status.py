"""Every village with its service: served per technology (and service class), households, nearest
tower and road, the dead zone it lies in, and how the model agrees with the province's own list.

A village is served by a technology when the level grid of that technology at the cell holding
the village point meets the service criterion, decided by :func:`towerplan.coverage.service.served`
(the same test the gap analysis and placement use). The dead-zone programme counts villages, not
raster cells, so the village table is the programme's unit; the grid cell is the model's resolution
(a village point stands for its houses only to within a cell).

Agreement with the province's list of villages reported without signal is scored as a binary
classifier whose positive class is "no signal": precision = TP / (TP + FP) (of the villages the
model says have no signal, the share the province also reports) and recall = TP / (TP + FN) (of
the villages the province reports, the share the model finds) (Fawcett, "An introduction to ROC
analysis", Pattern Recognition Letters 27, 2006, section 2). Villages where the two disagree are
listed for a field check.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from towerplan.coverage.service import served
from towerplan.errors import ConfigError
from towerplan.grid import Grid

__all__ = ["VillageAgreement", "mark_reported", "village_agreement", "village_status"]

log = logging.getLogger(__name__)


def _sample(grid: Grid, rows: np.ndarray, cols: np.ndarray, inside: np.ndarray) -> np.ndarray:
    out = np.full(rows.shape, np.nan)
    values = np.asarray(grid.values, dtype=float)
    out[inside] = values[rows[inside], cols[inside]]
    if grid.nodata is not None and not (isinstance(grid.nodata, float) and math.isnan(grid.nodata)):
        out[out == grid.nodata] = np.nan
    return out


def _served_at(grid: Grid, criterion_dbm: float, rows: np.ndarray, cols: np.ndarray, inside: np.ndarray
               ) -> np.ndarray:
    """served() of the cells under the villages (False outside the grid)."""
    return served(_sample(grid, rows, cols, inside), criterion_dbm)


def _criterion(criterion_dbm: float | Mapping[str, float], technology: str) -> float:
    if isinstance(criterion_dbm, Mapping):
        if technology not in criterion_dbm:
            raise ConfigError(f"no service criterion for {technology}; given for {', '.join(criterion_dbm)}")
        return float(criterion_dbm[technology])
    return float(criterion_dbm)


def _tower_distance_m(points: np.ndarray, towers: gpd.GeoDataFrame | None, crs: object) -> np.ndarray:
    if towers is None or towers.empty:
        return np.full(len(points), np.nan)
    sites = towers.to_crs(crs)
    xy = np.unique(np.column_stack([sites.geometry.x, sites.geometry.y]).round(1), axis=0)
    dist, _ = cKDTree(xy).query(points, k=1)
    return np.asarray(dist, dtype=float)


def _road_distance_m(villages: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None) -> np.ndarray:
    if roads is None or roads.empty or roads.crs is None:
        return np.full(len(villages), np.nan)
    lines = roads.to_crs(villages.crs)
    lines = gpd.GeoDataFrame(geometry=lines.geometry.values, crs=villages.crs)
    joined = gpd.sjoin_nearest(villages[["geometry"]].reset_index(drop=True), lines, how="left",
                               distance_col="_dist")
    return joined.groupby(level=0)["_dist"].min().reindex(range(len(villages))).to_numpy(dtype=float)


def _in_polygons(villages: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame | None, column: str) -> pd.Series:
    """The ``column`` value of the polygon holding each village (first one; missing when none)."""
    if polygons is None or polygons.empty or column not in polygons or polygons.crs is None:
        return pd.Series([None] * len(villages), dtype=object)
    poly = gpd.GeoDataFrame({"_value": polygons[column].to_numpy()}, geometry=polygons.geometry.values,
                            crs=polygons.crs).to_crs(villages.crs)
    joined = gpd.sjoin(villages[["geometry"]].reset_index(drop=True), poly, how="left", predicate="within")
    first = joined[~joined.index.duplicated(keep="first")]["_value"]
    return first.reindex(range(len(villages))).astype(object).where(first.notna(), None)


def village_status(
    villages: gpd.GeoDataFrame,
    *,
    grid: Grid,
    technology_levels: Mapping[str, Grid],
    criterion_dbm: float | Mapping[str, float],
    operator_levels: Mapping[str, Grid] | None = None,
    class_criteria: Mapping[str, Mapping[str, float]] | None = None,
    after: Grid | None = None,
    towers: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    gaps: gpd.GeoDataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
    unit_name_column: str | None = None,
) -> gpd.GeoDataFrame:
    """One row per village with its service and surroundings (metric CRS of ``grid``).

    Parameters
    ----------
    villages
        Village points (:data:`towerplan.villages.table.VILLAGE_COLUMNS`, any CRS).
    grid
        The analysis lattice (the DEM); level grids must share it.
    technology_levels
        Technology (``"2G"``, ``"4G"`` ...) -> best level of any operator, dBm.
    criterion_dbm
        The service criterion (dBm), one for all or per technology.
    operator_levels
        Operator -> best level of the modelled technologies (``served_any`` is any of them).
    class_criteria
        Service class -> technology -> criterion (dBm, on the scale of that technology's level grid):
        adds ``served_class_<name>``, served by any of the technologies given
        (:func:`towerplan.study.villages_step.class_criteria_for` derives them from the study's
        service criteria).
    after
        The level grid after the plan's proposals (``served_after_plan``).
    towers
        Existing sites (stations, any CRS): ``dist_tower_m`` to the nearest.
    roads, gaps, units
        Road lines (``dist_road_m``), ranked dead-zone polygons (``gap_rank``), administrative units
        (``unit``, from ``unit_name_column`` or ``name``).

    Columns
    -------
    village_id, name, commune (as listed), unit, lon, lat, households, grid_power, reported_no_signal,
    in_grid, best_level_dbm, served_<tech> per technology, served_class_<name>, served_any,
    served_after_plan, dist_tower_m, dist_road_m, gap_rank and gap_id (of the ranked dead zone holding the
    village; empty outside every zone).
    """
    for name, level in {**technology_levels, **(operator_levels or {}), **({"after": after} if after else {})}.items():
        if not level.same_lattice(grid):
            raise ConfigError(f"level grid {name!r} is not on the analysis lattice")
    pts = villages.to_crs(grid.crs).reset_index(drop=True)
    x, y = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    rows, cols = grid.rowcol(x, y)
    inside = grid.contains(x, y) & (rows >= 0) & (cols >= 0) & (rows < grid.height) & (cols < grid.width)
    keep = [c for c in ("village_id", "name", "commune", "lon", "lat", "households", "grid_power",
                        "reported_no_signal", "place", "source") if c in pts]
    out = gpd.GeoDataFrame(pd.DataFrame(pts[keep]), geometry=pts.geometry.values, crs=grid.crs)
    out["unit"] = _in_polygons(out, units, unit_name_column or _name_column(units)).to_numpy()
    out["in_grid"] = inside
    best = np.full(len(out), np.nan)
    for tech in sorted(technology_levels):
        at_village = _sample(technology_levels[tech], rows, cols, inside)
        best = np.fmax(best, at_village)
        out[f"served_{tech}"] = served(at_village, _criterion(criterion_dbm, tech))
    out["best_level_dbm"] = best
    for cls, per_tech in (class_criteria or {}).items():
        by_class = np.zeros(len(out), dtype=bool)
        for tech, crit in per_tech.items():
            if tech in technology_levels:
                by_class |= _served_at(technology_levels[tech], crit, rows, cols, inside)
        out[f"served_class_{cls}"] = by_class
    # operator grids and the plan's "after" grid mix the modelled technologies: the loosest criterion
    common = min(criterion_dbm.values()) if isinstance(criterion_dbm, Mapping) else float(criterion_dbm)
    any_served = np.zeros(len(out), dtype=bool)
    for tech in technology_levels:
        any_served |= out[f"served_{tech}"].to_numpy(dtype=bool)
    for op in sorted(operator_levels or {}):
        any_served |= _served_at((operator_levels or {})[op], common, rows, cols, inside)
    out["served_any"] = any_served
    if after is not None:
        out["served_after_plan"] = any_served | _served_at(after, common, rows, cols, inside)
    out["dist_tower_m"] = _tower_distance_m(np.column_stack([x, y]), towers, grid.crs)
    out["dist_road_m"] = _road_distance_m(out, roads)
    for column in ("rank", "gap_id"):
        held = _in_polygons(out, gaps, column)
        out[f"gap_{column}".replace("gap_gap_", "gap_")] = pd.to_numeric(held, errors="coerce").to_numpy()
    return out


def _name_column(units: gpd.GeoDataFrame | None) -> str:
    if units is None:
        return "name"
    for col in ("commune_vn", "name", "ten", "shapeName", "NAME_3", "ADM3_VI", "commune"):
        if col in units.columns:
            return col
    return "name"


def mark_reported(villages: pd.DataFrame, reported: pd.DataFrame) -> pd.DataFrame:
    """``villages`` with ``reported_no_signal`` set from a separate list of villages reported without signal.

    Villages of the list are matched by ``village_id`` when both have one that matches, else by
    name and commune (accents, case and spaces ignored; a listed name without a commune matches that
    name in any commune). Every listed village is True, every other village False. Listed villages
    that match nothing are logged; ConfigError when none matches.
    """
    from towerplan.names import normalise_name

    def key(frame: pd.DataFrame) -> list[tuple[str, str]]:
        communes = frame["commune"] if "commune" in frame else pd.Series([""] * len(frame), index=frame.index)
        return [(normalise_name(n), normalise_name(c) if isinstance(c, str) else "")
                for n, c in zip(frame["name"], communes, strict=True)]

    ids = set(villages["village_id"].astype(str)) if "village_id" in villages else set()
    by_id = {str(v) for v in reported.get("village_id", pd.Series(dtype=object)).dropna() if str(v) in ids}
    named = reported[reported["name"].notna()] if "name" in reported else reported.iloc[:0]
    keys = set(key(named)) if len(named) else set()
    village_keys = key(villages)
    names_only = {k[0] for k in keys if not k[1]}
    hit = [(str(vid) in by_id) or (k in keys) or (k[0] in names_only)
           for vid, k in zip(villages.get("village_id", [""] * len(villages)), village_keys, strict=True)]
    found = {k for k, h in zip(village_keys, hit, strict=True) if h}
    unmatched = [k for k in keys if k not in found and not (not k[1] and k[0] in {f[0] for f in found})]
    if unmatched:
        shown = ", ".join(f"{n} ({c})" if c else n for n, c in unmatched[:10])
        if not found and not by_id:
            raise ConfigError(f"none of the {len(unmatched)} reported village(s) matches a village of the list: "
                              f"{shown}")
        log.warning("%d reported village(s) match no village of the list: %s", len(unmatched), shown)
    out = villages.copy()
    out["reported_no_signal"] = pd.array(hit, dtype="boolean")
    return out


@dataclass(frozen=True, eq=False)
class VillageAgreement:
    """How the model's "no signal" villages agree with the province's reports.

    ``tp``: both say no signal; ``fp``: the model only; ``fn``: the province only; ``tn``: both say
    signal; ``unknown``: villages the province did not classify. ``precision``/``recall`` are NaN
    when their denominator is zero. ``disagreements``: the FP and FN villages, for a field check.
    """

    tp: int
    fp: int
    fn: int
    tn: int
    unknown: int
    disagreements: pd.DataFrame

    def __post_init__(self) -> None:
        if min(self.tp, self.fp, self.fn, self.tn, self.unknown) < 0:
            raise ValueError("counts cannot be negative")

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else math.nan

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else math.nan

    def as_dict(self) -> dict[str, float | int]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn, "unknown": self.unknown,
                "precision": self.precision, "recall": self.recall}


def village_agreement(status: pd.DataFrame, *, served_column: str = "served_any") -> VillageAgreement:
    """Compare the model (``served_column`` False = no signal) with ``reported_no_signal``.

    The disagreements list, per village, ``finding``: ``model_only`` (the model finds no signal where
    the province reports signal: a coverage the model misses, or a report out of date) or
    ``province_only`` (the province reports no signal where the model predicts service).
    """
    if "reported_no_signal" not in status or served_column not in status:
        raise ConfigError(f"the village table needs reported_no_signal and {served_column} columns")
    reported = status["reported_no_signal"].astype("boolean")
    known = reported.notna().to_numpy()
    rep = reported.fillna(False).to_numpy(dtype=bool)
    model = ~status[served_column].to_numpy(dtype=bool)
    tp = int((known & rep & model).sum())
    fp = int((known & ~rep & model).sum())
    fn = int((known & rep & ~model).sum())
    tn = int((known & ~rep & ~model).sum())
    finding = np.where(known & ~rep & model, "model_only", np.where(known & rep & ~model, "province_only", ""))
    cols = [c for c in ("village_id", "name", "commune", "unit", "lon", "lat", "households", "grid_power",
                        "best_level_dbm", "dist_tower_m", "gap_rank") if c in status]
    dis = pd.DataFrame(status[cols]).assign(finding=finding)
    dis = dis[dis["finding"] != ""].reset_index(drop=True)
    return VillageAgreement(tp, fp, fn, tn, int((~known).sum()), dis)
