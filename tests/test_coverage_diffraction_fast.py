"""The pruned Deygout gives exactly the losses of ``_diffraction_kernels.deygout``."""

from __future__ import annotations

import numpy as np
import pytest

from towerplan.coverage._diffraction_fast import block_max, deygout_pruned
from towerplan.coverage._diffraction_kernels import deygout


@pytest.mark.parametrize("edges", [1, 2, 3])
@pytest.mark.parametrize("seed", range(4))
def test_pruned_deygout_equals_deygout(seed: int, edges: int) -> None:
    rng = np.random.default_rng(seed)
    n = 700
    relief = (0.0, 20.0, 200.0, 800.0)[seed]
    z = 50.0 + np.cumsum(rng.standard_normal(n)) * relief / 10.0 + rng.uniform(0, 1 + relief / 5.0, n)
    step = 30.0 + 30.0 * seed
    d = np.arange(n) * step
    bmax = block_max(z, n)
    lam, ae = 299.792458 / 1800.0, 4.0 / 3.0 * 6_371_000.0
    for i in range(2, n, 7):
        for h_tx in (10.0, 60.0):
            hts, hrs = z[0] + h_tx, z[i] + 1.5
            for corr in (False, True):
                want = deygout(d[: i + 1], z[: i + 1], hts, hrs, lam, ae, edges, corr)
                got = deygout_pruned(d[: i + 1], z[: i + 1], bmax, hts, hrs, lam, ae, edges, corr)
                assert got == want, (i, h_tx, corr)


def test_flat_ties_pick_the_same_edge() -> None:
    z = np.zeros(100)
    d = np.arange(100) * 30.0
    bmax = block_max(z, 100)
    for i in range(2, 100):
        assert deygout_pruned(d[: i + 1], z[: i + 1], bmax, 1.0, 1.0, 0.1666, 1e12, 3, False) == deygout(
            d[: i + 1], z[: i + 1], 1.0, 1.0, 0.1666, 1e12, 3, False)
