"""The pruned ITM radial gives exactly the losses of ``_itm_kernels.p2p_radial``."""

from __future__ import annotations

import numpy as np
import pytest

from towerplan.coverage import _itm_kernels as ik
from towerplan.coverage._itm_radial import itm_radial_loss
from towerplan.demo.profiles import rugged_profile


@pytest.mark.parametrize(("seed", "relief", "n", "h_tx"), [(0, 300.0, 400, 30.0), (1, 30.0, 250, 10.0),
                                                            (2, 800.0, 600, 60.0), (3, 0.0, 120, 20.0)])
def test_pruned_radial_equals_p2p_radial(seed: int, relief: float, n: int, h_tx: float) -> None:
    rng = np.random.default_rng(seed)
    z = 100.0 + np.cumsum(rng.standard_normal(n)) * relief / 10.0 + rng.uniform(0, relief / 5.0, n)
    z = np.maximum(z, 0.0)
    z[: n // 10] += relief  # a hill at the site
    args = (h_tx, 1.5, 2, 360.0, 1800.0, 1, 15.0, 0.005, 12, 50.0, 50.0, 50.0)
    ref = ik.p2p_radial(z, 90.0, *args, 3)[:, 0]
    out = np.full(n, np.nan)
    itm_radial_loss(z, 90.0, *args, 3, out)
    assert np.array_equal(out[3:], ref[3:], equal_nan=True)
    assert np.isfinite(out[3:]).all()


def test_bad_inputs_give_nan() -> None:
    out = np.zeros(10)
    itm_radial_loss(np.linspace(0, 10, 10), 90.0, 30.0, 1.5, 9, 360.0, 1800.0, 1, 15.0, 0.005, 12, 50.0, 50.0,
                    50.0, 1, out)
    assert np.isnan(out[1:]).all()
    z = np.linspace(0, 10, 10)
    z[5] = np.nan
    out[:] = 0.0
    itm_radial_loss(z, 90.0, 30.0, 1.5, 2, 360.0, 1800.0, 1, 15.0, 0.005, 12, 50.0, 50.0, 50.0, 1, out)
    assert np.isfinite(out[1:5]).all()
    assert np.isnan(out[5:]).all()


def test_interpolated_delta_h_stays_close_to_exact_itm_on_rugged_terrain() -> None:
    """The raster's Delta h anchors (every 4th sample, then every i/32-th) against exact ITM at every sample."""
    step_m, n = 30.0, 1000
    args = (30.0, 1.5, 1, 360.0, 1800.0, 1, 15.0, 0.005, 1, 50.0, 50.0, 50.0)
    errors = []
    for seed in range(8):
        z = rugged_profile(seed, n, step_m)
        assert z.max() - z.min() == pytest.approx(1500.0)
        exact = np.full(n, np.nan)
        itm_radial_loss(z, step_m, *args, 1, exact, 1)
        fast = np.full(n, np.nan)
        itm_radial_loss(z, step_m, *args, 1, fast, 4)  # the engine's default
        fixed = np.full(n, np.nan)
        itm_radial_loss(z, step_m, *args, 1, fixed, 4, 0)  # every 4th sample only
        assert np.isfinite(exact[1:]).all()
        assert np.array_equal(np.isnan(fast), np.isnan(exact))
        errors.append(np.abs(fast - exact)[10:])
        assert not np.array_equal(fast, fixed)  # the spacing does grow with distance
    e = np.concatenate(errors)
    assert np.median(e) < 0.03
    assert np.percentile(e, 98) < 0.25
    assert np.percentile(e, 99.9) < 1.0
    assert e.max() < 3.0


@pytest.mark.parametrize(("pol", "climate", "mdvar", "quantiles"), [
    (1, 5, 12, (50.0, 50.0, 50.0)), (0, 1, 0, (90.0, 10.0, 70.0)), (1, 7, 1, (10.0, 90.0, 50.0)),
    (0, 3, 2, (95.0, 50.0, 20.0)), (1, 4, 3, (50.0, 95.0, 50.0)), (1, 6, 23, (99.0, 1.0, 50.0))])
def test_radial_terms_computed_once_give_itm_to_the_bit(pol: int, climate: int, mdvar: int,
                                                       quantiles: tuple[float, float, float]) -> None:
    """:mod:`._itm_line` (the radial's path-independent terms once, no troposcatter line short of d_x)
    against ITM's own functions in every propagation mode, polarisation and variability option."""
    step_m, n = 100.0, 1500  # 150 km: line of sight, diffraction and troposcatter along one radial
    z = rugged_profile(5, n, step_m) * 0.2
    args = (30.0, 1.5, climate, 320.0, 900.0, pol, 15.0, 0.005, mdvar, *quantiles)
    ref = ik.p2p_radial(z, step_m, *args, 1)
    out = np.full(n, np.nan)
    itm_radial_loss(z, step_m, *args, 1, out)
    assert np.array_equal(out[1:], ref[1:, 0], equal_nan=True)
    assert np.isfinite(out[1:]).all()
    assert set(ref[1:, 3].astype(int)) == {1, 2, 3}  # every mode: line of sight, diffraction, troposcatter
