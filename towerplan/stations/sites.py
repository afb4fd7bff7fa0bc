"""Physical sites: the towers as they stand, whatever each operator calls them.

Operators name their sites in their own codes, so the same tower appears under different
``site_id`` texts, and one text can name different towers in two operators' lists. A physical
site is found from positions only:

1. each operator's site (sectors with one ``(operator, site_id)``) stands at its first sector;
2. operator sites closer than ``merge_distance_m`` (default :data:`SITE_MERGE_DISTANCE_M`, 30 m:
   the spread of sector coordinates on one tower in real lists, far below the spacing of two
   towers) are one physical site, transitively (single linkage, so a chain of sites each within
   30 m of the next is one site; with 30 m that needs towers closer than any two masts stand);
3. physical sites are numbered ``P0001``... in order of longitude, then latitude, so renaming
   one operator's site ids changes nothing but the names shown as tenants.

Equal ``site_id`` texts of different operators farther apart than the merge distance are listed by
:func:`site_id_clashes` (they are *not* merged).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from towerplan.errors import InputError
from towerplan.stations.report import Issue

__all__ = ["SITE_MERGE_DISTANCE_M", "PhysicalSites", "clash_issues", "physical_sites", "site_id_clashes",
           "tower_names"]

#: sectors of different operators (or site ids) closer than this are on one tower, metres
SITE_MERGE_DISTANCE_M = 30.0
_EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class PhysicalSites:
    """The towers of a station table.

    ``sites``: one row per tower, ``physical_site`` (``P0001``...), ``lon``, ``lat`` (mean of its
    operator sites), ``tenants`` (operators, sorted, comma-separated), ``n_tenants``, ``site_ids``
    (``operator:site_id`` of every operator site on it, sorted, ``; ``-separated), ``top_height_m`` and
    ``lowest_height_m`` (highest / lowest antenna). ``of_sector``: the tower's row in ``sites`` for each
    sector of the input table (in its order).
    """

    sites: pd.DataFrame
    of_sector: np.ndarray
    merge_distance_m: float

    def __post_init__(self) -> None:
        if len(self.of_sector) and (self.of_sector.min() < 0 or self.of_sector.max() >= len(self.sites)):
            raise InputError("PhysicalSites.of_sector must index sites")


def _local_xy(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Equirectangular metres about the mean latitude (exact to < 0.1 % over a province)."""
    lat0 = math.radians(float(np.mean(lat))) if len(lat) else 0.0
    x = np.radians(lon) * _EARTH_RADIUS_M * math.cos(lat0)
    y = np.radians(lat) * _EARTH_RADIUS_M
    return np.column_stack([x, y])


def _operator_sites(stations: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    missing = [c for c in ("site_id", "operator", "lon", "lat") if c not in stations.columns]
    if missing:
        raise InputError(f"the station table lacks column(s) {missing}")
    keys = pd.DataFrame({"operator": stations["operator"].astype(str).to_numpy(),
                         "site_id": stations["site_id"].astype(str).to_numpy()})
    codes, uniques = pd.MultiIndex.from_frame(keys).factorize()
    height = (pd.to_numeric(stations["antenna_height_m"], errors="coerce").to_numpy(float)
              if "antenna_height_m" in stations.columns else np.full(len(stations), np.nan))
    frame = pd.DataFrame({"code": codes, "lon": stations["lon"].to_numpy(float),
                          "lat": stations["lat"].to_numpy(float), "h": height})
    g = frame.groupby("code", sort=True)
    ops = pd.DataFrame({"operator": uniques.get_level_values(0), "site_id": uniques.get_level_values(1),
                        "lon": g["lon"].first().to_numpy(), "lat": g["lat"].first().to_numpy(),
                        "top": g["h"].max().to_numpy(), "low": g["h"].min().to_numpy()})
    return ops, np.asarray(codes)


def _clusters(xy: np.ndarray, distance_m: float) -> np.ndarray:
    """Connected components of "closer than ``distance_m``" (single linkage), labelled 0..k-1.

    Points are bucketed on a ``distance_m`` lattice, so each is compared with the 9 buckets around it
    (plain numpy and a union-find: no scipy, so reading a station list stays light).
    """
    n = len(xy)
    parent = np.arange(n)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    if distance_m > 0 and n > 1:
        cells = np.floor(xy / distance_m).astype(np.int64)
        buckets: dict[tuple[int, int], list[int]] = {}
        for i, (cx, cy) in enumerate(cells):
            buckets.setdefault((int(cx), int(cy)), []).append(i)
        for i, (cx, cy) in enumerate(cells):
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    for j in buckets.get((int(cx) + dx, int(cy) + dy), ()):
                        if j > i and np.hypot(*(xy[i] - xy[j])) <= distance_m:
                            a, b = root(i), root(j)
                            if a != b:
                                parent[max(a, b)] = min(a, b)
    roots = np.array([root(i) for i in range(n)], dtype=np.int64)
    return np.unique(roots, return_inverse=True)[1].reshape(n)  # 0..k-1 in the order of the smallest members


def physical_sites(stations: pd.DataFrame, *, merge_distance_m: float = SITE_MERGE_DISTANCE_M) -> PhysicalSites:
    """Group the sectors of ``stations`` into towers (module docstring)."""
    if not (merge_distance_m >= 0 and math.isfinite(merge_distance_m)):
        raise InputError(f"merge_distance_m must be a finite distance >= 0, got {merge_distance_m}")
    cols = ["physical_site", "lon", "lat", "tenants", "n_tenants", "site_ids", "top_height_m", "lowest_height_m"]
    if len(stations) == 0:
        return PhysicalSites(pd.DataFrame({c: [] for c in cols}), np.zeros(0, dtype=np.int64), merge_distance_m)
    ops, sector_code = _operator_sites(stations)
    xy = _local_xy(ops["lon"].to_numpy(), ops["lat"].to_numpy())
    label = _clusters(xy, merge_distance_m)
    ops["label"] = label
    g = ops.groupby("label", sort=True)
    towers = pd.DataFrame({
        "lon": g["lon"].mean(), "lat": g["lat"].mean(),
        "tenants": g["operator"].agg(lambda s: ",".join(sorted(set(s)))),
        "n_tenants": g["operator"].nunique(),
        "site_ids": g.apply(lambda d: "; ".join(sorted(f"{o}:{s}" for o, s in zip(d["operator"], d["site_id"],
                                                                                    strict=True))),
                            include_groups=False),
        "top_height_m": g["top"].max(), "lowest_height_m": g["low"].min(),
    })
    # numbered by position only (longitude, then latitude; rounded to ~1 cm so float noise cannot reorder)
    order = np.lexsort((towers["lat"].round(7).to_numpy(), towers["lon"].round(7).to_numpy()))
    rank = np.empty(len(towers), dtype=np.int64)
    rank[order] = np.arange(len(towers))
    towers = towers.iloc[order].reset_index(drop=True)
    towers.insert(0, "physical_site", [f"P{i + 1:04d}" for i in range(len(towers))])
    of_sector = rank[np.asarray(label)[sector_code]]
    return PhysicalSites(towers[cols], of_sector, merge_distance_m)


def site_id_clashes(stations: pd.DataFrame, *, merge_distance_m: float = SITE_MERGE_DISTANCE_M) -> pd.DataFrame:
    """Equal ``site_id`` texts of different operators standing farther apart than ``merge_distance_m``.

    One row per pair: ``site_id``, ``operator_a``, ``operator_b``, ``distance_m``. They are different
    towers (not merged); the list is for the station report.
    """
    cols = ["site_id", "operator_a", "operator_b", "distance_m"]
    if len(stations) == 0:
        return pd.DataFrame({c: [] for c in cols})
    ops, _ = _operator_sites(stations)
    rows = []
    for sid, part in ops.groupby("site_id", sort=True):
        if part["operator"].nunique() < 2:
            continue
        xy = _local_xy(part["lon"].to_numpy(), part["lat"].to_numpy())
        names = part["operator"].to_numpy()
        for i in range(len(part)):
            for j in range(i + 1, len(part)):
                d = float(np.hypot(*(xy[i] - xy[j])))
                if names[i] != names[j] and d > merge_distance_m:
                    a, b = sorted((str(names[i]), str(names[j])))
                    rows.append({"site_id": str(sid), "operator_a": a, "operator_b": b, "distance_m": round(d, 1)})
    return pd.DataFrame(rows, columns=cols)


def clash_issues(stations: pd.DataFrame, *, merge_distance_m: float = SITE_MERGE_DISTANCE_M) -> list[Issue]:
    """One ``site_id_elsewhere`` warning per :func:`site_id_clashes` pair, for the station report."""
    out = []
    for row in site_id_clashes(stations, merge_distance_m=merge_distance_m).itertuples(index=False):
        out.append(Issue(
            None, None, "warning", "site_id_elsewhere",
            f"site id '{row.site_id}' is used by {row.operator_a} and {row.operator_b} {row.distance_m / 1000:.2f} km "
            f"apart: they are kept as two towers (only sectors within {merge_distance_m:g} m are one tower)",
            value=str(row.site_id),
            params={"operator_a": row.operator_a, "operator_b": row.operator_b,
                    "distance_km": float(row.distance_m) / 1000.0, "merge_m": float(merge_distance_m)},
        ))
    return out


def tower_names(sites: pd.DataFrame) -> list[str]:
    """A readable name per tower of :attr:`PhysicalSites.sites`: the ``site_id`` of its first tenant
    (operators in alphabetical order), ``~2``, ``~3``... added when two towers would share a name."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for text in sites["site_ids"].astype(str):
        sid = text.split("; ")[0].split(":", 1)[-1]
        seen[sid] = seen.get(sid, 0) + 1
        names.append(sid if seen[sid] == 1 else f"{sid}~{seen[sid]}")
    return names
