"""One model across bands (issue 15, item 5): ``auto`` is P.1812 for every band it covers, with no jumps.

``auto`` picks ITU-R P.1812 within 30-6000 MHz and ITM outside
(:func:`towerplan.coverage.config.model_for_frequency`); Hata, COST-231, ITM and free
space stay selectable by name.

On flat open ground a 4G sector's reach at -110 dBm RSRP must shrink steadily with
frequency, 900 >= 1800 >= 2100 >= 3500 MHz, and no step may shrink it more than
free space would (reach proportional to 1 / f): the old choice (Hata, COST-231,
then ITM above 2 GHz) gave 1.5 km at 1800 MHz and 20.7 km at 2100 MHz.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import Transformer

from towerplan.coverage.config import CoverageConfig, model_for_frequency
from towerplan.coverage.engine import run_coverage
from towerplan.grid import Grid

RES = 90.0
N = 401
X0, Y0 = 500_000.0, 2_250_000.0


@pytest.mark.parametrize(("f_mhz", "model"), [(30.0, "p1812"), (450.0, "p1812"), (900.0, "p1812"),
                                              (1800.0, "p1812"), (2100.0, "p1812"), (2600.0, "p1812"),
                                              (3500.0, "p1812"), (6000.0, "p1812"), (20.0, "itm"), (6500.0, "itm")])
def test_auto_choice_by_band(f_mhz: float, model: str) -> None:
    assert model_for_frequency(f_mhz) == model


@pytest.mark.parametrize("model", ["hata", "cost231", "itm", "fspl", "p1812"])
def test_every_model_stays_selectable(model: str) -> None:
    dem = Grid(np.full((41, 41), 5.0, dtype=np.float32), Affine(RES, 0, X0, 0, -RES, Y0), 32648, None)
    res = run_coverage(dem, _station(dem, 1800.0), config=CoverageConfig(threshold_dbm=-110.0, max_radius_m=1500.0,
                                                                         model=model))
    assert set(res.stations["model"]) == {model}


def _station(dem: Grid, f_mhz: float) -> pd.DataFrame:
    n = dem.shape[0]
    x, y = X0 + (n // 2 + 0.5) * RES, Y0 - (n // 2 + 0.5) * RES
    lon, lat = Transformer.from_crs(32648, 4326, always_xy=True).transform(x, y)
    return pd.DataFrame({"operator": ["A"], "technology": ["4G"], "lon": [lon], "lat": [lat],
                         "antenna_height_m": [30.0], "azimuth_deg": [np.nan], "freq_mhz": [f_mhz],
                         "eirp_dbm": [43.0]})


def _reach_m(f_mhz: float) -> float:
    dem = Grid(np.full((N, N), 5.0, dtype=np.float32), Affine(RES, 0, X0, 0, -RES, Y0), 32648, None)
    x, y = X0 + (N // 2 + 0.5) * RES, Y0 - (N // 2 + 0.5) * RES
    res = run_coverage(dem, _station(dem, f_mhz), config=CoverageConfig(threshold_dbm=-110.0, max_radius_m=17_000.0))
    assert set(res.stations["model"]) == {"p1812"}  # the default, auto
    covered = np.isfinite(res.best_level.values)
    rows, cols = np.nonzero(covered)
    xs, ys = dem.xy(rows, cols)
    return float(np.hypot(xs - x, ys - y).max())


def test_auto_4g_reach_shrinks_steadily_with_frequency_on_flat_open_ground() -> None:
    freqs = (900.0, 1800.0, 2100.0, 3500.0)
    reach = [_reach_m(f) for f in freqs]
    assert reach[-1] > 1000.0, reach
    assert reach[0] < 16_000.0, reach  # inside the window: a real reach, not the cap
    for f1, r1, f2, r2 in zip(freqs, reach, freqs[1:], reach[1:], strict=False):
        assert r2 <= r1, (f1, r1, f2, r2)
        assert r2 >= r1 * f1 / f2 - RES, (f1, r1, f2, r2)  # no more than free space's 1/f (one cell of slack)
