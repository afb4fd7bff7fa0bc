"""Gap analysis on the synthetic demo province: every input kind at once (towers as a station table, roads, DEM)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from towerplan.demo import make_demo
from towerplan.grid import Grid
from towerplan.planning.analysis import analyse_gaps
from towerplan.planning.gaps import GapConfig
from towerplan.sources.roads import road_graph_from_lines

RADIUS_M = 3000.0


@pytest.fixture(scope="module")
def demo():
    return make_demo(resolution_m=300)


def _levels(demo) -> dict[str, Grid]:
    """Per operator: -80 dBm falling to -110 dBm at 3 km from its sites, NaN beyond."""
    sites = gpd.GeoDataFrame(demo.stations, geometry=gpd.points_from_xy(demo.stations.lon, demo.stations.lat),
                             crs=4326).to_crs(demo.dem.crs)
    xs, ys = demo.dem.cell_centres()
    xx, yy = np.meshgrid(xs, ys)
    out = {}
    for op, group in sites.groupby("operator", sort=True):
        d = np.full(demo.dem.shape, np.inf)
        for x, y in set(zip(group.geometry.x.round(1), group.geometry.y.round(1), strict=True)):
            d = np.minimum(d, np.hypot(xx - x, yy - y))
        out[op] = demo.dem.with_values(np.where(d <= RADIUS_M, -80.0 - 30.0 * d / RADIUS_M, np.nan)
                                       .astype(np.float32), nodata=float("nan"))
    return out


def test_demo_province_end_to_end(demo):
    levels = _levels(demo)
    r = analyse_gaps(levels, demo.population, communes=demo.communes, roads=demo.roads, dem=demo.dem,
                     towers=demo.stations, config=GapConfig(min_people=20, household_size=3.8))
    cov = r.coverage
    # the demo's communes tile its province: the zonal total is the population on the grid, less the
    # parts of the province's edge cells that fall outside the commune polygons (0.14 % here)
    assert cov.total_people == pytest.approx(float(demo.population.values.sum()), rel=0.005)
    assert r.commune_stats["people"].sum() == pytest.approx(cov.total_people, rel=1e-9)
    # census-style commune figures (centre rule) and the exact boundary fractions agree on the total
    assert r.commune_stats["population"].sum() == pytest.approx(cov.total_people, rel=0.01)
    assert set(cov.covered_by_operator) == {"MobiFone", "VNPT-VinaPhone", "Viettel"}
    assert cov.covered_two_plus <= min(cov.covered_by_operator.values()) * 3
    assert cov.covered_any >= max(cov.covered_by_operator.values())
    gaps = r.gaps
    assert len(gaps) > 0
    assert gaps["people"].sum() <= cov.total_people - cov.covered_any + 1e-6
    # the generator keeps two mountain villages more than 9.5 km from any site: they are remote gaps
    assert (gaps["dist_tower_m"] > 6000).sum() >= 2
    assert np.isfinite(gaps["travel_m"]).all()
    assert (gaps["elev_max_m"] >= gaps["elev_mean_m"]).all()
    assert gaps["households"].to_numpy() == pytest.approx(gaps["people"].to_numpy() / 3.8)
    # a road graph gives the same answers as the road lines it was built from
    graph = road_graph_from_lines(demo.roads, crs=demo.dem.crs)
    again = analyse_gaps(levels, demo.population, communes=demo.communes, roads=graph, dem=demo.dem,
                         towers=demo.stations, config=GapConfig(min_people=20, household_size=3.8))
    assert again.gaps["travel_m"].to_numpy() == pytest.approx(gaps["travel_m"].to_numpy())
    assert again.road_table["covered_km"].sum() == pytest.approx(r.road_table["covered_km"].sum())
