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

The bound of a sample is built in stages (:func:`p1812_radial_bound`, ``t_skip``: the largest
loss limit of the site, to which the caller compares the bounds): with the site tables
(:func:`site_tables`) floors without any transcendental function per sample
(:mod:`towerplan.coverage._p1812_floor0`: for the rest of the radial and for blocks of 8 samples
every 8 samples, or with a wanted mask for each block of wanted samples ahead,
:func:`~._p1812_floor0.wanted_floors`; then per sample) decide the samples far out of reach; then the bound without the
spherical-earth excess of eq. 40 (it is >= 0 and the floor rises with the diffraction loss,
:func:`_blend_floor`); the full bound only where both leave the sample within ``t_skip``. A sample
decided by a cheaper stage keeps that (lower, still sound) value: every comparison with a limit
<= ``t_skip`` comes out as with the full bound, so the samples computed exactly are the same.

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
    block_floors,
    lminb0p_floor,
    out_of_reach_floor,
    suffix_terrain,
    wanted_blocks,
    wanted_floors,
)
from towerplan.coverage._p1812_hull import hull_max_linear, hull_max_slope, hull_push
from towerplan.coverage._p1812_kernels import inv_cum_norm, path_radii, spherical_earth
from towerplan.coverage._p1812_profile import _flat_max, analyse_profile, bullington_loss, prefix_tables

#: floating-point slack and the remainder of the I(x) approximation at 50 % (I(0.5) ~ 1e-5)
_SLACK_DB = 0.05
#: eq. 60's blending constant
_ETA = 2.5
#: samples shorter than the Recommendation's 5-point path are resampled by the radial: always computed
_MIN_POINTS = 5


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
def site_tables(n_all, step_m, f_ghz, htg, hrg, dn, two):
    """:func:`flat_bullington`'s two rows, then for every sample i: 20 log10 d_i (d in km) and Fk (eq. 57), twice.

    The ``flat`` argument of :func:`p1812_radial_bound` for a whole site (its first stage,
    :func:`~._p1812_floor0.out_of_reach_floor`, reads rows 2 and 3; the later stages rows 4 and 5, the same
    terms at the distance as :func:`p1812_radial_bound` rounds it, ``i * (step_m / 1000)``, so that they are
    bit for bit what the stages computed per sample).
    """
    out = np.empty((6, n_all))
    out[:2] = flat_bullington(n_all, step_m, f_ghz, htg, hrg, dn, two)
    step_km = step_m / 1000.0
    for i in range(n_all):
        dk = i * step_m / 1000.0
        out[2, i] = 20.0 * math.log10(dk) if i > 0 else -math.inf
        out[3, i] = _fk(dk)
        dk = i * step_km
        out[4, i] = 20.0 * math.log10(dk) if i > 0 else -math.inf
        out[5, i] = _fk(dk)
    return out


@njit(cache=True)
def _fk(dtot):
    """Fk, eq. 57 (the blend of eq. 61's weight by distance)."""
    return 1.0 - 0.5 * (1.0 + math.tanh(3.0 * 0.5 * (dtot - 20.0) / 20.0))


@njit(cache=True)
def _nu(g, dk, dtot, hts, hrs, a, lam):
    """Diffraction parameter of one profile point (eq. 15)."""
    e = g + 500.0 * dk * (dtot - dk) / a - (hts * (dtot - dk) + hrs * dk) / dtot
    return e * math.sqrt(0.002 * dtot / (lam * dk * (dtot - dk)))


@njit(cache=True)
def _bullington_floor(q, kd, kg, hx, hy, m, dtot, hts, hrs, a, lam):
    """Lower bound of the Bullington loss of the profile (eqs 13-21) for the radius ``a``.

    ``q``: the running maximum giving Stim (eq. 13) and ``kd`` / ``kg`` the distance and
    height g of its point; ``hx``/``hy``: upper hull of (d, g - 500 d^2 / a), whose largest
    slope towards (D, hrs - 500 D^2 / a) gives Srim (eq. 17) exactly. Beyond line of sight
    this is the Recommendation's Bullington point; in line of sight the largest nu over the
    profile is at least that of any point tried.
    """
    stim = 500.0 * dtot / a + q
    srim_p, k0 = hull_max_slope(hx, hy, m, dtot, hrs - 500.0 * dtot * dtot / a)
    srim = srim_p - 500.0 * dtot / a
    if stim >= (hrs - hts) / dtot:
        return bullington_loss(stim, srim, math.nan, False, hts, hrs, dtot, lam)
    nu = _nu(kg, kd, dtot, hts, hrs, a, lam)
    # the largest nu: a hill climb over the hull's vertices from the receiver-side tangent point
    # (every vertex is a profile point, so whatever it finds is a lower bound of the largest nu)
    best = _nu(hy[k0] + 500.0 * hx[k0] * hx[k0] / a, hx[k0], dtot, hts, hrs, a, lam)
    for direction in (-1, 1):
        k = k0 + direction
        while 0 <= k < m:
            v = _nu(hy[k] + 500.0 * hx[k] * hx[k] / a, hx[k], dtot, hts, hrs, a, lam)
            if v <= best:
                break
            best = v
            k += direction
    nu = max(nu, best)
    return bullington_loss(0.0, 0.0, nu, True, hts, hrs, dtot, lam)


@njit(cache=True)
def _spherical_excess(d, n, dtot, hte1, hre1, a, f_ghz, lam, inland, vertical, lbulls_hi):
    """Lower bound of max(Ldsph - Lbulls, 0) (eq. 40) for the radius ``a``.

    Ldsph at the path's smooth-earth heights; Lbulls exactly beyond line of sight of the
    zero profile (:func:`~._p1812_profile._flat_max`), else its value at the lowest heights
    (``lbulls_hi``; it falls as the terminals rise).
    """
    sph = spherical_earth(dtot, hte1, hre1, a, f_ghz, 0.0, vertical)
    if not inland:  # omega unknown: Ldsph is linear in omega (eq. 28) before its clamp at 0
        sph = min(sph, spherical_earth(dtot, hte1, hre1, a, f_ghz, 1.0, vertical))
    ft = _flat_max(d, n, 500.0 / a, hte1, False)
    lbulls = lbulls_hi
    if not ft < (hre1 - hte1) / dtot:
        fr = _flat_max(d, n, 500.0 / a, hre1, True)
        lbulls = bullington_loss(ft, fr, math.nan, False, hte1, hre1, dtot, lam)
    return max(sph - lbulls, 0.0)


@njit(cache=True)
def _tx_ducting_terms(th_max, dlt, step_km, f_ghz):
    """What the Lba floor takes from the transmitter horizon (angle ``th_max`` mrad at ``dlt`` km).

    (Ast of eq. 48 beyond line of sight, 20 log10(dlt + one step)): they change only where the
    running horizon does, so the radial computes them there, not at every sample.
    """
    ast = 0.0
    tht2 = th_max - 0.1 * dlt
    if tht2 > 0.0:
        ast = (20.0 * math.log10(1.0 + 0.361 * tht2 * math.sqrt(f_ghz * dlt))
               + 0.264 * tht2 * f_ghz ** (1.0 / 3.0))
    return ast, 20.0 * math.log10(dlt + step_km)


@njit(cache=True)
def _ducting_floor(dtot, hts, hrs, th_max, dlt, tx_terms, step_km, ae, gamma_d, rx, ry, mr):
    """(part of the Lba floor, exact theta): eqs 46-56 without Alf, Asr (>= 0), Act, Acr, Ap and 20 log f.

    ``th_max``: the transmitter horizon angle (mrad, eq. 77's running maximum), ``dlt`` its
    distance and ``tx_terms`` :func:`_tx_ducting_terms` of them; ``gamma_d``: eq. 51's specific
    attenuation; ``rx``/``ry``/``mr``: the upper hull of (d, h - 500 d^2 / ae) (receiver horizon).
    """
    inv2ae = 1.0 / (2.0 * ae)
    th_td = 1000.0 * math.atan((hrs - hts) / (1000.0 * dtot) - dtot * inv2ae)
    th_rd = 1000.0 * math.atan((hts - hrs) / (1000.0 * dtot) - dtot * inv2ae)
    ast = 0.0
    if th_max > th_td:  # beyond line of sight (section 4.3.1 / Attachment 2, as the kernel decides)
        th_t = th_max
        ar = (hull_max_slope(rx, ry, mr, dtot, hrs - 500.0 * dtot * dtot / ae)[0] - 1000.0 * dtot / ae) / 1000.0
        th_r = 1000.0 * math.atan(ar)
        ast = tx_terms[0]
        th1 = 1e3 * dtot / ae + min(th_t, 0.1 * dlt) + min(th_r, 0.1 * step_km)  # dlr >= one step
    else:
        th_t = th_td
        th_r = th_rd
        th1 = 1e3 * dtot / ae + min(th_td, 0.1 * step_km) + min(th_rd, 0.1 * step_km)  # dlt, dlr >= one step
    theta = 1e3 * dtot / ae + th_t + th_r  # exact (eq. 76)
    return 102.45 + tx_terms[1] + ast + gamma_d * th1, theta


@njit(cache=True)
def _blend_floor(d50, dp_lb, inland, blend):
    """The loss floor (eqs 57-69) from floors of Ld50 and Ldp (eqs 39-41); it rises with both.

    ``blend``: what does not depend on the diffraction loss (free space, the Lb0p / Lb0b
    offsets, Fi at its extremes, Lminbap, the distance for Fk, Fj, Lbs, Lloc). Every step is
    nondecreasing in ``d50`` and ``dp_lb``: Lbd and both branches of Lminb0p (eq. 59, convex
    combinations with Fi in [0, 1]) rise with them, Lbda (eq. 61) is continuous with slopes 1
    and Fk > 0 in Lbd, Lbam (eq. 62) a convex combination, Lbc (eq. 63) and eq. 69 rise with
    their inputs; so floors of the diffraction loss give a floor of Lb.
    """
    lbfs, lb0p, lb0b_off, fi_lo, fi_hi, lb0b_branch, lb0p_branch, lminbap, fk, fj, lbs, lloc = blend
    dom = dp_lb if inland else 0.0  # (1 - omega) Ldp
    lbd = lb0p + dp_lb
    # Lminb0p (eq. 59): Fi at its extremes over beta0 (global bounds: no per-path beta0)
    lminb0p = lminb0p_floor(lbfs, lb0p, d50, dom, lb0b_off, fi_lo, fi_hi, lb0b_branch, lb0p_branch)
    lbda = lbd
    if lminbap <= lbd:
        lbda = lminbap + (lbd - lminbap) * fk  # Fk exact (eq. 57)
    lbam = lbda + (lminb0p - lbda) * fj
    lbc = -5.0 * math.log10(10.0 ** (-0.2 * lbs) + 10.0 ** (-0.2 * lbam))  # eq. 63 rises with both terms
    return max(lb0p, lbc + lloc) - _SLACK_DB


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
            p < b0_hi)  # and its first


@njit(cache=True)
def _smooth_earth_terminals(v1, v2, dtot, hts, hrs, z0, zi, aot, tx, ty, mt):
    """Upper bounds of the terminal heights above the diffraction model's smooth surface (eqs 85-91)."""
    hst = (2.0 * v1 * dtot - v2) / (dtot * dtot)
    hsr = (v2 - v1 * dtot) / (dtot * dtot)
    slope = (hts - hrs) / dtot
    hobs = hull_max_linear(tx, ty, mt, slope) - hts
    if hobs > 0.0:
        aobt = aot + slope
        aobr = hull_max_slope(tx, ty, mt, dtot, hrs)[0] - slope
        hst = hst - hobs * aobt / (aobt + aobr)
        hsr = hsr - hobs * aobr / (aobt + aobr)
    return hts - min(hst, z0), hrs - min(hsr, zi)


@njit(cache=True)
def p1812_radial_bound(z, r, zone, step_m, f_ghz, p, htg, hrg, vertical, phi_deg, dn, n0, pl, sigma_l, ap_lb,
                       flat, first, out, want, t_skip=math.inf):
    """Lower bound of the P.1812 loss (dB) from ``z[0]`` to every ``z[i]``, i >= ``first``, into ``out[i]``.

    Arguments as :func:`~towerplan.coverage._p1812_radial.p1812_radial_loss`; ``ap_lb`` from
    :func:`ap_floor_db`, ``flat`` from :func:`flat_bullington` or :func:`site_tables`. Samples
    1-3 (resampled paths) get -inf (always computed); samples before ``first`` are left as they
    are. ``want``: empty (every sample) or a mask (:func:`~._reach_need.mark_wanted`); the bound is
    evaluated only there (+inf elsewhere), the running quantities everywhere. ``t_skip`` (+inf:
    the full bound everywhere): the largest loss limit the caller compares the bound with; the
    cheaper stages (module docstring) leave a lower, still sound value where they exceed it.

    Returns the samples walked (``n_all``, or the block start where the rest was shown out of reach). With
    ``want`` the floors of the wanted blocks replace per-sample bounds (sound floors all: ``bench/README.md``, w10).
    """
    n_all = len(z)
    for i in range(min(n_all, _MIN_POINTS - 1)):
        out[i] = -math.inf
    if n_all < _MIN_POINTS:
        return n_all
    step_km = step_m / 1000.0
    buf = np.empty((9, n_all))  # one allocation: the distances and the hulls' coordinates
    d = buf[0]
    for k in range(n_all):
        d[k] = k * step_km
    consts = _radial_constants(f_ghz, p, phi_deg, dn, n0, ap_lb)
    (lf, kes_p, lam, ae, ab, two, gamma_d, ap_lb, tropo_a, tropo_n0, tropo_p, lb0b_off, fi_lo, fi_hi,
     lb0b_branch, lb0p_branch) = consts
    lloc_land = 0.0 if sigma_l == 0.0 else -inv_cum_norm(pl / 100.0) * sigma_l
    stage0 = t_skip < math.inf and flat.shape[0] >= 4
    tabled = flat.shape[0] >= 6  # 20 log10 d and Fk by sample (:func:`site_tables`)
    hts = z[0] + htg
    inv2ae = 1.0 / (2.0 * ae)
    # upper hulls of the intermediate points: (d, g - 500 d^2 / a) for ae and ab, (d, h)
    ax, ay, bx, by, tx, ty = buf[1], buf[2], buf[3], buf[4], buf[5], buf[6]
    rx, ry = buf[7], buf[8]  # (d, h - 500 d^2 / ae): the receiver horizon (eq. 80) as a largest slope
    mr = ma = mb = mt = 0  # the hulls' lengths
    # running quantities over the intermediate points 1 .. i-1
    v1 = 0.0
    v2 = 0.0
    qa = -math.inf  # max (g_k - hts) / d_k - 500 d_k / a (Bullington slope, eq. 13) and its point
    ka_d = 0.0
    ka_g = 0.0
    qb = -math.inf
    kb_d = 0.0
    kb_g = 0.0
    at = -math.inf  # transmitter elevation term (eq. 77), first argmax lt, and its angle (mrad)
    lt = 1
    th_max = -math.inf
    tx_terms = (0.0, 0.0)
    aot = -math.inf  # max (h_k - hts) / d_k (eq. 90 without the line's slope)
    inland = zone[0] == 4
    sea_tx = zone[0] == 1
    masked = len(want) > 0
    suffix = suffix_terrain(z, zone, n_all if stage0 and not masked else 0)  # with ``want``: by block
    blocks = wanted_blocks(z, r, d, zone, want, n_all if stage0 and masked else 0, hts, ae, ab, two)
    p_block = skip_to = 0  # with ``want``: the first block not yet shown out of reach (:func:`wanted_floors`)
    for i in range(1, n_all):
        di = d[i]
        dp = d[i - 1]
        v1 += step_km * (z[i] + z[i - 1])
        v2 += step_km * (z[i] * (2.0 * di + dp) + z[i - 1] * (di + 2.0 * dp))
        if zone[i] != 4:
            inland = False
        if i >= 2:  # point i - 1 becomes intermediate
            k = i - 1
            dk = d[k]
            inv_dk = 1000.0 / (k * step_m)
            gk = z[k] + r[k]
            g = (gk - hts) * inv_dk
            if g - 500.0 * dk / ae > qa:
                qa = g - 500.0 * dk / ae
                ka_d = dk
                ka_g = gk
            if g - 500.0 * dk / ab > qb:
                qb = g - 500.0 * dk / ab
                kb_d = dk
                kb_g = gk
            a_t = (z[k] - hts) * 0.001 * inv_dk - dk * inv2ae
            if k == 1 or a_t > at:
                at = a_t
                lt = k
                th_max = 1000.0 * math.atan(at)
                tx_terms = _tx_ducting_terms(th_max, dk, step_km, f_ghz)
            aot = max(aot, (z[k] - hts) / dk)
            ma = hull_push(ax, ay, ma, dk, gk - 500.0 * dk * dk / ae)
            if two:
                mb = hull_push(bx, by, mb, dk, gk - 500.0 * dk * dk / ab)
            mt = hull_push(tx, ty, mt, dk, z[k])
            mr = hull_push(rx, ry, mr, dk, z[k] - 500.0 * dk * dk / ae)
        # the rest of the radial, or the next block, out of reach; with ``want`` the wanted blocks ahead (from 8 on)
        if stage0 and i % BLOCK == 0 and i >= _MIN_POINTS and (masked or i >= max(first, skip_to)):
            run = (ka_d, ka_g, kb_d, kb_g, th_max, tx_terms, inland, sea_tx, lloc_land)
            if masked:
                p_block = wanted_floors(i, p_block, first, d, z, r, hts, hrg, flat, consts, run, blocks, out, want,
                                        t_skip)
                skip_to = p_block * BLOCK if p_block < blocks[0].shape[1] else -1
            else:
                skip_to = block_floors(i, n_all, z, d, hts, hrg, flat, consts, run, suffix, out, want, t_skip)
            if skip_to < 0:
                return i
        if i < _MIN_POINTS - 1 or i < first or i < skip_to:  # (in a block already shown out of reach)
            continue
        if masked and not want[i]:
            out[i] = math.inf
            continue
        dtot = di
        hrs = z[i] + hrg
        acx = 0.0
        if not inland:
            if sea_tx:
                acx -= 6.0
            if zone[i] == 1:
                acx -= 6.0
        lloc = 0.0 if zone[i] == 1 else lloc_land
        if stage0:  # stage 0: no transcendental function (:mod:`._p1812_floor0`)
            lb0 = out_of_reach_floor(i, dtot, hts, hrs, flat, consts,
                                     (qa, ka_d, ka_g, qb, kb_d, kb_g, at, th_max, tx_terms, inland, acx, lloc),
                                     (ax, ay, ma, bx, by, mb))
            if lb0 > t_skip:
                out[i] = lb0
                continue
        lbfs = 92.4 + lf + 10.0 * math.log10(dtot * dtot + ((hts - hrs) / 1000.0) ** 2)
        lb0p = lbfs + kes_p
        # ducting (eqs 46-56) and troposcatter (eq. 44): they do not depend on the diffraction loss
        lba0, theta = _ducting_floor(dtot, hts, hrs, th_max, d[lt], tx_terms, step_km, ae, gamma_d, rx, ry, mr)
        lba = lba0 + lf + acx + ap_lb
        big = max(lba, lb0p) / _ETA
        lminbap = _ETA * (big + math.log(math.exp(lba / _ETA - big) + math.exp(lb0p / _ETA - big)))  # eq. 60
        fj = 1.0 - 0.5 * (1.0 + math.tanh(3.0 * 0.8 * (theta - 0.3) / 0.3))  # eq. 57, exact theta
        lg = flat[4, i] if tabled else 20.0 * math.log10(dtot)
        lbs = (((tropo_a + lg) + 0.573 * theta) - tropo_n0) - tropo_p  # eq. 44, as troposcatter
        fk = flat[5, i] if tabled else _fk(dtot)
        blend = (lbfs, lb0p, lb0b_off, fi_lo, fi_hi, lb0b_branch, lb0p_branch, lminbap, fk, fj, lbs, lloc)
        # the Bullington floors (eqs 13-21); stage 1 leaves out max(Ldsph - Lbulls, 0) >= 0 (eq. 40)
        bull_a = _bullington_floor(qa, ka_d, ka_g, ax, ay, ma, dtot, hts, hrs, ae, lam)
        bull_b = _bullington_floor(qb, kb_d, kb_g, bx, by, mb, dtot, hts, hrs, ab, lam) if two else math.inf
        lb1 = _blend_floor(bull_a, min(bull_a, bull_b), inland, blend)
        if lb1 > t_skip:  # out of reach of every radial already: the spherical-earth term cannot change that
            out[i] = lb1
            continue
        # stage 2: the spherical-earth excess, at the smooth-earth heights of the diffraction model
        hte1, hre1 = _smooth_earth_terminals(v1, v2, dtot, hts, hrs, z[0], z[i], aot, tx, ty, mt)
        d50 = bull_a + _spherical_excess(d, i + 1, dtot, hte1, hre1, ae, f_ghz, lam, inland, vertical, flat[0, i])
        dp_lb = d50
        if two:
            dp_lb = min(d50, bull_b + _spherical_excess(d, i + 1, dtot, hte1, hre1, ab, f_ghz, lam, inland, vertical,
                                                        flat[1, i]))
        out[i] = _blend_floor(d50, dp_lb, inland, blend)
    return n_all
