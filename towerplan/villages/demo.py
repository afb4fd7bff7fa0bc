"""Synthetic villages and post-reform administrative units for the demo province (NOT REAL DATA).

Villages: in every demo commune (not the wards), the most populated cells of the demo population raster at
least 1.5 km apart become village points (up to :data:`VILLAGES_PER_COMMUNE`), with
households = people within 600 m / 3.5 (the 2019 census average household size of rural
Viet Nam is about 3.5 people). Grid power: a village more than 4 km from a road is
without power with probability 0.6, otherwise 0.05. The province's "reported without
signal" flag is a stand-in for a field survey: no 2G/4G site within 5 km, flipped for
8 % of the villages, so the model and the "survey" agree mostly but not always.

Units: the demo's 30 communes merged into :data:`N_UNITS_2025` units without districts
(adjacent communes of one district joined, smallest first), as the 2025 reform merged
communes and removed the district level.

Every value is seeded, so ``data/demo/villages.csv`` and ``data/demo/units_2025.geojson``
(written by ``python -m towerplan.villages.demo``) are reproducible.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from towerplan.grid import Grid

__all__ = ["N_UNITS_2025", "VILLAGES_PER_COMMUNE", "demo_units_2025", "demo_villages", "main"]

VILLAGES_PER_COMMUNE = 6
N_UNITS_2025 = 12
SYNTHETIC = "towerplan synthetic demo (not real data)"
_HOUSEHOLD_SIZE = 3.5


def _peaks(people: np.ndarray, xs: np.ndarray, ys: np.ndarray, *, n: int, spacing_m: float) -> list[int]:
    order = np.argsort(-people, kind="stable")
    chosen: list[int] = []
    for i in order:
        if people[i] <= 0 or len(chosen) >= n:
            break
        if all(np.hypot(xs[i] - xs[j], ys[i] - ys[j]) >= spacing_m for j in chosen):
            chosen.append(int(i))
    return chosen


def demo_villages(population: Grid, communes: gpd.GeoDataFrame, roads: gpd.GeoDataFrame,
                  stations: pd.DataFrame, *, seed: int = 2024) -> pd.DataFrame:
    """Synthetic village list of the demo province, with Vietnamese headers (see the module docstring)."""
    rng = np.random.default_rng(seed)
    values = np.nan_to_num(np.asarray(population.values, dtype=float))
    rows, cols = np.nonzero(values > 0)
    xs, ys = population.xy(rows, cols)
    people = values[rows, cols]
    cells = gpd.GeoDataFrame({"k": np.arange(len(people))}, geometry=gpd.points_from_xy(xs, ys), crs=population.crs)
    units = communes.to_crs(population.crs)
    units = units[~units["name"].astype(str).str.startswith("Phường")]  # wards have street groups, not villages
    density = dict(zip(units["name"], units["population"] / units.geometry.area * 1e6, strict=True))
    joined = gpd.sjoin(cells, units[["name", "geometry"]], predicate="within")
    tree = cKDTree(np.column_stack([xs, ys]))
    road_lines = shapely.union_all(roads.to_crs(population.crs).geometry.values)
    sites = gpd.GeoDataFrame(stations, geometry=gpd.points_from_xy(stations["lon"], stations["lat"]), crs=4326)
    sites = sites[sites["technology"].isin(["2G", "4G"])].to_crs(population.crs)
    site_tree = cKDTree(np.column_stack([sites.geometry.x, sites.geometry.y]))
    records = []
    for commune, group in joined.groupby("name", sort=True):
        k = group["k"].to_numpy()
        highland = density[commune] < 150.0  # people per km2: a mountain commune's settlements are bản
        for n, i in enumerate(_peaks(people[k], xs[k], ys[k], n=VILLAGES_PER_COMMUNE, spacing_m=1500.0), start=1):
            j = k[i]
            near = tree.query_ball_point([xs[j], ys[j]], r=600.0)
            households = round(float(people[near].sum()) / _HOUSEHOLD_SIZE)
            road_m = shapely.distance(shapely.Point(xs[j], ys[j]), road_lines)
            power = rng.random() >= (0.6 if road_m > 4000 else 0.05)
            site_m, _ = site_tree.query([xs[j], ys[j]])
            reported = bool(site_m > 5000) != bool(rng.random() < 0.08)
            records.append({"x": xs[j], "y": ys[j], "name": f"{'Bản' if highland else 'Thôn'} {n}",
                            "commune": str(commune), "households": max(households, 1),
                            "power": power, "reported": reported})
    frame = pd.DataFrame(records)
    lonlat = gpd.GeoSeries(gpd.points_from_xy(frame["x"], frame["y"]), crs=population.crs).to_crs(4326)
    return pd.DataFrame({
        "Mã thôn": [f"DV{k + 1:03d}" for k in range(len(frame))],
        "Tên thôn": frame["name"], "Xã": frame["commune"],
        "Kinh độ": lonlat.x.round(6), "Vĩ độ": lonlat.y.round(6), "Số hộ": frame["households"],
        "Điện lưới": np.where(frame["power"], "có", "không"),
        "Không có sóng": np.where(frame["reported"], "có", "không"),
    })


def demo_units_2025(communes: gpd.GeoDataFrame, *, n_units: int = N_UNITS_2025) -> gpd.GeoDataFrame:
    """The demo communes merged into ``n_units`` units with no districts (adjacent, same district)."""
    groups = [{i} for i in range(len(communes))]
    geoms = list(communes.geometry.values)
    district = list(communes["district"]) if "district" in communes else [""] * len(communes)
    population = list(communes["population"]) if "population" in communes else [0.0] * len(communes)
    while len(groups) > n_units:
        pops = [sum(population[i] for i in g) for g in groups]
        merged = False
        for a in np.argsort(pops, kind="stable"):
            ga = groups[a]
            shape_a = shapely.union_all([geoms[i] for i in ga])
            options = [(pops[b], b) for b, gb in enumerate(groups) if b != a
                       and district[next(iter(gb))] == district[next(iter(ga))]
                       and shape_a.intersection(shapely.union_all([geoms[i] for i in gb])).length > 0]
            if options:
                _, b = min(options)
                groups[a] = ga | groups[b]
                del groups[b]
                merged = True
                break
        if not merged:
            break
    names = communes["name"].astype(str).tolist()
    rows = []
    for k, g in enumerate(sorted(groups, key=lambda g: min(g)), start=1):
        members = sorted(g)
        lead = max(members, key=lambda i: population[i])
        kind = "Phường" if names[lead].startswith("Phường") else "Xã"
        base = names[lead].split("Demo ", 1)[-1]
        rows.append({"unit_id": f"DU{k:02d}", "name": f"{kind} Demo {base}", "merged_from": ", ".join(
            names[i] for i in members), "population": float(sum(population[i] for i in members)),
            "source": SYNTHETIC, "geometry": shapely.union_all([geoms[i] for i in members])})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=communes.crs)


def main(argv: list[str] | None = None) -> int:
    """Write ``villages.csv`` and ``units_2025.geojson`` for the demo into a folder (default data/demo)."""
    from towerplan.demo import demo_dir
    from towerplan.population import read_population
    from towerplan.rasters import read_grid
    from towerplan.study.scenario import default_cache_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("data/demo"))
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    folder = demo_dir(default_cache_dir(), seed=args.seed, resolution_m=90.0)
    dem = read_grid(folder / "dem.tif")
    population = read_population(folder / "population.tif", dem).grid
    communes = gpd.read_file(folder / "communes.gpkg")
    villages = demo_villages(population, communes, gpd.read_file(folder / "roads.gpkg"),
                             pd.read_csv(folder / "stations.csv"), seed=args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "villages.csv", "w", encoding="utf-8-sig", newline="\n") as fh:
        fh.write("DANH SÁCH THÔN BẢN GIẢ LẬP - SYNTHETIC DEMO VILLAGES (NOT REAL DATA)\n")
        villages.to_csv(fh, index=False, lineterminator="\n")
    units = demo_units_2025(communes).to_crs(4326)
    units["geometry"] = units.geometry.set_precision(1e-6)
    units.to_file(args.out / "units_2025.geojson", driver="GeoJSON", engine="pyogrio")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
