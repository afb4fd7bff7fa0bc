"""Gap analysis on synthetic cases with exact answers (flat ground, uniform people, known discs)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from affine import Affine

from towerplan.errors import ConfigError, RasterDataError
from towerplan.grid import Grid
from towerplan.planning.analysis import analyse_gaps
from towerplan.planning.gaps import GapConfig, gap_labels
from towerplan.planning.roads import cell_pieces, road_coverage
from towerplan.planning.zonal import prepare_zones, zone_weights

X0, Y0, RES, N = 500_000.0, 2_200_000.0, 30.0, 200  # a 6 km square in UTM 48N
T = Affine(RES, 0, X0, 0, -RES, Y0)
CRS = 32648
DENSITY = 100.0  # people per km2
CELL_PEOPLE = DENSITY * RES * RES / 1e6


def _grid(values: np.ndarray, nodata: float | None = None) -> Grid:
    return Grid(values, T, CRS, nodata)


def _centres() -> tuple[np.ndarray, np.ndarray]:
    xs = X0 + (np.arange(N) + 0.5) * RES
    ys = Y0 - (np.arange(N) + 0.5) * RES
    return np.meshgrid(xs, ys)


def _disc_level(cx: float, cy: float, radius_m: float, level: float = -80.0) -> Grid:
    """An omni station on flat ground with a known coverage radius: level inside, NaN outside."""
    xx, yy = _centres()
    return _grid(np.where(np.hypot(xx - cx, yy - cy) <= radius_m, level, np.nan).astype(np.float32), np.nan)


def _uniform_people() -> Grid:
    return _grid(np.full((N, N), CELL_PEOPLE, dtype=np.float32))


def test_covered_people_is_density_times_disc_area():
    radius = 2000.0
    level = _disc_level(X0 + 3000, Y0 - 3000, radius)
    result = analyse_gaps({"Viettel": level}, _uniform_people())
    expected = DENSITY * math.pi * (radius / 1000) ** 2
    assert result.coverage.covered_by_operator["Viettel"] == pytest.approx(expected, rel=0.01)
    assert result.coverage.covered_any == pytest.approx(expected, rel=0.01)
    assert result.coverage.covered_two_plus == 0.0
    assert result.coverage.total_people == pytest.approx(DENSITY * 36.0, rel=1e-6)


def test_two_operators_any_and_two_plus():
    a = _disc_level(X0 + 2000, Y0 - 3000, 1500)
    b = _disc_level(X0 + 4000, Y0 - 3000, 1500)
    cov = analyse_gaps({"A": a, "B": b}, _uniform_people()).coverage
    disc = DENSITY * math.pi * 1.5**2
    # lens of two circles r = 1.5 km, centres 2 km apart
    d, r = 2.0, 1.5
    lens = 2 * r * r * math.acos(d / (2 * r)) - d / 2 * math.sqrt(4 * r * r - d * d)
    assert cov.covered_by_operator["A"] == pytest.approx(disc, rel=0.01)
    assert cov.covered_two_plus == pytest.approx(DENSITY * lens, rel=0.02)
    assert cov.covered_any == pytest.approx(2 * disc - DENSITY * lens, rel=0.01)


def test_technology_grids_are_counted():
    level = _disc_level(X0 + 3000, Y0 - 3000, 1000)
    cov = analyse_gaps({"A": level}, _uniform_people(), technology_levels={"4G": level}).coverage
    assert cov.covered_by_technology["4G"] == pytest.approx(cov.covered_any)


def test_uncovered_village_is_exactly_one_gap():
    people = np.zeros((N, N), dtype=np.float32)
    people[100:110, 20:30] = 5.0  # a 300 m x 300 m village of 500 people
    level = _disc_level(X0 + 4500, Y0 - 3000, 1000)
    result = analyse_gaps({"A": level}, _grid(people), config=GapConfig(household_size=4.0))
    gaps = result.gaps
    assert len(gaps) == 1
    g = gaps.iloc[0]
    assert g["people"] == pytest.approx(500.0)
    assert g["households"] == pytest.approx(125.0)
    assert g["area_km2"] == pytest.approx(0.09)
    assert g["rank"] == 1
    assert g.geometry.area == pytest.approx(90_000.0)
    assert g.geometry.equals(shapely.box(X0 + 600, Y0 - 3300, X0 + 900, Y0 - 3000))
    assert result.summary()["gap_people"] == pytest.approx(500.0)


def test_speck_filters_and_chosen_operator():
    people = np.zeros((N, N), dtype=np.float32)
    people[10:20, 10:20] = 5.0  # 500 people
    people[50:52, 50:52] = 5.0  # a 20-person speck
    people[150:160, 150:160] = 5.0  # covered by A only
    a = _disc_level(X0 + 155 * RES, Y0 - 155 * RES, 600)
    base = analyse_gaps({"A": a, "B": _disc_level(0, 0, 1)}, _grid(people), config=GapConfig(min_people=50))
    assert sorted(base.gaps["people"]) == [pytest.approx(500.0)]
    by_b = analyse_gaps({"A": a, "B": _disc_level(0, 0, 1)}, _grid(people),
                        config=GapConfig(min_people=10, operator="b"))
    assert sorted(by_b.gaps["people"].round(3)) == [20.0, 500.0, 500.0]
    small = analyse_gaps({"A": a}, _grid(people), config=GapConfig(min_people=0, min_area_km2=0.05))
    assert sorted(small.gaps["people"]) == [pytest.approx(500.0)]


def test_ranking_prefers_remote_gaps_and_is_deterministic():
    people = np.zeros((N, N), dtype=np.float32)
    people[95:105, 60:70] = 5.0  # 500 people near the covered west
    people[95:105, 180:190] = 5.0  # 500 people far east
    covered = np.full((N, N), np.nan, dtype=np.float32)
    covered[:, :40] = -90.0
    road = gpd.GeoDataFrame({"highway": ["primary"]},
                            geometry=[shapely.LineString([(X0, Y0 - 3000), (X0 + 6000, Y0 - 3000)])], crs=CRS)
    r = analyse_gaps({"A": _grid(covered, np.nan)}, _grid(people), roads=road)
    gaps = r.gaps
    assert list(gaps["rank"]) == [1, 2]
    far, near = gaps.iloc[0], gaps.iloc[1]
    assert far["people"] == near["people"] == pytest.approx(500.0)
    assert far.geometry.centroid.x > near.geometry.centroid.x
    # the village centres lie on the road; coverage ends at x = X0 + 1200
    assert near["travel_m"] == pytest.approx(65 * RES - 1200.0)
    assert far["travel_m"] == pytest.approx(185 * RES - 1200.0)
    assert far["dist_road_m"] == 0.0
    assert far["score"] == pytest.approx(500 * (1 + far["remoteness_km"] / 10))
    assert "priority = people x (1 + remoteness_km / 10)" in r.gaps.attrs["score_formula"]
    again = analyse_gaps({"A": _grid(covered, np.nan)}, _grid(people), roads=road)
    assert again.gaps.drop(columns="geometry").equals(gaps.drop(columns="geometry"))


def test_travel_uses_towers_and_off_road_distance():
    people = np.zeros((N, N), dtype=np.float32)
    people[50:60, 100:110] = 5.0  # centre (X0 + 3150, Y0 - 1650): 1350 m north of the road
    nothing = _grid(np.full((N, N), np.nan, dtype=np.float32), np.nan)
    road = gpd.GeoDataFrame(geometry=[shapely.LineString([(X0, Y0 - 3000), (X0 + 6000, Y0 - 3000)])], crs=CRS)
    tower = gpd.GeoSeries([shapely.Point(X0 + 5150, Y0 - 3100)], crs=CRS)  # 100 m off the road, 2 km east
    r = analyse_gaps({"A": nothing}, _grid(people), roads=road, towers=tower)
    g = r.gaps.iloc[0]
    assert g["travel_m"] == pytest.approx(1350 + 2000 + 100)
    assert g["dist_road_m"] == pytest.approx(1200.0)
    assert g["dist_tower_m"] == pytest.approx(math.hypot(5150 - 3300, 3100 - 1800))


def test_road_half_inside_coverage_is_half_covered():
    covered = np.zeros((N, N), dtype=bool)
    covered[:, :100] = True  # west half: x < X0 + 3000
    lines = gpd.GeoDataFrame(
        {"highway": ["primary", "track"]},
        geometry=[shapely.LineString([(X0 + 1500, Y0 - 1234.5), (X0 + 4500, Y0 - 1234.5)]),
                  shapely.LineString([(X0 + 1000.3, Y0 - 500.7), (X0 + 3000, Y0 - 2000), (X0 + 4999.7, Y0 - 3499.3)])],
        crs=CRS)
    pieces, table = road_coverage(lines, covered, _grid(np.zeros((N, N))))
    assert pieces["covered_km"].to_numpy() == pytest.approx(pieces["length_km"].to_numpy() / 2, rel=1e-9)
    assert table.set_index("road_class").loc["primary", "covered_km"] == pytest.approx(1.5, rel=1e-12)
    assert table["uncovered_km"].sum() == pytest.approx(table["covered_km"].sum())


def test_cell_pieces_add_up_to_line_length():
    rng = np.random.default_rng(5)
    pts = rng.uniform([X0, Y0 - 6000], [X0 + 6000, Y0], size=(40, 2))
    line = shapely.LineString(pts)
    cut = cell_pieces(np.array([line]), _grid(np.zeros((N, N))))
    assert cut.length_m.sum() == pytest.approx(line.length, rel=1e-12)
    assert (cut.cell >= 0).all()
    mid = shapely.line_interpolate_point(line, cut.start_m + cut.length_m / 2)
    rows, cols = _grid(np.zeros((N, N))).rowcol(shapely.get_x(mid), shapely.get_y(mid))
    assert np.array_equal(rows * N + cols, cut.cell)


def test_fractional_boundary_cells():
    grid = _grid(np.zeros((N, N)))
    # covers half of cell (0,0), all of (0,1), half of (0,2) and a quarter-row strip of row 1
    zone = gpd.GeoDataFrame(geometry=[shapely.box(X0 + 15, Y0 - 37.5, X0 + 75, Y0)], crs=CRS)
    w = zone_weights(zone, grid)
    values = np.zeros((N, N))
    values[0, :3] = [10.0, 20.0, 40.0]
    values[1, :3] = [4.0, 8.0, 16.0]
    expected = 0.5 * 10 + 20 + 0.5 * 40 + 0.25 * (0.5 * 4 + 8 + 0.5 * 16)
    assert w.sums(values)[0] == pytest.approx(expected)
    assert w.zone_area_m2()[0] == pytest.approx(60 * 37.5)


def test_commune_sums_add_up_to_the_union_total():
    # three communes cut by a diagonal and a vertical line (not on cell edges), leaving a corner outside
    a = shapely.Polygon([(X0, Y0), (X0 + 4000.7, Y0), (X0, Y0 - 3777.3)])
    b = shapely.Polygon([(X0 + 4000.7, Y0), (X0 + 4600.2, Y0), (X0 + 4600.2, Y0 - 6000), (X0, Y0 - 6000),
                         (X0, Y0 - 3777.3)])
    c = shapely.box(X0 + 4600.2, Y0 - 5000.1, X0 + 6000, Y0)
    communes = gpd.GeoDataFrame({"name": ["A", "B", "C"], "population": [1, 2, 3]}, geometry=[a, b, c], crs=CRS)
    rng = np.random.default_rng(1)
    people = _grid(rng.uniform(0, 3, (N, N)).astype(np.float32))
    level = _disc_level(X0 + 3000, Y0 - 3000, 1800)
    r = analyse_gaps({"A": level}, people, communes=communes, config=GapConfig(min_density_per_km2=0))
    stats = r.commune_stats
    w = zone_weights(communes, people)
    union_total = float((people.values.astype(np.float64) * w.union_fraction()).sum())
    assert stats["people"].sum() == pytest.approx(union_total, rel=1e-9)
    assert r.coverage.total_people == pytest.approx(union_total, rel=1e-9)
    assert stats["people_covered_any"].sum() == pytest.approx(r.coverage.covered_any, rel=1e-9)
    assert stats["area_km2"].to_numpy() == pytest.approx([a.area / 1e6, b.area / 1e6, c.area / 1e6], rel=1e-9)
    assert list(stats["population"]) == [1, 2, 3]  # the commune's own attributes are kept beside
    import rasterio.features

    in_gap = rasterio.features.geometry_mask(r.gaps.geometry, out_shape=(N, N), transform=T, invert=True)
    in_gap_people = people.values.astype(np.float64) * w.union_fraction() * in_gap
    assert stats["gap_people"].sum() == pytest.approx(in_gap_people.sum(), rel=1e-9)


def test_invalid_commune_is_repaired_and_reported():
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 3000, Y0 - 3000), (X0 + 3000, Y0), (X0, Y0 - 3000)])
    communes = gpd.GeoDataFrame({"name": ["bowtie"]}, geometry=[bowtie], crs=CRS)
    fixed, notes = prepare_zones(communes, CRS)
    assert fixed.geometry.iloc[0].is_valid
    assert fixed.geometry.iloc[0].area == pytest.approx(2 * 0.25 * 3000 * 3000)
    assert "repaired 1 invalid" in notes[0]
    r = analyse_gaps({"A": _disc_level(0, 0, 1)}, _uniform_people(), communes=communes)
    assert any("repaired 1 invalid" in n for n in r.notes)
    assert r.coverage.total_people == pytest.approx(DENSITY * 4.5, rel=1e-6)


def test_population_on_another_crs_is_aligned_sum_preserving():
    # 300 m cells in EPSG:3857 over the study area, 9 people each
    from pyproj import Transformer

    tr = Transformer.from_crs(CRS, 3857, always_xy=True)
    x0, y1 = tr.transform(X0 - 3000, Y0 + 3000)
    src = Grid(np.full((60, 60), 9.0, dtype=np.float32), Affine(300, 0, x0, 0, -300, y1), 3857)
    r = analyse_gaps({"A": _disc_level(0, 0, 1)}, src)
    assert any("sum-preserving" in n for n in r.notes)
    # each source cell brings the share of its area that lies on the lattice (areal weighting):
    # with 9 people in every 300 m cell, the lattice holds 9 / 300^2 x its own area in EPSG:3857
    study = shapely.segmentize(shapely.box(X0, Y0 - 6000, X0 + 6000, Y0), 50.0)
    in_3857 = shapely.Polygon(np.column_stack(tr.transform(*np.asarray(study.exterior.coords).T)))
    assert r.coverage.total_people == pytest.approx(9.0 * in_3857.area / 300.0**2, rel=1e-3)
    assert r.coverage.population_data_fraction == 1.0


def test_population_not_covering_the_area_is_reported():
    people = np.full((N, N), CELL_PEOPLE, dtype=np.float32)
    people[:, 100:] = np.nan  # the raster has no data in the east half
    r = analyse_gaps({"A": _disc_level(0, 0, 1)}, _grid(people, np.nan))
    assert r.coverage.population_data_fraction == pytest.approx(0.5)
    assert any("covers only 50.0 %" in n for n in r.notes)
    communes = gpd.GeoDataFrame({"name": ["W", "E"]}, geometry=[shapely.box(X0, Y0 - 6000, X0 + 3000, Y0),
                                                               shapely.box(X0 + 3000, Y0 - 6000, X0 + 6000, Y0)],
                                crs=CRS)
    rc = analyse_gaps({"A": _disc_level(0, 0, 1)}, _grid(people, np.nan), communes=communes)
    assert list(rc.commune_stats["population_data_pct"]) == pytest.approx([100.0, 0.0])


def test_levels_on_another_lattice_are_warped():
    level = _disc_level(X0 + 3000, Y0 - 3000, 2000)
    shifted = Grid(level.values, Affine(RES, 0, X0 + 15, 0, -RES, Y0 - 15), CRS, np.nan)
    r = analyse_gaps({"A": _disc_level(X0 + 3000, Y0 - 3000, 1500), "B": shifted}, _uniform_people())
    assert r.coverage.covered_by_operator["B"] == pytest.approx(DENSITY * math.pi * 4, rel=0.02)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ConfigError, match="min_people"):
        GapConfig(min_people=-1)
    with pytest.raises(ConfigError, match="threshold_dbm"):
        GapConfig(threshold_dbm=float("nan"))
    with pytest.raises(ConfigError, match="operator 'Mobi' has no coverage grid; available: A"):
        analyse_gaps({"A": _disc_level(0, 0, 1)}, _uniform_people(), config=GapConfig(operator="Mobi"))
    lonlat = Grid(np.zeros((10, 10), dtype=np.float32), Affine(0.01, 0, 105, 0, -0.01, 20), 4326)
    with pytest.raises(RasterDataError, match="geographic CRS"):
        analyse_gaps({"A": lonlat}, _uniform_people())
    far = Grid(np.ones((10, 10), dtype=np.float32), Affine(30, 0, 0, 0, -30, 300), CRS)
    with pytest.raises(RasterDataError, match="does not overlap"):
        analyse_gaps({"A": _disc_level(0, 0, 1)}, far)


def test_gap_labels_use_four_connectivity():
    people = np.zeros((N, N), dtype=np.float32)
    people[10, 10] = people[11, 11] = 100.0  # touching at a corner only: two gaps
    labels, pop, cells = gap_labels(people, np.zeros((N, N), bool), _grid(people), config=GapConfig(min_people=1))
    assert labels.max() == 2
    assert list(pop) == [100.0, 100.0]
    assert list(cells) == [1, 1]


def test_overlapping_communes_share_cells_so_sums_add_up():
    a = shapely.box(X0, Y0 - 3000, X0 + 2000.5, Y0)
    b = shapely.box(X0 + 1500.2, Y0 - 3000, X0 + 4000, Y0)  # overlaps a by ~500 m
    w = zone_weights(gpd.GeoDataFrame(geometry=[a, b], crs=CRS), _grid(np.zeros((N, N))))
    values = np.random.default_rng(3).uniform(0, 2, (N, N))
    union = shapely.union(a, b)
    assert w.sums(values).sum() == pytest.approx(float((values * w.union_fraction()).sum()), rel=1e-9)
    assert w.zone_area_m2().sum() == pytest.approx(union.area, rel=1e-9)
    assert w.overlap_cells == 17 * 100  # columns 50-66 (x 1500-2010 m) of rows 0-99 lie in both
