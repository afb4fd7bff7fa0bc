"""A lower bound of the P.1812-7 loss along a radial, cheap enough to decide which samples to compute.

The exact loss of a radial sample costs a pass over its path; this bound costs O(1)
per sample (running sums and maxima along the radial, one spherical-earth term),
so the engine computes the exact loss only where the bound says the sample can
matter (:func:`towerplan.coverage._kernels.radial_losses`). The bound follows the
structure of the Recommendation (section and equation numbers of P.1812-7; the
kernels are :mod:`towerplan.coverage._p1812_kernels`):

* eq. 69 ``Lb = max(Lb0p, Lbc + Lloc)``; eq. 63's ``Lbc`` rises with both ``Lbs`` and
  ``Lbam``, so it is bounded by its value at their bounds;
* eqs 60-62: ``Lminbap`` (a log-sum-exp), ``Lbda`` and ``Lbam`` rise with each of their
  inputs (the weights ``Fk``, from the distance, and ``Fj``, from the angular distance
  theta, are exact: theta uses the direct-path angles in line of sight and otherwise
  the transmitter horizon (a running maximum) and the receiver horizon (the largest slope
  to the receiver on an upper hull of the profile)), so each is bounded by its value at
  the bounds of its inputs; eq. 59 ``Lminb0p`` is ``Lb0p + (1 - omega) Ldp`` or lies
  between ``Lbd50`` and ``Lb0b + (1 - omega) Ldp`` (``Fi`` in [0, 1]);
* eq. 10 ``Lb0p = Lbfs + Kes log10(p / 50)`` with ``0 <= Kes < 2.6`` (the only term of
  the line-of-sight model below free space: <= 4.4 dB of focusing at 1 % time), and
  ``Lb0b`` likewise with beta0 <= 46.8 % (eq. 2);
* the diffraction loss (eqs 39-43) ``Ld50 = Lbulla + max(Ldsph - Lbulls, 0)`` is at least
  (a) the Bullington loss of the single profile point with the steepest slope from
  the transmitter (the Bullington point lies on that ray beyond it, and its diffraction
  parameter grows along the ray; in line of sight the largest nu is at least that
  point's), plus (b) ``Ldsph`` at upper bounds of the smooth-earth terminal heights
  ``hte'' <= hts - min(hst - max(hobs, 0), h1)`` (hobs <= max(h) - min(hts, hrs)), minus
  ``Lbulls`` at the lowest heights ``htg, hrg`` (both losses fall as the terminals rise,
  checked in ``tests/test_p1812_reach.py``); ``Ldp`` (eq. 41) lies between ``Ld50`` and
  ``Ldb`` (the same bound with the radius ``ab``);
* the ducting loss ``Lba`` (eqs 46-56): ``Alf``, ``Ast``, ``Asr`` >= 0 (``Ast`` kept where
  the transmitter horizon is known: beyond line of sight), ``Act``, ``Acr`` >= -6 dB
  each and only with a sea terminal, ``dlt + dlr >= dlt + one step``, ``theta'' >= ae
  d + min(theta_td, 0.1 step) + min(theta_rd, 0.1 step)``, and ``Ap(beta)`` at its
  minimum over ``0 < beta <= beta0_max`` (:func:`ap_floor_db`: the term is what lets
  ducting undercut diffraction, about +16 dB at 50 % time over Vietnam);
* troposcatter (eq. 44) with the exact theta;
* the location term (eq. 64) is added exactly.

The bound of a sample is built in stages (:func:`radial_bound`; its limits ``lim``: per sample, the largest
loss limit the caller compares that sample's bound with, :func:`~._reach_need.sample_limits`;
:func:`p1812_radial_bound`: one limit ``t_skip`` for all): with the site tables
(:func:`site_tables`) floors without any transcendental function per sample
(:mod:`towerplan.coverage._p1812_floor0`: for the rest of the radial and for blocks of 8 samples
every 8 samples, or with a wanted mask for each block of wanted samples ahead,
:func:`~._p1812_floor0.wanted_floors`; then per sample) decide the samples far out of reach; then the bound without the
spherical-earth excess of eq. 40 (it is >= 0 and the floor rises with the diffraction loss,
:func:`_blend_floor`); the full bound only where both leave the sample within its limit (with limits, no wanted
mask and a step up to ``_LEAN_STEP_M``: stage 1's floor there too, :data:`_SWEEP_EXCESS`, round w16). A sample
decided by a cheaper stage keeps that (lower, still sound) value, and only where that value exceeds every
limit the sample is compared with (a block floor: its block's limit; the rest of the radial: the limit from
there on). Stages 0 and 1 are at most the full bound (stage 0 <= stage 1 <= stage 2 up to rounding,
:func:`_stage0_after`), so a comparison of a sample's value with any limit up to the sample's own comes out as
with the full bound: per-sample limits there (round w12: :func:`~._reach_need.sample_limits`, the largest limit
``mark_needed`` compares the sample with; three sectors put the limits ~20 dB apart) leave the samples computed
exactly (``mark_needed``'s mask) the same as the full bound everywhere. The block and rest-of-radial floors are
not always below the full bound (a floor over the receivers of a block, from the running quantities at its
start, can beat the per-sample bound of a low receiver: 126.9 against 124.4 dB seen on a province radial); the
sweep gives them the per-sample limits too (round w13: the largest over the block / the rest of the radial), so
such a sample can leave the mask: soundly, since the floor is a lower bound of its exact loss, which is then
above every limit that reads it (``tests/test_p1812_floor_limits.py``).

Nothing here is an approximation of the loss: every step is an inequality that the
Recommendation's equations guarantee, and the engine keeps a margin (``REACH_MARGIN_DB``)
on top. Numba's ``cache=True`` keys kernels on their own file: after editing this module
delete ``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from towerplan.coverage._p1812_floor0 import (
    BLOCK,
    HULL_A,
    HULL_B,
    HULL_R,
    HULL_T,
    WORK_ROWS,
    block_floors,
    block_terrain,
    out_of_reach_floor,
    wanted_blocks,
    wanted_floors,
)
from towerplan.coverage._p1812_hull import hull_push
from towerplan.coverage._p1812_kernels import ground_constants, inv_cum_norm, path_radii
from towerplan.coverage._p1812_profile import analyse_profile, prefix_tables
from towerplan.coverage._p1812_stages import fk_weight, stage1, stage2, tx_ducting_terms

#: samples shorter than the Recommendation's 5-point path are resampled by the radial: always computed
_MIN_POINTS = 5
#: stage 1 before stage 0 after a sample stage 0 did not decide (False: stage 0 always first; the same values)
_STAGE1_FIRST = True
#: with limits and no wanted mask (the sweep's anchored tables) at steps up to ``_LEAN_STEP_M``: the samples within
#: their limit get stage 2, the spherical-earth excess of eq. 40 (True), or keep stage 1's floor (False, since round
#: w16: a weaker lower bound, so the mask can only grow, and the anchor pass interpolates the gap exact - floor over
#: it; at 30 m as accurate against the exact loss, ~-13 % CPU of the extended zone's tables; at 90 m the share
#: within 3 dB fell by ~0.03 points, so coarser steps keep stage 2: bench/README.md, w16-tables)
_SWEEP_EXCESS = False
_LEAN_STEP_M = 36.0


@njit(cache=True)
def _beta0_bounds(phi_deg):
    """(min, max) of beta0 (%) over every path (eqs 2-5): mu1 lies in [10^-0.85, 1]."""
    a = abs(phi_deg)
    mu1_min = 10.0 ** -0.85  # eq. 3 without its first term (tau < 1)
    if a <= 70.0:
        top = 10.0 ** (-0.015 * a + 1.67)
        return top * mu1_min ** (0.065 + 0.0176 * a), top  # mu1 mu4 = mu1^(0.065 + 0.0176 |phi|)
    return 4.17 * mu1_min**1.3, 4.17


def ap_floor_db(p: float, phi_deg: float, dmax_km: float) -> float:
    """A lower bound of the ducting time term Ap (eq. 54) for every path up to ``dmax_km``.

    ``beta = beta0 mu2 mu3 <= beta0_max``; Ap is minimised over ``log10 beta`` in [-12,
    log10 beta0_max] on a fine grid (0.0025 steps) with the distance terms at their least
    favourable end (0 or ``dmax_km``), minus 0.1 dB between grid points; below
    ``beta = 1e-12`` Ap is at least ``1.2 (log10 p + 12)``.
    """
    _, b_hi = _beta0_bounds(phi_deg)
    lb = np.linspace(-12.0, math.log10(b_hi), 4801)
    lx = math.log10(p) - lb
    x = 10.0**lx
    g0 = 1.076 / (2.0058 - lb) ** 1.012
    e = np.exp(-(9.51 - 4.8 * lb + 0.198 * lb * lb) * 1e-6 * max(dmax_km, 0.0) ** 1.13)
    a = np.where(lx >= 0.0, 1.2 * lx, (1.2 + 3.7e-3 * dmax_km) * lx)
    b = np.where(x >= 1.0, 12.0 * x ** (g0 * e), 12.0 * x**g0)
    return float(min(np.min(-12.0 + a + b) - 0.1, 1.2 * (math.log10(p) + 12.0)))


@njit(cache=True)
def flat_bullington(n_all, step_m, f_ghz, htg, hrg, dn, two):
    """Lbulls of a zero profile with the terminals at ``htg`` / ``hrg`` for every path length.

    Row 0: radius ae, row 1: ab (NaN unless ``two``); column i: the path of i + 1 points
    (i >= 4). These are the largest values ``Lbulls`` takes on any radial of the site
    (the terminal heights above the smooth surface are never lower than htg, hrg).
    """
    out = np.full((2, n_all), np.nan)
    d = np.empty(n_all)
    inv_d = np.empty(n_all)
    for k in range(n_all):
        d[k] = k * step_m / 1000.0
        inv_d[k] = 1000.0 / (k * step_m) if k > 0 else math.inf
    z = np.zeros(n_all)
    ae, ab = path_radii(dn)
    tables = prefix_tables(d, inv_d, z, z, n_all, htg, ae, ab)
    lam = 0.2998 / f_ghz
    for i in range(_MIN_POINTS - 1, n_all):
        _, bull_a, bull_b = analyse_profile(d, inv_d, True, z, z, i + 1, htg, hrg, ae, ab, lam, two, tables)
        out[0, i] = bull_a[1]
        out[1, i] = bull_b[1]
    return out


@njit(cache=True)
def walk_tables(n_all, step_m, dn):
    """What a radial's running quantities read at sample k, the same for every radial of a site (d_k = k step_m / 1000
    km, as :func:`p1812_radial_bound` rounds it): rows d_k, 1000 / (k step_m), 500 d_k / ae, 500 d_k / ab,
    500 d_k^2 / ae, 500 d_k^2 / ab, d_k / (2 ae) and 20 log10(d_k + one step) (eqs 13, 77, 80 and the ducting
    floor's, :func:`~._p1812_stages.tx_ducting_terms`), each the operations the walk would do."""
    ae, ab = path_radii(dn)
    out = np.empty((8, n_all))
    step_km = step_m / 1000.0
    inv2ae = 1.0 / (2.0 * ae)
    for k in range(n_all):
        dk = k * step_km
        out[0, k] = dk
        out[1, k] = 1000.0 / (k * step_m) if k > 0 else math.inf
        out[2, k] = 500.0 * dk / ae
        out[3, k] = 500.0 * dk / ab
        out[4, k] = 500.0 * dk * dk / ae
        out[5, k] = 500.0 * dk * dk / ab
        out[6, k] = dk * inv2ae
        out[7, k] = 20.0 * math.log10(dk + step_km)
    return out


@njit(cache=True)
def site_tables(n_all, step_m, f_ghz, htg, hrg, dn, two):
    """:func:`flat_bullington`'s two rows, then for every sample i: 20 log10 d_i (d in km) and Fk (eq. 57), twice,
    then :func:`walk_tables`' eight rows.

    The ``flat`` argument of :func:`p1812_radial_bound` for a whole site (its first stage,
    :func:`~._p1812_floor0.out_of_reach_floor`, reads rows 2 and 3; the later stages rows 4 and 5, the same
    terms at the distance as :func:`p1812_radial_bound` rounds it, ``i * (step_m / 1000)``, so that they are
    bit for bit what the stages computed per sample; the walk rows 6-13).
    """
    out = np.empty((14, n_all))
    out[:2] = flat_bullington(n_all, step_m, f_ghz, htg, hrg, dn, two)
    step_km = step_m / 1000.0
    for i in range(n_all):
        dk = i * step_m / 1000.0
        out[2, i] = 20.0 * math.log10(dk) if i > 0 else -math.inf
        out[3, i] = fk_weight(dk)
        dk = i * step_km
        out[4, i] = 20.0 * math.log10(dk) if i > 0 else -math.inf
        out[5, i] = fk_weight(dk)
    out[6:] = walk_tables(n_all, step_m, dn)
    return out


@njit(cache=True)
def _radial_constants(f_ghz, p, phi_deg, dn, n0, ap_lb):
    """What every sample's bound shares (see :func:`~._p1812_floor0.out_of_reach_floor` for the order)."""
    ae, ab = path_radii(dn)
    b0_lo, b0_hi = _beta0_bounds(phi_deg)
    i_p = inv_cum_norm(p / 100.0)
    fi_lo = min(max(i_p / inv_cum_norm(b0_lo / 100.0), 0.0), 1.0)  # Fi (eq. 58) at the ends of beta0 <= p
    fi_hi = min(max(i_p / inv_cum_norm(min(b0_hi, p) / 100.0), 0.0), 1.0)
    # the constant parts of troposcatter (eq. 44), in its order of operations
    tropo_a = 190.1 + (25.0 * math.log10(f_ghz) - 2.5 * math.log10(f_ghz / 2.0) ** 2)
    return (20.0 * math.log10(f_ghz),
            2.6 * math.log10(p / 50.0),  # Lb0p - Lbfs (eq. 10) at its extreme Kes
            0.2998 / f_ghz, ae, ab, p < 50.0,
            5e-5 * ae * f_ghz ** (1.0 / 3.0),  # gamma_d, eq. 51
            ap_lb, tropo_a, 0.15 * n0, 10.125 * math.log10(50.0 / p) ** 0.7,
            2.6 * math.log10(b0_lo / 50.0),  # Lb0b - Lbfs >= this (eq. 11, Kes < 2.6)
            fi_lo, fi_hi,
            p >= b0_lo,  # eq. 59's second branch is possible (p >= beta0 for some path)
            p < b0_hi,  # and its first
            f_ghz ** (1.0 / 3.0))  # (eq. 48)


def p1812_radial_bound(z: np.ndarray, r: np.ndarray, zone: np.ndarray, step_m: float, f_ghz: float, p: float,
                       htg: float, hrg: float, vertical: bool, phi_deg: float, dn: float, n0: float, pl: float,
                       sigma_l: float, ap_lb: float, flat: np.ndarray, first: int, out: np.ndarray, want: np.ndarray,
                       t_skip: float) -> int:
    """:func:`radial_bound` with one loss limit ``t_skip`` for every sample (+inf: the full bound everywhere; finite,
    at steps up to ``_LEAN_STEP_M``: stage 1 where a sample is within it, :data:`_SWEEP_EXCESS`).

    A Python function, not a kernel: a compiled wrapper would link (and optimise) the bound's code once more.
    """
    lim = np.empty((0, 0))
    if t_skip < math.inf:
        lim = np.full((4, len(z)), float(t_skip))  # (row 3: written)
    return int(radial_bound(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, ap_lb,
                            flat, first, out, want, lim))


# radial_bound's ``want`` and ``lim``. ``want``: empty (every sample) or a mask (:func:`~._reach_need.mark_wanted`):
# the bound only there (+inf elsewhere); the floors of the wanted blocks replace per-sample bounds (sound floors all:
# ``bench/README.md``, w10). ``lim`` (empty: the full bound everywhere), columns < ``len(z)``: row 0, each sample's
# limit (a per-sample stage's value is kept where above it; :func:`~._reach_need.sample_limits`); rows 1 and 2 at
# block starts, the limits of the rest-of-radial and the block floors (at least row 0's largest over those samples);
# row 3 is written: 1.0 where a cheaper stage decided the sample, 0.0 where ``out`` holds the full bound. A fifth row
# (its content unread) marks the sweep's refining pass (:func:`~._sweep_p1812._bound_pass`), which reads ``out`` only
# where row 0 is finite (its targets, limit ``t_site``; -inf elsewhere): there a sample with limit -inf is not
# evaluated (stage 0 would decide it: any finite floor is above -inf, and ``within`` is left False as stage 0 leaves
# it), a block whose row 2 is -inf gets only its rest-of-radial floor (its block floor would decide it; ``within`` is
# left as it was, as a decided block leaves it) and the walk stops at a block start whose row 1 is -inf (no target
# ahead); every target's value is the same float (round w14, ``tests/test_p1812_limits.py``; NaN floors or stages
# aside, never seen). Other arguments as :func:`~towerplan.coverage._p1812_radial.p1812_radial_loss`; ``ap_lb`` from
# :func:`ap_floor_db`, ``flat`` from :func:`flat_bullington` or :func:`site_tables`. Samples 1-3 (resampled paths)
# get -inf (always computed); samples before ``first`` (and from ``len(z)`` on) are left as they are. In the walk,
# ``h`` holds the upper hulls of the intermediate points (:data:`~._p1812_floor0.HULL_A` ...), one buffer: (d, g - 500
# d^2 / a) for ae and ab, (d, h), (d, h - 500 d^2 / ae) (receiver horizon, eq. 80; the first one's where g = h: no
# clutter); v1, v2, qa, at, aot ... are running quantities over the intermediate points 1 .. i-1.
@njit(cache=True)
def radial_bound(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, ap_lb, flat, first,
                 out, want, lim):
    """Lower bound of the P.1812 loss (dB) from ``z[0]`` to every ``z[i]``, i >= ``first``, into ``out[i]``; the
    samples walked (``n_all``, or the block start where the rest was shown out of reach). Arguments: the comment above.
    """
    n_all = len(z)
    out[:min(n_all, _MIN_POINTS - 1)] = -math.inf
    if n_all < _MIN_POINTS:
        return n_all
    step_km = step_m / 1000.0
    walk = flat[6:14] if flat.shape[0] >= 14 else walk_tables(n_all, step_m, dn)
    d, inv_d, ca, cb, sa, sb, ta, lt20 = walk[0], walk[1], walk[2], walk[3], walk[4], walk[5], walk[6], walk[7]
    consts = _radial_constants(f_ghz, p, phi_deg, dn, n0, ap_lb)
    ae, ab, two = consts[3], consts[4], consts[5]
    lloc_land = 0.0 if sigma_l == 0.0 else -inv_cum_norm(pl / 100.0) * sigma_l
    kg = ground_constants(f_ghz, vertical)  # (stage 2's spherical-earth loss, eqs 29-30)
    limited = lim.shape[0] >= 4
    refining = lim.shape[0] >= 5  # the sweep's second pass: only the samples with a finite limit are read
    stage0 = limited and flat.shape[0] >= 4
    tabled = flat.shape[0] >= 6  # 20 log10 d and Fk by sample (:func:`site_tables`)
    hts = z[0] + htg
    h = np.empty((WORK_ROWS, n_all))
    r_from = _first_clutter(r)  # hull R (d, h - 500 d^2 / ae) is built from this point on: before it, it is hull A
    mr = ma = mb = mt = 0  # the hulls' lengths
    v1 = v2 = 0.0
    qa, ka_d, ka_g = -math.inf, 0.0, 0.0  # max (g_k - hts) / d_k - 500 d_k / a (Bullington slope, eq. 13), its point
    qb, kb_d, kb_g = -math.inf, 0.0, 0.0  # (only with ``two``)
    at, lt = -math.inf, 1  # transmitter elevation term (eq. 77), first argmax lt, and its angle (mrad), its terms
    th_max, tx_terms = -math.inf, (0.0, 0.0)
    fresh = True  # th_max and tx_terms are those of lt (computed where read, not at every new horizon)
    aot = -math.inf  # max (h_k - hts) / d_k (eq. 90 without the line's slope)
    inland = zone[0] == 4
    sea_tx = zone[0] == 1
    masked = len(want) > 0
    lean_floor = limited and not masked and not _SWEEP_EXCESS and step_m <= _LEAN_STEP_M  # (:data:`_SWEEP_EXCESS`)
    block_terrain(z, zone, n_all if stage0 and not masked else 0, h)  # with ``want``: :func:`wanted_blocks`
    blocks = wanted_blocks(z, r, d, zone, want, n_all if stage0 and masked else 0, hts, ae, ab, two)
    p_block, skip_to = np.int64(0), 0  # with ``want``: the first block not shown out of reach (int64: 1 signature)
    within = False  # the last sample evaluated was not decided by stage 0: stage 1 first (:func:`_stage0_after`)
    for i in range(1, n_all):
        di = d[i]
        dp = d[i - 1]
        v1 += step_km * (z[i] + z[i - 1])
        v2 += step_km * (z[i] * (2.0 * di + dp) + z[i - 1] * (di + 2.0 * dp))
        if zone[i] != 4:
            inland = False
        if i >= 2:  # point i - 1 becomes intermediate (the terms of d_k: :func:`walk_tables`)
            k = i - 1
            dk = d[k]
            inv_dk = inv_d[k]
            gk = z[k] + r[k]
            g = (gk - hts) * inv_dk
            if g - ca[k] > qa:
                qa = g - ca[k]
                ka_d, ka_g = dk, gk
            if two and g - cb[k] > qb:
                qb = g - cb[k]
                kb_d, kb_g = dk, gk
            a_t = (z[k] - hts) * 0.001 * inv_dk - ta[k]
            if k == 1 or a_t > at:
                at = a_t
                lt = k
                fresh = False
            if not lean_floor:  # stage 2 reads aot and hull T; without it they are not kept (round w18)
                aot = max(aot, (z[k] - hts) / dk)
                mt = hull_push(h, HULL_T, mt, dk, z[k])
            if k == r_from:  # the first point with clutter: hull R so far is hull A (the same floats)
                mr = _copy_hull(h, HULL_A, HULL_R, ma)
            ma = hull_push(h, HULL_A, ma, dk, gk - sa[k])
            if two:
                mb = hull_push(h, HULL_B, mb, dk, gk - sb[k])
            if k >= r_from:
                mr = hull_push(h, HULL_R, mr, dk, z[k] - sa[k])
        # the rest of the radial, or the next block, out of reach; with ``want`` the wanted blocks ahead (from 8 on)
        if stage0 and i % BLOCK == 0 and i >= _MIN_POINTS and (masked or i >= max(first, skip_to)):
            if not fresh:
                th_max, tx_terms, fresh = _horizon_terms(at, d[lt], lt20[lt], f_ghz, consts[16])
            run = (ka_d, ka_g, kb_d, kb_g, th_max, tx_terms, inland, sea_tx, lloc_land)
            if masked:
                p_block = wanted_floors(i, p_block, first, d, z, r, hts, hrg, flat, consts, run, blocks, out, want,
                                        lim)
                if p_block >= blocks[0].shape[1]:
                    return i
                skip_to = p_block * BLOCK
            elif refining and lim[1, i] == -math.inf:  # no target from here on: nothing left to copy
                return i
            else:
                i_end = min(i + BLOCK, n_all) - 1
                # a block without target in the refining pass: its floor (> -inf) would decide it, the rest's is needed
                lean = refining and lim[2, i] == -math.inf
                rest, block = block_floors(i // BLOCK, flat[2, i], di, d[n_all - 1], flat[3, n_all - 1], d[i_end],
                                           flat[3, i_end], hts, hrg, consts, run, h, -math.inf if lean else lim[1, i])
                if lean and not rest > lim[1, i]:
                    skip_to = i_end + 1
                    continue
                if rest > lim[1, i]:
                    out[i:n_all] = rest
                    lim[3, i:n_all] = 1.0
                    return i
                skip_to = i
                if block > lim[2, i]:
                    out[i:i_end + 1] = block
                    lim[3, i:i_end + 1] = 1.0
                    skip_to = i_end + 1
        if i < _MIN_POINTS - 1 or i < first or i < skip_to:  # (in a block already shown out of reach)
            continue
        if masked and not want[i]:
            out[i] = math.inf
            continue
        if refining and lim[0, i] == -math.inf:  # not a target: stage 0 would decide it, and leave ``within`` False
            within = False
            continue
        hrs = z[i] + hrg
        acx = 0.0 if inland else (-6.0 if sea_tx else 0.0) + (-6.0 if zone[i] == 1 else 0.0)  # Act, Acr >= -6 dB
        lloc = 0.0 if zone[i] == 1 else lloc_land
        if not fresh:
            th_max, tx_terms, fresh = _horizon_terms(at, d[lt], lt20[lt], f_ghz, consts[16])
        t_skip = lim[0, i] if limited else math.inf
        # stage 0, no transcendental function (:mod:`._p1812_floor0`), first unless the last sample evaluated went
        # on to stage 1: then stage 1 first, and stage 0 only where stage 1 does not leave the sample within t_skip
        run0 = (qa, ka_d, ka_g, qb, kb_d, kb_g, at, th_max, tx_terms, inland, acx, lloc)
        if stage0 and not within:
            lb0 = out_of_reach_floor(di, hts, hrs, flat[2, i], flat[3, i], consts, run0, h, ma, mb)
            if lb0 > t_skip:
                out[i] = lb0
                lim[3, i] = 1.0
                continue
        lg = flat[4, i] if tabled else 20.0 * math.log10(di)
        fk = flat[5, i] if tabled else fk_weight(di)
        same = i - 1 < r_from  # no clutter at the intermediate points 1 .. i-1: hull R is hull A
        st1 = stage1(di, hts, hrs, consts, (qa, ka_d, ka_g, qb, kb_d, kb_g, at, th_max, d[lt], tx_terms), h, ma, mb,
                     HULL_A if same else HULL_R, ma if same else mr, same, lg, fk, step_km, inland, acx, lloc)
        if stage0 and within and _stage0_after(st1[0], t_skip):
            lb0 = out_of_reach_floor(di, hts, hrs, flat[2, i], flat[3, i], consts, run0, h, ma, mb)
            if lb0 > t_skip:
                out[i] = lb0
                lim[3, i] = 1.0
                within = False
                continue
        within = _STAGE1_FIRST
        if st1[0] > t_skip:  # out of reach of every marking that reads it: the spherical-earth term cannot change that
            out[i] = st1[0]
            lim[3, i] = 1.0
            continue
        if limited:
            lim[3, i] = 0.0
        out[i] = st1[0] if lean_floor else stage2(d, i + 1, di, hts, hrs, z[0], z[i], consts, f_ghz, vertical, inland,
                                                  (flat[0, i], flat[1, i]), (v1, v2, aot), h, mt, st1, kg)
    return n_all


@njit(cache=True)
def _first_clutter(r):
    """The first point from 1 on with a clutter height (``len(r)``: none). Up to it the hull of (d, g - 500 d^2 / ae)
    and that of (d, h - 500 d^2 / ae) hold the same points, the same floats (g = h + 0.0 is h): the walk builds the
    second only from there, starting from a copy of the first, and a sample with no clutter before it reads the first
    (round w18; the demo's far radials: ~2/3 of the needed samples)."""
    k = 1
    while k < len(r) and r[k] == 0.0:
        k += 1
    return k


@njit(cache=True, inline="always")
def _copy_hull(h, src, dst, m):
    """Rows ``dst``, ``dst + 1`` of ``h`` become the first ``m`` vertices of the hull in rows ``src``, ``src + 1``;
    returns ``m``."""
    for q in range(2):
        for v in range(m):
            h[dst + q, v] = h[src + q, v]
    return m


@njit(cache=True, inline="always")
def _horizon_terms(at, dlt, l_dlt, f_ghz, f13):
    """The transmitter horizon's angle (mrad, eq. 77's running maximum ``at`` at ``dlt`` km) and what the ducting
    floor takes from it (:func:`~._p1812_stages.tx_ducting_terms`; ``l_dlt``: 20 log10(dlt + one step))."""
    th_max = 1000.0 * math.atan(at)
    return th_max, tx_ducting_terms(th_max, dlt, l_dlt, f_ghz, f13), True


@njit(cache=True)
def _stage0_after(lb1, t_skip):
    """Whether stage 0 must still run after stage 1 gave ``lb1``: unless ``lb1 <= t_skip`` by more than rounding.

    Stage 0 (:func:`~._p1812_floor0.out_of_reach_floor`) is stage 1 with every term taken at or below it: free space
    without the height term, the same Bullington parameter (beyond line of sight: the same operations; in line of
    sight the point stage 1 starts its search from) read from a table at the grid point below, the direct-path
    angles from ``atan(x) >= x - x^3 / 3`` where stage 1 has them or the horizons above them, ducting with both
    angles' terms at most stage 1's, Lminbap >= max(Lba, Lb0p) (eq. 60), and eq. 63's log-sum at least its smaller
    term less 5 log10 2 with Lbam >= min(Lbda, Lminb0p) (eq. 62, Fj in [0, 1]); so stage 0 <= stage 1 up to
    rounding (~1e-12 dB; ``tests/test_p1812_stages.py`` checks it on rugged radials).
    """
    return not lb1 <= t_skip - 1e-6
