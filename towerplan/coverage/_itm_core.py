"""Numba kernels of the Irregular Terrain Model (Longley-Rice): the propagation core.

Plain floats and complex numbers in, floats out; no Python objects, no
validation beyond what the model itself does (the public layer,
:mod:`towerplan.coverage.itm`, validates). Written from

* G.A. Hufford, "The ITS Irregular Terrain Model, version 1.2.2, the Algorithm"
  (ITS, 1995) -- cited below as [Algorithm];
* A.G. Longley and P.L. Rice, "Prediction of tropospheric radio transmission loss
  over irregular terrain: a computer method", ESSA Tech. Rep. ERL 79-ITS 67 (1968)
  -- [ERL 79-ITS 67];
* P.L. Rice et al., NBS Technical Note 101 (1967) -- [TN101];
* L.E. Vogler, "Calculation of groundwave attenuation in the far diffraction
  region", Radio Science 68D (1964) -- [Vogler 1964];
* NTIA/ITS's public-domain reference implementation of ITM v1.4 (github.com/NTIA/itm),
  whose structure and constants this port follows so that the results agree with its
  published test vectors.

Distances are metres, heights metres, frequency MHz, losses dB.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# --------------------------------------------------------------------- constants
A_0_M = 6370e3  # actual earth radius used by Vogler's C_0 [Vogler 1964]
A_9000_M = 9000e3  # effective earth radius of the variability curves [Algorithm, 5.3]
THIRD = 1.0 / 3.0
SQRT2 = math.sqrt(2.0)

MODE_P2P = 0
MODE_AREA = 1

PROPMODE_LOS = 1
PROPMODE_DIFFRACTION = 2
PROPMODE_TROPOSCATTER = 3

# warning flags (values of NTIA/ITM's Warnings.h, so flags can be compared 1:1)
WARN_TX_TERMINAL_HEIGHT = 0x0001
WARN_RX_TERMINAL_HEIGHT = 0x0002
WARN_FREQUENCY = 0x0004
WARN_PATH_DISTANCE_TOO_BIG_1 = 0x0008
WARN_PATH_DISTANCE_TOO_BIG_2 = 0x0010
WARN_PATH_DISTANCE_TOO_SMALL_1 = 0x0020
WARN_PATH_DISTANCE_TOO_SMALL_2 = 0x0040
WARN_TX_HORIZON_ANGLE = 0x0080
WARN_RX_HORIZON_ANGLE = 0x0100
WARN_TX_HORIZON_DISTANCE_1 = 0x0200
WARN_RX_HORIZON_DISTANCE_1 = 0x0400
WARN_TX_HORIZON_DISTANCE_2 = 0x0800
WARN_RX_HORIZON_DISTANCE_2 = 0x1000
WARN_EXTREME_VARIABILITIES = 0x2000
WARN_SURFACE_REFRACTIVITY = 0x4000

# error codes (NTIA/ITM's Errors.h numbering; 2xxx are towerplan's own)
ERR_NONE = 0
ERR_TX_TERMINAL_HEIGHT = 1000
ERR_RX_TERMINAL_HEIGHT = 1001
ERR_INVALID_RADIO_CLIMATE = 1002
ERR_INVALID_TIME = 1003
ERR_INVALID_LOCATION = 1004
ERR_INVALID_SITUATION = 1005
ERR_REFRACTIVITY = 1008
ERR_FREQUENCY = 1009
ERR_POLARIZATION = 1010
ERR_EPSILON = 1011
ERR_SIGMA = 1012
ERR_GROUND_IMPEDANCE = 1013
ERR_MDVAR = 1014
ERR_EFFECTIVE_EARTH = 1016
ERR_PATH_DISTANCE = 1017
ERR_DELTA_H = 1018
ERR_TX_SITING_CRITERIA = 1019
ERR_RX_SITING_CRITERIA = 1020
ERR_SURFACE_REFRACTIVITY_SMALL = 1021
ERR_SURFACE_REFRACTIVITY_LARGE = 1022
ERR_PROFILE = 2001  # profile too short, non-positive step, or NaN elevations

# ------------------------------------------------------------ climate tables
# [Algorithm, Table 5.1] / [TN101 Fig 10.13] curve-fit constants, one column per
# climate 1..7 (equatorial ... maritime temperate over sea).
_ALL_YEAR = np.array(
    [
        [-9.67, -0.62, 1.26, -9.21, -0.62, -0.39, 3.15],
        [12.7, 9.19, 15.5, 9.05, 9.19, 2.86, 857.9],
        [144.9e3, 228.9e3, 262.6e3, 84.1e3, 228.9e3, 141.7e3, 2222.0e3],
        [190.3e3, 205.2e3, 185.2e3, 101.1e3, 205.2e3, 315.9e3, 164.8e3],
        [133.8e3, 143.6e3, 99.8e3, 98.6e3, 143.6e3, 167.4e3, 116.3e3],
    ]
)
_BSM = np.array(
    [
        [2.13, 2.66, 6.11, 1.98, 2.68, 6.86, 8.51],
        [159.5, 7.67, 6.65, 13.11, 7.16, 10.38, 169.8],
        [762.2e3, 100.4e3, 138.2e3, 139.1e3, 93.7e3, 187.8e3, 609.8e3],
        [123.6e3, 172.5e3, 242.2e3, 132.7e3, 186.8e3, 169.6e3, 119.9e3],
        [94.5e3, 136.4e3, 178.6e3, 193.5e3, 133.5e3, 108.9e3, 106.6e3],
    ]
)
_BSP = np.array(
    [
        [2.11, 6.87, 10.08, 3.68, 4.75, 8.58, 8.43],
        [102.3, 15.53, 9.60, 159.3, 8.12, 13.97, 8.19],
        [636.9e3, 138.7e3, 165.3e3, 464.4e3, 93.2e3, 216.0e3, 136.2e3],
        [134.8e3, 143.7e3, 225.7e3, 93.1e3, 135.9e3, 152.0e3, 188.5e3],
        [95.6e3, 98.6e3, 129.7e3, 94.2e3, 113.4e3, 122.7e3, 122.9e3],
    ]
)
_C_D = np.array([1.224, 0.801, 1.380, 1.000, 1.224, 1.518, 1.518])
_Z_D = np.array([1.282, 2.161, 1.282, 20.0, 1.282, 1.282, 1.282])
_BFM = np.array(
    [
        [1.0, 1.0, 1.0, 1.0, 0.92, 1.0, 1.0],
        [0.0, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 1.77, 0.0, 0.0],
    ]
)
_BFP = np.array(
    [
        [1.0, 0.93, 1.0, 0.93, 0.93, 1.0, 1.0],
        [0.0, 0.31, 0.0, 0.19, 0.31, 0.0, 0.0],
        [0.0, 2.00, 0.0, 1.79, 2.00, 0.0, 0.0],
    ]
)
_H0_A = np.array([25.0, 80.0, 177.0, 395.0, 705.0])
_H0_B = np.array([24.0, 45.0, 68.0, 80.0, 105.0])


@njit(cache=True)
def fdim(x: float, y: float) -> float:
    """Positive difference, C's ``fdim``."""
    return x - y if x > y else 0.0


# ------------------------------------------------------------------ diffraction
@njit(cache=True)
def fresnel_integral(v2: float) -> float:
    """Knife-edge loss A(v, 0) in dB from v**2 [TN101v2 III.24; ERL 79-ITS 67 3.27]."""
    if v2 < 5.76:
        return 6.02 + 9.11 * math.sqrt(v2) - 1.27 * v2
    return 12.953 + 10.0 * math.log10(v2)


@njit(cache=True)
def knife_edge(d_m, f_mhz, a_e_m, theta_los, d_hzn0_m, d_hzn1_m):
    """Double knife-edge loss at distance ``d_m`` [TN101 I.1, I.7; Algorithm 4.12]."""
    d_ml = d_hzn0_m + d_hzn1_m
    theta_nlos = d_m / a_e_m - theta_los
    d_nlos = d_m - d_ml
    c = 0.0795775 * (f_mhz / 47.7) * theta_nlos * theta_nlos
    v_1 = c * d_hzn0_m * d_nlos / (d_nlos + d_hzn0_m)
    v_2 = c * d_hzn1_m * d_nlos / (d_nlos + d_hzn1_m)
    return fresnel_integral(v_1) + fresnel_integral(v_2)


@njit(cache=True)
def height_function(x_km, k):
    """Vogler's height-gain function F(x, K) in dB [Vogler 1964; Algorithm 4.20]."""
    if x_km < 200.0:
        w = -math.log(k)
        if k < 1e-5 or x_km * w * w * w > 5495.0:
            result = -117.0
            if x_km > 1.0:
                result = 17.372 * math.log(x_km) + result
        else:
            result = 2.5e-5 * x_km * x_km / k - 8.686 * w - 15.0
    else:
        result = 0.05751 * x_km - 4.343 * math.log(x_km)
        if x_km < 2000.0:
            w = 0.0134 * x_km * math.exp(-0.005 * x_km)
            result = (1.0 - w) * result + w * (17.372 * math.log(x_km) - 117.0)
    return result


@njit(cache=True)
def smooth_earth(d_m, f_mhz, a_e_m, theta_los, d_hzn0_m, d_hzn1_m, h_e0_m, h_e1_m, z_g):
    """Smooth-earth diffraction loss, Vogler's three-radii method [Algorithm 4.13-4.20]."""
    theta_nlos = d_m / a_e_m - theta_los
    d_ml = d_hzn0_m + d_hzn1_m
    a0 = (d_m - d_ml) / (d_m / a_e_m - theta_los)
    a1 = 0.5 * d_hzn0_m * d_hzn0_m / h_e0_m
    a2 = 0.5 * d_hzn1_m * d_hzn1_m / h_e1_m
    dk0 = a0 * theta_nlos / 1000.0
    dk1 = d_hzn0_m / 1000.0
    dk2 = d_hzn1_m / 1000.0
    abs_zg = abs(z_g)
    f_third = f_mhz**THIRD
    c0_0 = ((4.0 / 3.0) * A_0_M / a0) ** THIRD
    c0_1 = ((4.0 / 3.0) * A_0_M / a1) ** THIRD
    c0_2 = ((4.0 / 3.0) * A_0_M / a2) ** THIRD
    k0 = 0.017778 * c0_0 * f_mhz ** (-THIRD) / abs_zg
    k1 = 0.017778 * c0_1 * f_mhz ** (-THIRD) / abs_zg
    k2 = 0.017778 * c0_2 * f_mhz ** (-THIRD) / abs_zg
    x1 = (1.607 - k1) * c0_1 * c0_1 * f_third * dk1
    x2 = (1.607 - k2) * c0_2 * c0_2 * f_third * dk2
    x0 = (1.607 - k0) * c0_0 * c0_0 * f_third * dk0 + x1 + x2
    g_x = 0.05751 * x0 - 10.0 * math.log10(x0)  # [TN101 8.4], [Vogler 1964 13]
    return g_x - height_function(x1, k1) - height_function(x2, k2) - 20.0


@njit(cache=True)
def terrain_roughness(d_m, delta_h_m):
    """Delta h(d), the interdecile range over distance d [ERL 79-ITS 67 eq. 3]."""
    return delta_h_m * (1.0 - 0.8 * math.exp(-d_m / 50e3))


@njit(cache=True)
def sigma_h(delta_h_m):
    """RMS terrain deviation within the first Fresnel zone [ERL 79-ITS 67 3.6a]."""
    return 0.78 * delta_h_m * math.exp(-0.5 * delta_h_m**0.25)


@njit(cache=True)
def diffraction_loss(d_m, d_hzn0, d_hzn1, h_e0, h_e1, z_g, a_e, delta_h, h0, h1, mode, theta_los, d_sml, f_mhz):
    """Weighted knife-edge / smooth-earth diffraction loss plus clutter [Algorithm 4.11-4.20]."""
    a_k = knife_edge(d_m, f_mhz, a_e, theta_los, d_hzn0, d_hzn1)
    a_se = smooth_earth(d_m, f_mhz, a_e, theta_los, d_hzn0, d_hzn1, h_e0, h_e1, z_g)
    s_h = sigma_h(terrain_roughness(d_sml, delta_h))
    a_fo = min(15.0, 5.0 * math.log10(1.0 + 1e-5 * h0 * h1 * f_mhz * s_h))  # [ERL 79-ITS 67 3.38c]
    delta_h_d = terrain_roughness(d_m, delta_h)
    q = h0 * h1
    qk = h_e0 * h_e1 - q
    if mode == MODE_P2P:
        q += 10.0  # C ~ 10 for low antennas with known path [ERL 79-ITS 67 p. 3-8]
    term1 = math.sqrt(1.0 + qk / q)
    d_ml = d_hzn0 + d_hzn1
    q = (term1 + (-theta_los * a_e + d_ml) / d_m) * min(delta_h_d * f_mhz / 47.7, 6283.2)
    w = 25.1 / (25.1 + math.sqrt(q))  # [ERL 79-ITS 67 3.23]
    return w * a_se + (1.0 - w) * a_k + a_fo


# ---------------------------------------------------------------- line of sight
@njit(cache=True)
def line_of_sight_loss(d_m, h_e0, h_e1, z_g, delta_h, m_d, a_d0, d_sml, f_mhz):
    """Two-ray loss blended with extended diffraction [Algorithm 4.43-4.51]."""
    s_h = sigma_h(terrain_roughness(d_m, delta_h))
    wn = f_mhz / 47.7
    hsum = h_e0 + h_e1
    sin_psi = hsum / math.sqrt(d_m * d_m + hsum * hsum)
    r_e = (sin_psi - z_g) / (sin_psi + z_g) * math.exp(-min(10.0, wn * s_h * sin_psi))
    q = r_e.real * r_e.real + r_e.imag * r_e.imag
    if q < 0.25 or q < sin_psi:
        r_e = r_e * math.sqrt(sin_psi / q)
    delta_phi = wn * 2.0 * h_e0 * h_e1 / d_m
    if delta_phi > math.pi / 2.0:
        delta_phi = math.pi - (math.pi / 2.0) ** 2 / delta_phi
    rr_re = math.cos(delta_phi) + r_e.real
    rr_im = -math.sin(delta_phi) + r_e.imag
    a_t = -10.0 * math.log10(rr_re * rr_re + rr_im * rr_im)
    a_d = m_d * d_m + a_d0
    w = 1.0 / (1.0 + f_mhz * delta_h / max(10e3, d_sml))
    return w * a_t + (1.0 - w) * a_d


# ---------------------------------------------------------------- troposcatter
@njit(cache=True)
def f_function(td):
    """Attenuation function F(theta d) [Algorithm 6.9]."""
    if td <= 10e3:
        return 133.4 + 0.332e-3 * td - 10.0 * math.log10(td)
    if td <= 70e3:
        return 104.6 + 0.212e-3 * td - 2.5 * math.log10(td)
    return 71.8 + 0.157e-3 * td + 5.0 * math.log10(td)


@njit(cache=True)
def h0_curve(j, r):
    """H_01(r, j) [Algorithm 6.13]."""
    ir = 1.0 / r
    return 10.0 * math.log10(1.0 + _H0_A[j] * ir**4 + _H0_B[j] * ir * ir)


@njit(cache=True)
def h0_function(r, eta_s):
    """Troposcatter frequency-gain function H_0 [TN101 9.2; Algorithm 6.12]."""
    eta_s = min(max(eta_s, 1.0), 5.0)
    i = int(eta_s)
    q = eta_s - i
    result = h0_curve(i - 1, r)
    if q != 0.0:
        result = (1.0 - q) * result + q * h0_curve(i, r)
    return result


@njit(cache=True)
def troposcatter_loss(d_m, theta0, theta1, d_hzn0, d_hzn1, h_e0, h_e1, a_e, n_s, f_mhz, theta_los, h0_in):
    """Troposcatter loss at ``d_m``; returns (loss dB, H_0 to pass to the next call) [Algorithm 4.52-4.67]."""
    wn = f_mhz / 47.7
    if h0_in > 15.0:
        h_0 = h0_in
    else:
        ad = d_hzn0 - d_hzn1
        rr = h_e1 / h_e0
        if ad < 0.0:
            ad = -ad
            rr = 1.0 / rr
        theta = theta0 + theta1 + d_m / a_e
        r_1 = 2.0 * wn * theta * h_e0
        r_2 = 2.0 * wn * theta * h_e1
        if r_1 < 0.2 and r_2 < 0.2:
            return 1001.0, h0_in  # A_scat undefined [Algorithm p. 11]
        s = (d_m - ad) / (d_m + ad)
        q = min(max(0.1, rr / s), 10.0)
        s = max(0.1, s)
        h_0m = (d_m - ad) * (d_m + ad) * theta * 0.25 / d_m
        eta_s = (h_0m / 1.7556e3) * (
            1.0 + (0.031 - n_s * 2.32e-3 + n_s * n_s * 5.67e-6) * math.exp(-(min(1.7, h_0m / 8.0e3) ** 6))
        )
        h_00 = (h0_function(r_1, eta_s) + h0_function(r_2, eta_s)) / 2.0
        delta_h0 = min(h_00, 6.0 * (0.6 - math.log10(max(eta_s, 1.0))) * math.log10(s) * math.log10(q))
        h_0 = max(h_00 + delta_h0, 0.0)
        if eta_s < 1.0:
            h_0 = eta_s * h_0 + (1.0 - eta_s) * 10.0 * math.log10(
                ((1.0 + SQRT2 / r_1) * (1.0 + SQRT2 / r_2)) ** 2 * (r_1 + r_2) / (r_1 + r_2 + 2.0 * SQRT2)
            )
        if h_0 > 15.0 and h0_in >= 0.0:
            h_0 = h0_in
    th = d_m / a_e - theta_los
    loss = (
        f_function(th * d_m)
        + 10.0 * math.log10(wn * 47.7 * th**4)
        - 0.1 * (n_s - 301.0) * math.exp(-th * d_m / 40e3)
        + h_0
    )
    return loss, h_0
