"""Round w17: ``_fill_zones.prev_clutter_read`` walks each radial from its first non-NaN sample to ``read_end``
without a test per sample. Every sample the zone fill may read (not NaN, within ``read_end``) has the whole table's
receiver clutter (``prev_clutter``); the radial's NaN before its first sample stays NaN; the NaN samples within the
range get the clutter too (never read: the zone means skip NaN samples, ``tests/test_cell_pass_shortcuts.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

from towerplan.coverage._fill_zones import prev_clutter, prev_clutter_read, read_end
from towerplan.coverage.plan import radial_layout


@pytest.mark.parametrize(("seed", "from_i", "cut_m"), [(0, 1, 2400.0), (1, 30, 1905.0), (2, 30, 1230.0),
                                                        (3, 1, 300.0)])
def test_every_read_sample_has_the_whole_tables_clutter(seed: int, from_i: int, cut_m: float) -> None:
    rng = np.random.default_rng(700 + seed)
    res = step = 30.0
    radius = 2400.0
    n0, _, first, count = radial_layout(radius, step, spacing=6.0)
    n_samp = int(count.max())
    i = np.arange(n_samp)[None, :]
    table = rng.normal(120.0, 5.0, (n0, n_samp)).astype(np.float32)
    lead = np.maximum(first, from_i)[:, None] + rng.integers(0, 3, (n0, 1))  # NaN prefixes of several lengths
    table[i < lead] = np.nan
    table[i >= count[:, None]] = np.nan
    table[rng.random((n0, n_samp)) < 0.1] = np.nan  # holes, some at a radial's first sample
    heights = np.array([0.0, 8.0, 8.2, 15.0, 20.0], np.float32)
    n = int(2 * radius / res) + 8
    code = rng.integers(0, 5, (n, n)).astype(np.uint8)
    clut_h = heights[code.astype(np.int64)]
    args = (step, n / 2 - 0.2, n / 2 + 0.3, 0, 0, res, res, clut_h, code, from_i)
    n_read = read_end(cut_m, step, n_samp)
    full = prev_clutter(n0, n_samp, *args)
    got = prev_clutter_read(table, n_read, *args)
    read = ~np.isnan(table) & (i < n_read) & (i >= max(from_i, 1))
    assert read.sum() > 100
    assert np.array_equal(got[read], full[read])  # every sample the fill may read
    assert not np.isnan(full[read]).any()
    finite = ~np.isnan(table)
    first_read = np.where(finite.any(axis=1), np.argmax(finite, axis=1), n_samp)
    before = i < np.maximum(first_read, max(from_i, 1))[:, None]
    assert np.isnan(got[before]).all()  # nothing before a radial's first sample
    assert np.isnan(got[:, n_read:]).all()  # nor beyond the fill's reads
    inner = np.isnan(table) & ~before & (i < n_read)
    assert inner.sum() > 10
    assert np.array_equal(got[inner], full[inner])  # holes within the range: computed (never read)
