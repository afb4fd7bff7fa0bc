"""Coverage engine: analytic cases (free space, a ridge's shadow, antenna pointing and tilt, two-station split)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer

from towerplan.coverage import _gain_kernels as gk
from towerplan.coverage.antenna import OmniPattern, SectorPattern
from towerplan.coverage.config import CoverageConfig, ItmSettings
from towerplan.coverage.diffraction import knife_edge_db
from towerplan.coverage.engine import run_coverage, warm_up
from towerplan.coverage.linkbudget import TECHNOLOGIES, LinkBudget
from towerplan.coverage.plan import plan_groups, prepare_stations, radial_layout, sector_records
from towerplan.coverage.propagation import cost231_db, fspl_db, hata_db
from towerplan.coverage.reach import ring_levels
from towerplan.errors import ConfigError, RasterDataError, StationDataError
from towerplan.grid import Grid

RES = 30.0
X0, Y0 = 500_000.0, 2_000_000.0  # UTM 48N, upper-left corner
RSRP_OFFSET = TECHNOLOGIES["4G"].level_offset_db


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    warm_up()


def flat_dem(n: int = 201, z: float = 10.0) -> Grid:
    return Grid(np.full((n, n), z, dtype=np.float32), Affine(RES, 0, X0, 0, -RES, Y0), 32648, None)


def lonlat(x: float, y: float) -> tuple[float, float]:
    tr = Transformer.from_crs(32648, 4326, always_xy=True)
    lon, lat = tr.transform(x, y)
    return float(lon), float(lat)


def station(x: float, y: float, **kw) -> dict:
    lon, lat = lonlat(x, y)
    row = {"operator": "Viettel", "technology": "4G", "lon": lon, "lat": lat, "antenna_height_m": 30.0,
           "azimuth_deg": np.nan, "freq_mhz": 1800.0, "eirp_dbm": 60.0, "tilt_deg": 0.0,
           "h_beamwidth_deg": 65.0, "v_beamwidth_deg": 7.0}
    row.update(kw)
    return row


def centres(grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = grid.cell_centres()
    return np.meshgrid(xs, ys)


def site_xy(st: dict, grid: Grid) -> tuple[float, float]:
    tr = Transformer.from_crs(4326, grid.crs, always_xy=True)
    x, y = tr.transform(st["lon"], st["lat"])
    return float(x), float(y)


def test_free_space_on_flat_earth_matches_the_formula_at_every_cell() -> None:
    dem = flat_dem()
    st = station(X0 + 100.5 * RES + 7.0, Y0 - 100.5 * RES - 4.0, v_beamwidth_deg=180.0)
    cfg = CoverageConfig(model="fspl", max_radius_m=2900.0, threshold_dbm=-150.0)
    res = run_coverage(dem, pd.DataFrame([st]), config=cfg)
    sx, sy = site_xy(st, dem)
    xx, yy = centres(dem)
    d = np.hypot(xx - sx, yy - sy)
    inside = (d >= 5 * RES) & (d <= 2850.0)
    expected = fspl_db(d[inside], 1800.0)
    got = res.path_loss.values[inside]
    assert np.isfinite(got).all()
    assert np.abs(got - expected).max() < 0.05
    # the level adds EIRP, the RSRP offset and the omni pattern at the exact elevation angle
    ae = 4.0 / 3.0 * 6_371_000.0
    theta = np.degrees(np.arctan((10.0 + 30.0 - 10.0 - 1.5) / d[inside] + d[inside] / (2 * ae)))
    gain = OmniPattern(v_beamwidth_deg=180.0).gain_db(0.0, theta)
    level = 60.0 + RSRP_OFFSET + gain - expected
    assert np.abs(res.best_level.values[inside] - level).max() < 0.06
    assert (res.best_server.values[inside] == 0).all()
    assert np.isnan(res.path_loss.values[d > 2950.0]).all()


def test_every_cell_inside_the_radius_is_filled() -> None:
    dem = flat_dem(151)
    st = station(X0 + 75.5 * RES, Y0 - 75.5 * RES)
    res = run_coverage(dem, pd.DataFrame([st]), config=CoverageConfig(model="itm", max_radius_m=2000.0,
                                                                       threshold_dbm=-200.0))
    sx, sy = site_xy(st, dem)
    xx, yy = centres(dem)
    d = np.hypot(xx - sx, yy - sy)
    assert np.isfinite(res.path_loss.values[d <= 1990.0]).all()


def test_a_ridge_casts_the_knife_edge_shadow() -> None:
    dem_v = np.zeros((201, 201), dtype=np.float32)
    dem_v[40:161, 150] = 100.0  # a 100 m wall 1500 m east of the site, 3.6 km long
    dem = Grid(dem_v, Affine(RES, 0, X0, 0, -RES, Y0), 32648, None)
    st = station(X0 + 100.5 * RES, Y0 - 100.5 * RES, antenna_height_m=30.0)
    cfg = CoverageConfig(model="fspl", max_radius_m=2950.0, threshold_dbm=-200.0, k_factor=100.0)
    res = run_coverage(dem, pd.DataFrame([st]), config=cfg)
    sx, sy = site_xy(st, dem)
    loss = res.path_loss.values
    # straight east, 2700 m out: knife edge at 1500 m (cell centre 1500 m), nearly flat earth (k huge)
    r, c = 100, 100 + 90
    d = 90 * RES
    d1 = 50 * RES
    h = 100.0 - (30.0 + (1.5 - 30.0) * d1 / d)
    lam = 299.792458 / 1800.0
    v = h * math.sqrt(2 * d / (lam * d1 * (d - d1)))
    expected = fspl_db(d, 1800.0) + knife_edge_db(v)
    assert loss[r, c] == pytest.approx(expected, abs=0.5)
    # west of the site, and north of the wall's end: free space
    assert loss[100, 10] == pytest.approx(fspl_db(90 * RES, 1800.0), abs=0.05)
    assert loss[20, 155] == pytest.approx(fspl_db(math.hypot(80, 55) * RES, 1800.0), abs=0.05)
    # the shadow: every cell behind the wall (east of it, within its angular extent) loses > 15 dB
    behind = loss[80:121, 160:195]
    xx, yy = centres(dem)
    fs = fspl_db(np.hypot(xx - sx, yy - sy)[80:121, 160:195], 1800.0)
    assert (behind - fs > 15.0).all()


@pytest.mark.parametrize("azimuth", [0.0, 90.0, 225.0])
def test_a_sector_points_where_its_azimuth_says(azimuth: float) -> None:
    dem = flat_dem()
    st = station(X0 + 100.5 * RES, Y0 - 100.5 * RES, azimuth_deg=azimuth, tilt_deg=2.0)
    res = run_coverage(dem, pd.DataFrame([st]), config=CoverageConfig(model="fspl", max_radius_m=2900.0,
                                                                       threshold_dbm=-200.0))
    sx, sy = site_xy(st, dem)
    xx, yy = centres(dem)
    d = np.hypot(xx - sx, yy - sy)
    ring = (d > 1500) & (d < 1560)
    gain = res.best_level.values + res.path_loss.values - (60.0 + RSRP_OFFSET)
    bearing = np.degrees(np.arctan2(xx - sx, yy - sy)) % 360.0
    peak = bearing[ring][np.argmax(gain[ring])]
    assert abs((peak - azimuth + 180.0) % 360.0 - 180.0) < 2.0
    # and the raster's gain is exactly the 3GPP pattern of antenna.py
    theta = np.degrees(np.arctan((30.0 - 1.5) / d + d / (2 * 4.0 / 3.0 * 6_371_000.0)))
    want = SectorPattern(65.0, 7.0, 2.0, 0.0).gain_db(bearing - azimuth, theta)
    ok = np.isfinite(gain)
    assert np.abs(gain[ok] - want[ok]).max() < 2e-3


@pytest.mark.parametrize("tilt", [3.0, 10.0])
def test_tilt_moves_the_main_lobe(tilt: float) -> None:
    dem = flat_dem()
    st = station(X0 + 100.5 * RES, Y0 - 100.5 * RES, azimuth_deg=90.0, tilt_deg=tilt, antenna_height_m=30.0)
    res = run_coverage(dem, pd.DataFrame([st]), config=CoverageConfig(model="fspl", max_radius_m=2900.0,
                                                                       threshold_dbm=-200.0))
    row = 100
    gain = (res.best_level.values + res.path_loss.values)[row, 101:]
    d = (np.arange(101, 201) + 0.5) * RES - 100.5 * RES
    expected = (30.0 - 1.5) / math.tan(math.radians(tilt))  # 544 m at 3 deg, 162 m at 10 deg
    assert abs(d[np.nanargmax(gain)] - expected) <= RES * 1.01


def test_two_stations_split_the_area_at_the_bisector() -> None:
    dem = flat_dem()
    # a nearly flat vertical pattern, so that the nearer station is the stronger one
    a = station(X0 + 70.5 * RES, Y0 - 100.5 * RES, operator="A", v_beamwidth_deg=180.0)
    b = station(X0 + 130.5 * RES, Y0 - 100.5 * RES, operator="B", v_beamwidth_deg=180.0)
    res = run_coverage(dem, pd.DataFrame([a, b]), config=CoverageConfig(model="fspl", max_radius_m=2500.0,
                                                                         threshold_dbm=-200.0))
    srv = res.best_server.values
    xx, _ = centres(dem)
    mid = X0 + 100.5 * RES
    both = np.isfinite(res.operator_levels["A"].values) & np.isfinite(res.operator_levels["B"].values)
    west = both & (xx < mid - 1.0)
    east = both & (xx > mid + 1.0)
    assert west.sum() > 1000
    assert east.sum() > 1000
    assert (srv[west] == 0).all()
    assert (srv[east] == 1).all()
    # equal levels on the bisector: the lower station index wins
    assert (srv[both & (np.abs(xx - mid) < 1.0)] == 0).all()
    assert (res.server_count.values[both] == 2).all()
    assert np.allclose(res.second_level.values[both], np.minimum(res.operator_levels["A"].values[both],
                                                                 res.operator_levels["B"].values[both]))
    assert set(res.operator_levels) == {"A", "B"}
    assert set(res.technology_levels) == {"4G"}


def test_threshold_cuts_levels_and_counts() -> None:
    dem = flat_dem()
    st = station(X0 + 100.5 * RES, Y0 - 100.5 * RES)
    res = run_coverage(dem, pd.DataFrame([st]), config=CoverageConfig(model="fspl", max_radius_m=2900.0,
                                                                       threshold_dbm=-60.0))
    lv = res.best_level.values
    assert np.nanmin(lv) >= -60.0
    assert (res.server_count.values[np.isfinite(lv)] == 1).all()
    assert (res.server_count.values[~np.isfinite(lv)] == 0).all()
    assert (res.best_server.values[~np.isfinite(lv)] == -1).all()


def test_hata_and_cost231_on_flat_ground_match_propagation_py() -> None:
    dem = flat_dem(301)
    xx, yy = centres(dem)
    # the models are selected explicitly: ``auto`` is P.1812 since issue 15
    for f, fn, model in ((900.0, hata_db, "hata"), (1800.0, cost231_db, "cost231")):
        st = station(X0 + 150.5 * RES, Y0 - 150.5 * RES, freq_mhz=f)
        cfg = CoverageConfig(model=model, max_radius_m=4400.0, threshold_dbm=-200.0, diffraction="none")
        res = run_coverage(dem, pd.DataFrame([st]), config=cfg)
        assert res.stations["model"].iloc[0] == model
        d = np.hypot(xx - X0 - 150.5 * RES, yy - Y0 + 150.5 * RES)
        sel = (d > 1000) & (d < 4300)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = fn(d[sel], f, 30.0, 1.5)
        assert np.abs(res.path_loss.values[sel] - want).max() < 0.1


def test_kernel_gain_equals_antenna_py() -> None:
    rng = np.random.default_rng(3)
    pat = SectorPattern(65.0, 7.0, 4.0, 3.0)
    for _ in range(200):
        phi, theta = rng.uniform(-360, 360), rng.uniform(-30, 60)
        got = gk.sector_gain_db(phi, theta, False, 65.0, 7.0, 4.0, 3.0, 25.0, 20.0)
        assert got == pytest.approx(float(pat.gain_db(phi, theta)), abs=1e-9)


def test_radial_layout_spacing_never_exceeds_one_step() -> None:
    for radius, step in ((30_000.0, 30.0), (30_000.0, 90.0), (500.0, 30.0)):
        n0, lmax, first, _count = radial_layout(radius, step)
        n = math.ceil(radius / step) + 1
        assert n0 >= 2 * math.pi * n
        assert n0 % 2**lmax == 0
        for lvl in range(lmax + 1):
            outer = radius / 2**lvl
            assert 2 * math.pi * outer / (n0 / 2**lvl) <= step * 1.0001
        assert first[0] == 1  # radial 0 is in every ring


def test_ring_levels_are_the_trailing_zero_bits_capped() -> None:
    for n0, lmax in ((1, 0), (17, 3), (1088, 6), (2098, 7), (4096, 12), (4096, 20)):
        expected = [lmax if j == 0 else min(next(b for b in range(64) if j >> b & 1), lmax) for j in range(n0)]
        assert ring_levels(n0, lmax).tolist() == expected
        assert radial_layout(n0 * 30.0 / (2 * math.pi), 30.0)[2].size > 0


def test_site_groups_are_pandas_groups_ordered_by_station_index() -> None:
    """plan_groups splits the sectors by (x, y, mast height, frequency, model) as ``groupby`` does (each group's rows
    in table order), then orders the groups by their lowest station index: checked against that pandas reference on
    a shuffled table with a non-default index and an unusable first row."""
    dem = flat_dem()
    rng = np.random.default_rng(5)
    rows = []
    for k in range(7):
        x, y = X0 + 1_000.0 + 700.0 * k, Y0 - 1_500.0 - 900.0 * (k % 3)
        for f, h in ((900.0, 30.0), (1800.0, 30.0), (1800.0, 25.0), (2100.0, 30.0))[: 1 + k % 4]:
            rows += [station(x, y, freq_mhz=f, antenna_height_m=h, azimuth_deg=float(a)) for a in (0, 120, 240)]
    rows.insert(0, station(X0 - 50_000.0, Y0, freq_mhz=900.0))  # outside the DEM: not usable, so rows != labels
    table = pd.DataFrame(rows).iloc[np.r_[0, 1 + rng.permutation(len(rows) - 1)]]
    table.index = pd.Index(rng.permutation(len(table)) * 3 + 11)
    cfg = CoverageConfig(model="fspl")
    sectors = prepare_stations(table, dem, cfg)
    groups = plan_groups(sectors, dem, dem.values.astype(np.float64), cfg)
    df = sectors.table[sectors.table["usable"]]
    assert len(df) == len(rows) - 1
    keys = ["x", "y", "antenna_height_m", "freq_mhz", "model"]
    expected = sorted(((key, sector_records(part)) for key, part in df.groupby(keys, sort=False)),
                      key=lambda kv: kv[1]["station_index"].min())
    assert len(groups) == len(expected) == sum(1 + k % 4 for k in range(7))
    for g, (key, rec) in zip(groups, expected, strict=True):
        assert (g.x, g.y, g.h_tx_m, g.freq_mhz, g.model) == key
        assert g.sectors.tobytes() == rec.tobytes()


# ------------------------------------------------------------------ bad inputs
def test_zero_stations_is_an_error() -> None:
    with pytest.raises(StationDataError, match="no stations"):
        run_coverage(flat_dem(21), pd.DataFrame(columns=["operator"]))


def test_missing_columns_are_named() -> None:
    with pytest.raises(StationDataError, match="eirp_dbm"):
        run_coverage(flat_dem(21), pd.DataFrame([station(X0 + 300, Y0 - 300)]).drop(columns="eirp_dbm"))


def test_bad_values_list_rows() -> None:
    rows = [station(X0 + 300, Y0 - 300), station(X0 + 300, Y0 - 300, freq_mhz=-5.0, technology="6G")]
    with pytest.raises(StationDataError, match=r"freq_mhz.*rows \[1\].*technology"):
        run_coverage(flat_dem(21), pd.DataFrame(rows))


def test_station_outside_the_dem_is_skipped_and_reported(caplog: pytest.LogCaptureFixture) -> None:
    dem = flat_dem(41)
    inside = station(X0 + 20.5 * RES, Y0 - 20.5 * RES)
    outside = station(X0 - 5000.0, Y0 + 5000.0)
    res = run_coverage(dem, pd.DataFrame([outside, inside]), config=CoverageConfig(max_radius_m=500.0))
    assert res.skipped.index.tolist() == [0]
    assert "outside the DEM" in caplog.text
    assert set(np.unique(res.best_server.values)) <= {-1, 1}
    with pytest.raises(StationDataError, match="none of the 1 stations"):
        run_coverage(dem, pd.DataFrame([outside]))


def test_dem_in_degrees_is_refused() -> None:
    dem = Grid(np.zeros((10, 10)), Affine(0.001, 0, 105.0, 0, -0.001, 20.0), 4326, None)
    with pytest.raises(RasterDataError, match="geographic"):
        run_coverage(dem, pd.DataFrame([station(X0, Y0)]))


def test_too_large_dem_is_refused_before_work() -> None:
    with pytest.raises(RasterDataError, match="max_cells"):
        run_coverage(flat_dem(41), pd.DataFrame([station(X0 + 300, Y0 - 300)]),
                     config=CoverageConfig(max_cells=1000))


def test_nodata_holes_are_filled_for_propagation_and_nodata_in_outputs(caplog: pytest.LogCaptureFixture) -> None:
    v = np.full((101, 101), 10.0, dtype=np.float32)
    v[30:35, 60:70] = -9999.0
    dem = Grid(v, Affine(RES, 0, X0, 0, -RES, Y0), 32648, -9999.0)
    res = run_coverage(dem, pd.DataFrame([station(X0 + 50.5 * RES, Y0 - 50.5 * RES)]),
                       config=CoverageConfig(model="itm", max_radius_m=1400.0, threshold_dbm=-200.0))
    assert "nodata cell(s) filled" in caplog.text
    assert np.isnan(res.best_level.values[30:35, 60:70]).all()
    assert (res.best_server.values[30:35, 60:70] == -1).all()
    assert np.isfinite(res.best_level.values[36:45, 60:70]).all()  # behind the hole: still computed
    with pytest.raises(RasterDataError, match="nodata everywhere"):
        run_coverage(Grid(np.full((5, 5), -9999.0), Affine(RES, 0, X0, 0, -RES, Y0), 32648, -9999.0),
                     pd.DataFrame([station(X0 + 60, Y0 - 60)]))


def test_config_validation_collects_problems() -> None:
    with pytest.raises(ConfigError, match=r"model.*max_radius_m"):
        CoverageConfig(model="magic", max_radius_m=1.0)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"climate.*n0"):
        ItmSettings(climate=9, n0=100.0)
    assert ItmSettings(climate="equatorial").climate == 1
    assert CoverageConfig(link_budget=LinkBudget(indoor_loss_db=10.0)).to_dict()["link_budget"][
        "total_margin_db"] == pytest.approx(10.0)


@pytest.mark.parametrize("method", ["deygout", "bullington", "delta_bullington"])
def test_diffraction_only_adds_loss(method: str) -> None:
    rng = np.random.default_rng(4)
    from scipy import ndimage

    z = ndimage.gaussian_filter(rng.standard_normal((121, 121)), 6) * 400.0
    dem = Grid((z - z.min()).astype(np.float32), Affine(RES, 0, X0, 0, -RES, Y0), 32648, None)
    st = pd.DataFrame([station(X0 + 60.5 * RES, Y0 - 60.5 * RES, freq_mhz=900.0)])
    base = dict(model="hata", max_radius_m=1700.0, threshold_dbm=-200.0)
    plain = run_coverage(dem, st, config=CoverageConfig(diffraction="none", **base)).path_loss.values
    with_d = run_coverage(dem, st, config=CoverageConfig(diffraction=method, **base)).path_loss.values  # type: ignore[arg-type]
    ok = np.isfinite(plain)
    assert np.isfinite(with_d[ok]).all()
    assert (with_d[ok] >= plain[ok] - 1e-3).all()
    assert (with_d[ok] - plain[ok]).max() > 10.0  # the hills do shadow something
