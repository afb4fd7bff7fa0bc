"""Accuracy on a real terrain tile, DEM resampling included, and the exact / refine cell-loss modes (issue 20, item 3).

The real tile is matplotlib's 3" USGS DEM of the Jacksboro fault (``bench/realtile_tiles.py``);
the study DEM is built from it as the product builds it (``towerplan.terrain.read_dem``), and
the reference is the model point to point on the original tile along the geodesic
(:mod:`towerplan.coverage.geo_reference`). Figures for whole tiles: ``bench/bench_realtile.py``.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from pyproj import Geod, Transformer

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import warm_up
from towerplan.coverage.geo_reference import ReferenceSite, error_stats, geodesic_profile
from towerplan.coverage.itm import itm_p2p_db
from towerplan.coverage.p1812 import p1812_p2p_db
from towerplan.coverage.profile import sample_bilinear, to_pfl
from towerplan.errors import ConfigError, ModelInputError, RasterDataError
from towerplan.grid import Grid

_BENCH = Path(__file__).resolve().parents[1] / "bench" / "realtile_tiles.py"


def _tiles():
    spec = importlib.util.spec_from_file_location("realtile_tiles", _BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("realtile_tiles", module)
    spec.loader.exec_module(module)
    return module


RT = _tiles()


@pytest.fixture(scope="module")
def tile():
    t = RT.jacksboro_tile()
    if t is None:
        pytest.skip("matplotlib is not installed: its sample data holds the real DEM tile")
    return t


@pytest.fixture(scope="module")
def dem90(tile, tmp_path_factory):
    warm_up()
    return RT.study_dem(tile, tmp_path_factory.mktemp("tile"), 90.0)


def _site(tile) -> ReferenceSite:
    w, s, e, n = tile.bounds
    return ReferenceSite((w + e) / 2, (s + n) / 2, 30.0, 1800.0)


def test_the_real_tile_is_north_up(tile) -> None:
    """Row 0 is the north edge (36.733 N): the straight escarpment of the tile's north-east quarter runs
    north-east, along the Appalachian structures; with the rows flipped there is no straight edge there."""
    assert tile.shape == (344, 403)
    assert tile.bounds == pytest.approx((-84.41375, 36.44625, -84.0779167, 36.7329167), abs=1e-6)
    assert float(tile.values.min()) >= 236
    assert float(tile.values.max()) <= 1076
    strike, r2 = RT.escarpment_strike(tile)
    assert 45.0 < strike < 65.0
    assert r2 > 0.95
    assert RT.escarpment_strike(tile.with_values(tile.values[::-1].copy()))[1] < 0.9


def test_geodesic_profile_samples_the_tile_in_degrees(tile) -> None:
    lon0, lat0 = -84.30, 36.55
    dist, z = geodesic_profile(tile, (lon0, lat0), (-84.20, 36.62), 90.0)
    assert dist[0] == 0.0
    assert np.diff(dist) == pytest.approx(np.full(len(dist) - 1, dist[1]))
    assert dist[1] <= 90.0
    # the WGS 84 length; independently: 0.07 degrees of meridian (7.77 km) and 0.1 of parallel (8.95 km) at 36.6 N
    assert dist[-1] == pytest.approx(math.hypot(7_769.0, 8_950.0), abs=15.0)
    assert z[0] == pytest.approx(float(sample_bilinear(tile, lon0, lat0)))
    with pytest.raises(ModelInputError, match="geographic"):
        geodesic_profile(Grid(np.zeros((3, 3)), tile.transform, 32616, None), (0, 0), (1, 1), 10.0)


def _cells(dem, loss, site, n: int, seed: int = 3):
    return RT.pick_cells(dem, loss, RT.jacksboro_tile(), site, 3000.0, n, seed)


def _study_profile(dem, site, row, col) -> tuple[np.ndarray, float]:
    """The exact mode's profile: round(d / res) equal steps from the site to the cell centre, bilinear."""
    x0, y0 = Transformer.from_crs(4326, dem.crs, always_xy=True).transform(site.lon, site.lat)
    x1, y1 = dem.xy(row, col)
    d = math.hypot(float(x1) - x0, float(y1) - y0)
    m = max(math.floor(d / dem.res[0] + 0.5), 1)
    f = np.arange(m + 1) / m
    return sample_bilinear(dem, x0 + f * (float(x1) - x0), y0 + f * (float(y1) - y0)), d / m


@pytest.mark.parametrize("model", ["itm", "p1812"])
def test_exact_mode_is_the_public_point_to_point_model_on_the_study_grid(tile, dem90, model: str) -> None:
    site = _site(tile)
    cfg = RT.base_config(model, 3000.0, cell_loss="exact")
    loss, _ = RT.site_loss_grid(dem90, site, cfg)
    rows, cols = _cells(dem90, loss, site, 40)
    assert rows.size == 40
    for r, c in zip(rows, cols, strict=True):
        z, step = _study_profile(dem90, site, r, c)
        if model == "itm":
            s = cfg.itm
            want = itm_p2p_db(to_pfl(z, step), h_tx_m=30.0, h_rx_m=cfg.rx_height_m, freq_mhz=1800.0,
                              climate=s.climate, n0=s.n0, epsilon=s.epsilon, sigma=s.sigma, mdvar=s.mdvar).loss_db
        else:
            p = cfg.p1812
            want = p1812_p2p_db(np.arange(len(z)) * step / 1000.0, z, freq_mhz=1800.0, time_percent=p.time_percent,
                                h_tx_m=30.0, h_rx_m=cfg.rx_height_m, centre_latitude_deg=site.lat,
                                delta_n=p.delta_n, n0=p.n0).lb_db
        assert loss[r, c] == pytest.approx(want, abs=2e-3)


@pytest.mark.parametrize("model", ["itm", "p1812"])
def test_refine_keeps_the_raster_or_takes_the_exact_value_cell_by_cell(tile, dem90, model: str) -> None:
    site = _site(tile)
    base = RT.base_config(model, 6000.0)
    out = {m: RT.site_loss_grid(dem90, site, replace(base, cell_loss=m))[0] for m in ("raster", "refine", "exact")}
    ok = np.isfinite(out["refine"])
    assert (ok == np.isfinite(out["raster"])).all()
    same_raster = out["refine"][ok] == out["raster"][ok]
    same_exact = out["refine"][ok] == out["exact"][ok]
    assert (same_raster | same_exact).all()
    refined = ~same_raster
    # on this rugged tile at 90 m ITM refines ~2/3 of the cells, P.1812 ~2/5 (bench/README.md); never all
    assert 0.05 < refined.mean() < 0.9
    # a refined cell's samples differed by > refine_spread_db: the raster was off there, by more than elsewhere
    err = np.abs(out["raster"][ok] - out["exact"][ok])
    assert np.median(err[refined]) > 2.0 * np.median(err[~refined])
    again = RT.site_loss_grid(dem90, site, replace(base, cell_loss="refine"))[0]
    np.testing.assert_array_equal(again, out["refine"])  # deterministic


def _stats(tile, dem, model: str, radius_m: float, seed: int = 11) -> dict[str, dict[str, float]]:
    cmp = RT.compare(tile, dem, _site(tile), model=model, radius_m=radius_m, n_cells=400, seed=seed,
                     modes=("raster", "refine"))
    return {m: error_stats(d) for m, d in cmp.diff_db.items()}


@pytest.mark.parametrize(("model", "floor_pct"), [("itm", 90.0), ("p1812", 94.0)])
def test_real_tile_at_90m_refine_is_unbiased_and_closer_than_the_raster(tile, dem90, model: str,
                                                                        floor_pct: float) -> None:
    """Raster minus the model point to point on the original 3" tile along the geodesic, DEM resampling
    included (400 cells within 6 km). Held at 90 m: the median within 0.3 dB and P90 within 1 dB; P10 is
    about -1.0 dB (P.1812) / -1.5 dB (ITM) and 91-96 % of cells are within 3 dB, short of 99 %: the
    resampled heights differ by up to +-6 m (p1-p99) from the tile's (bench/README.md). Refinement
    brings the raster to the exact mode's figures (P10 -3.4 / -1.9 dB and 81 / 90 % without it)."""
    st = _stats(tile, dem90, model, 6000.0)
    raster, refine = st["raster"], st["refine"]
    assert refine["n"] == 400
    assert abs(refine["median_db"]) <= 0.3, refine
    assert refine["p90_db"] <= 1.0, refine
    assert refine["p10_db"] >= -1.6, refine
    assert refine["within_3db_pct"] >= floor_pct, refine
    assert refine["within_3db_pct"] >= raster["within_3db_pct"] + 3.0, st
    assert refine["p10_db"] > raster["p10_db"] + 0.5, st


def test_real_tile_at_30m_p1812_refine_meets_the_spread_and_median_targets(tile, tmp_path_factory) -> None:
    """P.1812 at 30 m on the real tile: P10-P90 within +-1 dB and the median within 0.3 dB (400 cells within
    6 km); 98-99 % within 3 dB here, 99.1 % over 1,200 cells within 10 km (bench/README.md)."""
    dem30 = RT.study_dem(tile, tmp_path_factory.mktemp("tile30"), 30.0)
    refine = _stats(tile, dem30, "p1812", 6000.0)["refine"]
    assert refine["p10_db"] >= -1.0, refine
    assert refine["p90_db"] <= 1.0, refine
    assert abs(refine["median_db"]) <= 0.3, refine
    assert refine["within_3db_pct"] >= 98.0, refine


@pytest.mark.parametrize("model", ["itm", "p1812"])
def test_synthetic_3s_tile_at_90m_refine_meets_every_target(tmp_path: Path, model: str) -> None:
    """Fractal relief on a 3" geographic tile near Thanh Hóa (the coverage bench's kind), resampled to 90 m
    UTM: every target holds with refinement (400 cells within 15 km)."""
    tile = RT.synthetic_tile(arcsec=3.0, size_deg=0.3)
    dem = RT.study_dem(tile, tmp_path, 90.0)
    w, s, e, n = tile.bounds
    site = ReferenceSite((w + e) / 2, (s + n) / 2, 30.0, 1800.0)
    cmp = RT.compare(tile, dem, site, model=model, radius_m=15_000.0, n_cells=400, seed=5, modes=("refine",))
    st = error_stats(cmp.diff_db["refine"])
    assert st["p10_db"] >= -1.0, st
    assert st["p90_db"] <= 1.0, st
    assert abs(st["median_db"]) <= 0.3, st
    assert st["within_3db_pct"] >= 99.0, st


def _scenario_coverage(tmp_path: Path, coverage_toml: str) -> CoverageConfig:
    """The coverage settings of a scenario whose [coverage] table is ``coverage_toml``."""
    from towerplan.study.scenario_file import load_scenario

    for name in ("dem.tif", "population.tif", "stations.csv"):
        (tmp_path / name).write_bytes(b"x")
    path = tmp_path / "scenario.toml"
    path.write_text('[inputs]\ndem = "dem.tif"\npopulation = "population.tif"\nstations = "stations.csv"\n'
                    "[coverage]\n" + coverage_toml, encoding="utf-8")
    return load_scenario(path).coverage


def test_cell_loss_settings_are_validated_and_read_from_the_scenario_and_the_cli(tmp_path: Path) -> None:
    assert CoverageConfig().cell_loss == "raster"
    with pytest.raises(ConfigError, match="cell_loss"):
        CoverageConfig(cell_loss="fast")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="refine_spread_db"):
        CoverageConfig(refine_spread_db=0.0)
    from towerplan.cli import build_parser

    args = build_parser(["coverage"]).parse_args(["coverage", "--dem", "d.tif", "--stations", "s.csv", "--out", "o",
                                                  "--cell-loss", "exact"])
    assert args.cell_loss == "exact"
    cov = _scenario_coverage(tmp_path, 'cell_loss = "refine"\nrefine_spread_db = 2.5\n')
    assert (cov.cell_loss, cov.refine_spread_db) == ("refine", 2.5)


# ---------------------------------------------------------------- profiles from the source tile (profile_source)


def test_source_profiles_equal_the_geodesic_reference_profile(tile, dem90) -> None:
    """``profile_source = "source"``: a cell's profile is the tile's bilinear surface at the points of the straight
    UTM line, through the site's cubic map (error 2e-7 samples here); the geodesic reference samples the same tile
    along the WGS 84 geodesic: equal within 0.05 m (the lines part by < 0.7 m over 30 km; 0.03 m measured)."""
    from towerplan.coverage._cell_select import cell_profile
    from towerplan.coverage.source_terrain import SourceTerrain, site_map

    left, _, _, top = dem90.bounds
    res = dem90.res[0]
    geo = (left, top, res, dem90.res[1])
    win = SourceTerrain.from_grid(tile).window(dem90.crs, geo, (0, dem90.height, 0, dem90.width))
    site = _site(tile)
    sx, sy = Transformer.from_crs(4326, dem90.crs, always_xy=True).transform(site.lon, site.lat)
    sc, sr = (sx - left) / res - 0.5, (top - sy) / res - 0.5
    poly, err = site_map(win, geo, sc, sr, 10_000.0)
    assert err < 1e-4
    # another batch's window (a part of the tile): the same heights, bit for bit (the engine's executors agree)
    part = SourceTerrain.from_grid(tile).window(dem90.crs, geo, (40, dem90.height - 30, 25, dem90.width - 50))
    assert (part.row_off, part.col_off) != (win.row_off, win.col_off)
    poly2, _ = site_map(part, geo, sc, sr, 10_000.0)
    to_ll = Transformer.from_crs(dem90.crs, 4326, always_xy=True)
    rng = np.random.default_rng(1)
    worst_src = worst_study = 0.0
    for _ in range(30):
        az, d = rng.uniform(0.0, 2.0 * np.pi), rng.uniform(500.0, 9_000.0)
        gc, gr = round(sc + d * np.sin(az) / res), round(sr - d * np.cos(az) / res)
        x1, y1 = left + (gc + 0.5) * res, top - (gr + 0.5) * res
        m = max(math.floor(math.hypot(x1 - sx, y1 - sy) / res + 0.5), 1)
        z = np.empty(m + 1)
        cell_profile((win.values, poly), 0, 0, sc, sr, float(gc), float(gr), m, z)
        lon1, lat1 = to_ll.transform(x1, y1)
        length = float(Geod(ellps="WGS84").inv(site.lon, site.lat, lon1, lat1)[2])
        _, ref = geodesic_profile(tile, (site.lon, site.lat), (lon1, lat1), length / m)  # the same m intervals
        assert len(ref) == m + 1
        worst_src = max(worst_src, float(np.abs(z - ref).max()))
        z2 = np.empty(m + 1)
        cell_profile((part.values, poly2), 0, 0, sc, sr, float(gc), float(gr), m, z2)
        np.testing.assert_array_equal(z2, z)
        study = sample_bilinear(dem90, sx + np.arange(m + 1) / m * (x1 - sx), sy + np.arange(m + 1) / m * (y1 - sy))
        worst_study = max(worst_study, float(np.nanmax(np.abs(study - ref))))
    assert worst_src < 0.05, worst_src
    assert worst_study > 5.0, worst_study  # the study grid's resampled heights: metres off (what the option removes)


def _source_stats(tile, dem, model: str, modes: tuple[str, ...], radius_m: float = 6000.0,
                  seed: int = 11) -> dict[str, dict[str, float]]:
    cmp = RT.compare(tile, dem, _site(tile), model=model, radius_m=radius_m, n_cells=400, seed=seed, modes=modes,
                     profile_source="source")
    return {m: error_stats(d) for m, d in cmp.diff_db.items()}


@pytest.mark.parametrize("model", ["itm", "p1812"])
def test_real_tile_at_90m_source_profiles_meet_every_target(tile, dem90, model: str) -> None:
    """With the profiles from the tile, the resampling is out of the loop: refine meets every target at 90 m for
    ITM and P.1812 (on the study grid: 90-93 % / 96-97 % within 3 dB, test above), and the exact mode is the
    reference up to the straight-line-vs-geodesic and interval-count differences."""
    st = _source_stats(tile, dem90, model, ("refine", "exact"))
    refine, exact = st["refine"], st["exact"]
    assert refine["n"] == 400
    assert refine["p10_db"] >= -1.0, refine
    assert refine["p90_db"] <= 1.0, refine
    assert abs(refine["median_db"]) <= 0.3, refine
    assert refine["within_3db_pct"] >= 99.0, refine
    assert exact["p10_db"] >= -0.1, exact
    assert exact["p90_db"] <= 0.1, exact
    assert exact["within_3db_pct"] >= 99.5, exact


def test_profile_source_is_validated_and_required_and_read_from_the_scenario_and_the_cli(tmp_path: Path) -> None:
    from towerplan.cli import build_parser
    from towerplan.coverage.engine import run_coverage

    assert CoverageConfig().profile_source == "study"
    with pytest.raises(ConfigError, match="profile_source"):
        CoverageConfig(profile_source="tile")  # type: ignore[arg-type]
    args = build_parser(["coverage"]).parse_args(["coverage", "--dem", "d.tif", "--stations", "s.csv", "--out", "o",
                                                  "--profile-source", "source"])
    assert args.profile_source == "source"
    assert _scenario_coverage(tmp_path, 'profile_source = "source"\n').profile_source == "source"
    dem = Grid(np.full((20, 20), 100.0, dtype=np.float32), RT.Affine(90.0, 0, 500_000.0, 0, -90.0, 2_200_000.0),
               32648, None)
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(500_900.0, 2_199_100.0)
    with pytest.raises(ConfigError, match="source DEM"):
        run_coverage(dem, RT.site_table(ReferenceSite(lon, lat, 30.0, 1800.0)),
                     config=RT.base_config("itm", 500.0, profile_source="source"))


def test_cli_profile_source_reads_the_dem_tile_and_matches_the_engine_on_it(tile, tmp_path: Path) -> None:
    """``towerplan coverage --dem tile.tif --profile-source source``: the study grid from read_dem, the profiles
    from the tile file itself (read_source_terrain), the same losses as run_coverage(source=tile); the scenario's
    step reads the same tile through source_terrain_of."""
    from types import SimpleNamespace

    from towerplan.cli import main
    from towerplan.coverage.source_terrain import read_source_terrain
    from towerplan.rasters import read_grid, write_grid
    from towerplan.study.steps import source_terrain_of
    from towerplan.terrain import read_dem

    tif = tmp_path / "tile.tif"
    write_grid(tile, tif, cog=False)
    site = _site(tile)
    stations = RT.site_table(site).assign(site_id=["S1"], cell_id=["S1-1"], operator=["Viettel"])
    stations.to_csv(tmp_path / "st.csv", index=False)
    out = {}
    for ps in ("study", "source"):
        assert main(["coverage", "--dem", str(tif), "--stations", str(tmp_path / "st.csv"), "--out",
                     str(tmp_path / ps), "--resolution-m", "90", "--model", "itm", "--max-radius-m", "3000",
                     "--threshold-dbm", "-200", "--write-loss", "--cell-loss", "exact", "--profile-source", ps]) == 0
        out[ps] = read_grid(tmp_path / ps / "path_loss_db.tif").masked(np.nan)
    dem = read_dem(tif, resolution_m=90.0)
    src = read_source_terrain(tif, dem)
    np.testing.assert_array_equal(src.values, tile.values)
    cfg = RT.base_config("itm", 3000.0, cell_loss="exact", profile_source="source")
    direct, _ = RT.site_loss_grid(dem, site, cfg, tile)
    ok = np.isfinite(out["source"])
    np.testing.assert_allclose(out["source"][ok], direct[ok], atol=1e-3)
    differ = np.abs(out["source"][ok] - out["study"][ok]) > 0.01
    assert differ.mean() > 0.2, differ.mean()  # the profiles are not the study grid's
    inputs = SimpleNamespace(files={"dem": tif}, dem=dem)
    assert source_terrain_of(inputs, cfg).values.shape == tile.shape  # type: ignore[arg-type, union-attr]
    assert source_terrain_of(inputs, CoverageConfig()) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("model", ["itm", "p1812"])
def test_real_tile_at_30m_source_profiles_refine_meets_every_target(tile, tmp_path_factory, model: str) -> None:
    """At 30 m the study grid's heights are within +-1.3 m of the tile's, yet ITM refine read only 96.5 % within
    3 dB on it (P10 -1.09 dB); from the tile, refine meets every target for ITM and P.1812 (400 cells, 6 km)."""
    dem30 = RT.study_dem(tile, tmp_path_factory.mktemp("tile30s"), 30.0)
    refine = _source_stats(tile, dem30, model, ("refine",))["refine"]
    assert refine["p10_db"] >= -1.0, refine
    assert refine["p90_db"] <= 1.0, refine
    assert abs(refine["median_db"]) <= 0.3, refine
    assert refine["within_3db_pct"] >= 99.0, refine


def test_read_source_terrain_mosaics_adjacent_tiles_on_their_lattice(tile, dem90, tmp_path: Path) -> None:
    """Two adjacent files of one lattice (the tile cut in two, overlapping by one column as SRTM tiles repeat
    their edges) read back as the one tile; files of another sample size are refused."""
    from towerplan.coverage.source_terrain import read_source_terrain
    from towerplan.rasters import write_grid

    t = tile.transform
    west = Grid(tile.values[:, :201].copy(), t, 4326, None)
    east = Grid(tile.values[:, 200:].copy(), RT.Affine(t.a, 0.0, t.c + 200 * t.a, 0.0, t.e, t.f), 4326, None)
    write_grid(west, tmp_path / "w.tif", cog=False)
    write_grid(east, tmp_path / "e.tif", cog=False)
    src = read_source_terrain([tmp_path / "w.tif", tmp_path / "e.tif"], dem90)
    np.testing.assert_array_equal(src.values, tile.values)
    assert src.transform.almost_equals(tile.transform)
    coarse = Grid(tile.values[::2, ::2].copy(), RT.Affine(2 * t.a, 0.0, t.c, 0.0, 2 * t.e, t.f), 4326, None)
    write_grid(coarse, tmp_path / "c.tif", cog=False)
    with pytest.raises(RasterDataError, match="one CRS and one sample size"):
        read_source_terrain([tmp_path / "w.tif", tmp_path / "c.tif"], dem90)
