"""Numba kernels of the coverage engine: radial sweeps, window fill, best-server merge (the antenna gain:
:mod:`._gain_kernels`).

Plain ndarrays and numbers in, arrays out; no Grid, no pandas, no exceptions
(bad paths give NaN). :mod:`towerplan.coverage.engine` prepares the inputs and
documents the geometry. Coordinates:

* *global pixel coordinates* of the DEM: ``col = (x - left) / res_x - 0.5``,
  ``row = (top - y) / res_y - 0.5`` (cell centres at integers);
* every kernel receives the integer offset of the array it reads or writes, and
  subtracts it only at the end (an exact operation), so a site's values do not
  depend on which window or batch it was computed in: serial, process and Dask
  runs give bit-identical rasters.

Radial layout of one site (``n0 = base * 2**lmax`` radials, azimuth ``2 pi j / n0``
clockwise from grid north): radial ``j`` belongs to ring level
``L(j) = min(trailing_zeros(j), lmax)`` and is evaluated from distance
``R / 2**(L + 1)`` (from the site for ``L = lmax``) outwards; at distance ``d`` the
fill uses level ``floor(log2(R / d))``, whose radials are never further apart than
one sample step, and interpolates bilinearly between the two neighbouring radials
and the two neighbouring samples.

Model codes: 0 free space + single knife edge, 1 Okumura-Hata, 2 COST-231 Hata
(both + the terrain's diffraction beyond its smooth earth, :mod:`._hata_terrain`), 3 ITM point-to-point, 4 ITU-R P.1812
(:mod:`towerplan.coverage._p1812_radial`, with the clutter profile). Diffraction
codes: 0 none, 1 Deygout, 2 Bullington, 3 delta-Bullington.

The radial sweep of each model is its own module, imported by :func:`radial_kernel` on
first use, so a run loads (and numba compiles or reads from its cache) only the kernels
of the models it uses: :mod:`._sweep_hata` (codes 0-2), :mod:`._sweep_itm` (3, through
:func:`~towerplan.coverage._itm_radial.itm_radial_loss`, the results of
``_itm_kernels.p2p_radial`` with pruned horizon searches), :mod:`._sweep_p1812` (4). This
module imports no model's kernels.

Note: numba's ``cache=True`` keys each kernel on its own file only; after editing a
module a sweep calls (``_itm_*``, ``_p1812_*``, ``_diffraction_*``, ``_hata_terrain``, this
one), delete ``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import njit, prange, types
from numba.extending import overload

from towerplan.coverage._atan_kernels import fast_atan, fast_atan2
from towerplan.coverage._fill_samples import fill_level as fill_level  # re-exported: the fills' one definition
from towerplan.coverage._fill_samples import fill_samples
from towerplan.coverage._fill_samples import ring_level as ring_level  # re-exported
from towerplan.coverage._gain_kernels import sector_level_dbm
from towerplan.coverage._reach_spans import reach_spans, table_reach

MODEL_FSPL = 0
MODEL_HATA = 1
MODEL_COST231 = 2
MODEL_ITM = 3
MODEL_P1812 = 4

DIFF_NONE = 0
DIFF_DEYGOUT = 1
DIFF_BULLINGTON = 2
DIFF_DELTA_BULLINGTON = 3

# indices into the float parameter vector of radial_losses
F_HTX, F_HRX, F_FREQ, F_LAM, F_AE, F_N0, F_EPS, F_SIGMA, F_TIME, F_LOC, F_SIT, F_HATA_C, F_LMAX = range(13)
F_DN, F_PHI, F_SIGL = 13, 14, 15  # P.1812: refractivity lapse rate, latitude (deg), location sigma (dB)
F_APLB = 16  # P.1812 reach bound: floor of the ducting time term Ap (towerplan.coverage._p1812_reach)
N_FPAR = 17
#: clutter defaults (P.1812 open/rural) and the sea-zone ground limit; see towerplan.coverage.clutter
CLUTTER_DEFAULT_H = 0.0
CLUTTER_DEFAULT_CODE = 2
SEA_LEVEL_M = 1.0
#: chunks of the per-cell kernels' parallel loops; chunk ``ch`` takes rows (or radials) ``ch, ch + ROW_CHUNKS, ...``.
#: numba's OpenMP layer hands each thread a contiguous half of a ``prange``; with contiguous rows a window cut by the
#: study's edge (a site near it) gave one thread the rows near the site and the other the far ones. Interleaved,
#: both threads get rows from everywhere.
ROW_CHUNKS = 64
# indices into the integer parameter vector
I_CLIMATE, I_POL, I_MDVAR, I_DIFF, I_EDGES, I_DH_EVERY = range(6)
I_P1812_EVERY = 6  # P.1812: exact loss at every n-th sample far from the site (towerplan.coverage._p1812_anchor)
N_IPAR = 7


@njit(cache=True)
def bilinear(dem, colf, rowf):
    """Bilinear value of ``dem`` at fractional (col, row); clamped to the edge cells."""
    h, w = dem.shape
    if colf < 0.0:
        colf = 0.0
    elif colf > w - 1:
        colf = float(w - 1)
    if rowf < 0.0:
        rowf = 0.0
    elif rowf > h - 1:
        rowf = float(h - 1)
    c0 = int(colf)
    r0 = int(rowf)
    c1 = min(c0 + 1, w - 1)
    r1 = min(r0 + 1, h - 1)
    fc = colf - c0
    fr = rowf - r0
    top = dem[r0, c0] * (1.0 - fc) + dem[r0, c1] * fc
    bot = dem[r1, c0] * (1.0 - fc) + dem[r1, c1] * fc
    return top * (1.0 - fr) + bot * fr


#: layout of a source-terrain map (:mod:`towerplan.coverage.source_terrain`): the site's global
#: (col, row), the scales of (col, row) offsets into the unit square, the source window's (col, row)
#: offset in the tile, then the 10 cubic coefficients of the tile's column and the 10 of its row
#: (terms 1, u, v, u2, uv, v2, u3, u2v, uv2, v3); the window's offset is subtracted last (exact, as
#: the study DEM's), so a site's profiles do not depend on the batch's window
MAP_COEF = 6
N_MAP = MAP_COEF + 20


def terrain_at(terrain, gcol, grow, col_off, row_off):  # pragma: no cover - numba's overload below
    """Ground height at global pixel (``gcol``, ``grow``) of the study grid.

    ``terrain`` is either the study DEM window at (``row_off``, ``col_off``) (bilinear there) or a
    tuple (source window, map): the source tile's own lattice (bilinear in *its* pixels) at the
    point the per-site cubic map (:data:`N_MAP` floats) sends it to. One function for the radials
    (:func:`sample_terrain`) and the point-to-point cells (:mod:`._cell_select`); numba compiles
    a specialisation per kind of ``terrain``.
    """
    raise NotImplementedError


@njit(cache=True, inline="always")
def _map_cubic(p, k, u, v):
    uu = u * u
    vv = v * v
    return (p[k] + p[k + 1] * u + p[k + 2] * v + p[k + 3] * uu + p[k + 4] * u * v + p[k + 5] * vv
            + p[k + 6] * uu * u + p[k + 7] * uu * v + p[k + 8] * u * vv + p[k + 9] * vv * v)


@overload(terrain_at, inline="always")
def _terrain_at_impl(terrain, gcol, grow, col_off, row_off):
    if isinstance(terrain, types.Array):
        def on_study(terrain, gcol, grow, col_off, row_off):
            return bilinear(terrain, gcol - col_off, grow - row_off)

        return on_study
    if isinstance(terrain, types.BaseTuple):
        def on_source(terrain, gcol, grow, col_off, row_off):
            tile = terrain[0]
            p = terrain[1]
            u = (gcol - p[0]) * p[2]
            v = (grow - p[1]) * p[3]
            return bilinear(tile, _map_cubic(p, MAP_COEF, u, v) - p[4], _map_cubic(p, MAP_COEF + 10, u, v) - p[5])

        return on_source
    return None


@njit(cache=True)
def fspl(d_m, f_mhz):
    """Free-space loss (ITU-R P.525), dB."""
    return 32.45 + 20.0 * math.log10(f_mhz) + 20.0 * math.log10(d_m / 1000.0)


@njit(cache=True)
def sample_terrain(dem, col_off, row_off, site_col, site_row, res_x, res_y, dist, n, j, n0, z):
    """Terrain of the first ``n`` samples of radial ``j`` into ``z`` (:func:`terrain_at`: bilinear on the
    study DEM, or on the source tile)."""
    a = 2.0 * math.pi * j / n0
    sa = math.sin(a)
    ca = math.cos(a)
    for i in range(n):
        d = dist[i]
        gc = site_col + d * sa / res_x
        gr = site_row - d * ca / res_y
        z[i] = terrain_at(dem, gc, gr, col_off, row_off)


def radial_kernel(model: int) -> Any:
    """The numba radial sweep of ``model``; imports (and compiles or loads from cache) that model's kernels only.

    Each model's sweep is its own module, so a run loads only the kernels of the models it
    uses: :mod:`._sweep_hata` (free space, Hata, COST-231 with Deygout / Bullington),
    :mod:`._sweep_itm` (ITM), :mod:`._sweep_p1812` (P.1812 with its reach bound).
    """
    if model == MODEL_ITM:
        from towerplan.coverage._sweep_itm import radial_losses_itm

        return radial_losses_itm
    if model == MODEL_P1812:
        from towerplan.coverage._sweep_p1812 import radial_losses_p1812

        return radial_losses_p1812
    from towerplan.coverage._sweep_hata import radial_losses_hata

    return radial_losses_hata


_NO_SITE_TABLES = np.zeros((0, 0))


def radial_losses(dem: np.ndarray, col_off: int, row_off: int, site_col: float, site_row: float, res_x: float,
                  res_y: float, step_m: float, n0: int, first: np.ndarray, count: np.ndarray, model: int,
                  fpar: np.ndarray, ipar: np.ndarray, clut_h: np.ndarray, clut_code: np.ndarray, lneed: np.ndarray,
                  lmax: int, radius_m: float, wanted: np.ndarray | None = None) -> np.ndarray:
    """Path loss along ``n0`` radials from a site: array (n0, max(count)) float32, NaN where not computed.

    ``dem`` is a window of the (gap-filled) DEM whose cell (0, 0) is global cell
    (row_off, col_off); ``site_col`` / ``site_row`` are the site's global fractional
    pixel coordinates. Radial ``j`` has samples ``i = 0 .. count[j] - 1`` at distance
    ``i * step_m`` and is evaluated for ``i >= first[j]``. ``clut_h`` / ``clut_code``
    (P.1812 only) are the clutter height and code windows aligned with ``dem`` (an
    empty code array: no land cover, every sample open/rural), sampled at the nearest cell.
    ``lneed`` (P.1812, Hata / COST-231; empty: no bound): per radial, the largest loss that can matter
    (:func:`~towerplan.coverage._reach_need.mark_needed`); samples the reach bound (:mod:`._p1812_reach`,
    :mod:`._hata_reach`) shows beyond it are +inf. ``lmax`` and ``radius_m`` are those of :func:`fill_window`.
    ``wanted`` (P.1812 with ``lneed``; None or empty: every sample): the samples the cells that matter read
    (:func:`~towerplan.coverage._reach_need.mark_wanted`); the others are +inf.
    Runs the sweep of :func:`radial_kernel` (P.1812 with ``lneed``: with the reach bound's site tables kept for the
    next sites that share them, :func:`~towerplan.coverage._sweep_p1812.shared_site_tables`).
    """
    sweep = radial_kernel(model)
    args = (dem, col_off, row_off, site_col, site_row, res_x, res_y, step_m, n0, first, count)
    if model == MODEL_ITM:
        return sweep(*args, fpar, ipar)
    if model == MODEL_P1812:
        from towerplan.coverage._sweep_p1812 import shared_site_tables  # loaded with the sweep

        if wanted is None:
            wanted = np.zeros((0, 0), dtype=np.uint8)
        bounded = len(lneed) == n0 and n0 > 0  # the reach bound's site tables, shared by sites with the same
        flat = shared_site_tables(int(count.max()) + 1, step_m, fpar) if bounded else _NO_SITE_TABLES
        return sweep(*args, fpar, ipar, clut_h, clut_code, lneed, lmax, radius_m, wanted, flat)
    return sweep(*args, model, fpar, ipar, lneed, lmax, radius_m)


@njit(cache=True, parallel=True, nogil=True)
def fill_window(table, n0, lmax, radius_m, step_m, site_x, site_y, left, top, res_x, res_y, r_lo, c_lo, out,
                max_loss_db, cut_m, mask):
    """Interpolate the radial table onto the cells of a window (float32 ``out``).

    ``out[r, c]`` is global cell (r_lo + r, c_lo + c); ``left`` / ``top`` the DEM's outer
    edges. NaN outside ``radius_m`` and where the loss exceeds ``max_loss_db`` (out of
    reach of every sector of the site; samples there may skip the diffraction term), and beyond
    ``cut_m`` (<= ``radius_m``: where the table holds no finite sample any more). ``mask``: empty (every cell), or
    a uint8 array shaped like ``out``: cells where it is 0 are NaN (not wanted by the caller; the others get the same
    value as without the mask). Without a mask only each row's span that can hold a cell within reach
    (:mod:`._reach_spans`) is interpolated. Each row in two passes, :func:`fill_cell`'s operations: every cell's
    samples (:func:`fill_samples`) into row buffers, then their means; one pass per cell was a dependency chain
    too long for the processor to overlap cells (bench/README.md, round w13: -34 to -38 % CPU).
    """
    h, w = out.shape
    n_samp = table.shape[1]
    masked = mask.shape[0] > 0
    if masked:  # the mask already leaves out the cells the caller does not want (every row whole)
        spans = np.zeros((h, 2), dtype=np.int64)
        spans[:, 1] = w
    else:  # only the row spans that can be within reach (_reach_spans), NaN on the rest as the cells would be
        spans = reach_spans((table_reach(table, lmax, radius_m, step_m, cut_m, max_loss_db),), site_x, site_y, left,
                            top, res_x, res_y, r_lo, c_lo, h, w)
    n_ch = min(h, ROW_CHUNKS)
    for ch in prange(n_ch):  # rows interleaved over the chunks (ROW_CHUNKS)
        j0, j1, i0 = np.empty(w, np.int64), np.empty(w, np.int64), np.empty(w, np.int64)  # the row's samples
        wa, wt = np.empty(w), np.empty(w)
        for r in range(ch, h, n_ch):
            y = top - (r_lo + r + 0.5) * res_y
            dy = y - site_y
            c_a = spans[r, 0]
            c_b = spans[r, 1]
            out[r, :c_a] = math.nan  # the fill's NaN beyond the span
            out[r, c_b:] = math.nan
            for c in range(c_a, c_b):  # the samples
                i0[c] = -1  # -1: NaN (masked, beyond the cut)
                if masked and mask[r, c] == 0:
                    continue
                dx = left + (c_lo + c + 0.5) * res_x - site_x
                d = math.sqrt(dx * dx + dy * dy)
                if d <= cut_m:
                    j0[c], j1[c], i0[c], wa[c], wt[c] = fill_samples(dx, dy, d, n0, lmax, radius_m, step_m, n_samp)
            for c in range(c_a, c_b):  # their means
                out[r, c] = math.nan if i0[c] < 0 else sample_mean(table, j0[c], j1[c], i0[c], wa[c], wt[c],
                                                                   max_loss_db)


@njit(cache=True, inline="always")  # in the fill's per-cell loop
def fill_cell(table, dx, dy, d, n0, lmax, radius_m, step_m, n_samp, max_loss_db):
    """The loss :func:`fill_window` gives a cell at offset (``dx``, ``dy``), distance ``d`` (within the fill's
    cut): the weighted mean of its four samples (:func:`fill_samples`) that are not NaN; NaN above
    ``max_loss_db``. One definition for the window's fill and the demand cells' (:mod:`._cell_levels`)."""
    j0, j1, i0, wa, wt = fill_samples(dx, dy, d, n0, lmax, radius_m, step_m, n_samp)
    return sample_mean(table, j0, j1, i0, wa, wt, max_loss_db)


@njit(cache=True, inline="always")  # in the fill's per-cell loops
def sample_mean(table, j0, j1, i0, wa, wt, max_loss_db):
    """:func:`fill_cell`'s value from its samples (:func:`fill_samples`): their weighted mean, NaN ones left out."""
    acc = 0.0
    wsum = 0.0
    v = table[j0, i0]
    wgt = (1.0 - wa) * (1.0 - wt)
    if wgt > 0.0 and not math.isnan(v):
        acc += wgt * v
        wsum += wgt
    v = table[j0, i0 + 1]
    wgt = (1.0 - wa) * wt
    if wgt > 0.0 and not math.isnan(v):
        acc += wgt * v
        wsum += wgt
    v = table[j1, i0]
    wgt = wa * (1.0 - wt)
    if wgt > 0.0 and not math.isnan(v):
        acc += wgt * v
        wsum += wgt
    v = table[j1, i0 + 1]
    wgt = wa * wt
    if wgt > 0.0 and not math.isnan(v):
        acc += wgt * v
        wsum += wgt
    val = acc / wsum if wsum > 0.0 else math.nan
    return val if val <= max_loss_db else math.nan


@njit(cache=True)
def _better(l1, i1, l2, i2):
    return l1 > l2 or (l1 == l2 and i1 < i2)


@njit(cache=True)
def _insert(best, best_idx, second, second_idx, r, c, level, idx):
    b = best[r, c]
    bi = best_idx[r, c]
    if bi < 0 or _better(level, idx, b, bi):
        second[r, c] = b
        second_idx[r, c] = bi
        best[r, c] = level
        best_idx[r, c] = idx
    else:
        si = second_idx[r, c]
        if si < 0 or _better(level, idx, second[r, c], si):
            second[r, c] = level
            second_idx[r, c] = idx


@njit(cache=True, inline="always")
def take_level(best, best_idx, second, second_idx, count, op_best, tech_best, r, c, level, idx, op, tech):
    """A serving level (at or above the threshold) of sector ``idx`` into cell (r, c)'s accumulators: the top two
    (:func:`_insert`), the count, its operator's and its technology's best."""
    _insert(best, best_idx, second, second_idx, r, c, level, idx)
    count[r, c] += 1
    if level > op_best[op, r, c]:
        op_best[op, r, c] = level
    if level > tech_best[tech, r, c]:
        tech_best[tech, r, c] = level


@njit(cache=True, parallel=True, nogil=True)
def site_geometry(loss, ground, r_lo, c_lo, site_x, site_y, left, top, res_x, res_y, z_tx, h_rx, ae, theta, bearing):
    """Angles from the antenna to every cell of a site's window (degrees), shared by its sectors. ``theta``:
    elevation below the horizon from the antenna (``z_tx`` m above sea level) to the receiver (ground + ``h_rx``),
    including the effective earth's drop ``d^2 / (2 ae)``; ``bearing``: azimuth clockwise from grid north. Cells
    with NaN loss are skipped."""
    h, w = loss.shape
    n_ch = min(h, ROW_CHUNKS)
    for ch in prange(n_ch):  # rows interleaved over the chunks (ROW_CHUNKS)
        for r in range(ch, h, n_ch):
            y = top - (r_lo + r + 0.5) * res_y
            dy = y - site_y
            for c in range(w):
                if math.isnan(loss[r, c]):
                    continue
                x = left + (c_lo + c + 0.5) * res_x
                theta[r, c], bearing[r, c] = cell_angles(x - site_x, dy, ground[r, c], z_tx, h_rx, ae)


@njit(cache=True, inline="always")  # in per-cell loops
def cell_angles(dx, dy, ground, z_tx, h_rx, ae):
    """(theta, bearing) of :func:`site_geometry` for a cell at offset (``dx``, ``dy``) m on ``ground`` m.

    One definition for the window's geometry and the demand cells' (:mod:`._cell_levels`)."""
    d = max(math.sqrt(dx * dx + dy * dy), 0.01)
    return (math.degrees(fast_atan((z_tx - ground - h_rx) / d + d / (2.0 * ae))),
            math.degrees(fast_atan2(dx, dy)))  # math.atan / math.atan2 within 1.3e-15 rad (._atan_kernels)


@njit(cache=True, parallel=True, nogil=True)
def accumulate_sector(loss, theta, bearing, r_lo, c_lo, p_r0, p_c0, azimuth_deg, omni, h_bw, v_bw, e_tilt, m_tilt,
                      fb_db, sla_db, tabulated, tables, base_dbm, threshold_dbm, idx, op, tech, best, best_idx, second,
                      second_idx, count, op_best, tech_best):
    """Add one sector to the accumulators of a partial result (in place). ``loss`` / ``theta`` / ``bearing`` (from
    :func:`site_geometry`) cover global cells from (r_lo, c_lo); the accumulators start at global (p_r0, p_c0).
    Level = ``base_dbm + gain - loss``; cells below ``threshold_dbm`` are ignored. ``tabulated``: the gain comes
    from a pattern file's cuts ``tables`` (:func:`tabulated_gain_db`, ``e_tilt`` the extra electrical tilt,
    ``fb_db`` the largest loss), else the parametric pattern."""
    h, w = loss.shape
    n_ch = min(h, ROW_CHUNKS)
    for ch in prange(n_ch):  # rows interleaved over the chunks (ROW_CHUNKS)
        for r in range(ch, h, n_ch):  # rows write disjoint cells
            pr = r_lo + r - p_r0
            for c in range(w):
                lo = loss[r, c]
                if not base_dbm - lo >= threshold_dbm:  # NaN, or out of reach even at boresight
                    continue
                phi = 0.0
                if not omni:
                    phi = bearing[r, c] - azimuth_deg
                level = sector_level_dbm(lo, phi, theta[r, c], omni, h_bw, v_bw, e_tilt, m_tilt, fb_db, sla_db,
                                         tabulated, tables, base_dbm)
                if not level >= threshold_dbm:
                    continue
                take_level(best, best_idx, second, second_idx, count, op_best, tech_best, pr, c_lo + c - p_c0, level,
                           idx, op, tech)


@njit(cache=True, parallel=True, nogil=True)
def merge_partial(p_r0, p_c0, best, best_idx, second, second_idx, count, op_best, tech_best, loss,
                  P_best, P_best_idx, P_second, P_second_idx, P_count, P_op_best, P_tech_best, P_loss):
    """Merge a partial result (upper case, at global (p_r0, p_c0)) into full-extent accumulators, in place.

    Order-independent: top-2 by (level desc, station index asc), counts add, maxima
    and the minimum loss are exact, so any merge order gives the same rasters.
    """
    h, w = P_best.shape
    n_op = P_op_best.shape[0]
    n_tech = P_tech_best.shape[0]
    for r in prange(h):  # rows write disjoint cells
        R = p_r0 + r
        for c in range(w):
            C = p_c0 + c
            bi = P_best_idx[r, c]
            if bi >= 0:
                _insert(best, best_idx, second, second_idx, R, C, P_best[r, c], bi)
                si = P_second_idx[r, c]
                if si >= 0:
                    _insert(best, best_idx, second, second_idx, R, C, P_second[r, c], si)
                count[R, C] += P_count[r, c]
                for k in range(n_op):
                    if P_op_best[k, r, c] > op_best[k, R, C]:
                        op_best[k, R, C] = P_op_best[k, r, c]
                for k in range(n_tech):
                    if P_tech_best[k, r, c] > tech_best[k, R, C]:
                        tech_best[k, R, C] = P_tech_best[k, r, c]
            pl = P_loss[r, c]
            if pl < loss[R, C]:
                loss[R, C] = pl


@njit(cache=True, parallel=True, nogil=True)
def min_into(acc, r0, c0, values):
    """``acc[r0:, c0:] = fmin(acc, values)`` over the shape of ``values`` (NaN ignored)."""
    h, w = values.shape
    for r in prange(h):  # rows write disjoint cells
        for c in range(w):
            v = values[r, c]
            if v < acc[r0 + r, c0 + c]:
                acc[r0 + r, c0 + c] = v
