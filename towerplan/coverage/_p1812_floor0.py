"""The first, cheapest stage of the P.1812 reach bound: a test that a radial sample is out of reach.

:func:`towerplan.coverage._p1812_reach.p1812_radial_bound` bounds the P.1812-7 loss of
every radial sample from below; most samples of a 30 km radial lie tens of dB beyond
what any sector can afford (``bench/README.md``), and for them a much weaker floor says
as much. This floor uses no transcendental function per sample (logarithms, arctangents,
powers): only the running quantities of the radial, one or two hull searches, a square
root, per-site tables by distance and a table of the knife-edge loss. Each input is a
lower bound of the Recommendation's term (section and equation numbers of P.1812-7):

* free space (eq. 8) without the height term: ``Lbfs >= 92.4 + 20 log f + 20 log d``;
* the Bullington loss (eqs 12-21) at the Bullington point beyond line of sight, or at the
  point with the steepest slope from the transmitter in line of sight (its nu is at most
  the largest one), with J(nu) and ``1 - exp(-Luc / 6)`` read from a table at the grid
  point below nu (both rise with nu); the spherical-earth excess of eq. 40 is >= 0;
* the angles: for any arctangent ``atan(x) >= x - x^3 / 3`` (x >= 0) and ``>= x`` (x < 0);
  the transmitter horizon angle and the receiver horizon angle are at least the direct
  path's angles ``theta_td``, ``theta_rd`` (eqs 76-83: beyond line of sight the transmitter
  horizon point lies above the direct ray, so it also rises above it seen from the
  receiver), so theta (eq. 76) and ``theta''`` (eq. 51) are at least their direct-path values
  and troposcatter (eq. 44) and ducting (eqs 46-56, without Alf, Asr, Ap's excess over its
  floor, and with Ast only beyond line of sight) are bounded from them;
* the blend (eqs 57-63): ``Lminbap >= max(Lba, Lb0p)`` (eq. 60), Lbda from the exact Fk
  (eq. 61, nondecreasing in its inputs), ``Lbam >= min(Lbda, Lminb0p)`` (eq. 62, a convex
  combination: Fj is not needed) and ``Lbc >= min(Lbs, Lbam) - 5 log10 2`` (eq. 63).

The result is a valid (weaker) lower bound of the loss; the caller runs the full bound
only where it is not already above the largest loss limit.

With a wanted mask (the coverage matrix: only the samples its demand cells read matter),
:func:`wanted_floors` replaces the rest-of-radial floor: blocks of wanted samples are shown
out of reach one by one from the running quantities each block's first wanted sample will
have (known ahead from the profile, :func:`wanted_blocks`) and the wanted samples' own heights
(valleys, not the mountain tops ahead), so the radial's pass stops after its last wanted block
within reach. Numba's ``cache=True`` keys
kernels on their own file: after editing this module delete
``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from towerplan.coverage._p1812_hull import hull_max_slope

#: the knife-edge table: nu from -0.78 (J = 0 below) in steps of 0.01 up to 60.77
_NU0 = -0.78
_NU_STEP = 0.01
_N_NU = 6100
_LOG2_5 = 5.0 * math.log10(2.0)
#: samples in a block of :func:`block_floors`
BLOCK = 8  # eq. 63: -5 log10(10^(-0.2 a) + 10^(-0.2 b)) >= min(a, b) - 5 log10 2
#: the rows of a radial's work buffer (:func:`~._p1812_reach.p1812_radial_bound`): upper hulls (x row, y row) of
#: (d, g - 500 d^2 / ae), the same for ab, (d, h), (d, h - 500 d^2 / ae); then :func:`block_terrain`'s six rows
HULL_A, HULL_B, HULL_T, HULL_R, AHEAD = 0, 2, 4, 6, 8
WORK_ROWS = AHEAD + 6


def _knife_edge_table() -> np.ndarray:
    """Rows: J(nu) (eq. 12) and ``1 - exp(-J / 6)`` (eq. 21) at nu = _NU0 + k _NU_STEP."""
    nu = _NU0 + _NU_STEP * np.arange(_N_NU)
    w = nu - 0.1
    j = np.maximum(6.9 + 20.0 * np.log10(np.sqrt(w * w + 1.0) + w), 0.0)
    j[0] = 0.0  # J(-0.78) = 0 to rounding
    return np.ascontiguousarray(np.vstack([j, 1.0 - np.exp(-j / 6.0)]))


_KNIFE = _knife_edge_table()


@njit(cache=True, inline="always")
def _bullington_lo(nu, dtot):
    """A lower bound of the Bullington loss (eq. 21) for a diffraction parameter >= ``nu``."""
    if not nu >= _NU0:  # also NaN
        return 0.0
    k = min(int((nu - _NU0) / _NU_STEP), _N_NU - 1)
    return _KNIFE[0, k] + _KNIFE[1, k] * (10.0 + 0.02 * dtot)


@njit(cache=True, inline="always")
def _atan_lo(x):
    """A lower bound of atan(x)."""
    return x - x * x * x / 3.0 if x > 0.0 else x


@njit(cache=True, inline="always")
def _bull_nu(q, kd, kg, h, row, m, dtot, hts, hrs, a, lam):
    """nu at the Bullington point (eqs 13-20) beyond line of sight, else at the transmitter-side point.

    ``q``/``kd``/``kg``: the running Bullington slope and its point; rows ``row``, ``row + 1`` of ``h``
    (``m`` vertices): the upper hull of (d, g - 500 d^2 / a) (as :func:`~._p1812_stages._bullington_floor`).
    """
    stim = 500.0 * dtot / a + q
    if stim >= (hrs - hts) / dtot:
        srim = hull_max_slope(h, row, m, dtot, hrs - 500.0 * dtot * dtot / a)[0] - 500.0 * dtot / a
        dbp = (hrs - hts + srim * dtot) / (stim + srim)
        return (hts + stim * dbp - (hts * (dtot - dbp) + hrs * dbp) / dtot) * math.sqrt(
            0.002 * dtot / (lam * dbp * (dtot - dbp)))
    e = kg + 500.0 * kd * (dtot - kd) / a - (hts * (dtot - kd) + hrs * kd) / dtot
    return e * math.sqrt(0.002 * dtot / (lam * kd * (dtot - kd)))


@njit(cache=True, inline="always")
def lminb0p_floor(lbfs, lb0p, d50, dom, lb0b_off, fi_lo, fi_hi, lb0b_branch, lb0p_branch):
    """A floor of Lminb0p (eq. 59) from floors of Ld50 (``d50``) and of (1 - omega) Ldp (``dom``): both branches,
    Fi at its extremes over beta0 (``fi_lo``, ``fi_hi``; convex combinations, nondecreasing in their inputs)."""
    a_end = lbfs + d50
    b_end = lbfs + lb0b_off + dom
    lminb0p = min(a_end + (b_end - a_end) * fi_lo, a_end + (b_end - a_end) * fi_hi) if lb0b_branch else a_end
    if lb0p_branch:
        lminb0p = min(lminb0p, lb0p + dom)
    return lminb0p


@njit(cache=True, inline="always")  # in hot loops: no call per sample or cell
def _blend_floor(lba, lb0p, lbfs, d50, dp_lb, inland, lbs, lloc, fk, k):
    """The floor of the blend (eqs 57-63) and of eq. 69 from floors of its inputs: ``lba`` (ducting),
    ``d50`` / ``dp_lb`` (diffraction), ``lbs`` (troposcatter), ``lloc`` (eq. 64) and the exact ``fk`` (eq. 61);
    ``k``: the radial's constants (the Lb0b offset, Fi at its extremes and which eq. 59 branches apply)."""
    lb0b_off, fi_lo, fi_hi, lb0b_branch, lb0p_branch = k[11], k[12], k[13], k[14], k[15]
    lminbap = max(lba, lb0p)
    dom = dp_lb if inland else 0.0
    lbd = lb0p + dp_lb
    lminb0p = lminb0p_floor(lbfs, lb0p, d50, dom, lb0b_off, fi_lo, fi_hi, lb0b_branch, lb0p_branch)
    lbda = lbd if lminbap > lbd else lminbap + (lbd - lminbap) * fk
    lbc = min(lbs, min(lbda, lminb0p)) - _LOG2_5
    return max(lb0p, lbc + lloc) - 0.05


@njit(cache=True, inline="always")
def out_of_reach_floor(dtot, hts, hrs, l20, fk, k, run, h, ma, mb):
    """A lower bound of the P.1812 loss of the sample at ``dtot`` km (see the module docstring).

    ``l20``, ``fk``: the sample's ``20 log10 d`` and Fk (rows 2-3 of :func:`~._p1812_reach.site_tables`);
    ``k``: the radial's constants (``lf, kes_p, lam, ae, ab, two, gamma_d, ap_lb, tropo_a,
    tropo_n0, tropo_p, lb0b_off, fi_lo, fi_hi, lb0b_branch, lb0p_branch``); ``run``: the running
    quantities (``qa, ka_d, ka_g, qb, kb_d, kb_g, at, th_max, tx_terms, inland, acx, lloc``);
    ``h``: the radial's hulls (:data:`HULL_A`, :data:`HULL_B`: of (d, g - 500 d^2 / a) for ae and ab, ``ma``, ``mb``
    vertices).
    """
    lf, kes_p, lam, ae, ab, two, gamma_d, ap_lb, tropo_a, tropo_n0, tropo_p = k[:11]  # the rest: _blend_floor
    qa, ka_d, ka_g, qb, kb_d, kb_g, at, th_max, tx_terms, inland, acx, lloc = run
    lbfs = 92.4 + lf + l20
    lb0p = lbfs + kes_p
    d50 = _bullington_lo(_bull_nu(qa, ka_d, ka_g, h, HULL_A, ma, dtot, hts, hrs, ae, lam), dtot)
    dp_lb = d50
    if two:
        dp_lb = min(d50, _bullington_lo(_bull_nu(qb, kb_d, kb_g, h, HULL_B, mb, dtot, hts, hrs, ab, lam), dtot))
    # the direct path's angles (mrad, eqs 76-83) from below; beyond line of sight the horizons are above them
    inv2ae = 1.0 / (2.0 * ae)
    a_td = (hrs - hts) / (1000.0 * dtot) - dtot * inv2ae
    th_td = 1000.0 * _atan_lo(a_td)
    th_rd = 1000.0 * _atan_lo((hts - hrs) / (1000.0 * dtot) - dtot * inv2ae)
    beyond = at > a_td + 1e-9  # clearly beyond line of sight (the kernel's test, eq. 77 vs the direct path)
    th_t = th_max if beyond else th_td
    theta = 1e3 * dtot / ae + th_t + th_rd
    lbs = ((tropo_a + l20) + 0.573 * theta) - tropo_n0 - tropo_p  # eq. 44
    th1 = 1e3 * dtot / ae + min(th_td, 0.0) + min(th_rd, 0.0)
    lba = 102.45 + tx_terms[1] + (tx_terms[0] if beyond else 0.0) + gamma_d * th1 + lf + acx + ap_lb
    return _blend_floor(lba, lb0p, lbfs, d50, dp_lb, inland, lbs, lloc, fk, k)


@njit(cache=True, inline="always")
def _bull_nu_beyond(kd, kg, d0, dmax, hts, hr_max, a, lam):
    """A lower bound of nu at the fixed point (``kd``, ``kg``) for every receiver at d0 <= D <= dmax, height <= hr_max.

    nu (eq. 15) = e(D, hrs) sqrt(0.002 D / (lam kd (D - kd))) with e = kg - hts + 500 kd (D - kd) / a +
    (hts - hrs) kd / D: each term of e is bounded at its worst end; the root falls with D.
    """
    e = kg - hts + 500.0 * kd * (d0 - kd) / a + (hts - hr_max) * kd / (dmax if hts >= hr_max else d0)
    root = math.sqrt(0.002 * (dmax if e > 0.0 else d0) / (lam * kd * ((dmax if e > 0.0 else d0) - kd)))
    return e * root


@njit(cache=True, inline="always")
def beyond_floor(d0, dmax, l20, fk_end, hts, hrg, k, run, ahead):
    """A lower bound of the P.1812 loss of every sample from ``d0`` to ``dmax`` km (inclusive; ``l20``: 20 log10 d0,
    ``fk_end``: Fk at ``dmax``, rows 2-3 of :func:`~._p1812_reach.site_tables`).

    For any receiver beyond the current point, the points already passed stay intermediate
    points of its path, and the knife-edge loss of its path is at least that of any one of
    them (beyond line of sight its Bullington point is the apex of the two steepest rays, whose
    nu is the largest under them; in line of sight the largest nu is taken, eqs 13-21): the
    transmitter-side point of the running slope (eq. 13) is kept, with the receiver anywhere
    from ``d[i]`` to ``d[i_end]`` and no higher than the highest ground there (``ahead``: the
    largest and smallest terrain height of samples ``i .. i_end`` and whether they hold a
    non-inland or a sea point). The other terms are bounded as in :func:`out_of_reach_floor` at their
    least favourable distance and height: free space and troposcatter at ``d[i]``, the
    direct-path angles at the extremes of the heights ahead, Fk (falling with distance) at
    the end, the transmitter horizon and its distance (both only grow along the radial,
    Ast left out), the sea terms where sea lies ahead.
    """
    lf, kes_p, lam, ae, ab, two, gamma_d, ap_lb, tropo_a, tropo_n0, tropo_p = k[:11]  # the rest: _blend_floor
    ka_d, ka_g, kb_d, kb_g, th_max, tx_terms, inland, sea_tx, lloc_land = run
    z_max, z_min, s_other, s_sea = ahead
    hr_max = z_max + hrg
    hr_min = z_min + hrg
    lbfs = 92.4 + lf + l20
    lb0p = lbfs + kes_p
    d50 = _bullington_lo(_bull_nu_beyond(ka_d, ka_g, d0, dmax, hts, hr_max, ae, lam), d0)
    dp_lb = d50
    if two:
        dp_lb = min(d50, _bullington_lo(_bull_nu_beyond(kb_d, kb_g, d0, dmax, hts, hr_max, ab, lam), d0))
    inv2ae = 1.0 / (2.0 * ae)
    up = hr_min - hts  # (hrs - hts) >= up; its quotient by D is least at the far end if up >= 0
    a_td = up / (1000.0 * (dmax if up >= 0.0 else d0)) - dmax * inv2ae
    down = hts - hr_max
    a_rd = down / (1000.0 * (dmax if down >= 0.0 else d0)) - dmax * inv2ae
    th_td = 1000.0 * _atan_lo(a_td)
    th_rd = 1000.0 * _atan_lo(a_rd)
    theta = 1e3 * d0 / ae + min(th_max, th_td) + th_rd
    lbs = ((tropo_a + l20) + 0.573 * theta) - tropo_n0 - tropo_p  # eq. 44
    th1 = 1e3 * d0 / ae + min(th_td, 0.0) + min(th_rd, 0.0)
    all_inland = inland and not s_other
    acx = 0.0
    if not all_inland:
        if sea_tx:
            acx -= 6.0
        if s_sea:
            acx -= 6.0
    lloc = min(lloc_land, 0.0) if s_sea else lloc_land
    lba = 102.45 + tx_terms[1] + gamma_d * th1 + lf + acx + ap_lb
    return _blend_floor(lba, lb0p, lbfs, d50, dp_lb, all_inland, lbs, lloc, fk_end, k)


@njit(cache=True)
def block_terrain(z, zone, n, h):
    """What :func:`block_floors` reads ahead of each block start ``b * BLOCK`` (< ``n``), into column b of ``h``'s
    rows :data:`AHEAD` on: the largest and smallest of ``z`` from the block start to ``n`` and within the block,
    and whether ``zone`` holds a non-inland / a sea point from the block start on (1.0 / 0.0)."""
    hi = -math.inf
    lo = math.inf
    o = False
    s = False
    for i in range(n - 1, -1, -1):
        hi = max(hi, z[i])
        lo = min(lo, z[i])
        o = o or zone[i] != 4
        s = s or zone[i] == 1
        if i % BLOCK == 0:
            b = i // BLOCK
            h[AHEAD, b] = hi
            h[AHEAD + 1, b] = lo
            h[AHEAD + 2, b] = 1.0 if o else 0.0
            h[AHEAD + 3, b] = 1.0 if s else 0.0
            b_max = -math.inf
            b_min = math.inf
            for j in range(i, min(i + BLOCK, n)):
                b_max = max(b_max, z[j])
                b_min = min(b_min, z[j])
            h[AHEAD + 4, b] = b_max
            h[AHEAD + 5, b] = b_min


@njit(cache=True, inline="always")
def block_floors(b, l20, d0, d_end, fk_end, d_blk, fk_blk, hts, hrg, consts, run, h, t_rest):
    """The floors of the rest of the radial (to ``d_end`` km, Fk ``fk_end`` there) and, unless that one is above
    ``t_rest`` (NaN then), of block ``b`` (to ``d_blk``, Fk ``fk_blk``) from its start at ``d0`` km (``l20``:
    20 log10 d0) with what :func:`block_terrain` wrote in column b of ``h`` (:func:`beyond_floor`; sea anywhere
    ahead counts as if in the block)."""
    other = h[AHEAD + 2, b] > 0.0
    sea = h[AHEAD + 3, b] > 0.0
    rest = beyond_floor(d0, d_end, l20, fk_end, hts, hrg, consts, run, (h[AHEAD, b], h[AHEAD + 1, b], other, sea))
    if rest > t_rest:
        return rest, math.nan
    return rest, beyond_floor(d0, d_blk, l20, fk_blk, hts, hrg, consts, run,
                              (h[AHEAD + 4, b], h[AHEAD + 5, b], other, sea))


@njit(cache=True)
def wanted_blocks(z, r, d, zone, want, n, hts, ae, ab, two):
    """What :func:`wanted_floors` needs of a profile, in one pass: per block of :data:`BLOCK` samples (block b:
    samples ``b * BLOCK`` on), over the samples ``want`` keeps, ``idx[0:2, b]`` the first and last (-1: none);
    ``idx[2:5, b]`` the points among 1 .. ``idx[0, b]`` - 1 with the steepest Bullington slope from the
    transmitter (eq. 13; radii ae, ab) and the highest transmitter horizon (eq. 77, its first argmax): the
    running quantities :func:`~._p1812_reach.p1812_radial_bound` will have at the block's first wanted sample;
    ``val[0:2, b]`` the wanted samples' largest and smallest terrain height, ``val[2:4, b]`` room for the
    block's horizon angle and 20 log10 (its distance + one step) (NaN: not yet computed); ``flags[0:2, b]``
    whether ``zone`` holds a non-inland / a sea point from the block's start on. ``n`` = 0: no block.
    """
    nb = (n + BLOCK - 1) // BLOCK
    idx = np.full((5, nb), -1, dtype=np.int64)
    val = np.empty((4, nb))
    flags = np.zeros((2, nb), dtype=np.bool_)
    qa = -math.inf
    qb = -math.inf
    at = -math.inf
    ka = 0
    kb = 0
    kt = 0
    inv2ae = 1.0 / (2.0 * ae)
    ca = 500.0 / ae
    cb = 500.0 / ab
    for k in range(n):
        if k >= 2:  # point k - 1 becomes intermediate (which point is steepest: rounding cannot make it unsound)
            m = k - 1
            dm = d[m]
            inv = 1.0 / dm
            g = (z[m] + r[m] - hts) * inv
            if g - ca * dm > qa:
                qa = g - ca * dm
                ka = m
            if two and g - cb * dm > qb:
                qb = g - cb * dm
                kb = m
            a_t = (z[m] - hts) * 0.001 * inv - dm * inv2ae
            if m == 1 or a_t > at:
                at = a_t
                kt = m
        if zone[k] != 4:
            flags[0, k // BLOCK] = True
            if zone[k] == 1:
                flags[1, k // BLOCK] = True
        if want[k]:
            b = k // BLOCK
            if idx[0, b] < 0:
                idx[0, b] = k
                idx[2, b] = ka
                idx[3, b] = kb
                idx[4, b] = kt
                val[0, b] = z[k]
                val[1, b] = z[k]
                val[2, b] = math.nan
            idx[1, b] = k
            val[0, b] = max(val[0, b], z[k])
            val[1, b] = min(val[1, b], z[k])
    for b in range(nb - 2, -1, -1):
        flags[0, b] = flags[0, b] or flags[0, b + 1]
        flags[1, b] = flags[1, b] or flags[1, b + 1]
    return idx, val, flags


@njit(cache=True)
def wanted_floors(i, p, first, d, z, r, hts, hrg, flat, consts, run, blocks, out, want, lim):
    """The rest of a radial for its wanted samples only (the coverage matrix): at the block start ``i``, the
    blocks from ``max(p, i // BLOCK)`` on are shown out of reach one after the other, until one is not.

    A block without a wanted sample is out of reach by definition. Otherwise :func:`beyond_floor` over the
    block's wanted samples (receivers from the first to the last of them, no higher than the highest) with the
    running quantities the radial has at the block's first wanted sample (:func:`wanted_blocks`: the profile is
    known ahead, only the running hulls are not): the points of the steepest Bullington slope (eq. 13) and of
    the transmitter horizon (eq. 77) over the points before it. They are intermediate points of every wanted
    sample's path in the block, the horizon of each such path is at least as high and at least as far, and
    the Bullington loss is at least the knife-edge loss of any intermediate point (as :func:`beyond_floor`
    argues), so the floor bounds the exact loss of every wanted sample of the block.

    Writes each block shown out of reach into ``out`` from ``first`` on (its floor at the wanted samples, +inf
    elsewhere) and returns the first block not shown so (``blocks[0].shape[1]``: none, the rest of the radial
    is out of reach). A block shown out of reach stays so (its floor bounds the exact loss of its samples
    whatever is walked later), so the caller passes the returned block back as ``p``. ``lim``: the limits of
    :func:`~._p1812_reach.radial_bound`: a block is out of reach where its floor exceeds the block's limit (row 2
    at the block's start).
    """
    idx, val, flags = blocks
    nb = idx.shape[1]
    ahead = i // BLOCK  # i is a block start: the zones from i on
    n = len(z)
    b = max(p, i // BLOCK)
    while b < nb:
        f = math.inf
        lo = idx[0, b]
        if lo >= 0:
            if math.isnan(val[2, b]):  # the block's transmitter horizon: once
                kt = idx[4, b]
                val[2, b] = 1000.0 * math.atan((z[kt] - hts) * 0.001 / d[kt] - d[kt] / (2.0 * consts[3]))
                val[3, b] = 20.0 * math.log10(d[kt] + d[1])
            ka = idx[2, b]
            kb = idx[3, b]
            run_b = (d[ka], z[ka] + r[ka], d[kb], z[kb] + r[kb], val[2, b], (0.0, val[3, b]), run[6], run[7], run[8])
            hi = idx[1, b]
            f = beyond_floor(d[lo], d[hi], flat[2, lo], flat[3, hi], hts, hrg, consts, run_b,
                             (val[0, b], val[1, b], flags[0, ahead], flags[1, ahead]))
            if not f > lim[2, b * BLOCK]:
                break
        for k in range(max(b * BLOCK, first), min((b + 1) * BLOCK, n)):
            out[k] = f if want[k] else math.inf
        b += 1
    return b
