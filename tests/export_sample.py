"""A small synthetic :class:`PlanPackage` for the export tests (the writers without a model run).

Everything is made up and labelled so: a 4 x 3 km grid at 100 m in EPSG:32648 near
Thanh Hóa, a few stations of three operators, two gaps, two proposals.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from pyproj import CRS as PyprojCRS
from shapely.geometry import MultiPolygon, Point, Polygon

from towerplan.export.package import PlanPackage
from towerplan.grid import Grid

__all__ = ["SAMPLE_LABEL", "sample_package"]

SAMPLE_LABEL = "Mẫu tổng hợp – không phải số liệu thật (synthetic sample, not real data)"
CRS = PyprojCRS.from_epsg(32648)
X0, Y0, CELL = 560_000.0, 2_203_000.0, 100.0
ROWS, COLS = 30, 40


def _grid(values: np.ndarray, nodata: float | None) -> Grid:
    return Grid(values, Affine(CELL, 0.0, X0, 0.0, -CELL, Y0), CRS, nodata)


def sample_package(*, optional_layers: bool = True, title: str = "Quy hoạch hạ tầng viễn thông – Thanh Hóa (mẫu)"
                   ) -> PlanPackage:
    """Build the sample package.

    Parameters
    ----------
    optional_layers
        Include gaps, proposals, communes, road table and curve (``False``: only
        stations and rasters, to exercise absent layers).
    title
        Plan title.
    """
    yy, xx = np.mgrid[0:ROWS, 0:COLS]
    # a signal falling off from two sites; the south-east corner has none
    d1 = np.hypot(xx - 8, yy - 8)
    d2 = np.hypot(xx - 20, yy - 14)
    best = np.maximum(-70.0 - 2.5 * d1, -75.0 - 2.0 * d2).astype(np.float32)
    best[best < -110] = np.nan
    server = np.where(np.isnan(best), -1, np.where(-70.0 - 2.5 * d1 >= -75.0 - 2.0 * d2, 0, 3)).astype(np.int32)
    viettel = np.where(np.isfinite(best), best - 3.0, np.nan).astype(np.float32)
    # after the proposals: the greenfield site near (34, 26) fills most of the south-east corner
    d3 = np.hypot(xx - 34, yy - 26)
    after = np.fmax(best, np.where(d3 < 9, -80.0 - 3.0 * d3, np.nan)).astype(np.float32)
    rasters = {
        "best_rsrp_dbm": _grid(best, float("nan")),
        "coverage_before_dbm": _grid(best.copy(), float("nan")),
        "coverage_after_dbm": _grid(after, float("nan")),
        "best_server": _grid(server, -1),
        "rsrp_Viettel_dbm": _grid(viettel, float("nan")),
    }

    to_lonlat = gpd.GeoSeries([Point(X0 + 850, Y0 - 850), Point(X0 + 2050, Y0 - 1450), Point(X0 + 3300, Y0 - 600),
                               Point(X0 + 600, Y0 - 2500)], crs=CRS).to_crs(4326)
    rows = []
    sites = [("VT-TH001", "Viettel", 0), ("S&<1>", "MobiFone", 1), ("VNP-Lát", "VNPT-VinaPhone", 2),
             ("VT-TH002", "Viettel", 3)]
    for site_id, operator, k in sites:
        lon, lat = float(to_lonlat.iloc[k].x), float(to_lonlat.iloc[k].y)
        azimuths = [np.nan] if site_id == "VNP-Lát" else [0.0, 120.0, 240.0]
        for j, az in enumerate(azimuths, start=1):
            rows.append({"operator": operator, "technology": "4G", "site_id": site_id, "cell_id": f"{site_id}-{j}",
                         "lon": lon, "lat": lat, "azimuth_deg": az, "antenna_height_m": 30.0,
                         "h_beamwidth_deg": 360.0 if np.isnan(az) else 65.0, "freq_mhz": 1842.5, "eirp_dbm": 58.0})
    frame = pd.DataFrame(rows)
    stations = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=4326)
    server_names = frame[["site_id", "cell_id", "operator"]].reset_index(names="best_server")

    if not optional_layers:
        return PlanPackage(title=title, study_label=SAMPLE_LABEL, stations=stations, gaps=None, proposals=None,
                           commune_stats=None, road_coverage=None, curve=None, rasters=rasters,
                           summary={"population_total": 1234.5, "threshold_dbm": -110.0},
                           method={"towerplan_version": "test", "models": {}, "settings": {}, "input_files": []},
                           server_names=server_names)

    west = Polygon([(X0, Y0), (X0 + 2000, Y0), (X0 + 2000, Y0 - 3000), (X0, Y0 - 3000)])
    east = Polygon([(X0 + 2000, Y0), (X0 + 4000, Y0), (X0 + 4000, Y0 - 3000), (X0 + 2000, Y0 - 3000)])
    communes = gpd.GeoDataFrame({
        "commune_id": ["TH001", "TH002"],
        "name": ["Xã Mường Lát", "Xã Pù Nhi"],
        "district": ["Huyện Mường Lát", "Huyện Mường Lát"],
        "people": [800.25, 434.25],
        "people_covered_viettel": [700.0, 100.0],
        "people_covered_mobifone": [500.0, 50.0],
        "people_covered_any": [760.0, 120.0],
        "people_covered_2plus": [420.0, 30.0],
        "covered_any_pct": [94.97, 27.63],
        "gap_people": [40.25, 314.25],
        "gap_count": [1, 1],
        "road_km": [5.5, 3.25],
        "road_covered_km": [5.0, 1.0],
    }, geometry=[west, east], crs=CRS)
    hole = Polygon([(X0 + 3300, Y0 - 2300), (X0 + 3500, Y0 - 2300), (X0 + 3500, Y0 - 2500), (X0 + 3300, Y0 - 2500)])
    gap1 = Polygon([(X0 + 2800, Y0 - 2000), (X0 + 4000, Y0 - 2000), (X0 + 4000, Y0 - 3000), (X0 + 2800, Y0 - 3000)],
                   holes=[list(hole.exterior.coords)])
    gap2 = MultiPolygon([
        Polygon([(X0 + 100, Y0 - 2700), (X0 + 400, Y0 - 2700), (X0 + 400, Y0 - 2900), (X0 + 100, Y0 - 2900)]),
        Polygon([(X0 + 600, Y0 - 2700), (X0 + 800, Y0 - 2700), (X0 + 800, Y0 - 2900), (X0 + 600, Y0 - 2900)]),
    ])
    gaps = gpd.GeoDataFrame({
        "gap_id": [7, 3], "people": [314.25, 40.25], "area_km2": [1.16, 0.1], "households": [82.7, 10.6],
        "commune": ["Xã Pù Nhi", "Xã Mường Lát"], "communes": ["Xã Pù Nhi", "Xã Mường Lát"],
        "dist_tower_m": [1500.0, 2100.0], "travel_m": [2500.0, 4800.0], "remoteness_km": [2.5, 4.8],
        "score": [392.8, 59.6], "rank": [1, 2],
    }, geometry=[gap1, gap2], crs=CRS)
    props_xy = [(X0 + 3400, Y0 - 2600), (X0 + 850, Y0 - 850)]
    pts = gpd.GeoSeries([Point(x, y) for x, y in props_xy], crs=CRS)
    ll = pts.to_crs(4326)
    proposals = gpd.GeoDataFrame({
        "build_order": [1, 2], "candidate_id": ["G00001", "C-VT-TH001"], "kind": ["greenfield", "colocation"],
        "lon": ll.x.to_numpy(), "lat": ll.y.to_numpy(), "mast_height_m": [40.0, 30.0],
        "operators_hosted": ["MobiFone,VNPT-VinaPhone,Viettel", "MobiFone"],
        "people_newly_covered": [300.5, 35.25], "people_Viettel": [300.5, 0.0], "people_MobiFone": [280.0, 35.25],
        "cost_vnd": [3_290_000_000.0, 450_000_000.0], "vnd_per_person": [10_948_419.3, 12_765_957.4],
        "backhaul": ["microwave (assumed)", "fibre"],
    }, geometry=list(pts), crs=CRS)
    roads = pd.DataFrame({"zone": [0, 1], "zone_name": ["Xã Mường Lát", "Xã Pù Nhi"],
                          "road_class": ["road", "road"], "length_km": [5.5, 3.25], "covered_km": [5.0, 1.0],
                          "uncovered_km": [0.5, 2.25], "covered_pct": [90.909, 30.769]})
    curve = pd.DataFrame({"towers": [1, 2], "people_newly_covered": [300.5, 335.75],
                          "cost_vnd": [3_290_000_000.0, 3_740_000_000.0]})
    summary = {
        "population_total": 1234.5, "threshold_dbm": -110.0,
        "covered_by_operator": {"Viettel": 800.0, "MobiFone": 550.0, "VNPT-VinaPhone": 300.0},
        "covered_any": 880.0, "covered_two_plus": 450.0, "gap_count": 2, "gap_people": 354.5,
        "proposals": 2, "people_newly_covered": 335.75, "cost_vnd": 3_740_000_000.0,
    }
    method = {
        "towerplan_version": "test",
        "models": {"COST-231 Hata": "1500-2000 MHz, 1-20 km, base 30-200 m, mobile 1-10 m"},
        "settings": {"threshold_dbm": -110.0, "resolution_m": 100, "coverage": {"rx_height_m": 1.5}},
        "input_files": [{"role": "stations", "path": "trạm/stations.csv", "bytes": 1234,
                         "sha256": "0" * 64}],
        "notes": ["Số liệu mẫu (sample data)."],
    }
    return PlanPackage(title=title, study_label=SAMPLE_LABEL, stations=stations, gaps=gaps, proposals=proposals,
                       commune_stats=communes, road_coverage=roads, curve=curve, rasters=rasters, summary=summary,
                       method=method, server_names=server_names)
