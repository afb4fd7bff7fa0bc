"""The engine's ITU-R P.2108 §3.1 terminal clutter loss: ITM and free space only, only where clutter is,
equal to NTIA's reference code (proplib-p2108), and named in the method record and the report."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from test_coverage_executors import rugged_dem, stations

from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.terminal_clutter import terminal_window

N = 80
CONFIG = CoverageConfig(max_radius_m=3000.0, threshold_dbm=-120.0, model="itm")
#: (P.2108 type, clutter height R m) of the patches: water, open, suburban, urban, trees, dense urban, and
#: trees with R = 0 (P.2108 Table 3's 15 m then)
PATCHES = [(1, 0.0), (2, 0.0), (3, 10.0), (4, 20.0), (5, 15.0), (6, 25.0), (5, 0.0)]


def _ntia():
    return pytest.importorskip("ITS.ITU.PSeries.P2108.p2108",
                               reason="NTIA's proplib-p2108 is not installed (pip install proplib-p2108)")


@pytest.fixture(scope="module")
def case():
    dem = rugged_dem(N, 90.0, seed=3)
    st = stations(6, dem, seed=4)
    st = st[st["freq_mhz"] == 2600.0].reset_index(drop=True)  # 4G at 2.6 GHz: ITM (or free space)
    patch = (np.add.outer(np.arange(N) // 12, np.arange(N) // 17) % len(PATCHES)).astype(int)
    types = np.array([t for t, _ in PATCHES], dtype=np.uint8)[patch]
    heights = np.array([r for _, r in PATCHES], dtype=np.float32)[patch]
    code = np.array([0, 1, 2, 3, 4, 4, 5], dtype=np.uint8)[types]
    return dem, st, ClutterGrid(heights, code, types), patch


@pytest.mark.parametrize("model", ["itm", "fspl"])
def test_terminal_loss_is_added_only_where_clutter_is_and_equals_ntia(case, model) -> None:
    ntia = _ntia()
    dem, st, clutter, patch = case
    config = replace(CONFIG, model=model)
    bare = run_coverage(dem, st, config=config)
    with_cover = run_coverage(dem, st, config=config, clutter=clutter)
    added = with_cover.path_loss.values.astype(np.float64) - bare.path_loss.values
    computed = np.isfinite(added)
    assert computed.mean() > 0.3
    for k, (ptype, r) in enumerate(PATCHES):
        cells = computed & (patch == k)
        assert cells.sum() > 20, k
        r_used = r if r > 0 else 15.0  # Table 3's R for trees/forest
        expect = 0.0 if ptype in (1, 2) else ntia.HeightGainTerminalCorrectionModel(
            2.6, CONFIG.rx_height_m, 27.0, r_used, ntia.ClutterType(ptype))
        if ptype in (1, 2):  # water and open ground: the rasters are untouched, bit for bit
            assert (added[cells] == 0.0).all(), k
        else:
            assert expect > 15.0
            np.testing.assert_allclose(added[cells], expect, atol=2e-3, err_msg=f"patch {k}")
    # the levels move by the same loss: lower where the terminal stands in clutter, the same in the open
    open_cells = np.isin(patch, [0, 1]) & np.isfinite(with_cover.best_level.values)
    assert np.array_equal(with_cover.best_level.values[open_cells], bare.best_level.values[open_cells])
    assert with_cover.covered.sum() < bare.covered.sum()


def test_models_with_their_own_clutter_get_no_terminal_loss(case) -> None:
    dem, st, clutter, _ = case
    for model in ("hata", "cost231"):
        config = replace(CONFIG, model=model)
        a = run_coverage(dem, st, config=config).path_loss.values
        b = run_coverage(dem, st, config=config, clutter=clutter).path_loss.values
        assert np.array_equal(a, b, equal_nan=True), model


def test_terminal_window_is_the_same_whatever_the_window() -> None:
    types = np.array([[5, 5, 2], [4, 0, 6]], dtype=np.uint8)
    heights = np.array([[0.0, 12.0, 0.0], [15.0, 0.0, 25.0]], dtype=np.float32)
    w = terminal_window(types, heights)
    assert w.slot.shape == (2, 3)
    pairs = {(int(t), float(r)) for t, r in zip(w.types, w.height_m, strict=True)}
    assert pairs == {(0, 0.0), (2, 10.0), (4, 15.0), (5, 12.0), (5, 15.0), (6, 25.0)}  # R = 0: Table 3
    part = terminal_window(types[:, 1:], heights[:, 1:])
    full_pairs = [(w.types[s], w.height_m[s]) for s in w.slot[:, 1:].ravel()]
    assert full_pairs == [(part.types[s], part.height_m[s]) for s in part.slot.ravel()]


def test_method_record_and_report_name_the_terminal_loss(case) -> None:
    from towerplan.export.report_landcover import land_cover_blocks
    from towerplan.landcover import default_land_cover
    from towerplan.study.land_cover_record import land_cover_method
    from towerplan.study.records import _models

    dem = case[0]
    cover = replace(default_land_cover(dem), source="landcover.tif")
    inputs = SimpleNamespace(land_cover=cover, files={}, dem=dem)
    method = land_cover_method(inputs, models=["hata", "itm", "p1812"])  # type: ignore[arg-type]
    assert method["terminal_clutter"]["models"] == ["itm"]
    assert "P.2108-1 §3.1" in method["terminal_clutter"]["method"]
    assert "50 % of locations" in method["terminal_clutter"]["method"]
    assert "itm: the terminal clutter loss" in method["used_by"]
    texts = [b.text for b in land_cover_blocks({"land_cover": method}, "en")]
    assert any(t.startswith("Terminal clutter loss of ITU-R P.2108-1 §3.1") and t.endswith(": itm") for t in texts)
    assert any("P.2108-1 mục 3.1" in b.text for b in land_cover_blocks({"land_cover": method}, "vi"))
    none = land_cover_method(SimpleNamespace(land_cover=None, files={}, dem=dem), models=["itm"])  # type: ignore[arg-type]
    assert none["terminal_clutter"] is None  # no land cover: nothing added, nothing named
    models = _models({"itm": 3}, CONFIG, land_cover="landcover.tif (class table: ESA WorldCover 10 m v200)")
    assert "P.2108-1 §3.1 terminal clutter loss" in models["itm"]
