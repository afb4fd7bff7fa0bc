"""A run of consecutive site groups in one pass (``towerplan.coverage._fused.accumulate_run``) against the groups one
after another (``accumulate_group``): bit-identical accumulators, SINR sums included, on windows of different sizes
and origins, antennas at the same and at different heights (the angles shared only between equal antennas), ties of
level between the groups' sectors; and the engine's runs (``engine._run_end``) against runs of one group.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import CRS, Transformer

from towerplan.coverage import engine
from towerplan.coverage._fused import I_PAIR, MAX_RUN, N_SF, N_SI, accumulate_group, accumulate_run
from towerplan.coverage.clutter import ClutterGrid
from towerplan.coverage.config import CoverageConfig
from towerplan.grid import Grid

THRESHOLD = -110.0
FLOOR = -120.0
LEFT, TOP, RES = 500_000.0, 2_000_000.0, 90.0
H_RX, AE = 1.5, 8_494_666.0


def _sectors(rng: np.random.Generator, n: int, first_idx: int, with_sinr: bool, tie_base: float | None):
    """n sectors' (sec_f, sec_i, tables): directional, omni and pattern-file sectors; with ``tie_base`` the last one
    has that base level and the first one's antenna (levels tied with another group's sector)."""
    sec_f = np.empty((n, N_SF))
    sec_i = np.full((n, N_SI), -1, dtype=np.int64)
    tables = np.zeros((n, 2, 360))
    for k in range(n):
        kind = (k + first_idx) % 3  # directional, omni, pattern file
        if kind == 2:
            deg = (np.arange(360) + 180) % 360 - 180
            tables[k] = np.stack([np.minimum(12.0 * (deg / 65.0) ** 2, 25.0),
                                  np.minimum(12.0 * (deg / 7.0) ** 2, 20.0)])
        sec_f[k] = (0.0 if kind == 1 else rng.uniform(0, 360), rng.uniform(30, 90), rng.uniform(5, 15),
                    rng.uniform(0, 8), rng.uniform(0, 4), 25.0 if kind != 2 else tables[k].max(), 20.0,
                    rng.uniform(5, 25))
        pair, carrier = ((k + first_idx) % 2, (k + first_idx) % 3) if with_sinr else (-1, -1)
        sec_i[k] = (kind == 1, kind == 2, first_idx + k, k % 2, k % 3, pair, carrier)
    if tie_base is not None:
        sec_f[-1] = sec_f[0]
        sec_f[-1, -1] = tie_base
        tables[-1] = tables[0]
        sec_i[-1, :2] = sec_i[0, :2]
    return sec_f, sec_i, tables


def _acc(shape, n_ops=2, n_techs=3):
    acc = (np.full(shape, -np.inf, np.float32), np.full(shape, -1, np.int32), np.full(shape, -np.inf, np.float32),
           np.full(shape, -1, np.int32), np.zeros(shape, np.int32), np.full((n_ops, *shape), -np.inf, np.float32),
           np.full((n_techs, *shape), -np.inf, np.float32), np.full(shape, np.inf, np.float32))
    acc[7][:] = np.float32(140.0)  # a previous site's min loss
    return acc


def _sinr_acc(shape):
    return (np.full((2, *shape), -np.inf, np.float32), np.full((2, *shape), -1, np.int32),
            np.zeros((3, *shape), np.int64))


def _groups(rng: np.random.Generator, n: int, heights: list[float], with_sinr: bool, other_site: bool):
    """n groups around one site (the last one elsewhere with ``other_site``): loss windows of different sizes and
    origins with NaN borders and holes, antennas at ``heights[g]`` above the site's ground."""
    site = (LEFT + 40.3 * RES, TOP - 35.8 * RES)
    out = []
    idx = 10
    for g in range(n):
        h, w = int(rng.integers(20, 45)), int(rng.integers(20, 55))
        r_lo, c_lo = 36 - h // 2 + int(rng.integers(-3, 4)), 40 - w // 2 + int(rng.integers(-3, 4))
        loss = rng.uniform(100.0, 150.0, (h, w)).astype(np.float32)
        loss[rng.random((h, w)) < 0.15] = np.nan
        cols = np.arange(w)[None, :]
        lead, trail = rng.integers(0, w // 3, (h, 1)), rng.integers(0, w // 3, (h, 1))
        loss[(cols < lead) | (cols >= w - trail)] = np.nan
        loss[rng.random(h) < 0.1] = np.nan
        if g == 1:
            loss[:] = out[0]["loss"][: h, : w] if out[0]["loss"].shape[0] >= h and out[0]["loss"].shape[1] >= w \
                else loss  # the same losses as group 0 (ties of level)
        n_sec = int(rng.integers(1, 5))
        tie = out[0]["sec"][0][0, -1] if g >= 1 else None
        sec = _sectors(rng, n_sec, idx, with_sinr, tie)
        idx += n_sec
        xy = site if not (other_site and g == n - 1) else (site[0] + 7.7 * RES, site[1] - 3.1 * RES)
        out.append({"loss": loss, "box": (r_lo, c_lo), "site": (*xy, 200.0 + heights[g]), "sec": sec})
    return out


def _run_both(groups, with_sinr: bool):
    shape = (80, 90)
    a_origin, s_origin = (3, 5), (2, 1)
    ground = np.random.default_rng(9).uniform(0.0, 300.0, (100, 110))
    t_off = (4, 6)  # global cell (r, c) is ground[r + 4, c + 6]
    limits = (THRESHOLD, FLOOR if with_sinr else -math.inf)
    ref, got = _acc(shape), _acc(shape)
    ref_s, got_s = (_sinr_acc(shape), _sinr_acc(shape)) if with_sinr else \
        (tuple(np.zeros((0, 0, 0), a.dtype) for a in _sinr_acc((1, 1))),) * 2
    for g in groups:
        r_lo, c_lo = g["box"]
        x, y, z = g["site"]
        accumulate_group(g["loss"], (x, y), (LEFT, TOP, RES, RES), (r_lo, c_lo),
                         (ground, r_lo + t_off[0], c_lo + t_off[1]), (z, H_RX, AE), *g["sec"], limits, ref, a_origin,
                         ref_s, s_origin)
    losses = tuple(g["loss"] for g in groups) + (np.zeros((0, 0), np.float32),) * (MAX_RUN - len(groups))
    k0 = np.cumsum([0] + [len(g["sec"][0]) for g in groups]).astype(np.int64)
    sec_f, sec_i, tables = (np.concatenate([g["sec"][m] for g in groups]) for m in range(3))
    accumulate_run(losses, np.array([g["box"] for g in groups], dtype=np.int64),
                   np.array([g["site"] for g in groups]), (LEFT, TOP, RES, RES), (ground, *t_off), (H_RX, AE), sec_f,
                   sec_i, tables, k0, limits, got, a_origin, got_s, s_origin)
    return ref, got, ref_s, got_s


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("with_sinr", [False, True])
@pytest.mark.parametrize("heights", [[30.0] * 3, [30.0, 30.0, 45.0, 30.0], [30.0, 25.0, 30.0, 25.0, 30.0],
                                     [30.0] * MAX_RUN])
def test_a_run_equals_its_groups_one_after_another(seed: int, with_sinr: bool, heights: list[float]) -> None:
    rng = np.random.default_rng(seed)
    groups = _groups(rng, len(heights), heights, with_sinr, other_site=seed == 3)
    ref, got, ref_s, got_s = _run_both(groups, with_sinr)
    assert (ref[1] >= 0).sum() > 200  # served cells
    assert (ref[3] >= 0).sum() > 50  # and second servers
    assert (ref[4] >= 2).sum() > 100  # cells served by several groups' sectors
    for a, b in zip(ref, got, strict=True):
        assert a.tobytes() == b.tobytes()
    if with_sinr:
        assert (ref_s[2] > 0).sum() > 200
        for a, b in zip(ref_s, got_s, strict=True):
            assert a.tobytes() == b.tobytes()


def test_one_group_runs_as_accumulate_group() -> None:
    rng = np.random.default_rng(5)
    groups = _groups(rng, 1, [30.0], True, other_site=False)
    ref, got, ref_s, got_s = _run_both(groups, True)
    assert (ref[1] >= 0).sum() > 100
    assert all(a.tobytes() == b.tobytes() for a, b in zip(ref + ref_s, got + got_s, strict=True))
    assert (groups[0]["sec"][1][:, I_PAIR] >= 0).any()


def _site_case():
    """Two sites at 30 m on hills, each with four bands (P.1812 with land cover: four site groups a site, the antennas
    of one band higher), and one sector elsewhere between them."""
    rows, cols = np.indices((90, 90))
    z = (20.0 + 15.0 * np.sin(rows / 5.0) * np.cos(cols / 7.0)).astype(np.float32)
    dem = Grid(z, Affine(30.0, 0, 500_000.0, 0, -30.0, 2_000_000.0), CRS.from_epsg(32648), None)
    code = (1 + (rows // 6 + cols // 9) % 5).astype(np.uint8)
    heights = np.array([0.0, 0.0, 0.0, 10.0, 15.0, 20.0], dtype=np.float32)[code]
    tr = Transformer.from_crs(dem.crs, "EPSG:4326", always_xy=True)
    rows_ = []
    for i, (x, y) in enumerate([(500_915.0, 1_998_785.0), (501_815.0, 1_998_185.0), (501_300.0, 1_998_500.0)]):
        lon, lat = tr.transform(x, y)
        bands = [900.0, 1800.0, 2100.0, 2600.0] if i < 2 else [1800.0]
        for b, f in enumerate(bands):
            for az in (0.0, 120.0, 240.0):
                rows_.append({"operator": "ab"[b % 2], "technology": "4G", "lon": lon, "lat": lat,
                              "antenna_height_m": 30.0 if b != 2 else 36.0, "azimuth_deg": az, "freq_mhz": f,
                              "eirp_dbm": 58.0})
    return dem, pd.DataFrame(rows_), ClutterGrid(heights, code)


def test_the_engines_runs_equal_one_group_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    dem, st, clutter = _site_case()
    config = CoverageConfig(max_radius_m=1_500.0, main_radius_m=300.0, sinr=True)
    runs: list[int] = []
    run_end = engine._run_end

    def spy(groups, fused, i):
        j = run_end(groups, fused, i)
        runs.append(j - i)
        return j

    monkeypatch.setattr(engine, "_run_end", spy)
    got = engine.run_coverage(dem, st, config=config, clutter=clutter)
    assert sorted(runs) == [1, 4, 4]  # each four-band site in one run
    monkeypatch.setattr(engine, "_run_end", lambda groups, fused, i: i + 1)
    ref = engine.run_coverage(dem, st, config=config, clutter=clutter)
    grids = ["best_level", "best_server", "second_level", "server_count", "path_loss"]
    for name in grids:
        assert getattr(ref, name).values.tobytes() == getattr(got, name).values.tobytes(), name
    for name in ("operator_levels", "technology_levels"):
        for key, grid in getattr(ref, name).items():
            assert grid.values.tobytes() == getattr(got, name)[key].values.tobytes(), (name, key)
    assert int((ref.server_count.values >= 2).sum()) > 100
    assert ref.sinr is not None
    assert got.sinr is not None
    for name in ("sinr_db", "serving", "level_dbm", "interference_dbm"):
        for pair, grid in getattr(ref.sinr, name).items():
            assert grid.values.tobytes() == getattr(got.sinr, name)[pair].values.tobytes(), (name, pair)
