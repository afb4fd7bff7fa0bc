"""ITU-R P.1812-7 (08/2023) point-to-area prediction, as numba kernels (Annex 1 of the Recommendation).

Written from the Recommendation's text; section and equation numbers below are
those of P.1812-7 (the SG3 validation logs use the same numbering). Units follow
the Recommendation: distances in km, heights in m above sea level, frequency in
GHz, angles in mrad, time and location percentages in %.

The path is given as arrays ``d`` (km, d[0] = 0, ascending, any spacing), ``h``
(terrain, m), ``r`` (representative clutter height R, m) and ``zone`` (radio-
meteorological zone: 1 sea, 3 coastal land, 4 inland), of which the first ``n``
points are used, so a radial can evaluate every prefix of one profile without
copying. Following section 3.2 (eq. 1a), the heights the diffraction model sees
are ``g_i = h_i + R_i`` except at the two terminals, which stand on the ground.

The profile analysis (smooth earth, horizons, Bullington maxima) is
:mod:`towerplan.coverage._p1812_profile`. Nothing here raises;
:mod:`towerplan.coverage.p1812` validates inputs.

Note: numba's ``cache=True`` keys kernels on their own file: after editing a
``_p1812_*`` module delete ``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from towerplan.coverage._p1812_chain import BORROW
from towerplan.coverage._p1812_profile import analyse_profile_k, zero_bullington
from towerplan.coverage._p1812_zones import add_run, zone_in, zone_lengths_at

# slots of the optional debug vector of p1812_path (names as in the SG3 logs)
(DBG_DLT, DBG_DLR, DBG_THT, DBG_THR, DBG_TH, DBG_HSTD, DBG_HSRD, DBG_HTE, DBG_HRE, DBG_HM, DBG_AE, DBG_B0,
 DBG_OMEGA, DBG_DTM, DBG_DLM, DBG_LBFS, DBG_LB0P, DBG_LB0B, DBG_LBULLA, DBG_LBULLS, DBG_LDSPH, DBG_LD50,
 DBG_LDP, DBG_LBD, DBG_LMINB0P, DBG_LBA, DBG_LMINBAP, DBG_LBDA, DBG_LBAM, DBG_LBS, DBG_LBC, DBG_LB, DBG_FJ,
 DBG_FK) = range(34)
N_DBG = 34


#: tanh(x) is 1.0 to the bit for x > 22 (|1 - tanh x| < 2 e^-44, far below half an ulp of 1)
_TANH_ONE = 22.0
#: eq. 63's log-sum is below its Lbam term by > 2e-11 dB where Lbs exceeds Lbam by at most this
#: (:func:`_below_free_space`)
_BLEND_GAP_DB = 55.0
#: what :func:`_below_free_space`'s strict comparison leaves for rounding (dB)
_EQ69_ROUND = 1e-6


@njit(cache=True, inline="always")
def _fj(x):
    """Fj (eq. 57) from its argument ``x`` = 2.4 (theta - 0.3) / 0.3, without the tanh beyond +-22 (see
    :data:`_TANH_ONE`)."""
    return 0.0 if x > _TANH_ONE else (1.0 if x < -_TANH_ONE else 1.0 - 0.5 * (1.0 + math.tanh(x)))


@njit(cache=True, inline="always")
def _below_free_space(lb0p, lbam, lbs, lloc):
    """Whether ``max(lb0p, lbc + lloc)`` (eq. 69, ``lbc`` eq. 63 from ``lbs`` and ``lbam``) is ``lb0p`` for certain,
    as computed: eq. 63 is ``lbc = min(Lbs, Lbam) - 5 log10(1 + 10^(-0.2 |Lbs - Lbam|)) < Lbam``, by at least
    ``5 log10(1 + 10^-11) ~ 2.2e-11`` dB where ``Lbs - Lbam <= _BLEND_GAP_DB``; its powers and logarithm (each within
    an ulp or two, ~1e-13 dB on a loss up to ~1000 dB) keep the computed ``lbc`` below ``lbam + 2e-13``. So where
    ``lbam + lloc <= lb0p`` and ``lbs - lbam <= _BLEND_GAP_DB``, or ``lbam + lloc < lb0p - _EQ69_ROUND``, the computed
    ``lbc + lloc`` is below ``lb0p`` and eq. 69 gives ``lb0p`` (round w17: free-space samples in line of sight,
    about a fifth to a third of the samples within reach, skip two powers and a logarithm; round w18: the exact
    paths too, :func:`p1812_path_k`). NaN: False."""
    top = lbam + lloc
    return top < lb0p - _EQ69_ROUND or (top <= lb0p and lbs - lbam <= _BLEND_GAP_DB)


@njit(cache=True, **BORROW)
def inv_cum_norm(x):
    """I(x): inverse complementary cumulative normal distribution (Attachment 3, eqs 96-97)."""
    x = min(max(x, 1e-6), 0.999999)
    y = x if x <= 0.5 else 1.0 - x
    t = math.sqrt(-2.0 * math.log(y))
    c = ((0.010328 * t + 0.802853) * t + 2.515516698) / (((0.001308 * t + 0.189269) * t + 1.432788) * t + 1.0)
    return t - c if x <= 0.5 else -(t - c)


@njit(cache=True)
def beta0(phi_deg, dtm, dlm):
    """Time percentage beta0 (%) of anomalous propagation at the path centre (section 3.5, eqs 2-5)."""
    return _beta0_tau(phi_deg, dtm, dlm)[0]


@njit(cache=True, **BORROW)
def _beta0_tau(phi_deg, dtm, dlm):
    """(beta0, tau): :func:`beta0` and its tau (eq. 3), which eq. 55 reads again (the same dlm)."""
    tau = 1.0 - math.exp(-4.12e-4 * dlm**2.41)
    mu1 = (10.0 ** (-dtm / (16.0 - 6.6 * tau)) + 10.0 ** (-5.0 * (0.496 + 0.354 * tau))) ** 0.2
    mu1 = min(mu1, 1.0)
    a = abs(phi_deg)
    if a <= 70.0:
        mu4 = mu1 ** (-0.935 + 0.0176 * a)
        return 10.0 ** (-0.015 * a + 1.67) * mu1 * mu4, tau
    return 4.17 * mu1 * mu1**0.3, tau


@njit(cache=True, **BORROW)
def zone_lengths(d, zone, n):
    """(omega, dtm, dlm): sea fraction of the path, longest continuous land and inland sections (km).

    A run of points in a zone extends half-way to the neighbouring points outside it
    (section 3.6; the profile points stand for the middle of their intervals).
    """
    dtot = d[n - 1]
    sea = 0.0
    dtm = 0.0
    dlm = 0.0
    for kind in range(3):  # 0 sea, 1 land (coastal or inland), 2 inland
        i = 0
        while i < n:
            if not zone_in(zone[i], kind):
                i += 1
                continue
            start = i
            while i + 1 < n:
                if not zone_in(zone[i + 1], kind):
                    break
                i += 1
            stop = i
            length = d[stop] - d[start]
            if d[stop] < dtot:
                length += 0.5 * (d[stop + 1] - d[stop])
            if d[start] > 0.0:
                length += 0.5 * (d[start] - d[start - 1])
            sea, dtm, dlm = add_run(kind, length, sea, dtm, dlm)
            i += 1
    return sea / dtot, dtm, dlm


@njit(cache=True, **BORROW)
def ground_constants(f, vertical):
    """The factors of eqs 29-30 that depend on the frequency and the ground only (land: epsr 22, sigma 0.003; sea:
    80, 5), the same for every path of a site: ((epsr - 1)^2 + (18 sigma / f)^2)^-1/4 and, for vertical
    polarisation, (epsr^2 + (18 sigma / f)^2)^1/2 (else 1), land then sea."""
    out = (0.0, 0.0, 0.0, 0.0)
    for g in range(2):
        epsr, sigma = (22.0, 0.003) if g == 0 else (80.0, 5.0)
        c1 = ((epsr - 1.0) ** 2 + (18.0 * sigma / f) ** 2) ** -0.25
        c2 = (epsr**2 + (18.0 * sigma / f) ** 2) ** 0.5 if vertical else 1.0
        out = (c1, c2, out[2], out[3]) if g == 0 else (out[0], out[1], c1, c2)
    return out


@njit(cache=True, **BORROW)
def _first_term_one(c1, c2, d, hte, hre, adft, f, vertical):
    """First-term spherical-earth loss for one ground type and polarisation, dB (eqs 29-36); ``c1``, ``c2``: the
    ground's :func:`ground_constants`."""
    k = 0.036 * (adft * f) ** (-1.0 / 3.0) * c1
    if vertical:
        k *= c2
    k2 = k * k
    beta = (1.0 + 1.6 * k2 + 0.67 * k2 * k2) / (1.0 + 4.5 * k2 + 1.53 * k2 * k2)
    x = 21.88 * beta * (f / adft**2) ** (1.0 / 3.0) * d
    cy = 0.9575 * beta * (f**2 / adft) ** (1.0 / 3.0)
    fx = 11.0 + 10.0 * math.log10(x) - 17.6 * x if x >= 1.6 else -20.0 * math.log10(x) - 5.6488 * x**1.425
    g_min = 2.0 + 20.0 * math.log10(k)
    gy = 0.0
    for y in (beta * cy * hte, beta * cy * hre):
        if y > 2.0:
            gv = 17.6 * (y - 1.1) ** 0.5 - 5.0 * math.log10(y - 1.1) - 8.0
        else:
            gv = 20.0 * math.log10(y + 0.1 * y**3)
        gy += max(gv, g_min)
    return -fx - gy


@njit(cache=True, **BORROW)
def first_term(d, hte, hre, adft, f, omega, vertical, kg):
    """Eq. 28: sea and land first-term losses weighted by the sea fraction ``omega``; ``kg``:
    :func:`ground_constants`."""
    land = _first_term_one(kg[0], kg[1], d, hte, hre, adft, f, vertical)
    if omega <= 0.0:
        return land
    return omega * _first_term_one(kg[2], kg[3], d, hte, hre, adft, f, vertical) + (1.0 - omega) * land


@njit(cache=True)
def spherical_earth(d, hte, hre, ap, f, omega, vertical):
    """Spherical-earth diffraction loss Ldsph, dB (section 4.3.2, eqs 22-27)."""
    return _spherical_earth_k(d, hte, hre, ap, f, omega, vertical, ground_constants(f, vertical))


@njit(cache=True, **BORROW)
def _spherical_earth_k(d, hte, hre, ap, f, omega, vertical, kg):
    """:func:`spherical_earth` with the site's :func:`ground_constants` ``kg``. Within the smooth-earth horizon a
    bound settles Ldsph = 0 (hse of eq. 23 > hreq of eq. 25) before the point of eq. 24 (an arccosine and a
    cosine) where the smooth surface clears every point of the path by more than the largest hreq: the same value."""
    lam = 0.2998 / f
    dlos = math.sqrt(2.0 * ap) * (math.sqrt(0.001 * hte) + math.sqrt(0.001 * hre))
    if d >= dlos:
        return first_term(d, hte, hre, ap, f, omega, vertical, kg)
    c = (hte - hre) / (hte + hre)
    if abs(c) < 0.999:  # then |b| < 1 (eq. 24): the point dse1 lies inside the path
        # hse (eq. 23) at any point x is (hte (d - x) + hre x) / d - 500 x (d - x) / ap, at least its minimum over
        # x; hreq (eq. 25) is at most 17.456 sqrt(d lam / 4): where that minimum is above, hse > hreq and Ldsph = 0
        xs = 0.5 * d - (hre - hte) * ap / (1000.0 * d)
        if (hte * (d - xs) + hre * xs) / d - 500.0 * xs * (d - xs) / ap > 8.728 * math.sqrt(d * lam) * (1.0 + 1e-9) \
                + 1e-6:
            return 0.0
    m = 250.0 * d * d / (ap * (hte + hre))
    b = 2.0 * math.sqrt((m + 1.0) / (3.0 * m)) * math.cos(
        math.pi / 3.0 + math.acos(1.5 * c * math.sqrt(3.0 * m / (m + 1.0) ** 3)) / 3.0)
    dse1 = 0.5 * d * (1.0 + b)
    dse2 = d - dse1
    hse = ((hte - 500.0 * dse1 * dse1 / ap) * dse2 + (hre - 500.0 * dse2 * dse2 / ap) * dse1) / d
    hreq = 17.456 * math.sqrt(dse1 * dse2 * lam / d)
    if hse > hreq:
        return 0.0
    aem = 500.0 * (d / (math.sqrt(hte) + math.sqrt(hre))) ** 2
    return (1.0 - hse / hreq) * max(first_term(d, hte, hre, aem, f, omega, vertical, kg), 0.0)


@njit(cache=True)
def troposcatter(dtot, theta, f, p, n0):
    """Lbs, troposcatter loss not exceeded for p % time (section 4.4, eqs 44-45)."""
    k = path_constants(f, p, 50.0, 0.0)
    return _troposcatter_k(20.0 * math.log10(dtot), theta, n0, k)


@njit(cache=True, **BORROW)
def _troposcatter_k(ld, theta, n0, k):
    """:func:`troposcatter` with the constants of :func:`path_constants` and ``ld`` = 20 log10 dtot."""
    return k[1] + ld + 0.573 * theta - 0.15 * n0 - k[2]


@njit(cache=True, **BORROW)
def path_constants(f, p, pl, sigma_l):
    """What the loss of every path of a site shares (frequency, time and location terms), in the order of
    operations of the equations that use them: 92.4 + 20 log f (eq. 8), 190.1 + Lf and the time term of
    eq. 44, f^(1/3) (eqs 48, 51), 102.45 + 20 log f and Alf (eqs 47, 55), I(p / 100) (eq. 58), Lloc on
    land (eq. 64), log10(p / 50) (eq. 10)."""
    lf = 25.0 * math.log10(f) - 2.5 * math.log10(f / 2.0) ** 2
    alf = 45.375 - 137.0 * f + 92.5 * f * f if f < 0.5 else 0.0
    lloc = 0.0 if sigma_l == 0.0 else -inv_cum_norm(pl / 100.0) * sigma_l
    return (92.4 + 20.0 * math.log10(f), 190.1 + lf, 10.125 * math.log10(50.0 / p) ** 0.7, f ** (1.0 / 3.0),
            102.45 + 20.0 * math.log10(f), alf, inv_cum_norm(p / 100.0), lloc, math.log10(p / 50.0))


@njit(cache=True)
def anomalous(dtot, dlt, dlr, dct, dcr, dlm, hts, hrs, hte, hre, hm, th_t, th_r, f, p, omega, ae, b0):
    """Lba, ducting / layer reflection loss (section 4.5, eqs 46-56)."""
    tau = 1.0 - math.exp(-4.12e-4 * dlm**2.41)
    return _anomalous_k(dtot, dlt, dlr, dct, dcr, hts, hrs, hte, hre, hm, th_t, th_r, f, p, omega, ae, b0,
                        path_constants(f, p, 50.0, 0.0), _alpha(dtot, tau), dtot**1.13)


@njit(cache=True, inline="always")
def _alpha(dtot, tau):
    """alpha of eq. 55 (tau: eq. 3)."""
    return max(-0.6 - 3.5e-9 * dtot**3.1 * tau, -3.4)


@njit(cache=True, **BORROW)
def _anomalous_k(dtot, dlt, dlr, dct, dcr, hts, hrs, hte, hre, hm, th_t, th_r, f, p, omega, ae, b0, k, alpha, d113):
    """:func:`anomalous` with the constants of :func:`path_constants`, alpha of eq. 55 (:func:`_alpha`, from tau of
    eq. 3 as :func:`_beta0_tau` computes it) and ``d113`` = dtot^1.13 (Gamma, section 4.5)."""
    alf = k[5]
    f13 = k[3]
    tht2 = th_t - 0.1 * dlt
    thr2 = th_r - 0.1 * dlr
    ast = 0.0
    asr = 0.0
    if tht2 > 0.0:
        ast = 20.0 * math.log10(1.0 + 0.361 * tht2 * math.sqrt(f * dlt)) + 0.264 * tht2 * f13
    if thr2 > 0.0:
        asr = 20.0 * math.log10(1.0 + 0.361 * thr2 * math.sqrt(f * dlr)) + 0.264 * thr2 * f13
    act = 0.0
    acr = 0.0
    if dct <= 5.0 and dct <= dlt and omega >= 0.75:
        act = -3.0 * math.exp(-0.25 * dct * dct) * (1.0 + math.tanh(0.07 * (50.0 - hts)))
    if dcr <= 5.0 and dcr <= dlr and omega >= 0.75:
        acr = -3.0 * math.exp(-0.25 * dcr * dcr) * (1.0 + math.tanh(0.07 * (50.0 - hrs)))
    gamma_d = 5e-5 * ae * f13
    th1 = 1e3 * dtot / ae + min(th_t, 0.1 * dlt) + min(th_r, 0.1 * dlr)
    d_i = min(dtot - dlt - dlr, 40.0)
    mu3 = math.exp(-4.6e-5 * (hm - 10.0) * (43.0 + 6.0 * d_i)) if hm > 10.0 else 1.0
    mu2 = min((500.0 / ae * dtot**2 / (math.sqrt(hte) + math.sqrt(hre)) ** 2) ** alpha, 1.0)
    beta = b0 * mu2 * mu3
    lb = math.log10(beta)
    gam = 1.076 / (2.0058 - lb) ** 1.012 * math.exp(-(9.51 - 4.8 * lb + 0.198 * lb * lb) * 1e-6 * d113)
    ap = -12.0 + (1.2 + 3.7e-3 * dtot) * math.log10(p / beta) + 12.0 * (p / beta) ** gam
    af = k[4] + 20.0 * math.log10(dlt + dlr) + alf + ast + asr + act + acr
    return af + gamma_d * th1 + ap


@njit(cache=True, **BORROW)
def path_radii(dn):
    """Median effective earth radius ae and the radius ab exceeded for beta0 % time, km (eqs 6-7)."""
    return 6371.0 * 157.0 / (157.0 - dn), 6371.0 * 3.0


@njit(cache=True)
def p1812_path(d, inv_d, equi, h, r, zone, n, f, p, htg, hrg, vertical, phi_deg, dn, n0, dct, dcr, pl, sigma_l,
               all_inland, tables, dbg):
    """Basic transmission loss Lb (dB) not exceeded for p % time and pL % locations (eq. 69).

    ``n`` >= 5 points of ``d``/``h``/``r``/``zone`` are used; ``inv_d`` = 1 / d;
    ``equi`` True promises equidistant points; ``tables`` is
    :func:`~towerplan.coverage._p1812_profile.prefix_tables` of the profile for
    ``ae = path_radii(dn)[0]`` and ``hts = h[0] + htg``; ``all_inland`` True promises that
    ``zone[:n]`` is all 4 (skips the zone scan); ``dbg`` (length ``N_DBG`` or empty)
    receives the intermediate quantities.
    """
    return p1812_path_k(d, inv_d, equi, h, r, zone, n, f, p, htg, hrg, vertical, phi_deg, dn, n0, dct, dcr, pl,
                        sigma_l, all_inland, tables, dbg, path_constants(f, p, pl, sigma_l),
                        ground_constants(f, vertical), np.empty((N_PT, 0)), np.empty((6, 0)))


#: rows of :func:`path_terms` (and of the table :func:`~._p1812_radial.site_terms` keeps of them): beta0 (eqs 2-5),
#: log10(beta0 / 50) (eq. 10), Fi of eq. 58 where p >= beta0 (1 elsewhere), Fk (eq. 60), 20 log10 dtot (eq. 44),
#: alpha (eq. 55, from tau of eq. 3), dtot^1.13 (Gamma, section 4.5) and Ap of eq. 53 at beta = beta0
#: (:func:`_ap_at`, the floor of :func:`_anomalous_floor`)
PT_B0, PT_LB0, PT_IB0, PT_FK, PT_LD, PT_ALPHA, PT_D113, PT_APB0 = range(8)
N_PT = 8
#: the paths up to this length (km) may skip the ducting / layer-reflection loss (:func:`_anomalous_floor`)
ANOM_SKIP_KM = 32.0
#: the floor of Lba must exceed the diffraction loss Lbd by this much (dB; rounding, ~1e-13 dB, is far below it)
ANOM_MARGIN_DB = 1e-6


@njit(cache=True, **BORROW)
def path_terms(phi_deg, dtot, dtm, dlm, p, kc):
    """The terms of a path's loss that depend on its length and zone lengths only, not on its heights (rows
    ``PT_*``); on inland paths (dtm = dlm = dtot) the same for every radial of a site at a given distance."""
    b0, tau = _beta0_tau(phi_deg, dtm, dlm)
    i_b0 = kc[6] / inv_cum_norm(b0 / 100.0) if p >= b0 else 1.0
    d113 = dtot**1.13
    return (b0, math.log10(b0 / 50.0), i_b0, 1.0 - 0.5 * (1.0 + math.tanh(3.0 * 0.5 * (dtot - 20.0) / 20.0)),
            20.0 * math.log10(dtot), _alpha(dtot, tau), d113, _ap_at(dtot, b0, p, d113))


@njit(cache=True, **BORROW)
def _ap_at(dtot, beta, p, d113):
    """Ap of eq. 53 (the time-percentage term of Lba, section 4.5) at ``beta`` (%), with Gamma of eq. 53a from
    ``d113`` = dtot^1.13; written as :func:`_anomalous_k` writes it."""
    lb = math.log10(beta)
    gam = 1.076 / (2.0058 - lb) ** 1.012 * math.exp(-(9.51 - 4.8 * lb + 0.198 * lb * lb) * 1e-6 * d113)
    return -12.0 + (1.2 + 3.7e-3 * dtot) * math.log10(p / beta) + 12.0 * (p / beta) ** gam


@njit(cache=True, inline="always")
def _anomalous_floor(dtot, dlt, dlr, th_t, th_r, omega, ae, k, ap_b0):
    """A lower bound of Lba (eqs 46-56) for p <= 50 >= beta0 and dtot <= ``ANOM_SKIP_KM``: Af of eq. 47 without
    its site-shielding terms Ast, Asr (eq. 48: >= 0; :func:`_site_shielding` adds them where this is not enough)
    and with its coupling terms Act, Acr (eq. 49: >= -6 dB each) at -6 dB, plus gamma_d theta' (eqs 50-52,
    exactly), plus Ap (eq. 53) at beta = beta0 (``ap_b0``: :func:`_ap_at`).

    beta of eq. 54 is beta0 mu2 mu3 <= beta0 (mu2 <= 1, eq. 55; mu3 <= 1, eq. 56), and Ap does not fall as beta
    falls: with x = -log10 beta, dAp/dx = (1.2 + 3.7e-3 d) + 12 ln10 (p / beta)^Gamma d(Gamma (log10 p + x)) / dx,
    where (p / beta)^Gamma <= 12.3 and Gamma (log10 p + x) <= 1.09 (beta0 <= 46.8 %, p <= 50 %), so the second
    term is > -(0.17 + 370e-6 d^1.13 (4.8 + 0.396 x)) > -1.2 for x < 127 at d <= 32 km; beyond x0 + 113
    (x0 = -log10 beta0 < 26) Ap >= -12 + 1.2 (log10 p + x) + 12 exceeds its largest value at beta0,
    -12 + 1.2 (log10 p + x0) + 12 x 12.3. So Ap(beta) >= Ap(beta0) and Lba >= this floor."""
    af = k[4] + 20.0 * math.log10(dlt + dlr) + k[5] + (-12.0 if omega >= 0.75 else 0.0)
    th1 = 1e3 * dtot / ae + min(th_t, 0.1 * dlt) + min(th_r, 0.1 * dlr)
    return af + 5e-5 * ae * k[3] * th1 + ap_b0


@njit(cache=True, inline="always")
def _site_shielding(th, dl, f, f13):
    """Ast or Asr of eq. 48 (dB, >= 0) for the horizon angle ``th`` (mrad) and distance ``dl`` (km), as
    :func:`_anomalous_k` writes it."""
    th2 = th - 0.1 * dl
    if th2 > 0.0:
        return 20.0 * math.log10(1.0 + 0.361 * th2 * math.sqrt(f * dl)) + 0.264 * th2 * f13
    return 0.0


@njit(cache=True, **BORROW)
def p1812_path_k(d, inv_d, equi, h, r, zone, n, f, p, htg, hrg, vertical, phi_deg, dn, n0, dct, dcr, pl, sigma_l,
                 all_inland, tables, dbg, kc, kg, terms, zt):
    """:func:`p1812_path` with the site's constants ``kc`` (:func:`path_constants` of f, p, pl, sigma_l) and
    ``kg`` (:func:`ground_constants` of f and the polarisation); ``terms``: (N_PT, 0) (none), or rows ``PT_*`` of
    :func:`path_terms` of the inland paths of points 0 .. k in column k (their ``d[k]``: the same value), read for
    an inland path (``all_inland``) within the table; ``zt``: :func:`~._p1812_zones.zone_tables` of the profile
    (or (6, 0): the path scans its zones, :func:`zone_lengths`).

    Each term is the Recommendation's expression, evaluated once: tau (eq. 3) serves beta0 and eq. 55 (alpha),
    I(beta0 / 100) both uses of eq. 58, and of the two exponentials of eq. 60 the larger argument's is 1. Lba
    (eqs 46-56) and Lminbap (eq. 60) are computed only where eq. 61 reads them: not where a lower bound of Lba
    (:func:`_anomalous_floor`) exceeds Lbd, so that Lminbap > Lbd and Lbda = Lbd (the same value to the bit; with
    ``dbg`` they are always computed). Round w18 (without ``dbg``): Fj (eq. 57) without its tanh beyond +-22
    (:func:`_fj`), and eq. 63 (two powers, a logarithm) not where eq. 69 provably gives Lb0p
    (:func:`_below_free_space`, the bound's test since round w17): the same floats."""
    dtot = d[n - 1]
    if zone[0] == 1:
        dct = 0.0
    if zone[n - 1] == 1:
        dcr = 0.0
    if all_inland:
        omega, dtm, dlm = 0.0, dtot, dtot
    elif zt.shape[1] >= n:
        omega, dtm, dlm = zone_lengths_at(d, zt, n - 1)
    else:
        omega, dtm, dlm = zone_lengths(d, zone, n)
    if all_inland and n - 1 < terms.shape[1]:
        col = n - 1
        b0, lb0, i_b0, fk, ld, alpha, d113, ap_b0 = (terms[PT_B0, col], terms[PT_LB0, col], terms[PT_IB0, col],
                                                     terms[PT_FK, col], terms[PT_LD, col], terms[PT_ALPHA, col],
                                                     terms[PT_D113, col], terms[PT_APB0, col])
    else:
        b0, lb0, i_b0, fk, ld, alpha, d113, ap_b0 = path_terms(phi_deg, dtot, dtm, dlm, p, kc)
    ae, ab = path_radii(dn)
    hts = h[0] + htg
    hrs = h[n - 1] + hrg
    lam = 0.2998 / f
    # the zero profile's Bullington loss (ae) later, where eq. 40 reads it (with dbg: always)
    zero = p < 50.0 or len(dbg) >= N_DBG
    geo, bull_a, bull_b = analyse_profile_k(d, inv_d, equi, h, r, n, htg, hrg, ae, ab, lam, p < 50.0, tables, zero)
    dlt, dlr, th_t, th_r, theta, hstd, hsrd, hte, hre, hm = geo
    # line of sight (section 4.2, eqs 8-11)
    lbfs = kc[0] + 10.0 * math.log10(dtot**2 + ((hts - hrs) / 1000.0) ** 2)
    k_es = 2.6 * (1.0 - math.exp(-0.1 * (dlt + dlr)))
    lb0p = lbfs + k_es * kc[8]
    lb0b = lbfs + k_es * lb0
    # delta-Bullington diffraction (sections 4.3.3-4.3.4, eqs 37-43)
    hte1 = hts - hstd
    hre1 = hrs - hsrd
    ldsph = _spherical_earth_k(dtot, hte1, hre1, ae, f, omega, vertical, kg)
    lbulla, lbulls = bull_a
    if not zero:  # Lbulls >= 0: max(Ldsph - Lbulls, 0) is 0 where Ldsph is 0, whatever Lbulls
        lbulls = 0.0 if ldsph == 0.0 else zero_bullington(d, inv_d, equi, n, 1.0 / ae, hte1, hre1, dtot, 1.0 / dtot,
                                                           lam)
    ld50 = lbulla + max(ldsph - lbulls, 0.0)
    ldp = ld50
    fi = 1.0
    # i_b0: Fi of eq. 58 where p >= beta0 (p > beta0 for Ldp)
    if p < 50.0:
        ldb = bull_b[0] + max(_spherical_earth_k(dtot, hte1, hre1, ab, f, omega, vertical, kg) - bull_b[1], 0.0)
        if p > b0:
            fi = i_b0
        ldp = ld50 + fi * (ldb - ld50)
    lbd50 = lbfs + ld50
    lbd = lb0p + ldp
    # blending of line of sight, diffraction and anomalous propagation (section 4.6, eqs 57-62)
    fj = _fj(3.0 * 0.8 * (theta - 0.3) / 0.3)  # (1.0 or 0.0 without the tanh beyond +-22: the same floats)
    lminb0p = lb0p + (1.0 - omega) * ldp
    if p >= b0:
        fi = i_b0
        lminb0p = lbd50 + (lb0b + (1.0 - omega) * ldp - lbd50) * fi
    lbda = lbd
    # eq. 61 reads Lba only where Lminbap (eq. 60, >= Lba) <= Lbd: a floor of Lba above Lbd settles it without Lba
    settled = False
    if len(dbg) < N_DBG and p <= 50.0 and p >= b0 and dtot <= ANOM_SKIP_KM:
        floor = _anomalous_floor(dtot, dlt, dlr, th_t, th_r, omega, ae, kc, ap_b0)
        settled = floor > lbd + ANOM_MARGIN_DB
        if not settled and (th_t > 0.1 * dlt or th_r > 0.1 * dlr):  # with the site shielding of eq. 48 (>= 0)
            floor += _site_shielding(th_t, dlt, f, kc[3]) + _site_shielding(th_r, dlr, f, kc[3])
            settled = floor > lbd + ANOM_MARGIN_DB
    lba = lminbap = math.nan
    if not settled:
        lba = _anomalous_k(dtot, dlt, dlr, dct, dcr, hts, hrs, hte, hre, hm, th_t, th_r, f, p, omega, ae, b0, kc,
                           alpha, d113)
        eta = 2.5
        big = max(lba, lb0p) / eta
        if lba >= lb0p:  # exp(lba / eta - big) = exp(0) = 1
            lminbap = eta * (big + math.log(1.0 + math.exp(lb0p / eta - big)))
        elif lb0p > lba:
            lminbap = eta * (big + math.log(math.exp(lba / eta - big) + 1.0))
        else:
            lminbap = eta * (big + math.log(math.exp(lba / eta - big) + math.exp(lb0p / eta - big)))
        if lminbap <= lbd:
            lbda = lminbap + (lbd - lminbap) * fk
    lbam = lbda + (lminb0p - lbda) * fj
    lbs = _troposcatter_k(ld, theta, n0, kc)
    lloc = 0.0 if zone[n - 1] == 1 else kc[7]  # eq 64
    if len(dbg) < N_DBG and _below_free_space(lb0p, lbam, lbs, lloc):  # eq. 69 gives Lb0p: no powers, no logarithm
        return lb0p
    lbc = -5.0 * math.log10(10.0 ** (-0.2 * lbs) + 10.0 ** (-0.2 * lbam))  # eq 63
    lb = max(lb0p, lbc + lloc)
    if len(dbg) >= N_DBG:
        vals = (dlt, dlr, th_t, th_r, theta, hstd, hsrd, hte, hre, hm, ae, b0, omega, dtm, dlm, lbfs, lb0p, lb0b,
                lbulla, lbulls, ldsph, ld50, ldp, lbd, lminb0p, lba, lminbap, lbda, lbam, lbs, lbc, lb, fj, fk)
        for k in range(N_DBG):
            dbg[k] = vals[k]
    return lb


def empty_debug() -> np.ndarray:
    """A zero-length debug vector (``p1812_path`` then records nothing)."""
    return np.empty(0)
