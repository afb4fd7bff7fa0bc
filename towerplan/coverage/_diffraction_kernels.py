"""Numba kernels of terrain diffraction (ITU-R P.526 / P.452): plain arrays in, dB out.

Profiles are ``d`` (distances from the transmitter, m, increasing) and ``z``
(ground heights, m); ``hts`` / ``hrs`` are the antenna heights above sea level,
``lam`` the wavelength (m) and ``ae`` the effective earth radius (m). See
:mod:`towerplan.coverage.diffraction` for the references and the public API.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True)
def knife_edge_j(v):
    """J(v) of ITU-R P.526-15 eq. 31: 6.9 + 20 log(sqrt((v - 0.1)^2 + 1) + v - 0.1), 0 for v <= -0.78."""
    if v <= -0.78:
        return 0.0
    return 6.9 + 20.0 * math.log10(math.sqrt((v - 0.1) ** 2 + 1.0) + v - 0.1)


@njit(cache=True)
def _bulged(d, z, ae, i):
    """Terrain height plus the effective earth's bulge over the whole path (m)."""
    total = d[-1] - d[0]
    di = d[i] - d[0]
    return z[i] + di * (total - di) / (2.0 * ae)


@njit(cache=True)
def _max_v(d, z, ae, i0, i1, h0, h1, lam):
    """Largest Fresnel parameter v over points strictly between i0 and i1, below the
    line from height h0 at i0 to h1 at i1 (heights already include the bulge).

    Returns (v, index); index -1 when there is no interior point.
    """
    span = d[i1] - d[i0]
    best = -math.inf
    idx = -1
    for i in range(i0 + 1, i1):
        d1 = d[i] - d[i0]
        d2 = d[i1] - d[i]
        h = _bulged(d, z, ae, i) - (h0 * d2 + h1 * d1) / span
        v = h * math.sqrt(2.0 * span / (lam * d1 * d2))
        if v > best:
            best = v
            idx = i
    return best, idx


@njit(cache=True)
def deygout(d, z, hts, hrs, lam, ae, max_edges, correction):
    """Deygout construction with up to 3 edges (ITU-R P.526-8..12 section 4.5.1).

    Principal edge = largest v over the path; secondary edges = largest v between
    each terminal and the principal edge. Without ``correction`` the loss is
    J(vp) + J(vt) + J(vr); with it, P.526's empirical form
    J(vp) + T (J(vt) + J(vr) + C), T = 1 - exp(-J(vp)/6), C = 10 + 0.04 D_km.
    Zero when the principal v <= -0.78.
    """
    n = len(d) - 1
    vp, ip = _max_v(d, z, ae, 0, n, hts, hrs, lam)
    if ip < 0 or vp <= -0.78:
        return 0.0
    jp = knife_edge_j(vp)
    if max_edges <= 1:
        return jp
    hp = _bulged(d, z, ae, ip)
    vt, it = _max_v(d, z, ae, 0, ip, hts, hp, lam)
    vr, ir = _max_v(d, z, ae, ip, n, hp, hrs, lam)
    return combine_deygout(jp, vt, it, vr, ir, max_edges, correction, d[n] - d[0])

@njit(cache=True)
def combine_deygout(jp, vt, it, vr, ir, max_edges, correction, length_m):
    """Deygout's sum from the principal edge's loss and the two sub-path edges (index -1: none)."""
    jt = knife_edge_j(vt) if it >= 0 else 0.0
    jr = knife_edge_j(vr) if ir >= 0 else 0.0
    if max_edges == 2:
        if jt >= jr:
            jr = 0.0
        else:
            jt = 0.0
    if correction:
        t = 1.0 - math.exp(-jp / 6.0)
        c = 10.0 + 0.04 * length_m / 1000.0
        return jp + t * (jt + jr + c)
    return jp + jt + jr



@njit(cache=True)
def bullington(d, z, hts, hrs, lam, ae):
    """Bullington diffraction loss of a profile (ITU-R P.526-15 4.5.1 / P.452-17 4.2.1), dB."""
    n = len(d) - 1
    total = d[n] - d[0]
    ce = 1.0 / ae
    s_tim = -math.inf
    for i in range(1, n):
        di = d[i] - d[0]
        s = (z[i] + 0.5 * ce * di * (total - di) - hts) / di
        if s > s_tim:
            s_tim = s
    s_tr = (hrs - hts) / total
    if s_tim < s_tr:
        # line of sight: largest v over the profile
        v_max = -math.inf
        for i in range(1, n):
            di = d[i] - d[0]
            h = z[i] + 0.5 * ce * di * (total - di) - (hts * (total - di) + hrs * di) / total
            v = h * math.sqrt(2.0 * total / (lam * di * (total - di)))
            if v > v_max:
                v_max = v
        luc = knife_edge_j(v_max) if n > 1 else 0.0
    else:
        # trans-horizon: edge at the intersection of the two horizon rays
        s_rim = -math.inf
        for i in range(1, n):
            di = d[i] - d[0]
            s = (z[i] + 0.5 * ce * di * (total - di) - hrs) / (total - di)
            if s > s_rim:
                s_rim = s
        d_bp = (hrs - hts + s_rim * total) / (s_tim + s_rim)
        v_b = (hts + s_tim * d_bp - (hts * (total - d_bp) + hrs * d_bp) / total) * math.sqrt(
            2.0 * total / (lam * d_bp * (total - d_bp))
        )
        luc = knife_edge_j(v_b)
    return luc + (1.0 - math.exp(-luc / 6.0)) * (10.0 + 0.02 * total / 1000.0)


@njit(cache=True)
def _g_height(y, beta, k):
    b = beta * y
    g = 17.6 * math.sqrt(b - 1.1) - 5.0 * math.log10(b - 1.1) - 8.0 if b > 2.0 else 20.0 * math.log10(b + 0.1 * b ** 3)
    return max(g, 2.0 + 20.0 * math.log10(k))


@njit(cache=True)
def first_term(d_km, hte, hre, adft_km, f_ghz, epsilon, sigma, vertical):
    """First-term spherical-earth diffraction loss (ITU-R P.452-17 eqs. 30-37), dB."""
    k = 0.036 * (adft_km * f_ghz) ** (-1.0 / 3.0) * ((epsilon - 1.0) ** 2 + (18.0 * sigma / f_ghz) ** 2) ** -0.25
    if vertical:
        k = k * math.sqrt(epsilon**2 + (18.0 * sigma / f_ghz) ** 2)
    k2 = k * k
    beta = (1.0 + 1.6 * k2 + 0.67 * k2 * k2) / (1.0 + 4.5 * k2 + 1.53 * k2 * k2)
    x = 21.88 * beta * (f_ghz / adft_km**2) ** (1.0 / 3.0) * d_km
    y_scale = 0.9575 * beta * (f_ghz**2 / adft_km) ** (1.0 / 3.0)
    fx = 11.0 + 10.0 * math.log10(x) - 17.6 * x if x >= 1.6 else -20.0 * math.log10(x) - 5.6488 * x ** 1.425
    return -fx - _g_height(y_scale * hte, beta, k) - _g_height(y_scale * hre, beta, k)


@njit(cache=True)
def spherical_earth(d_m, hte, hre, ae, lam, epsilon, sigma, vertical):
    """Spherical-earth diffraction loss for any distance (ITU-R P.526-15 3.2 / P.452-17 4.2.2), dB."""
    d = d_m / 1000.0
    ap = ae / 1000.0
    f_ghz = 0.299792458 / lam
    dlos = math.sqrt(2.0 * ap) * (math.sqrt(0.001 * hte) + math.sqrt(0.001 * hre))
    if d >= dlos:
        return first_term(d, hte, hre, ap, f_ghz, epsilon, sigma, vertical)
    c = (hte - hre) / (hte + hre)
    m = 250.0 * d * d / (ap * (hte + hre))
    arg = min(1.0, max(-1.0, 1.5 * c * math.sqrt(3.0 * m / (m + 1.0) ** 3)))
    b = 2.0 * math.sqrt((m + 1.0) / (3.0 * m)) * math.cos(math.pi / 3.0 + math.acos(arg) / 3.0)
    dse1 = d / 2.0 * (1.0 + b)
    dse2 = d - dse1
    hse = ((hte - 500.0 * dse1 * dse1 / ap) * dse2 + (hre - 500.0 * dse2 * dse2 / ap) * dse1) / d
    hreq = 17.456 * math.sqrt(dse1 * dse2 * lam / d)
    if hse > hreq:
        return 0.0
    aem = 500.0 * (d / (math.sqrt(hte) + math.sqrt(hre))) ** 2
    ldft = first_term(d, hte, hre, aem, f_ghz, epsilon, sigma, vertical)
    if ldft < 0.0:
        return 0.0
    return (1.0 - hse / hreq) * ldft


@njit(cache=True)
def smooth_surface_heights(d, z, hts, hrs):
    """Smooth-earth surface heights at both ends for the diffraction model (P.452-17 5.1.6.2-3).

    Least-squares surface (eqs. 161-164), lowered under obstructions (eqs. 165-167)
    and never above the ground at the terminals. Returns (h_std, h_srd) in metres.
    """
    n = len(d) - 1
    total = d[n] - d[0]
    v1 = 0.0
    v2 = 0.0
    for i in range(1, n + 1):
        di = d[i] - d[0]
        dj = d[i - 1] - d[0]
        v1 += (di - dj) * (z[i] + z[i - 1])
        v2 += (di - dj) * (z[i] * (2.0 * di + dj) + z[i - 1] * (di + 2.0 * dj))
    hst = (2.0 * v1 * total - v2) / total**2
    hsr = (v2 - v1 * total) / total**2
    h_obs = -math.inf
    a_obt = -math.inf
    a_obr = -math.inf
    for i in range(1, n):
        di = d[i] - d[0]
        hh = z[i] - (hts * (total - di) + hrs * di) / total
        h_obs = max(h_obs, hh)
        a_obt = max(a_obt, hh / di)
        a_obr = max(a_obr, hh / (total - di))
    if h_obs > 0.0:
        gt = a_obt / (a_obt + a_obr)
        gr = a_obr / (a_obt + a_obr)
        hst = hst - h_obs * gt
        hsr = hsr - h_obs * gr
    return min(hst, z[0]), min(hsr, z[n])


@njit(cache=True)
def delta_bullington(d, z, hts, hrs, lam, ae, epsilon, sigma, vertical, zeros):
    """Delta-Bullington loss (ITU-R P.526-15 4.5.2 / P.452-17 4.2.3), dB.

    ``Bullington(actual profile) + max(spherical earth - Bullington(smooth profile), 0)``;
    ``zeros`` is a scratch array of len(d) zeros.
    """
    l_bulla = bullington(d, z, hts, hrs, lam, ae)
    h_std, h_srd = smooth_surface_heights(d, z, hts, hrs)
    hts_s = hts - h_std
    hrs_s = hrs - h_srd
    l_bulls = bullington(d, zeros, hts_s, hrs_s, lam, ae)
    l_sph = spherical_earth(d[-1] - d[0], hts_s, hrs_s, ae, lam, epsilon, sigma, vertical)
    return l_bulla + max(l_sph - l_bulls, 0.0)
