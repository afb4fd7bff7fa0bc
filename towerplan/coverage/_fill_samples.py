"""Which radial samples the fills read for a cell: its ring level, its two radials and two samples, their weights.

One definition for the fills (:func:`~._kernels.fill_window`, :func:`~._fill_zones.fill_window_zones`,
:func:`~._fill_run.fill_run_zones`) and for those that must know which samples a cell reads (the reach bound's
wanted samples, the refine mode's cell selection, the demand cells). :func:`fill_samples` is
:func:`fill_samples_az` of the cell's azimuth: the run fill computes the azimuth once per cell for all the
groups of a site's run, and the samples once per table layout (round w18).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from towerplan.coverage._atan_kernels import fast_atan2

__all__ = ["BLOCK_ROWS", "block_rows", "cell_azimuth", "fill_level", "fill_samples", "fill_samples_az", "ring_level"]


@njit(cache=True, inline="always")  # in the fills' per-cell loops
def ring_level(x, lmax):
    """``min(max(floor(log2(x)), 0), lmax)`` for ``x > 0``, bit for bit, mostly without ``log2``: compared with the
    powers of two ``2, 4, ...``; where ``x`` lies within 1e-12 (relative) of the power it stopped below or of the one
    before it, ``log2`` decides. Elsewhere ``log2(x)`` is at least 1.4e-12 from an integer, far more than the error of
    glibc's ``log2`` (< 1 ulp, ~2e-15 at 11), so its floor is the comparisons' count."""
    lvl = 0
    p = 2.0
    while lvl < lmax and x >= p:
        lvl += 1
        p *= 2.0
    if abs(x - p) <= 1e-12 * p or abs(x - 0.5 * p) <= 1e-12 * p:  # next to a power of two
        lvl = min(max(math.floor(math.log2(x)), 0), lmax)
    return lvl


@njit(cache=True, inline="always")  # in the fills' per-cell loops
def fill_level(d, radius_m, lmax):
    """The ring level the fill uses at distance ``d`` m from the site (``lmax`` at the site); one definition for the
    fill and for :func:`~._reach_need.mark_needed`, which must know which samples a cell reads."""
    return ring_level(radius_m / d, lmax) if d > 0.0 else lmax


@njit(cache=True, inline="always")  # in hot loops: no call per sample or cell
def cell_azimuth(dx, dy):
    """The azimuth (radians in [0, 2 pi], clockwise from grid north) of a cell at offset (``dx``, ``dy``) m from the
    site, as the fills read it: ``math.atan2`` within 1.3e-15 rad (:mod:`._atan_kernels`)."""
    az = fast_atan2(dx, dy)
    if az < 0.0:
        az += 2.0 * math.pi
    return az


@njit(cache=True, inline="always")  # in hot loops: no call per sample or cell
def fill_samples(dx, dy, d, n0, lmax, radius_m, step_m, n_samp):
    """The four radial samples :func:`~._kernels.fill_window` reads for a cell at offset (``dx``, ``dy``) m, distance
    ``d`` m, from the site: radials ``j0``, ``j1`` (the ring level's neighbours around the cell's azimuth),
    samples ``i0`` and ``i0 + 1``, and the weights ``wa`` (towards ``j1``) and ``wt`` (towards ``i0 + 1``):
    :func:`fill_samples_az` of :func:`cell_azimuth`.
    """
    return fill_samples_az(cell_azimuth(dx, dy), d, n0, lmax, radius_m, step_m, n_samp)


@njit(cache=True, inline="always")  # in hot loops: no call per sample or cell
def fill_samples_az(az, d, n0, lmax, radius_m, step_m, n_samp):
    """:func:`fill_samples` of a cell at azimuth ``az`` (:func:`cell_azimuth`), distance ``d`` m: it depends on the
    table's layout (``n0``, ``lmax``, ``radius_m``, ``step_m``, ``n_samp``) and on ``az`` and ``d`` only."""
    lvl = fill_level(d, radius_m, lmax)
    s = 1 << lvl
    nr = n0 >> lvl  # n0 // s (n0 > 0); no integer division in the per-cell loop
    u = az / (2.0 * math.pi) * nr
    k0 = math.floor(u)
    wa = u - k0
    if k0 >= nr:  # k0 % nr: 0 <= u <= nr, as az lies in [0, 2 pi]
        k0 -= nr
    k1 = k0 + 1
    if k1 >= nr:
        k1 -= nr
    t = d / step_m
    if t < 1.0:
        t = 1.0
    i0 = int(t)
    if i0 > n_samp - 2:
        i0 = n_samp - 2
    wt = min(t - i0, 1.0)
    return k0 * s, k1 * s, i0, wa, wt


#: rows of the window walked one after another by a chunk (then the chunk's next block, ``ROW_CHUNKS`` blocks on):
#: neighbouring rows read nearly the same table samples, so the second row finds them in cache. Rows interleaved one
#: by one (:data:`~._kernels.ROW_CHUNKS`) read them again from memory: 16-row blocks took 25-35 % less CPU in the zone
#: fills (bench/README.md, round w18); the rows still come from the whole window in every chunk (load balance).
BLOCK_ROWS = 16


@njit(cache=True, inline="always")
def block_rows(ch, n_ch, h):
    """The rows of chunk ``ch`` of ``n_ch`` in a window of ``h`` rows, in order: blocks ``ch``, ``ch + n_ch``, ... of
    :data:`BLOCK_ROWS` rows each."""
    n = 0
    for r0 in range(ch * BLOCK_ROWS, h, n_ch * BLOCK_ROWS):
        n += min(r0 + BLOCK_ROWS, h) - r0
    rows = np.empty(n, dtype=np.int64)
    k = 0
    for r0 in range(ch * BLOCK_ROWS, h, n_ch * BLOCK_ROWS):
        for r in range(r0, min(r0 + BLOCK_ROWS, h)):
            rows[k] = r
            k += 1
    return rows
