"""Stages 1 and 2 of the P.1812 reach bound: the floor of one radial sample from the radial's running quantities.

:func:`towerplan.coverage._p1812_reach.p1812_radial_bound` walks a radial, keeps its running
quantities (sums, maxima and upper hulls of the profile) and asks, per sample, :func:`stage1` (the
floor without the spherical-earth excess of eq. 40) and, where that leaves the sample within reach,
:func:`stage2` (with it). The inequalities are the module docstring's of :mod:`._p1812_reach`
(section and equation numbers of P.1812-7). Both stages compute, where they compute a term, the same
operations in the same order as before the split; what they leave out they leave out only where the
value kept is provably the same float:

* one hull query (the largest slope to the receiver on the upper hull of (d, g - 500 d^2 / ae))
  serves the Bullington floor (eq. 17) and, on a radial without clutter (the two hulls hold the
  same points), the receiver horizon of the ducting floor (eq. 80);
* the direct-path angle from the receiver (eq. 83's theta_rd) only in line of sight (beyond it
  the ducting floor reads the horizon);
* eq. 60's log-sum-exp (Lminbap) only where it can be <= Lbd: eq. 61 reads it in that comparison
  only, and Lminbap >= max(Lba, Lb0p);
* Fj (eq. 57) without its tanh where the argument is beyond +-22 (tanh is +-1.0 there to the bit;
  :func:`~._p1812_kernels._fj`);
* the spherical-earth loss (eqs 22-27) is 0 when the path clears the earth by more than the
  clearance it asks for (:func:`_clears_earth`), without eq. 25's arccos; and where the excess is 0
  the full floor is the stage-1 floor (the same blend of the same inputs);
* round w17: eq. 60 with the larger term's ``exp(0.0)`` as 1.0 (:func:`_lminbap`); the knife-edge term 0.0
  without its exp where J(nu) = 0 (eqs 12 and 21, nu <= -0.78); Fj's tanh (eq. 57) only where eq. 62 reads it
  (Lminb0p != Lbda: at 50 % time Fi = 0 and Lminb0p is Lbd, so wherever eq. 61 gives Lbda = Lbd it is not read);
  and eq. 69's ``max(Lb0p, Lbc + Lloc)`` as Lb0p without eq. 63's two powers and logarithm where the computed
  ``Lbc + Lloc`` is provably below Lb0p (:func:`_below_free_space`: free-space samples in line of sight).

Numba's ``cache=True`` keys kernels on their own file: after editing this module delete
``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import math

from numba import njit

from towerplan.coverage._p1812_floor0 import HULL_A, HULL_B, HULL_T, lminb0p_floor
from towerplan.coverage._p1812_hull import hull_max_linear, hull_max_slope
from towerplan.coverage._p1812_kernels import _below_free_space, _fj, _spherical_earth_k
from towerplan.coverage._p1812_profile import _flat_max, bullington_loss

#: floating-point slack and the remainder of the I(x) approximation at 50 % (I(0.5) ~ 1e-5)
_SLACK_DB = 0.05
#: eq. 60's blending constant
_ETA = 2.5
#: what a comparison leaves for rounding (dB or m; every value compared is computed to ~1e-12)
_ROUND = 1e-6


@njit(cache=True)
def fk_weight(dtot):
    """Fk, eq. 57 (the blend of eq. 61's weight by distance)."""
    return 1.0 - 0.5 * (1.0 + math.tanh(3.0 * 0.5 * (dtot - 20.0) / 20.0))


@njit(cache=True, inline="always")
def _nu(g, dk, dtot, hts, hrs, a, lam):
    """Diffraction parameter of one profile point (eq. 15)."""
    e = g + 500.0 * dk * (dtot - dk) / a - (hts * (dtot - dk) + hrs * dk) / dtot
    return e * math.sqrt(0.002 * dtot / (lam * dk * (dtot - dk)))


@njit(cache=True, inline="always")
def _bullington_floor(q, kd, kg, h, row, m, dtot, hts, hrs, a, lam, srim_p, k0):
    """Lower bound of the Bullington loss of the profile (eqs 13-21) for the radius ``a``.

    ``q``: the running maximum giving Stim (eq. 13) and ``kd`` / ``kg`` the distance and
    height g of its point; rows ``row``, ``row + 1`` of ``h``: the upper hull of (d, g - 500 d^2 / a), whose
    largest slope towards (D, hrs - 500 D^2 / a) (``srim_p``, at hull vertex ``k0``:
    :func:`~._p1812_hull.hull_max_slope`) gives Srim (eq. 17) exactly. Beyond line of sight this is the
    Recommendation's Bullington point; in line of sight the largest nu over the profile is at least that of any
    point tried.
    """
    stim = 500.0 * dtot / a + q
    srim = srim_p - 500.0 * dtot / a
    if stim >= (hrs - hts) / dtot:
        return bullington_loss(stim, srim, math.nan, False, hts, hrs, dtot, lam)
    nu = _nu(kg, kd, dtot, hts, hrs, a, lam)
    # the largest nu: a hill climb over the hull's vertices from the receiver-side tangent point
    # (every vertex is a profile point, so whatever it finds is a lower bound of the largest nu)
    hx = row
    hy = row + 1
    best = _nu(h[hy, k0] + 500.0 * h[hx, k0] * h[hx, k0] / a, h[hx, k0], dtot, hts, hrs, a, lam)
    for direction in (-1, 1):
        k = k0 + direction
        while 0 <= k < m:
            v = _nu(h[hy, k] + 500.0 * h[hx, k] * h[hx, k] / a, h[hx, k], dtot, hts, hrs, a, lam)
            if v <= best:
                break
            best = v
            k += direction
    nu = max(nu, best)
    if nu <= -0.78:  # J = 0 (eq. 12): Luc + (1 - exp(-Luc / 6)) (10 + 0.02 d) is 0.0 + 0.0 (eq. 21; round w17: no exp)
        return 0.0
    return bullington_loss(0.0, 0.0, nu, True, hts, hrs, dtot, lam)


@njit(cache=True, inline="always")
def tx_ducting_terms(th_max, dlt, l_dlt, f_ghz, f13):
    """What the Lba floor takes from the transmitter horizon (angle ``th_max`` mrad at ``dlt`` km).

    (Ast of eq. 48 beyond line of sight, 20 log10(dlt + one step), given as ``l_dlt``); ``f13``:
    ``f_ghz ** (1 / 3)``. They change only where the running horizon does, so the radial computes
    them there, not at every sample.
    """
    ast = 0.0
    tht2 = th_max - 0.1 * dlt
    if tht2 > 0.0:
        ast = 20.0 * math.log10(1.0 + 0.361 * tht2 * math.sqrt(f_ghz * dlt)) + 0.264 * tht2 * f13
    return ast, l_dlt


@njit(cache=True, inline="always")
def _ducting_floor(dtot, hts, hrs, at, th_max, dlt, tx_terms, step_km, ae, gamma_d, h, row, mr, q_r, shared):
    """(part of the Lba floor, exact theta): eqs 46-56 without Alf, Asr (>= 0), Act, Acr, Ap and 20 log f.

    ``th_max``: the transmitter horizon angle (mrad, eq. 77's running maximum: 1000 atan(``at``)), ``dlt`` its
    distance and ``tx_terms`` :func:`tx_ducting_terms` of them; ``gamma_d``: eq. 51's specific
    attenuation; rows ``row``, ``row + 1`` of ``h`` (``mr`` vertices): the upper hull of (d, h - 500 d^2 / ae)
    (receiver horizon), whose largest slope to the receiver is ``q_r`` already where ``shared``.
    """
    inv2ae = 1.0 / (2.0 * ae)
    a_td = (hrs - hts) / (1000.0 * dtot) - dtot * inv2ae
    # beyond line of sight where th_max > th_td (section 4.3.1 / Attachment 2, as the kernel decides); where the
    # arguments of the two arctangents differ by more than 1e-12 (and lie in [-1, 1], where atan's slope is
    # >= 1/2) their values do too, far beyond atan's rounding (< 2.3e-16): the comparison needs no th_td then
    clear = at > a_td + 1e-12 and abs(at) <= 1.0 and abs(a_td) <= 1.0
    th_td = th_max if clear else 1000.0 * math.atan(a_td)  # (th_td unread when clear)
    ast = 0.0
    if clear or th_max > th_td:
        th_t = th_max
        if not shared:
            q_r = hull_max_slope(h, row, mr, dtot, hrs - 500.0 * dtot * dtot / ae)[0]
        th_r = 1000.0 * math.atan((q_r - 1000.0 * dtot / ae) / 1000.0)
        ast = tx_terms[0]
        th1 = 1e3 * dtot / ae + min(th_t, 0.1 * dlt) + min(th_r, 0.1 * step_km)  # dlr >= one step
    else:
        th_rd = 1000.0 * math.atan((hts - hrs) / (1000.0 * dtot) - dtot * inv2ae)
        th_t = th_td
        th_r = th_rd
        th1 = 1e3 * dtot / ae + min(th_td, 0.1 * step_km) + min(th_rd, 0.1 * step_km)  # dlt, dlr >= one step
    theta = 1e3 * dtot / ae + th_t + th_r  # exact (eq. 76)
    return 102.45 + tx_terms[1] + ast + gamma_d * th1, theta


@njit(cache=True, inline="always")
def _blend_floor(d50, dp_lb, inland, lminbap, blend):
    """The loss floor (eqs 57-69) from floors of Ld50 and Ldp (eqs 39-41); it rises with both.

    ``lminbap``: eq. 60 (or any value > Lbd, see :func:`stage1`); ``blend``: the rest of what does not depend on
    the diffraction loss (free space, the Lb0p / Lb0b offsets, Fi at its extremes, Fk, Fj, Lbs, Lloc). Every step is
    nondecreasing in ``d50`` and ``dp_lb``: Lbd and both branches of Lminb0p (eq. 59, convex
    combinations with Fi in [0, 1]) rise with them, Lbda (eq. 61) is continuous with slopes 1
    and Fk > 0 in Lbd, Lbam (eq. 62) a convex combination, Lbc (eq. 63) and eq. 69 rise with
    their inputs; so floors of the diffraction loss give a floor of Lb.
    """
    lbfs, lb0p, lb0b_off, fi_lo, fi_hi, lb0b_branch, lb0p_branch, fk, xj, lbs, lloc = blend[:11]
    dom = dp_lb if inland else 0.0  # (1 - omega) Ldp
    lbd = lb0p + dp_lb
    # Lminb0p (eq. 59): Fi at its extremes over beta0 (global bounds: no per-path beta0)
    lminb0p = lminb0p_floor(lbfs, lb0p, d50, dom, lb0b_off, fi_lo, fi_hi, lb0b_branch, lb0p_branch)
    lbda = lbd
    if lminbap <= lbd:
        lbda = lminbap + (lbd - lminbap) * fk  # Fk exact (eq. 57)
    lbam = lbda  # eq. 62 where Lminb0p == Lbda: lbda + 0.0 Fj is lbda to the bit, Fj unread (round w17)
    if not (lminb0p == lbda and abs(lbda) < math.inf):
        lbam = lbda + (lminb0p - lbda) * _fj(xj)
    if _below_free_space(lb0p, lbam, lbs, lloc):  # eq. 69 takes Lb0p: the same float without eq. 63's powers
        return lb0p - _SLACK_DB
    lbc = -5.0 * math.log10(10.0 ** (-0.2 * lbs) + 10.0 ** (-0.2 * lbam))  # eq. 63 rises with both terms
    return max(lb0p, lbc + lloc) - _SLACK_DB


@njit(cache=True, inline="always")
def _lminbap(lba, lb0p):
    """Eq. 60: Lminbap, the blend of ducting and line of sight (a log-sum-exp, >= max(Lba, Lb0p))."""
    big = max(lba, lb0p) / _ETA
    # the larger term's exponent is x / _ETA - x / _ETA: 0.0 to the bit, and exp(0.0) is 1.0 (round w17: one exp)
    if lb0p <= lba < math.inf:
        return _ETA * (big + math.log(1.0 + math.exp(lb0p / _ETA - big)))
    if lba < lb0p < math.inf:
        return _ETA * (big + math.log(math.exp(lba / _ETA - big) + 1.0))
    return _ETA * (big + math.log(math.exp(lba / _ETA - big) + math.exp(lb0p / _ETA - big)))


@njit(cache=True, inline="always")
def stage1(dtot, hts, hrs, consts, run, h, ma, mb, row_r, mr, shared, lg, fk, step_km, inland, acx, lloc):
    """The floor of the sample at ``dtot`` km (receiver at ``hrs``) without the spherical-earth excess (eq. 40).

    ``consts``: :func:`~._p1812_reach._radial_constants`; ``run``: ``(qa, ka_d, ka_g, qb, kb_d, kb_g, at, th_max,
    dlt, tx_terms)``; ``h``: the radial's hulls (:data:`~._p1812_floor0.HULL_A`, ``HULL_B``: (d, g - 500 d^2 / a)
    for ae and ab, ``ma``, ``mb`` vertices; rows ``row_r``: (d, h - 500 d^2 / ae), ``mr``, the first where
    ``shared``); ``lg``, ``fk``: 20 log10 d and Fk (eq. 57) at the sample. Returns (the floor, the Bullington
    floors for ae and ab, the blend's inputs for :func:`stage2`).
    """
    (lf, kes_p, lam, ae, ab, two, gamma_d, ap_lb, tropo_a, tropo_n0, tropo_p, lb0b_off, fi_lo, fi_hi,
     lb0b_branch, lb0p_branch) = consts[:16]
    qa, ka_d, ka_g, qb, kb_d, kb_g, at, th_max, dlt, tx_terms = run
    lbfs = 92.4 + lf + 10.0 * math.log10(dtot * dtot + ((hts - hrs) / 1000.0) ** 2)
    lb0p = lbfs + kes_p
    # the receiver-side slope on the ae hull (eq. 17): the Bullington floor's and, without clutter, eq. 80's
    srim_p, k0 = hull_max_slope(h, HULL_A, ma, dtot, hrs - 500.0 * dtot * dtot / ae)
    # ducting (eqs 46-56) and troposcatter (eq. 44): they do not depend on the diffraction loss
    lba0, theta = _ducting_floor(dtot, hts, hrs, at, th_max, dlt, tx_terms, step_km, ae, gamma_d, h, row_r, mr, srim_p,
                                 shared)
    lba = lba0 + lf + acx + ap_lb
    # the Bullington floors (eqs 13-21); this stage leaves out max(Ldsph - Lbulls, 0) >= 0 (eq. 40)
    bull_a = _bullington_floor(qa, ka_d, ka_g, h, HULL_A, ma, dtot, hts, hrs, ae, lam, srim_p, k0)
    bull_b = math.inf
    if two:
        srim_b, k0b = hull_max_slope(h, HULL_B, mb, dtot, hrs - 500.0 * dtot * dtot / ab)
        bull_b = _bullington_floor(qb, kb_d, kb_g, h, HULL_B, mb, dtot, hts, hrs, ab, lam, srim_b, k0b)
    top = max(lba, lb0p)
    lminbap = top  # eq. 60 >= its larger term; eq. 61 compares it with Lbd = Lb0p + Ldp only
    exact = not top > lb0p + min(bull_a, bull_b) + _ROUND
    if exact:
        lminbap = _lminbap(lba, lb0p)
    xj = 3.0 * 0.8 * (theta - 0.3) / 0.3  # Fj's argument (eq. 57; :func:`_fj`, where read)
    lbs = (((tropo_a + lg) + 0.573 * theta) - tropo_n0) - tropo_p  # eq. 44, as troposcatter
    blend = (lbfs, lb0p, lb0b_off, fi_lo, fi_hi, lb0b_branch, lb0p_branch, fk, xj, lbs, lloc, lba, lminbap, exact)
    return _blend_floor(bull_a, min(bull_a, bull_b), inland, lminbap, blend), bull_a, bull_b, blend


@njit(cache=True, inline="always")
def _smooth_earth_terminals(v1, v2, dtot, hts, hrs, z0, zi, aot, h, mt):
    """Upper bounds of the terminal heights above the diffraction model's smooth surface (eqs 85-91)."""
    hst = (2.0 * v1 * dtot - v2) / (dtot * dtot)
    hsr = (v2 - v1 * dtot) / (dtot * dtot)
    slope = (hts - hrs) / dtot
    hobs = hull_max_linear(h, HULL_T, mt, slope) - hts
    if hobs > 0.0:
        aobt = aot + slope
        aobr = hull_max_slope(h, HULL_T, mt, dtot, hrs)[0] - slope
        hst = hst - hobs * aobt / (aobt + aobr)
        hsr = hsr - hobs * aobr / (aobt + aobr)
    return hts - min(hst, z0), hrs - min(hsr, zi)


@njit(cache=True, inline="always")
def _clears_earth(d, hte, hre, ap, lam):
    """True where :func:`~._p1812_kernels.spherical_earth` returns 0 for these terminals: inside the smooth-earth
    horizon (eq. 22's dlos, the same operations) and with the clearance at the reflection point above eq. 26's.

    The reflection point (eqs 23-24): b = 2 sqrt((m + 1) / 3m) cos(pi/3 + arccos(...) / 3) is the middle root of
    m b^3 - (m + 1) b + c = 0 (the trigonometric form of the cubic), so c = b (1 + m (1 - b^2)); the cubic is > 0 at
    b = -1 (1 + c) and < 0 at b = +1 (c - 1), so for |c| < 1 that root lies in (-1, 1), and then b lies between
    c / (1 + m) and c. Over that range of dse1 = d (1 + b) / 2 the clearance hse (eq. 25: the straight line's
    height above the sphere, (hte dse2 + hre dse1) / d - 500 dse1 dse2 / ap, convex in dse1) is at least its least
    value and hreq (eq. 26, concave) at most its largest; |c| <= 0.99 keeps the root well inside (-1, 1).
    """
    dlos = math.sqrt(2.0 * ap) * (math.sqrt(0.001 * hte) + math.sqrt(0.001 * hre))
    if not d < dlos:
        return False
    c = (hte - hre) / (hte + hre)
    m = 250.0 * d * d / (ap * (hte + hre))
    if not (abs(c) <= 0.99 and m >= 1e-9):
        return False
    b_lo = min(c, c / (1.0 + m)) - 1e-9
    b_hi = max(c, c / (1.0 + m)) + 1e-9
    x_lo = 0.5 * d * (1.0 + b_lo)
    x_hi = 0.5 * d * (1.0 + b_hi)
    kap = 500.0 / ap
    s = (hre - hte) / d - kap * d  # clearance(x) = hte + s x + kap x^2
    x = min(max(-s / (2.0 * kap), x_lo), x_hi)
    low = hte + s * x + kap * x * x
    x = min(max(0.5 * d, x_lo), x_hi)
    req = 17.456 * math.sqrt(max(x * (d - x), 0.0) * lam / d)
    return low - _ROUND > req + _ROUND


@njit(cache=True, inline="always")
def _spherical_excess(d, n, dtot, hte1, hre1, a, f_ghz, lam, inland, vertical, lbulls_hi, kg):
    """Lower bound of max(Ldsph - Lbulls, 0) (eq. 40) for the radius ``a``.

    Ldsph at the path's smooth-earth heights; Lbulls exactly beyond line of sight of the
    zero profile (:func:`~._p1812_profile._flat_max`), else its value at the lowest heights
    (``lbulls_hi``; it falls as the terminals rise). Where the path clears the earth (:func:`_clears_earth`: Ldsph
    is 0) the excess is 0.0 without Lbulls: Lbulls >= 0 (eq. 21: J >= 0, 1 - exp(-J / 6) >= 0), so 0 - Lbulls <= 0
    and the clamp gives 0.0, the same float (round w14: ~92 % of the stage-2 samples, which no longer search the zero
    profile's slopes or evaluate its Bullington loss). ``kg``: the site's
    :func:`~._p1812_kernels.ground_constants` (``spherical_earth`` computes them at every call: the same floats).
    """
    if _clears_earth(dtot, hte1, hre1, a, lam):  # Ldsph = 0 <= Lbulls: max(0 - Lbulls, 0) is 0.0 (see above)
        return 0.0
    sph = _spherical_earth_k(dtot, hte1, hre1, a, f_ghz, 0.0, vertical, kg)
    if not inland:  # omega unknown: Ldsph is linear in omega (eq. 28) before its clamp at 0
        sph = min(sph, _spherical_earth_k(dtot, hte1, hre1, a, f_ghz, 1.0, vertical, kg))
    ft = _flat_max(d, n, 500.0 / a, hte1, False)
    lbulls = lbulls_hi
    if not ft < (hre1 - hte1) / dtot:
        fr = _flat_max(d, n, 500.0 / a, hre1, True)
        lbulls = bullington_loss(ft, fr, math.nan, False, hte1, hre1, dtot, lam)
    return max(sph - lbulls, 0.0)


@njit(cache=True, inline="always")
def stage2(d, n, dtot, hts, hrs, z0, zi, consts, f_ghz, vertical, inland, lbulls_hi, sums, h, mt, stage, kg):
    """The full floor of the sample at ``dtot`` km (``n`` points to it; ``d``: the points' distances; ``zi`` its
    terrain height, ``z0`` the transmitter's): :func:`stage1`'s ``stage`` = (floor, Bullington floors for ae and ab,
    blend) with the spherical-earth excess (eq. 40) at the smooth-earth heights of the diffraction model (eqs 85-91:
    ``sums`` = (v1, v2, aot), the regression sums and the largest slope from the transmitter; rows
    :data:`~._p1812_floor0.HULL_T` of ``h``, ``mt`` vertices: the upper hull of (d, h)); ``lbulls_hi``: the
    zero-profile Bullington loss at the lowest heights for ae and ab (rows 0-1 of the site tables); ``kg``: the
    ground constants of eqs 29-30 (:func:`~._p1812_kernels.ground_constants`, once a radial). Where the
    excess is 0 the blend's inputs are stage 1's: its floor itself."""
    lam, ae, ab, two = consts[2], consts[3], consts[4], consts[5]
    lb1, bull_a, bull_b, blend = stage
    v1, v2, aot = sums
    hte1, hre1 = _smooth_earth_terminals(v1, v2, dtot, hts, hrs, z0, zi, aot, h, mt)
    d50 = bull_a + _spherical_excess(d, n, dtot, hte1, hre1, ae, f_ghz, lam, inland, vertical, lbulls_hi[0], kg)
    dp_lb = d50
    if two:
        dp_lb = min(d50, bull_b + _spherical_excess(d, n, dtot, hte1, hre1, ab, f_ghz, lam, inland, vertical,
                                                    lbulls_hi[1], kg))
    if d50 == bull_a and dp_lb == min(bull_a, bull_b):  # equal inputs (x + 0.0 == x): stage 1's floor
        return lb1
    lb0p, lba, lminbap, exact = blend[1], blend[11], blend[12], blend[13]
    if not exact and not max(lba, lb0p) > lb0p + dp_lb + _ROUND:  # Lbd has grown: eq. 60 after all
        lminbap = _lminbap(lba, lb0p)
    return _blend_floor(d50, dp_lb, inland, lminbap, blend)
