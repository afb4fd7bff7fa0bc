"""Numba kernels of ITM: reference attenuation, variability, initialisation, validation.

Continues :mod:`towerplan.coverage._itm_core` (see its docstring for the sources
cited as [Algorithm], [ERL 79-ITS 67], [TN101]). Plain numbers in and out.
"""

from __future__ import annotations

import math

from numba import njit

from towerplan.coverage._itm_core import (
    _ALL_YEAR,
    _BFM,
    _BFP,
    _BSM,
    _BSP,
    _C_D,
    _Z_D,
    A_9000_M,
    ERR_EFFECTIVE_EARTH,
    ERR_EPSILON,
    ERR_FREQUENCY,
    ERR_GROUND_IMPEDANCE,
    ERR_INVALID_LOCATION,
    ERR_INVALID_RADIO_CLIMATE,
    ERR_INVALID_SITUATION,
    ERR_INVALID_TIME,
    ERR_MDVAR,
    ERR_NONE,
    ERR_POLARIZATION,
    ERR_REFRACTIVITY,
    ERR_RX_TERMINAL_HEIGHT,
    ERR_SIGMA,
    ERR_SURFACE_REFRACTIVITY_LARGE,
    ERR_SURFACE_REFRACTIVITY_SMALL,
    ERR_TX_TERMINAL_HEIGHT,
    MODE_P2P,
    PROPMODE_DIFFRACTION,
    PROPMODE_LOS,
    PROPMODE_TROPOSCATTER,
    THIRD,
    WARN_EXTREME_VARIABILITIES,
    WARN_FREQUENCY,
    WARN_PATH_DISTANCE_TOO_BIG_1,
    WARN_PATH_DISTANCE_TOO_BIG_2,
    WARN_PATH_DISTANCE_TOO_SMALL_1,
    WARN_PATH_DISTANCE_TOO_SMALL_2,
    WARN_RX_HORIZON_ANGLE,
    WARN_RX_HORIZON_DISTANCE_1,
    WARN_RX_HORIZON_DISTANCE_2,
    WARN_RX_TERMINAL_HEIGHT,
    WARN_SURFACE_REFRACTIVITY,
    WARN_TX_HORIZON_ANGLE,
    WARN_TX_HORIZON_DISTANCE_1,
    WARN_TX_HORIZON_DISTANCE_2,
    WARN_TX_TERMINAL_HEIGHT,
    diffraction_loss,
    fdim,
    line_of_sight_loss,
    troposcatter_loss,
)


@njit(cache=True)
def free_space_loss(d_m, f_mhz):
    """Free-space basic transmission loss in dB (ITU-R P.525, as used by ITM)."""
    return 32.45 + 20.0 * math.log10(f_mhz) + 20.0 * math.log10(d_m / 1000.0)


@njit(cache=True)
def validate_inputs(h_tx, h_rx, climate, time, location, situation, n_0, f_mhz, pol, epsilon, sigma, mdvar):
    """Range checks common to both modes; returns (error code, warning flags)."""
    warnings = 0
    if h_tx < 1.0 or h_tx > 1000.0:
        warnings |= WARN_TX_TERMINAL_HEIGHT
    if not (h_tx >= 0.5 and h_tx <= 3000.0):
        return ERR_TX_TERMINAL_HEIGHT, warnings
    if h_rx < 1.0 or h_rx > 1000.0:
        warnings |= WARN_RX_TERMINAL_HEIGHT
    if not (h_rx >= 0.5 and h_rx <= 3000.0):
        return ERR_RX_TERMINAL_HEIGHT, warnings
    if climate < 1 or climate > 7:
        return ERR_INVALID_RADIO_CLIMATE, warnings
    if not (n_0 >= 250.0 and n_0 <= 400.0):
        return ERR_REFRACTIVITY, warnings
    if f_mhz < 40.0 or f_mhz > 10000.0:
        warnings |= WARN_FREQUENCY
    if not (f_mhz >= 20.0 and f_mhz <= 20000.0):
        return ERR_FREQUENCY, warnings
    if pol != 0 and pol != 1:
        return ERR_POLARIZATION, warnings
    if not epsilon >= 1.0:
        return ERR_EPSILON, warnings
    if not sigma > 0.0:
        return ERR_SIGMA, warnings
    base = mdvar % 10
    if mdvar < 0 or mdvar > 33 or base > 3:
        return ERR_MDVAR, warnings
    if not (situation > 0.0 and situation < 100.0):
        return ERR_INVALID_SITUATION, warnings
    if not (time > 0.0 and time < 100.0):
        return ERR_INVALID_TIME, warnings
    if not (location > 0.0 and location < 100.0):
        return ERR_INVALID_LOCATION, warnings
    return ERR_NONE, warnings


@njit(cache=True)
def initialize(f_mhz, h_sys_m, n_0, pol, epsilon, sigma):
    """Surface refractivity, effective-earth curvature and ground impedance.

    Returns (z_g, gamma_e, n_s) [TN101 4.3, 4.4; Algorithm 3.1-3.5].
    """
    gamma_a = 157e-9  # curvature of the actual earth, 1/m
    n_s = n_0 if h_sys_m == 0.0 else n_0 * math.exp(-h_sys_m / 9460.0)  # [TN101 4.3]
    gamma_e = gamma_a * (1.0 - 0.04665 * math.exp(n_s / 179.3))
    ep_r = complex(epsilon, 18000.0 * sigma / f_mhz)
    z_g = (ep_r - 1.0) ** 0.5
    if pol == 1:
        z_g = z_g / ep_r
    return z_g, gamma_e, n_s


@njit(cache=True)
def initialize_area(site0, site1, gamma_e, delta_h, h0, h1):
    """Area-mode effective heights, horizon distances and angles [Algorithm 3.2-3.4].

    Returns (h_e0, h_e1, d_hzn0, d_hzn1, theta0, theta1).
    """
    out = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    for i in range(2):
        site = site0 if i == 0 else site1
        h = h0 if i == 0 else h1
        if site == 0:
            h_e = h
        else:
            b = 4.0 if site == 1 else 9.0
            if h < 5.0:
                b = b * math.sin(0.1 * math.pi * h)
            h_e = h + (1.0 + b) * math.exp(-min(20.0, 2.0 * h / max(1e-3, delta_h)))
        d_ls = math.sqrt(2.0 * h_e / gamma_e)
        d_hzn = d_ls * math.exp(-0.07 * math.sqrt(delta_h / max(h_e, 5.0)))
        theta = (0.65 * delta_h * (d_ls / d_hzn - 1.0) - 2.0 * h_e) / d_ls
        out[i] = h_e
        out[2 + i] = d_hzn
        out[4 + i] = theta
    return out[0], out[1], out[2], out[3], out[4], out[5]


@njit(cache=True)
def longley_rice(theta0, theta1, f_mhz, z_g, d_hzn0, d_hzn1, h_e0, h_e1, gamma_e, n_s, delta_h, h0, h1, d_m, mode):
    """Reference attenuation A_ref below free space [Algorithm sections 4-4.3; ERL 79-ITS 67 3.16-3.21].

    Returns (A_ref dB, warning flags, propagation mode 1/2/3, error code).
    """
    warnings = 0
    a_e = 1.0 / gamma_e
    d_hzn_s0 = math.sqrt(2.0 * h_e0 * a_e)
    d_hzn_s1 = math.sqrt(2.0 * h_e1 * a_e)
    d_sml = d_hzn_s0 + d_hzn_s1
    d_ml = d_hzn0 + d_hzn1
    theta_los = -max(theta0 + theta1, -d_ml / a_e)
    if abs(theta0) > 200e-3:
        warnings |= WARN_TX_HORIZON_ANGLE
    if abs(theta1) > 200e-3:
        warnings |= WARN_RX_HORIZON_ANGLE
    if d_hzn0 < 0.1 * d_hzn_s0:
        warnings |= WARN_TX_HORIZON_DISTANCE_1
    if d_hzn1 < 0.1 * d_hzn_s1:
        warnings |= WARN_RX_HORIZON_DISTANCE_1
    if d_hzn0 > 3.0 * d_hzn_s0:
        warnings |= WARN_TX_HORIZON_DISTANCE_2
    if d_hzn1 > 3.0 * d_hzn_s1:
        warnings |= WARN_RX_HORIZON_DISTANCE_2
    if n_s < 150.0:
        return 0.0, warnings, 0, ERR_SURFACE_REFRACTIVITY_SMALL
    if n_s > 400.0:
        return 0.0, warnings, 0, ERR_SURFACE_REFRACTIVITY_LARGE
    if n_s < 250.0:
        warnings |= WARN_SURFACE_REFRACTIVITY
    if a_e < 4000000.0 or a_e > 13333333.0:
        return 0.0, warnings, 0, ERR_EFFECTIVE_EARTH
    if z_g.real <= abs(z_g.imag):
        return 0.0, warnings, 0, ERR_GROUND_IMPEDANCE

    # two distances far into the diffraction region -> the diffraction line
    scale = (a_e * a_e / f_mhz) ** THIRD
    d_3 = max(d_sml, d_ml + 5.0 * scale)
    d_4 = d_3 + 10.0 * scale
    a_3 = diffraction_loss(d_3, d_hzn0, d_hzn1, h_e0, h_e1, z_g, a_e, delta_h, h0, h1, mode, theta_los, d_sml, f_mhz)
    a_4 = diffraction_loss(d_4, d_hzn0, d_hzn1, h_e0, h_e1, z_g, a_e, delta_h, h0, h1, mode, theta_los, d_sml, f_mhz)
    m_d = (a_4 - a_3) / (d_4 - d_3)
    a_d0 = a_3 - m_d * d_3

    d_min = abs(h_e0 - h_e1) / 200e-3
    if d_m < d_min:
        warnings |= WARN_PATH_DISTANCE_TOO_SMALL_1
    if d_m < 1e3:
        warnings |= WARN_PATH_DISTANCE_TOO_SMALL_2
    if d_m > 1000e3:
        warnings |= WARN_PATH_DISTANCE_TOO_BIG_1
    if d_m > 2000e3:
        warnings |= WARN_PATH_DISTANCE_TOO_BIG_2

    if d_m < d_sml:
        # line-of-sight region: A = A_o + k1 d + k2 ln d fitted to 3 points [ERL 79-ITS 67 3.19-3.21]
        a_ref = line_of_sight_line(d_m, d_sml, d_ml, m_d, a_d0, h_e0, h_e1, z_g, delta_h, f_mhz)
        propmode = PROPMODE_LOS
    else:
        # beyond the horizon: diffraction line, or troposcatter line past d_x
        a_ref, tropo = beyond_horizon_line(d_m, theta0, theta1, d_hzn0, d_hzn1, h_e0, h_e1, a_e, n_s, f_mhz,
                                           theta_los, d_sml, d_ml, scale, m_d, a_d0)
        propmode = PROPMODE_TROPOSCATTER if tropo else PROPMODE_DIFFRACTION
    return max(a_ref, 0.0), warnings, propmode, ERR_NONE


@njit(cache=True, inline="always")  # in hot loops: no call per sample or cell
def line_of_sight_line(d_m, d_sml, d_ml, m_d, a_d0, h_e0, h_e1, z_g, delta_h, f_mhz):
    """A_ref in line of sight: A_o + k1 d + k2 ln d fitted to 3 points [ERL 79-ITS 67 3.19-3.21;
    Algorithm 4.20-4.28], given the diffraction line (slope ``m_d``, intercept ``a_d0``)."""
    a_sml = d_sml * m_d + a_d0
    d_0 = 0.04 * f_mhz * h_e0 * h_e1
    if a_d0 >= 0.0:
        d_0 = min(d_0, 0.5 * d_ml)
        d_1 = d_0 + 0.25 * (d_ml - d_0)
    else:
        d_1 = max(-a_d0 / m_d, 0.25 * d_ml)
    a_1 = line_of_sight_loss(d_1, h_e0, h_e1, z_g, delta_h, m_d, a_d0, d_sml, f_mhz)
    flag = False
    k_1 = 0.0
    k_2 = 0.0
    if d_0 < d_1:
        a_0 = line_of_sight_loss(d_0, h_e0, h_e1, z_g, delta_h, m_d, a_d0, d_sml, f_mhz)
        q = math.log(d_sml / d_0)
        k_2 = max(
            0.0,
            ((d_sml - d_0) * (a_1 - a_0) - (d_1 - d_0) * (a_sml - a_0))
            / ((d_sml - d_0) * math.log(d_1 / d_0) - (d_1 - d_0) * q),
        )
        flag = a_d0 > 0.0 or k_2 > 0.0
        if flag:
            k_1 = (a_sml - a_0 - k_2 * q) / (d_sml - d_0)
            if k_1 < 0.0:
                k_1 = 0.0
                k_2 = fdim(a_sml, a_0) / q
                if k_2 == 0.0:
                    k_1 = m_d
    if not flag:
        k_1 = fdim(a_sml, a_1) / (d_sml - d_1)
        k_2 = 0.0
        if k_1 == 0.0:
            k_1 = m_d
    a_o = a_sml - k_1 * d_sml - k_2 * math.log(d_sml)
    return a_o + k_1 * d_m + k_2 * math.log(d_m)


@njit(cache=True, inline="always")  # in hot loops: no call per sample or cell
def beyond_horizon_line(d_m, theta0, theta1, d_hzn0, d_hzn1, h_e0, h_e1, a_e, n_s, f_mhz, theta_los, d_sml, d_ml,
                        scale, m_d, a_d0):
    """A_ref beyond the horizon: the diffraction line, or the troposcatter line past d_x [Algorithm
    4.29-4.37]; returns (A_ref dB, True where troposcatter)."""
    d_5 = d_ml + 200e3
    d_6 = d_ml + 400e3
    a_6, h0v = troposcatter_loss(d_6, theta0, theta1, d_hzn0, d_hzn1, h_e0, h_e1, a_e, n_s, f_mhz, theta_los, -1.0)
    a_5, h0v = troposcatter_loss(d_5, theta0, theta1, d_hzn0, d_hzn1, h_e0, h_e1, a_e, n_s, f_mhz, theta_los, h0v)
    if a_5 < 1000.0:
        m_s = (a_6 - a_5) / 200e3
        d_x = max(
            max(d_sml, d_ml + 1.088 * scale * math.log(f_mhz)),
            (a_5 - a_d0 - m_s * d_5) / (m_d - m_s),
        )
        a_s0 = (m_d - m_s) * d_x + a_d0
    else:
        m_s = m_d
        a_s0 = a_d0
        d_x = 10e6
    if d_m > d_x:
        return m_s * d_m + a_s0, True
    return m_d * d_m + a_d0, False


@njit(cache=True)
def qerfi(q):
    """Inverse complementary normal distribution [Abramowitz & Stegun 26.2.23; Algorithm 7.1]."""
    x = 1.0 - q if q > 0.5 else q
    t = math.sqrt(-2.0 * math.log(x))
    zeta = ((0.010328 * t + 0.802853) * t + 2.515516) / (((0.001308 * t + 0.189269) * t + 1.432788) * t + 1.0)
    z = t - zeta
    return -z if q > 0.5 else z


@njit(cache=True)
def curve(c1, c2, x1, x2, x3, d_e):
    """Climate curve fit [TN101v2 III.69, III.70; Algorithm 5.5]."""
    r = d_e / x1
    return (c1 + c2 / (1.0 + ((d_e - x2) / x3) ** 2)) * (r * r) / (1.0 + r * r)


@njit(cache=True, inline="always")
def mode_quantiles(kdv, z_t, z_l, z_s):
    """(z_t, z_l) as the variability mode ties them to the situation / time quantile [Algorithm 5.6]:
    0 single message (both z_s), 1 accidental (z_l = z_s), 2 mobile (z_l = z_t), 3 broadcast (as given)."""
    if kdv == 0:
        return z_s, z_s
    if kdv == 1:
        return z_t, z_s
    if kdv == 2:
        return z_t, z_t
    return z_t, z_l


@njit(cache=True)
def variability(time, location, situation, h_e0, h_e1, delta_h, f_mhz, d_m, a_ref, climate, mdvar):
    """Attenuation below free space at the given quantiles [Algorithm section 5; Hufford 1982].

    ``mdvar``: 0 single message, 1 accidental, 2 mobile, 3 broadcast; +10 removes location
    variability, +20 removes direct situation variability. Returns (loss dB, warning flags).
    """
    warnings = 0
    z_t = qerfi(time / 100.0)
    z_l = qerfi(location / 100.0)
    z_s = qerfi(situation / 100.0)
    c = climate - 1
    wn = f_mhz / 47.7
    d_ex = (
        math.sqrt(2.0 * A_9000_M * h_e0) + math.sqrt(2.0 * A_9000_M * h_e1) + (575.7e12 / wn) ** THIRD
    )  # [Algorithm 5.3]
    d_e = 130e3 * d_m / d_ex if d_m < d_ex else 130e3 + d_m - d_ex  # effective distance [Algorithm 5.4]

    kdv = mdvar
    plus20 = kdv >= 20
    if plus20:
        kdv -= 20
    sigma_s = 0.0 if plus20 else 5.0 + 3.0 * math.exp(-d_e / 100e3)  # [Algorithm 5.10]
    plus10 = kdv >= 10
    if plus10:
        kdv -= 10

    v_med = curve(_ALL_YEAR[0, c], _ALL_YEAR[1, c], _ALL_YEAR[2, c], _ALL_YEAR[3, c], _ALL_YEAR[4, c], d_e)
    z_t, z_l = mode_quantiles(kdv, z_t, z_l, z_s)
    if abs(z_t) > 3.10 or abs(z_l) > 3.10 or abs(z_s) > 3.10:
        warnings |= WARN_EXTREME_VARIABILITIES

    if plus10:
        sigma_l = 0.0
    else:
        dhd = delta_h * (1.0 - 0.8 * math.exp(-d_m / 50e3))
        sigma_l = 10.0 * wn * dhd / (wn * dhd + 13.0)  # [Algorithm 5.9]

    q = math.log(0.133 * wn)
    g_minus = _BFM[0, c] + _BFM[1, c] / ((_BFM[2, c] * q) ** 2 + 1.0)
    g_plus = _BFP[0, c] + _BFP[1, c] / ((_BFP[2, c] * q) ** 2 + 1.0)
    sigma_t_minus = curve(_BSM[0, c], _BSM[1, c], _BSM[2, c], _BSM[3, c], _BSM[4, c], d_e) * g_minus
    sigma_t_plus = curve(_BSP[0, c], _BSP[1, c], _BSP[2, c], _BSP[3, c], _BSP[4, c], d_e) * g_plus
    result = combine_variability(a_ref, v_med, sigma_t_minus, sigma_t_plus, sigma_s, sigma_l, z_t, z_l, z_s, kdv, c)
    return result, warnings


@njit(cache=True, inline="always")  # in hot loops: no call per sample or cell
def combine_variability(a_ref, v_med, sigma_t_minus, sigma_t_plus, sigma_s, sigma_l, z_t, z_l, z_s, kdv, c):
    """Attenuation below free space from the reference attenuation ``a_ref``, the climate's median term
    ``v_med`` and the time, location and situation spreads at their quantiles ``z_t``, ``z_l``, ``z_s``
    (``kdv``: the variability mode without its +10 / +20 flags; ``c``: climate index) [Algorithm 5.6-5.12]."""
    y_l = sigma_l * z_l
    sigma_td = _C_D[c] * sigma_t_plus
    tgtd = (sigma_t_plus - sigma_td) * _Z_D[c]
    if z_t < 0.0:
        sigma_t = sigma_t_minus
    elif z_t <= _Z_D[c]:
        sigma_t = sigma_t_plus
    else:
        sigma_t = sigma_td + tgtd / z_t
    y_t = sigma_t * z_t

    y_s_temp = sigma_s * sigma_s + y_t * y_t / (7.8 + z_s * z_s) + y_l * y_l / (24.0 + z_s * z_s)  # [Algorithm 5.11]
    if kdv == 0:
        y_r = 0.0
        y_s = math.sqrt(sigma_t * sigma_t + sigma_l * sigma_l + y_s_temp) * z_s
    elif kdv == 1:
        y_r = y_t
        y_s = math.sqrt(sigma_l * sigma_l + y_s_temp) * z_s
    elif kdv == 2:
        y_r = math.sqrt(sigma_t * sigma_t + sigma_l * sigma_l) * z_t
        y_s = math.sqrt(y_s_temp) * z_s
    else:
        y_r = y_t + y_l
        y_s = math.sqrt(y_s_temp) * z_s
    result = a_ref - v_med - y_r - y_s
    if result < 0.0:
        result = result * (29.0 - result) / (29.0 - 10.0 * result)  # [Algorithm 5.12]
    return result


@njit(cache=True)
def reference_and_total(theta0, theta1, f_mhz, z_g, d_hzn0, d_hzn1, h_e0, h_e1, gamma_e, n_s, delta_h,
                        h0, h1, d_m, mode, climate, mdvar, time, location, situation):
    """A_ref, then loss = free space + variability; returns (loss, a_ref, warnings, propmode, err)."""
    a_ref, warn, propmode, err = longley_rice(
        theta0, theta1, f_mhz, z_g, d_hzn0, d_hzn1, h_e0, h_e1, gamma_e, n_s, delta_h, h0, h1, d_m, mode
    )
    if err != ERR_NONE:
        return math.nan, a_ref, warn, propmode, err
    var_db, w2 = variability(time, location, situation, h_e0, h_e1, delta_h, f_mhz, d_m, a_ref, climate, mdvar)
    return free_space_loss(d_m, f_mhz) + var_db, a_ref, warn | w2, propmode, ERR_NONE


__all__ = [
    "MODE_P2P",
    "free_space_loss",
    "initialize",
    "initialize_area",
    "longley_rice",
    "qerfi",
    "reference_and_total",
    "validate_inputs",
    "variability",
]
