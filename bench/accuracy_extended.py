"""The ``accuracy-extended`` case of ``bench_coverage.py``: raster minus exact point to point with the extended zone.

P.1812 with land cover (the tests' synthetic land cover, ``tests/test_p1812_raster.py``'s oracle: the path from
the site to the cell centre, bilinear DEM samples every ~1 cell, the clutter of the nearest cell) at 30 m
(8 km, 3 km main zone: 86 % of the cells beyond it) and 90 m (20 km, 5 km main zone), four terrains; the exact
loss is computed once per terrain and compared with the raster of each setting. Per row: P10 / median / P90 of
raster - exact (dB), the share of cells within 3 dB, and the same split by the receiver's surroundings (the
cells beyond the main zone whose 5 x 5 neighbourhood holds one clutter height, and the others: the
decomposition of round w10), plus the cells the refinement computed point to point. ``variant``: ``lc``
(rugged terrain and land cover), ``nolc`` (terrain only), ``flatlc`` (flat ground and land cover). COST-231 +
Deygout at 30 m through ``tests/test_coverage_accuracy.py``'s oracle (300 cells, exact loss per setting).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_coverage_executors import rugged_dem
from test_p1812_raster import _site, synthetic_clutter

from towerplan.coverage import _fill_zones
from towerplan.coverage import _kernels as kern
from towerplan.coverage.clutter import SEA_LEVEL_M
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.p1812 import p1812_p2p_db

REFINED = [0]


def _count_refined() -> None:
    real = _fill_zones.refine_cells

    def spy(*a, **k):
        n = real(*a, **k)
        REFINED[0] += n
        return n

    _fill_zones.refine_cells = spy


def oracle(res: float, radius: float, seed: int, variant: str, n_cells: int) -> dict:
    """The terrain, land cover, site and the exact loss at ``n_cells`` random cells."""
    n = int(2 * radius / res) + 20
    dem = rugged_dem(n, res, seed=seed)
    if variant == "flatlc":
        dem = type(dem)(np.zeros_like(dem.values), dem.transform, dem.crs, None)
    clut = None if variant == "nolc" else synthetic_clutter(dem.shape)
    z = dem.values.astype(np.float64)
    left, _, _, top = dem.bounds
    x, y, lat, st = _site(dem)
    cfg = CoverageConfig(model="p1812", threshold_dbm=-200.0, max_radius_m=radius, extended_spacing_m=0)
    loss = run_coverage(dem, st, config=cfg, clutter=clut).path_loss.values
    rows, cols = np.nonzero(np.isfinite(loss))
    xs, ys = dem.xy(rows, cols)
    d = np.hypot(xs - x, ys - y)
    pick = np.random.default_rng(seed).choice(np.flatnonzero(d > 5 * res), n_cells, replace=False)
    sc, sr = (x - left) / res - 0.5, (top - y) / res - 0.5
    s = cfg.p1812
    exact, uniform = [], []
    for k in pick:
        m = max(round(d[k] / res), 2)
        t = np.arange(m + 1) / m
        pc = sc + (xs[k] - x) / res * t
        pr = sr - (ys[k] - y) / res * t
        prof = np.array([kern.bilinear(z, c, r) for c, r in zip(pc, pr, strict=True)])
        r_m, zone = np.zeros(m + 1), np.full(m + 1, 4)
        same = True
        if clut is not None:
            ci = np.clip(np.floor(pc + 0.5).astype(int), 0, n - 1)
            ri = np.clip(np.floor(pr + 0.5).astype(int), 0, n - 1)
            r_m = clut.height_m[ri, ci].astype(np.float64)
            zone = np.where((clut.code[ri, ci] == 1) & (prof <= SEA_LEVEL_M), 1, 4)
            blk = clut.height_m[max(rows[k] - 2, 0):rows[k] + 3, max(cols[k] - 2, 0):cols[k] + 3]
            same = bool(blk.max() == blk.min())
        uniform.append(same)
        exact.append(p1812_p2p_db(t * d[k] / 1000.0, prof, freq_mhz=1800.0, time_percent=s.time_percent,
                                  h_tx_m=30.0, h_rx_m=cfg.rx_height_m, clutter_m=r_m, zone=zone,
                                  centre_latitude_deg=lat, delta_n=s.delta_n, n0=s.n0).lb_db)
    return {"dem": dem, "clut": clut, "st": st, "cfg": cfg, "rows": rows[pick], "cols": cols[pick], "d": d[pick],
            "exact": np.array(exact), "uniform": np.array(uniform)}


def stats(diff: np.ndarray) -> str:
    if diff.size == 0:
        return "-"
    p10, med, p90 = np.percentile(diff, [10, 50, 90])
    return f"{p10:+.2f} / {med:+.2f} / {p90:+.2f}, {np.mean(np.abs(diff) <= 3.0) * 100:.1f} % <= 3 dB"


def p1812_rows(res: float, radius: float, main: float, seeds, spacings, variants, n_cells: int,
               settings: dict | None = None) -> None:
    for variant in variants:
        for seed in seeds:
            o = oracle(res, radius, seed, variant, n_cells)
            beyond = o["d"] > main
            for sp in spacings:
                for label, extra in (settings or {"": {}}).items():
                    REFINED[0] = 0
                    cfg = dataclasses.replace(o["cfg"], extended_spacing_m=sp, main_radius_m=main, **extra)
                    loss = run_coverage(o["dem"], o["st"], config=cfg, clutter=o["clut"]).path_loss.values
                    diff = loss[o["rows"], o["cols"]] - o["exact"]
                    u, m = o["uniform"] & beyond, ~o["uniform"] & beyond
                    print(f"{res:g} m {variant} seed {seed} spacing {sp:g} m {label}: all {stats(diff)} | beyond "
                          f"{main:g} m, one clutter height around the cell (n={u.sum()}) {stats(diff[u])} | "
                          f"several (n={m.sum()}) {stats(diff[m])} | refined {REFINED[0]} of "
                          f"{int(np.isfinite(loss).sum())} cells", flush=True)


def cost231_rows(seeds, spacings) -> None:
    from test_coverage_accuracy import raster_vs_exact

    for seed in seeds:
        for sp in spacings:
            d = raster_vs_exact("cost231", 30.0, 8000.0, seed=seed, extended_spacing_hata_m=sp, main_radius_m=3000.0)
            print(f"30 m cost231 seed {seed} spacing {sp:g} m: {stats(d)}", flush=True)


def accuracy_extended() -> None:
    _count_refined()
    seeds = (5, 11, 23, 31)
    p1812_rows(30.0, 8000.0, 3000.0, seeds, (0.0, 90.0, 120.0, 180.0, 240.0), ("lc",), 600,
               {"plain": {"rx_match": False, "extended_refine_db": 0.0}, "match": {"extended_refine_db": 0.0},
                "match+refine": {}})
    p1812_rows(90.0, 20000.0, 5000.0, seeds, (0.0, 270.0, 360.0, 450.0), ("lc", "nolc"), 1000,
               {"plain": {"rx_match": False, "extended_refine_db": 0.0}, "match": {"extended_refine_db": 0.0},
                "match+refine": {}})
    p1812_rows(30.0, 8000.0, 3000.0, (5, 11), (0.0, 120.0, 180.0), ("nolc", "flatlc"), 600,
               {"plain": {"rx_match": False, "extended_refine_db": 0.0}, "match": {"extended_refine_db": 0.0}})
    cost231_rows((5, 11, 23), (0.0, 120.0, 180.0))
