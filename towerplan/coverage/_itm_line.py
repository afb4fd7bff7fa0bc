"""ITM's reference attenuation and variability for the points of one radial, shared terms computed once.

:func:`~towerplan.coverage._itm_model.reference_and_total` evaluated at every sample of a radial
recomputes terms that do not change along it (the ground impedance, the frequency's cube roots, the
variability's quantiles and frequency gains, [Algorithm] 3.5, 4.13-4.20, 5.2-5.11) and, inside one
point, evaluates the diffraction line at its two distances d_3 and d_4 ([Algorithm] 4.11-4.20)
with everything but the d-dependent part of the smooth-earth and knife-edge terms twice (the
horizons' Vogler height-gain terms, the clutter factor A_fo and the weighting's root). Here those
terms are computed once, with the same expressions in the same order, and the troposcatter line
is evaluated only where its distance d_x can matter, so every result is the same to the last bit
as ITM's own functions (``tests/test_coverage_itm_radial.py`` compares the radial's
exact mode with ``_itm_kernels.p2p_radial`` bit for bit). Warnings are not kept (the sweep returns
losses only); errors give NaN, as there.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from towerplan.coverage._itm_core import (
    _ALL_YEAR,
    _BFM,
    _BFP,
    _BSM,
    _BSP,
    A_0_M,
    A_9000_M,
    MODE_P2P,
    THIRD,
    fresnel_integral,
    height_function,
    sigma_h,
    terrain_roughness,
)
from towerplan.coverage._itm_model import (
    beyond_horizon_line,
    combine_variability,
    curve,
    line_of_sight_line,
    mode_quantiles,
    qerfi,
)

# indices of the per-radial constants (:func:`radial_constants`)
_WN, _DEX, _ZT, _ZL, _ZS, _GM, _GP, _KDV, _P10, _P20, _FT, _FMT, _ABSZG, _FSPL0, _ZGRE, _ZGIM = range(16)


@njit(cache=True)
def radial_constants(f_mhz, pol, epsilon, sigma, climate, mdvar, time, location, situation):
    """The terms of one radial's ITM that do not depend on the path: a float64 vector (see ``_WN`` ...)."""
    out = np.zeros(16)
    ep_r = complex(epsilon, 18000.0 * sigma / f_mhz)  # as _itm_model.initialize [Algorithm 3.5]
    z_g = (ep_r - 1.0) ** 0.5
    if pol == 1:
        z_g = z_g / ep_r
    out[_ZGRE] = z_g.real
    out[_ZGIM] = z_g.imag
    out[_ABSZG] = abs(z_g)
    out[_FT] = f_mhz**THIRD
    out[_FMT] = f_mhz ** (-THIRD)
    out[_FSPL0] = 32.45 + 20.0 * math.log10(f_mhz)
    # as _itm_model.variability [Algorithm 5.2-5.11]
    z_t = qerfi(time / 100.0)
    z_l = qerfi(location / 100.0)
    z_s = qerfi(situation / 100.0)
    c = climate - 1
    wn = f_mhz / 47.7
    out[_WN] = wn
    out[_DEX] = (575.7e12 / wn) ** THIRD
    kdv = mdvar
    if kdv >= 20:
        kdv -= 20
        out[_P20] = 1.0
    if kdv >= 10:
        kdv -= 10
        out[_P10] = 1.0
    z_t, z_l = mode_quantiles(kdv, z_t, z_l, z_s)
    out[_KDV] = kdv
    out[_ZT] = z_t
    out[_ZL] = z_l
    out[_ZS] = z_s
    q = math.log(0.133 * wn)
    out[_GM] = _BFM[0, c] + _BFM[1, c] / ((_BFM[2, c] * q) ** 2 + 1.0)
    out[_GP] = _BFP[0, c] + _BFP[1, c] / ((_BFP[2, c] * q) ** 2 + 1.0)
    return out


@njit(cache=True)
def effective_earth(h_sys_m, n_0):
    """(gamma_e, N_s) of :func:`~towerplan.coverage._itm_model.initialize` (its Z_g is in the radial's constants)."""
    gamma_a = 157e-9
    n_s = n_0 if h_sys_m == 0.0 else n_0 * math.exp(-h_sys_m / 9460.0)  # [TN101 4.3]
    gamma_e = gamma_a * (1.0 - 0.04665 * math.exp(n_s / 179.3))
    return gamma_e, n_s


@njit(cache=True)
def ground_impedance(k):
    """The ground impedance Z_g of :func:`radial_constants`' vector ``k``."""
    return complex(k[_ZGRE], k[_ZGIM])


@njit(cache=True)
def total_loss(k, theta0, theta1, f_mhz, d_hzn0, d_hzn1, h_e0, h_e1, gamma_e, n_s, delta_h, h0, h1, d_m, climate):
    """Free space + variability below it at one point (dB; NaN on ITM's errors), as
    :func:`~towerplan.coverage._itm_model.reference_and_total` in point-to-point mode."""
    a_ref, ok = _reference(k, theta0, theta1, f_mhz, d_hzn0, d_hzn1, h_e0, h_e1, gamma_e, n_s, delta_h, h0, h1, d_m)
    if not ok:
        return math.nan
    return k[_FSPL0] + 20.0 * math.log10(d_m / 1000.0) + _variability(k, h_e0, h_e1, delta_h, d_m, a_ref, climate)


@njit(cache=True)
def _variability(k, h_e0, h_e1, delta_h, d_m, a_ref, climate):
    """:func:`~towerplan.coverage._itm_model.variability` with the path-independent terms from ``k``."""
    c = climate - 1
    wn = k[_WN]
    z_t, z_l, z_s = k[_ZT], k[_ZL], k[_ZS]
    kdv = int(k[_KDV])
    d_ex = math.sqrt(2.0 * A_9000_M * h_e0) + math.sqrt(2.0 * A_9000_M * h_e1) + k[_DEX]
    d_e = 130e3 * d_m / d_ex if d_m < d_ex else 130e3 + d_m - d_ex
    sigma_s = 0.0 if k[_P20] > 0.0 else 5.0 + 3.0 * math.exp(-d_e / 100e3)
    v_med = curve(_ALL_YEAR[0, c], _ALL_YEAR[1, c], _ALL_YEAR[2, c], _ALL_YEAR[3, c], _ALL_YEAR[4, c], d_e)
    if k[_P10] > 0.0:
        sigma_l = 0.0
    else:
        dhd = delta_h * (1.0 - 0.8 * math.exp(-d_m / 50e3))
        sigma_l = 10.0 * wn * dhd / (wn * dhd + 13.0)
    sigma_t_minus = curve(_BSM[0, c], _BSM[1, c], _BSM[2, c], _BSM[3, c], _BSM[4, c], d_e) * k[_GM]
    sigma_t_plus = curve(_BSP[0, c], _BSP[1, c], _BSP[2, c], _BSP[3, c], _BSP[4, c], d_e) * k[_GP]
    return combine_variability(a_ref, v_med, sigma_t_minus, sigma_t_plus, sigma_s, sigma_l, z_t, z_l, z_s, kdv, c)


@njit(cache=True)
def _diffraction_line(k, d_3, d_4, d_hzn0, d_hzn1, h_e0, h_e1, a_e, delta_h, h0, h1, theta_los, d_sml, f_mhz):
    """:func:`~towerplan.coverage._itm_core.diffraction_loss` at d_3 and at d_4 (P2P mode), the terms
    that do not depend on the distance computed once."""
    d_ml = d_hzn0 + d_hzn1
    # smooth earth [Algorithm 4.13-4.20]: the horizons' radii and height-gain terms
    a1 = 0.5 * d_hzn0 * d_hzn0 / h_e0
    a2 = 0.5 * d_hzn1 * d_hzn1 / h_e1
    dk1 = d_hzn0 / 1000.0
    dk2 = d_hzn1 / 1000.0
    abs_zg = k[_ABSZG]
    f_third = k[_FT]
    c0_1 = ((4.0 / 3.0) * A_0_M / a1) ** THIRD
    c0_2 = ((4.0 / 3.0) * A_0_M / a2) ** THIRD
    k1 = 0.017778 * c0_1 * k[_FMT] / abs_zg
    k2 = 0.017778 * c0_2 * k[_FMT] / abs_zg
    x1 = (1.607 - k1) * c0_1 * c0_1 * f_third * dk1
    x2 = (1.607 - k2) * c0_2 * c0_2 * f_third * dk2
    hf1 = height_function(x1, k1)
    hf2 = height_function(x2, k2)
    # clutter factor and the weighting's root [ERL 79-ITS 67 3.23, 3.38c]
    s_h = sigma_h(terrain_roughness(d_sml, delta_h))
    a_fo = min(15.0, 5.0 * math.log10(1.0 + 1e-5 * h0 * h1 * f_mhz * s_h))
    q = h0 * h1
    qk = h_e0 * h_e1 - q
    q += 10.0  # MODE_P2P
    term1 = math.sqrt(1.0 + qk / q)
    out0 = 0.0
    for m in range(2):
        d_m = d_3 if m == 0 else d_4
        # knife edge [Algorithm 4.12]
        theta_nlos = d_m / a_e - theta_los
        d_nlos = d_m - d_ml
        cc = 0.0795775 * (f_mhz / 47.7) * theta_nlos * theta_nlos
        v_1 = cc * d_hzn0 * d_nlos / (d_nlos + d_hzn0)
        v_2 = cc * d_hzn1 * d_nlos / (d_nlos + d_hzn1)
        a_k = fresnel_integral(v_1) + fresnel_integral(v_2)
        # smooth earth, the distance's part
        a0 = (d_m - d_ml) / (d_m / a_e - theta_los)
        dk0 = a0 * theta_nlos / 1000.0
        c0_0 = ((4.0 / 3.0) * A_0_M / a0) ** THIRD
        k0 = 0.017778 * c0_0 * k[_FMT] / abs_zg
        x0 = (1.607 - k0) * c0_0 * c0_0 * f_third * dk0 + x1 + x2
        g_x = 0.05751 * x0 - 10.0 * math.log10(x0)
        a_se = g_x - hf1 - hf2 - 20.0
        delta_h_d = terrain_roughness(d_m, delta_h)
        qq = (term1 + (-theta_los * a_e + d_ml) / d_m) * min(delta_h_d * f_mhz / 47.7, 6283.2)
        w = 25.1 / (25.1 + math.sqrt(qq))
        a = w * a_se + (1.0 - w) * a_k + a_fo
        if m == 0:
            out0 = a
        else:
            return out0, a
    return out0, out0


@njit(cache=True)
def _reference(k, theta0, theta1, f_mhz, d_hzn0, d_hzn1, h_e0, h_e1, gamma_e, n_s, delta_h, h0, h1, d_m):
    """:func:`~towerplan.coverage._itm_model.longley_rice` (P2P): (A_ref dB, False on ITM's errors)."""
    a_e = 1.0 / gamma_e
    d_hzn_s0 = math.sqrt(2.0 * h_e0 * a_e)
    d_hzn_s1 = math.sqrt(2.0 * h_e1 * a_e)
    d_sml = d_hzn_s0 + d_hzn_s1
    d_ml = d_hzn0 + d_hzn1
    theta_los = -max(theta0 + theta1, -d_ml / a_e)
    z_g = ground_impedance(k)
    if n_s < 150.0 or n_s > 400.0 or a_e < 4000000.0 or a_e > 13333333.0 or z_g.real <= abs(z_g.imag):
        return 0.0, False
    scale = (a_e * a_e / f_mhz) ** THIRD
    d_3 = max(d_sml, d_ml + 5.0 * scale)
    d_4 = d_3 + 10.0 * scale
    a_3, a_4 = _diffraction_line(k, d_3, d_4, d_hzn0, d_hzn1, h_e0, h_e1, a_e, delta_h, h0, h1, theta_los, d_sml,
                                 f_mhz)
    m_d = (a_4 - a_3) / (d_4 - d_3)
    a_d0 = a_3 - m_d * d_3
    if d_m < d_sml:  # line of sight [ERL 79-ITS 67 3.19-3.21]
        a_ref = line_of_sight_line(d_m, d_sml, d_ml, m_d, a_d0, h_e0, h_e1, z_g, delta_h, f_mhz)
    elif d_m <= max(d_sml, d_ml + 1.088 * scale * math.log(f_mhz)):
        # beyond the horizon but short of the smallest d_x ITM can find (d_x is at least this whatever the
        # troposcatter line): the diffraction line, without evaluating the troposcatter line (~28 km past
        # the horizons at 1800 MHz, so nearly every sample of a 30 km radius)
        a_ref = m_d * d_m + a_d0
    else:  # beyond the horizon: diffraction line, or troposcatter past d_x
        a_ref = beyond_horizon_line(d_m, theta0, theta1, d_hzn0, d_hzn1, h_e0, h_e1, a_e, n_s, f_mhz, theta_los,
                                    d_sml, d_ml, scale, m_d, a_d0)[0]
    return max(a_ref, 0.0), True


__all__ = ["MODE_P2P", "effective_earth", "ground_impedance", "radial_constants", "total_loss"]
