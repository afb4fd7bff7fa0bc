"""Hata / COST-231 with a terrain term only for what the profile adds beyond its smooth earth (issue 15, item 4).

Hata's formulas already hold the ground: on flat ground the raster must equal the
formula (the old Deygout term on the raw profile added 11.7 dB at 5 km), and one
knife-edge ridge must add its ITU-R P.526 knife-edge loss J(v).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.diffraction import fresnel_parameter, knife_edge_db
from towerplan.coverage.engine import run_coverage
from towerplan.coverage.plan import hata_constant_db
from towerplan.coverage.propagation import cost231_db, fspl_db, hata_db
from towerplan.grid import Grid

RES = 90.0
N = 261  # 23.5 km square
X0, Y0 = 500_000.0, 2_250_000.0


def _flat(height: float = 10.0) -> np.ndarray:
    return np.full((N, N), height, dtype=np.float32)


def _run(z: np.ndarray, model: str, f_mhz: float, **cfg) -> tuple[np.ndarray, np.ndarray, np.ndarray, Grid]:
    dem = Grid(z, Affine(RES, 0, X0, 0, -RES, Y0), 32648, None)
    x, y = X0 + (N // 2 + 0.5) * RES, Y0 - (N // 2 + 0.5) * RES  # the centre of the middle cell
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(x, y)
    st = pd.DataFrame({"operator": ["A"], "technology": ["2G"], "lon": [lon], "lat": [lat],
                       "antenna_height_m": [40.0], "azimuth_deg": [np.nan], "freq_mhz": [f_mhz], "eirp_dbm": [60.0]})
    config = CoverageConfig(model=model, threshold_dbm=-200.0, max_radius_m=11_000.0, **cfg)  # type: ignore[arg-type]
    loss = run_coverage(dem, st, config=config).path_loss.values
    rows, cols = np.indices(loss.shape)
    xs, ys = dem.xy(rows.ravel(), cols.ravel())
    d = np.hypot(xs - x, ys - y).reshape(loss.shape)
    return loss, d, rows, dem


@pytest.mark.parametrize(("model", "f_mhz"), [("hata", 947.5), ("cost231", 1800.0)])
def test_flat_ground_equals_the_formula(model: str, f_mhz: float) -> None:
    loss, d, _, _ = _run(_flat(), model, f_mhz)
    ring = (d >= 1000.0) & (d <= 10_000.0) & np.isfinite(loss)
    assert ring.sum() > 10_000
    formula = hata_db if model == "hata" else cost231_db
    expected = np.maximum(formula(d[ring], f_mhz, 40.0, 1.5), fspl_db(d[ring], f_mhz))
    err = loss[ring] - expected
    assert np.abs(err).max() < 0.5, np.abs(err).max()


def test_one_ridge_adds_its_knife_edge_loss() -> None:
    """A 60 m wall 3 km north of the site: 6 km north, Hata + J(v) within 1 dB."""
    z = np.zeros((N, N), dtype=np.float32)
    mid = N // 2
    ridge_row = mid - round(3000.0 / RES)
    z[ridge_row, :] = 60.0
    f = 947.5
    loss, d, _, _ = _run(z, "hata", f)
    col = mid
    for dist_m in (5000.0, 6000.0, 8000.0):
        r = mid - round(dist_m / RES)
        dd = d[r, col]
        d1 = (mid - ridge_row) * RES
        h_line = 40.0 + (1.5 - 40.0) * d1 / dd
        j = knife_edge_db(fresnel_parameter(60.0 - h_line, d1, dd - d1, f))
        expected = max(hata_db(dd, f, 40.0, 1.5), fspl_db(dd, f)) + j
        assert j > 15.0
        assert abs(loss[r, col] - expected) < 1.0, (dist_m, loss[r, col], expected, j)


def test_ridge_behind_the_receiver_adds_nothing() -> None:
    z = np.zeros((N, N), dtype=np.float32)
    mid = N // 2
    z[mid - round(9000.0 / RES), :] = 60.0
    loss, d, _, _ = _run(z, "hata", 947.5)
    r = mid - round(5000.0 / RES)
    expected = max(hata_db(d[r, mid], 947.5, 40.0, 1.5), fspl_db(d[r, mid], 947.5))
    assert abs(loss[r, mid] - expected) < 0.5


def test_cost231_honours_the_environment() -> None:
    f = 1800.0
    lf = math.log10(f)
    urban = cost231_db(5000.0, f, 40.0, 1.5)
    assert cost231_db(5000.0, f, 40.0, 1.5, environment="suburban") == pytest.approx(
        urban - 2.0 * math.log10(f / 28.0) ** 2 - 5.4)
    assert cost231_db(5000.0, f, 40.0, 1.5, environment="open") == pytest.approx(
        urban - 4.78 * lf**2 + 18.33 * lf - 40.94)
    assert cost231_db(5000.0, f, 40.0, 1.5, metropolitan=True) == pytest.approx(urban + 3.0)
    for env in ("urban", "suburban", "open"):
        cfg = CoverageConfig(hata_environment=env)
        c = hata_constant_db("cost231", f, 1.5, cfg)
        assert c - 13.82 * math.log10(40.0) + (44.9 - 6.55 * math.log10(40.0)) * math.log10(5.0) == pytest.approx(
            cost231_db(5000.0, f, 40.0, 1.5, environment=env))
    # the raster follows the setting
    open_loss, d, _, _ = _run(_flat(), "cost231", f, hata_environment="open")
    ring = (d >= 2000.0) & (d <= 8000.0) & np.isfinite(open_loss)
    exp = np.maximum(cost231_db(d[ring], f, 40.0, 1.5, environment="open"), fspl_db(d[ring], f))
    assert np.abs(open_loss[ring] - exp).max() < 0.5
