"""Candidate sites: tenancy on existing towers, greenfield high ground with spacing, user lists."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer
from shapely.geometry import LineString, box

from towerplan.errors import ConfigError, InputError
from towerplan.grid import Grid
from towerplan.planning.candidates import (
    CANDIDATE_COLUMNS,
    CandidateConfig,
    colocation_candidates,
    greenfield_candidates,
    user_candidates,
)

X0, Y0, RES = 560_000.0, 2_200_000.0, 100.0


def _hills(n: int = 200) -> Grid:
    """Two Gaussian hills (600 m at col 50, 400 m at col 150) on a 100 m plain, 100 m cells."""
    r, c = np.mgrid[0:n, 0:n]
    z = 100 + 500 * np.exp(-((r - 100) ** 2 + (c - 50) ** 2) / (2 * 12**2))
    z += 300 * np.exp(-((r - 100) ** 2 + (c - 150) ** 2) / (2 * 12**2))
    return Grid(z.astype(np.float32), Affine(RES, 0, X0, 0, -RES, Y0), 32648)


def _xy(dem: Grid, row: int, col: int) -> tuple[float, float]:
    x, y = dem.xy(row, col)
    return float(x), float(y)


def test_greenfield_candidates_start_on_the_summits() -> None:
    dem = _hills()
    serve = np.ones(dem.shape, dtype=bool)
    cands = greenfield_candidates(dem, serve, config=CandidateConfig(min_spacing_m=3000, max_road_distance_m=None))
    assert list(cands.columns[:-1]) == list(CANDIDATE_COLUMNS)
    first = cands.iloc[0]
    assert (first.x, first.y) == _xy(dem, 100, 50)  # the highest, most prominent summit
    assert (cands.iloc[1].x, cands.iloc[1].y) == _xy(dem, 100, 150)
    assert first.candidate_id == "G00001"
    assert (cands["kind"] == "greenfield").all()
    assert (cands["mast_height_m"] == 40.0).all()
    # spacing respected between every pair
    xy = cands[["x", "y"]].to_numpy()
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    assert d.min() >= 3000
    # deterministic
    again = greenfield_candidates(dem, serve, config=CandidateConfig(min_spacing_m=3000, max_road_distance_m=None))
    pd.testing.assert_frame_equal(pd.DataFrame(cands.drop(columns="geometry")),
                                  pd.DataFrame(again.drop(columns="geometry")))


def test_greenfield_respects_the_buffer_exclusions_roads_and_towers() -> None:
    dem = _hills()
    serve = np.zeros(dem.shape, dtype=bool)
    serve[90:110, 140:160] = True  # a village on the east hill only
    cfg = CandidateConfig(min_spacing_m=500, buffer_m=1000, max_road_distance_m=None)
    cands = greenfield_candidates(dem, serve, config=cfg)
    _, c = dem.rowcol(cands["x"].to_numpy(), cands["y"].to_numpy())
    assert (c >= 130).all()  # the west summit is outside the 1 km buffer
    assert (cands.iloc[0].x, cands.iloc[0].y) == _xy(dem, 100, 150)
    # an excluded zone over the east summit pushes candidates off it
    hx, hy = _xy(dem, 100, 150)
    zone = gpd.GeoSeries([box(hx - 600, hy - 600, hx + 600, hy + 600)], crs=32648)
    cands_ex = greenfield_candidates(dem, serve, config=cfg, excluded=zone)
    assert not zone.iloc[0].contains(gpd.points_from_xy(cands_ex["x"], cands_ex["y"])).any()
    # an existing tower on the summit: candidates keep their distance (tenancy is the cheaper option)
    cands_t = greenfield_candidates(dem, serve, config=cfg, existing_xy=np.array([[hx, hy]]))
    assert (np.hypot(cands_t["x"] - hx, cands_t["y"] - hy) >= cfg.min_distance_to_tower_m).all()
    # road reach: a road along row 100 from col 130 to 170, max 300 m from it
    ry = _xy(dem, 100, 0)[1]
    road = gpd.GeoSeries([LineString([(_xy(dem, 0, 130)[0], ry), (_xy(dem, 0, 170)[0], ry)])], crs=32648)
    cands_r = greenfield_candidates(dem, serve, config=CandidateConfig(min_spacing_m=500, buffer_m=1000,
                                                                          max_road_distance_m=300), roads=road)
    assert len(cands_r)
    assert (cands_r["road_distance_m"] <= 300).all()
    assert (np.abs(cands_r["y"] - ry) <= 300 + RES).all()


def test_no_masts_at_sea_or_without_anything_to_serve() -> None:
    dem = _hills()
    assert len(greenfield_candidates(dem, np.zeros(dem.shape, dtype=bool))) == 0
    sea = dem.with_values(np.zeros(dem.shape, dtype=np.float32))
    assert len(greenfield_candidates(sea, np.ones(dem.shape, dtype=bool))) == 0
    with pytest.raises(InputError, match="serve mask"):
        greenfield_candidates(dem, np.ones((3, 3), dtype=bool))


def test_colocation_candidates_one_per_site_with_its_operators() -> None:
    dem = _hills()
    to_ll = Transformer.from_crs(32648, 4326, always_xy=True)
    (lon1, lon2), (lat1, lat2) = to_ll.transform([X0 + 5000, X0 + 15000], [Y0 - 10000, Y0 - 10000])
    stations = pd.DataFrame({
        "site_id": ["S1", "S1", "S1", "S2"],
        "operator": ["Viettel", "Viettel", "MobiFone", "Viettel"],
        "lon": [lon1, lon1, lon1, lon2], "lat": [lat1, lat1, lat1, lat2],
        "antenna_height_m": [35.0, 35.0, 30.0, 40.0],
    })
    cands = colocation_candidates(stations, dem)
    assert cands["candidate_id"].tolist() == ["C-S1", "C-S2"]
    assert cands["operators_present"].tolist() == ["MobiFone,Viettel", "Viettel"]
    assert cands["mast_height_m"].tolist() == [35.0, 40.0]
    assert cands.iloc[0].x == pytest.approx(X0 + 5000, abs=1e-6)
    assert cands.iloc[0].ground_m == pytest.approx(dem.values[100, 50], abs=1.0)


def test_user_candidates_and_their_errors() -> None:
    dem = _hills()
    u = user_candidates(pd.DataFrame({"x": [X0 + 5050], "y": [Y0 - 10050], "candidate_id": ["Đồi A"]}), dem)
    assert u.iloc[0].candidate_id == "Đồi A"
    assert u.iloc[0].kind == "user"
    with pytest.raises(InputError, match="x/y or lon/lat"):
        user_candidates(pd.DataFrame({"a": [1]}), dem)
    with pytest.raises(InputError, match="outside the grid"):
        user_candidates(pd.DataFrame({"x": [0.0], "y": [0.0]}), dem)
    with pytest.raises(InputError, match="without a position"):
        user_candidates(pd.DataFrame({"x": [np.nan], "y": [1.0]}), dem)
    with pytest.raises(ConfigError):
        CandidateConfig(min_spacing_m=0)


def _thin_reference(xs, ys, free, spacing_m, max_count):
    """Best-first thinning the slow, obvious way: every earlier kept point is checked."""
    kept: list[int] = []
    for k in range(len(xs)):
        if not free[k]:
            continue
        if all((xs[j] - xs[k]) ** 2 + (ys[j] - ys[k]) ** 2 >= spacing_m**2 for j in kept):
            kept.append(k)
            if len(kept) >= max_count:
                break
    return kept


@pytest.mark.parametrize(("spacing_m", "cell_m", "max_count"), [(250.0, (100.0, 100.0), 10_000),
                                                               (300.0, (100.0, 100.0), 10_000),
                                                               (420.0, (60.0, 90.0), 25), (50.0, (100.0, 100.0), 40)])
def test_thinning_matches_checking_every_kept_point(spacing_m, cell_m, max_count) -> None:
    from towerplan.planning.candidates import _thin_best_first

    rng = np.random.default_rng(7)
    shape = (40, 50)
    order = rng.permutation(shape[0] * shape[1])[:1500]  # some cells, in a random "best first" order
    rows, cols = np.divmod(order, shape[1])
    xs = X0 + (cols + 0.5) * cell_m[1]
    ys = Y0 - (rows + 0.5) * cell_m[0]
    free = rng.random(order.size) > 0.2
    got = _thin_best_first(order, xs, ys, free, shape, cell_m, spacing_m, max_count)
    assert got.tolist() == _thin_reference(xs, ys, free, spacing_m, max_count)
