"""Coverage gaps ("vùng lõm sóng"): connected uncovered and populated areas, as ranked polygons.

A cell is in a gap when it is not covered (no operator, or the chosen operator,
at or above the threshold) and holds at least ``min_density_per_km2`` people per
km². Gaps are the 4-connected groups of such cells (so each is one polygon,
possibly with holes); groups with fewer than ``min_people`` people or smaller
than ``min_area_km2`` are dropped as specks. Each gap gets its people, area,
households, elevation, distances to the nearest road and tower, the travel
distance along roads to coverage, its communes, and a priority score whose
formula is part of the result (:data:`SCORE_FORMULA`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio.features
import shapely
from affine import Affine
from pyproj import Transformer
from scipy import ndimage
from shapely.geometry import shape

from towerplan.errors import ConfigError
from towerplan.grid import Grid
from towerplan.planning.zonal import ZoneWeights

__all__ = ["GapConfig", "SCORE_FORMULA", "gap_centres", "gap_labels", "gap_polygons", "gap_table", "rank_gaps"]

log = logging.getLogger(__name__)

#: shown to users beside the score; ``{scale}`` is :attr:`GapConfig.remoteness_scale_km`
SCORE_FORMULA = (
    "priority = people x (1 + remoteness_km / {scale:g}); remoteness_km = straight-line distance from the gap's "
    "population centre to the nearest road + distance along roads to the nearest covered road or existing tower "
    "(without roads: straight-line distance to the nearest existing tower; without either: 0)"
)


@dataclass(frozen=True)
class GapConfig:
    """Settings of the gap analysis.

    Attributes
    ----------
    threshold_dbm
        A cell is covered at or above this level (dBm).
    operator
        ``None``: a gap is where no operator covers; else only this operator counts.
    min_density_per_km2
        A cell is populated from this many people per km² (0: any person).
    min_people, min_area_km2
        Gaps with fewer people or a smaller area are dropped.
    household_size
        People per household, to report households (None: not reported).
    remoteness_scale_km
        The distance that doubles a gap's priority (see :data:`SCORE_FORMULA`).
    """

    threshold_dbm: float = -110.0
    operator: str | None = None
    min_density_per_km2: float = 10.0
    min_people: float = 50.0
    min_area_km2: float = 0.0
    household_size: float | None = None
    remoteness_scale_km: float = 10.0

    def __post_init__(self) -> None:
        problems = []
        if not math.isfinite(self.threshold_dbm) or not -200.0 <= self.threshold_dbm <= 50.0:
            problems.append(f"threshold_dbm {self.threshold_dbm} is not a plausible level (-200..50 dBm)")
        for name in ("min_density_per_km2", "min_people", "min_area_km2"):
            value = getattr(self, name)
            if not math.isfinite(value) or value < 0:
                problems.append(f"{name} must be a number >= 0, got {value}")
        if self.household_size is not None and not (math.isfinite(self.household_size) and self.household_size > 0):
            problems.append(f"household_size must be > 0, got {self.household_size}")
        if not (math.isfinite(self.remoteness_scale_km) and self.remoteness_scale_km > 0):
            problems.append(f"remoteness_scale_km must be > 0, got {self.remoteness_scale_km}")
        if problems:
            raise ConfigError("; ".join(problems))

    @property
    def score_formula(self) -> str:
        return SCORE_FORMULA.format(scale=self.remoteness_scale_km)


def gap_labels(
    people: np.ndarray, covered: np.ndarray, grid: Grid, *, config: GapConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Label the kept gaps: 4-connected uncovered, populated cells; specks dropped.

    Parameters
    ----------
    people
        People per cell on ``grid``.
    covered
        Boolean: covered (by the operator(s) that count).
    grid
        The lattice (projected, metres).

    Returns
    -------
    (labels, people_per_gap, cells_per_gap)
        ``labels`` (int32, 0 = no gap, 1..n in raster order of the kept gaps) and, per
        kept gap, its people and cell count.
    """
    people = np.asarray(people)
    cell_km2 = grid.cell_area_m2 / 1e6
    with np.errstate(invalid="ignore"):
        populated = people > 0 if config.min_density_per_km2 == 0 else people >= config.min_density_per_km2 * cell_km2
    populated &= ~covered
    raw = np.zeros(people.shape, dtype=np.int32)
    n = ndimage.label(populated, output=raw)
    del populated
    if n == 0:
        return raw, np.zeros(0), np.zeros(0, dtype=np.int64)
    pop, cells = _label_sums(raw, people, n)
    keep = (pop >= config.min_people) & (cells * cell_km2 >= config.min_area_km2) & (pop > 0)
    remap = np.zeros(n + 1, dtype=np.int32)
    remap[1:][keep] = np.arange(1, int(keep.sum()) + 1, dtype=np.int32)
    np.take(remap, raw, out=raw, mode="clip")  # in place ("raise" would buffer a copy)
    log.info("gaps: %d connected uncovered populated areas, %d kept", n, int(keep.sum()))
    return raw, pop[keep], cells[keep]


def _label_sums(labels: np.ndarray, values: np.ndarray, n: int, *, block: int = 1 << 22
                ) -> tuple[np.ndarray, np.ndarray]:
    """Per label 1..n: sum of ``values`` (NaN = 0) and cell count, in blocks (little memory)."""
    flat_l, flat_v = labels.reshape(-1), values.reshape(-1)
    total, count = np.zeros(n + 1), np.zeros(n + 1, dtype=np.int64)
    for start in range(0, flat_l.size, block):
        lab = flat_l[start:start + block]
        val = np.nan_to_num(flat_v[start:start + block].astype(np.float64), nan=0.0)
        total += np.bincount(lab, weights=val, minlength=n + 1)
        count += np.bincount(lab, minlength=n + 1)
    return total[1:], count[1:]


def gap_polygons(labels: np.ndarray, grid: Grid) -> np.ndarray:
    """One polygon per gap label 1..n (in ``grid.crs``), vectorised cell-exactly."""
    n = int(labels.max()) if labels.size else 0
    out = np.empty(n, dtype=object)
    for k, sl in enumerate(ndimage.find_objects(labels), start=1):
        if sl is None:
            out[k - 1] = shapely.Polygon()
            continue
        win = (labels[sl] == k).astype(np.uint8)
        wt = grid.transform @ Affine.translation(sl[1].start, sl[0].start)
        polys = [shape(g) for g, _ in
                 rasterio.features.shapes(win, mask=win.astype(bool), transform=wt, connectivity=4)]
        out[k - 1] = polys[0] if len(polys) == 1 else shapely.union_all(polys)
    return out


def gap_centres(people: np.ndarray, labels: np.ndarray, geometries: np.ndarray, grid: Grid) -> np.ndarray:
    """Each gap's people-weighted centre (a point), or a point on its surface when that falls outside it."""
    n = len(geometries)
    if n == 0:
        return np.zeros(0, dtype=object)
    rows, cols = np.nonzero(labels)
    lab = labels[rows, cols]
    w = np.nan_to_num(np.asarray(people)[rows, cols].astype(np.float64), nan=0.0)
    x, y = grid.xy(rows, cols)
    tot = np.bincount(lab, weights=w, minlength=n + 1)[1:]
    cx = np.bincount(lab, weights=w * x, minlength=n + 1)[1:] / np.maximum(tot, 1e-300)
    cy = np.bincount(lab, weights=w * y, minlength=n + 1)[1:] / np.maximum(tot, 1e-300)
    pts = shapely.points(cx, cy)
    inside = shapely.contains(geometries, pts) & (tot > 0)
    return np.where(inside, pts, shapely.point_on_surface(geometries))


def _elevation(dem: np.ndarray, labels: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and max of ``dem`` over each gap (NaN cells ignored; NaN when a gap has none)."""
    idx = np.flatnonzero(labels)
    vals = np.asarray(dem).reshape(-1)[idx]
    ok = np.isfinite(vals)
    stats = pd.Series(vals[ok]).groupby(labels.reshape(-1)[idx][ok]).agg(["mean", "max"])
    stats = stats.reindex(np.arange(1, n + 1))
    return stats["mean"].to_numpy(dtype=float), stats["max"].to_numpy(dtype=float)


def _communes(
    weights: ZoneWeights, people: np.ndarray, labels: np.ndarray, names: np.ndarray, n: int
) -> tuple[list[str], list[str]]:
    gap, zone, tot = weights.cross_sums(people, labels)
    main, allnames = [""] * n, [""] * n
    frame = pd.DataFrame({"gap": gap, "zone": zone, "people": tot}).sort_values(
        ["gap", "people", "zone"], ascending=[True, False, True])
    for g, part in frame.groupby("gap", sort=True):
        zs = [str(names[z]) for z in part["zone"]]
        main[int(g) - 1] = zs[0]
        allnames[int(g) - 1] = "; ".join(zs)
    return main, allnames


def rank_gaps(table: pd.DataFrame, *, config: GapConfig) -> pd.DataFrame:
    """Add ``remoteness_km``, ``score`` and ``rank`` (1 = highest priority), sorted by rank.

    Ties are broken by people (more first), then by ``gap_id``, so the order is
    deterministic.
    """
    out = table.copy()
    if "travel_m" in out and np.isfinite(out["travel_m"]).any():
        remote = out["travel_m"]
    elif "dist_tower_m" in out:
        remote = out["dist_tower_m"]
    else:
        remote = pd.Series(0.0, index=out.index)
    # unreachable (no covered road anywhere): fall back to the tower distance, else the largest finite value
    remote = remote.replace([np.inf], np.nan)
    if "dist_tower_m" in out:
        remote = remote.fillna(out["dist_tower_m"].replace([np.inf], np.nan))
    remote = remote.fillna(remote.max() if remote.notna().any() else 0.0)
    out["remoteness_km"] = remote / 1000.0
    out["score"] = out["people"] * (1.0 + out["remoteness_km"] / config.remoteness_scale_km)
    out = out.sort_values(["score", "people", "gap_id"], ascending=[False, False, True], kind="mergesort")
    out["rank"] = np.arange(1, len(out) + 1)
    return out.reset_index(drop=True)


def gap_table(
    people: np.ndarray,
    labels: np.ndarray,
    gap_people: np.ndarray,
    gap_cells: np.ndarray,
    grid: Grid,
    *,
    config: GapConfig,
    dem: np.ndarray | None = None,
    weights: ZoneWeights | None = None,
    zone_names: np.ndarray | None = None,
    zone_people: np.ndarray | None = None,
    towers_xy: np.ndarray | None = None,
    road_lines: np.ndarray | None = None,
    travel_m: np.ndarray | None = None,
    geometries: np.ndarray | None = None,
    centres: np.ndarray | None = None,
) -> gpd.GeoDataFrame:
    """The gap table (one row per kept gap), ranked; see :func:`towerplan.planning.analysis.analyse_gaps`.

    ``people`` is what counts in gaps (people per cell, times the part of the cell in the
    study area); ``zone_people`` the plain people per cell for the zonal split by commune.
    """
    n = len(gap_people)
    geoms = gap_polygons(labels, grid) if geometries is None else geometries
    data: dict[str, object] = {
        "gap_id": np.arange(1, n + 1),
        "people": gap_people,
        "area_km2": gap_cells * grid.cell_area_m2 / 1e6,
    }
    if config.household_size is not None:
        data["households"] = gap_people / config.household_size
    if dem is not None:
        data["elev_mean_m"], data["elev_max_m"] = _elevation(dem, labels, n)
    rep = gap_centres(people, labels, geoms, grid) if centres is None else centres
    if n:
        lon, lat = Transformer.from_crs(grid.crs, 4326, always_xy=True).transform(
            shapely.get_x(rep), shapely.get_y(rep))
        data["lon"], data["lat"] = np.round(lon, 6), np.round(lat, 6)
    if road_lines is not None and len(road_lines) and n:
        tree = shapely.STRtree(road_lines)
        (gi, _), d = tree.query_nearest(geoms, return_distance=True, all_matches=False)
        dist = np.full(n, np.inf)
        np.minimum.at(dist, gi, d)
        data["dist_road_m"] = dist
    if towers_xy is not None and len(towers_xy) and n:
        tree = shapely.STRtree(shapely.points(np.asarray(towers_xy, dtype=float)))
        (gi, _), d = tree.query_nearest(geoms, return_distance=True, all_matches=False)
        dist = np.full(n, np.inf)
        np.minimum.at(dist, gi, d)
        data["dist_tower_m"] = dist
    if travel_m is not None:
        data["travel_m"] = travel_m
    if weights is not None and zone_names is not None:
        data["commune"], data["communes"] = _communes(
            weights, people if zone_people is None else zone_people, labels, zone_names, n)
    table = gpd.GeoDataFrame(data, geometry=list(geoms), crs=grid.crs)
    ranked = rank_gaps(table, config=config)
    ranked.attrs["score_formula"] = config.score_formula
    return ranked
