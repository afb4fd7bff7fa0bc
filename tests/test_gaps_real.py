"""Gap analysis on real data: WorldPop 2020 over Thanh Hóa, the 2009 commune polygons, the main roads.

The coverage is synthetic (discs around the most populous communes); the point is the bookkeeping on
real inputs: WorldPop moved onto a UTM lattice (sum-preserving), 637 simplified commune polygons (some
overlapping), census figures reported beside the raster ones, per-commune sums adding up.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from towerplan.grid import Grid
from towerplan.planning.analysis import analyse_gaps
from towerplan.planning.gaps import GapConfig
from towerplan.rasters import read_grid
from towerplan.terrain import target_lattice
from towerplan.vectors import read_communes, read_roads

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
COMMUNES = DATA / "census2009_censusVN2009" / "communes_thanhhoa.geojson"
WORLDPOP = DATA / "worldpop" / "vnm_ppp_2020_1km_Aggregated_UNadj_thanhhoa_bbox.tif"
ROADS = DATA / "roads_legocity_giaothong" / "giaothong_thanhhoa_bbox.geojson"

pytestmark = pytest.mark.skipif(
    not (COMMUNES.exists() and WORLDPOP.exists() and ROADS.exists()),
    reason=f"real Thanh Hóa data not found under {DATA} (see ../shared/data/SOURCES.md)",
)

RES = 500.0


def _synthetic_levels(communes, lattice: Grid) -> dict[str, Grid]:
    """Two operators: a 6 km disc at the 80 / 40 most populous communes' centres (level falls with distance)."""
    pts = communes.to_crs(lattice.crs).geometry.representative_point()
    order = np.argsort(-communes["population"].to_numpy(), kind="stable")
    xs, ys = lattice.cell_centres()
    xx, yy = np.meshgrid(xs, ys)
    out = {}
    for name, n, radius in (("Viettel", 80, 6000.0), ("VNPT", 40, 5000.0)):
        best = np.full(lattice.shape, np.inf)
        for i in order[:n]:
            best = np.minimum(best, np.hypot(xx - pts.x.iloc[i], yy - pts.y.iloc[i]))
        level = np.where(best <= radius, -70.0 - 30.0 * best / radius, np.nan).astype(np.float32)
        out[name] = lattice.with_values(level, nodata=float("nan"))
    return out


@pytest.fixture(scope="module")
def analysis():
    communes = read_communes(COMMUNES)
    bounds = tuple(communes.to_crs(32648).total_bounds)
    transform, width, height = target_lattice(bounds, resolution_m=RES)
    lattice = Grid(np.zeros((height, width), dtype=np.float32), transform, 32648)
    levels = _synthetic_levels(communes, lattice)
    return communes, analyse_gaps(levels, read_grid(WORLDPOP), communes=communes, roads=read_roads(ROADS),
                                  config=GapConfig(threshold_dbm=-100.0, household_size=3.8))


def test_commune_populations_beside_census_and_sums_add_up(analysis):
    communes, r = analysis
    stats = r.commune_stats
    assert len(stats) == len(communes) == 637
    # census 2009 figures (the polygons' own attribute) beside the WorldPop 2020 figures from the raster
    assert {"commune_vn", "population", "people", "people_covered_any"} <= set(stats.columns)
    assert stats["population"].sum() == pytest.approx(3_478_795)
    assert stats["people"].sum() == pytest.approx(r.coverage.total_people, rel=1e-9)
    # WorldPop inside the province polygon is ~3.17 M (SOURCES.md); the simplified communes hold about that
    assert 3.0e6 < r.coverage.total_people < 3.35e6
    known = stats[stats["population"] > 0]
    assert 0.6 < (known["people"] / known["population"]).median() < 1.3
    # WorldPop 1 km smooths villages away, but commune densities still follow the census (r = 0.74 at 500 m)
    corr = np.corrcoef(known["people"] / known["area_km2"], known["population"] / known["area_km2"])[0, 1]
    assert corr > 0.6
    for col in ("people_covered_any", "people_covered_2plus", "people_covered_viettel", "people_uncovered"):
        assert stats[col].sum() == pytest.approx(r.coverage.as_dict()[{
            "people_covered_any": "covered_any_operator", "people_covered_2plus": "covered_two_or_more_operators",
            "people_uncovered": "uncovered"}.get(col, "total_people")] if col != "people_covered_viettel"
            else r.coverage.covered_by_operator["Viettel"], rel=1e-6)
    assert (stats["people_covered_2plus"] <= stats["people_covered_any"] + 1e-6).all()
    assert any("sum-preserving" in n for n in r.notes)


def test_gaps_and_roads_on_real_data(analysis):
    _, r = analysis
    gaps = r.gaps
    assert len(gaps) > 0
    assert list(gaps["rank"]) == list(range(1, len(gaps) + 1))
    assert gaps["score"].is_monotonic_decreasing
    uncovered = r.coverage.total_people - r.coverage.covered_any
    assert gaps["people"].sum() <= uncovered + 1e-6
    assert gaps["people"].sum() > 0.5 * uncovered
    assert (gaps["commune"] != "").all()
    assert np.isfinite(gaps["travel_m"]).all()
    assert (gaps["travel_m"] >= gaps["dist_road_m"]).all()
    assert r.commune_stats["gap_people"].sum() == pytest.approx(gaps["people"].sum(), rel=1e-6)
    table = r.road_table
    assert table["covered_km"].sum() + table["uncovered_km"].sum() == pytest.approx(table["length_km"].sum())
    assert 1000 < table["length_km"].sum() < 3000  # main roads (no railway) inside the 2009 communes and nearby
    assert set(table["road_class"]) == {"Đường chính", "Đường thứ cấp"}
