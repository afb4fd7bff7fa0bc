"""The P.1812 sweep's round-w20 shortcuts (the coverage matrix; no value changes).

* :func:`~towerplan.coverage._sweep_p1812.shared_site_tables` keeps the last sites'
  :func:`~towerplan.coverage._p1812_reach.site_tables` by their arguments, and
  :func:`~towerplan.coverage._kernels.radial_losses` hands them to the sweep (the matrix's candidates share one radio
  and mast height). Checked: the kept tables are the function's for every argument that changes them, and the
  sweep's table is the same float for float with the tables given, computed in the kernel, or of the wrong length
  (then recomputed), and the kernel reads the tables it is given.
* the prefetch hints of :func:`~towerplan.coverage._sweep_p1812._sample_radial` are placed from factors
  (:func:`~towerplan.coverage._sweep_p1812.prefetch_factors`) at the sample's position to rounding.

(``mark_needed``'s masked rows without the minima table: ``tests/test_p1812_limits.py``, its masked reference case.)
Cost: the kernels the matrix and the engine compile anyway, one tiny one (about a second of calls).
"""

from __future__ import annotations

import numpy as np
import pytest
from test_p1812_limits import _site

from towerplan.coverage import _kernels as kern
from towerplan.coverage import _sweep_p1812 as sw
from towerplan.coverage._p1812_reach import site_tables


def _fpar(f_mhz=1842.5, htx=30.0, hrx=1.5, dn=50.0, time_pct=50.0):
    fpar = np.zeros(kern.N_FPAR)
    fpar[kern.F_FREQ], fpar[kern.F_HTX], fpar[kern.F_HRX], fpar[kern.F_DN] = f_mhz, htx, hrx, dn
    fpar[kern.F_TIME] = time_pct
    return fpar


def _fresh(n_all, step_m, fpar):
    return site_tables(n_all, step_m, fpar[kern.F_FREQ] / 1000.0, fpar[kern.F_HTX], fpar[kern.F_HRX],
                       fpar[kern.F_DN], fpar[kern.F_TIME] < 50.0)


def test_the_kept_site_tables_are_the_functions_for_each_argument() -> None:
    sw._SITE_TABLES.clear()
    base = _fpar()
    first = sw.shared_site_tables(120, 90.0, base)
    assert sw.shared_site_tables(120, 90.0, base.copy()) is first  # kept
    assert np.array_equal(first, _fresh(120, 90.0, base), equal_nan=True)
    # each argument the tables depend on gives other tables, never the kept ones
    variants = [(121, 90.0, base), (120, 30.0, base), (120, 90.0, _fpar(f_mhz=900.0)), (120, 90.0, _fpar(htx=45.0)),
                (120, 90.0, _fpar(hrx=10.0)), (120, 90.0, _fpar(dn=40.0)), (120, 90.0, _fpar(time_pct=10.0))]
    for n_all, step_m, fpar in variants:
        got = sw.shared_site_tables(n_all, step_m, fpar)
        ref = _fresh(n_all, step_m, fpar)
        assert np.array_equal(got, ref, equal_nan=True)
        assert got.shape != first.shape or not np.array_equal(got, first, equal_nan=True)
    assert len(sw._SITE_TABLES) <= sw._SITE_TABLES_KEPT
    for k in range(2 * sw._SITE_TABLES_KEPT):  # a bounded cache: the oldest go
        sw.shared_site_tables(40 + k, 90.0, base)
    assert len(sw._SITE_TABLES) == sw._SITE_TABLES_KEPT


@pytest.mark.parametrize("masked", [False, True])
def test_the_sweep_gives_the_same_table_with_the_tables_given_or_computed(masked) -> None:
    (dem, col_off, row_off, sc, sr, rx, ry, step, n0, lmax, radius_m, first, count, fpar, ipar, clut_h, clut_code,
     lneed, nmax, _, wanted) = _site(every=4)
    if masked:
        wanted = (np.random.default_rng(3).random((n0, nmax)) < 0.4).astype(np.uint8)
    args = (dem, col_off, row_off, sc, sr, rx, ry, step, n0, first, count, fpar, ipar, clut_h, clut_code, lneed, lmax,
            radius_m, wanted)
    sw._SITE_TABLES.clear()
    shared = kern.radial_losses(*args[:11], kern.MODEL_P1812, *args[11:])  # through the kept tables
    assert len(sw._SITE_TABLES) == 1
    flat = next(iter(sw._SITE_TABLES.values()))
    assert flat.shape == (14, nmax + 1)
    inside = sw.radial_losses_p1812(*args, np.zeros((0, 0)))  # computed by the kernel
    wrong = sw.radial_losses_p1812(*args, np.ascontiguousarray(flat[:, :-1]))  # wrong length: computed again
    fake = sw.radial_losses_p1812(*args, flat + 1.0)  # the kernel reads the tables it is given
    assert np.isfinite(shared).sum() > 100
    assert np.array_equal(shared, inside, equal_nan=True)
    assert np.array_equal(wrong, inside, equal_nan=True)
    assert not np.array_equal(fake, inside, equal_nan=True)


def test_the_prefetch_hints_lie_at_the_samples() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        n0 = int(rng.integers(8, 2000))
        j = int(rng.integers(0, n0))
        a = 2.0 * np.pi * j / n0
        sa, ca = np.sin(a), np.cos(a)
        site_col, site_row = rng.uniform(0.0, 4000.0, 2)
        col_off, row_off = (int(v) for v in rng.integers(0, 500, 2))
        res_x, res_y = rng.uniform(10.0, 100.0, 2)
        pc, pr, ux, uy = sw.prefetch_factors(site_col - col_off, site_row - row_off, sa, ca, res_x, res_y)
        for d in rng.uniform(0.0, 40000.0, 8):
            assert abs(pc + d * ux - (site_col + d * sa / res_x - col_off)) < 1e-9
            assert abs(pr - d * uy - (site_row - d * ca / res_y - row_off)) < 1e-9


def test_the_kept_tables_are_read_and_filled_under_their_lock(monkeypatch) -> None:
    """The engine's pipelined windows run sweeps on threads: the kept tables are read, filled and trimmed by one
    at a time (a lookup racing a trim could miss its key or see the dict change size)."""
    sw._SITE_TABLES.clear()
    held = []

    def probe(*key):
        held.append(sw._SITE_TABLES_LOCK.locked())
        return np.zeros((14, key[0]))

    monkeypatch.setattr(sw, "site_tables", probe)
    for k in range(sw._SITE_TABLES_KEPT + 2):
        sw.shared_site_tables(50 + k, 90.0, _fpar())
    assert len(held) == sw._SITE_TABLES_KEPT + 2
    assert all(held)
    assert not sw._SITE_TABLES_LOCK.locked()
    sw._SITE_TABLES.clear()
