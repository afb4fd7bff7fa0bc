"""The 2025 reform's 166 units of Thanh Hóa, tested with a synthetic boundary file (issue 22, item 6).

No real post-2025 boundary file exists offline, so the test builds one of the same shape: the 637 real
2009 communes of ../shared/data (censusVN2009) dissolved into 166 units of adjacent communes (the
smallest unit joins its smallest neighbour, districts ignored as the reform removed them). A plan on
real Thanh Hóa inputs (WorldPop 2020, the coarse stand-in DEM) with synthetic stations and villages
(labelled) is run with ``admin_units`` = that file, and every per-commune table of the package must use
the 166 units and say which: the commune statistics, the switch-off by commune, the village table, the
province table of planned positions, ``summary.json``, the workbook's about sheet and the report.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
COMMUNES = DATA / "census2009_censusVN2009" / "communes_thanhhoa.geojson"
WORLDPOP = DATA / "worldpop" / "vnm_ppp_2020_1km_Aggregated_UNadj_thanhhoa_bbox.tif"
DEM = DATA / "dem_pvlib_mapzen_5arcmin" / "altitude_5arcmin_vietnam.tif"

pytestmark = pytest.mark.skipif(
    not (COMMUNES.exists() and WORLDPOP.exists() and DEM.exists()),
    reason=f"real Thanh Hóa data not found under {DATA} (see ../shared/data/SOURCES.md)",
)

N_UNITS = 166
LABEL = "units_166.geojson: 166 units, no districts"
SYNTHETIC = "synthetic test units (2009 communes dissolved into 166; NOT the real 2025 boundaries)"


def dissolve_into(communes: gpd.GeoDataFrame, n_units: int) -> gpd.GeoDataFrame:
    """Adjacent communes joined into ``n_units`` units: the least populous unit joins its least populous
    neighbour until ``n_units`` are left (polygons within 50 m count as neighbours)."""
    metric = communes.to_crs(32648).reset_index(drop=True)
    pairs = gpd.sjoin(metric[["geometry"]].assign(geometry=metric.buffer(50.0)), metric[["geometry"]],
                      predicate="intersects").reset_index()
    group = np.arange(len(metric))
    members = {i: {i} for i in range(len(metric))}
    nbrs: dict[int, set[int]] = {i: set() for i in range(len(metric))}
    for a, b in zip(pairs["index"], pairs["index_right"], strict=True):
        if a != b:
            nbrs[int(a)].add(int(b))
    pop = {i: float(p) for i, p in enumerate(metric["population"].fillna(0.0))}
    while len(members) > n_units:
        for g in sorted(members, key=lambda k: (pop[k], k)):
            options = sorted({int(group[j]) for i in members[g] for j in nbrs[i]} - {g}, key=lambda k: (pop[k], k))
            if options:
                break
        else:  # pragma: no cover - every 2009 commune touches another
            raise AssertionError("no unit has a neighbour")
        keep = options[0]
        members[keep] |= members.pop(g)
        pop[keep] += pop.pop(g)
        group[list(members[keep])] = keep
    rows = []
    names = metric["commune_vn"].astype(str).tolist()
    for k, g in enumerate(sorted(members, key=lambda g: min(members[g])), start=1):
        lead = max(members[g], key=lambda i: (metric["population"].fillna(0.0)[i], -i))
        rows.append({"unit_id": f"TU{k:03d}", "name": f"Đơn vị {k:03d} {names[lead]}", "population": pop[g],
                     "communes_2009": len(members[g]), "source": SYNTHETIC,
                     "geometry": metric.geometry[sorted(members[g])].union_all()})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=32648).to_crs(4326)


def _stations(units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Synthetic sites (NOT REAL DATA) at the most populous units: Viettel 2G + 4G, VNPT 4G, and Viettel 2G-only
    sites in the 12 least populous units (remote legacy sites the 2G switch-off leaves without a 4G layer)."""
    pts = units.to_crs(32648).geometry.representative_point().to_crs(4326)
    order = np.argsort(-units["population"].to_numpy(), kind="stable")
    rows = []

    def add(site: str, op: str, tech: str, freq: float, eirp: float, i: int) -> None:
        for s, az in enumerate((0.0, 120.0, 240.0), start=1):
            rows.append({"site_id": site, "cell_id": f"{site}-{op[:3]}-{tech}-{s}", "operator": op,
                         "technology": tech, "lon": round(pts.x.iloc[i], 6), "lat": round(pts.y.iloc[i], 6),
                         "antenna_height_m": 40.0, "azimuth_deg": az, "tilt_deg": 2.0, "h_beamwidth_deg": 65.0,
                         "v_beamwidth_deg": 7.0, "freq_mhz": freq, "eirp_dbm": eirp})

    for n, i in enumerate(order[:40]):
        add(f"T{n:03d}", "Viettel", "2G", 942.5, 58.0, i)
        add(f"T{n:03d}", "Viettel", "4G", 1842.5, 59.0, i)
        if n % 2 == 0:
            add(f"T{n:03d}", "VNPT-VinaPhone", "4G", 1842.5, 59.0, i)
    for n, i in enumerate(order[-12:]):
        add(f"R{n:03d}", "Viettel", "2G", 942.5, 58.0, i)
    return pd.DataFrame(rows)


def _villages(units: gpd.GeoDataFrame) -> pd.DataFrame:
    """One synthetic village per unit (NOT REAL DATA) at its representative point, households from the census."""
    pts = units.to_crs(32648).geometry.representative_point().to_crs(4326)
    return pd.DataFrame({"Mã thôn": units["unit_id"].to_numpy(), "Tên thôn": [f"Thôn thử {k}" for k in
                                                                            range(1, len(units) + 1)],
                         "Xã": units["name"].to_numpy(), "Kinh độ": pts.x.round(6).to_numpy(),
                         "Vĩ độ": pts.y.round(6).to_numpy(),
                         "Số hộ": (units["population"].to_numpy() / 3.5 / 20).round().astype(int).clip(1),
                         "Điện lưới": "có"})


def _crop_dem(path: Path) -> None:
    import rasterio
    from rasterio.windows import from_bounds

    with rasterio.open(DEM) as src:
        window = from_bounds(104.2, 19.1, 106.2, 20.8, src.transform).round_offsets().round_lengths()
        profile = {**src.profile, "width": int(window.width), "height": int(window.height),
                   "transform": src.window_transform(window)}
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(src.read(window=window))


def test_dissolved_units_cover_the_communes_once() -> None:
    communes = gpd.read_file(COMMUNES)
    units = dissolve_into(communes, N_UNITS)
    assert len(units) == N_UNITS
    assert units["communes_2009"].sum() == len(communes) == 637
    assert units["name"].is_unique
    assert units["population"].sum() == pytest.approx(communes["population"].sum())
    metric = units.to_crs(32648)
    assert metric.union_all().area == pytest.approx(communes.to_crs(32648).union_all().area, rel=1e-6)
    assert (metric.geometry.geom_type.isin(["Polygon", "MultiPolygon"])).all()


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Path:
    from towerplan.cli import main

    folder = tmp_path_factory.mktemp("units166")
    units = dissolve_into(gpd.read_file(COMMUNES), N_UNITS)
    units.to_file(folder / "units_166.geojson", driver="GeoJSON", engine="pyogrio")
    _stations(units).to_csv(folder / "stations.csv", index=False)
    villages = _villages(units)
    with open(folder / "villages.csv", "w", encoding="utf-8-sig", newline="\n") as fh:
        villages.to_csv(fh, index=False)
    _crop_dem(folder / "dem.tif")
    for source, name in ((WORLDPOP, "population.tif"), (COMMUNES, "communes_2009.geojson")):  # the scenario's folder
        shutil.copyfile(source, folder / name)
    (folder / "plan.toml").write_text("""
[scenario]
name = "units-166"
language = "vi"

[inputs]
dem = "dem.tif"
population = "population.tif"
stations = "stations.csv"
communes = "communes_2009.geojson"
admin_units = "units_166.geojson"
villages = "villages.csv"

[coverage]
technologies = ["4G"]
model = "hata"
resolution_m = 1000.0

[gaps]
min_people = 500.0

[placement]
method = "greedy"
budget_towers = 3
mast_height_m = 40.0

[candidates]
min_spacing_m = 8000.0
max_candidates = 60

[switch_off]
technologies = ["2G"]

[run]
executor = "serial"
""", encoding="utf-8")
    out = folder / "out"
    assert main(["run", str(folder / "plan.toml"), "--out", str(out), "--quiet"]) == 0
    return out


def _csv(plan: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(plan / "csv" / f"{name}.csv", encoding="utf-8-sig")


@pytest.mark.slow  # ~20 s of CPU (70 s wall on the loaded 2-core machine): a 1 km plan over the province
def test_every_per_commune_table_uses_the_166_units_and_says_which(plan: Path) -> None:
    from openpyxl import load_workbook

    units = set(gpd.read_file(plan.parent / "units_166.geojson")["name"])
    outside = {"outside communes"}
    summary = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    assert summary["admin_units"] == LABEL
    # the per-commune statistics: one row per unit, none of the 637 communes of the communes layer
    stats = _csv(plan, "communes")
    assert len(stats) == N_UNITS
    assert set(stats["Tên / Name"]) == units
    assert stats["Dân số / People"].sum() == pytest.approx(summary["population_total"], rel=1e-6)
    # the switch-off by commune: every unit (and the people outside them) per operator, the accounting holds
    switch = _csv(plan, "switch_off")
    assert set(switch["Xã / Commune"]) == units | outside
    before, after, lost, gained = (switch[c].to_numpy() for c in switch.columns[2:6])
    assert np.allclose(before, after + lost - gained, atol=0.2)  # the CSV rounds to 0.1 person
    # the 12 remote Viettel 2G-only sites lose their layer and have no 4G: flagged "add 4G"
    assert summary["switch_off"]["sites_needing_4g_radio"] == 12
    # the villages: each in the unit it was put in
    villages = _csv(plan, "villages")
    assert (villages["Đơn vị hành chính / Administrative unit"] == villages["Xã / Commune"]).all()
    # the province table of planned positions: each position's commune is a unit
    positions = _csv(plan, "province_plan")
    assert len(positions) > 0
    assert set(positions["Xã / Commune"]) <= units
    # and they say which units: the workbook's about sheet and the report
    book = load_workbook(plan / "plan.xlsx", read_only=True)
    about = [v for row in book[book.sheetnames[0]].iter_rows(values_only=True) for v in row if v]
    assert any(str(v).endswith(f"Đơn vị hành chính: {LABEL}") for v in about)
    assert LABEL in (plan / "report.html").read_text(encoding="utf-8")
