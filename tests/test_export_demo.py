"""The plan package from the synthetic demo province: coverage, gaps and a small placement, written and read back."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from defusedxml import ElementTree as SafeET
from openpyxl import load_workbook
from pypdf import PdfReader
from pyproj import Transformer

from towerplan.export import PlanPackage, method_section, write_plan_package

K = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture(scope="module")
def demo_package() -> PlanPackage:
    from towerplan.coverage.config import CoverageConfig
    from towerplan.coverage.engine import run_coverage
    from towerplan.demo import make_demo
    from towerplan.planning.analysis import analyse_gaps
    from towerplan.planning.candidates import CandidateConfig, greenfield_candidates
    from towerplan.planning.placement import plan_towers

    demo = make_demo(resolution_m=300)
    stations = demo.stations[demo.stations["technology"] == "4G"].reset_index(drop=True)
    config = CoverageConfig(threshold_dbm=-110.0)
    cov = run_coverage(demo.dem, pd.DataFrame(stations), config=config)
    levels = cov.operator_levels
    gaps = analyse_gaps(levels, demo.population, communes=demo.communes, roads=demo.roads, dem=demo.dem,
                        towers=stations)
    covered = np.logical_or.reduce([np.isfinite(g.values) for g in levels.values()])
    serve = (demo.population.values > 0) & ~covered
    x, y = Transformer.from_crs(4326, demo.dem.crs, always_xy=True).transform(stations["lon"].to_numpy(),
                                                                            stations["lat"].to_numpy())
    green = greenfield_candidates(demo.dem, serve, config=CandidateConfig(), roads=demo.roads.to_crs(demo.dem.crs)
                                  .geometry, existing_xy=np.c_[x, y]).head(12)
    placed = plan_towers(demo.dem, demo.population, levels, gpd.GeoDataFrame(green, crs=demo.dem.crs),
                         objective="any", max_sites=4, config=config)
    s = gaps.summary()
    props = placed.proposals
    summary = {
        "population_total": s["total_people"], "threshold_dbm": -110.0,
        "covered_by_operator": s["covered_by_operator"], "covered_any": s["covered_any_operator"],
        "covered_two_plus": s["covered_two_or_more_operators"], "gap_count": s["gap_count"],
        "gap_people": s["gap_people"], "proposals": len(props),
        "people_newly_covered": float(props["people_newly_covered"].sum()), "cost_vnd": float(props["cost_vnd"].sum()),
    }
    rasters = {"best_rsrp_dbm": cov.best_level, "best_server": cov.best_server,
               **{f"rsrp_{op}_dbm": grid for op, grid in levels.items()}}
    return PlanPackage(
        title="Quy hoạch hạ tầng viễn thông thụ động – tỉnh demo (Thanh Hóa)", study_label=demo.label,
        stations=gpd.GeoDataFrame(stations, geometry=gpd.points_from_xy(stations.lon, stations.lat), crs=4326),
        gaps=gaps.gaps, proposals=props, commune_stats=gaps.commune_stats, road_coverage=gaps.road_table,
        curve=placed.curve, rasters=rasters, summary=summary,
        method=method_section(models={"auto": "Hata 150-1500 MHz / COST-231 1500-2000 MHz + Deygout"},
                              settings={"threshold_dbm": -110.0, "resolution_m": 300, "technology": "4G"}),
    )


@pytest.mark.slow  # 10-20 s: the demo province, its coverage, gaps and a small placement are computed first
def test_demo_plan_package_reads_back(demo_package, tmp_path):
    out = write_plan_package(demo_package, tmp_path / "plan", lang="vi")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["gap_count"] == len(demo_package.gaps) > 0
    assert summary["plan_package"]["layers"]["commune_stats"] == len(demo_package.commune_stats)
    communes = gpd.read_file(out / "plan.gpkg", layer="commune_stats")
    assert communes["people"].sum() == pytest.approx(demo_package.commune_stats["people"].sum(), rel=1e-9)
    with rasterio.open(out / "rasters" / "best_rsrp_dbm.tif") as src:
        values = src.read(1)
    expected = demo_package.rasters["best_rsrp_dbm"].values
    np.testing.assert_array_equal(np.isnan(values), np.isnan(expected))
    with zipfile.ZipFile(out / "plan.kmz") as zf:
        root = SafeET.fromstring(zf.read("doc.kml"))
    placemarks = root.findall(f".//{K}Placemark")
    sites = demo_package.stations.drop_duplicates(["operator", "site_id"])
    n_props = len(demo_package.proposals)
    assert len([p for p in placemarks if p.find(f"{K}Point") is not None]) == len(sites) + n_props
    wb = load_workbook(out / "plan.xlsx", read_only=True)
    assert wb["Xã"].max_row == len(demo_package.commune_stats) + 2
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(out / "report.pdf").pages]
    assert all("not real data" in p for p in pages)
    assert any("Thống kê theo xã" in p for p in pages)
