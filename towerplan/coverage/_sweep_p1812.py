"""Radial sweep of ITU-R P.1812 (code 4), with its clutter profile and reach bound.

Loaded by :func:`towerplan.coverage._kernels.radial_kernel` only when a site uses P.1812,
with the P.1812 kernels (:mod:`._p1812_radial`, :mod:`._p1812_reach` and what they call).
Layout, coordinates and the returned table as :func:`towerplan.coverage._kernels.radial_losses`.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from numba import njit, prange

from towerplan.coverage._kernels import (
    CLUTTER_DEFAULT_CODE,
    CLUTTER_DEFAULT_H,
    F_APLB,
    F_DN,
    F_FREQ,
    F_HRX,
    F_HTX,
    F_LOC,
    F_N0,
    F_PHI,
    F_SIGL,
    F_TIME,
    I_P1812_EVERY,
    I_POL,
    SEA_LEVEL_M,
    terrain_at,
)
from towerplan.coverage._p1812_anchor import anchored_radial_loss
from towerplan.coverage._p1812_floor0 import BLOCK
from towerplan.coverage._p1812_radial import radial_site, sample_clutter, site_terms
from towerplan.coverage._p1812_reach import radial_bound, site_tables
from towerplan.coverage._prefetch import prefetch_nearest, prefetch_terrain
from towerplan.coverage._reach_need import fill_levels, floor_limits, mark_needed, sample_limits

#: the block and rest-of-radial floors compare with the site's largest limit (False, since round w13: with the
#: samples' own; a floor above a sample's full bound can then drop it from the mask, soundly: bench/README.md, w13)
_SITE_FLOORS = False
#: the needed samples a cheaper stage decided below the site's largest limit get the bound that limit gives (False:
#: the stage's lower value stays, and the anchor pass interpolates a wider gap there; bench/README.md, round w12)
_REFINE_READ = True
#: samples ahead whose raster cells :func:`_sample_radial` prefetches with land cover (16: the far tables' best of
#: 8 / 16 / 32, bench/README.md, w17-bound)
_PREFETCH_AHEAD = 16
#: rows of :func:`~._p1812_reach.site_tables`
_N_SITE_ROWS = 14
#: the site tables of the last P.1812 sites, by their arguments (:func:`shared_site_tables`), and how many are kept
_SITE_TABLES: dict[tuple[int, float, float, float, float, float, bool], np.ndarray] = {}
_SITE_TABLES_KEPT = 8
#: the engine's pipelined windows run sweeps on threads: one at a time reads or fills the kept tables
_SITE_TABLES_LOCK = threading.Lock()


def shared_site_tables(n_all: int, step_m: float, fpar: np.ndarray) -> np.ndarray:
    """The reach bound's :func:`~._p1812_reach.site_tables` of a site (``n_all`` samples of ``step_m``, its
    parameters ``fpar``): the arguments :func:`_reach_tables` would compute them from, the same function; kept for
    the next sites with the same arguments (the coverage matrix's candidates share one radio and mast height: a
    site's tables, O(``n_all``^2), were ~0.3 ms of a candidate's ~13 ms at 90 m and 30 km; ``bench/README.md``,
    round w20). Not to be written to."""
    key = (int(n_all), float(step_m), float(fpar[F_FREQ] / 1000.0), float(fpar[F_HTX]), float(fpar[F_HRX]),
           float(fpar[F_DN]), bool(fpar[F_TIME] < 50.0))
    with _SITE_TABLES_LOCK:
        flat = _SITE_TABLES.get(key)
        if flat is None:
            flat = site_tables(*key)
            while len(_SITE_TABLES) >= _SITE_TABLES_KEPT:
                del _SITE_TABLES[next(iter(_SITE_TABLES))]
            _SITE_TABLES[key] = flat
    return flat


@njit(cache=True)
def _sample_clutter_radial(col_off, row_off, site_col, site_row, res_x, res_y, dist, n, j, n0, clut_h, clut_code, z,
                           rclut, zone):
    """Clutter (nearest cell) of the first ``n`` samples of radial ``j``; ``z`` its terrain (sea zone test)."""
    a = 2.0 * math.pi * j / n0
    sa = math.sin(a)
    ca = math.cos(a)
    for i in range(n):
        d = dist[i]
        gc = site_col + d * sa / res_x
        gr = site_row - d * ca / res_y
        rh, code = sample_clutter(clut_h, clut_code, gc - col_off, gr - row_off, CLUTTER_DEFAULT_H,
                                  CLUTTER_DEFAULT_CODE)
        rclut[i] = rh
        zone[i] = 1 if (code == 1 and z[i] <= SEA_LEVEL_M) else 4


@njit(cache=True, inline="always")
def prefetch_factors(col0, row0, sa, ca, res_x, res_y):
    """(col0, row0, sa / res_x, ca / res_y): sample d of a radial lies at about (col0 + d ux, row0 - d uy) (the sample
    itself is read at ``col0 + d sa / res_x``: the same cell but where rounding differs), for the prefetch hints
    of :func:`_sample_radial` (round w20: two divisions a sample less)."""
    return col0, row0, sa / res_x, ca / res_y


@njit(cache=True)
def _sample_radial(dem, col_off, row_off, site_col, site_row, res_x, res_y, dist, n, j, n0, has_clutter, clut_h,
                   clut_code, z, rclut, zone):
    """Terrain (bilinear) and clutter (nearest cell) of the first ``n`` samples of radial ``j``.

    The values of :func:`~._kernels.sample_terrain` and :func:`_sample_clutter_radial` (the same operations), in one
    loop; with land cover (three rasters read a sample) it prefetches the cells of the sample
    :data:`_PREFETCH_AHEAD` samples on (:mod:`._prefetch`: a hint, no value changes; round w17: the demo's far
    tables' sampling ~-40 % CPU, memory-bound without it).
    """
    a = 2.0 * math.pi * j / n0
    sa = math.sin(a)
    ca = math.cos(a)
    ahead = _PREFETCH_AHEAD if has_clutter else 0
    # the prefetched cell from factors (no division a sample: a hint, its cell need not be the sample's to the bit)
    pc, pr, ux, uy = prefetch_factors(site_col - col_off, site_row - row_off, sa, ca, res_x, res_y)
    for i in range(n):
        if ahead > 0 and i + ahead < n:
            dk = dist[i + ahead]
            ck = pc + dk * ux
            rk = pr - dk * uy
            prefetch_terrain(dem, ck, rk)
            prefetch_nearest(clut_code, ck, rk)
            prefetch_nearest(clut_h, ck, rk)
        d = dist[i]
        gc = site_col + d * sa / res_x
        gr = site_row - d * ca / res_y
        z[i] = terrain_at(dem, gc, gr, col_off, row_off)
        if has_clutter:
            rh, code = sample_clutter(clut_h, clut_code, gc - col_off, gr - row_off, CLUTTER_DEFAULT_H,
                                      CLUTTER_DEFAULT_CODE)
            rclut[i] = rh
            zone[i] = 1 if (code == 1 and z[i] <= SEA_LEVEL_M) else 4


@njit(cache=True)
def _reach_needed(dem, col_off, row_off, site_col, site_row, res_x, res_y, step_m, n0, lmax, radius_m, first, count,
                  fpar, ipar, clut_h, clut_code, lneed, nmax, has_clutter, wanted):
    """Reach bound of a P.1812 site: the mask of radial samples to compute (:mod:`._p1812_reach`) and the
    bound of every sample (+inf where not evaluated; the anchored radial's floor, :mod:`._p1812_anchor`).

    ``wanted``: empty, or the samples the cells that matter read (the rest is never computed).
    """
    need, lbt, _, _, _ = _reach_profiles(dem, col_off, row_off, site_col, site_row, res_x, res_y, step_m, n0, lmax,
                                         radius_m, first, count, fpar, ipar, clut_h, clut_code, lneed, nmax,
                                         has_clutter, wanted)
    return need, lbt


@njit(cache=True)
def _reach_profiles(dem, col_off, row_off, site_col, site_row, res_x, res_y, step_m, n0, lmax, radius_m, first,
                    count, fpar, ipar, clut_h, clut_code, lneed, nmax, has_clutter, wanted):
    """:func:`_reach_tables` with the site tables computed here."""
    return _reach_tables(dem, col_off, row_off, site_col, site_row, res_x, res_y, step_m, n0, lmax, radius_m, first,
                         count, fpar, ipar, clut_h, clut_code, lneed, nmax, has_clutter, wanted, np.zeros((0, 0)))


@njit(cache=True)
def _reach_tables(dem, col_off, row_off, site_col, site_row, res_x, res_y, step_m, n0, lmax, radius_m, first,
                  count, fpar, ipar, clut_h, clut_code, lneed, nmax, has_clutter, wanted, flat):
    """:func:`_reach_needed`, and the profiles it sampled (terrain, and with land cover the clutter height and zone,
    by radial and sample; (0, 0) arrays without: every sample is open land, zone 4, no clutter height); the exact
    pass reads them instead of sampling the terrain again.

    Each sample's bound is compared, in the bound's cheaper stages and in its block and rest-of-radial floors, with
    the largest limit ``mark_needed`` compares it with (:func:`~._reach_need.sample_limits`), not the site's
    largest. A value above that limit makes every comparison that reads the sample come out "above"; the value is a
    lower bound of the exact loss (:mod:`._p1812_reach`), so the cells skipped are out of reach. The stages'
    values are at most the full bound, so they never change the mask; a floor can be above the full bound of a
    sample (it is built from the running quantities at its block's start and the heights ahead), and then the mask
    is smaller than the full bound's: the samples it leaves out are out of reach all the same (round w13,
    ``bench/README.md``). The bound and the profile are written straight into their rows of the tables.

    Two calls of one parallel pass (:func:`_bound_pass`: one call site of the bound, so its code is compiled and
    linked once): the first samples the profiles and bounds them with the per-sample limits; the second (the anchor
    pass reads the bound at needed samples) gives the needed samples a cheaper stage decided at or below the site's
    largest limit the value that limit gives.

    ``flat``: the site's :func:`~._p1812_reach.site_tables` for ``nmax + 1`` samples (:func:`shared_site_tables`),
    or any other shape: computed here.
    """
    lbt = np.full((n0, nmax + 1), np.inf)
    zt = np.empty((n0, nmax + 1))
    n_clut = n0 if has_clutter else 0
    rt = np.empty((n_clut, nmax + 1))
    zonet = np.empty((n_clut, nmax + 1), dtype=np.int64)
    masked = wanted.shape[0] > 0
    t_site = -math.inf
    for j in range(n0):
        t_site = max(t_site, lneed[j])
    t_floors = t_site if _SITE_FLOORS else math.nan  # the block / rest-of-radial floors' limits (NaN: per sample)
    # the anchor pass reads the bound at needed samples: those a cheaper stage decided below t_site get the value
    # the site's largest limit gives (the second call); with a wanted mask every wanted sample is exact
    refine = _REFINE_READ and not masked and ipar.shape[0] > I_P1812_EVERY and ipar[I_P1812_EVERY] > 1
    staged = np.zeros((n0 if refine else 0, nmax + 1), dtype=np.uint8)
    need = np.zeros((n0, nmax + 1), dtype=np.uint8)
    # the site's tables, once for both calls (given: the same function of the same arguments, computed once a process)
    if flat.shape[0] != _N_SITE_ROWS or flat.shape[1] != nmax + 1:
        flat = site_tables(nmax + 1, step_m, fpar[F_FREQ] / 1000.0, fpar[F_HTX], fpar[F_HRX], fpar[F_DN],
                           fpar[F_TIME] < 50.0)
    lv_at = fill_levels(nmax + 1, step_m, radius_m, lmax)
    # the flags as np.bool_, not literals: one signature of _bound_pass (and of the rest below) for both passes
    _bound_pass(np.bool_(False), dem, col_off, row_off, site_col, site_row, res_x, res_y, step_m, n0, first, count,
                fpar, ipar, clut_h, clut_code, lneed, has_clutter, wanted, t_floors, t_site, flat, lv_at, lbt, zt, rt,
                zonet, staged, need)
    mark_needed(lbt, lneed, n0, lmax, radius_m, step_m, first, count, need, wanted)
    if refine:
        _bound_pass(np.bool_(True), dem, col_off, row_off, site_col, site_row, res_x, res_y, step_m, n0, first,
                    count, fpar, ipar, clut_h, clut_code, lneed, has_clutter, wanted, t_floors, t_site, flat, lv_at,
                    lbt, zt, rt, zonet, staged, need)
    return need, lbt, zt, rt, zonet


@njit(cache=True, parallel=True, nogil=True)
def _bound_pass(again, dem, col_off, row_off, site_col, site_row, res_x, res_y, step_m, n0, first, count, fpar, ipar,
                clut_h, clut_code, lneed, has_clutter, wanted, t_floors, t_site, flat, lv_at, lbt, zt, rt, zonet,
                staged, need):
    """One pass of the reach bound over a site's radials (:func:`_reach_profiles`), radial j in chunk j % 64.

    ``flat``: :func:`~._p1812_reach.site_tables`, ``lv_at``: :func:`~._reach_need.fill_levels` (the site's,
    computed once for both calls). ``again`` False: sample each radial's profile into ``zt`` (``rt``, ``zonet``),
    bound it with the per-sample limits (``t_floors``: the floors' limit, NaN: per sample) into ``lbt``, and where
    ``staged`` has rows mark the samples a cheaper stage decided. ``again`` True: each radial with a needed sample
    that a cheaper stage decided at or below ``t_site`` is bounded again from the block of its first such sample to
    its last, with ``t_site`` as the limit there and -inf elsewhere, and only those samples' values are copied into
    ``lbt``: the values the site's largest limit gives (round w12). The second walk evaluates nothing before that
    block (its ``first``): the running quantities there are the same, and so is the bound of every sample from it
    on (before it every sample or block stops at stage 0 or a block floor, which leaves the order of the stages where
    it was; ``tests/test_p1812_limits.py``). Since round w14 it passes a fifth row of limits, so that
    :func:`~._p1812_reach.radial_bound` evaluates no sample and no block floor without target there (their -inf
    limit decides them anyway), only the rest-of-radial floors, and stops after the last target block.
    """
    f_ghz = fpar[F_FREQ] / 1000.0
    nmax = lbt.shape[1] - 1
    masked = wanted.shape[0] > 0
    marking = staged.shape[0] > 0
    n_chunks = min(n0, 64)
    for chunk in prange(n_chunks):
        dist = np.empty(nmax + 1)
        rclut = np.full(nmax + 1, CLUTTER_DEFAULT_H)
        zone = np.full(nmax + 1, 4, dtype=np.int64)
        lim = np.empty((5 if again else 4, nmax + 1))  # (a fifth row: the refining pass, :func:`radial_bound`)
        out = np.empty(nmax + 1)
        every = np.zeros(0, dtype=np.uint8)
        for i in range(nmax + 1):
            dist[i] = i * step_m
        for j in range(chunk, n0, n_chunks):
            n = count[j]
            want = every
            if masked:
                want = wanted[j]
                n = min(n, _last_set(want, n) + 1)
            if n < 2:
                continue
            fi = min(max(first[j], 1), n - 1)
            z = zt[j]
            if has_clutter:
                rclut = rt[j]
                zone = zonet[j]
            start = fi
            last = -1
            if again:
                lim[0, :fi] = -math.inf
                for i in range(fi, n):
                    if need[j, i] and staged[j, i] and -math.inf < lbt[j, i] <= t_site:
                        lim[0, i] = t_site
                        if last < 0:
                            start = max(fi, i - i % BLOCK)
                        last = i
                    else:
                        lim[0, i] = -math.inf
                if last < 0:
                    continue
                floor_limits(lim, n, math.nan, BLOCK)
                lb = out
            else:
                _sample_radial(dem, col_off, row_off, site_col, site_row, res_x, res_y, dist, n, j, n0, has_clutter,
                               clut_h, clut_code, z, rclut, zone)
                sample_limits(lneed, j, n0, lv_at, n, lim, t_floors, BLOCK)
                lb = lbt[j]
            radial_bound(z[:n], rclut[:n], zone[:n], step_m, f_ghz, fpar[F_TIME], fpar[F_HTX], fpar[F_HRX],
                         ipar[I_POL] == 1, fpar[F_PHI], fpar[F_DN], fpar[F_N0], fpar[F_LOC], fpar[F_SIGL],
                         fpar[F_APLB], flat, start, lb, want[:n] if masked else want, lim)
            if again:
                for i in range(start, last + 1):
                    if lim[0, i] == t_site:
                        lbt[j, i] = out[i]
                continue
            for i in range(min(fi, n)):  # the bound's -inf of the first samples: only from ``first`` on
                lb[i] = math.inf
            if marking:
                for i in range(fi, n):
                    staged[j, i] = lim[3, i] > 0.0


@njit(cache=True)
def _last_set(mask, n):
    """Index of the last nonzero entry of ``mask[:n]`` (-1: none)."""
    for i in range(min(n, len(mask)) - 1, -1, -1):
        if mask[i]:
            return i
    return -1


@njit(cache=True, parallel=True, nogil=True)
def radial_losses_p1812(dem, col_off, row_off, site_col, site_row, res_x, res_y, step_m, n0, first, count, fpar, ipar,
                        clut_h, clut_code, lneed, lmax, radius_m, wanted, flat):
    """Path loss (dB) along ``n0`` radials of a P.1812 site; +inf beyond what the reach bound needs.

    ``wanted`` (with ``lneed``; empty: every sample): the samples the cells that matter read
    (:func:`~towerplan.coverage._reach_need.mark_wanted`); the others are +inf. With ``lneed`` and no
    ``wanted``, ``ipar[I_P1812_EVERY]`` > 1 computes the exact loss only at anchor samples (from the
    first path of 5 points on; :mod:`._p1812_anchor`, the reach bound as the floor between them). ``flat``: the
    reach bound's site tables (:func:`shared_site_tables`; another shape: computed for the site).
    """
    has_clutter = clut_code.shape[0] > 0
    nmax = np.int64(0)  # not Literal[int](0): one signature of _reach_profiles
    for j in range(n0):
        nmax = max(nmax, count[j])
    bounded = lneed.shape[0] == n0
    need_all = np.zeros((0, 0), dtype=np.uint8)
    lbt = np.zeros((0, 0))
    zt = np.zeros((0, 0))
    rt = np.zeros((0, 0))
    zonet = np.zeros((0, 0), dtype=np.int64)
    # anchors (_p1812_anchor) only in plain runs: with a demand mask every wanted sample is exact
    every = ipar[I_P1812_EVERY] if ipar.shape[0] > I_P1812_EVERY and wanted.shape[0] == 0 else 1
    if bounded:
        need_all, lbt, zt, rt, zonet = _reach_tables(dem, col_off, row_off, site_col, site_row, res_x, res_y,
                                                     step_m, n0, lmax, radius_m, first, count, fpar, ipar, clut_h,
                                                     clut_code, lneed, nmax, has_clutter, wanted, flat)
    table = np.full((n0, max(int(nmax), 2)), np.nan, dtype=np.float32)
    # what every radial's exact paths share at each sample (_p1812_radial.site_terms), once a site
    st = site_terms(nmax + 1, step_m, fpar[F_FREQ] / 1000.0, fpar[F_TIME], fpar[F_PHI], fpar[F_LOC], fpar[F_SIGL])
    n_chunks = min(n0, 64)
    # radials are independent: chunks run in parallel (numba threads), each with its own
    # scratch arrays; radial j goes to chunk j % n_chunks, so costs balance across rings.
    # The result does not depend on the number of threads.
    for chunk in prange(n_chunks):
        z = np.empty(nmax + 1)
        dist = np.empty(nmax + 1)
        row = np.empty(nmax + 1)
        rclut = np.full(nmax + 1, CLUTTER_DEFAULT_H)
        zone = np.full(nmax + 1, 4, dtype=np.int64)
        no_mask = np.zeros(0, dtype=np.uint8)
        no_floor = np.zeros(0)
        site = radial_site(st, fpar[F_FREQ] / 1000.0, fpar[F_TIME], fpar[F_LOC], fpar[F_SIGL], ipar[I_POL] == 1)
        for i in range(nmax + 1):
            dist[i] = i * step_m
        for j in range(chunk, n0, n_chunks):
            n = count[j]
            if n < 2:
                continue
            fi = min(max(first[j], 1), n - 1)
            need = no_mask
            floor = no_floor
            if bounded:
                floor = lbt[j]
                need = need_all[j]
                last = -1
                for i in range(n - 1, fi - 1, -1):
                    if need[i]:
                        last = i
                        break
                # the profile beyond the last sample needed is never read: stop the radial there
                for i in range(max(last + 1, fi), n):
                    table[j, i] = np.inf
                n = last + 1
                if n <= fi:
                    continue
            zr = z
            rr = rclut
            zo = zone
            if bounded:  # the profile the bound pass sampled (the same samples, at least as far)
                zr = zt[j]
                if has_clutter:
                    rr = rt[j]
                    zo = zonet[j]
            else:
                _sample_radial(dem, col_off, row_off, site_col, site_row, res_x, res_y, dist, n, j, n0, has_clutter,
                               clut_h, clut_code, z, rclut, zone)
            for i in range(n):
                row[i] = math.nan
            # exact P.1812 at every needed sample (every = 1), or at anchors with the floor's gap between
            anchored_radial_loss(zr[:n], rr[:n], zo[:n], step_m, fpar[F_FREQ] / 1000.0, fpar[F_TIME], fpar[F_HTX],
                                 fpar[F_HRX], ipar[I_POL] == 1, fpar[F_PHI], fpar[F_DN], fpar[F_N0], fpar[F_LOC],
                                 fpar[F_SIGL], fi, row, need[:n] if bounded else need, floor[:n] if bounded else floor,
                                 every, site)
            for i in range(fi, n):
                table[j, i] = row[i]
    return table
